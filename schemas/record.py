"""The meeting record: the contract between referat and the analysts who read its output.

One record per document. Every model forbids unknown fields so that a record that does not match
the published JSON Schema fails validation instead of slipping through.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from schemas.entities import Entity, PartyLink

# 1.1.0: every decision of an item (`decisions`, with the deciding body and date), item-level
# absences, the outcome `referred`, staff and positions of participants, the evidence behind the
# document type, coverage (how much of the document's text landed in the record), and provenance
# from meeting systems (the source system, its meeting and item ids, pointers, attachment links).
# 1.2.0: where the text came from: `source.encoding` (the detected text encoding), `source.ocr`
# (pages read by OCR: engine, language, confidence per page), `source.alternatives` (other files of
# the same meeting, which lost by the documented rule); record ids are at most 120 characters.
# 1.3.0: attachment `url`s are http(s) addresses only (others are dropped with a warning); an item's
# `title` is null where the document shows none (items numbered by position); `coverage.furniture_chars`;
# a record assembled from the documents of one meeting (`source.parts`, `items[].document`).
SCHEMA_VERSION = "1.3.0"

DocumentType = Literal["minutes", "agenda", "not_minutes"]
DecisionOutcome = Literal["approved", "noted", "discussed", "rejected", "postponed", "referred", "none"]
PartKind = Literal[
    "background", "recommendation", "case_presentation", "attachments", "decision", "attendance", "history",
    "other"
]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Span(Model):
    """Where something sits in the source: 1-based inclusive lines, and pages once known."""

    start_line: int = Field(ge=1)
    end_line: int = Field(ge=1)
    start_page: int | None = Field(default=None, ge=1)
    end_page: int | None = Field(default=None, ge=1)


class DocumentRef(Model):
    """One document: its file name, content hash, type and the format it was read as."""

    file_name: str
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    media_type: str = Field(examples=["text/plain", "application/pdf"])
    system: str = Field(default="text", examples=["text", "pdf", "firstagenda"])


class SourceAlternative(DocumentRef):
    """Another file of the same meeting (same record id) that was not read for this record."""


class OcrPage(Model):
    """One page whose text was read by OCR."""

    page: int = Field(ge=1, description="1-based page of the document.")
    mean_confidence: float | None = Field(
        default=None, ge=0, le=100, examples=[93.4],
        description="Mean word confidence of the OCR engine on the page (0-100); null when it found no word.")
    words: int = Field(ge=0, description="Words the OCR engine read on the page.")
    dpi: int = Field(ge=1, examples=[300], description="Resolution the page was rendered at for OCR: a scanned "
                     "page's own (150-400 dpi), else 300.")


class OcrInfo(Model):
    """Which pages were read by OCR (pages without a usable text layer: a scan, a garbled font), by what."""

    engine: str = Field(examples=["tesseract"], description="The OCR engine.")
    engine_version: str = Field(examples=["5.3.0"], description="Version of the OCR engine.")
    language: str = Field(examples=["dan"], description="The OCR engine's language code.")
    pages: list[OcrPage] = Field(default_factory=list)


class Source(Model):
    file_name: str
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    media_type: str = Field(examples=["text/plain", "application/pdf", "application/json"])
    system: str = Field(default="text", examples=["text", "pdf", "firstagenda", "firstagenda-html", "sbsys", "html"],
                        description="The format the document was read as: a file format or the meeting system that published it.")
    meeting_id: str | None = Field(default=None, description="The meeting system's own id of the meeting.")
    page_count: int | None = Field(default=None, description="Pages of a PDF; null for plain text.")
    size_bytes: int = Field(ge=0)
    encoding: str | None = Field(
        default=None, examples=["utf-8", "utf-16-le", "cp1252"],
        description="The character encoding a plain text file was read in (by its byte order mark, its bytes, "
        "or the detector); null for PDFs and the structured formats, which declare their own.")
    ocr: OcrInfo | None = Field(
        default=None, description="The pages whose text came from OCR, with engine, language and each "
        "page's mean word confidence; null when no page was OCR'd (warning `low_ocr_confidence` on items "
        "read from pages under the bar).")
    alternatives: list[SourceAlternative] = Field(default_factory=list, description=(
        "Other files in the inbox of the same meeting (the same record id, other content), e.g. the PDF "
        "beside a text export; this record is read from the file that wins by the rule meeting system > "
        "HTML > PDF > text, then more items, then the newer file (warning `duplicate_source`)."))
    parts: list[DocumentRef] = Field(default_factory=list, description=(
        "The documents this record is assembled from, where a meeting is published as several (one page "
        "per item): each item names its own in `items[].document`, and its lines, pages and pointer are "
        "that document's. Empty for a record read from one document (`source` itself)."))


class RecordWarning(Model):
    code: str = Field(examples=["duplicate_participant", "item_without_heading"])
    message: str
    line: int | None = None


class NextMeeting(Model):
    date: dt.date | None = None
    start_time: str | None = Field(default=None, pattern=r"^\d{2}:\d{2}$")
    end_time: str | None = Field(default=None, pattern=r"^\d{2}:\d{2}$")
    text: str = Field(description="The sentence the next meeting was read from.")


class Meeting(Model):
    body: str | None = Field(default=None, examples=["KKR Hovedstaden", "Økonomiudvalget"])
    authority: str | None = Field(
        default=None, examples=["Gribskov Kommune"],
        description="The municipality or region the body belongs to, where the header names one "
        "and the body's name does not already say it.")
    date: dt.date | None = None
    start_time: str | None = Field(default=None, pattern=r"^\d{2}:\d{2}$")
    end_time: str | None = Field(default=None, pattern=r"^\d{2}:\d{2}$")
    place: str | None = Field(default=None, description="As written in the document.")
    extraordinary: bool = Field(default=False, description=(
        "An extraordinary meeting (ekstraordinært møde); its record id ends in -ekstraordinaer, so that it "
        "never overwrites the ordinary meeting of the same body on the same day."))
    next_meeting: NextMeeting | None = None


class Participant(Model):
    name: str
    party: str | None = Field(default=None, description="Party letter as written, e.g. 'A', 'Ø'.")
    municipality: str | None = Field(default=None, description="As written, e.g. 'Frederiksberg'.")
    role: Literal["member", "substitute", "staff"] = Field(
        default="member", description="'staff': a secretary or official listed as such, not a member.")
    position: str | None = Field(default=None, examples=["formand", "Borgmester", "Sekretær"],
                                 description="The position written with the name or over its list.")
    substitute_for: str | None = None
    status: Literal["present", "absent"]
    line: int | None = Field(default=None, ge=1, description="Source line of the entry; null where a meeting system states it.")
    municipality_code: int | None = Field(default=None, description="Official code, e.g. 101.")


class Section(Model):
    number: str = Field(examples=["3"])
    title: str
    label: str = Field(examples=["3. Regionalpolitiske sager"])
    toc_page: int | None = None
    span: Span | None = None


class CaseNumber(Model):
    number: str = Field(examples=["SAG-2026-00802", "00.01.00-A00-1-24"])
    handlers: list[str] = Field(default_factory=list, examples=[["hdc", "jebj"]])
    raw: str = Field(description="The line the case number was read from.")


class Recommendation(Model):
    text: str = Field(description="Verbatim, whitespace collapsed, bullets kept as '- '.")
    points: list[str] = Field(default_factory=list, description="Recommended points, in order.")
    span: Span | None = None


class Decision(Model):
    heading: str = Field(examples=["Beslutning", "Beslutning i Økonomiudvalget den 12. marts 2025"])
    by: str | None = Field(default=None, examples=["Økonomiudvalget"],
                           description="The deciding body as the heading names it (nominative); null if it names none.")
    date: dt.date | None = Field(default=None, description="The date the heading gives; null if none.")
    text: str
    outcome: DecisionOutcome = Field(description=(
        "approved, rejected, postponed (udsat, genoptages), referred (sent on to another body or back "
        "to the administration), noted, discussed, or none; see the README."))
    protocol_notes: list[str] = Field(default_factory=list)
    absent: list[str] = Field(default_factory=list,
                              description="People recorded as absent or not taking part when it was made.")
    span: Span | None = None


class Vote(Model):
    position: Literal["for", "against", "abstain"]
    parties: list[str] = Field(default_factory=list, description="Party letters.")
    count: int | None = None
    text: str


class Attachment(Model):
    title: str
    url: str | None = Field(default=None, pattern=r"^[hH][tT][tT][pP][sS]?://",
                            description="Where the meeting system publishes it: an http(s) address only.")
    source_id: str | None = Field(default=None, description="The meeting system's own id of it.")


class Cell(Model):
    text: str = Field(description="As written, markup removed.")
    value: float | None = Field(default=None, description="Parsed number; null if not a number.")
    unit: str | None = Field(default=None, examples=["mio. kr.", "pct."])


class Table(Model):
    item_number: str | None = Field(default=None, description="The agenda item it belongs to.")
    caption: str | None = None
    header_rows: list[list[Cell]] = Field(default_factory=list)
    rows: list[list[Cell]] = Field(default_factory=list)
    span: Span


class ItemPart(Model):
    heading: str | None = Field(description="The heading as written; null for text before any.")
    kind: PartKind
    text: str
    span: Span


class AgendaItem(Model):
    number: str = Field(examples=["3.1", "5"])
    number_as_written: str = Field(examples=["3.1.", "Punkt 5"])
    order: int = Field(ge=0)
    title: str | None = Field(description="As written; null for an item without a number whose page shows "
                              "no title (numbered by position, with an `unnumbered_items` warning).")
    section: str | None = Field(default=None, examples=["3. Regionalpolitiske sager"])
    access: Literal["public", "closed"] = "public"
    toc_page: int | None = None
    case_numbers: list[CaseNumber] = Field(default_factory=list)
    background: str | None = None
    recommendation: Recommendation | None = None
    case_presentation: str | None = None
    attachments: list[Attachment] = Field(default_factory=list)
    decision: Decision | None = Field(
        default=None, description="The decision made at this meeting: the last of `decisions`.")
    decisions: list[Decision] = Field(
        default_factory=list, description="Every decision recorded on the item, earlier treatment by "
        "other bodies first (date order).")
    absent: list[str] = Field(default_factory=list, examples=[["Torben Martinsen"]],
                              description="People the item records as absent or not taking part.")
    votes: list[Vote] = Field(default_factory=list)
    tables: list[Table] = Field(default_factory=list)
    parts: list[ItemPart] = Field(default_factory=list, description="Every headed part, in order.")
    entities: list[Entity] = Field(default_factory=list, description="Normalised entities (issue 5).")
    presenters: list[str] = Field(default_factory=list, description="People who presented.")
    party_links: list[PartyLink] = Field(default_factory=list, description="Votes/protocol notes -> parties.")
    span: Span | None = Field(default=None, description="Null for an item found only in the TOC.")
    document: DocumentRef | None = Field(default=None, description=(
        "The document the item was read from, in a record assembled from several (`source.parts`); its "
        "`span` and `source_pointer` are that document's. Null: the record's `source`."))
    source_id: str | None = Field(default=None, description="The meeting system's own id of the item (a GUID).")
    source_pointer: str | None = Field(
        default=None, examples=["/Dagsordenpunkter/3"],
        description="Where the item sits in a structured source: a JSON pointer or an XPath.")


class UnassignedRun(Model):
    """A run of text that referat could not place in any part of the record."""

    span: Span
    chars: int = Field(ge=0)
    text: str = Field(description="The run's first words.")


class Coverage(Model):
    """How much of the document's text landed in the record: page furniture and blank lines aside,
    every character is in the header, attendance, table of contents, an item, a signature block, or
    unassigned."""

    share: float = Field(ge=0, le=1, description="Placed characters / body characters.")
    body_chars: int = Field(ge=0)
    placed_chars: int = Field(ge=0)
    unassigned: list[UnassignedRun] = Field(default_factory=list)
    furniture_chars: int = Field(default=0, ge=0, description=(
        "Characters of a web page's furniture left out (navigation, print links, `Til toppen`, cookie "
        "banners): not counted in `body_chars`."))


class MeetingRecord(Model):
    schema_version: str = SCHEMA_VERSION
    record_id: str = Field(
        pattern=r"^[a-z0-9-]+$", max_length=120, examples=["kkr-hovedstaden-2026-06-16", "gribskov-oekonomiudvalget-2025-03-12"],
        description="Natural key: [authority-]body-date; agendas end in '-dagsorden'; documents "
        "without body or date get their file name and the start of their hash. At most 120 "
        "characters: a longer id is cut and ends in a hash of the whole (`-h` and 8 hex digits).")
    document_type: DocumentType
    not_minutes_reason: str | None = None
    classification: list[str] = Field(
        default_factory=list, examples=[["title word 'Referat' (line 3)", "8 recorded decisions"]],
        description="The evidence the document type was decided on.")
    source: Source
    extractor_version: str
    warnings: list[RecordWarning] = Field(default_factory=list)
    coverage: Coverage | None = None
    meeting: Meeting
    participants: list[Participant] = Field(default_factory=list)
    sections: list[Section] = Field(default_factory=list)
    items: list[AgendaItem] = Field(default_factory=list)
