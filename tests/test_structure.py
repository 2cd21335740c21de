"""What a meeting system states (extractors/structure.py) beside the text its loader rendered:
items, participants and meeting facts are taken as stated, the rest is read from the text by the
same extractors as every other document; and the HTML renderer the loaders share."""

from __future__ import annotations

import datetime as dt
import hashlib

from extractors.document import extract_record
from extractors.structure import StatedAttachment, StatedDecision, StatedItem, StatedParticipant, Structure
from loaders.html_text import render, text_of, parse_fragment
from schemas.record import Source

TEXT = """Referat

Teknik- og Miljøudvalget

1. Lukket: Henvendelser til formanden

Beslutning
Orienteringen blev taget til efterretning.

2. Ny cykelsti langs Vejlevej

Indstilling
Administrationen indstiller,
1. at cykelstien anlægges.
2. at udgiften finansieres af puljen.

Beslutning
Anbefales.
Afbud: Per Lund

3. Underskriftsark

Resume
Elektronisk underskriftsark.
"""


def _record(structure: Structure):
    data = TEXT.encode()
    source = Source(file_name="meeting.json", sha256=hashlib.sha256(data).hexdigest(), media_type="application/json",
                    system=structure.system, size_bytes=len(data))
    return extract_record(TEXT, source=source, structure=structure)


def _structure(**overrides) -> Structure:
    items = [
        StatedItem(number="1", title="Lukket: Henvendelser til formanden", line=5, end_line=8, case_numbers=[],
                   source_id="a1", pointer="/Dagsordenpunkter/0"),
        StatedItem(number="2", title="Ny cykelsti langs Vejlevej", line=10, end_line=19, case_numbers=["25-001234"],
                   attachments=[StatedAttachment(title="Kort over cykelstien", url="https://example.org/b/1")],
                   history=[StatedDecision(by="Teknik- og Miljøudvalget", date=dt.date(2025, 2, 3),
                                           text="Sagen udsættes til næste møde.")],
                   source_id="a2", pointer="/Dagsordenpunkter/1"),
        StatedItem(number="3", title="Underskriftsark", line=21, end_line=24, case_numbers=[]),
    ]
    values = dict(system="firstagenda", meeting_id="m-1", body="Teknik- og Miljøudvalget",
                  authority="Vejle Kommune", date=dt.date(2025, 3, 3), start_time="16:30", place="Mødelokale 5",
                  participants=[StatedParticipant(name="Anne Holm", status="present"),
                                StatedParticipant(name="Per Lund", status="absent")],
                  items=items)
    values.update(overrides)
    return Structure(**values)


def test_stated_items_meeting_and_participants_are_taken_as_stated():
    record = _record(_structure())
    assert record.record_id == "vejle-teknik-og-miljoeudvalget-2025-03-03"
    assert (record.meeting.body, record.meeting.start_time, record.meeting.place) == (
        "Teknik- og Miljøudvalget", "16:30", "Mødelokale 5")
    assert [(p.name, p.status, p.line) for p in record.participants] == [
        ("Anne Holm", "present", None), ("Per Lund", "absent", None)]
    assert [(i.number, i.title, i.access) for i in record.items] == [
        ("1", "Lukket: Henvendelser til formanden", "closed"), ("2", "Ny cykelsti langs Vejlevej", "public"),
        ("3", "Underskriftsark", "public")]
    assert [i.source_pointer for i in record.items] == ["/Dagsordenpunkter/0", "/Dagsordenpunkter/1", None]


def test_the_rest_is_read_from_the_rendered_text_with_the_same_extractors():
    item = _record(_structure()).items[1]
    assert item.recommendation.text == ("Administrationen indstiller, 1. at cykelstien anlægges. "
                                        "2. at udgiften finansieres af puljen.")
    assert [c.number for c in item.case_numbers] == ["25-001234"]
    assert [(a.title, a.url) for a in item.attachments] == [("Kort over cykelstien", "https://example.org/b/1")]
    assert item.absent == ["Per Lund"]


def test_earlier_treatment_comes_first_and_the_decision_is_this_meetings():
    item = _record(_structure()).items[1]
    assert [(d.by, d.date, d.outcome) for d in item.decisions] == [
        ("Teknik- og Miljøudvalget", dt.date(2025, 2, 3), "postponed"), (None, None, "approved")]
    assert item.decision.text == "Anbefales."


def test_a_stated_agenda_is_an_agenda_until_decisions_are_recorded():
    text_without_decisions = _structure(document_type="agenda")
    record = _record(text_without_decisions)
    assert record.document_type == "minutes"  # the rendered text records decisions
    assert "published by firstagenda as agenda" in record.classification


def test_html_renders_to_lines_headings_lists_and_tables():
    html = ("<div><h3>Beslutning</h3><span>Godkendt.<br></span><h4>Indstilling</h4><ol><li>at A</li><li>at B</li></ol>"
            "<ul><li>punkt</li></ul><script>var x = 1;</script><table><tr><th>År</th><th>Beløb</th></tr>"
            "<tr><td>2025</td><td>1.259</td></tr></table><p>Efter tabellen.</p></div>")
    rendered = render(html, first_line=10)
    assert rendered.lines == ["Beslutning", "Godkendt.", "Indstilling", "1. at A", "2. at B", "- punkt", "",
                              "Efter tabellen."]
    assert rendered.headings == {0, 2}
    assert [(t.start_line, t.rows) for t in rendered.tables] == [(16, [["År", "Beløb"], ["2025", "1.259"]])]


def test_text_of_a_cell_keeps_its_line_breaks_as_spaces():
    cell = parse_fragment("<table><tr><td><strong><span>Scenarie 1</span></strong><span><br>"
                          "<strong>Gennemgående vej</strong></span></td></tr></table>").find(".//td")
    assert text_of(cell) == "Scenarie 1 Gennemgående vej"


def test_only_stated_field_headings_head_parts():
    """A field's content may quote a line that reads like a heading; with the field headings
    stated, it stays text. An unknown field ("Sagsprocedure") is a part of its own."""
    text = ("Referat\n\n1. Høring om trafikplan\n\nSagsprocedure\nUdvalget.\n\nSagsbeskrivelse\n"
            "Borgerforeningen skriver:\nBeslutning:\nVi ønsker en ny plan.\n\nBeslutning\nGodkendt.\n")
    data = text.encode()
    source = Source(file_name="m.json", sha256=hashlib.sha256(data).hexdigest(), media_type="application/json",
                    system="firstagenda", size_bytes=len(data))
    structure = Structure(system="firstagenda", body="Udvalget", date=dt.date(2025, 1, 6), items=[
        StatedItem(number="1", title="Høring om trafikplan", line=3, end_line=14, heading_lines=[5, 8, 13])])
    item = extract_record(text, source=source, structure=structure).items[0]
    assert [(p.heading, p.kind) for p in item.parts] == [
        ("Sagsprocedure", "other"), ("Sagsbeskrivelse", "case_presentation"), ("Beslutning", "decision")]
    assert item.decision.text == "Godkendt." and len(item.decisions) == 1
