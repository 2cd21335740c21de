"""The table of contents: numbered entries with the page they start on."""

from __future__ import annotations

from dataclasses import dataclass

import regex

# A TOC line: a label, then a tab (dot leaders are turned into a tab by normalisation) or two
# spaces, then a page number at the end of the line.
TOC_LINE = regex.compile(r"^\s*(?P<label>\S.*?)(?:\t+|\s{2,})\s*(?P<page>\d{1,4})\s*$")
# A numbered label: "3.1. Fokusområder ...", "Punkt 3 Godkendelse", "5 Eventuelt".
NUMBERED = regex.compile(
    r"^(?:(?:punkt|pkt\.)\s*)?(?P<number>\d{1,3}(?:\.\d{1,3}){0,2})\.?\s+(?P<title>\S.*)$", regex.IGNORECASE
)


@dataclass
class TocEntry:
    number: str | None
    title: str
    page: int
    line: int  # 1-based


@dataclass
class Toc:
    entries: list[TocEntry]
    start_line: int
    end_line: int

    def numbered(self) -> list[TocEntry]:
        return [e for e in self.entries if e.number]


def find_toc(lines: list[str], min_entries: int = 3) -> Toc | None:
    """The first run of TOC lines (blank lines allowed inside) with non-decreasing page numbers."""
    run: list[TocEntry] = []
    carried: str | None = None  # the first line of an entry whose title wraps onto the next line
    for index, line in enumerate(lines):
        if not line.strip():
            continue
        if carried is not None:
            line, carried = f"{carried} {line.strip()}", None
        m = TOC_LINE.match(line)
        if not m and NUMBERED.match(line.strip()) and _wraps(lines, index):
            carried = line.strip()
            continue
        entry = None
        if m and "\t" not in m["label"]:
            label = m["label"].strip()
            numbered = NUMBERED.match(label)
            number = numbered["number"] if numbered else None
            title = numbered["title"].strip() if numbered else label
            entry = TocEntry(number=number, title=title, page=int(m["page"]), line=index + 1)
        if entry and (not run or entry.page >= run[-1].page):
            run.append(entry)
            continue
        if sum(1 for e in run if e.number) >= min_entries:
            break
        run = [entry] if entry else []
    if sum(1 for e in run if e.number) < min_entries:
        return None
    return Toc(entries=run, start_line=run[0].line, end_line=run[-1].line)


def _wraps(lines: list[str], index: int) -> bool:
    """Whether the TOC entry on lines[index] goes on with a page number on the next line."""
    following = next((line for line in lines[index + 1:index + 3] if line.strip()), "")
    m = TOC_LINE.match(following)
    return bool(m) and not NUMBERED.match(m["label"].strip())
