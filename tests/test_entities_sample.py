"""The entity layer on the sample minutes, scored against the hand-made entity gold."""

from __future__ import annotations

import json

import pytest

from extractors.entities import annotate
from pipeline.evaluate_entities import TYPES, format_entity_report, mismatches, score_entities
from tests.helpers import FIXTURES, SAMPLE, record_from_text

ENTITY_GOLD = FIXTURES / "gold" / "kkr-hovedstaden-2026-06-16.entities.gold.json"


@pytest.fixture(scope="module")
def sample():
    return annotate(record_from_text(SAMPLE.read_text(encoding="utf-8"), SAMPLE.name))


@pytest.fixture(scope="module")
def gold():
    return json.loads(ENTITY_GOLD.read_text(encoding="utf-8"))


def test_gold_covers_every_money_municipality_and_person_in_3_1_to_3_10(gold):
    assert {f"3.{n}" for n in range(1, 11)} <= set(gold["items"])
    counts = {t: sum(m["type"] == t for ms in gold["items"].values() for m in ms) for t in TYPES}
    assert counts["money"] >= 19 and counts["municipality"] >= 46 and counts["person"] >= 6


def test_precision_and_recall_per_type_on_the_sample(sample, gold):
    scores = score_entities(gold, sample)
    report = format_entity_report(scores) + "\n" + "\n".join(mismatches(gold, sample))
    for t in TYPES:
        assert scores[t]["tp"] > 0, report
        assert scores[t]["precision"] >= 0.95, report
        assert scores[t]["recall"] >= 0.90, report


def test_presenters_and_people_introduced_by_role(sample):
    items = {i.number: i for i in sample.items}
    assert items["3.2"].presenters == ["Jan Juul Christensen"]
    assert items["3.3"].presenters == ["Anders Dyhr"]
    assert items["3.10"].presenters == ["Morten Winge"]
    people = {(e.name, e.role, e.organisation) for i in sample.items for e in i.entities if e.type == "person"}
    assert ("Stine Johansen", "Direktør", "KL") in people
    assert ("Jan Juul Christensen", "Managing Director", "Greater Copenhagen") in people
    maja = next(e for e in items["2.1"].entities if e.name == "Maja Højgaard")
    assert (maja.role, maja.municipality_code, maja.party_letter, maja.participant) == ("borgmester", 153, "A", True)


def test_protocol_remark_by_sf_links_to_party_f(sample):
    items = {i.number: i for i in sample.items}
    links = [(link.kind, link.party_letter) for link in items["3.10"].party_links]
    assert links == [("protocol_note", "F")]
    assert items["3.1"].party_links == []  # "SF spurgte til ..." is a question, not a remark


def test_every_participant_has_a_municipality_code(sample):
    assert sample.participants and all(p.municipality_code for p in sample.participants)
    codes = {p.name: p.municipality_code for p in sample.participants}
    assert codes["Jens-Kristian Lütken"] == 101  # "København Kommune"
    assert codes["Bianca Vitting"] == 147  # "Frederiksberg"


def test_offsets_point_into_the_item_texts(sample):
    for item in sample.items:
        for e in item.entities:
            if e.table is not None:
                table = item.tables[e.table]
                source = (table.header_rows + table.rows)[e.row][e.col].text
            elif e.part is None:
                source = item.title
            elif e.heading:
                source = item.parts[e.part].heading
            else:
                source = item.parts[e.part].text
            assert source[e.start:e.end] == e.text


def test_entity_gold_is_found_next_to_the_document_gold(sample):
    from pipeline.evaluate_entities import entity_gold_path, score_entities_for
    from tests.helpers import SAMPLE_GOLD

    assert entity_gold_path(SAMPLE_GOLD) == ENTITY_GOLD
    scores = score_entities_for(SAMPLE_GOLD, sample)
    assert scores["money"]["tp"] >= 19
    assert score_entities_for(SAMPLE_GOLD, None)["money"]["recall"] == 0.0


def test_table_rows_link_to_the_code_the_row_is_written_with(sample):
    """The 3.9 table writes official codes ("101 København", "390 Vordingborg"): the gazetteer
    must give each row's municipality that same code."""
    rows = []
    for item in sample.items:
        for e in item.entities:
            if e.type == "municipality" and e.table is not None:
                table = item.tables[e.table]
                cell = (table.header_rows + table.rows)[e.row][e.col].text
                written = cell.split()[0]
                if written.isdigit():
                    rows.append((int(written), e.municipality_code, cell))
    assert len(rows) == 46
    assert [r for r in rows if r[0] != r[1]] == []
