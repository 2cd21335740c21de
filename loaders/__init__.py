"""Loaders: a file to one loaded document (loaders.base.LoadedDocument), one module per format.

The format is told by content first (a PDF header, a JSON object of the FirstAgenda publication
API, an XML export of SBSYS/eDoc, an HTML page), by the file name's extension only where the
content leaves it open; where the two disagree the record gets an `extension_mismatch` warning
(a `.txt` that starts with `%PDF` but is no readable PDF is read as text). Every document is read
under the input policy (`policy`: size, pages, characters, time, memory) and no control character
leaves `load`. Heavy stacks (PDF) are imported only when a document needs them.

| module | format |
| --- | --- |
| `text` | plain text: its encoding, mojibake, control characters |
| `policy` | the input policy: limits, from environment variables |
| `isolation` | a document's work in a forked child under the policy's limits |
| `pdf` (+ `pdf_layout`, `page_furniture`) | PDF with a text layer |
| `ocr` | pages without a usable text layer (scans), read by Tesseract in Danish, cached |
| `image` | scanned page images (PNG, JPEG, TIFF), read as image-only PDF pages by OCR |
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
from loaders.image import sniff_image
from loaders.errors import CorruptDocument, DocumentTooLarge, EmptyDocument, TooManyChars, UndecodableText, \
    UnsupportedMediaType
from loaders.policy import InputPolicy, check_chars, current_policy
from loaders.text import _bom, _nul_pattern, decode_text, load_text, scrub

TEXT_SUFFIXES = {".txt", ".text", ".md"}
MARKUP_SUFFIXES = {".html", ".htm", ".xhtml", ".xml"}
PDF_MAGIC = b"%PDF-"

__all__ = ["LoadedDocument", "LoadedText", "load", "sha256_of", "sniff_media_type", "decode_text"]


def _head_text(head: bytes) -> str:
    """The start of the content as text, whatever its Unicode encoding (UTF-16 JSON too)."""
    bom = _bom(head)
    encoding, skip = bom or (_nul_pattern(head) or "utf-8", 0)  # ASCII marks read alike in any code page
    return head[skip:].decode(encoding, errors="replace").lstrip("\ufeff\x00\t\r\n ")


def looks_like_pdf(head: bytes) -> bool:
    """PDF by content: the header first (after blanks). (In a file named .pdf, sniff_media_type
    also takes it anywhere in the first KiB: readers allow a little junk before it.)"""
    return head.lstrip(b"\xef\xbb\xbf\x00\t\r\n ").startswith(PDF_MAGIC[:4])


def sniff_media_type(path: Path, head: bytes) -> str:
    """The media type by content (the first KiB); the extension decides only where the content
    leaves it open (a `.txt` that starts with `{` stays text). A `.pdf` without a PDF header is
    what its content is (text, HTML, ...), `load` warns of the mismatch."""
    suffix = path.suffix.lower()
    if looks_like_pdf(head) or (suffix == ".pdf" and PDF_MAGIC in head[:1024]):
        return "application/pdf"
    image = sniff_image(head)  # a scanned page: PNG, JPEG, TIFF (read by OCR, loaders.image)
    if image:
        return image
    start = _head_text(head)
    if start[:1] in ("{", "[") and suffix not in TEXT_SUFFIXES:
        return "application/json"
    if start[:1] == "<" and suffix not in TEXT_SUFFIXES:
        lowered = start[:1024].lower()
        if "<html" in lowered or "<!doctype html" in lowered:
            return "text/html"
        # An XML declaration (whatever the extension: an export saved as .html is still an
        # export; XHTML whose <html> comes later is handed on by the XML loader), else markup
        # without one: HTML, whose parser reads fragments too.
        if start.startswith("<?xml") or suffix == ".xml":
            return "application/xml"
        return "text/html"
    if suffix == ".json":
        return "application/json"
    if suffix in (".html", ".htm", ".xhtml"):
        return "text/html"
    if suffix == ".xml":
        return "application/xml"
    if suffix in TEXT_SUFFIXES or not suffix or suffix == ".pdf":
        return "text/plain"
    raise UnsupportedMediaType(
        f"{path.name}: unsupported file type {path.suffix!r} (expected PDF, text, FirstAgenda JSON, "
        "an SBSYS/eDoc XML export, an HTML page or a scanned page image: PNG, JPEG, TIFF)")


def _mismatch(path: Path, media_type: str) -> str | None:
    """The warning where the extension says PDF and the content does not, or the other way round."""
    suffix = path.suffix.lower()
    kind = {"application/pdf": "a PDF", "application/json": "JSON", "application/xml": "XML",
            "text/html": "an HTML page", "text/plain": "plain text"}.get(media_type, media_type)
    if suffix == ".pdf" and media_type != "application/pdf":
        return f"{path.name} is named like a PDF but holds no PDF (no %PDF header): read as {kind}"
    if media_type == "application/pdf" and suffix != ".pdf":
        return f"{path.name} is named {suffix or 'without an extension'} but is a PDF: read as a PDF"
    if suffix == ".json" and media_type != "application/json":
        return f"{path.name} is named .json but is not JSON: read as {kind}"
    return None


def load(path: Path, data: bytes, policy: InputPolicy | None = None) -> LoadedDocument:
    """Turn the bytes of `path` into a loaded document under the input policy (loaders.policy).
    Raises a DocumentError with a specific code."""
    if not data:
        raise EmptyDocument(f"{path.name}: file is empty (0 bytes)")
    policy = policy or current_policy()
    if len(data) > policy.max_bytes:
        raise DocumentTooLarge(f"{path.name}: {len(data):,} bytes, more than the limit of {policy.max_bytes:,} "
                               "(REFERAT_MAX_BYTES)")
    media_type = sniff_media_type(path, data[:1024])
    mismatch = _mismatch(path, media_type)
    loaded = _load_as(path, data, media_type, policy)
    if mismatch and loaded.media_type != media_type:  # read as text after all (below)
        mismatch = None
    if mismatch:
        loaded.warnings.insert(0, ("extension_mismatch", mismatch))
    check_chars(loaded.text, path.name, policy)
    # control characters never reach a record, from any format (text already has none)
    loaded.text = scrub(loaded.text)
    scrub(loaded.furniture)
    scrub(loaded.tables)
    if loaded.structure is not None:
        scrub(loaded.structure)
    return loaded


# The loaders' modules by the file name's ending, for `prepare`.
_MODULES = {
    ".json": ("loaders.firstagenda",),
    ".xml": ("loaders.sbsys",),
    ".html": ("loaders.firstagenda_html", "loaders.html"),
    ".htm": ("loaders.firstagenda_html", "loaders.html"),
}


def prepare(path: Path) -> None:
    """Import here the loader that will most likely read `path` (by its name's ending; the PDF and
    image stacks never), so that each child forked to read a document of that kind finds it
    imported instead of importing it (and compiling its patterns) again: ~0.1 s a document.
    Only a head start: `load` imports what it needs itself."""
    import importlib

    for name in _MODULES.get(path.suffix.lower(), ()):
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - the child imports it itself, and reports what fails
            pass


def _load_as(path: Path, data: bytes, media_type: str, policy: InputPolicy) -> LoadedDocument:
    if media_type.startswith("image/"):
        from loaders.image import load_image  # pages read by OCR

        return load_image(path, data)
    if media_type == "application/pdf":
        from loaders.pdf import load_pdf  # pdf stack is heavy; import only when needed

        try:
            return load_pdf(path, data)
        except CorruptDocument as err:
            if path.suffix.lower() == ".pdf":
                raise
            # Not named a PDF and not a readable one: text that happens to start with %PDF.
            try:
                loaded = _load_text(path, data, policy)
            except UndecodableText:
                raise err from None
            loaded.warnings.insert(0, ("extension_mismatch", (
                f"{path.name} starts like a PDF (%PDF) but is not a readable one ({err.message}): read as text")))
            return loaded
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
    if path.suffix.lower() == ".pdf":
        try:
            return _load_text(path, data, policy)
        except UndecodableText:  # binary, and not a PDF either
            raise CorruptDocument(f"{path.name}: named like a PDF but is not a PDF (no %PDF header) "
                                  "and not text either") from None
    return _load_text(path, data, policy)


def _load_text(path: Path, data: bytes, policy: InputPolicy) -> LoadedDocument:
    # Every character takes at least one byte (four in UTF-32): far too many bytes are far too
    # many characters, known before decoding anything.
    if len(data) // 4 > policy.max_chars:
        raise TooManyChars(f"{path.name}: {len(data):,} bytes of text, more than the limit of "
                           f"{policy.max_chars:,} characters (REFERAT_MAX_CHARS)")
    return load_text(path.name, data, policy.max_chars)
