"""The text a structured loader renders a meeting to, built line by line.

A meeting system's publication (an SBSYS export, a FirstAgenda page) is rendered to the text shape
every document has: a few header lines, then per item a heading line `<number>. <title>` and its
fields, each field's name a heading line of its own and its content as lines (HTML through
loaders.html_text, tables as table records on blank placeholder lines). The builder keeps the
1-based line numbers the structure points at.

Field headings are set apart from the lines of the fields' content: a field's HTML may hold a line
that reads like a heading ("Beslutning:" in a quoted proposal, "INDSTILLING FRA …" in a letter)
without being one. A structured loader states the 1-based lines of each item's field headings
(`Bilag` and a stated absence line included) as `StatedItem.heading_lines`.
"""

from __future__ import annotations

import regex
from lxml import etree

from extractors.tables import RawTable
from loaders.html_text import render

# A line that carries no word and no number: ". ", "-", "•" (what an emptied field leaves).
_CONTENT = regex.compile(r"[\p{L}\p{N}]")


def has_content(line: str) -> bool:
    return bool(_CONTENT.search(line))


class TextBuilder:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.tables: list[RawTable] = []

    @property
    def next_line(self) -> int:
        """The 1-based number the next line will get."""
        return len(self.lines) + 1

    @property
    def last_line(self) -> int:
        return len(self.lines)

    def line(self, text: str) -> int:
        """Add one line (whitespace collapsed); returns its 1-based number."""
        self.lines.append(" ".join(text.split()))
        return self.last_line

    def blank(self) -> None:
        if self.lines and self.lines[-1] != "":
            self.lines.append("")

    def text(self, text: str) -> list[str]:
        """Plain text (a multi-line field): one line per line of it, empty ones left out."""
        added = [" ".join(t.split()) for t in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
        added = [t for t in added if has_content(t)]
        self.lines.extend(added)
        return added

    def html(self, html: str | etree._Element | None) -> list[str]:
        """HTML content rendered to lines; lines without any word or number are left out, and its
        tables stand on their placeholder lines. Returns the lines added (placeholders as "")."""
        return self.rendered(render(html, first_line=self.next_line))

    def rendered(self, rendered) -> list[str]:
        first = self.next_line
        keep: dict[int, int] = {}  # index in rendered.lines -> 1-based line in the text
        table_lines = {t.start_line - first for t in rendered.tables}
        added: list[str] = []
        for index, line in enumerate(rendered.lines):
            if index in table_lines or has_content(line):
                keep[index] = first + len(added)
                added.append(line)
        for table in rendered.tables:
            line = keep[table.start_line - first]
            table.start_line = table.end_line = line
            self.tables.append(table)
        self.lines.extend(added)
        return added

    @property
    def text_value(self) -> str:
        return "\n".join(self.lines) + "\n"
