"""From the text of a document to a meeting record: the extractors put together."""

from __future__ import annotations

from collections import Counter
from pathlib import PurePath

import regex

from extractors import EXTRACTOR_VERSION
from extractors.attendance import Entry, find_attendance
from extractors.case_numbers import find_case_numbers, is_case_line
from extractors.classify import Signals, classify, title_words
from extractors.entities import annotate
from extractors.decisions import classify_outcome, find_votes, protocol_notes
from extractors.header import find_header, find_next_meeting
from extractors.items import Agenda, Heading, segment
from extractors.normalize import clean_markup, normalize, rejoin_hyphenation
from extractors.parts import (
    Part, attachment_titles, inline_recommendation, match_part_heading, recommendation_points, split_parts,
)
from extractors.profile import Profile, load_profile
from extractors.tables import RawTable, find_text_tables, parse_number, split_header
from extractors.text import collapse, paragraphs_text, slugify
from extractors.toc import find_toc
from schemas.record import (
    AgendaItem, Attachment, CaseNumber, Cell, Decision, ItemPart, Meeting, MeetingRecord, NextMeeting,
    Participant, Recommendation, RecordWarning, Section, Source, Span, Table, Vote,
)


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
    return any(h.number.startswith(heading.number + ".") for h in following)


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
                    substitute_for=e.substitute_for, status=e.status, line=e.line)
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


def _build_item(heading: Heading, order: int, section: str | None, body: list[str], first_line: int,
                end_line: int, next_heading: int, layout_tables: list[RawTable], profile: Profile,
                span: _Spans) -> AgendaItem:
    # A layout table stands on a blank placeholder line, which may be past the item's last text
    # line: it belongs to the item until the next heading.
    raw_tables = find_text_tables(body, first_line) + [
        t for t in layout_tables if first_line <= t.start_line < next_heading
    ]
    table_lines = {n for t in raw_tables for n in range(t.start_line, t.end_line + 1)}
    body = [("" if (first_line + i) in table_lines else line) for i, line in enumerate(body)]
    parts = split_parts(body, first_line, profile)

    preamble = [p for p in parts if p.heading is None]
    case_source = preamble[0].text_lines() if preamble else body[:4]
    case_first = preamble[0].lines[0][0] if preamble and preamble[0].lines else first_line
    cases = find_case_numbers(case_source, case_first, profile)

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

    decision = None
    votes: list[Vote] = []
    # An empty "Beslutning" heading (an agenda's placeholder, "Eventuelt" with nothing said) is no decision.
    decision_parts = [p for p in parts if p.kind == "decision" and any(t.strip() for t in p.text_lines())]
    if decision_parts:
        # The last decision is the one this body took ("Beslutning i Økonomiudvalget" may precede it).
        part = decision_parts[-1]
        text = collapse(" ".join(part.text_lines()))
        decision = Decision(heading=part.heading or "", text=text, outcome=classify_outcome(text, profile),
                            protocol_notes=protocol_notes(part.text_lines(), profile), span=span(part.start_line, part.end_line))
        votes = [Vote(position=v.position, parties=v.parties, count=v.count, text=v.text)
                 for v in find_votes(part.text_lines(), profile)]

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
        votes=votes,
        tables=[_table(t, heading.number, span) for t in sorted(raw_tables, key=lambda t: t.start_line)],
        parts=[ItemPart(heading=p.heading, kind=p.kind, text=paragraphs_text(p.text_lines()),
                        span=span(p.start_line, p.end_line)) for p in parts],
        span=span(heading.line, max([end_line] + [t.end_line for t in raw_tables])),
    )


def _agenda_records(agenda: Agenda, lines: list[str], layout_tables: list[RawTable], profile: Profile,
                    span: _Spans) -> tuple[list[Section], list[AgendaItem]]:
    headings = agenda.headings
    sections: list[Section] = []
    items: list[AgendaItem] = []
    current_section: Section | None = None
    for position, heading in enumerate(headings):
        following = headings[position + 1:]
        next_line = following[0].line if following else len(lines) + 1
        end_line = next_line - 1
        while end_line > heading.line and not lines[end_line - 1].strip():
            end_line -= 1
        label = f"{heading.number}. {heading.title}"
        if _is_section(heading, following):
            current_section = Section(number=heading.number, title=heading.title, label=label,
                                      toc_page=heading.toc.page if heading.toc else None,
                                      span=span(heading.line, end_line))
            sections.append(current_section)
            continue
        parent = current_section if current_section and heading.number.startswith(current_section.number + ".") else None
        section_label = parent.label if parent else label
        first_line = heading.line + heading.title_lines
        body = lines[first_line - 1: end_line]
        items.append(_build_item(heading, 0, section_label, body, first_line, end_line, next_line, layout_tables,
                                 profile, span))
    # Items listed in the TOC but absent from the text are still items (with no span).
    known_sections = {s.number for s in sections}
    for entry in agenda.toc_only:
        if entry.number in known_sections:
            continue
        parent = next((s for s in sections if entry.number.startswith(s.number + ".")), None)
        items.append(AgendaItem(number=entry.number, number_as_written=entry.number, order=0, title=entry.title,
                                section=parent.label if parent else f"{entry.number}. {entry.title}",
                                toc_page=entry.page))
    items.sort(key=lambda i: tuple(int(p) for p in i.number.split(".")))
    for order, item in enumerate(items):
        item.order = order
    return sections, items


def extract_record(text: str, *, source: Source, line_pages: list[int] | None = None,
                   line_end_pages: list[int] | None = None, layout_tables: list[RawTable] | None = None,
                   profile: Profile | None = None) -> MeetingRecord:
    profile = profile or load_profile()
    span = _Spans(line_pages, line_end_pages)
    normalized = normalize(text)
    lines = normalized.lines
    warnings: list[RecordWarning] = []

    toc = find_toc(lines, profile.section("toc")["min_entries"])
    skip = set(range(toc.start_line - 1, toc.end_line)) if toc else set()

    def is_evidence(line: str) -> bool:
        return match_part_heading(line, profile) is not None or is_case_line(line, profile)

    agenda = segment(lines, profile, toc, is_evidence, skip)
    first_heading = agenda.headings[0].line if agenda.headings else len(lines) + 1
    outside_items = skip | set(range(first_heading - 1, len(lines)))
    entries, attendance_lines = find_attendance(lines, profile, outside_items)
    sections, items = _agenda_records(agenda, lines, layout_tables or [], profile, span)
    participants, participant_warnings = _participants(entries)
    warnings.extend(participant_warnings)
    for entry in agenda.toc_only:
        warnings.append(RecordWarning(code="item_only_in_toc", line=entry.line,
                                      message=f"item {entry.number} '{entry.title}' is in the table of contents but has no heading in the text"))

    header_end = min([first_heading - 1] + [i for i in attendance_lines])
    header_lines = [("" if i in skip else line) for i, line in enumerate(lines[:header_end])]
    header = find_header(header_lines, profile, "\n".join(lines))
    next_meeting = find_next_meeting(lines, profile, header.date)

    title_minutes, title_agenda = title_words(lines, profile)
    signals = Signals(
        title_minutes=title_minutes, title_agenda=title_agenda, meeting_date=header.date is not None,
        items=sum(1 for i in items if i.span is not None), decisions=sum(1 for i in items if i.decision),
        recommendations=sum(1 for i in items if i.recommendation), attendance=len(participants),
        case_numbers=sum(len(i.case_numbers) for i in items),
    )
    document_type, reason = classify(signals, profile)

    if document_type == "not_minutes":
        meeting, participants, sections, items = Meeting(), [], [], []
        warnings = []
    else:
        meeting = Meeting(
            body=header.body, authority=header.authority, date=header.date, start_time=header.start_time,
            end_time=header.end_time,
            place=header.place,
            next_meeting=NextMeeting(date=next_meeting.date, start_time=next_meeting.start_time,
                                     end_time=next_meeting.end_time, text=next_meeting.text) if next_meeting else None,
        )
        for field, value in (("body", header.body), ("date", header.date)):
            if value is None:
                warnings.append(RecordWarning(code=f"no_{field}", message=f"no meeting {field} found in the header"))

    if document_type != "not_minutes" and meeting.body and meeting.date:
        # Committees of different municipalities share names ("Økonomiudvalget"): the authority
        # keeps their ids apart. An agenda must not overwrite the minutes of the same meeting.
        place = regex.sub(r"\s*(?:Regionskommune|Kommune)$", "", meeting.authority or "")
        parts = [place, meeting.body, meeting.date.isoformat(), "dagsorden" if document_type == "agenda" else ""]
        record_id = slugify(" ".join(p for p in parts if p))
    else:
        record_id = f"{slugify(PurePath(source.file_name).stem) or 'document'}-{source.sha256[:8]}"

    record = MeetingRecord(
        record_id=record_id, document_type=document_type, not_minutes_reason=reason, source=source,
        extractor_version=EXTRACTOR_VERSION, warnings=warnings, meeting=meeting, participants=participants,
        sections=sections, items=items,
    )
    # Entities only where there is a meeting: a web page gets no invented people or bodies.
    return annotate(record) if document_type != "not_minutes" else record
