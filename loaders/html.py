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
import re

import lxml.html
from lxml import etree

from loaders.base import LoadedDocument
from loaders.builder import TextBuilder
from loaders.errors import CorruptDocument, EmptyDocument
from loaders.html_text import MAX_DEPTH, tree_depth

BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))


# <meta charset="iso-8859-1">, <meta http-equiv="Content-Type" content="text/html; charset=windows-1252">
META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{2,40})""", re.IGNORECASE)
# Stray bytes a UTF-8 page may hold and still be UTF-8: at most this share of its non-ASCII bytes.
STRAY_BYTES = 0.02


def page_encoding(data: bytes) -> str:
    """The encoding of an HTML page: its byte-order mark; UTF-16 without one (every other byte
    NUL); the charset its `<meta>` declares; else UTF-8 where the bytes are UTF-8 but for a few
    stray ones (decoded with replacement), else Windows-1252 (what browsers assume for Danish
    pages that declare nothing)."""
    for bom, encoding in BOMS:
        if data.startswith(bom):
            return encoding
    head = data[:4096]
    if len(head) >= 16:
        evens, odds = head[0::2].count(0), head[1::2].count(0)
        if odds > 0.4 * len(head) / 2 and evens < 0.05 * len(head) / 2:
            return "utf-16-le"
        if evens > 0.4 * len(head) / 2 and odds < 0.05 * len(head) / 2:
            return "utf-16-be"
    declared = META_CHARSET.search(head)
    if declared:
        try:
            name = codecs.lookup(declared.group(1).decode("ascii")).name
        except (LookupError, UnicodeDecodeError):
            name = None
        if name and name != "utf-8":
            return "cp1252" if name in ("latin-1", "iso8859-1", "iso8859-15") else name
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    high = sum(1 for b in data if b >= 0x80)
    stray = data.decode("utf-8", "replace").count("\ufffd")
    return "utf-8" if high and stray <= max(3, STRAY_BYTES * high) and stray < high / 2 else "cp1252"


def parse_page(name: str, data: bytes) -> etree._Element:
    """The page's root element. Raises CorruptDocument for what is no HTML page at all."""
    if not data.strip():
        raise EmptyDocument(f"{name}: the HTML page is empty")
    encoding = page_encoding(data)
    if encoding == "utf-8" and b"\x00" in data[:4096]:
        raise CorruptDocument(f"{name}: binary data in an HTML page (NUL bytes)")
    if encoding != "utf-8" or not _is_utf8(data):
        # one decoding for the whole page (a declared charset, UTF-16, a few stray bytes replaced)
        data = data.decode(encoding, "replace").encode("utf-8")
        encoding = "utf-8"
    # huge_tree: a page nested deeper than libxml2's default (256 levels) is read whole, never cut
    parser = lxml.html.HTMLParser(encoding=encoding, remove_comments=True, remove_pis=True, huge_tree=True)
    try:
        root = lxml.html.document_fromstring(data, parser=parser)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError) as exc:
        raise CorruptDocument(f"{name}: not a readable HTML page ({exc})") from exc
    if root is None:
        raise CorruptDocument(f"{name}: not a readable HTML page")
    depth = tree_depth(root)
    if depth > MAX_DEPTH:
        raise CorruptDocument(f"{name}: the page is nested more than {MAX_DEPTH} levels deep (no page of minutes "
                              "is): not read rather than read in part")
    return root


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


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
