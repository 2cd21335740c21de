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


def test_schema_prints_json_schema():
    result = runner.invoke(app, ["schema"])
    assert json.loads(result.output)["title"] == "MeetingRecord"
