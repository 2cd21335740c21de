"""Reading a file from disk into text plus what only the file knows (pages, ruled tables)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from extractors.tables import RawTable
from pipeline.errors import EmptyDocument, UndecodableText, UnsupportedMediaType

TEXT_SUFFIXES = {".txt", ".text", ".md"}


@dataclass
class LoadedText:
    text: str
    media_type: str
    page_count: int | None = None
    # 1-based page of each line of `text` (same length as text.split("\n")); None for plain text.
    line_pages: list[int] | None = None
    # 1-based page each line ends on (a paragraph may run onto the next page); None = line_pages.
    line_end_pages: list[int] | None = None
    # Tables found by layout analysis (PDF only); their lines are already left out of `text`.
    tables: list[RawTable] = field(default_factory=list)
    # (code, message) of what the loader could not read, e.g. ("image_only_pages", "page(s) 3 ...").
    warnings: list[tuple[str, str]] = field(default_factory=list)
    # The running headers and footers the loader left out of `text`, each once (they may name the
    # authority: "Ballerup Kommune · Side 3").
    furniture: list[str] = field(default_factory=list)


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sniff_media_type(path: Path, head: bytes) -> str:
    if head.lstrip(b"\x00\t\r\n ").startswith(b"%PDF") or path.suffix.lower() == ".pdf":
        return "application/pdf"
    if path.suffix.lower() in TEXT_SUFFIXES or not path.suffix:
        return "text/plain"
    raise UnsupportedMediaType(f"{path.name}: unsupported file type {path.suffix!r} (expected .pdf or .txt)")


def decode_text(data: bytes, name: str) -> str:
    if b"\x00" in data[:4096]:
        raise UndecodableText(f"{name}: binary data in a text file (NUL bytes)")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UndecodableText(f"{name}: neither UTF-8 nor Windows-1252 text")


def load(path: Path, data: bytes) -> LoadedText:
    """Turn the bytes of `path` into text. Raises a DocumentError with a specific code."""
    if not data:
        raise EmptyDocument(f"{path.name}: file is empty (0 bytes)")
    media_type = sniff_media_type(path, data[:1024])
    if media_type == "application/pdf":
        from pipeline.pdf import load_pdf  # pdf stack is heavy; import only when needed

        return load_pdf(path, data)
    text = decode_text(data, path.name)
    if not text.strip():
        raise EmptyDocument(f"{path.name}: file holds only whitespace")
    return LoadedText(text=text, media_type=media_type)
