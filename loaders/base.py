"""What every loader returns: one loaded document, the text the extractors read and what only the
file knows (pages, layout tables, running headers and footers, the structure a meeting system
publishes)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from extractors.tables import RawTable
from extractors.structure import Structure


@dataclass
class LoadedDocument:
    text: str
    media_type: str
    # The format it was read as: "text", "pdf", "firstagenda", "firstagenda-html", "sbsys", "html".
    system: str = "text"
    page_count: int | None = None
    # 1-based page of each line of `text` (same length as text.split("\n")); None for plain text.
    line_pages: list[int] | None = None
    # 1-based page each line ends on (a paragraph may run onto the next page); None = line_pages.
    line_end_pages: list[int] | None = None
    # Tables found by layout analysis (PDF) or markup (HTML); their lines are left out of `text`.
    tables: list[RawTable] = field(default_factory=list)
    # (code, message) of what the loader could not read, e.g. ("image_only_pages", "page(s) 3 ...").
    warnings: list[tuple[str, str]] = field(default_factory=list)
    # The running headers and footers the loader left out of `text`, each once (they may name the
    # authority: "Ballerup Kommune · Side 3").
    furniture: list[str] = field(default_factory=list)
    # What a meeting system states outright (meeting, participants, items and the lines of `text`
    # each item's fields were rendered to); None for documents that are only text.
    structure: Structure | None = None
    # The character encoding a text format was read in ("utf-8", "utf-16-le", "cp1252"); None for PDFs.
    encoding: str | None = None
    # Pages read by OCR (loaders.ocr): {"engine", "engine_version", "language",
    # "pages": [{"page", "mean_confidence", "words", "dpi"}]}; None when no page was OCR'd.
    ocr: dict | None = None


LoadedText = LoadedDocument  # the name before loaders/ had structured formats


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
