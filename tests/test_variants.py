"""Minutes written the way other bodies write them (fixtures written for referat)."""

import pytest

from pipeline.process import build_record
from tests.helpers import FIXTURES, record_from_text

GRIBSKOV = FIXTURES / "variants" / "oekonomiudvalget-gribskov-2025-03-12.txt"
AARHUS = FIXTURES / "variants" / "byraadet-variant-numbering.txt"


@pytest.fixture(scope="module")
def gribskov():
    return build_record(GRIBSKOV)


def test_header_without_toc(gribskov):
    m = gribskov.meeting
    assert (m.body, str(m.date), m.start_time, m.end_time) == ("Økonomiudvalget", "2025-03-12", "17:00", "19:30")
    assert m.place == "Mødelokale 1, Rådhuset, Helsinge"
    assert gribskov.document_type == "minutes"
    # Every municipality has an Økonomiudvalget: the authority keeps the ids apart.
    assert m.authority == "Gribskov Kommune"
    assert gribskov.record_id == "gribskov-oekonomiudvalget-2025-03-12"


def test_til_stede_and_inline_fravaerende(gribskov):
    present = [(p.name, p.party) for p in gribskov.participants if p.status == "present"]
    absent = [(p.name, p.party) for p in gribskov.participants if p.status == "absent"]
    assert present == [("Brian Hansen", "V"), ("Kim Valentin", "V"), ("Pia Foght", "A"), ("Frederik Jakobsen", "C")]
    assert absent == [("Anders Gerner Frost", "Ø"), ("Jannich Petersen", "A")]
    sub = gribskov.participants[3]
    assert sub.role == "substitute" and sub.substitute_for == "Anders Gerner Frost"


def test_punkt_numbering_and_list_inside_item_is_not_an_item(gribskov):
    assert [(i.number, i.number_as_written) for i in gribskov.items] == [
        ("1", "Punkt 1"), ("2", "Punkt 2"), ("3", "Punkt 3"), ("4", "Punkt 4")]
    assert gribskov.items[2].access == "closed" and gribskov.items[2].title == "Køb af ejendom"


def test_case_number_forms(gribskov):
    assert [[c.number for c in i.case_numbers] for i in gribskov.items] == [
        ["00.01.00-A00-1-24"], ["EMN-2024-01234"], ["2024-1234"], []]
    assert gribskov.items[0].case_numbers[0].handlers == ["Hanne Dal"]


def test_inline_recommendation_and_decision_heading_with_body_and_date(gribskov):
    first = gribskov.items[0]
    assert first.recommendation.text == "Forvaltningen indstiller, at dagsordenen godkendes."
    assert first.decision.heading == "Beslutning i Økonomiudvalget den 12. marts 2025"
    assert first.decision.outcome == "approved"
    assert [i.decision.outcome for i in gribskov.items] == ["approved", "approved", "postponed", "none"]


def test_votes_protocol_attachments_and_table(gribskov):
    item = gribskov.items[1]
    assert [(v.position, v.parties, v.count) for v in item.votes] == [
        ("for", ["V", "C", "A"], 5), ("against", ["Ø"], 1), ("abstain", ["F"], None)]
    assert item.decision.protocol_notes == [
        "Enhedslisten ønskede følgende ført til protokol: Enhedslisten kan ikke støtte finansieringen."]
    assert [a.title for a in item.attachments] == ["Budgetopfølgning Q1 2025", "Notat om specialundervisning"]
    assert item.recommendation.points == [
        "budgetopfølgningen tages til efterretning", "merforbruget på 0,13 mio. kr. finansieres af kassebeholdningen"]
    (table,) = item.tables
    assert [c.text for c in table.header_rows[0]] == ["Område", "Budget", "Forbrug", "Afvigelse"]
    assert [c.value for c in table.rows[0]] == [None, 12500, 11980, -520]
    economy = next(p for p in item.parts if p.heading == "Økonomi")
    assert economy.kind == "other" and "0,13 mio. kr." in economy.text
    assert "Administration" not in item.case_presentation  # table text stays in the table


def test_open_and_closed_markers_and_mødedeltagere():
    record = build_record(AARHUS)
    assert [(i.number, i.access, i.title) for i in record.items] == [
        ("1", "public", "Godkendelse af dagsorden"), ("2", "closed", "Personalesag"),
        ("3", "public", "Drøftelse af kommunens klimaplan")]
    assert [i.decision.outcome for i in record.items] == ["approved", "rejected", "discussed"]
    assert [p.name for p in record.participants if p.status == "present"] == [
        "Jacob Bundsgaard", "Anders Winnerskjold", "Gert Bjerregaard"]
    assert [p.name for p in record.participants if p.status == "absent"] == ["Lone Hindø"]
    assert record.meeting.body == "Byrådet i Aarhus" and record.meeting.start_time == "16:00"
    assert record.meeting.authority is None  # the body's name says where it is
    assert record.record_id == "byraadet-i-aarhus-2025-04-02"


def test_deltagere_and_afbud_inline_with_municipalities():
    text = """Referat

Regionsrådet

Dato: 01-02-2025
Deltagere: Anne Hansen (A), Roskilde Kommune; Bo Jensen (V), Køge Kommune
Afbud: Carl Olsen (C)

1. Godkendelse af dagsorden

SAG-2025-00001 abc

Beslutning
Godkendt.
"""
    record = record_from_text(text)
    assert [(p.name, p.municipality, p.status) for p in record.participants] == [
        ("Anne Hansen", "Roskilde Kommune", "present"), ("Bo Jensen", "Køge Kommune", "present"),
        ("Carl Olsen", None, "absent")]
    assert record.items[0].case_numbers[0].handlers == ["abc"]


def test_agenda_is_told_from_minutes():
    text = """Dagsorden

Teknik- og Miljøudvalget

Mødedato: 3. april 2025

1. Godkendelse af dagsorden

Sagsnr.: 01.02.03-P20-1-25

Indstilling
Direktionen indstiller, at dagsordenen godkendes.
"""
    record = record_from_text(text)
    assert record.document_type == "agenda"
    assert record.record_id == "teknik-og-miljoeudvalget-2025-04-03-dagsorden"
    assert record.items[0].recommendation.text == "Direktionen indstiller, at dagsordenen godkendes."


def test_overview_list_closed_run_and_decisions_named_after_body():
    record = build_record(FIXTURES / "variants" / "byraadet-overview-and-closed-run.txt")
    # The overview at the top is not the agenda; the numbered list inside item 2 is not either.
    assert [(i.number, i.span.start_line) for i in record.items] == [("1", 22), ("2", 29), ("3", 53)]
    assert [i.access for i in record.items] == ["public", "public", "closed"]
    assert [[c.number for c in i.case_numbers] for i in record.items] == [
        ["00.22.04-A00-3-25"], ["17.00.00-G01-4-24"], ["82.02.00-G01-2-25"]]
    assert record.items[1].case_numbers[0].handlers == ["mkj"]
    school = record.items[1]
    assert school.recommendation.text == "Direktionen indstiller, at der gives en anlægsbevilling på 148 mio. kr."
    # The committee's decision is kept as a part; the council's decision is the record's decision.
    assert [p.heading for p in school.parts if p.kind == "decision"] == [
        "Børne- og Skoleudvalgets beslutning den 10-03-2025", "Beslutning Byrådet den 25-03-2025"]
    assert school.decision.heading == "Beslutning Byrådet den 25-03-2025"
    assert school.decision.outcome == "approved"  # the amendment was rejected, the item approved
    m = record.meeting
    assert (str(m.date), m.start_time, m.end_time, m.body) == ("2025-03-25", "17:00", "21:15", "Byrådet")
    assert [p.name for p in record.participants] == ["Kasper Sand Kjær", "Mette Frederiksen Hansen", "Ole Birk Olesen"]


@pytest.mark.parametrize("text, outcome", [
    ("Godkendt.", "approved"),
    ("Indstillingen blev ikke godkendt.", "rejected"),
    ("Sagen blev udsat til næste møde.", "postponed"),
    ("Taget til efterretning.", "noted"),
    ("Udvalget drøftede sagen.", "discussed"),
    ("KKR drøftede sagen. KKR tiltrådte indstillingen.", "approved"),
    ("KKR tiltrådte indstillingen. Det blev foreslået at tage en bredere drøftelse.", "approved"),
    ("Forslaget blev forkastet.", "rejected"),
    ("", "none"),
])
def test_decision_outcomes(text, outcome):
    from extractors.decisions import classify_outcome
    from extractors.profile import load_profile

    assert classify_outcome(text, load_profile()) == outcome


def test_toc_entry_wrapped_over_two_lines():
    from extractors.toc import find_toc

    toc = find_toc([
        "1. Godkendelse af dagsorden\t2",
        "2. Dilemmaer i forbindelse med etablering af nyt uddannelses-",
        "landskab (EPX)\t3",
        "3. Eventuelt\t5",
    ])
    assert [(e.number, e.title, e.page) for e in toc.entries] == [
        ("1", "Godkendelse af dagsorden", 2),
        ("2", "Dilemmaer i forbindelse med etablering af nyt uddannelses- landskab (EPX)", 3),
        ("3", "Eventuelt", 5)]


def test_toc_that_matches_no_heading_falls_back_to_the_text():
    text = """Referat

Kultur- og Fritidsudvalget

Dato: 05-05-2025

Indhold
A. Godkendelse af dagsorden\t2
B. Budget\t3
C. Eventuelt\t4
1. Bilagsoversigt\t5
2. Underskrifter\t6
3. Noter\t7

1. Godkendelse af dagsorden

Sagsnr.: 20.00.00-A00-1-25

Beslutning
Godkendt.
"""
    record = record_from_text(text)
    assert [(i.number, i.title) for i in record.items] == [("1", "Godkendelse af dagsorden")]
    assert record.items[0].decision.outcome == "approved"


def test_party_written_after_the_municipality():
    from extractors.attendance import parse_entry
    from extractors.profile import load_profile

    entry = parse_entry("Allan Andersen, Tårnby Kommune (A)", "present", 1, load_profile())
    assert (entry.name, entry.party, entry.municipality) == ("Allan Andersen", "A", "Tårnby Kommune")


def test_agenda_with_empty_decision_headings_is_an_agenda():
    text = """DAGSORDEN

KKR Sjælland

Dato: 19-06-2026 10:00
Sted: Comwell Køge Strand

1. Godkendelse af dagsorden

SAG-2026-00901 abc

Indstilling
Det indstilles, at KKR Sjælland godkender dagsordenen.

Beslutning

2. Eventuelt

Beslutning
"""
    record = record_from_text(text)
    assert record.document_type == "agenda"
    assert record.record_id == "kkr-sjaelland-2026-06-19-dagsorden"
    assert [i.decision for i in record.items] == [None, None]
    assert [p.heading for p in record.items[1].parts] == ["Beslutning"]  # the heading is still kept


def test_layout_table_on_the_last_line_of_an_item_stays_with_it():
    import hashlib

    from extractors.document import extract_record
    from extractors.tables import RawTable
    from schemas.record import Source

    lines = ["Referat", "", "Udvalget", "", "Dato: 01-02-2025", "", "1. Budget", "", "Sagsnr.: 01.02.03-A00-1-25",
             "", "Beslutning", "Godkendt.", "", "", "2. Eventuelt", "", "Beslutning", "Intet."]
    table = RawTable(rows=[["Område", "Beløb"], ["Veje", "1.200"]], start_line=14, end_line=14, page=1, end_page=1)
    source = Source(file_name="x.pdf", sha256=hashlib.sha256(b"x").hexdigest(), media_type="application/pdf",
                    size_bytes=1)
    record = extract_record("\n".join(lines), source=source, line_pages=[1] * len(lines), layout_tables=[table])
    assert [len(i.tables) for i in record.items] == [1, 0]
    assert record.items[0].tables[0].rows[0][1].value == 1200
    assert record.items[0].span.end_line == 14


def test_form_feeds_and_minus_signs():
    from extractors.normalize import normalize
    from extractors.tables import parse_number

    text = "Side et\n\fSide to\fstadig\n\u22123,5 pct."
    lines = normalize(text).lines
    assert lines == ["Side et", "Side to stadig", "-3,5 pct."]  # line numbers stay the source's
    assert parse_number("÷ 520") == (-520.0, None)
    assert parse_number("\u22123,5 pct.") == (-3.5, "pct.")


def test_item_missing_from_the_end_of_the_toc_is_read_from_the_text():
    text = """Referat

KKR Nordjylland

Dato: 20-06-2026 09:30

1. Godkendelse af dagsorden\t2
2. Regional udvikling\t3
3. Trafik\t4

1. Godkendelse af dagsorden

SAG-2026-00001 abc

Beslutning
Godkendt.

2. Regional udvikling

SAG-2026-00002 abc

Beslutning
KKR Nordjylland tog orienteringen til efterretning.

3. Trafik

SAG-2026-00003 abc

Sagsfremstilling
Der er tre indsatser:

1. Busser
2. Tog

Beslutning
Godkendt.

4. Eventuelt

Beslutning
Intet.
"""
    record = record_from_text(text)
    assert [(i.number, i.toc_page) for i in record.items] == [("1", 2), ("2", 3), ("3", 4), ("4", None)]
    assert [i.decision.outcome for i in record.items] == ["approved", "noted", "approved", "none"]
