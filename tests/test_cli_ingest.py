"""`minutes ingest`, `process` (the rerun), `status` and `serve` from the command line."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.store import Store
from tests.test_flows import MINUTES, ROOT, make_inbox

runner = CliRunner()


@pytest.fixture(autouse=True)
def _server(prefect_api):
    yield


def test_ingest_exit_codes_and_summary(tmp_path):
    raw, out = make_inbox(tmp_path / "raw"), tmp_path / "out"
    first = runner.invoke(app, ["ingest", "--raw", str(raw), "--out", str(out)])
    assert first.exit_code == 1, first.output
    assert "ingest: 5 processed (4 not minutes, 0 unchanged), 0 skipped, 1 failed" in first.output
    assert "FAILED broken.txt: undecodable_text" in first.output

    second = runner.invoke(app, ["ingest", "--raw", str(raw), "--out", str(out)])
    assert second.exit_code == 0, second.output
    assert "ingest: 0 processed (0 not minutes, 0 unchanged), 6 skipped, 0 failed" in second.output

    forced = runner.invoke(app, ["ingest", "--raw", str(raw), "--out", str(out), "--force"])
    assert forced.exit_code == 1 and "5 processed (4 not minutes, 5 unchanged), 0 skipped, 1 failed" in forced.output


def test_ingest_of_good_documents_exits_zero_and_missing_inbox_exits_two(tmp_path):
    raw = make_inbox(tmp_path / "raw")
    (raw / "broken.txt").unlink()
    result = runner.invoke(app, ["ingest", "--raw", str(raw), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    missing = runner.invoke(app, ["ingest", "--raw", str(tmp_path / "nope"), "--out", str(tmp_path / "out")])
    assert missing.exit_code == 2


def test_status_reports_the_manifest(tmp_path):
    raw, out = make_inbox(tmp_path / "raw"), tmp_path / "out"
    runner.invoke(app, ["ingest", "--raw", str(raw), "--out", str(out)])
    text = runner.invoke(app, ["status", "--out", str(out)])
    assert text.exit_code == 0, text.output
    assert "documents: 6 (5 ok, 1 failed; 0 of an older extractor version)" in text.output
    assert "records: 5, earlier versions kept: 0, quarantined: 1" in text.output
    assert "last run: ingest at" in text.output and "5 processed, 0 skipped, 1 failed" in text.output
    assert "FAILED broken.txt" in text.output
    report = json.loads(runner.invoke(app, ["status", "--out", str(out), "--json"]).output)
    assert report["records"] == 5 and report["failed"] == 1 and report["last_run"]["processed"] == 5


def test_process_reruns_one_document_through_the_flow(tmp_path):
    raw, out = make_inbox(tmp_path / "raw"), tmp_path / "out"
    good = runner.invoke(app, ["process", str(raw / MINUTES.name), "--out", str(out)])
    assert good.exit_code == 0, good.output
    assert good.stdout.strip().startswith(f"{MINUTES.name}: minutes KKR Hovedstaden 2026-06-16:")
    assert good.stdout.strip().endswith(str(out / "records" / "kkr-hovedstaden-2026-06-16.json"))

    bad = runner.invoke(app, ["process", str(raw / "broken.txt"), "--out", str(out)])
    assert bad.exit_code == 1
    assert "FAILED broken.txt: undecodable_text" in bad.output
    assert [q["file_name"] for q in Store(out).quarantined()] == ["broken.txt"]
    runs = Store(out).runs()
    assert [r["flow"] for r in runs] == ["process", "process"]


def test_ingest_with_two_dask_workers(tmp_path):
    raw, out = make_inbox(tmp_path / "raw"), tmp_path / "out"
    result = runner.invoke(app, ["ingest", "--raw", str(raw), "--out", str(out), "--workers", "2"])
    assert result.exit_code == 1, result.output
    assert "ingest: 5 processed (4 not minutes, 0 unchanged), 0 skipped, 1 failed" in result.output
    assert len(Store(out).record_ids()) == 5


def test_serve_registers_a_cron_deployment_that_runs_ingest(tmp_path, prefect_api):
    from prefect.client.orchestration import get_client
    from prefect.deployments import run_deployment

    raw, out = make_inbox(tmp_path / "raw"), tmp_path / "out"
    name = f"referat-test-{os.getpid()}"
    child = subprocess.Popen(
        [sys.executable, "-m", "pipeline.cli", "serve", "--raw", str(raw), "--out", str(out),
         "--cron", "30 5 * * 1-5", "--name", name],
        cwd=ROOT, env={**os.environ, "PREFECT_API_URL": prefect_api, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        deployment = None
        deadline = time.monotonic() + 120
        with get_client(sync_client=True) as client:
            while deployment is None:
                assert child.poll() is None, "serve exited"
                assert time.monotonic() < deadline, "no deployment registered"
                try:
                    deployment = client.read_deployment_by_name(f"ingest/{name}")
                except Exception:  # noqa: BLE001 - not registered yet
                    time.sleep(0.5)
        assert [s.schedule.cron for s in deployment.schedules] == ["30 5 * * 1-5"]
        run = run_deployment(f"ingest/{name}", timeout=180)
        assert run.state.is_completed(), run.state
        assert len(Store(out).record_ids()) == 5
    finally:
        child.send_signal(signal.SIGINT)
        try:
            child.wait(timeout=30)
        except subprocess.TimeoutExpired:
            child.kill()
