"""The flat tables, derived from the JSON records (never the other way round).

Each table is declared once, here: where its rows come from in a record (a walk down the record's
lists: `items`, then each item's `decisions`, ...) and its columns, each the path of a field of
the row's object in the schema (`span.start_line`), of the record (`$meeting.body`), or a derived
value with a documented rule. The column types and meanings come from the pydantic models in
`schemas/`, so the data dictionary (`analytics.dictionary`) is generated from the schema and a
test keeps it in step with the models.

Join keys: `record_id` (the record, one per meeting) in every table; `item_key`
(`<record_id>#<item number>`) for everything that belongs to an agenda item; the `*_index`
columns are the positions in the record's lists (0-based), so that every row points back to the
place in the JSON it came from.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import types
import typing
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from schemas.entities import Entity, PartyLink
from schemas.record import (
    AgendaItem,
    Attachment,
    CaseNumber,
    Decision,
    ItemPart,
    MeetingRecord,
    Participant,
    RecordWarning,
    Section,
    Vote,
)

# Bumped when tables or columns change: an analytics database of another layout is rebuilt.
LAYOUT_VERSION = "4"


@dataclass(frozen=True)
class Column:
    """One column. `path` is where its value sits: relative to the row's object (`span.start_line`),
    `$...` from the record's root (`$meeting.body`), or None for a derived value (`derive`)."""

    name: str
    path: str | None = None
    type: str | None = None  # DuckDB type; from the schema when the column maps to a schema field
    doc: str | None = None  # meaning; from the schema field's description unless given
    example: Any = None  # from the schema field's examples unless given
    derive: Callable[[Row], Any] | None = None
    covers: tuple[str, ...] = ()  # schema fields a derived column carries (`items[].tables[].rows[][].text`)


@dataclass
class Row:
    """The context a row is made from: the record, the objects on the walk and their indexes."""

    record: dict
    obj: Any
    item: dict | None = None
    item_index: int | None = None
    item_key: str | None = None
    indexes: dict[str, int] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TableSpec:
    name: str
    doc: str
    model: type[BaseModel] | None  # the schema model of one row's object (None: a plain string)
    walk: Callable[[dict], Iterator[Row]]
    columns: tuple[Column, ...]
    row_path: str  # where a row's object sits in the record, for the dictionary and the tests


# -- walks: the rows of a table from one record -----------------------------------------------


def item_keys(record: dict) -> list[str]:
    """`<record_id>#<number>` for each item; a number written twice in one record gets
    `@<order>` on its later occurrences so that every key is unique."""
    seen: set[str] = set()
    keys = []
    for item in record.get("items") or []:
        key = f"{record['record_id']}#{item['number']}"
        if key in seen:
            key = f"{key}@{item['order']}"
        seen.add(key)
        keys.append(key)
    return keys


def _root(record: dict) -> Iterator[Row]:
    yield Row(record, record)


def _list(name: str) -> Callable[[dict], Iterator[Row]]:
    def walk(record: dict) -> Iterator[Row]:
        for i, obj in enumerate(record.get(name) or []):
            yield Row(record, obj, indexes={f"{name.rstrip('s')}_index": i})

    return walk


def _items(record: dict) -> Iterator[Row]:
    for i, (item, key) in enumerate(zip(record.get("items") or [], item_keys(record))):
        yield Row(record, item, item=item, item_index=i, item_key=key)


def _item_list(name: str, index: str) -> Callable[[dict], Iterator[Row]]:
    def walk(record: dict) -> Iterator[Row]:
        for item_row in _items(record):
            for j, obj in enumerate(item_row.item.get(name) or []):
                yield Row(record, obj, item_row.item, item_row.item_index, item_row.item_key, {index: j})

    return walk


def _protocol_notes(record: dict) -> Iterator[Row]:
    for row in _item_list("decisions", "decision_index")(record):
        for k, note in enumerate(row.obj.get("protocol_notes") or []):
            yield Row(record, note, row.item, row.item_index, row.item_key, {**row.indexes, "note_index": k},
                      extra={"decision": row.obj})


def _cells(record: dict) -> Iterator[Row]:
    for row in _item_list("tables", "table_index")(record):
        table = row.obj
        header = table.get("header_rows") or []
        for r, cells in enumerate(header + (table.get("rows") or [])):
            for c, cell in enumerate(cells):
                yield Row(record, cell, row.item, row.item_index, row.item_key,
                          {**row.indexes, "row": r, "column": c}, extra={"table": table, "header": r < len(header)})


# -- derived values ---------------------------------------------------------------------------


def _is_current(row: Row) -> bool:
    return row.obj == (row.item or {}).get("decision")


def _decision_body(row: Row) -> str | None:
    if row.obj.get("by"):
        return row.obj["by"]
    return row.record["meeting"].get("body") if _is_current(row) else None


def _decision_date(row: Row) -> dt.date | None:
    if row.obj.get("date"):
        return _date(row.obj["date"])
    return _date(row.record["meeting"].get("date")) if _is_current(row) else None


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _record_id(row: Row) -> str:
    return row.record["record_id"]


RECORD_ID = Column("record_id", type="VARCHAR", derive=_record_id,
                   doc="The record the row comes from (`record_id` of the record; join key).",
                   example="kkr-hovedstaden-2026-06-16")
ITEM_KEY = Column("item_key", type="VARCHAR", derive=lambda r: r.item_key,
                  doc="The agenda item: `<record_id>#<item number>` (`@<order>` added when a record "
                  "has the number twice); join key to `items`.",
                  example="kkr-hovedstaden-2026-06-16#3.2")
ITEM_INDEX = Column("item_index", type="BIGINT", derive=lambda r: r.item_index,
                    doc="Position of the item in the record's `items` (0-based).", example=4)


def _index(name: str, what: str, example: int = 0) -> Column:
    return Column(name, type="BIGINT", derive=lambda r: r.indexes[name],
                  doc=f"Position of the {what} (0-based).", example=example)


def _span() -> tuple[Column, ...]:
    return (
        Column("start_line", "span.start_line", doc="First source line (1-based).", example=369),
        Column("end_line", "span.end_line", doc="Last source line.", example=450),
        Column("start_page", "span.start_page", doc="First page, for a PDF; null otherwise.", example=12),
        Column("end_page", "span.end_page", doc="Last page, for a PDF; null otherwise.", example=13),
    )


def _cell(name: str, type_: str, doc: str, example: Any) -> Column:
    return Column(name, type=type_, derive=lambda r: r.obj.get(name), doc=f"{doc} (`Cell.{name}`)", example=example,
                  covers=(f"items[].tables[].header_rows[][].{name}", f"items[].tables[].rows[][].{name}"))


def _ocr_pages(r: "Row") -> list[dict]:
    return ((r.record.get("source") or {}).get("ocr") or {}).get("pages") or []


def _table_field(name: str, path: str, type_: str, doc: str, example: Any) -> Column:
    return Column(name, type=type_, derive=lambda r: get_path(r.extra["table"], path),
                  doc=f"{doc} (`Table.{path}`)", example=example, covers=(f"items[].tables[].{path}",))


TABLES: tuple[TableSpec, ...] = (
    TableSpec(
        "meetings", "One row per record: the meeting, its source document and how it was read.",
        MeetingRecord, _root, row_path="",
        columns=(
            RECORD_ID,
            Column("document_type", "document_type", doc="What the document is, decided from evidence (`classification`)."),
            Column("not_minutes_reason", "not_minutes_reason", doc="Why a document is not minutes; null otherwise.",
                   example="no agenda items; no decision under any item; no minutes title word"),
            Column("body", "meeting.body", doc="The body that met, as the document names it."),
            Column("authority", "meeting.authority"),
            Column("date", "meeting.date", doc="The meeting date.", example="2026-06-16"),
            Column("start_time", "meeting.start_time", doc="Start time, HH:MM.", example="10:00"),
            Column("end_time", "meeting.end_time", doc="End time, HH:MM.", example="12:00"),
            Column("extraordinary", "meeting.extraordinary", example=False),
            Column("place", "meeting.place", example="Glostrup Park Hotel, Hovedvejen 41, Glostrup."),
            Column("next_meeting_date", "meeting.next_meeting.date", doc="Date of the next meeting, if stated.",
                   example="2026-09-04"),
            Column("next_meeting_start_time", "meeting.next_meeting.start_time", doc="Its start time, HH:MM.",
                   example="10:00"),
            Column("next_meeting_end_time", "meeting.next_meeting.end_time", doc="Its end time, HH:MM.",
                   example="12:00"),
            Column("next_meeting_text", "meeting.next_meeting.text", example="Næste møde i KKR Hovedstaden planlægges …"),
            Column("source_file", "source.file_name", doc="File name of the source document.",
                   example="kkr-hovedstaden-2026-06-16.txt"),
            Column("source_sha256", "source.sha256", doc="sha256 of the source document's bytes.",
                   example="3f5a…"),
            Column("source_media_type", "source.media_type", doc="Media type of the source document."),
            Column("source_system", "source.system"),
            Column("source_meeting_id", "source.meeting_id", example="779d518b-25e9-4d46-9111-1d3f7c1175a9"),
            Column("source_page_count", "source.page_count", example=24),
            Column("source_size_bytes", "source.size_bytes", doc="Size of the source document in bytes.",
                   example=73580),
            Column("source_encoding", "source.encoding", doc="Character encoding a plain text source was read in.",
                   example="utf-8"),
            Column("source_ocr_engine", "source.ocr.engine", doc="OCR engine that read the pages without a "
                   "usable text layer; null when no page was OCR'd.", example="tesseract"),
            Column("source_ocr_engine_version", "source.ocr.engine_version", example="5.3.0"),
            Column("source_ocr_language", "source.ocr.language", example="dan"),
            Column("ocr_page_count", type="BIGINT", derive=lambda r: len(_ocr_pages(r)),
                   doc="Pages read by OCR (`source.ocr.pages`); 0 when none.", example=2,
                   covers=("source.ocr.pages[].page", "source.ocr.pages[].words", "source.ocr.pages[].dpi")),
            Column("ocr_min_confidence", type="DOUBLE",
                   derive=lambda r: min((p["mean_confidence"] for p in _ocr_pages(r)
                                         if p.get("mean_confidence") is not None), default=None),
                   doc="The lowest mean word confidence (0-100) of an OCR'd page (`source.ocr.pages`); null "
                   "without OCR. Under 75 the items read from that page carry the warning `low_ocr_confidence`.",
                   example=91.9, covers=("source.ocr.pages[].mean_confidence",)),
            Column("classification", "classification"),
            Column("coverage_share", "coverage.share", example=1.0),
            Column("coverage_body_chars", "coverage.body_chars", doc="Characters of the document's text "
                   "(page furniture and blank lines aside).", example=70848),
            Column("coverage_placed_chars", "coverage.placed_chars", doc="Of those, characters that landed "
                   "in the record.", example=70848),
            Column("coverage_furniture_chars", "coverage.furniture_chars", example=412),
            Column("schema_version", "schema_version", doc="Version of the record schema.", example="1.1.0"),
            Column("extractor_version", "extractor_version", doc="Version of the extractor that made the record.",
                   example="0.6.0"),
            Column("item_count", type="BIGINT", derive=lambda r: len(r.record.get("items") or []),
                   doc="Number of agenda items (`items`).", example=15),
            Column("participant_count", type="BIGINT", derive=lambda r: len(r.record.get("participants") or []),
                   doc="Number of entries on the attendance lists (`participants`), staff included.", example=61),
        ),
    ),
    TableSpec(
        "participants", "Person × meeting: everyone on the attendance lists, as written (duplicates kept).",
        Participant, _list("participants"), row_path="participants[participant_index]",
        columns=(
            RECORD_ID,
            _index("participant_index", "entry in the record's `participants`"),
            Column("name", "name", doc="The person's name as written.", example="Alexandra Dessoy"),
            Column("party", "party", example="C"),
            Column("municipality", "municipality", example="Frederiksberg Kommune"),
            Column("municipality_code", "municipality_code", example=147),
            Column("role", "role", doc="'staff': a secretary or official listed as such, not a member."),
            Column("position", "position"),
            Column("substitute_for", "substitute_for", doc="Whom a substitute stood in for.",
                   example="Michael Vindfelt"),
            Column("status", "status", doc="Whether the person attended the meeting."),
            Column("line", "line", example=48),
        ),
    ),
    TableSpec(
        "sections", "The agenda's sections (groups of items).", Section, _list("sections"),
        row_path="sections[section_index]",
        columns=(
            RECORD_ID,
            _index("section_index", "section in the record's `sections`"),
            Column("number", "number", doc="The section's number."),
            Column("title", "title", doc="The section's title.", example="Regionalpolitiske sager"),
            Column("label", "label", doc="Number and title as written."),
            Column("toc_page", "toc_page", doc="Page the table of contents gives.", example=12),
            *_span(),
        ),
    ),
    TableSpec(
        "items", "One row per agenda item, with the decision made at this meeting.", AgendaItem, _items,
        row_path="items[item_index]",
        columns=(
            RECORD_ID,
            ITEM_KEY,
            ITEM_INDEX,
            Column("number", "number", doc="The item's number, normalised (`3.1`, `5`)."),
            Column("number_as_written", "number_as_written", doc="The number as the document writes it."),
            Column("order", "order", doc="Position in the agenda as the document orders it.", example=4),
            Column("title", "title", doc="The item's title as written.",
                   example="Greater Copenhagen: fremtid og finansiering"),
            Column("section", "section", doc="Label of the section the item is in; null where the agenda has none."),
            Column("access", "access", doc="Whether the item was treated in public or behind closed doors (`Lukket punkt`)."),
            Column("toc_page", "toc_page", doc="Page the table of contents gives.", example=15),
            Column("background", "background", doc="The background part (`Baggrund`, `Resumé`), one paragraph "
                   "per line.", example="KKR Hovedstaden skal drøfte …"),
            Column("recommendation", "recommendation.text", example="- Det indstilles, at …"),
            Column("recommendation_points", "recommendation.points", example=["Det indstilles, at …"]),
            Column("case_presentation", "case_presentation", doc="The case presentation (`Sagsfremstilling`), "
                   "one paragraph per line.", example="Greater Copenhagen er …"),
            Column("decision_heading", "decision.heading", doc="Heading of the decision made at this meeting."),
            Column("decision_by", "decision.by"),
            Column("decision_date", "decision.date", example="2026-06-16"),
            Column("decision", "decision.text", doc="Text of the decision made at this meeting (`decision`).",
                   example="KKR tiltrådte indstillingen."),
            Column("outcome", "decision.outcome"),
            Column("absent", "absent"),
            Column("presenters", "presenters", example=["Jan Juul Christensen"]),
            Column("case_count", type="BIGINT", derive=lambda r: len(r.obj.get("case_numbers") or []),
                   doc="Number of case numbers (`case_numbers`; rows in `cases`).", example=1),
            Column("decision_count", type="BIGINT", derive=lambda r: len(r.obj.get("decisions") or []),
                   doc="Number of decisions recorded on the item (`decisions`; rows in `decisions`).", example=1),
            *_span(),
            Column("source_id", "source_id", example="51e390e8-7205-456d-88e6-c492b4ccf41f"),
            Column("source_pointer", "source_pointer"),
            Column("document_file", "document.file_name", doc="In a record assembled from several documents "
                   "(one page per item): the document the item was read from; its lines and pointer are that "
                   "document's. Null: the meeting's `source_file`.", example="punkt-41.html"),
            Column("document_sha256", "document.sha256", doc="The SHA-256 of that document.",
                   example="2722c2c9b2dcf0e85abc232fa3bd6063307d988872537747f2fc47e32ba38fc6"),
            Column("document_media_type", "document.media_type", doc="The media type of that document.",
                   example="text/html"),
        ),
    ),
    TableSpec(
        "parts", "Every headed part of an item, in order, with its text (one paragraph per line).", ItemPart,
        _item_list("parts", "part_index"), row_path="items[item_index].parts[part_index]",
        columns=(
            RECORD_ID, ITEM_KEY, ITEM_INDEX, _index("part_index", "part in the item's `parts`"),
            Column("heading", "heading", example="Baggrund"),
            Column("kind", "kind", doc="What the part is, read from its heading."),
            Column("text", "text", doc="The part's text, one paragraph per line.", example="KKR Hovedstaden skal …"),
            *_span(),
        ),
    ),
    TableSpec(
        "cases", "Case number × item: which items treated which case.", CaseNumber,
        _item_list("case_numbers", "case_index"), row_path="items[item_index].case_numbers[case_index]",
        columns=(
            RECORD_ID, ITEM_KEY, ITEM_INDEX, _index("case_index", "case number in the item's `case_numbers`"),
            Column("case_number", "number", doc="The case number as written (the case's key).",
                   example="SAG-2026-00802"),
            Column("handlers", "handlers", doc="Initials of the case handlers written with the number."),
            Column("raw", "raw", example="SAG-2026-00802 hdc/jebj"),
        ),
    ),
    TableSpec(
        "decisions", "Every decision of every item: the earlier treatment by other bodies first, in date "
        "order, then the decision made at this meeting (`is_current`).", Decision,
        _item_list("decisions", "decision_index"), row_path="items[item_index].decisions[decision_index]",
        columns=(
            RECORD_ID, ITEM_KEY, ITEM_INDEX, _index("decision_index", "decision in the item's `decisions`"),
            Column("is_current", type="BOOLEAN", derive=_is_current,
                   doc="True for the decision made at this meeting (the item's `decision`); false for earlier "
                   "treatment by another body recorded on the item.", example=True),
            Column("heading", "heading", doc="The decision's heading as written."),
            Column("by", "by"),
            Column("date", "date", example="2025-03-12"),
            Column("body", type="VARCHAR", derive=_decision_body,
                   doc="The deciding body: `by`, or for the decision made at this meeting where the heading "
                   "names none, the meeting's body.", example="Økonomiudvalget"),
            Column("decided_on", type="DATE", derive=_decision_date,
                   doc="When it was decided: `date`, or for the decision made at this meeting where the heading "
                   "gives none, the meeting's date.", example="2025-03-12"),
            Column("text", "text", doc="The decision's text, verbatim, whitespace collapsed.",
                   example="Godkendt."),
            Column("outcome", "outcome"),
            Column("absent", "absent", example=["Mette Dahl"]),
            Column("protocol_note_count", type="BIGINT", derive=lambda r: len(r.obj.get("protocol_notes") or []),
                   doc="Number of protocol notes (rows in `protocol_notes`).", example=0),
            *_span(),
        ),
    ),
    TableSpec(
        "protocol_notes", "Protocol remarks (`ønskede protokolleret …`) under a decision.", None,
        _protocol_notes, row_path="items[item_index].decisions[decision_index].protocol_notes[note_index]",
        columns=(
            RECORD_ID, ITEM_KEY, ITEM_INDEX, _index("decision_index", "decision in the item's `decisions`"),
            _index("note_index", "note in the decision's `protocol_notes`"),
            Column("text", "", type="VARCHAR", doc="The remark as written.",
                   example="SF ønskede protokolleret, at …", covers=("items[].decisions[].protocol_notes",)),
        ),
    ),
    TableSpec(
        "votes", "Votes recorded on an item: who voted for, against or abstained.", Vote,
        _item_list("votes", "vote_index"), row_path="items[item_index].votes[vote_index]",
        columns=(
            RECORD_ID, ITEM_KEY, ITEM_INDEX, _index("vote_index", "vote in the item's `votes`"),
            Column("position", "position", doc="How the parties voted."),
            Column("parties", "parties", example=["A", "F"]),
            Column("count", "count", doc="Number of votes, where written.", example=9),
            Column("text", "text", doc="The sentence the vote was read from.", example="For stemte A og F (9)."),
        ),
    ),
    TableSpec(
        "attachments", "Attachments (`Bilag`) listed under an item.", Attachment,
        _item_list("attachments", "attachment_index"), row_path="items[item_index].attachments[attachment_index]",
        columns=(
            RECORD_ID, ITEM_KEY, ITEM_INDEX, _index("attachment_index", "attachment in the item's `attachments`"),
            Column("title", "title", doc="The attachment's title as listed.",
                   example="Notat om Greater Copenhagen, juni 2026"),
            Column("url", "url", example="https://dagsordener.greve.dk/Vis/Pdf/bilag/71e3321a-a74b-45c0-857e-32fdaa6bcd71"),
            Column("source_id", "source_id", example="71e3321a-a74b-45c0-857e-32fdaa6bcd71"),
        ),
    ),
    TableSpec(
        "tables", "Tables in long format: one row per cell (header rows first), with the parsed number and unit.",
        None, _cells, row_path="items[item_index].tables[table_index].(header_rows+rows)[row][column]",
        columns=(
            RECORD_ID, ITEM_KEY, ITEM_INDEX, _index("table_index", "table in the item's `tables`"),
            Column("row", type="BIGINT", derive=lambda r: r.indexes["row"],
                   doc="Row of the cell (0-based), the table's `header_rows` first, then its `rows`.", example=0),
            Column("column", type="BIGINT", derive=lambda r: r.indexes["column"],
                   doc="Column of the cell (0-based).", example=1),
            Column("header", type="BOOLEAN", derive=lambda r: r.extra["header"],
                   doc="True for a cell of a header row.", example=False),
            _cell("text", "VARCHAR", "The cell as written, markup removed.", "2,50 mio. kr."),
            _cell("value", "DOUBLE", "The parsed number; null if not a number.", 2.5),
            _cell("unit", "VARCHAR", "The unit written with it.", "mio. kr."),
            _table_field("caption", "caption", "VARCHAR", "The table's caption.", "Tabel 1"),
            _table_field("table_start_line", "span.start_line", "BIGINT", "First source line of the table.", 410),
            _table_field("table_end_line", "span.end_line", "BIGINT", "Last source line of the table.", 412),
            _table_field("table_start_page", "span.start_page", "BIGINT", "First page of the table in a PDF.", 7),
            _table_field("table_end_page", "span.end_page", "BIGINT", "Last page of the table in a PDF.", 8),
        ),
    ),
    TableSpec(
        "entities", "Normalised entities found in items: people, municipalities, parties, money, dates …",
        Entity, _item_list("entities", "entity_index"), row_path="items[item_index].entities[entity_index]",
        columns=(
            RECORD_ID, ITEM_KEY, ITEM_INDEX, _index("entity_index", "entity in the item's `entities`"),
            Column("type", "type", doc="What kind of entity."),
            Column("text", "text", example="4,6 mio. kr."),
            Column("part", "part", example=1),
            Column("heading", "heading", example=True),
            Column("table", "table", example=0),
            Column("row", "row", doc="Row of the table cell, header rows first.", example=0),
            Column("col", "col", doc="Column of the table cell.", example=1),
            Column("start", "start", example=0),
            Column("end", "end", example=18),
            Column("name", "name"),
            Column("role", "role", doc="Person: the role written with the name."),
            Column("organisation", "organisation", doc="Person: the organisation written with the name."),
            Column("participant", "participant", example=True),
            Column("municipality_code", "municipality_code", doc="Municipality: its official code."),
            Column("region", "region", doc="Municipality: its region."),
            Column("region_code", "region_code", doc="Region (or a municipality's region): its official code."),
            Column("party_letter", "party_letter", doc="Party: its letter."),
            Column("amount_dkk", "amount_dkk", example=4600000.0),
            Column("unit", "unit"),
            Column("value", "value", example=4.6),
            Column("date", "date", example="2026-09-04"),
            Column("period_start", "period_start", example="2027-01-01"),
            Column("period_end", "period_end", example="2027-12-31"),
        ),
    ),
    TableSpec(
        "party_links", "Votes and protocol remarks linked to the party that cast or made them.", PartyLink,
        _item_list("party_links", "link_index"), row_path="items[item_index].party_links[link_index]",
        columns=(
            RECORD_ID, ITEM_KEY, ITEM_INDEX, _index("link_index", "link in the item's `party_links`"),
            Column("kind", "kind", doc="A vote or a protocol remark."),
            Column("party_letter", "party_letter", doc="The party's letter.", example="F"),
            Column("party_name", "party_name", doc="The party's name.", example="SF"),
            Column("text", "text", example="SF ønskede protokolleret, at …"),
            Column("vote", "vote", example=0),
            Column("part", "part", example=3),
            Column("start", "start", example=0),
            Column("end", "end", doc="Offset after the party mention.", example=2),
        ),
    ),
    TableSpec(
        "warnings", "What the extractor flagged on a record.", RecordWarning, _list("warnings"),
        row_path="warnings[warning_index]",
        columns=(
            RECORD_ID,
            _index("warning_index", "warning in the record's `warnings`"),
            Column("code", "code", doc="What kind of warning."),
            Column("message", "message", doc="What the extractor says about it.", example="Karina Vestergård Madsen is listed more than once …"),
            Column("line", "line", doc="Source line it refers to.", example=73),
        ),
    ),
)

TABLE_BY_NAME = {t.name: t for t in TABLES}

# Schema fields that no column carries, and why (the dictionary lists them; a test holds that every
# field of the record is either a column or here).
NOT_FLATTENED = {
    "items[].decision.protocol_notes": "in `protocol_notes` (the rows of the current decision)",
    "items[].decision.absent": "in `decisions.absent` (the current decision's row)",
    "items[].decision.span.*": "in `decisions` (the current decision's row)",
    "items[].recommendation.span.*": "the recommendation's part in `parts` has the span",
    "items[].tables[].item_number": "the item the table is in: `item_key`",
    "coverage.unassigned[].*": "diagnostic runs of text that was not placed; read them in the JSON record",
    "source.alternatives[].*": "other files of the same meeting, not read (warning `duplicate_source` in "
                               "`warnings`); read them in the JSON record",
    "source.parts[].*": "the documents a record is assembled from: each item's in `items.document_file`",
    "items[].document.system": "the format the item's document was read as: read it in the JSON record",
}


# -- schema lookups (types and meanings of the columns) -----------------------------------------


def _unwrap(annotation: Any) -> tuple[Any, bool]:
    """(inner type, is_list) of an annotation such as `Span | None` or `list[str]`."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return _unwrap(args[0])
    if origin is list:
        inner, _ = _unwrap(typing.get_args(annotation)[0])
        return inner, True
    return annotation, False


def schema_field(model: type[BaseModel], path: str):
    """The pydantic FieldInfo at a dotted `path` of `model` (`span.start_line`), and its type."""
    info = None
    current: Any = model
    for name in path.split("."):
        info = current.model_fields[name]
        current, _ = _unwrap(info.annotation)
    return info


def duckdb_type(annotation: Any) -> str:
    inner, is_list = _unwrap(annotation)
    if typing.get_origin(inner) is typing.Literal:
        base = "VARCHAR"
    elif inner is bool:
        base = "BOOLEAN"
    elif inner is int:
        base = "BIGINT"
    elif inner is float:
        base = "DOUBLE"
    elif inner is dt.date:
        base = "DATE"
    elif inner is str:
        base = "VARCHAR"
    else:
        raise TypeError(f"no column type for {annotation!r}")
    return f"{base}[]" if is_list else base


def literal_values(annotation: Any) -> list[str]:
    inner, _ = _unwrap(annotation)
    return list(typing.get_args(inner)) if typing.get_origin(inner) is typing.Literal else []


@dataclass(frozen=True)
class ResolvedColumn:
    """A column with its type, meaning and example settled (from the schema where it maps to one)."""

    table: str
    name: str
    type: str
    doc: str
    example: Any
    source: str  # the JSON path (`items[].decisions[].outcome`) or `derived`
    values: tuple[str, ...]  # the allowed values of an enumerated field
    column: Column


def generic(path: str) -> str:
    """`items[item_index].decisions[decision_index]` -> `items[].decisions[]`."""
    return re.sub(r"\[[a-z_]+\]", "[]", path)


def resolve(spec: TableSpec) -> list[ResolvedColumn]:
    out = []
    base = generic(spec.row_path)
    for col in spec.columns:
        if col.path is None or col.path == "":
            source = ", ".join(col.covers) or "derived"
            out.append(ResolvedColumn(spec.name, col.name, col.type or "VARCHAR", col.doc or "", col.example,
                                      source, (), col))
            continue
        if col.path.startswith("$"):
            model, path, source = MeetingRecord, col.path[1:], col.path[1:]
        else:
            model, path = spec.model, col.path
            source = f"{base}.{path}" if base else path
        info = schema_field(model, path)
        examples = info.examples or []
        example = col.example if col.example is not None or not examples else examples[0]
        out.append(ResolvedColumn(spec.name, col.name, col.type or duckdb_type(info.annotation),
                                  col.doc or info.description or "", example, source,
                                  tuple(literal_values(info.annotation)), col))
    return out


# -- flattening -----------------------------------------------------------------------------------


def get_path(obj: Any, path: str) -> Any:
    for name in path.split("."):
        if obj is None:
            return None
        obj = obj.get(name)
    return obj


def _convert(value: Any, type_: str) -> Any:
    if value is None:
        return None
    if type_ == "DATE":
        return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)
    if type_ == "DOUBLE":
        return float(value)
    return value


@functools.cache
def resolved(table: str) -> list[ResolvedColumn]:
    """The columns of `table` with types, meanings and examples settled."""
    return resolve(TABLE_BY_NAME[table])


def _date(value: Any) -> Any:
    return value if value is None or isinstance(value, dt.date) else dt.date.fromisoformat(value)


def _double(value: Any) -> Any:
    return None if value is None else float(value)


@functools.cache
def _plan(table: str) -> tuple[list[tuple], bool]:
    """How `flatten` fills each column of `table`, settled once: (kind, source, convert) with kind
    0 derived (source: the function), 1 the row's object, 2 a path from the record's root, 3 a path
    from the row's object (source: its names); convert the `_convert` of the column's type or None.
    And whether any column is read from the record's root (the same for every row of a record)."""
    plan = []
    for c in resolved(table):
        convert = _date if c.type == "DATE" else _double if c.type == "DOUBLE" else None
        if c.column.derive is not None:
            plan.append((0, c.column.derive, convert))
        elif c.column.path == "":
            plan.append((1, None, convert))
        elif c.column.path.startswith("$"):
            plan.append((2, tuple(c.column.path[1:].split(".")), convert))
        else:
            plan.append((3, tuple(c.column.path.split(".")), convert))
    return plan, any(kind == 2 for kind, _, _ in plan)


def _get(obj: Any, names: tuple[str, ...]) -> Any:
    for name in names:
        if obj is None:
            return None
        obj = obj.get(name)
    return obj


def flatten(record: dict) -> dict[str, list[tuple]]:
    """Every table's rows from one record (as tuples in column order): for each column, `derive`
    of the row, the row's object, or the value at its path from the row's object or (`$`) the
    record's root, converted to the column's type (`_convert`)."""
    out: dict[str, list[tuple]] = {}
    for spec in TABLES:
        plan, has_root = _plan(spec.name)
        # A value from the record's root is the same in every row: read once per record.
        root = [(_get(record, source) if kind == 2 else None) for kind, source, _ in plan] if has_root else None
        if root is not None:
            root = [value if convert is None or kind != 2 else convert(value)
                    for value, (kind, _, convert) in zip(root, plan)]
        rows = []
        for row in spec.walk(record):
            obj = row.obj
            values = []
            for n, (kind, source, convert) in enumerate(plan):
                if kind == 3:
                    value = obj
                    for name in source:
                        if value is None:
                            break
                        value = value.get(name)
                elif kind == 2:
                    values.append(root[n])
                    continue
                elif kind == 0:
                    value = source(row)
                else:
                    value = obj
                values.append(value if convert is None else convert(value))
            rows.append(tuple(values))
        out[spec.name] = rows
    return out
