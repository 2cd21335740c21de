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
# A number set off from its title by a tab, as word processors lay out numbered lists: "1. \tTitle".
NUMBER_TAB = regex.compile(r"^(\s*(?:(?:punkt|pkt\.)\s*)?\d{1,3}(?:\.\d{1,3}){0,2}\.?)[ \t]*\t[ \t]*(?=\S)", regex.IGNORECASE)


def detab_number(line: str) -> str:
    """"1. \tGodkendelse af dagsordenen\t2" -> "1. Godkendelse af dagsordenen\t2"."""
    return NUMBER_TAB.sub(r"\1 ", line, count=1) if "\t" in line else line


@dataclass
class TocEntry:
    number: str | None
    title: str
    page: int | None  # None in a list of the items without page numbers (a web page's overview)
    line: int  # 1-based
    access: str | None = None  # from a group heading in the TOC ("Lukket referat"), if any


@dataclass
class Toc:
    entries: list[TocEntry]
    start_line: int
    end_line: int

    def numbered(self) -> list[TocEntry]:
        return [e for e in self.entries if e.number]


def find_toc(lines: list[str], min_entries: int = 3, heading: regex.Pattern | None = None) -> Toc | None:
    """The first run of TOC lines (blank lines allowed inside) with non-decreasing page numbers:
    at least `min_entries` numbered entries, or one under a TOC heading ("Indholdsfortegnelse",
    matched by `heading`) a few lines above it (a meeting of two items has a TOC of two)."""
    run: list[TocEntry] = []
    carried: str | None = None  # the first line of an entry whose title wraps onto the next line

    def enough(run: list[TocEntry]) -> bool:
        numbered = sum(1 for e in run if e.number)
        if numbered >= min_entries:
            return True
        if not numbered or heading is None:
            return False
        above = [line for line in lines[max(0, run[0].line - 5):run[0].line - 1] if line.strip()]
        return any(heading.match(line) for line in above[-3:])

    for index, line in enumerate(lines):
        if not line.strip():
            continue
        line = detab_number(line)
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
        if run and enough(run):
            break
        run = [entry] if entry else []
    if not run or not enough(run):
        return None
    return Toc(entries=run, start_line=run[0].line, end_line=run[-1].line)


def _wraps(lines: list[str], index: int) -> bool:
    """Whether the TOC entry on lines[index] goes on with a page number on the next line."""
    following = detab_number(next((line for line in lines[index + 1:index + 3] if line.strip()), ""))
    m = TOC_LINE.match(following)
    return bool(m) and not NUMBERED.match(m["label"].strip())
