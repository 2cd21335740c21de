"""Coverage: nothing is dropped silently.

Every non-blank line of a document (after page furniture is blanked) is accounted for by the part
of the record it landed in: the header, the attendance lists, the table of contents, an item (its
heading or one of its parts), a signature block; the text of layout tables by the item they stand
in. What is left is unassigned: the record says how much text that is (`coverage.share` is the
placed share of the body text's characters) and warns about every run of it longer than a few
lines, naming where it is and how it begins.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import regex

from extractors.profile import Profile
from extractors.tables import RawTable
from extractors.text import collapse
from schemas.record import Coverage, RecordWarning, Span, UnassignedRun

# An entry of an agenda overview: "1. Godkendelse af dagsorden".
NUMBERED_TITLE = regex.compile(r"^\s*(?:punkt\s+)?\d{1,3}(?:\.\d{1,3}){0,2}\.?\s+\p{Lu}", regex.IGNORECASE)
# A run of unassigned text is worth a warning from this many lines or characters on.
WARN_LINES = 3
WARN_CHARS = 150


def _chars(line: str) -> int:
    return len(line.strip())


def measure_coverage(lines: list[str], placed: Mapping[str, Iterable[int]], tables: list[RawTable],
                     profile: Profile) -> tuple[Coverage, list[RecordWarning]]:
    """`placed` maps a part of the record to the 1-based lines it holds."""
    items_cfg = profile.section("items")
    group = profile.compile(rf"{items_cfg['closed_run']}|{items_cfg['open_run']}")
    toc_heading = profile.compile(profile.section("toc")["heading"])
    taken: set[int] = set()
    for numbers in placed.values():
        taken.update(numbers)
    item_lines = set(placed.get("items", ()))
    body = placed_chars = 0
    runs: list[list[int]] = []
    overview = False  # inside a list of items under a TOC heading ("Indhold" / "1. …" / "2. …")
    for number, line in enumerate(lines, start=1):
        n = _chars(line)
        if not n:
            overview = False
            continue
        body += n
        if toc_heading.match(line):
            overview = True
        elif overview and not NUMBERED_TITLE.match(line):
            overview = False
        if number in taken or group.match(line) or overview:
            placed_chars += n
            continue
        if runs and all(not lines[k - 1].strip() for k in range(runs[-1][-1] + 1, number)):
            runs[-1].append(number)  # blank lines between do not end a run
        else:
            runs.append([number])
    warnings: list[RecordWarning] = []
    unassigned: list[UnassignedRun] = []
    for run in runs:
        chars = sum(_chars(lines[k - 1]) for k in run)
        start = collapse(" ".join(lines[k - 1] for k in run[:3]))
        unassigned.append(UnassignedRun(span=Span(start_line=run[0], end_line=run[-1]), chars=chars,
                                        text=start[:80]))
        if len(run) >= WARN_LINES or chars >= WARN_CHARS:
            warnings.append(RecordWarning(
                code="unassigned_text", line=run[0],
                message=f"lines {run[0]}-{run[-1]} ({chars} characters) are in no part of the record: "
                        f"'{start[:80]}'"))
    for table in tables:
        chars = sum(len(cell.strip()) for row in table.rows for cell in row)
        body += chars
        if table.start_line in item_lines:
            placed_chars += chars
            continue
        first = collapse(" ".join(table.rows[0])) if table.rows else ""
        unassigned.append(UnassignedRun(span=Span(start_line=table.start_line, end_line=table.end_line),
                                        chars=chars, text=first[:80]))
        warnings.append(RecordWarning(
            code="unplaced_table", line=table.start_line,
            message=f"a table of {len(table.rows)} rows at line {table.start_line} stands outside every item: '{first[:80]}'"))
    share = placed_chars / body if body else 1.0
    return Coverage(share=round(share, 4), body_chars=body, placed_chars=placed_chars, unassigned=unassigned), warnings
