"""Tables: finding them in text (tab or pipe columns) and parsing their cells."""

from __future__ import annotations

from dataclasses import dataclass

import regex

from extractors.text import collapse


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


# --- Finding tables in text -----------------------------------------------------------------

PIPE_ROW = regex.compile(r"^\s*\|.*\|\s*$")
PIPE_RULE = regex.compile(r"^\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*$")
# A number as Danish minutes write it, with an optional unit: "1.259", "0,59", "-3,5 pct.", "2,50 mio. kr.".
NUMBER_CELL = regex.compile(
    r"^(?P<sign>[-−+÷])?\s*(?P<num>\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+,\d+|\d+(?:\.\d+)?)\s*"
    r"(?P<unit>%|pct\.?|procent|mio\.?\s*kr\.?|mia\.?\s*kr\.?|t\.?\s*kr\.?|kr\.?(?:\s*/\s*\p{L}+)?|mio\.?|mia\.?)?$",
    regex.IGNORECASE,
)
# Cells that mean "no value": "-", "–", "÷".
EMPTY_VALUE = regex.compile(r"^[-–—÷]$")


def parse_number(text: str) -> tuple[float | None, str | None]:
    """(value, unit) of a cell; (None, None) when it is not a number."""
    text = collapse(text)
    if not text or EMPTY_VALUE.match(text):
        return None, None
    m = NUMBER_CELL.match(text)
    if not m:
        return None, None
    raw = m["num"]
    if regex.fullmatch(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?", raw):
        value = float(raw.replace(".", "").replace(",", "."))  # Danish thousands separator
    else:
        value = float(raw.replace(",", "."))
    if m["sign"] in ("-", "−", "÷"):  # "÷ 520": the Danish minus of accounts
        value = -value
    unit = collapse(m["unit"]) if m["unit"] else None
    return value, unit


def _cells(line: str) -> list[str]:
    if PIPE_ROW.match(line):
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
    else:
        cells = [collapse(c) for c in line.split("\t")]
    while cells and not cells[-1]:
        cells.pop()
    return cells


def _is_row(line: str) -> bool:
    return ("\t" in line and line.strip() != "") or (bool(PIPE_ROW.match(line)) and line.count("|") >= 3)


def find_text_tables(lines: list[str], first_line: int) -> list[RawTable]:
    """Tab- or pipe-separated blocks of at least two rows. One blank line inside a block does not
    end it when the rows go on after it (a page break in the source)."""
    tables: list[RawTable] = []
    index = 0
    while index < len(lines):
        if not _is_row(lines[index]):
            index += 1
            continue
        start = index
        rows: list[list[str]] = []
        end = index
        while index < len(lines):
            line = lines[index]
            if _is_row(line):
                if not PIPE_RULE.match(line):
                    rows.append(_cells(line))
                end = index
                index += 1
            elif not line.strip() and index + 1 < len(lines) and _is_row(lines[index + 1]):
                index += 1
            else:
                break
        if len(rows) >= 2 and any(len(r) >= 2 for r in rows):
            caption = _caption(lines, start)
            tables.append(RawTable(rows=rows, start_line=first_line + start, end_line=first_line + end, caption=caption))
    return tables


def _caption(lines: list[str], start: int) -> str | None:
    for back in range(start - 1, max(start - 3, -1), -1):
        text = lines[back].strip()
        if text:
            return collapse(text) if len(text) <= 150 and not text.endswith((".", ":")) else None
    return None


def split_header(rows: list[list[str]]) -> tuple[list[list[str]], list[list[str]]]:
    """Header rows are the leading rows before the first row that reads as data: a label in the
    first cell and a number in another. A table with no such row has its first row as header."""
    for index, row in enumerate(rows):
        if row and row[0].strip() and any(parse_number(c)[0] is not None or EMPTY_VALUE.match(c.strip() or "x") for c in row[1:]):
            return rows[:index], rows[index:]
    return rows[:1], rows[1:]
