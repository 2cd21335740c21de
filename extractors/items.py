"""Agenda segmentation: which lines are item and section headings, and where each item ends.

A heading is accepted only with evidence. With a table of contents, the heading's number and
title match a TOC entry, in order. Without one (and between the headings the TOC confirms), the
number must continue the sequence (3.4 -> 3.5, 4 or 4.1) and the heading must be followed shortly
by a case number or a part heading; a heading found that way where a TOC exists is marked
`not_in_toc`. That keeps numbered lists inside an item ("2. Kommunerne skal ...") out of the
agenda, while the TOC stays evidence rather than a gate.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass, field

import regex

from extractors.profile import Profile
from extractors.text import collapse
from extractors.toc import Toc, TocEntry, detab_number

NUMBER = r"(?P<number>\d{1,3}(?:\.\d{1,3}){0,2})"
# A line that starts with a date: "10-01-2022 …", "4.12.2012 …".
DATE_START = regex.compile(r"^\s*\d{1,2}[-./]\d{1,2}[-./]\d{2,4}\b")
# The start of a numbered list entry ("2) Det bliver …", "3. Kommunerne skal …").
LIST_ENTRY = regex.compile(r"^\s*\(?\d{1,3}(?:\.\d{1,3}){0,2}[.)]\s")


def _heading_pattern(profile: Profile) -> regex.Pattern:
    items = profile.section("items")
    prefixes = "|".join(items["number_prefixes"])
    markers = "|".join(items["closed_markers"] + items["public_markers"])
    # "3.1. Title", "Punkt 3: Title", "1 (Åben) Title", "Lukket punkt 3: Title", "3. Lukket punkt: Title"
    return profile.compile(
        rf"^\s*(?P<pre>(?:{markers})\s*)?(?P<prefix>(?:{prefixes})\s*)?{NUMBER}(?P<dot>\.)?"
        rf"(?:\s*[:)\-–]\s*|\s+)(?P<rest>.*)$"
    )


@dataclass
class Heading:
    number: str
    number_as_written: str
    title: str
    line: int  # 1-based
    access: str = "public"
    access_marked: bool = False  # the heading line itself says open or closed
    toc: TocEntry | None = None
    title_lines: int = 1
    not_in_toc: bool = False  # accepted by its numbering and evidence although a TOC exists
    dot: bool = False  # the number is written with a trailing dot ("3." rather than "3")

    @property
    def label(self) -> str:
        """Number and title as a section is named: "3. Regionalpolitiske sager", "1 First Agenda"."""
        return f"{self.number}{'.' if self.dot else ''} {self.title}"


@dataclass
class Agenda:
    headings: list[Heading] = field(default_factory=list)  # sections and items, in order
    toc_only: list[TocEntry] = field(default_factory=list)  # in the TOC, never found in the text


def _key(text: str) -> str:
    return collapse(regex.sub(r"[^\p{L}\p{N} ]+", " ", text)).casefold()


def _titles_match(body: str, toc: str) -> bool:
    a, b = _key(body), _key(toc)
    if not a:
        return False
    return a == b or b.startswith(a) or a.startswith(b) or difflib.SequenceMatcher(None, a, b).ratio() >= 0.85


def _parse_candidate(line: str, pattern: regex.Pattern, profile: Profile) -> Heading | None:
    line = detab_number(line)
    if "\t" in line or len(line) > 250:
        return None
    m = pattern.match(line)
    if not m or DATE_START.match(line):
        return None  # "10-01-2022 Økonomiudvalget" is a date, not item 10
    rest = m["rest"].strip()
    items = profile.section("items")
    closed = profile.compile(rf"(?:{'|'.join(items['closed_markers'])})")
    access = "public"
    pre = (m["pre"] or "").strip()
    marked = bool(pre)
    if pre and closed.fullmatch(pre):
        access = "closed"
    marker = profile.compile(rf"^(?:{'|'.join(items['closed_markers'] + items['public_markers'])})\s*[:.\-–]?\s*")
    lead = marker.match(rest)
    if lead:
        access = "closed" if closed.match(lead.group(0)) else "public"
        rest = rest[lead.end():].strip()
        marked = True
    elif regex.search(r"\((?:lukket|åben)\)|lukket punkt", rest, regex.IGNORECASE):
        access = "closed" if regex.search(r"\(lukket\)|lukket punkt", rest, regex.IGNORECASE) else "public"
        marked = True
    rest = regex.sub(r"\s*\((?:lukket|åben)\)\s*", " ", rest, flags=regex.IGNORECASE).strip()
    if profile.compile(items["closed_title"]).search(rest):  # "… - (FOR LUKKEDE DØRE)", kept as written
        access, marked = "closed", True
    if not rest and access != "closed":
        return None
    # A title starts like a title, not like a sentence fragment or a number in running text.
    # (After a leading access marker, "Lukket: orientering fra …", it is a heading all the same.)
    if rest and not (lead or regex.match(r"[\p{Lu}\p{N}\"'“„(§]", rest)):
        return None
    if rest.endswith((",", ";")):
        return None
    written = collapse(line[m.start("prefix") if m["prefix"] else m.start("number"): m.end("number") + (1 if m["dot"] else 0)])
    return Heading(number=m["number"], number_as_written=written, title=rest or "Lukket punkt", line=0,
                   access=access, access_marked=marked, dot=bool(m["dot"]))


def title_access(title: str, profile: Profile) -> str:
    """"closed" when a title says so ("Personalesag (Lukket punkt)", "Lukket: Henvendelser …",
    "… - (FOR LUKKEDE DØRE)"), else "public"."""
    items = profile.section("items")
    marker = profile.compile(rf"{items['closed_title']}|\(\s*lukket[^)]*\)|^\s*lukket(?:\s+(?:punkt|sag))?\s*[:\-–]"
                             rf"|\blukket\s+(?:punkt|sag)\b")
    return "closed" if marker.search(title) else "public"


def _without_markers(title: str, profile: Profile) -> str:
    """A TOC title without the access marker a heading's title loses ("Lukket: Orientering")."""
    items = profile.section("items")
    marker = profile.compile(rf"^(?:{'|'.join(items['closed_markers'] + items['public_markers'])})\s*[:.\-–]?\s*")
    title = marker.sub("", title, count=1)
    return regex.sub(r"\s*\((?:lukket|åben)\)\s*", " ", title, flags=regex.IGNORECASE).strip()


def _successors(previous: tuple[int, ...] | None) -> set[tuple[int, ...]]:
    if previous is None:
        return set()
    nxt: set[tuple[int, ...]] = set()
    for depth in range(len(previous)):
        head = previous[:depth]
        for step in (1, 2, 3):  # closed items are often left out of public minutes
            bumped = head + (previous[depth] + step,)
            nxt.add(bumped)
            nxt.add(bumped + (1,))
    nxt.add(previous + (1,))
    return nxt


def segment(lines: list[str], profile: Profile, toc: Toc | None, is_evidence: Callable[[str], bool],
            skip: set[int]) -> Agenda:
    """Find item and section headings. `skip` holds 0-based lines that cannot be headings (TOC,
    attendance); `is_evidence` recognises a line (part heading, case number) that follows a real
    heading."""
    pattern = _heading_pattern(profile)
    agenda = Agenda()
    if toc is not None:
        pending = list(toc.numbered())
        start = toc.end_line  # headings come after the TOC
        for index in range(start, len(lines)):
            if index in skip or not pending:
                continue
            cand = _parse_candidate(lines[index], pattern, profile)
            if cand is None:
                continue
            # Look for this number among the next few TOC entries (an entry may be missing).
            for offset, entry in enumerate(pending[:4]):
                if entry.number == cand.number and (_titles_match(cand.title, entry.title) or _titles_match(
                        cand.title, _without_markers(entry.title, profile))):
                    agenda.toc_only.extend(pending[:offset])
                    del pending[: offset + 1]
                    cand.line, cand.toc = index + 1, entry
                    _extend_title(cand, lines, index, entry.title)
                    agenda.headings.append(cand)
                    break
        agenda.toc_only.extend(pending)
        if agenda.headings:
            # Items the TOC left out ("5. Eventuelt" added after it was made, an item added at the
            # meeting) are read from the text where their numbering and evidence place them:
            # between two headings the TOC confirms, and after the last one.
            confirmed = list(agenda.headings)
            found: list[Heading] = []
            for before, after in zip(confirmed, confirmed[1:]):
                found += _scan_sequence(lines, profile, is_evidence, skip, pattern, start=before.line,
                                        previous=_number(before.number), stop=after.line - 1,
                                        next_number=_number(after.number))
            last = confirmed[-1]
            found += _scan_sequence(lines, profile, is_evidence, skip, pattern, start=last.line,
                                    previous=_number(last.number))
            for heading in found:
                # An entry the TOC lists in another order than the text (or under another title)
                # is no item of its own: the heading found by its number is that entry's.
                same = [e for e in agenda.toc_only if e.number == heading.number]
                entry = next((e for e in same if _titles_match(heading.title, e.title)
                              or _titles_match(heading.title, _without_markers(e.title, profile))),
                             same[0] if same else None)
                if entry is not None:
                    agenda.toc_only.remove(entry)
                    heading.toc = entry
                else:
                    heading.not_in_toc = True
            agenda.headings = sorted(confirmed + found, key=lambda h: h.line)
            # An entry listed twice, or whose number a heading in the text has, is no item of its own.
            numbers = {h.number for h in agenda.headings}
            unique = []
            for entry in agenda.toc_only:
                if entry.number not in numbers:
                    numbers.add(entry.number)
                    unique.append(entry)
            agenda.toc_only = unique
            _apply_access_runs(agenda, lines, profile, toc)
            return agenda
        # A TOC whose entries match no heading (another numbering in the text): read the text alone.
        agenda = Agenda()

    agenda.headings.extend(_scan_sequence(lines, profile, is_evidence, skip, pattern, start=0, previous=None))
    _apply_access_runs(agenda, lines, profile, toc)
    return agenda


def _number(number: str) -> tuple[int, ...]:
    return tuple(int(p) for p in number.split("."))


def _scan_sequence(lines: list[str], profile: Profile, is_evidence: Callable[[str], bool], skip: set[int],
                   pattern: regex.Pattern, start: int, previous: tuple[int, ...] | None, stop: int | None = None,
                   next_number: tuple[int, ...] | None = None) -> list[Heading]:
    """Headings found by their numbering alone, from 0-based line `start` up to `stop`: each
    continues the sequence of the one before and has evidence after it; with `next_number` (the
    heading that follows the stretch) the last one found must lead on to it."""
    headings: list[Heading] = []
    previous_text_line: int | None = None  # 0-based line of the last non-blank line seen
    rejected: set[int] = set()  # numbered lines that were not accepted as headings
    for index in range(start, len(lines) if stop is None else min(stop, len(lines))):
        line = lines[index]
        if index in skip:
            continue
        prior, previous_text_line = previous_text_line, (index if line.strip() else previous_text_line)
        cand = _parse_candidate(line, pattern, profile)
        if cand is None:
            if LIST_ENTRY.match(line) and "\t" not in line:
                rejected.add(index)  # a numbered list entry too long to be a heading: the list goes on
            continue
        number = _number(cand.number)
        # Right after a numbered line that is not a heading, this is the next entry of a list.
        in_list = prior is not None and prior in rejected
        if (in_list or (previous is not None and number not in _successors(previous))
                or not _has_item_evidence(lines, index, cand.number, is_evidence, pattern, profile)):
            rejected.add(index)
            continue
        if next_number is not None and next_number not in _successors(number):
            rejected.add(index)
            continue
        cand.line = index + 1
        headings.append(cand)
        previous = number
    return headings


def _apply_access_runs(agenda: Agenda, lines: list[str], profile: Profile, toc: Toc | None = None) -> None:
    """Items under an unnumbered "Lukkede punkter" heading are closed until "Åbne punkter". In the
    table of contents such group headings ("Åbent referat" / "Lukket referat") mark the entries
    listed under them, and say nothing about the text after the TOC."""
    items = profile.section("items")
    closed_run, open_run = profile.compile(items["closed_run"]), profile.compile(items["open_run"])
    toc_lines = range(toc.start_line - 3, toc.end_line + 3) if toc else range(0)
    switches = [(i + 1, "closed" if closed_run.match(line) else "public")
                for i, line in enumerate(lines) if closed_run.match(line) or open_run.match(line)]
    in_toc = [(n, state) for n, state in switches if n in toc_lines]
    switches = [(n, state) for n, state in switches if n not in toc_lines]
    for entry in toc.entries if toc else []:
        before = [state for n, state in in_toc if n < entry.line]
        if title_access(entry.title, profile) == "closed":  # "Personalesag (Lukket punkt)"
            entry.access = "closed"
        elif before:
            entry.access = before[-1]
    for heading in agenda.headings:
        if heading.access_marked:
            continue
        before = [state for line, state in switches if line < heading.line]
        if before:
            heading.access = before[-1]
        elif heading.toc is not None and heading.toc.access:
            heading.access = heading.toc.access


def _extend_title(heading: Heading, lines: list[str], index: int, toc_title: str) -> None:
    """A title wrapped over two lines: the TOC has it whole, the heading line only its start."""
    if _key(heading.title) == _key(toc_title) or not _key(toc_title).startswith(_key(heading.title)):
        return
    if index + 1 < len(lines) and lines[index + 1].strip():
        joined = collapse(heading.title + " " + lines[index + 1])
        if _key(toc_title).startswith(_key(joined)) or _key(joined) == _key(toc_title):
            heading.title, heading.title_lines = joined, 2


def _has_item_evidence(lines: list[str], index: int, number: str, is_evidence: Callable[[str], bool],
                       pattern: regex.Pattern, profile: Profile) -> bool:
    """A heading without a TOC is real if a case number or a part heading follows within a few
    non-empty lines, before any other heading. A heading directly followed by its own first
    sub-item ("3." then "3.1.") is a section heading. A bare list of numbered titles (an agenda
    overview at the top) has no evidence and is passed over."""
    seen = 0
    for line in lines[index + 1:]:
        if not line.strip():
            continue
        if is_evidence(line):
            return True
        candidate = _parse_candidate(line, pattern, profile)
        if candidate is not None:
            return seen == 0 and candidate.number == f"{number}.1"
        seen += 1
        if seen >= 6:
            return False
    return True  # the document ends first: a last item ("5. Eventuelt") may have little or no body
