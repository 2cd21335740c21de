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

from extractors.dates import MONTH_ALTERNATION
from extractors.profile import Profile
from extractors.text import collapse
from extractors.toc import Toc, TocEntry, detab_number

# "3", "3.1", "3.1.2", and a lettered item after its number's ("2 a.", "12b)"): an item added to
# the agenda, numbered after the one it follows.
NUMBER = r"(?P<number>\d{1,3}(?:\.\d{1,3}){0,2}(?:\s?[a-hA-H](?=[.)]))?)"
# A line that starts with a date: "10-01-2022 …", "4.12.2012 …", "26. January 2021", "3. marts 2026".
DATE_START = regex.compile(r"^\s*\d{1,2}[-./]\d{1,2}[-./]\d{2,4}\b")
WORD_DATE_START = regex.compile(rf"^\s*\d{{1,2}}\.?\s*(?:{MONTH_ALTERNATION})\b\.?,?\s+\d{{4}}\b", regex.IGNORECASE)
# The start of a numbered list entry ("2) Det bliver …", "3. Kommunerne skal …").
LIST_ENTRY = regex.compile(r"^\s*\(?\d{1,3}(?:\.\d{1,3}){0,2}[.)]\s")


def _heading_pattern(profile: Profile) -> regex.Pattern:
    items = profile.section("items")
    prefixes = "|".join(items["number_prefixes"])
    markers = "|".join(items["closed_markers"] + items["public_markers"])
    # "3.1. Title", "Punkt 3: Title", "1 (Åben) Title", "Lukket punkt 3: Title", "Åben sag: 239. Title", "3. Lukket punkt: Title",
    # "1.Title" and "1Title" (no space), "• 214. Title", "Nr.1 - Title", and a number alone ("Pkt. 41", "214.")
    return profile.compile(
        rf"^\s*(?P<bullet>[•·▪‣◦*]\s*)?(?P<pre>(?:{markers})\s*:?\s*)?(?P<prefix>(?:{prefixes})\s*)?{NUMBER}(?P<dot>\.)?"
        rf"(?:\s*[:)\-–]\s*|\s+|(?<=\.)(?=\p{{Lu}})|(?<=\d)(?=(?-i:\p{{Lu}}\p{{Ll}}))|\s*$)(?P<rest>.*)$"
    )


# A heading glued to the text before it where a page was flattened: "Indholdsfortegnelse1. Fraværende",
# "… og handlingsplaner174. Godkendelse af dagsorden".
GLUED_HEADING = regex.compile(r"(?<=\p{Ll}{3})(?=\d{1,3}\.\s?\p{Lu})")


@dataclass
class Heading:
    number: str
    number_as_written: str
    title: str | None  # None: an item without a number whose title the text does not show
    line: int  # 1-based
    access: str = "public"
    access_marked: bool = False  # the heading line itself says open or closed
    toc: TocEntry | None = None
    title_lines: int = 1
    not_in_toc: bool = False  # accepted by its numbering and evidence although a TOC exists
    dot: bool = False  # the number is written with a trailing dot ("3." rather than "3")
    bare: bool = False  # the number stands alone on its line; its title is on a following line
    rest: str | None = None  # text on the heading's line after the title: the item's first line
    renumbered: bool = False  # every heading had the same number (a list's lost counter): by position
    unnumbered: bool = False  # no number in the text: numbered by position

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


def _listed_point(line: str, pending: list[TocEntry], profile: Profile) -> Heading | None:
    """A point of the minutes written as `Ad 1 Velkomst:` or `Ad 2: Bordrunde` (the profile's
    `listed_point`) under a list of the items: a heading only where its number and title are the
    list's (inside a decision, `Ad 1 For stemte: …` is a point of its own)."""
    m = profile.compile(profile.section("items")["listed_point"]).match(line)
    if not m:
        return None
    title = m["title"].strip().rstrip(":").strip()
    entry = next((e for e in pending if e.number == m["number"]), None)
    if entry is None or not (_same_title(title, entry.title) or _same_title(title, _without_markers(entry.title, profile))):
        return None
    return Heading(number=m["number"], number_as_written=collapse(m["written"]), title=title, line=0,
                   access=entry.access or "public", access_marked=entry.access is not None)


def _told_point(cand: Heading, line: str) -> bool:
    """A point of the minutes written as a numbering word, the number, a colon and what was said
    of it ("Pkt 1: Formanden henviste til de emner …"), not a title: a sentence of six words or more."""
    if cand.number_as_written[:1].isdigit() or not regex.match(r"^\s*\D[^:]{0,20}\d{1,3}\.?\s*:", line):
        return False
    said = line.split(":", 1)[1].strip()
    return len(said.split()) >= 6 and bool(regex.search(r"[.!?]$|[.!?]\s", said))


def _same_title(below: str, listed: str) -> bool:
    """The line under a bare number is the listed title (or most of its start), not text."""
    a, b = _key(below), _key(listed)
    return bool(a) and (a == b or difflib.SequenceMatcher(None, a, b).ratio() >= 0.85
                        or (b.startswith(a) and len(a) >= 0.6 * len(b)))


def _parse_candidate(line: str, pattern: regex.Pattern, profile: Profile) -> Heading | None:
    line = detab_number(line)
    if "\t" in line or len(line) > MAX_RUN_ON:
        return None
    long = len(line) > 250  # a paragraph: a heading only where its title runs on into the item's text
    glued = GLUED_HEADING.search(line)
    if glued:
        line = line[glued.start():]
    m = pattern.match(line)
    if not m or DATE_START.match(line) or WORD_DATE_START.match(line):
        return None  # "10-01-2022 Økonomiudvalget", "26. January 2021" are dates, not item 10 or 26
    if not m["rest"].strip() and not (m["prefix"] or m["dot"] or m["bullet"]):
        return None  # a bare "3" may be a page number; "3.", "Pkt. 3" and "• 3" are headings
    rest = m["rest"].strip()
    items = profile.section("items")
    closed = profile.compile(rf"(?:{'|'.join(items['closed_markers'])})")
    access = "public"
    pre = (m["pre"] or "").strip().rstrip(":").strip()
    marked = bool(pre)
    if pre and closed.fullmatch(pre):
        access = "closed"
    marker = profile.compile(rf"^(?:{'|'.join(items['closed_markers'] + items['public_markers'])})\s*[:;.\-–]?\s*")
    lead = marker.match(rest)
    if lead:
        access = "closed" if closed.match(lead.group(0)) else "public"
        rest = rest[lead.end():].strip()
        marked = True
    elif regex.search(r"\((?:lukket|åben)\)|lukket punkt", rest, regex.IGNORECASE):
        access = "closed" if regex.search(r"\(lukket\)|lukket punkt", rest, regex.IGNORECASE) else "public"
        marked = True
    # a marker between number and title is no part of the title; one after it is kept as written
    rest = regex.sub(r"^\s*\((?:lukket|åben)\)\s*", "", rest, flags=regex.IGNORECASE).strip()
    if profile.compile(items["closed_title"]).search(rest):  # "… - (FOR LUKKEDE DØRE)", kept as written
        access, marked = "closed", True
    if not rest and access != "closed":
        written = collapse(line[m.start("prefix") if m["prefix"] else m.start("number"): m.end("number") + (1 if m["dot"] else 0)])
        return Heading(number=m["number"], number_as_written=written, title="", line=0, access=access,
                       access_marked=marked, dot=bool(m["dot"]), bare=True)
    # A title starts like a title, not like a sentence fragment or a number in running text.
    # (After a leading access marker, "Lukket: orientering fra …", it is a heading all the same.)
    # ("Punkt 4: fremlæggelse af beretning": a title in lower case after a numbering word and a colon)
    labelled = bool(m["prefix"]) and regex.match(r"\s*:", line[m.end("number"):])
    if rest and not (lead or labelled or regex.match(r"[\p{Lu}\p{N}\"'“„(§]", rest)):
        return None
    if (rest.endswith((",", ";")) and len(regex.findall(r"\p{L}", rest)) < 8) or (rest and len(regex.findall(r"\p{L}", rest)) < 2):
        return None  # "25-008754 -": a case number, not item 25
    written = collapse(line[m.start("prefix") if m["prefix"] else m.start("number"): m.end("number") + (1 if m["dot"] else 0)])
    title, after = _title_and_rest(TIME_SLOT.sub("", rest, count=1), profile)
    if long and after is None:
        return None
    return Heading(number=m["number"], number_as_written=written, title=title or "Lukket punkt", line=0,
                   access=access, access_marked=marked, dot=bool(m["dot"]), rest=after)


# The time an agenda gives an item, before its title: "09.00-09.20 Gennemgang af …", "Kl. 17.00 - 17.15 …".
TIME_SLOT = regex.compile(r"^(?:kl\.?\s*)?\d{1,2}[.:]\d{2}\s*[-–]\s*\d{1,2}[.:]\d{2}\s+(?=\p{Lu})", regex.IGNORECASE)
# A part heading glued to the end of the title where a page was flattened: "Meddelelse fra formandenReferat".
GLUED_PART = regex.compile(r"(?<=\p{Ll})(?=(?:Referat|Beslutning(?:er)?|Indstilling|Sagsfremstilling|Resum[eé]|Bilag)\s*$)")
# A title that runs on into the item's text on one line: "1.Valg af referent. Jørgen valgt som referent."
# The title may hold a dot inside a word or number ("mødet den 12.maj 2022"), never one before a space.
RUN_ON = regex.compile(r"^(?P<title>(?:[^.!?]|\.(?=\S)){3,120}?[\p{L}\d)])\.\s+(?P<rest>\p{Lu}.*[.!?])$")
# The longest line read as an item written as one paragraph ("5.Meddelelser. Jørgen orienterede om …").
MAX_RUN_ON = 2000
# A title, then an outcome as a sentence of its own, then anything: "Godkendelse af dagsorden. Godkendt. …".
RUN_ON_OUTCOME = regex.compile(r"^(?P<title>(?:[^.!?]|\.(?=\S)){3,120}?[\p{L}\d)])\.\s+(?P<rest>(?P<outcome>\p{Lu}[^.!?]{1,60}[.!?])(?:\s.*)?)$")
# A title, a colon and what was said about it on the same line: "2. Regnskab: godkendt.".
COLON_RUN_ON = regex.compile(r"^(?P<title>[^:]{3,120}?[\p{L}\d)?])\s*:\s+(?P<rest>\S.*)$")


def _title_and_rest(text: str, profile: Profile) -> tuple[str, str | None]:
    """The title, and what follows it on its line: a glued part heading, or the text of an item
    written on its heading's line (a sentence of three words or more after the title, or an
    outcome: "Dagsorden godkendt.")."""
    from extractors.decisions import classify_outcome

    glued = GLUED_PART.search(text)
    if glued:
        return text[:glued.start()].strip(), text[glued.start():].strip()
    run_on = RUN_ON.match(text)
    if run_on and (len(run_on["rest"].split()) >= 3 or classify_outcome(run_on["rest"], profile) != "none"):
        return run_on["title"].strip(), run_on["rest"].strip()
    said = RUN_ON_OUTCOME.match(text)  # "Godkendelse af dagsorden. Godkendt. D A G S O R D E N" (a flattened page)
    if said and len(said["outcome"].split()) <= 4 and classify_outcome(said["outcome"], profile) not in ("none", "discussed"):
        return said["title"].strip(), said["rest"].strip()
    told = COLON_RUN_ON.match(text)  # "Godkendelse af dagsorden: Godkendt", "Regnskab: Intet at bemærke."
    if told and ((len(told["rest"].split()) <= 3 and classify_outcome(told["rest"], profile) != "none")
                 or profile.compile(profile.section("items")["nothing_said"]).fullmatch(told["rest"])
                 or (len(told["rest"].split()) >= 3 and told["rest"].rstrip().endswith((".", "!")))):
        return told["title"].strip(), told["rest"].strip()
    # "driftsbudget godkendt ved håndsoprækning.": one to five words, then the outcome as a clause
    after = profile.compile(rf"^(?P<title>\S+(?:\s+\S+){{0,4}}?)\s+(?P<rest>{profile.section('items')['told_after_title']}.*)$")
    said = after.match(text) if text.rstrip().endswith((".", "!")) else None
    if said and not said["title"].endswith((",", ":", "-", "–")) and len(said["rest"].split()) <= 8:
        return said["title"].strip(), said["rest"].strip()
    return text.rstrip(":").rstrip() if text.endswith(":") and len(text) > 1 else text, None


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
    marker = profile.compile(rf"^(?:{'|'.join(items['closed_markers'] + items['public_markers'])})\s*[:;.\-–]?\s*")
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
            cand = _parse_candidate(lines[index], pattern, profile) or _listed_point(lines[index], pending[:4], profile)
            if cand is None:
                continue
            if cand.bare:
                below = _title_below(cand, lines, index, is_evidence, pattern, profile)
                listed = next((e for e in pending[:4] if e.number == cand.number), None)
                if listed is not None and not (below and _same_title(cand.title, listed.title)):
                    # "Ad. 2." / "Konstituering: …": the number alone, its title the list's, the lines
                    # below it the item's text
                    cand.title, cand.title_lines = listed.title, 1
                elif not below:
                    continue
            told = _told_point(cand, lines[index])
            # Look for this number among the next few TOC entries (an entry may be missing).
            for offset, entry in enumerate(pending[:4]):
                if told and entry.number == cand.number:
                    # "Pkt 1: Formanden henviste til …" under the list: the list's item, what was said of it
                    cand.title, cand.rest = entry.title, regex.sub(r"^[^:]*:\s*", "", lines[index].strip())
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
            # Items before the first the TOC confirms ("10.-12." listed as added items over the
            # meeting's "1." … "12."): numbered in sequence, leading on to it.
            first = confirmed[0]
            runs = [_scan_sequence(lines, profile, is_evidence, skip, pattern, start=start, previous=None,
                                   stop=first.line - 1, relaxed=relaxed)
                    for relaxed in (False, True)]
            leading = max(runs, key=len)
            if len(leading) >= 2 and _number(first.number) in _successors(_number(leading[-1].number)):
                found += leading
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
    relaxed = _scan_sequence(lines, profile, is_evidence, skip, pattern, start=0, previous=None, relaxed=True)
    strict = {h.line for h in agenda.headings}
    if strict <= {h.line for h in relaxed} and (len(relaxed) >= max(3, 2 * len(strict)) or (
            len(relaxed) == 2 and not strict and _under_list_heading(lines, relaxed[0].line - 1, profile))):
        agenda.headings = relaxed  # a run of numbered headings, each over text of its own
    if len(agenda.headings) < 2:
        repeated = _one_number_repeated(lines, profile, is_evidence, skip, pattern)
        if len(repeated) >= 3:
            agenda.headings = repeated
    listed = toc is not None and all(e.page is None for e in toc.entries) and toc.numbered()
    if listed and (not agenda.headings or (
            agenda.headings[0].line > toc.end_line
            and _number(agenda.headings[0].number) in _successors(_number(toc.numbered()[-1].number)))):
        # (numbered headings that go on from the list: the list's entries are the first items)
        agenda.headings = _overview_as_items(toc, lines, profile, is_evidence, skip, pattern)
    _apply_access_runs(agenda, lines, profile, toc)
    return agenda


def _under_list_heading(lines: list[str], index: int, profile: Profile) -> bool:
    """Whether the line above 0-based `index` heads a list of the items ("Punkter på dagsordenen:")."""
    above = next((line for line in reversed(lines[max(0, index - 4):index]) if line.strip()), None)
    return above is not None and bool(profile.compile(profile.section("toc")["overview_heading"]).match(above))


def _overview_as_items(toc: Toc, lines: list[str], profile: Profile, is_evidence: Callable[[str], bool],
                       skip: set[int], pattern: regex.Pattern) -> list[Heading]:
    """A list of the items with no heading under it in the text (a short agenda, "Dagsorden:" /
    "1. Velkomst" / "2. …"): its entries are the items, where they stand, and the numbering goes on
    below it where items carry text of their own."""
    headings = []
    for entry in toc.numbered():
        cand = _parse_candidate(lines[entry.line - 1], pattern, profile)
        if cand is None:
            continue
        cand.line, cand.toc, cand.title = entry.line, entry, entry.title
        if entry.access:
            cand.access, cand.access_marked = entry.access, True
        headings.append(cand)
    if headings:
        # (the numbering going on is evidence enough there: "Punkt 5: driftsbudget godkendt." /
        # "Punkt 6: orientering om regnskab" after the list's "Punkt 4" and its text)
        headings += _scan_sequence(lines, profile, is_evidence, skip, pattern, start=toc.end_line,
                                   previous=_number(headings[-1].number), relaxed=True, continuing=True)
    return headings


# Kinds of part heading that open an item's body; the others (attendance, economy, attachments)
# follow inside one.
LEADING_KINDS = ("background", "recommendation", "case_presentation", "decision", "history")
# A line that is only an access marker, over each item of some web pages: "Åben", "Lukket punkt".
ACCESS_LINE = regex.compile(r"^\s*(?:åben|åbent|åbent\s+punkt|lukket|lukket\s+punkt|offentlig|fortrolig)\s*$",
                            regex.IGNORECASE)


# The document's own title with its date ("Referat • 19. juni 2026 kl. 16.00"), never an item's title.
HEADER_LINE = regex.compile(r"\b(?:referat|dagsorden|beslutningsprotokol)\b", regex.IGNORECASE)
# A sentence about who came ("… deltog som stedfortræder for …"), never an item's title.
ATTENDANCE_WORDS = regex.compile(r"\b(?:deltog|mødte|fraværende|stedfortræder|afbud)\b", regex.IGNORECASE)


@dataclass
class _Unit:
    start: int  # 0-based first line
    seen: set[str] = field(default_factory=set)  # headings met, as written (case-folded)
    parts: list[tuple[int, str]] = field(default_factory=list)  # (line, kind) of its part headings


def segment_units(lines: list[str], profile: Profile, is_case: Callable[[str], bool],
                  part_of: Callable[[str], tuple[str, str] | None], skip: set[int], start: int = 0,
                  stop: int | None = None) -> list[Heading]:
    """Items told apart without numbers (a page of one item, a site that shows items only as
    blocks): each item opens with a case-number line, a line that is only an access marker, or the
    first part heading of its body (`Resume`, `Indstilling`, `Beslutning`, …); a new one opens at
    such a line after the item before has parts of its own, and where the parts start over (a
    heading the item already had: the new item begins at its first part after the decision above).
    They are numbered by position; the title is the line over the opening one where it reads as a
    title, else none."""
    end = len(lines) if stop is None else min(stop, len(lines))
    document = profile.section("document")
    title_words = {w.casefold() for w in document["minutes_titles"] + document["agenda_titles"]}
    units: list[_Unit] = []
    for index in range(start, end):
        line = lines[index]
        if index in skip or not line.strip():
            continue
        part = part_of(line)
        case, access = is_case(line), bool(ACCESS_LINE.match(line))
        if part is None and not case and not access:
            continue
        current = units[-1] if units else None
        if part is None:  # a case number or an access marker: a new item once the current has parts
            if current is None or current.parts:
                units.append(_Unit(start=index))
            continue
        kind, heading = part
        if current is None:
            # the document's title ("Referat") heads the decision inside an item, never opens one
            if kind in LEADING_KINDS and heading not in title_words:
                units.append(_Unit(start=index, seen={heading}, parts=[(index, kind)]))
            continue
        if heading in current.seen:  # the parts start over: a new item
            decided = [n for n, k in current.parts if k == "decision"]
            after = [n for n, k in current.parts if decided and n > decided[-1] and k in LEADING_KINDS and k != "decision"]
            split = after[0] if after else index
            moved = [(n, k) for n, k in current.parts if n >= split]
            current.parts = [(n, k) for n, k in current.parts if n < split]
            current = _Unit(start=split, parts=moved, seen={_heading_key(lines[n], part_of) for n, _ in moved})
            units.append(current)
        current.seen.add(heading)
        current.parts.append((index, kind))
    headings = []
    for position, unit in enumerate(u for u in units if u.parts):
        title_index = _title_over(lines, unit.start, units, part_of, is_case, start)
        line = title_index if title_index is not None else unit.start
        headings.append(Heading(number=str(position + 1), number_as_written="", title=(
            collapse(lines[title_index]) if title_index is not None else None), line=line + 1,
            title_lines=1 if title_index is not None else 0, unnumbered=True))
    return headings


# A line that is a time slot of the meeting's programme, standing alone: "19.15-19.45 - Drøftelse",
# "Kl. 10.00 - 10.30 Velkomst".
SLOT_LINE = regex.compile(r"^\s*(?:kl\.?\s*)?(?P<h>\d{1,2})[.:](?P<m>\d{2})\s*[-–]\s*(?:kl\.?\s*)?\d{1,2}[.:]\d{2}\b(?P<rest>.{0,120})$",
                        regex.IGNORECASE)


def time_slots(lines: list[str], skip: set[int]) -> list[Heading]:
    """Items headed only by their time slots (a school board's programme whose titles were lost):
    at least three lines of a time slot each, standing apart, in the order of the day. Numbered by
    position, the slot line as the title."""
    found: list[tuple[int, tuple[int, int]]] = []
    for index, line in enumerate(lines):
        m = SLOT_LINE.match(line)
        if index in skip or not m or (index > 0 and lines[index - 1].strip()):
            continue
        found.append((index, (int(m["h"]), int(m["m"]))))
    if len(found) < 3 or any(b[1] <= a[1] for a, b in zip(found, found[1:])):
        return []
    return [Heading(number=str(position + 1), number_as_written="", title=collapse(lines[index]), line=index + 1,
                    title_lines=1, unnumbered=True) for position, (index, _) in enumerate(found)]


# A bullet that heads an item where a page lists its items as bullets: "- Godkendelse af dagsorden".
BULLET_TITLE = regex.compile(r"^\s*[-–•]\s+(?P<title>\p{Lu}[^\n]{1,98}?)\s*:?\s*$")


def bullet_items(lines: list[str], skip: set[int], part_of: Callable[[str], tuple[str, str] | None]) -> list[Heading]:
    """Items headed by bullets ("- Godkendelse af dagsorden" / "Beslutning: …"): at least two short
    bullet lines, and under every bullet line, before the next one, a decision heading - bullets
    that are points of a text have none. Numbered by position, the bullet's text as the title."""
    bullets = [index for index, line in enumerate(lines) if index not in skip and BULLET_TITLE.match(line)]
    if len(bullets) < 2:
        return []
    for here, after in zip(bullets, bullets[1:] + [len(lines)]):
        if not any((found := part_of(lines[k])) is not None and found[0] == "decision" for k in range(here + 1, after)):
            return []
    return [Heading(number=str(position + 1), number_as_written="", title=BULLET_TITLE.match(lines[index])["title"],
                    line=index + 1, title_lines=1, unnumbered=True) for position, index in enumerate(bullets)]


def _heading_key(line: str, part_of: Callable[[str], tuple[str, str] | None]) -> str:
    found = part_of(line)
    return found[1] if found else ""


def _title_over(lines: list[str], opener: int, units: list[_Unit], part_of, is_case, start: int) -> int | None:
    """The line right over an item's opening line when it reads as the item's title: short,
    capitalised, no sentence, no label, no part heading, and not the only text of a decision above."""
    index = opener - 1
    while index >= start and not lines[index].strip():
        index -= 1
    if index < start:
        return None
    text = lines[index].strip()
    if (len(text) > 200 or not regex.match(r"[\p{Lu}\p{N}\"'“„(§]", text) or text.endswith((".", ":", ",", ";"))
            or part_of(text) is not None or is_case(text) or ACCESS_LINE.match(text) or regex.match(r"^[\p{L} ]{2,25}:", text)
            or ATTENDANCE_WORDS.search(text) or (HEADER_LINE.search(text) and regex.search(r"\d", text))):
        return None
    above = index - 1
    while above >= start and not lines[above].strip():
        above -= 1
    found = part_of(lines[above]) if above >= start else None
    if found is not None and found[0] == "decision":
        return None  # the text of the decision above ("Godkendt"), not a title
    return index


def find_overview(lines: list[str], profile: Profile, is_evidence: Callable[[str], bool],
                  is_people: Callable[[str], bool] = lambda line: False) -> Toc | None:
    """A list of the items at the top of a page, without page numbers ("PUNKTER" / "446. Godkendelse
    af dagsorden" / "447. …", "• Pkt. 41 Titel", "181." / "Title"): numbered lines in sequence with
    nothing else between them, at least three, or two under a heading of their own ("Punkter",
    "Dagsordenspunkter"). It is read as a table of contents: its entries are matched to the
    headings below, and an entry never found there is an item all the same. A numbered list under
    an attendance heading (`is_people`) is the members, not the items."""
    pattern = _heading_pattern(profile)
    heading = profile.compile(profile.section("toc")["overview_heading"])
    # an overview stands over the items: none after the first part heading or case number (the
    # document's title word "Referat" is no part heading there)
    document = profile.section("document")
    title = profile.compile(rf"^\s*(?:{'|'.join(document['minutes_titles'] + document['agenda_titles'])})\s*:?\s*$")
    first_part = next((n for n, line in enumerate(lines) if line.strip() and not title.match(line)
                       and not is_people(line) and is_evidence(line)), len(lines))
    index = 0
    while index < min(len(lines), first_part):
        run: list[TocEntry] = []
        previous: tuple[int, ...] | None = None
        j = index
        while j < len(lines):
            if not lines[j].strip():
                j += 1
                continue
            cand = _parse_candidate(lines[j], pattern, profile)
            if (cand is None or cand.rest
                    or (cand.bare and not _title_below(cand, lines, j, is_evidence, pattern, profile))):
                break  # (a heading with its text on its line is an item, not an entry of a list)
            number = _number(cand.number)
            if previous is not None and number not in _successors(previous):
                break
            run.append(TocEntry(number=cand.number, title=cand.title, page=None, line=j + 1,
                                access=cand.access if cand.access_marked else None))
            previous = number
            j += cand.title_lines
        above = [line for line in lines[max(0, index - 4):index] if line.strip()]
        # "Deltagere:" / "1. Borgmester Hanne Lund (A)" / …: members (a heading that lists its people
        # on its own line, "Fra administrationen deltog: direktør …", heads no list below it)
        if above and is_people(above[-1]) and not regex.search(r":\s*\S", above[-1]):
            index = max(j, index + 1)
            continue
        # a run that goes on from the numbered lines above it ("5. Driftsrapport: Intet" / "6. Økonomi")
        # is the rest of the items, not a list of them
        goes_on = bool(run) and any(
            (c := _parse_candidate(line, pattern, profile)) is not None and _number(run[0].number) in _successors(_number(c.number))
            for line in lines[max(0, index - 6):index])
        if not goes_on and (len(run) >= 3 or (len(run) == 2 and above and heading.match(above[-1]))):
            return Toc(entries=run, start_line=run[0].line, end_line=run[-1].line)
        index = max(j, index + 1) if run else index + 1
    return None


def _number(number: str) -> tuple[int, ...]:
    """(2,), (2, 1) for "2.1", and (2, 1) for "2 a": a lettered item counts as the first under 2."""
    lettered = regex.match(r"^(.*?)\s?([a-hA-H])$", number)
    if lettered:
        return _number(lettered.group(1)) + (ord(lettered.group(2).lower()) - ord("a") + 1,)
    return tuple(int(p) for p in number.split("."))


def _scan_sequence(lines: list[str], profile: Profile, is_evidence: Callable[[str], bool], skip: set[int],
                   pattern: regex.Pattern, start: int, previous: tuple[int, ...] | None, stop: int | None = None,
                   next_number: tuple[int, ...] | None = None, relaxed: bool = False,
                   continuing: bool = False) -> list[Heading]:
    """Headings found by their numbering alone, from 0-based line `start` up to `stop`: each
    continues the sequence of the one before and has evidence after it; with `next_number` (the
    heading that follows the stretch) the last one found must lead on to it. `relaxed` takes text
    of its own under a heading as evidence (minutes of a council without part headings or case
    numbers: "1." / "Godkendelse af dagsorden" / "Godkendt."). `continuing`: the stretch goes on
    from items already found, and a heading that continues their numbering needs no text of its
    own (a numbering label alone over text, "Punkt 8:" / "- …", is an item without a title)."""
    headings: list[Heading] = []
    reports = profile.compile(profile.section("document")["report_verbs"])

    def tells(heading: Heading) -> bool:  # what was said on the heading's line, or what the meeting did
        return bool(heading.rest) or _is_sentence(heading.title) or bool(reports.search(heading.title or ""))
    previous_text_line: int | None = None  # 0-based line of the last non-blank line seen
    rejected: set[int] = set()  # numbered lines that were not accepted as headings
    printed: dict[int, Heading] = {}  # what those lines read as
    end = len(lines) if stop is None else min(stop, len(lines))
    index = start
    while index < end:
        line = lines[index]
        if index in skip:
            index += 1
            continue
        prior, previous_text_line = previous_text_line, (index if line.strip() else previous_text_line)
        cand = _parse_candidate(line, pattern, profile)
        if cand is None:
            if LIST_ENTRY.match(line) and "\t" not in line:
                rejected.add(index)  # a numbered list entry too long to be a heading: the list goes on
            index += 1
            continue
        above = None
        untitled = (continuing and cand.bare and previous is not None and _number(cand.number) in _successors(previous)
                    and _has_text_below(lines, index, cand.number, pattern, profile))
        if cand.bare and not _title_below(cand, lines, index, is_evidence, pattern, profile) and not untitled:
            # "Spørgetid" / "Sag nr. 129": the title printed over the number
            above = _title_above(cand, lines, index, is_evidence, pattern, profile, headings)
            if above is None:
                index += 1
                continue
        number = _number(cand.number)
        # Right after a numbered line that is not a heading, this is the next entry of a list.
        # (A number that starts again, "1." after a list's "4.", is no entry of that list.)
        in_list = prior is not None and prior == index - 1 and prior in rejected and (
            prior not in printed or number in _successors(_number(printed[prior].number)))
        if relaxed and headings and len(number) != len(_number(headings[0].number)):
            index += 1  # without part headings, "5.1 Ældremesse" under "5." is the item's text
            continue
        last = index if above is not None else index + cand.title_lines - 1
        # (relaxed: an entry that is a sentence of its own, "2. Der er enighed om at vente.", or tells
        # what the meeting did, "1. Formanden bød velkommen", is its text)
        evidence = (continuing or _has_text_below(lines, last, cand.number, pattern, profile) or tells(cand) if relaxed
                    else bool(cand.rest and is_evidence(cand.rest)) or _has_item_evidence(
                        lines, last, cand.number, is_evidence, pattern, profile,
                        closed=cand.access == "closed" and cand.access_marked, last_item=bool(headings)))
        if relaxed and not evidence:
            # a numbered line with nothing under it, right over the next one that tells what happened
            # ("4. Næste møde afholdes d. 26. april" / "5. Dato for … aftales på mødet i april."):
            # both are what the meeting recorded
            after = next((k for k in range(last + 1, min(end, last + 4)) if lines[k].strip()), None)
            told = _parse_candidate(lines[after], pattern, profile) if after is not None and after not in skip else None
            evidence = bool(told and _number(told.number) in _successors(number) and tells(told))
        if (in_list or (previous is not None and number not in _successors(previous)) or not evidence
                or (next_number is not None and next_number not in _successors(number))):
            rejected.add(index)
            printed[index] = cand
            index += 1
            continue
        first = above if above is not None else index
        twin = prior if prior is not None and index - prior <= 3 else None
        if twin in printed and printed[twin].number == cand.number and _key(printed[twin].title or "") == _key(cand.title or ""):
            # the title printed twice (a link, then the heading): the item starts at the first
            cand.title_lines += first - twin
            first = twin
        cand.line = first + 1
        headings.append(cand)
        previous = number
        index = last + 1
    return headings


def _is_sentence(title: str | None) -> bool:
    """A numbered line that holds what was said, not only a title: a sentence of five words or more,
    or a title, a colon and four words or more ("2. Meddelelser: Formanden orienterede om …")."""
    if not title:
        return False
    said = title.partition(": ")[2]
    return ((title.rstrip().endswith((".", "!")) and len(title.split()) >= 5)
            or len(said.split()) >= 4)


def _title_above(heading: Heading, lines: list[str], index: int, is_evidence: Callable[[str], bool],
                 pattern: regex.Pattern, profile: Profile, found: list[Heading]) -> int | None:
    """The 0-based line of a title printed over a number standing alone ("Spørgetid" / "Sag nr.
    129"): the line right above, when it reads as a title and is below the heading found before.
    Sets the heading's title and lines."""
    above = index - 1
    while above >= 0 and not lines[above].strip():
        above -= 1
    if above < 0 or (found and found[-1].line - 1 + found[-1].title_lines > above) or index - above > 3:
        return None
    text = lines[above].strip()
    if (len(text) > 250 or text.endswith((".", ":", ",", ";")) or is_evidence(text)
            or _parse_candidate(text, pattern, profile) is not None or not regex.match(r"[\p{Lu}\p{N}\"'“„(§]", text)):
        return None
    heading.title, heading.title_lines = collapse(text), index - above + 1
    return above


def _one_number_repeated(lines: list[str], profile: Profile, is_evidence: Callable[[str], bool], skip: set[int],
                         pattern: regex.Pattern) -> list[Heading]:
    """A numbered list whose counter a page lost: every heading numbered "1." (each with evidence of
    an item under it), numbered by position."""
    found: list[Heading] = []
    for index, line in enumerate(lines):
        cand = None if index in skip else _parse_candidate(line, pattern, profile)
        if cand is None or cand.bare or (found and cand.number != found[0].number):
            continue
        if cand.rest or _has_item_evidence(lines, index, "0", is_evidence, pattern, profile, last_item=bool(found)) \
                or _has_text_below(lines, index, cand.number, pattern, profile):
            cand.line = index + 1
            found.append(cand)
    if len(found) < 3:
        return []
    for position, heading in enumerate(found, start=1):
        heading.number, heading.renumbered = str(position), True
    return found


def _title_below(heading: Heading, lines: list[str], index: int, is_evidence: Callable[[str], bool],
                 pattern: regex.Pattern, profile: Profile) -> bool:
    """A number standing alone ("Pkt. 41", "• 214.") takes its title from the next line with text
    (a blank line between is allowed): a line that reads as a title, not a part heading, a case
    number or another heading. Sets the heading's title and how many lines it spans."""
    for offset in (1, 2, 3):
        if index + offset >= len(lines):
            return False
        text = lines[index + offset].strip()
        if not text:
            continue
        if (len(text) > 250 or is_evidence(text) or _parse_candidate(text, pattern, profile) is not None
                or not regex.match(r"[\p{Lu}\p{N}\"'“„(§]", text)):
            return False
        heading.title, heading.title_lines = collapse(text), offset + 1
        if title_access(heading.title, profile) == "closed" and not heading.access_marked:
            heading.access, heading.access_marked = "closed", True
        return True
    return False


def _has_text_below(lines: list[str], index: int, number: str, pattern: regex.Pattern, profile: Profile) -> bool:
    """Text of its own under a heading: a line that is no other heading (or a point of its own,
    "5.1 …" under "5.") before the next heading."""
    for line in lines[index + 1:]:
        if not line.strip():
            continue
        below = _parse_candidate(line, pattern, profile)
        # a point of its own ("5.1", or "Punkt 1" under item 3) is the item's text; the next item
        # continues the numbering
        return below is None or below.number.startswith(number + ".") or _number(below.number) not in _successors(
            _number(number))
    return True


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
                       pattern: regex.Pattern, profile: Profile, closed: bool = False, last_item: bool = True) -> bool:
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
            # a closed item is often printed as its heading alone, the next item right under it
            return seen == 0 and (candidate.number == f"{number}.1" or (
                closed and _number(candidate.number) in _successors(_number(number))))
        seen += 1
        if seen >= 6:
            return False
    # the document ends first: a last item ("5. Eventuelt") may have little or no body; a first
    # heading needs evidence of its own
    return last_item
