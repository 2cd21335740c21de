"""Plain text files: decoded, nothing else known."""

from __future__ import annotations

from loaders.base import LoadedDocument
from loaders.errors import EmptyDocument, UndecodableText


def decode_text(data: bytes, name: str) -> str:
    if b"\x00" in data[:4096]:
        raise UndecodableText(f"{name}: binary data in a text file (NUL bytes)")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UndecodableText(f"{name}: neither UTF-8 nor Windows-1252 text")


def load_text(name: str, data: bytes) -> LoadedDocument:
    text = decode_text(data, name)
    if not text.strip():
        raise EmptyDocument(f"{name}: file holds only whitespace")
    return LoadedDocument(text=text, media_type="text/plain", system="text")
