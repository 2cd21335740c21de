"""Loaders: a file to one loaded document (loaders.base.LoadedDocument), one module per format.

The format is told by content first (a PDF header, a JSON object of the FirstAgenda publication
API, an XML export of SBSYS/eDoc, an HTML page), by the file name's extension only where the
content leaves it open. Heavy stacks (PDF) are imported only when a document needs them.

| module | format |
| --- | --- |
| `text` | plain text |
| `pdf` (+ `pdf_layout`, `page_furniture`) | PDF with a text layer |
| `firstagenda` | FirstAgenda publication API JSON (one meeting) |
| `firstagenda_html` | a saved FirstAgenda meeting web page |
| `sbsys` | SBSYS/eDoc eDagsorden XML export |
| `html` | any other HTML page of minutes, read as text with its headings |
| `html_text` | HTML to lines and tables, shared by the HTML-reading loaders |
| `builder` | the text a structured loader renders a meeting to, line by line |
| `meeting_text` | names, dates and dated decisions as meeting systems write them |
"""

from __future__ import annotations

from pathlib import Path

from loaders.base import LoadedDocument, LoadedText, sha256_of
from loaders.errors import EmptyDocument, UnsupportedMediaType
from loaders.text import decode_text, load_text

TEXT_SUFFIXES = {".txt", ".text", ".md"}
MARKUP_SUFFIXES = {".html", ".htm", ".xhtml", ".xml"}

__all__ = ["LoadedDocument", "LoadedText", "load", "sha256_of", "sniff_media_type", "decode_text"]


def sniff_media_type(path: Path, head: bytes) -> str:
    """The media type by content (the first KiB), the extension only where content says nothing."""
    start = head.lstrip(b"\xef\xbb\xbf\x00\t\r\n ")
    suffix = path.suffix.lower()
    if start.startswith(b"%PDF") or suffix == ".pdf":
        return "application/pdf"
    if start[:1] in (b"{", b"[") and suffix not in TEXT_SUFFIXES:
        return "application/json"
    if start[:1] == b"<" and suffix not in TEXT_SUFFIXES:
        lowered = start[:1024].lower()
        if b"<html" in lowered or b"<!doctype html" in lowered:
            return "text/html"
        # An XML declaration (whatever the extension: an export saved as .html is still an
        # export; XHTML whose <html> comes later is handed on by the XML loader), else markup
        # without one: HTML, whose parser reads fragments too.
        if start.startswith(b"<?xml") or suffix == ".xml":
            return "application/xml"
        return "text/html"
    if suffix == ".json":
        return "application/json"
    if suffix in (".html", ".htm", ".xhtml"):
        return "text/html"
    if suffix == ".xml":
        return "application/xml"
    if suffix in TEXT_SUFFIXES or not suffix:
        return "text/plain"
    raise UnsupportedMediaType(
        f"{path.name}: unsupported file type {path.suffix!r} (expected PDF, text, FirstAgenda JSON, "
        "an SBSYS/eDoc XML export or an HTML page)")


def load(path: Path, data: bytes) -> LoadedDocument:
    """Turn the bytes of `path` into a loaded document. Raises a DocumentError with a specific code."""
    if not data:
        raise EmptyDocument(f"{path.name}: file is empty (0 bytes)")
    media_type = sniff_media_type(path, data[:1024])
    if media_type == "application/pdf":
        from loaders.pdf import load_pdf  # pdf stack is heavy; import only when needed

        return load_pdf(path, data)
    if media_type == "application/json":
        from loaders.firstagenda import load_firstagenda

        return load_firstagenda(path.name, data)
    if media_type == "application/xml":
        from loaders.sbsys import load_sbsys

        return load_sbsys(path.name, data)
    if media_type == "text/html":
        from loaders.firstagenda_html import is_firstagenda_page, load_firstagenda_page
        from loaders.html import load_html

        return load_firstagenda_page(path.name, data) if is_firstagenda_page(data) else load_html(path.name, data)
    return load_text(path.name, data)
