"""Any HTML page of minutes, read as text with its headings (a page no meeting system's loader
knows: a municipality's own web page of minutes, a saved export).

The page is parsed with lxml (a real HTML parser: no regular expressions over markup) and
rendered to lines by loaders.html_text: headings on lines of their own, list entries as `- `,
`<table>`s as table records. Scripts, styles, forms, navigation (`<nav>`, `role="navigation"`) and
hidden elements are left out, and so is the site's footer (a `<footer>` outside `<main>` or
`<article>`). What the page is - minutes, an agenda or something else - is decided from the text
like for any other document: a page that is not minutes comes out `not_minutes`.

`parse_page` (bytes to an element tree, with the encoding found the way browsers do) is shared
with the FirstAgenda page loader.
"""

from __future__ import annotations

import codecs

import lxml.html
from lxml import etree

from loaders.base import LoadedDocument
from loaders.builder import TextBuilder
from loaders.errors import CorruptDocument, EmptyDocument

BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))


def page_encoding(data: bytes) -> str:
    """The encoding of an HTML page: its byte-order mark, else UTF-8 where the bytes are UTF-8,
    else Windows-1252 (what browsers assume for Danish pages that declare nothing)."""
    for bom, encoding in BOMS:
        if data.startswith(bom):
            return encoding
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        return "cp1252"


def parse_page(name: str, data: bytes) -> etree._Element:
    """The page's root element. Raises CorruptDocument for what is no HTML page at all."""
    if not data.strip():
        raise EmptyDocument(f"{name}: the HTML page is empty")
    encoding = page_encoding(data)
    if encoding == "utf-8" and b"\x00" in data[:4096]:
        raise CorruptDocument(f"{name}: binary data in an HTML page (NUL bytes)")
    if encoding.startswith("utf-16"):
        data = data.decode(encoding, "replace").encode("utf-8")
        encoding = "utf-8"
    parser = lxml.html.HTMLParser(encoding=encoding, remove_comments=True, remove_pis=True)
    try:
        root = lxml.html.document_fromstring(data, parser=parser)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError) as exc:
        raise CorruptDocument(f"{name}: not a readable HTML page ({exc})") from exc
    if root is None:
        raise CorruptDocument(f"{name}: not a readable HTML page")
    return root


def classes(element: etree._Element) -> set[str]:
    return set((element.get("class") or "").split())


def is_hidden(element: etree._Element) -> bool:
    """Hidden by the page itself: `hidden`, `aria-hidden="true"` or an inline `display: none`."""
    if element.get("hidden") is not None or (element.get("aria-hidden") or "").strip().lower() == "true":
        return True
    for declaration in (element.get("style") or "").split(";"):
        name, _, value = declaration.partition(":")
        if name.strip().lower() == "display" and value.strip().lower().startswith("none"):
            return True
    return False


def _in_content(element: etree._Element) -> bool:
    parent = element.getparent()
    while parent is not None:
        if isinstance(parent.tag, str) and (parent.tag.lower() in ("main", "article")
                                            or (parent.get("role") or "").lower() == "main"):
            return True
        parent = parent.getparent()
    return False


def _is_chrome(element: etree._Element) -> bool:
    tag, role = element.tag.lower(), (element.get("role") or "").lower()
    if tag == "nav" or role in ("navigation", "search") or is_hidden(element):
        return True
    # the site's footer (address, links), not an article's own
    return (tag == "footer" or role == "contentinfo") and not _in_content(element)


def drop_page_chrome(root: etree._Element) -> None:
    """Remove what is no part of the page's text: navigation, search, the site's footer and hidden
    elements (scripts, styles and forms the renderer leaves out itself)."""
    doomed = [el for el in root.iter() if isinstance(el.tag, str) and _is_chrome(el)]
    for element in doomed:
        if element.getparent() is not None:
            element.drop_tree()  # keeps the text that follows it


def load_html(name: str, data: bytes) -> LoadedDocument:
    root = parse_page(name, data)
    drop_page_chrome(root)
    body = root.find("body")
    builder = TextBuilder()
    builder.html(body if body is not None else root)
    if not any(builder.lines):
        raise EmptyDocument(f"{name}: the HTML page holds no text")
    return LoadedDocument(text=builder.text_value, media_type="text/html", system="html", tables=builder.tables)
