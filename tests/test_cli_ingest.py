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


@pytest.mark.parametrize("mode", ["--direct", "--orchestrate"])
def test_process_reruns_one_document_through_the_flow(tmp_path, mode, request):
    if mode == "--orchestrate":
        request.getfixturevalue("prefect_api")
    raw, out = make_inbox(tmp_path / "raw"), tmp_path / "out"
    good = runner.invoke(app, ["process", mode, str(raw / MINUTES.name), "--out", str(out)])
    assert good.exit_code == 0, good.output
    assert good.stdout.strip().startswith(f"{MINUTES.name}: minutes KKR Hovedstaden 2026-06-16:")
    assert good.stdout.strip().endswith(str(out / "records" / "kkr-hovedstaden-2026-06-16.json"))

    bad = runner.invoke(app, ["process", mode, str(raw / "broken.txt"), "--out", str(out)])
    assert bad.exit_code == 1
    assert "FAILED broken.txt: undecodable_text" in bad.output
    assert [q["file_name"] for q in Store(out).quarantined()] == ["broken.txt"]
    runs = Store(out).runs()
    assert [r["flow"] for r in runs] == ["process", "process"]
    # Orchestrated reruns are Prefect flow runs (their id in the manifest); direct ones are not.
    assert all(bool(r.get("run_id")) == (mode == "--orchestrate") for r in runs), runs


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


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_real_server_process_work_pool_and_two_workers(tmp_path):
    """The scale-out set-up of docs/orchestration.md on loopback: `prefect server start`, a process
    work pool, `minutes deploy`, two workers, two ingest runs at once on one shared store."""
    import urllib.request

    from tests.test_flows import minutes_copy

    raw, out = make_inbox(tmp_path / "raw"), tmp_path / "out"
    for day in range(1, 31):
        minutes_copy(raw, day)
    port = _free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect-home"), "PREFECT_API_URL": api,
           "PYTHONPATH": str(ROOT), "PREFECT_UI_ENABLED": "false", "PREFECT_WORKER_QUERY_SECONDS": "1",
           "PREFECT_LOGGING_LEVEL": "INFO"}
    procs: list[subprocess.Popen] = []
    logs = []

    def start(*args: str, log: str) -> subprocess.Popen:
        handle = open(tmp_path / log, "w")  # noqa: SIM115 - closed with the process below
        logs.append(handle)
        proc = subprocess.Popen([sys.executable, "-m", *args], cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT)
        procs.append(proc)
        return proc

    try:
        start("prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port), log="server.log")
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{api}/health", timeout=2):
                    break
            except OSError:
                assert time.monotonic() < deadline, (tmp_path / "server.log").read_text()[-2000:]
                time.sleep(0.5)
        deployed = subprocess.run(
            [sys.executable, "-m", "pipeline.cli", "deploy", "--raw", str(raw), "--out", str(out),
             "--pool", "referat-test", "--name", "loopback", "--cron", "0 6 * * *", "--concurrency", "2"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
        )
        assert deployed.returncode == 0, deployed.stderr
        assert "deployment ingest/loopback" in deployed.stdout
        for worker in ("worker-1", "worker-2"):
            start("prefect", "worker", "start", "--pool", "referat-test", "--name", worker, "--limit", "1",
                  log=f"{worker}.log")
        runs = [
            subprocess.Popen([sys.executable, "-m", "prefect", "deployment", "run", "ingest/loopback", "--watch",
                              "--watch-timeout", "300"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True)
            for _ in range(2)
        ]
        outputs = [r.communicate(timeout=360)[0] for r in runs]
        assert [r.returncode for r in runs] == [0, 0], outputs
        assert all("Completed" in o for o in outputs), outputs
    finally:
        for proc in reversed(procs):
            proc.send_signal(signal.SIGINT)
        for proc in reversed(procs):
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        for handle in logs:
            handle.close()

    worker_logs = [(tmp_path / f"worker-{i}.log").read_text() for i in (1, 2)]
    import re

    finished = [re.findall(r"Flow run '[^']+' - Finished in state Completed\(\)", log) for log in worker_logs]
    assert [len(f) for f in finished] == [1, 1], "each worker ran one of the two runs"
    store = Store(out)
    processed = [e for e in store.manifest_entries() if e.get("event") == "processed"]
    assert len(processed) == 35 and len({e["sha256"] for e in processed}) == 35, "no document twice"
    runs = store.runs()
    assert sorted((r["processed"], r["skipped"], r["failed"]) for r in runs) == [(0, 36, 0), (35, 0, 1)]
    assert len(store.record_ids()) == 35


def test_progress_lines_when_the_output_is_no_terminal(monkeypatch):
    """A long ingest into a log or a pipe says how far it is: a line after every few seconds or
    5 % of the documents, never more than one a second, none for the last document."""
    import io

    from pipeline import ingest

    clock = [0.0]
    monkeypatch.setattr(ingest.time, "monotonic", lambda: clock[0])
    log = io.StringIO()
    progress = ingest._Progress(200, enabled=True, every=5.0, stream=log)
    for done in range(1, 201):
        clock[0] = done / 5  # 5 documents a second: 5 % every 2 s
        progress.advance()
    progress.close()
    lines = log.getvalue().splitlines()
    assert lines[0] == "ingest: 10/200 documents (5 %), 2 s, about 38 s left"
    assert len(lines) == 19 and all(line.startswith("ingest: ") for line in lines)
    slow = io.StringIO()
    clock[0] = 100.0
    progress = ingest._Progress(1000, enabled=True, every=5.0, stream=slow)
    for done in range(1, 31):
        clock[0] = 100 + done / 2  # far below 5 %: a line every 5 s all the same
        progress.advance()
    assert [line.split(" documents")[0] for line in slow.getvalue().splitlines()] == [
        "ingest: 10/1000", "ingest: 20/1000", "ingest: 30/1000"]
    quiet = io.StringIO()
    ingest._Progress(200, enabled=False, stream=quiet).advance()
    assert quiet.getvalue() == ""


def test_ingest_reads_one_document_per_core_where_each_has_its_own_process(monkeypatch):
    from pipeline.ingest import parallel_documents

    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    monkeypatch.delenv("REFERAT_PDF_INPROCESS", raising=False)
    monkeypatch.setenv("REFERAT_ISOLATION", "fork")
    assert parallel_documents() == 2
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(32)), raising=False)
    assert parallel_documents() == 4  # at most four at once
    monkeypatch.setenv("REFERAT_ISOLATION", "inprocess")  # threads would share one interpreter
    assert parallel_documents() == 1
