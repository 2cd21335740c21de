"""From the text of a document to a meeting record: the extractors put together."""

from __future__ import annotations

from collections import Counter
from pathlib import PurePath

import regex
from pydantic import BaseModel

from extractors import EXTRACTOR_VERSION
from extractors.attendance import (
    Entry, entries_in, find_attendance, is_attendance_heading, names_in, read_sentence, read_sentences, settle,
)
from extractors.case_numbers import find_case_numbers, is_case_line
from extractors.classify import Signals, classify, find_title_words, meeting_end_line
from extractors.coverage import measure_coverage
from extractors.dates import find_dates, find_times, first_date
from extractors.decisions import classify_outcome, decision_heading, find_votes, protocol_notes
from extractors.header import find_authority, find_header, find_next_meeting, meeting_times, nominative, unglue_labels
from extractors.items import (
    BULLET_TITLE, Agenda, Heading, bullet_items, find_overview, segment, segment_units, SLOT_LINE, time_slots, title_access,
)
from extractors.structure import Structure, web_url
from extractors.normalize import clean_invisible, clean_markup, normalize, rejoin_hyphenation
from extractors.parts import (
    Part, attachment_titles, inline_recommendation, match_part_heading, recommendation_points, split_parts,
)
from extractors.profile import Profile, load_profile
from extractors.reflow import is_flattened, reflow
from extractors.tables import RawTable, find_text_tables, parse_number, split_header
from extractors.text import MAX_ID_LENGTH, bounded_id, collapse, paragraphs_text, sentences, slugify
from extractors.toc import find_toc
from schemas.record import (
    AgendaItem, Attachment, CaseNumber, Cell, Decision, ItemPart, Meeting, MeetingRecord, NextMeeting,
    Participant, Recommendation, RecordWarning, Section, Source, Span, Table, Vote,
)

# The labels of a meeting's facts, in a header however flattened ("… Mødedato: … Mødested: …").
MEETING_LABEL = regex.compile(r"\b(?:mødedato|mødested|mødetidspunkt|mødelokale|starttidspunkt|mødestart)\b", regex.IGNORECASE)
# How many item-level warnings of one kind are spelled out before the rest are counted.
MAX_ITEM_WARNINGS = 20


class _Spans:
    """Builds spans, adding pages when the loader knows which page each line starts and ends on."""

    def __init__(self, line_pages: list[int] | None, line_end_pages: list[int] | None = None):
        self.line_pages = line_pages
        self.line_end_pages = line_end_pages if line_end_pages and len(line_end_pages) == len(line_pages or []) else line_pages

    def __call__(self, start: int, end: int) -> Span:
        end = max(start, end)
        if not self.line_pages:
            return Span(start_line=start, end_line=end)
        last = len(self.line_pages)
        return Span(start_line=start, end_line=end, start_page=self.line_pages[min(start, last) - 1],
                    end_page=self.line_end_pages[min(end, last) - 1])


def _is_section(heading: Heading, following: list[Heading]) -> bool:
    """A heading followed by a sub-item of its own ("3." then "3.1"; not "1" then "1..2")."""
    return any(h.number.startswith(heading.number + ".") and h.number[len(heading.number) + 1:][:1].isalnum()
               for h in following)


def _table(raw: RawTable, item_number: str | None, span: _Spans) -> Table:
    header, body = split_header(raw.rows)

    def cells(row: list[str]) -> list[Cell]:
        out = []
        for text in row:
            # Layout tables come straight from the PDF: clean them as the text was cleaned.
            text = collapse(rejoin_hyphenation(clean_markup(text)))
            value, unit = parse_number(text)
            out.append(Cell(text=text, value=value, unit=unit))
        return out

    table_span = span(raw.start_line, raw.end_line)
    if raw.page is not None:  # the loader knows the pages a layout table was drawn on
        table_span.start_page, table_span.end_page = raw.page, raw.end_page or raw.page
    return Table(item_number=item_number, caption=raw.caption, header_rows=[cells(r) for r in header],
                 rows=[cells(r) for r in body], span=table_span)


def _participants(entries: list[Entry]) -> tuple[list[Participant], list[RecordWarning]]:
    participants = [
        Participant(name=e.name, party=e.party, municipality=e.municipality, role=e.role,
                    position=e.position, substitute_for=e.substitute_for, status=e.status, line=e.line)
        for e in entries
    ]
    warnings = []
    seen: Counter = Counter()
    for p in participants:
        key = (p.name.casefold(), p.status)
        seen[key] += 1
        if seen[key] == 2:
            warnings.append(RecordWarning(code="duplicate_participant", line=p.line,
                                          message=f"{p.name} is listed more than once as {p.status}; kept as written"))
    names = {p.name.casefold(): p.status for p in participants}
    for p in participants:
        if p.status == "present" and names.get(p.name.casefold()) == "absent":
            warnings.append(RecordWarning(code="present_and_absent", line=p.line,
                                          message=f"{p.name} is listed both as present and absent"))
    return participants, warnings


# A decision heading's second line, the body and date alone: "Beslutning" / "Økonomiudvalget den 22-10-2020".
BODY_AND_DATE = regex.compile(r"^(?-i:\p{Lu})[^.:]{2,80}?\s+(?:den\s+|d\.\s*)?\d{1,2}(?:[-./]\d{1,2}[-./]\d{2,4}|\.\s*\p{L}+\s+\d{4})\s*:?$",
                              regex.IGNORECASE | regex.VERSION1)
# Labelled lines under a decision heading: "Beslutning fra Miljøudvalget" / "Dato: 7. februar 2017" / "Sted: …".
DECISION_LABEL = regex.compile(r"^\s*(?P<label>dato|mødedato|sted|mødested|tid|tidspunkt)\s*:\s*(?P<value>.*)$", regex.IGNORECASE)


def _decision_head(part: Part, profile: Profile) -> tuple[str, list[tuple[int, str]], object]:
    """A decision's heading as written, its text's lines and a date its lines state: a heading may
    go on over a second line of body and date, or be followed by labelled lines of its own (date,
    place) before the text."""
    heading, lines, date = part.heading or "", list(part.lines), None
    while lines:
        number, line = lines[0]
        if not line.strip():
            lines.pop(0)
            continue
        label = DECISION_LABEL.match(line)
        if label:
            if label["label"].lower() in ("dato", "mødedato"):
                date = date or first_date(label["value"])
            lines.pop(0)
            continue
        if BODY_AND_DATE.match(line.strip()) and decision_heading(heading)[1] is None and part.heading:
            heading = f"{heading} {collapse(line)}".strip()
            lines.pop(0)
            continue
        break
    return heading, lines, date


# A bullet of a list under a decision, any character a page uses ("•", "·", "▪", "̵" U+0335): "- ".
LIST_BULLET = regex.compile(r"^\s*(?:[•·▪‣◦*\u0335\u0336]\s*|[-–]\s+)(?=\S)")
# A line of a case's course naming a date and a body: "03-03-2026 Magistraten", "10.03.2026 Byrådet:".
DATED_BODY = regex.compile(r"^\s*(?P<date>\d{1,2}[-./]\d{1,2}[-./]\d{2,4})\s+(?P<by>(?-i:\p{Lu})[\p{L}\d ,.-]{1,80}?)\s*:?\s*$",
                           regex.VERSION1)


def _dated_decisions(part: Part, profile: Profile, span: _Spans) -> list[Decision]:
    """The decisions a case's course lists, each under a line of its date and body ("Sagens
    forløb" / "03-03-2026 Magistraten" / "Indstillingen anbefales." / "10-03-2026 Byrådet" / …)."""
    out: list[Decision] = []
    entry: list = []

    def close() -> None:
        if entry and any(t.strip() for _, t in entry[1:]):
            (first, heading), rest = entry[0], entry[1:]
            m = DATED_BODY.match(heading)
            text = collapse(" ".join(t for _, t in rest))
            out.append(Decision(heading=collapse(heading), by=nominative(m["by"].strip(" ,.")), date=first_date(m["date"]),
                                text=text, outcome=classify_outcome(text, profile),
                                protocol_notes=protocol_notes([t for _, t in rest], profile),
                                span=span(first, rest[-1][0])))

    for number, line in part.lines:
        if DATED_BODY.match(line):
            close()
            entry = [(number, line)]
        elif entry:
            entry.append((number, line))
    close()
    return out


def _bare_case_line(line: str, profile: Profile) -> bool:
    """A line that is a case number and nothing else ("00.01.00-G01-24-17", "Sagsnr.: 26/1432")."""
    text = line.strip()
    return 0 < len(text) <= 60 and is_case_line(text, profile) and len(text.split()) <= 3


def _build_item(heading: Heading, order: int, section: str | None, body: list[str], first_line: int,
                end_line: int, next_heading: int, layout_tables: list[RawTable], profile: Profile,
                span: _Spans, heading_lines: set[int] | None = None, case_above: list[str] = ()) -> AgendaItem:
    # A layout table stands on a blank placeholder line, which may be past the item's last text
    # line: it belongs to the item until the next heading.
    raw_tables = find_text_tables(body, first_line) + [
        t for t in layout_tables if first_line <= t.start_line < next_heading
    ]
    table_lines = {n for t in raw_tables for n in range(t.start_line, t.end_line + 1)}
    body = [("" if (first_line + i) in table_lines else line) for i, line in enumerate(body)]
    parts = split_parts(body, first_line, profile, heading_lines)

    preamble = [p for p in parts if p.heading is None]
    case_source = preamble[0].text_lines() if preamble else body[:4]
    case_first = preamble[0].lines[0][0] if preamble and preamble[0].lines else first_line
    cases = find_case_numbers(list(case_above) + case_source, case_first - len(case_above), profile)

    def first(kind: str) -> Part | None:
        return next((p for p in parts if p.kind == kind), None)

    def texts(kind: str) -> str | None:
        found = [paragraphs_text(p.text_lines()) for p in parts if p.kind == kind]
        joined = "\n".join(t for t in found if t)
        return joined or None

    recommendation = None
    rec_part = first("recommendation")
    rec_lines = [(n, t) for n, t in rec_part.lines if t.strip()] if rec_part else None
    if not rec_lines:
        searchable = [(n, t) for p in parts if p.kind != "decision" for n, t in p.lines]
        rec_lines = inline_recommendation(searchable, profile)
    if rec_lines:
        rec_text = collapse(" ".join(t for _, t in rec_lines))
        recommendation = Recommendation(text=rec_text, points=recommendation_points([t for _, t in rec_lines]),
                                        span=span(rec_lines[0][0], rec_lines[-1][0]))

    # Every decision recorded on the item (earlier treatment by other bodies first); an empty
    # "Beslutning" heading (an agenda's placeholder, "Eventuelt" with nothing said) is no decision.
    # Who did not take part ("Fraværende: …" under a decision) belongs to the decision above it.
    found: list[tuple[Decision, Part]] = []
    absent_before: list[str] = []  # absences recorded before any decision: this meeting's
    for part in parts:
        if part.kind == "attendance":
            # the names follow the heading ("Afbud: …", under it), or stand before it ("Ib Kjær (V)
            # deltog ikke i sagens behandling")
            before = regex.split(r"(?i)\s+deltog\s+ikke\b", part.heading or "", maxsplit=1)
            named = before[0] if len(before) == 2 else ""
            listed, told = [], []
            for t in (t.strip() for t in part.text_lines() if t.strip()):
                # "Britta Andersen deltog som stedfortræder for Brian Dalsgaard": a sentence of who
                # came in whose place, not more names of the absent
                absent, substitutes, _ = read_sentences(t, profile)
                if absent or substitutes:
                    told.extend(e.name for e in absent)
                else:
                    listed.append(t)
            names = names_in(" , ".join([named] + listed), profile) + told
            target = found[-1][0].absent if found else absent_before
            target.extend(n for n in names if n not in target)
            continue
        if part.kind == "history":  # "Sagens forløb" / "03-03-2026 Magistraten" / its decision / …
            found.extend((d, part) for d in _dated_decisions(part, profile, span))
            continue
        if part.kind != "decision" or not any(t.strip() for t in part.text_lines()):
            continue
        heading_text, body_lines, stated_date = _decision_head(part, profile)
        # Who was absent, written in sentences under the decision ("Karen Holm (V) var fraværende."):
        # the item's absences; a line of nothing else is no part of the decision's text.
        kept, absent_here = [], []
        for number, line in body_lines:
            absent, substitutes, rest = read_sentences(line, profile, number) if line.strip() else ([], [], [])
            absent_here += [e.name for e in absent]
            if (absent or substitutes) and not rest:
                continue
            kept.append(line)
        if not any(t.strip() for t in kept):
            kept = [t for _, t in body_lines]  # nothing but who was absent: that is what was recorded
        kept = [LIST_BULLET.sub("- ", t, count=1) for t in kept]
        text = collapse(" ".join(kept))
        by, date = decision_heading(heading_text)
        date = date or stated_date
        default = part.rule.default_outcome if part.rule else None
        if all(t.startswith("- ") for t in (x.strip() for x in kept) if t):
            default = "noted"  # what the chair told, as a list ("̵ Møde i Idrætsrådet"): noted
        found.append((Decision(heading=heading_text, by=by, date=date, text=text,
                               outcome=classify_outcome(text, profile, default),
                               protocol_notes=protocol_notes(kept, profile), absent=absent_here,
                               span=span(part.start_line, part.end_line)), part))
    if found and all(d.date for d, _ in found):
        found.sort(key=lambda pair: pair[0].date)  # stable: same-day decisions keep their order
    decisions = [d for d, _ in found]
    # This meeting's decision is the last one; its votes and absences are this meeting's.
    decision = decisions[-1] if decisions else None
    votes = [Vote(position=v.position, parties=v.parties, count=v.count, text=v.text)
             for v in find_votes(found[-1][1].text_lines(), profile)] if found else []
    absent = absent_before + (decision.absent if decision else [])

    attachments = [Attachment(title=t) for p in parts if p.kind == "attachments"
                   for t in attachment_titles(p.text_lines(), profile)]
    return AgendaItem(
        number=heading.number,
        number_as_written=heading.number_as_written,
        order=order,
        title=heading.title,
        section=section,
        access=heading.access,
        toc_page=heading.toc.page if heading.toc else None,
        case_numbers=[CaseNumber(number=c.number, handlers=c.handlers, raw=c.raw) for c in cases],
        background=texts("background"),
        recommendation=recommendation,
        case_presentation=texts("case_presentation"),
        attachments=attachments,
        decision=decision,
        decisions=decisions,
        absent=absent,
        votes=votes,
        tables=[_table(t, heading.number, span) for t in sorted(raw_tables, key=lambda t: t.start_line)],
        parts=[ItemPart(heading=p.heading, kind=p.kind, text=paragraphs_text(p.text_lines()),
                        span=span(p.start_line, p.end_line)) for p in parts],
        span=span(heading.line, max([end_line] + [t.end_line for t in raw_tables])),
    )


def _ends_in_outcome(item: AgendaItem, profile: Profile) -> bool:
    """Whether the item's last paragraph is a short statement of an outcome ("Godkendt."), not part
    of a recommendation or of the case's text ("… indstiller, at regnskabet godkendes")."""
    filled = [p for p in item.parts if p.text.strip()]
    if not filled:
        return _outcome_title(item, profile)
    if filled[-1].kind in ("recommendation", "background", "case_presentation"):
        return False
    last = filled[-1].text.split("\n")[-1]
    inline = profile.compile(profile.section("recommendation")["inline_pattern"])
    return (0 < len(last) <= 200 and not inline.search(last)
            and classify_outcome(last, profile) not in ("none", "discussed"))


def _agenda_approved(lines: list[str], profile: Profile) -> bool:
    """Whether the lines before the items record that the agenda was approved ("Godkendelse af
    dagsorden:" / "Godkendt"): what the meeting did."""
    approval = profile.compile(profile.section("document")["agenda_approval"])
    for index, line in enumerate(lines):
        m = approval.match(line)
        if not m:
            continue
        said = m["rest"].strip() or next((t.strip() for t in lines[index + 1:index + 3] if t.strip()), "")
        if said and len(said) <= 120 and classify_outcome(said, profile) == "approved":
            return True
    return False


def _dated_decision_line(lines: list[str], date, profile: Profile) -> int | None:
    """1-based line of a decision heading that names the meeting's own date ("Beslutning i
    Økonomiudvalget, den 18. januar 2012:"), wherever it stands (in a flattened paragraph too),
    over the outcome it records (an agenda may print the heading with nothing under it)."""
    if date is None:
        return None
    heading = profile.compile(profile.section("document")["dated_decision"])
    for index, line in enumerate(lines):
        for m in heading.finditer(line[:20000]):
            found = find_dates(m["date"])
            if not found or found[0][2] != date:
                continue
            said = line[m.end():m.end() + 300].strip() or next((t for t in lines[index + 1:index + 4] if t.strip()), "")
            if classify_outcome(" ".join(sentences(said[:300])[:2]), profile) != "none":
                return index + 1
    return None


def _outcome_title(item: AgendaItem, profile: Profile) -> bool:
    """An entry of a short list that is itself what was agreed ("2. Der er enighed om at vente med
    konstitueringen."): a sentence of five words or more stating an outcome."""
    title = (item.title or "").rstrip()
    return (title.endswith((".", "!")) and len(title.split()) >= 5
            and classify_outcome(title, profile) not in ("none", "discussed"))


def _missed_heading(item: AgendaItem, profile: Profile) -> int | None:
    """The line where a second item seems to begin inside `item` (its heading missed): after a
    decision, a case-number line, or a part heading the item already had before it ("Oplæg:",
    "Sagsfremstilling"). Decisions and absences may repeat (earlier treatment), other parts not."""
    seen: set[str] = set()
    decided = False
    for part in item.parts:
        heading = (part.heading or "").casefold()
        if part.kind in ("decision", "attendance"):
            decided = decided or part.kind == "decision"
            continue
        if decided and ((heading and heading in seen) or (part.heading is None and is_case_line(
                part.text.split("\n", 1)[0], profile))):
            return part.span.start_line
        if heading:
            seen.add(heading)
    return None


def _agenda_records(agenda: Agenda, lines: list[str], end_of_items: int, layout_tables: list[RawTable],
                    profile: Profile, span: _Spans, stated_headings: dict[int, set[int]] | None = None
                    ) -> tuple[list[Section], list[AgendaItem]]:
    """Sections and items from the headings; the last item ends at `end_of_items` (1-based, the
    line before a signature block, or the last line). `stated_headings` maps an item's heading
    line to the field heading lines a meeting system states for it."""
    headings = agenda.headings
    sections: list[Section] = []
    items: list[AgendaItem] = []
    current_section: Section | None = None
    # Where the agenda has sections, an item outside them is its own section ("5. Eventuelt");
    # where it has none, no item has one.
    has_sections = any(_is_section(h, headings[i + 1:]) for i, h in enumerate(headings))
    above: list[str] = []  # a case number printed over the heading ("00.01.00-G01-24-17" / "342. …")
    if headings:
        over = next((n for n in range(headings[0].line - 1, max(0, headings[0].line - 4), -1) if lines[n - 1].strip()), None)
        above = [lines[over - 1]] if over and _bare_case_line(lines[over - 1], profile) else []
    for position, heading in enumerate(headings):
        following = headings[position + 1:]
        next_line = following[0].line if following else end_of_items + 1
        end_line = next_line - 1
        while end_line > heading.line and not lines[end_line - 1].strip():
            end_line -= 1
        case_above, above = above, []
        if following and end_line > heading.line + heading.title_lines and _bare_case_line(lines[end_line - 1], profile):
            above = [lines[end_line - 1]]
            end_line -= 1
            while end_line > heading.line and not lines[end_line - 1].strip():
                end_line -= 1
        if _is_section(heading, following):
            current_section = Section(number=heading.number, title=heading.title, label=heading.label,
                                      toc_page=heading.toc.page if heading.toc else None,
                                      span=span(heading.line, end_line))
            sections.append(current_section)
            continue
        parent = current_section if current_section and heading.number.startswith(current_section.number + ".") else None
        section_label = parent.label if parent else (heading.label if has_sections else None)
        first_line = heading.line + heading.title_lines
        body = lines[first_line - 1: end_line]
        if heading.rest:  # text on the heading's own line after the title: the item's first line
            body, first_line = [heading.rest, *body], first_line - 1
        items.append(_build_item(heading, 0, section_label, body, first_line, end_line, next_line, layout_tables,
                                 profile, span, (stated_headings or {}).get(heading.line), case_above))
    # Items listed in the TOC but absent from the text are still items (with no span).
    known_sections = {s.number for s in sections}
    for entry in agenda.toc_only:
        if entry.number in known_sections:
            continue
        parent = next((s for s in sections if entry.number.startswith(s.number + ".")), None)
        own = f"{entry.number}. {entry.title}" if has_sections else None
        items.append(AgendaItem(number=entry.number, number_as_written=entry.number, order=0, title=entry.title,
                                section=parent.label if parent else own, access=entry.access or "public",
                                toc_page=entry.page))
    items.sort(key=lambda i: _number_key(i.number))
    for order, item in enumerate(items):
        item.order = order
    return sections, items


def _number_key(number: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key of an item number: "3.10" after "3.9"; a number a meeting system states as
    something else than digits ("2a", ":") after the digits of its place, never an error."""
    key: list[tuple[int, int | str]] = []
    for p in number.split("."):
        lettered = regex.fullmatch(r"(\d+)\s?([a-zA-Z])", p)  # "2 a" after 2, before 3
        if lettered:
            key += [(0, int(lettered.group(1))), (1, lettered.group(2).lower())]
        else:
            key.append((0, int(p)) if p.isdecimal() and p.isascii() else (1, p))
    return tuple(key)


def _stated_agenda(structure: Structure, profile: Profile) -> Agenda:
    """The headings a meeting system states: its items at the lines their fields were rendered to."""
    headings = []
    for item in structure.items:
        access = item.access or title_access(item.title, profile)
        headings.append(Heading(number=item.number, number_as_written=item.number, title=item.title,
                                line=item.line, access=access, access_marked=True,
                                dot=False))
    return Agenda(headings=sorted(headings, key=lambda h: h.line))


def _apply_stated(items: list[AgendaItem], structure: Structure, body: str | None, date, profile: Profile,
                  span: _Spans) -> list[RecordWarning]:
    """What the system states overrides what the text gave: case numbers, attachments (links only
    to the web), ids; its earlier treatment (`Sagsforløb`) goes before the decisions read from the
    text. Returns the warnings about what it left out."""
    by_line = {s.line: s for s in structure.items}
    dropped: list[RecordWarning] = []
    for item in items:
        stated = by_line.get(item.span.start_line) if item.span else None
        if stated is None:
            continue
        item.source_id, item.source_pointer = stated.source_id, stated.pointer
        if stated.case_numbers is not None:
            item.case_numbers = [CaseNumber(number=n, raw=n) for n in stated.case_numbers]
        if stated.attachments is not None:
            item.attachments = []
            for a in stated.attachments:
                url = web_url(a.url, structure.base_url)
                if a.url and url is None:
                    dropped.append(RecordWarning(code="attachment_url_dropped", line=stated.line, message=(
                        f"item {item.number}: the link of attachment '{a.title}' is not a web address "
                        f"(http or https) and was left out: {a.url[:80]!r}")))
                item.attachments.append(Attachment(title=a.title, url=url, source_id=a.source_id))
        earlier = []
        for h in stated.history:
            if h.date == date and h.by and body and h.by.casefold() == body.casefold():
                continue  # this meeting's own entry in the history
            # "Afbud: …" under an earlier decision: that meeting's absences, not part of its text
            kept, absent = [], []
            for line in h.text.split("\n"):
                found = match_part_heading(line, profile)
                if found and found[0].kind == "attendance":
                    absent += names_in(found[2], profile)
                else:
                    kept.append(line)
            text = collapse(" ".join(kept))
            if text:
                earlier.append(Decision(
                    heading=h.heading or " ".join(x for x in (h.by, h.date.isoformat() if h.date else None) if x),
                    by=h.by, date=h.date, text=text, outcome=classify_outcome(text, profile), absent=absent))
        if earlier:  # `decision` stays this meeting's (None on an agenda)
            item.decisions = earlier + item.decisions
    return _limited(dropped, "attachment_url_dropped")


def _extraordinary(title_lines: list[str], profile: Profile) -> bool:
    """Whether a title line calls the meeting extraordinary ("Ekstraordinært møde i Byrådet")."""
    pattern = profile.compile(profile.section("document")["extraordinary"])
    return any(len(line.strip()) <= 80 and pattern.search(line) for line in title_lines[:40])


def _names_a_place(body: str) -> bool:
    """Whether a body's name says whose it is: "Aarhus Byråd", "Byrådet i Aarhus", "KKR Hovedstaden",
    "Region Sjællands Forretningsudvalg" (a municipality or region of the gazetteer in it)."""
    from extractors.gazetteer import load  # the gazetteer is loaded once per process

    gazetteer = load()
    words = regex.findall(r"\p{L}[\p{L}-]*", body)
    candidates = words + [f"{a} {b}" for a, b in zip(words, words[1:])]
    regions = {r.name.casefold() for r in gazetteer.regions} | {
        r.name.split(" ", 1)[-1].casefold() for r in gazetteer.regions}
    return any(gazetteer.municipality_for(c) or c.casefold() in regions
               or (c.endswith("s") and c[:-1].casefold() in regions) for c in candidates)


def _trailing_attendance(lines: list[str], after: int, profile: Profile) -> int | None:
    """1-based line of an attendance list after the last item (line `after`): a heading on a line
    of its own ("Fraværende med afbud") over at least two lines of names, with nothing after it but
    short lines (more lists, who left when). A single name under a heading may be the item's own
    absence; a list with the decision's text going on below it is the item's."""
    last_long = max((i for i in range(after, len(lines)) if len(lines[i]) > 120), default=after - 1)
    for index in range(last_long + 1, len(lines)):
        line = lines[index].strip()
        if not line or len(line) > 60 or not is_attendance_heading(line, profile) or regex.search(r":\s*\S", line):
            continue
        names = 0
        for below in lines[index + 1:index + 12]:
            text = below.strip()
            if not text:
                continue
            if is_attendance_heading(text, profile) or len(text) > 120:
                break
            if entries_in(text, "absent", index + 1, profile):
                names += 1
        if names >= 2:
            return index + 1
    return None


def _signature_line(lines: list[str], after: int, profile: Profile) -> int | None:
    """1-based line of a signature block's heading after line `after`, if the document has one."""
    pattern = profile.compile(profile.section("document")["signature_heading"])
    for index in range(after, len(lines)):
        if pattern.match(lines[index]):
            return index + 1
    return None


# An absence that names the item ("deltog ikke i behandlingen af punktet", "under punkterne 12-15").
ITEM_SPECIFIC = regex.compile(r"\b(?:behandling(?:en)?|punkt(?:et|erne)?|pkt\.?|sag(?:en|erne)?|dette)\b", regex.IGNORECASE)


def _attendance_in_items(items: list[AgendaItem], lines: list[str], profile: Profile) -> list[Entry]:
    """What items record of the meeting's attendance: a substitute is present wherever the minutes
    say so; the absences of an item that is the attendance itself ("1. Fraværende") are the
    meeting's. An absence under any other item's decision is that item's (`absent`), as written."""
    pattern = profile.compile(profile.section("attendance")["attendance_item"])
    placed = [i for i in items if i.span is not None]
    found: list[Entry] = []
    for item in placed:
        decision = item.decision
        if decision is None or decision.span is None:
            continue
        roll = bool(item.title and pattern.match(item.title.strip()))
        before: list[Entry] = []
        said_any = False
        told = sorted({n for p in item.parts if p.kind in ("decision", "attendance")
                       for n in range(p.span.start_line, p.span.end_line + 1)})
        for number in told:
            for sentence in sentences(lines[number - 1]) if len(lines[number - 1]) <= 2000 else []:
                said = read_sentence(sentence, profile, number)
                if said is None:
                    before = []
                    continue
                said_any = True
                absent, substitutes = said
                for sub in substitutes:
                    sub.substitute_for = sub.substitute_for or (before[0].name if len(before) == 1 else None)
                found.extend(substitutes)
                if roll and not ITEM_SPECIFIC.search(sentence):
                    found.extend(absent)
                before = absent
        if roll and not said_any:  # "1. Fraværende" / "Martin Bech og Bettina Kjeldsen."
            found.extend(entries_in(decision.text, "absent", decision.span.start_line, profile))
    return found


def _earlier_only(items: list[AgendaItem], date) -> None:
    """An item whose every decision is dated before the meeting (an earlier body's, "Økonomiudvalget,
    28. oktober 2019, pkt. 452", its own cut off or not yet made) has no decision of this meeting."""
    if date is None:
        return
    for item in items:
        if item.decision is not None and item.decision.date is not None and item.decision.date < date:
            item.decision, item.votes = None, []


def _lists_in_first_item(items: list[AgendaItem], lines: list[str], profile: Profile,
                         listed: list[Entry]) -> list[Entry]:
    """Meeting-level lists written inside the first item ("1. Meddelelser" / "Fraværende med afbud:
    Ingen." / "Medlemmer:" / "1. Formand Anne Holm (A)" …) where the header has none: the meeting's."""
    first = next((i for i in items if i.span is not None), None)
    if first is None or any(e.status == "present" and not e.said for e in listed):
        return []
    inside = set(range(first.span.start_line, first.span.end_line))  # 0-based lines after the heading
    found = [e for e in find_attendance(lines, profile, set(range(len(lines))) - inside)[0] if not e.said]
    # a member list makes it the meeting's roll; an "Afbud:" under the decision alone is the item's
    return found if any(e.status == "present" and e.role != "staff" for e in found) else []


def _header_from_decisions(header, items: list[AgendaItem], lines: list[str]) -> None:
    """A page whose header names no body or date (an item's page under a site's navigation) names
    them in its decision headings: "Kultur- og Fritidsudvalget, 04-03-2026, pkt. 41", "Beslutning
    Byrådet den 13-12-2017". The body and date of this meeting's decisions, the most frequent."""
    current = [i.decision for i in items if i.decision is not None]
    if header.place is None:
        for d in current:
            for line in lines[d.span.start_line - 1:d.span.end_line] if d.span else []:
                m = DECISION_LABEL.match(line)
                if m and m["label"].lower() in ("sted", "mødested") and m["value"].strip():
                    header.place = collapse(m["value"])
                    break
            if header.place:
                break
    if header.body is None:
        bodies = Counter(d.by for d in current if d.by)
        header.body = bodies.most_common(1)[0][0] if bodies else None
    if header.date is None:
        days = Counter(d.date for d in current if d.date)
        header.date = days.most_common(1)[0][0] if days else None


def _clean_stated(structure: Structure) -> None:
    """What a meeting system states, without invisible characters (as the text is read): names,
    titles, the body and the place."""
    for name in ("body", "place"):
        if getattr(structure, name):
            setattr(structure, name, clean_invisible(getattr(structure, name)))
    for p in structure.participants or []:
        p.name = clean_invisible(p.name)
        p.substitute_for = clean_invisible(p.substitute_for) if p.substitute_for else None
    for item in structure.items:
        item.title = clean_invisible(item.title)
        for a in item.attachments or []:
            a.title = clean_invisible(a.title)


def _spans_in(value) -> list[Span]:
    """Every Span inside `value` (models, lists of them)."""
    if isinstance(value, Span):
        return [value]
    if isinstance(value, list):
        return [s for v in value for s in _spans_in(v)]
    if isinstance(value, BaseModel):
        return [s for name in type(value).model_fields for s in _spans_in(getattr(value, name))]
    return []


def _blank_web_furniture(lines: list[str], profile: Profile) -> int:
    """Blank a web page's furniture in `lines` (the profile's [furniture]); the characters blanked."""
    cfg = profile.section("furniture")
    whole, glued, cookie = profile.compile(cfg["lines"]), profile.compile(cfg["glued"]), profile.compile(cfg["cookie"])
    end = profile.compile(cfg["glued_end"])
    chars = 0
    for index, line in enumerate(lines):
        if not line.strip() or len(line) > 300:
            continue
        if whole.match(line) or (index < cfg["cookie_lines"] and cookie.search(line)):
            chars += len(line.strip())
            lines[index] = ""
            continue
        m = glued.match(line)
        if m:
            chars += len(m.group(0).strip())
            line = lines[index] = line[m.end():]
        m = end.search(line)
        if m:
            chars += len(m.group(0).strip())
            lines[index] = line[:m.start()]
    return chars


def _unheaded_decisions(items: list[AgendaItem], profile: Profile) -> None:
    """Minutes written without part headings (a council's or a board's own: "2. Godkendelse af
    dagsordenen" / "Godkendt."): where no item has a decision heading, what is written under an
    item with no heading at all is what the meeting recorded on it — its decision, noted unless it
    says otherwise."""
    if any(p.kind == "decision" and p.heading for i in items for p in i.parts):
        return  # (an outcome written under a recommendation without a heading is no heading form)
    for item in items:
        if any(p.heading for p in item.parts) or item.decision:
            continue
        text = collapse(" ".join(p.text for p in item.parts))
        if not text and item.span and _outcome_title(item, profile):
            item.decision = Decision(heading="", text=item.title, outcome=classify_outcome(item.title, profile),
                                     span=Span(start_line=item.span.start_line, end_line=item.span.start_line,
                                               start_page=item.span.start_page, end_page=item.span.start_page))
            item.decisions = [item.decision]
            continue
        if not text:
            continue
        first, last = item.parts[0].span, item.parts[-1].span
        item.decision = Decision(heading="", text=text, outcome=classify_outcome(text, profile, "noted"),
                                 protocol_notes=protocol_notes([p.text for p in item.parts], profile),
                                 span=Span(start_line=first.start_line, end_line=last.end_line,
                                           start_page=first.start_page, end_page=last.end_page))
        item.decisions = [item.decision]


def _part_of(line: str, profile: Profile) -> tuple[str, str] | None:
    """(kind, heading as written, case-folded) of a part heading line."""
    found = match_part_heading(line, profile)
    return (found[0].kind, found[1].casefold()) if found else None


def _limited(warnings: list[RecordWarning], code: str) -> list[RecordWarning]:
    """At most MAX_ITEM_WARNINGS warnings of one kind; the rest summed up in one more."""
    mine = [w for w in warnings if w.code == code]
    if len(mine) <= MAX_ITEM_WARNINGS:
        return warnings
    rest = len(mine) - MAX_ITEM_WARNINGS
    kept = [w for w in warnings if w.code != code] + mine[:MAX_ITEM_WARNINGS]
    kept.append(RecordWarning(code=code, message=f"and {rest} more of the same kind"))
    return kept


def extract_record(text: str, *, source: Source, line_pages: list[int] | None = None,
                   line_end_pages: list[int] | None = None, layout_tables: list[RawTable] | None = None,
                   furniture: list[str] | None = None, structure: Structure | None = None,
                   profile: Profile | None = None, entities: bool = True, concurrently=None,
                   entity_cache=None) -> MeetingRecord:
    """The record of one document's text. `furniture` holds the running headers and footers a
    loader removed (they may name the authority). `structure` is what a meeting system states
    (extractors/structure.py): its items, participants and meeting facts are taken as stated, and
    everything else is read from the text the loader rendered, as for any document. With
    `entities=False` the entity layer (spaCy, extractors.entities) is left out: `annotate` adds it
    to the record later, as it would have here. `concurrently` offers the entity layer a second
    process for a big record, `entity_cache` the texts it parsed before (extractors.entities.annotate)."""
    profile = profile or load_profile()
    if structure is not None:
        _clean_stated(structure)
    span = _Spans(line_pages, line_end_pages)
    layout_tables = layout_tables or []
    normalized = normalize(text)
    lines = normalized.lines
    web_furniture = _blank_web_furniture(lines, profile)
    reflowed = reflow(lines, profile) if structure is None and not line_pages and is_flattened(lines, profile) else None
    if reflowed is not None:  # a page flattened to one paragraph: read line by line (spans mapped back at the end)
        lines = reflowed.lines
    if structure is None:
        lines = unglue_labels(lines, profile)
    raw_lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    warnings: list[RecordWarning] = []

    def is_evidence(line: str) -> bool:
        # a part heading, or a case number on a line of its own (not inside a page's flattened text)
        return match_part_heading(line, profile) is not None or (len(line) <= 200 and is_case_line(line, profile))

    toc = (find_toc(lines, profile.section("toc")["min_entries"], profile.compile(profile.section("toc")["heading"]))
           or (find_overview(lines, profile, is_evidence, lambda line: is_attendance_heading(line, profile))
               if structure is None or not structure.items else None))
    skip = set(range(toc.start_line - 1, toc.end_line)) if toc else set()

    if structure is not None and structure.items:
        agenda = _stated_agenda(structure, profile)
    else:
        agenda = segment(lines, profile, toc, is_evidence, skip)
        if not agenda.headings:  # no numbered headings: items headed by their time slots
            agenda.headings = time_slots(lines, skip)
        if not agenda.headings:  # … or by bullets, each over a decision
            agenda.headings = bullet_items(lines, skip, lambda line: _part_of(line, profile))
        if not agenda.headings:  # … or told apart by their case numbers and parts
            agenda.headings = segment_units(lines, profile, lambda line: is_case_line(line, profile),
                                            lambda line: _part_of(line, profile), skip)
    first_heading = agenda.headings[0].line if agenda.headings else len(lines) + 1
    last_heading = agenda.headings[-1].line if agenda.headings else len(lines)
    signature = _signature_line(lines, last_heading, profile) if agenda.headings else None
    # "Mødet hævet kl. 21.15" after the last item closes the minutes: it is no part of that item.
    closing = meeting_end_line(lines, profile)
    closing = closing if closing and closing > last_heading and len(lines[closing - 1]) <= 120 else None
    # who came and who did not, listed after the last item ("Om mødet" / "Fraværende med afbud" /
    # names): the meeting's, no part of that item
    trailing = _trailing_attendance(lines, last_heading, profile) if agenda.headings and structure is None else None
    end_of_items = min([len(lines) + 1] + [n for n in (signature, closing, trailing) if n]) - 1
    outside_items = skip | set(range(first_heading - 1, (trailing or len(lines) + 1) - 1))
    entries, attendance_lines = find_attendance(lines, profile, outside_items)
    if structure is not None and structure.participants is not None:
        entries = [Entry(name=p.name, party=p.party, municipality=None, role=p.role, substitute_for=p.substitute_for,
                         status=p.status, line=None, position=p.position) for p in structure.participants]
    stated_headings = {i.line: set(i.heading_lines) for i in structure.items
                       if i.heading_lines is not None} if structure is not None else None
    sections, items = _agenda_records(agenda, lines, end_of_items, layout_tables, profile, span, stated_headings)
    if structure is None or structure.participants is None:
        entries = settle(entries + _attendance_in_items(items, lines, profile)
                         + _lists_in_first_item(items, lines, profile, entries))
    participants, participant_warnings = _participants(entries)
    warnings.extend(participant_warnings)
    for entry in agenda.toc_only:
        warnings.append(RecordWarning(code="item_only_in_toc", line=entry.line,
                                      message=f"item {entry.number} '{entry.title}' is in the table of contents but has no heading in the text"))
    for heading in agenda.headings:
        if heading.not_in_toc:
            warnings.append(RecordWarning(code="not_in_toc", line=heading.line,
                                          message=f"item {heading.number} '{heading.title}' is not in the table of contents; "
                                                  "read from its numbering and the case number or part headings under it"))
    for item in items:
        line = _missed_heading(item, profile) if item.span else None
        if line:
            warnings.append(RecordWarning(code="possible_missed_item", line=line,
                                          message=f"item {item.number} seems to hold another item from line {line} on "
                                                  "(its parts start over after the decision): a heading may have been missed"))
    if any(h.renumbered for h in agenda.headings):
        warnings.append(RecordWarning(code="renumbered_items", line=agenda.headings[0].line, message=(
            f"the {len(agenda.headings)} items are all numbered '{agenda.headings[0].number_as_written}' (a list that "
            "lost its counter): numbered by their position")))
    if any(h.unnumbered for h in agenda.headings):
        warnings.append(RecordWarning(code="unnumbered_items", line=agenda.headings[0].line, message=(
            f"the {len(agenda.headings)} items have no numbers in the text: numbered by their position, "
            + ("headed by their time slots" if all(SLOT_LINE.match(h.title or "") for h in agenda.headings)
               else "headed by bullets, each over a decision" if all(
                   BULLET_TITLE.match(lines[h.line - 1]) for h in agenda.headings)
               else "told apart by their case numbers and the parts of their text"))))
    warnings = _limited(_limited(_limited(warnings, "item_only_in_toc"), "not_in_toc"), "possible_missed_item")

    header_end = min([first_heading - 1] + [i for i in attendance_lines] + ([toc.start_line - 1] if toc else []))
    header_lines = [("" if i in skip else line) for i, line in enumerate(lines[:header_end])]
    full_text = "\n".join(lines)
    header = find_header(header_lines, profile, full_text)
    if structure is None and (header.start_time is None or header.place is None) and header_end < first_heading - 1:
        # the meeting's line after the members ("Afbud" / … / "Møde i Seniorrådet 29. maj 2026 kl. 9-12" /
        # "Mødet afholdes i lokale 2"): its time and place, when it names the same day
        attending = set(attendance_lines)
        before_items = [("" if i in skip or i in attending else line) for i, line in enumerate(lines[:first_heading - 1])]
        later = find_header(before_items, profile, full_text)
        if later.date is not None and later.date == header.date:
            header.start_time, header.end_time = header.start_time or later.start_time, header.end_time or later.end_time
            header.place = header.place or later.place
    if structure is not None:  # what the system states beats what its rendered header says
        for name in ("body", "date", "start_time", "end_time", "place"):
            if getattr(structure, name) is not None:
                setattr(header, name, getattr(structure, name))
                if name == "date":
                    header.date_line = None
    furniture_text = [raw_lines[n - 1] for n in normalized.furniture_lines if n <= len(raw_lines)] + list(furniture or [])
    authority = (structure.authority if structure is not None and structure.authority
                 else find_authority(header_lines, profile, header.body, furniture_text, full_text))
    stated_warnings = _apply_stated(items, structure, header.body, header.date, profile, span) if structure else []
    _header_from_decisions(header, items, lines)
    _earlier_only(items, header.date)
    if header.start_time is None or header.end_time is None:
        # "Mødet begyndte kl. 18:30 og sluttede kl. 20:10." in the header or the first item
        first_item = next((i for i in items if i.span is not None), None)
        told = header_lines + (lines[first_item.span.start_line - 1:first_item.span.end_line] if first_item else [])
        for line in told:
            start, end = meeting_times(line, profile) if len(line) <= 2000 else (None, None)
            header.start_time, header.end_time = header.start_time or start, header.end_time or end
    next_meeting = find_next_meeting(lines, profile, header.date)

    titles = find_title_words(lines[:first_heading - 1], profile)
    placed_items = [i for i in items if i.span is not None]
    told = sum(1 for i in placed_items if not i.decision and _ends_in_outcome(i, profile))
    reports = profile.compile(profile.section("document")["report_verbs"])
    reported = sum(1 for i in placed_items if not any(p.kind == "recommendation" for p in i.parts)
                   and reports.search(" ".join(p.text for p in i.parts)[:2000]))
    with_text = sum(1 for i in placed_items if any(p.text.strip() for p in i.parts))
    if any(i.recommendation for i in items) or reported * 2 < with_text:
        reported = 0  # an agenda's case texts tell what was done before; minutes tell it of most items
    agenda_titled = "agenda" in titles and "minutes" not in titles
    if agenda_titled and told * 2 < with_text:
        told = 0  # under an agenda's title, one item's last line may tell what another body decided
    unheaded = structure is None and ("minutes" in titles or told >= 1 or reported >= 2)
    if unheaded:
        _unheaded_decisions(items, profile)  # a minutes title, or items that end in an outcome
    statements = sum(1 for i in items if i.span and not i.decision and _ends_in_outcome(i, profile))
    if agenda_titled and statements * 2 < with_text:
        statements = 0
    end_line = closing or meeting_end_line(lines, profile)
    own_decision = _dated_decision_line(lines, header.date, profile)
    answered = profile.compile(profile.section("document")["answered_point"])
    taken = profile.compile(rf"^\s*(?:{'|'.join(profile.section('attendance')['absent_headings'] + profile.section('document')['minute_takers'])})\s*:")
    if header.end_time is None and closing:  # "Mødet hævet kl. 21.15" after the last item
        times = find_times(lines[closing - 1])
        header.end_time = times[-1] if times else None
    signals = Signals(
        title_minutes="minutes" in titles, title_agenda="agenda" in titles, meeting_date=header.date is not None,
        items=sum(1 for i in items if i.span is not None), decisions=sum(1 for i in items if i.decision),
        recommendations=sum(1 for i in items if i.recommendation), attendance=len(participants),
        case_numbers=sum(len(i.case_numbers) for i in items), meeting_end=end_line is not None,
        outcome_statements=statements,
        agenda_approved=_agenda_approved(lines[:first_heading - 1], profile),
        own_decision=own_decision is not None,
        answered_points=sum(1 for h in agenda.headings if answered.match(h.number_as_written)),
        attendance_taken=any(taken.match(line) for line in lines[:first_heading - 1]), items_with_text=with_text,
        about_minutes=bool(profile.compile(profile.section("document")["about_minutes"]).search(full_text[:20000])),
        reported=reported,
        signature=signature is not None,
        meeting_facts=bool(header.start_time or header.place or any(
            MEETING_LABEL.search(line) for line in lines[:30] if len(line) <= 5000)),
        where={"title_minutes": titles.get("minutes", ""), "title_agenda": titles.get("agenda", ""),
               "meeting_date": (f"{header.date} (line {header.date_line})" if header.date_line else
                                f"{header.date} (stated)") if header.date else "",
               "meeting_end": f"(line {end_line})" if end_line else "",
               "signature": f"(line {signature})" if signature else "",
               "own_decision": f"(line {own_decision})" if own_decision else ""},
    )
    document_type, reason, evidence = classify(signals, profile)
    if document_type == "minutes" and structure is None and not unheaded:
        _unheaded_decisions(items, profile)  # minutes by other evidence: what is under an item is what was recorded
    if structure is not None and structure.document_type and signals.items:
        # the system says what it published; an agenda with decisions recorded is minutes all the same
        stated = "minutes" if structure.document_type == "agenda" and signals.decisions else structure.document_type
        document_type, reason = stated, None
        evidence = [f"published by {structure.system} as {structure.document_type}", *evidence]

    coverage = None
    if document_type == "not_minutes":
        meeting, participants, sections, items = Meeting(), [], [], []
        warnings = []
    else:
        extraordinary = (structure.extraordinary if structure is not None and structure.extraordinary is not None
                         else _extraordinary(lines[:first_heading - 1], profile))
        meeting = Meeting(
            body=header.body, authority=authority, date=header.date, start_time=header.start_time,
            end_time=header.end_time,
            place=header.place, extraordinary=extraordinary,
            next_meeting=NextMeeting(date=next_meeting.date, start_time=next_meeting.start_time,
                                     end_time=next_meeting.end_time, text=next_meeting.text) if next_meeting else None,
        )
        for field, value in (("body", header.body), ("date", header.date)):
            if value is None:
                warnings.append(RecordWarning(code=f"no_{field}", message=f"no meeting {field} found in the header"))
        if header.body and not authority and not _names_a_place(header.body):
            warnings.append(RecordWarning(code="no_authority", message=(
                f"the document does not name the municipality or region of '{header.body}': its record id "
                "is the body and date alone, like the same body's of another authority")))
        if document_type == "minutes" and not signals.decisions:
            warnings.append(RecordWarning(code="no_decisions", message=(
                "minutes in which no item has a recorded decision: the decisions may stand under headings "
                "of a form referat does not know, or on pages that could not be read")))
        placed = {
            "header": range(1, header_end + 1),
            "attendance": {i + 1 for i in attendance_lines},
            "toc": range(toc.start_line, toc.end_line + 1) if toc else range(0),
            "items": range(first_heading, end_of_items + 1),
            "closing": range(end_of_items + 1, len(lines) + 1),
        }
        coverage, coverage_warnings = measure_coverage(lines, placed, layout_tables, profile)
        coverage.furniture_chars = web_furniture
        warnings.extend(coverage_warnings)
        warnings.extend(stated_warnings)

    if document_type != "not_minutes" and meeting.body and meeting.date:
        # Committees of different municipalities share names ("Økonomiudvalget"): the authority
        # keeps their ids apart. An agenda must not overwrite the minutes of the same meeting.
        place = regex.sub(r"\s*(?:Regionskommune|Kommune)$", "", meeting.authority or "")
        parts = [place, meeting.body, meeting.date.isoformat(), "ekstraordinaer" if meeting.extraordinary else "",
                 "dagsorden" if document_type == "agenda" else ""]
        record_id = slugify(" ".join(p for p in parts if p))
        if len(record_id) > MAX_ID_LENGTH:  # a very long body name: cut it, keep the date and kind whole
            tail = slugify(" ".join(p for p in parts[2:] if p))
            record_id = f"{bounded_id(slugify(' '.join(p for p in parts[:2] if p)), MAX_ID_LENGTH - len(tail) - 1)}-{tail}"
    else:
        # the hash is kept whole at the end, the file name cut to leave room for it
        stem = bounded_id(slugify(PurePath(source.file_name).stem) or "document", MAX_ID_LENGTH - 9)
        record_id = f"{stem}-{source.sha256[:8]}"

    if reflowed is not None:  # lines of the flattened page broken up: back to the lines of the text
        def back(number: int | None) -> int | None:
            return None if number is None else reflowed.origin[min(max(number, 1), len(reflowed.origin)) - 1]

        for entry in [*warnings, *participants]:
            entry.line = back(entry.line)
        for found in {id(x): x for x in _spans_in([coverage, sections, items])}.values():  # each object once
            found.start_line, found.end_line = back(found.start_line), back(found.end_line)
        warnings.append(RecordWarning(code="reflowed", message=(
            f"the text stands in paragraphs of whole pages (a document-sharing site's copy); read as "
            f"{len(lines)} lines broken before its headings, spans point to its {len(reflowed.origin and set(reflowed.origin))} lines")))
    record = MeetingRecord(
        record_id=record_id, document_type=document_type, not_minutes_reason=reason, classification=evidence,
        source=source, extractor_version=EXTRACTOR_VERSION, warnings=warnings, coverage=coverage, meeting=meeting,
        participants=participants, sections=sections, items=items,
    )
    # Entities only where there is a meeting: a web page gets no invented people or bodies.
    if document_type == "not_minutes" or not entities:
        return record
    from extractors.entities import annotate  # spaCy: imported by the first record that needs it

    return annotate(record, concurrently, entity_cache)
