"""Tables: finding them in text (tab or pipe columns) and parsing their cells."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class RawTable:
    """A table before it is tied to an item: rows of cell strings and where it sits.

    Lines are 1-based and refer to the document text; a PDF loader that finds a table by layout
    reports the lines of the text where the table stood (its text is left out of the text)."""

    rows: list[list[str]]
    start_line: int
    end_line: int
    page: int | None = None
    end_page: int | None = None
    caption: str | None = None
