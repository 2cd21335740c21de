"""The minutes command line: process, eval, schema."""

import json

from typer.testing import CliRunner

from pipeline.cli import app
from tests.helpers import FIXTURES, SAMPLE

runner = CliRunner()


def test_process_writes_record_and_prints_summary(tmp_path):
    result = runner.invoke(app, ["process", str(SAMPLE), "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "15 items, 47 present, 14 absent" in result.output
    record = json.loads((tmp_path / "records" / "kkr-hovedstaden-2026-06-16.json").read_text(encoding="utf-8"))
    assert record["document_type"] == "minutes"


def test_process_of_a_bad_file_fails_with_specific_error(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    result = runner.invoke(app, ["process", str(empty), "--out", str(tmp_path / "out")])
    assert result.exit_code != 0
    assert "empty" in result.output
    assert not (tmp_path / "out" / "records").exists()


def test_eval_prints_scores_and_coverage_per_document(tmp_path):
    runner.invoke(app, ["process", str(SAMPLE), "--out", str(tmp_path)])
    runner.invoke(app, ["process", str(FIXTURES / "real"), "--out", str(tmp_path)])
    runner.invoke(app, ["process", str(FIXTURES / "greve"), "--out", str(tmp_path)])
    result = runner.invoke(app, ["eval", "--gold", str(FIXTURES / "gold"), "--records", str(tmp_path / "records")])
    assert result.exit_code == 0
    overall = next(line for line in result.output.splitlines() if line.startswith("OVERALL"))
    assert float(overall.split()[3]) >= 0.95
    documents = {line.split()[0]: line.split()[1:] for line in result.output.splitlines()
                 if line.startswith(("kkr-", "glostrup-", "ballerup-", "aarhus-", "greve-"))}
    assert len(documents) == 6
    for name, (f1, coverage) in documents.items():
        assert float(f1) >= 0.95 and float(coverage) >= 0.98, (name, f1, coverage)


def test_eval_sums_up_a_folder_mean_worst_and_minutes_recorded_as_something_else(tmp_path):
    """Over a folder: the mean and the worst F1, and how many minutes came out as another type (a
    gold file that says minutes for a document referat calls not minutes counts)."""
    runner.invoke(app, ["process", str(SAMPLE), "--out", str(tmp_path)])
    memo = FIXTURES / "other" / "kl-netvaerk-groen-mobilitet.txt"
    runner.invoke(app, ["process", str(memo), "--out", str(tmp_path)])
    gold = tmp_path / "gold"
    gold.mkdir()
    (gold / "kkr-hovedstaden-2026-06-16.gold.json").write_text(
        (FIXTURES / "gold" / "kkr-hovedstaden-2026-06-16.gold.json").read_text(encoding="utf-8"), encoding="utf-8")
    (gold / "memo.gold.json").write_text(json.dumps({"source": memo.name, "document_type": "minutes", "items": []}),
                                         encoding="utf-8")
    result = runner.invoke(app, ["eval", "--gold", str(gold), "--records", str(tmp_path / "records"), "--json"])
    summary = json.loads(result.output)["summary"]
    assert (summary["documents"], summary["minutes"], summary["minutes_as_other"]) == (2, 2, 1)
    assert summary["wrong_type"] == ["memo.gold.json"] and summary["worst"] == "memo.gold.json"
    assert summary["mean_f1"] < 1.0 and summary["worst_f1"] < summary["mean_f1"]
    text = runner.invoke(app, ["eval", "--gold", str(gold), "--records", str(tmp_path / "records")]).output
    assert "2 documents: mean F1" in text and "1 of 2 minutes recorded as something else" in text
    assert "recorded as not_minutes" in text


def test_schema_prints_json_schema():
    result = runner.invoke(app, ["schema"])
    assert json.loads(result.output)["title"] == "MeetingRecord"
