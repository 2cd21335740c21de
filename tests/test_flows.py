"""The Prefect flows on the real extractor and the fixtures, against a temporary Prefect server."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from collections import Counter
from pathlib import Path

import pytest

import extractors
from pipeline import process as process_mod
from pipeline.prefect_env import fast_flow_runs
from pipeline.store import Store
from schemas.record import MeetingRecord

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
MINUTES = FIXTURES / "minutes" / "kkr-hovedstaden-2026-06-16.txt"
OTHER = sorted((FIXTURES / "other").glob("*.txt"))


@pytest.fixture(autouse=True)
def _server(prefect_api):
    with fast_flow_runs():
        yield


def make_inbox(folder: Path) -> Path:
    """The sample minutes, the non-minutes documents and one broken file."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(MINUTES, folder / MINUTES.name)
    for doc in OTHER:
        shutil.copy(doc, folder / doc.name)
    (folder / "broken.txt").write_bytes(b"\x00\x01\x02 not text at all")
    return folder


def minutes_copy(folder: Path, day: int) -> Path:
    """A copy of the sample minutes with its own content and meeting date (so its own record)."""
    text = MINUTES.read_text(encoding="utf-8").replace("Dato: 16-06-2026", f"Dato: {day:02d}-01-2027", 1)
    target = folder / f"copy-{day:02d}.txt"
    target.write_text(text, encoding="utf-8")
    return target


def processed_events(store: Store) -> list[dict]:
    return [e for e in store.manifest_entries() if e.get("event") == "processed"]


def test_ingest_gives_records_not_minutes_quarantine_and_a_summary(tmp_path):
    from pipeline.flows import ingest

    raw, out = make_inbox(tmp_path / "raw"), tmp_path / "out"
    summary = ingest(raw=str(raw), out=str(out))
    assert (summary["processed"], summary["not_minutes"], summary["failed"], summary["skipped"]) == (5, 4, 1, 0)
    assert summary["failures"][0]["file"] == "broken.txt"
    assert summary["failures"][0]["code"] == "undecodable_text"

    store = Store(out)
    records = [store.read_record(rid) for rid in store.record_ids()]
    assert len(records) == 5
    by_type = Counter(r.document_type for r in records)
    assert by_type == {"minutes": 1, "not_minutes": 4}
    assert "kkr-hovedstaden-2026-06-16" in store.record_ids()
    assert all(r.not_minutes_reason for r in records if r.document_type == "not_minutes")

    quarantined = store.quarantined()
    assert [q["file_name"] for q in quarantined] == ["broken.txt"]
    assert quarantined[0]["code"] == "undecodable_text" and quarantined[0]["message"]
    state = store.manifest_state()
    assert len(state) == 6
    assert Counter(d.status for d in state.values()) == {"ok": 5, "failed": 1}
    assert all(d.extractor_version == extractors.EXTRACTOR_VERSION for d in state.values())
    last = store.runs()[-1]
    assert last["processed"] == 5 and last["failed"] == 1 and last["run_id"]


def test_second_run_processes_nothing_and_renames_do_not_duplicate(tmp_path):
    from pipeline.flows import ingest

    raw, out = make_inbox(tmp_path / "raw"), tmp_path / "out"
    ingest(raw=str(raw), out=str(out))
    before = sorted(p.name for p in (out / "records").iterdir())

    again = ingest(raw=str(raw), out=str(out))
    assert (again["processed"], again["failed"], again["skipped"]) == (0, 0, 6)

    (raw / MINUTES.name).rename(raw / "renamed-minutes.txt")
    shutil.copy(OTHER[0], raw / "a-copy-of-the-first-other.txt")
    third = ingest(raw=str(raw), out=str(out))
    assert (third["processed"], third["skipped"]) == (0, 7)
    assert sorted(p.name for p in (out / "records").iterdir()) == before
    doc = Store(out).manifest_state()[process_mod.sha256_of(MINUTES.read_bytes())]
    assert doc.paths == [str(raw / MINUTES.name), str(raw / "renamed-minutes.txt")]
    assert len(processed_events(Store(out))) == 5


def test_changed_document_is_reprocessed_and_old_version_kept(tmp_path):
    from pipeline.flows import ingest

    raw, out = make_inbox(tmp_path / "raw"), tmp_path / "out"
    ingest(raw=str(raw), out=str(out))
    store = Store(out)
    old = store.read_record("kkr-hovedstaden-2026-06-16")

    doc = raw / MINUTES.name
    doc.write_text(doc.read_text(encoding="utf-8") + "\nTilføjet efter mødet.\n", encoding="utf-8")
    summary = ingest(raw=str(raw), out=str(out))
    assert (summary["processed"], summary["skipped"]) == (1, 5)

    new = store.read_record("kkr-hovedstaden-2026-06-16")
    assert new.source.sha256 != old.source.sha256
    history = store.history("kkr-hovedstaden-2026-06-16")
    assert len(history) == 1
    kept = MeetingRecord.model_validate_json(store.read_text(history[0].rsplit(store.root + "/", 1)[1]))
    assert kept == old


def test_extractor_version_change_reprocesses_and_force_reprocesses_all(tmp_path, monkeypatch):
    from pipeline.flows import ingest

    raw, out = make_inbox(tmp_path / "raw"), tmp_path / "out"
    ingest(raw=str(raw), out=str(out))

    forced = ingest(raw=str(raw), out=str(out), force=True)
    assert (forced["processed"], forced["failed"], forced["skipped"]) == (5, 1, 0)
    assert forced["unchanged"] == 5, "the same content and code give the same record: no new version"

    monkeypatch.setattr(extractors, "EXTRACTOR_VERSION", extractors.EXTRACTOR_VERSION + "+next")
    bumped = ingest(raw=str(raw), out=str(out))
    assert (bumped["processed"], bumped["failed"], bumped["skipped"]) == (5, 1, 0)
    assert ingest(raw=str(raw), out=str(out))["skipped"] == 6


def _first_read_of_minutes_fails(monkeypatch) -> Counter[str]:
    """Make build_record raise an OSError the first time it reads the minutes; count the calls."""
    real = process_mod.build_record
    calls: Counter[str] = Counter()

    def flaky(path: Path, **kwargs):
        calls[path.name] += 1
        if path.name == MINUTES.name and calls[path.name] == 1:
            raise OSError("disk hiccup")
        return real(path, **kwargs)

    monkeypatch.setattr(process_mod, "build_record", flaky)
    return calls


def test_io_errors_are_retried_parse_errors_are_not(tmp_path, monkeypatch):
    from pipeline.flows import ingest

    raw, out = make_inbox(tmp_path / "raw"), tmp_path / "out"
    calls = _first_read_of_minutes_fails(monkeypatch)
    summary = ingest(raw=str(raw), out=str(out))
    assert summary["processed"] == 5 and summary["failed"] == 1
    assert calls[MINUTES.name] == 2, "an I/O error is retried"
    assert calls["broken.txt"] == 1, "a parse error is not"


def test_batches_give_the_same_store_and_retry_only_the_document_with_an_io_error(tmp_path, monkeypatch):
    from pipeline.flows import ingest

    raw = make_inbox(tmp_path / "raw")
    real = process_mod.build_record
    calls = _first_read_of_minutes_fails(monkeypatch)
    summary = ingest(raw=str(raw), out=str(tmp_path / "batched"), batch_size=4)
    assert (summary["processed"], summary["not_minutes"], summary["failed"]) == (5, 4, 1)
    assert calls[MINUTES.name] == 2 and set(calls.values()) == {1, 2} and sum(calls.values()) == 7
    monkeypatch.setattr(process_mod, "build_record", real)
    ingest(raw=str(raw), out=str(tmp_path / "single"))
    assert Store(tmp_path / "batched").record_ids() == Store(tmp_path / "single").record_ids()
    assert ingest(raw=str(raw), out=str(tmp_path / "batched"), batch_size=4)["skipped"] == 6


def test_io_error_that_persists_is_quarantined_and_retried_next_run(tmp_path, monkeypatch):
    from pipeline import flows

    raw, out = make_inbox(tmp_path / "raw"), tmp_path / "out"
    real = process_mod.build_record

    def unreadable(path: Path, **kwargs):
        if path.name == MINUTES.name:
            raise PermissionError("share is offline")
        return real(path, **kwargs)

    monkeypatch.setattr(process_mod, "build_record", unreadable)
    monkeypatch.setattr(flows.process_file_task, "retry_delay_seconds", [0, 0])
    summary = flows.ingest(raw=str(raw), out=str(out))
    assert summary["failed"] == 2
    codes = {f["file"]: f["code"] for f in summary["failures"]}
    assert codes[MINUTES.name] == "io_error"

    monkeypatch.setattr(process_mod, "build_record", real)
    summary = flows.ingest(raw=str(raw), out=str(out))
    assert (summary["processed"], summary["failed"], summary["skipped"]) == (1, 0, 5)
    assert [q["file_name"] for q in Store(out).quarantined()] == ["broken.txt"]


def test_a_bug_in_an_extractor_quarantines_the_document_and_the_run_goes_on(tmp_path, monkeypatch):
    from pipeline.flows import ingest

    raw, out = make_inbox(tmp_path / "raw"), tmp_path / "out"
    real = process_mod.build_record

    def buggy(path: Path, **kwargs):
        if path.name == OTHER[0].name:
            raise KeyError("oops")
        return real(path, **kwargs)

    monkeypatch.setattr(process_mod, "build_record", buggy)
    summary = ingest(raw=str(raw), out=str(out))
    assert summary["processed"] == 4 and summary["failed"] == 2
    assert {f["code"] for f in summary["failures"]} == {"internal_error", "undecodable_text"}


def test_a_record_that_fails_validation_never_replaces_the_stored_one(tmp_path, monkeypatch):
    from pipeline.flows import ingest, process_document

    raw, out = make_inbox(tmp_path / "raw"), tmp_path / "out"
    ingest(raw=str(raw), out=str(out))
    before = (out / "records" / "kkr-hovedstaden-2026-06-16.json").read_text()
    real = process_mod.build_record

    def invalid(path: Path, **kwargs):
        record = real(path, **kwargs)
        record.meeting.start_time = "late morning"  # assignment is not validated; the store must
        return record

    monkeypatch.setattr(process_mod, "build_record", invalid)
    outcome = process_document(path=str(raw / MINUTES.name), out=str(out))
    assert outcome["event"] == "failed" and outcome["error"]["code"] == "invalid_record"
    assert (out / "records" / "kkr-hovedstaden-2026-06-16.json").read_text() == before
    assert Store(out).history("kkr-hovedstaden-2026-06-16") == []


def test_summary_is_published_as_a_markdown_artifact(tmp_path):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    from pipeline.flows import ingest

    raw, out = make_inbox(tmp_path / "raw"), tmp_path / "out"
    ingest(raw=str(raw), out=str(out))
    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["ingest-summary"])), limit=50
        )
    markdown = [a.data for a in artifacts if a.type == "markdown" and str(out) in a.data]
    assert markdown, "the run's summary artifact"
    assert "| processed | not minutes | unchanged | skipped | failed | seconds |" in markdown[0]
    assert "| 5 | 4 | 0 | 0 | 1 |" in markdown[0]
    assert "broken.txt" in markdown[0]


def test_process_document_always_reprocesses_one_document(tmp_path):
    from pipeline.flows import ingest, process_document

    raw, out = make_inbox(tmp_path / "raw"), tmp_path / "out"
    ingest(raw=str(raw), out=str(out))
    outcome = process_document(path=str(raw / MINUTES.name), out=str(out))
    assert outcome["event"] == "processed" and outcome["record_id"] == "kkr-hovedstaden-2026-06-16"
    assert outcome["changed"] is False
    bad = process_document(path=str(raw / "broken.txt"), out=str(out))
    assert bad["event"] == "failed" and bad["error"]["code"] == "undecodable_text"
    assert len(processed_events(Store(out))) == 6


def _child_env(api: str) -> dict[str, str]:
    return {**os.environ, "PREFECT_API_URL": api, "PYTHONPATH": str(ROOT)}


SLOW_INGEST = textwrap.dedent(
    """
    import sys, time
    from pipeline import prefect_env
    prefect_env.configure()
    from pipeline import process
    real = process.build_record
    def slow(path, **kwargs):
        time.sleep(float(sys.argv[3]))
        return real(path, **kwargs)
    process.build_record = slow
    from pipeline.flows import ingest
    with prefect_env.fast_flow_runs():
        summary = ingest(raw=sys.argv[1], out=sys.argv[2], lock_timeout=120)
    print("SUMMARY", summary["processed"], summary["skipped"], summary["failed"])
    """
)


def test_two_concurrent_ingests_leave_a_consistent_store(tmp_path, prefect_api):
    raw, out = make_inbox(tmp_path / "raw"), tmp_path / "out"
    for day in range(1, 13):
        minutes_copy(raw, day)
    script = tmp_path / "slow_ingest.py"
    script.write_text(SLOW_INGEST)
    children = [
        subprocess.Popen([sys.executable, str(script), str(raw), str(out), "0.1"], cwd=ROOT,
                         env=_child_env(prefect_api), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    results = [c.communicate(timeout=300) for c in children]
    lines = [next(line for line in stdout.splitlines() if line.startswith("SUMMARY")) for stdout, _ in results]
    counts = sorted(tuple(int(x) for x in line.split()[1:]) for line in lines)
    # One run did all the work; the other waited for the lock and found nothing left to do.
    assert counts == [(0, 18, 0), (17, 0, 1)], results

    store = Store(out)
    per_doc = Counter(e["sha256"] for e in processed_events(store))
    assert len(per_doc) == 17 and set(per_doc.values()) == {1}, "no document processed twice"
    assert len(store.record_ids()) == 17
    for rid in store.record_ids():
        store.read_record(rid)
    assert not list(out.rglob("*.tmp"))


def test_ingest_killed_mid_run_leaves_no_partial_record(tmp_path, prefect_api):
    from pipeline.flows import ingest

    raw, out = make_inbox(tmp_path / "raw"), tmp_path / "out"
    for day in range(1, 21):
        minutes_copy(raw, day)
    script = tmp_path / "slow_ingest.py"
    script.write_text(SLOW_INGEST)
    child = subprocess.Popen([sys.executable, str(script), str(raw), str(out), "0.3"], cwd=ROOT,
                             env=_child_env(prefect_api), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while len(list((out / "records").glob("*.json"))) < 3:
            assert child.poll() is None, "the child finished before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.05)
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()

    store = Store(out)
    done = store.record_ids()
    assert 3 <= len(done) < 25
    for rid in done:  # every record there is complete and valid
        MeetingRecord.model_validate_json((out / "records" / f"{rid}.json").read_text())
    for line in (out / "manifest.jsonl").read_text().splitlines()[:-1]:
        json.loads(line)

    summary = ingest(raw=str(raw), out=str(out), lock_timeout=10)  # the dead run's lock is gone
    assert summary["processed"] + summary["failed"] + summary["skipped"] == 26
    assert len(store.record_ids()) == 25
    assert Counter(d.status for d in store.manifest_state().values()) == {"ok": 25, "failed": 1}
    assert not list(out.rglob("*.tmp"))


def test_auto_batch_size_keeps_one_task_per_document_for_everyday_runs():
    from pipeline.flows import auto_batch_size

    assert [auto_batch_size(n) for n in (0, 1, 32)] == [1, 1, 1]
    assert [auto_batch_size(n) for n in (33, 100, 500, 10_000)] == [2, 4, 16, 16]


def test_a_record_whose_id_changes_with_the_extractor_leaves_no_stale_record(tmp_path, monkeypatch):
    """A new extractor version may give a document another record id (0.2.0 put the authority
    into ids): the old record moves to history, so records/ holds one record per document."""
    from pipeline.flows import ingest, rerun_document

    raw, out = make_inbox(tmp_path / "raw"), tmp_path / "out"
    ingest(raw=str(raw), out=str(out))
    store = Store(str(out))
    before = set(store.record_ids())
    assert "kkr-hovedstaden-2026-06-16" in before

    real = process_mod.build_record

    def renamed(path: Path, **kwargs):
        record = real(path, **kwargs)
        if record.record_id == "kkr-hovedstaden-2026-06-16":
            record.record_id = "kl-kkr-hovedstaden-2026-06-16"
        return record

    monkeypatch.setattr(process_mod, "build_record", renamed)
    monkeypatch.setattr(extractors, "EXTRACTOR_VERSION", extractors.EXTRACTOR_VERSION + "+next")
    ingest(raw=str(raw), out=str(out))
    after = set(store.record_ids())
    assert after == (before - {"kkr-hovedstaden-2026-06-16"}) | {"kl-kkr-hovedstaden-2026-06-16"}
    assert len(store.history("kkr-hovedstaden-2026-06-16")) == 1
    assert [e["record_id"] for e in store.manifest_entries() if e.get("event") == "retired"] == [
        "kkr-hovedstaden-2026-06-16"]

    # The manual rerun does the same when the id changes back.
    monkeypatch.setattr(process_mod, "build_record", real)
    rerun_document(str(raw / MINUTES.name), str(out))
    assert "kl-kkr-hovedstaden-2026-06-16" not in store.record_ids()
    assert "kkr-hovedstaden-2026-06-16" in store.record_ids()


def test_a_copy_seen_in_the_first_run_is_kept_as_another_name(tmp_path):
    from pipeline.flows import ingest

    raw, out = make_inbox(tmp_path / "raw"), tmp_path / "out"
    shutil.copy(raw / MINUTES.name, raw / "kopi.txt")
    ingest(raw=str(raw), out=str(out))
    state = Store(str(out)).manifest_state()
    doc = next(d for d in state.values() if d.record_id == "kkr-hovedstaden-2026-06-16")
    assert sorted(Path(p).name for p in doc.paths) == sorted([MINUTES.name, "kopi.txt"])
