"""The sample minutes against the hand-made gold: the acceptance bar of issue 2."""

import json

import pytest

from pipeline.evaluate import evaluate_folder, score_record
from pipeline.process import build_record
from pipeline.store import write_record_file
from tests.helpers import FIXTURES, SAMPLE, SAMPLE_GOLD

EXACT_FIELDS = ("items", "case_numbers", "attendees", "absent")


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    gold = tmp_path_factory.mktemp("gold")
    for name in (SAMPLE_GOLD.name, SAMPLE_GOLD.name.replace(".gold.json", ".entities.gold.json")):
        (gold / name).write_bytes((FIXTURES / "gold" / name).read_bytes())
    write_record_file(out, build_record(SAMPLE))
    return evaluate_folder(gold, out / "records")


def test_every_gold_document_has_a_record(report):
    assert all(doc["record"] for doc in report["documents"])


@pytest.mark.parametrize("field", EXACT_FIELDS)
def test_exact_fields_are_perfect(report, field):
    assert report["fields"][field]["f1"] == 1.0, report["fields"][field]


def test_every_other_field_at_least_098(report):
    weak = {k: v for k, v in report["fields"].items() if v["f1"] < 0.98}
    assert not weak


def test_scoring_notices_mistakes():
    """The scorer itself must fail a wrong record: drop an attendee and change a decision."""
    gold = json.loads(SAMPLE_GOLD.read_text(encoding="utf-8"))
    record = build_record(SAMPLE)
    record.participants.pop(0)
    record.items[0].decision.text = "Udsat."
    tallies = score_record(gold, record)
    assert tallies["attendees"].fn == 1
    assert tallies["decision"].fp == 1 and tallies["decision"].fn == 1


def test_record_content_matches_the_document():
    record = build_record(SAMPLE)
    assert record.record_id == "kkr-hovedstaden-2026-06-16"
    assert record.meeting.next_meeting.end_time == "12:00"
    duplicates = [w for w in record.warnings if w.code == "duplicate_participant"]
    assert [w.line for w in duplicates] == [73]
    substitute = next(p for p in record.participants if p.role == "substitute")
    assert (substitute.name, substitute.substitute_for) == ("Alexandra Dessoy", "Michael Vindfelt")
    item = next(i for i in record.items if i.number == "3.7")
    assert item.span.start_line == 667 and item.span.end_line > 720
    first, second = item.tables
    assert [c.text for c in first.rows[0]] == ["KKR Hovedstaden", "850", "1.259", "1.780", "1.915"]
    assert [c.value for c in first.rows[0]][1:] == [850, 1259, 1780, 1915]
    assert len(first.header_rows) == 2 and len(first.rows) == 6
    assert second.rows[-1][0].text == "Gennemsnit 2021-25"  # markup removed
    quota = next(i for i in record.items if i.number == "3.9").tables[0]
    assert len(quota.rows) == 47  # one table across the blank line after Bornholm
    assert quota.rows[2][1].text == "-" and quota.rows[2][1].value is None
    rec = next(i for i in record.items if i.number == "3.9").recommendation
    assert len(rec.points) == 2 and rec.points[1].startswith("godkender, at")
    # 2.1's orientations after its recommendation are kept under their own headings.
    siden_sidst = next(i for i in record.items if i.number == "2.1")
    assert [p.heading for p in siden_sidst.parts if p.kind == "other" and p.heading] == ["SKF Østdanmark"]
    assert "Movias bestyrelse" in siden_sidst.parts[3].text


def test_entity_scores_reported_per_type(report):
    """Issue 5's bar, through `minutes eval`: precision >= 0.95 and recall >= 0.90 per type."""
    entities = report["entities"]
    assert set(entities) >= {"person", "municipality", "party", "money", "date"}
    for kind, scores in entities.items():
        assert scores["precision"] >= 0.95 and scores["recall"] >= 0.90, (kind, scores)
