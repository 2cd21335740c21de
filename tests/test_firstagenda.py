"""FirstAgenda publication API JSON (loaders/firstagenda.py): the loader's text and structure, and
the records of real Greve meetings (tests/fixtures/greve/, a slice of ../shared/corpus/greve).

Fixtures: the two meetings with gold (Klima-, Teknik- og Miljøudvalget 2025-03-19: ordered lists,
two tables; Social- og Handicapudvalget 2025-06-02: a closed item whose decision has no heading, a
table), Byrådet 2023-09-27 (a written meeting whose one decision was not released: an agenda),
Byrådet 2022-10-27 (members flagged absent on every item, earlier treatment), Social- og
Handicapudvalget 2025-04-28 (`Sagens forløb` with an absence and an unreleased entry),
Økonomiudvalget 2022-12-12 (two bodies' decisions the same day, meeting-level absence), Beskæftigelses-
og Erhvervsudvalget 2023-01-09 (the older layout: the decision before the headings, after the title
repeated) and the questions and answers to the council of 2024 (no meeting: a folder of documents).
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path

import pytest

from loaders import load
from loaders.errors import CorruptDocument, UnsupportedMediaType
from loaders.firstagenda import attachment_title, authority_of_hosts, body_name, load_firstagenda
from pipeline.evaluate import score_record, Tally
from pipeline.process import build_record
from tests.helpers import FIXTURES

GREVE = FIXTURES / "greve"
KTM = GREVE / "greve-klima-teknik-og-miljoeudvalget-2025-03-19.json"
SHU = GREVE / "greve-social-og-handicapudvalget-2025-06-02.json"
AGENDA = GREVE / "greve-byraadet-2023-09-27.json"
BYRAAD = GREVE / "greve-byraadet-2022-10-27.json"
HISTORY = GREVE / "greve-social-og-handicapudvalget-2025-04-28.json"
OEU = GREVE / "greve-oekonomiudvalget-2022-12-12.json"
OLD_LAYOUT = GREVE / "greve-beskaeftigelses-og-erhvervsudvalget-2023-01-09.json"
QUESTIONS = GREVE / "greve-spoergsmaal-svar-til-byraadet-2024-12-31.json"
GOLD = [KTM, SHU]
EXACT = ("items", "case_numbers", "attendees", "absent")


def _load(path: Path):
    return load(path, path.read_bytes())


def _lines(loaded) -> list[str]:
    return loaded.text.split("\n")


def _item(loaded, number: str):
    return next(i for i in loaded.structure.items if i.number == number)


def _item_lines(loaded, number: str) -> list[str]:
    item = _item(loaded, number)
    return _lines(loaded)[item.line - 1:item.end_line]


# --- detection and errors ----------------------------------------------------------------------


def test_json_is_read_by_content_as_firstagenda(tmp_path):
    copy_without_suffix = tmp_path / "meeting"
    copy_without_suffix.write_bytes(KTM.read_bytes())
    for path in (KTM, copy_without_suffix):
        loaded = _load(path)
        assert loaded.system == "firstagenda" and loaded.media_type == "application/json"
        assert loaded.structure is not None and loaded.structure.system == "firstagenda"


@pytest.mark.parametrize("payload", [b'{"Moede": {}}', b'{"Dagsordenpunkter": []}', b"[1, 2, 3]",
                                     b'{"meetings": [{"Moede": {}, "Dagsordenpunkter": []}]}', b'"text"'])
def test_other_json_is_unsupported_with_a_clear_message(tmp_path, payload):
    path = tmp_path / "other.json"
    path.write_bytes(payload)
    with pytest.raises(UnsupportedMediaType) as error:
        load(path, payload)
    assert "FirstAgenda" in error.value.message and "Moede" in error.value.message


@pytest.mark.parametrize("payload", [b'{"Moede": {"Navn": "Dagsorden"', b"{'Moede': 1}", b"\xff\xfe{\x00"])
def test_malformed_json_is_corrupt(tmp_path, payload):
    path = tmp_path / "broken.json"
    path.write_bytes(payload)
    with pytest.raises(CorruptDocument):
        load(path, payload)


def test_a_meeting_with_missing_and_null_fields_still_loads():
    payload = {"Moede": {"Dato": None, "Moededeltagere": None},
               "Dagsordenpunkter": [{"Punktnummer": "1", "Navn": "Eventuelt", "Felter": None, "Bilag": None},
                                    {"Navn": "Uden nummer", "Felter": [{"Html": None}]}, "not an item"]}
    loaded = load_firstagenda("minimal.json", json.dumps(payload).encode())
    assert [(i.number, i.title) for i in loaded.structure.items] == [("1", "Eventuelt"), ("2", "Uden nummer")]
    assert loaded.structure.date is None and loaded.structure.participants == []
    assert any(code == "no_date" for code, _ in loaded.warnings)


# --- the meeting -------------------------------------------------------------------------------


def test_meeting_facts_are_taken_as_stated():
    structure = _load(KTM).structure
    assert structure.body == "Klima-, Teknik- og Miljøudvalget"
    assert structure.authority == "Greve Kommune"  # the publication's host, dagsordener.greve.dk
    assert (structure.date, structure.start_time, structure.end_time) == (dt.date(2025, 3, 19), "15:30", None)
    assert structure.place == "Mødelokale 5"
    assert structure.meeting_id == "c31df528-dd38-4423-83ef-43a687a84d93"  # Moede.Id is the nil GUID
    # Moede.Navn is "Ekstraordinær dagsorden" on concluded minutes: no title word, no stated type
    assert structure.document_type is None
    assert not any("dagsorden" in line.lower() for line in _lines(_load(KTM))[:5])


def test_participants_absent_or_cancelled_are_absent():
    loaded = _load(OEU)
    people = [(p.name, p.status) for p in loaded.structure.participants]
    assert people == [("Brigitte Klintskov Jerkel", "present"), ("Marc Genning", "absent"),
                      ("Mehmet Zeki Dogru", "present"), ("Pernille Beckmann", "present"),
                      ("Liselott Blixt", "present"), ("Hans-Jørgen Kirstein", "present"),
                      ("John T. Olsen", "absent")]
    header = _lines(loaded)[:6]
    assert "Afbud: Marc Genning, John T. Olsen" in header
    assert all(p.status == "present" and p.role == "member" for p in _load(KTM).structure.participants)


def test_body_names_drop_the_election_term_and_take_the_article():
    assert body_name("Byråd 2022-2025") == "Byrådet"
    assert body_name("Byråd") == "Byrådet"
    assert body_name("Økonomiudvalget 2022") == "Økonomiudvalget"
    assert body_name("Økonomiudvalget (slettet 10-01-2022)") == "Økonomiudvalget"
    assert body_name(".Spørgsmål / Svar til Byrådet 2022-2025") == "Spørgsmål / Svar til Byrådet"
    assert body_name("Klima-, Teknik- og Miljøudvalget") == "Klima-, Teknik- og Miljøudvalget"
    assert body_name("Kommunalbestyrelse") == "Kommunalbestyrelsen"
    assert _load(BYRAAD).structure.body == _load(AGENDA).structure.body == "Byrådet"


def test_authority_from_the_publication_host():
    assert authority_of_hosts(["https://dagsordener.greve.dk/Vis/Pdf/bilag/x"]) == "Greve Kommune"
    assert authority_of_hosts(["https://greve.firstagenda.com/x"]) == "Greve Kommune"
    assert authority_of_hosts(["https://dagsordener.hoeje-taastrup.dk/x"]) == "Høje-Taastrup Kommune"
    assert authority_of_hosts(["https://www.aarhus.dk/x"]) == "Aarhus Kommune"
    assert authority_of_hosts(["https://example.org/x", "not a url"]) is None


# --- items, lines, decisions, history ----------------------------------------------------------


def test_items_are_rendered_with_heading_lines_and_fields():
    loaded = _load(KTM)
    lines = _lines(loaded)
    items = loaded.structure.items
    assert [(i.number, i.title) for i in items] == [
        ("1", "Godkendelse af dagsorden"), ("2", "Det Indeklemte Areal, principbeslutning om vejbetjening"),
        ("3", "Underskriftsark")]
    for item in items:
        assert lines[item.line - 1] == f"{item.number}. {item.title}"
        assert item.line < item.end_line and lines[item.end_line - 1].strip()
        assert item.pointer == f"/Dagsordenpunkter/{int(item.number) - 1}" and item.source_id
    assert items[0].end_line < items[1].line and items[1].end_line < items[2].line
    assert _item_lines(loaded, "1")[:3] == ["1. Godkendelse af dagsorden", "Beslutning", "Godkendt."]
    assert "Fremstilling" in _item_lines(loaded, "1") and "Indstilling" in _item_lines(loaded, "1")
    # an ordered list keeps its numbers
    assert "1. at løsning 1 (en gennemgående vej) som princip for vejbetjening af 'Det indeklemte areal' godkendes." \
        in _item_lines(loaded, "2")
    assert [i.case_numbers for i in items] == [[], ["24-009072"], []]
    assert all(i.access is None for i in items)  # IsOpen is false on every item: it says nothing


def test_tables_stand_on_placeholder_lines_of_their_item():
    loaded = _load(KTM)
    lines = _lines(loaded)
    item = _item(loaded, "2")
    assert len(loaded.tables) == 2
    for table in loaded.tables:
        assert item.line < table.start_line == table.end_line <= item.end_line
        assert lines[table.start_line - 1] == ""
    assert [c.split()[:2] for c in loaded.tables[0].rows[0][1:]] == [["Scenarie", "1"], ["Scenarie", "2"]]
    shu = _load(SHU)
    assert len(shu.tables) == 1 and _item(shu, "3").line < shu.tables[0].start_line <= _item(shu, "3").end_line


def test_attachments_from_the_bilag_array_without_their_numbering():
    item = _item(_load(KTM), "2")
    assert [a.title for a in item.attachments] == [
        "Kort over scenarie 1 - gennemgående vej", "Kort over scenarie 2 - stikveje", "Forudsætningsnotat",
        "Vurderinger af de trafikale konsekvenser", "Notat om udlæg og anlæg af vej, herunder fordeling af udgifter",
        "Notat med svar på supplerende spørgsmål om vejanlæg"]
    assert all(a.source_id and a.url is None for a in item.attachments)
    assert _item(_load(KTM), "1").attachments == []


@pytest.mark.parametrize("written, title", [
    ("Bilag 1. Kort over arealet", "Kort over arealet"),
    ("Bilag 4 - Håndbog for kommuner", "Håndbog for kommuner"),
    ("Bilag 3: Indkomne forslag", "Indkomne forslag"),
    ("Bilag 1a. – nr. 166 Pavillonudgifter", "nr. 166 Pavillonudgifter"),
    ("Bilag 3.Brev til skolechefer", "Brev til skolechefer"),
    ("Bilag 1 En Pose Penge 2022 til 2023", "En Pose Penge 2022 til 2023"),
    ("Bilag A: Høringssvar fra forældrebestyrelser", "Høringssvar fra forældrebestyrelser"),
    ("Bilag 2 til spml./svar ang. asbest", "Bilag 2 til spml./svar ang. asbest"),
    ("Bilag: Foreninger som Greve Kommune yder tilskud til", "Bilag: Foreninger som Greve Kommune yder tilskud til"),
    ("Bilagsmateriale til delrapport 1", "Bilagsmateriale til delrapport 1"),
    ("Forudsætningsnotat", "Forudsætningsnotat"),
])
def test_attachment_numbering_only_is_dropped(written, title):
    assert attachment_title(written) == title


def test_a_closed_item_whose_decision_has_no_heading_gets_one():
    loaded = _load(SHU)
    item = _item(loaded, "4")
    assert item.title == "Lukket: Henvendelser til formanden"  # the prefix is kept; access read from it
    assert _item_lines(loaded, "4") == ["4. Lukket: Henvendelser til formanden", "Beslutning",
                                        "Orienteringen blev taget til efterretning."]


def test_the_older_layout_decision_before_the_headings():
    loaded = _load(OLD_LAYOUT)
    first = _item_lines(loaded, "1")
    # the title repeated at the top of the text is left out; the decision gets its heading; the
    # members the item flags absent follow the decision
    assert first[:5] == ["1. Godkendelse af dagsorden", "Beslutning", "Godkendt.",
                         "Fraværende: Brigitte Klintskov Jerkel, Kenneth Jerkel", "Sagsprocedure"]
    last = _item_lines(loaded, "9")
    assert "Beslutning" not in last and last[0] == "9. Underskriftsark"
    assert "Underskriftsark" not in last[1:]  # not read as a signature block


def test_item_absences_follow_the_decision_unless_it_records_them():
    loaded = _load(BYRAAD)
    lines = _item_lines(loaded, "1")
    at = lines.index("Beslutning")
    assert lines[at + 2] == "Fraværende: Mehmet Zeki Dogru, Claus Dyremose, Linda Heegaard, Bjarke Abel, Anne Marie Lyduch"
    assert lines[at + 3] == "Fremstilling"
    # an absence the decision already writes is not repeated
    payload = json.loads(OEU.read_text(encoding="utf-8"))
    item = payload["Dagsordenpunkter"][0]
    item["Felter"][0]["Html"] = item["Felter"][0]["Html"].replace(
        "Godkendt.", "Godkendt.<br>Afbud: Mehmet Zeki Dogru", 1)
    written = load_firstagenda("x.json", json.dumps(payload).encode())
    assert not any(line.startswith("Fraværende") for line in _item_lines(written, "1"))


def test_sagens_forloeb_becomes_history_not_this_meetings_decision():
    loaded = _load(HISTORY)
    item = _item(loaded, "3")
    assert [(h.by, h.date, h.text) for h in item.history] == [
        ("Beskæftigelses- og Erhvervsudvalget", dt.date(2025, 4, 28),
         "Orienteringen blev taget til efterretning.\nAfbud: Ronni Mark Nielsen")]  # "Beslutning ikke frigivet": none
    lines = _item_lines(loaded, "3")
    at = lines.index("Sagens forløb")
    assert lines[at + 1:] == [
        "28/04/2025 Beskæftigelses- og Erhvervsudvalget: Orienteringen blev taget til efterretning. Afbud: Ronni Mark Nielsen",
        "28/04/2025 Sundheds- og Omsorgsudvalget: Beslutning ikke frigivet"]
    decision = lines.index("Beslutning")
    assert decision < lines.index("Fremstilling") < at  # the history follows the item's own fields
    # other bodies deciding on the same day are earlier treatment of this meeting's decision
    oeu = _item(_load(OEU), "2")
    assert [(h.by, h.date) for h in oeu.history] == [("Klima-, Teknik- og Miljøudvalget", dt.date(2022, 12, 12)),
                                                      ("Kultur- og Fritidsudvalget", dt.date(2022, 12, 12))]


def test_history_leaves_out_this_meetings_own_entry_and_later_ones():
    payload = json.loads(OEU.read_text(encoding="utf-8"))
    html = payload["Dagsordenpunkter"][1]["Felter"][0]["Html"]
    entries = ("<u>01-12-2022 Økonomiudvalget 2022</u><br><p>Sagen blev udsat.</p><br>"
               "<u>12-12-2022 Økonomiudvalget 2022</u><br><p>Anbefales.</p><br>"
               "<u>19/12/2022   Byråd 2022-2025</u><br>Beslutning ikke frigivet<br>"
               "<u>20-12-2022 Byråd</u><br><p>Godkendt.</p>")
    start = html.index("<span class='sagsforloeb'>") + len("<span class='sagsforloeb'>")
    payload["Dagsordenpunkter"][1]["Felter"][0]["Html"] = html[:start] + entries + html[html.index("</span>", start):]
    item = _item(load_firstagenda("x.json", json.dumps(payload).encode()), "2")
    assert [(h.by, h.date, h.text) for h in item.history] == [
        ("Økonomiudvalget", dt.date(2022, 12, 1), "Sagen blev udsat.")]


# --- what is not minutes -----------------------------------------------------------------------


def test_a_meeting_without_released_decisions_loads_as_published():
    loaded = _load(AGENDA)
    assert _item_lines(loaded, "2") == ["2. Lukket: Ansættelse af Borgerrådgiver", "Beslutning ikke frigivet"]
    assert "Beslutning" not in _item_lines(loaded, "1")
    assert loaded.structure.document_type is None  # concluded, but no decision: the evidence decides


def _agenda_of(path: Path) -> dict:
    """The same meeting published before it was held: not concluded, no decisions yet."""
    from lxml import etree
    import lxml.html

    payload = copy.deepcopy(json.loads(path.read_text(encoding="utf-8")))
    payload["Moede"]["Afsluttet"] = False
    for item in payload["Dagsordenpunkter"]:
        for field in item["Felter"]:
            root = lxml.html.fragment_fromstring(field["Html"], create_parent="div")
            for heading in list(root.iter("h3")):
                if heading.text_content().strip() == "Beslutning":
                    heading.getparent().getparent().remove(heading.getparent())
            field["Html"] = etree.tostring(root, encoding="unicode")
    return payload


def test_a_meeting_not_concluded_is_published_as_an_agenda():
    loaded = load_firstagenda("agenda.json", json.dumps(_agenda_of(KTM)).encode())
    assert loaded.structure.document_type == "agenda"
    assert _lines(loaded)[0] == "Ekstraordinær dagsorden"  # Moede.Navn, the agenda's title
    assert not any(line == "Beslutning" for line in _lines(loaded))


def test_questions_and_answers_to_the_council_are_no_meeting():
    loaded = _load(QUESTIONS)
    structure = loaded.structure
    assert structure.document_type is None and structure.participants == []
    assert [(i.number, i.title) for i in structure.items] == [("1", "Spørgsmål/svar til Byrådet 2024")]
    assert len(structure.items[0].attachments) == 103
    assert not any("dagsorden" in line.lower() for line in _lines(loaded))


# --- records (loader + extractors) -------------------------------------------------------------


@pytest.fixture(scope="module")
def records():
    return {path.name: build_record(path) for path in sorted(GREVE.glob("*.json"))}


@pytest.mark.parametrize("path", GOLD, ids=lambda p: p.stem)
def test_gold_documents_score_at_least_098_with_exact_items_cases_and_attendance(records, path):
    gold = json.loads((FIXTURES / "gold" / f"{path.stem}.gold.json").read_text(encoding="utf-8"))
    tallies = score_record(gold, records[path.name])
    overall = Tally()
    for tally in tallies.values():
        overall.add(tally)
    assert overall.scores()["f1"] >= 0.98, {k: v.scores() for k, v in tallies.items() if v.scores()["f1"] < 1}
    for field in EXACT:
        assert tallies[field].scores()["f1"] == 1.0, (field, tallies[field].scores())


def test_records_keep_the_systems_provenance(records):
    record = records[KTM.name]
    assert record.source.system == "firstagenda" and record.source.media_type == "application/json"
    assert record.source.meeting_id == "c31df528-dd38-4423-83ef-43a687a84d93"
    item = next(i for i in record.items if i.number == "2")
    assert item.source_id == "60e7e5c7-ef63-40dd-835a-d6dc3cc558b0" and item.source_pointer == "/Dagsordenpunkter/1"
    assert item.attachments[0].source_id == "28d90a44-a62a-4d72-be90-da0db0b9d234"


def test_minutes_of_every_body_name_it_and_its_authority_the_same_way(records):
    minutes = [r for r in records.values() if r.document_type == "minutes"]
    assert len(minutes) == 6
    assert all(r.meeting.authority == "Greve Kommune" for r in minutes)
    byraad = records[BYRAAD.name]
    assert byraad.record_id == "greve-byraadet-2022-10-27" and byraad.meeting.body == "Byrådet"
    agenda = records[AGENDA.name]
    assert (agenda.meeting.body, agenda.meeting.authority) == (byraad.meeting.body, byraad.meeting.authority)
    assert records[KTM.name].record_id == "greve-klima-teknik-og-miljoeudvalget-2025-03-19-ekstraordinaer"


def test_a_meeting_without_decisions_is_an_agenda_record(records, tmp_path):
    agenda = records[AGENDA.name]
    assert agenda.document_type == "agenda" and agenda.record_id == "greve-byraadet-2023-09-27-ekstraordinaer-dagsorden"
    assert [i.number for i in agenda.items] == ["1", "2", "3"] and not any(i.decision for i in agenda.items)
    published_before = tmp_path / KTM.name
    published_before.write_text(json.dumps(_agenda_of(KTM)), encoding="utf-8")
    record = build_record(published_before)
    assert record.document_type == "agenda"
    assert record.record_id == "greve-klima-teknik-og-miljoeudvalget-2025-03-19-ekstraordinaer-dagsorden"
    assert [i.number for i in record.items] == ["1", "2", "3"]
    assert [c.number for c in record.items[1].case_numbers] == ["24-009072"]


def test_earlier_treatment_and_item_absences_in_the_record(records):
    item = next(i for i in records[HISTORY.name].items if i.number == "3")
    assert [(d.by, d.date) for d in item.decisions] == [
        ("Beskæftigelses- og Erhvervsudvalget", dt.date(2025, 4, 28)), (None, None)]
    assert item.decision.text == "Orienteringen blev taget til efterretning, idet udvalget sætter pris på indsatsen."
    assert item.absent == []  # the absence under the earlier decision is not this meeting's
    oeu = records[OEU.name]
    assert next(i for i in oeu.items if i.number == "1").absent == ["Mehmet Zeki Dogru"]
    assert [p.name for p in oeu.participants if p.status == "absent"] == ["Marc Genning", "John T. Olsen"]
    old = records[OLD_LAYOUT.name]
    first = next(i for i in old.items if i.number == "1")
    assert first.decision.text == "Godkendt." and first.absent == ["Brigitte Klintskov Jerkel", "Kenneth Jerkel"]
    assert sum(1 for i in old.items if i.decision) == 8


def test_questions_and_answers_are_not_minutes(records):
    record = records[QUESTIONS.name]
    assert record.document_type == "not_minutes" and record.not_minutes_reason
