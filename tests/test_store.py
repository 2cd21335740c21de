"""The output store on its own (no Prefect): atomic writes, history, manifest, quarantine, lock."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from pipeline.store import Store, StoreLocked, atomic_write_text, store_status, write_record_file
from schemas.record import Meeting, MeetingRecord, Source

ROOT = Path(__file__).resolve().parents[1]


def make_record(record_id: str = "kkr-test-2026-01-01", sha: str = "a" * 64, body: str = "KKR Test") -> MeetingRecord:
    return MeetingRecord(
        record_id=record_id,
        document_type="minutes",
        source=Source(file_name="x.txt", sha256=sha, media_type="text/plain", size_bytes=10),
        extractor_version="test",
        meeting=Meeting(body=body),
    )


def test_commit_writes_record_and_keeps_previous_version(tmp_path):
    store = Store(tmp_path)
    first = store.commit_record(make_record(sha="a" * 64))
    assert first.changed and first.previous is None
    assert store.read_record("kkr-test-2026-01-01").source.sha256 == "a" * 64

    again = store.commit_record(make_record(sha="a" * 64))
    assert not again.changed, "the same record twice must not make a history version"
    assert store.history("kkr-test-2026-01-01") == []

    second = store.commit_record(make_record(sha="b" * 64, body="KKR Test 2"))
    assert second.changed
    assert store.read_record("kkr-test-2026-01-01").meeting.body == "KKR Test 2"
    history = store.history("kkr-test-2026-01-01")
    assert len(history) == 1 and history[0] == second.previous
    old = MeetingRecord.model_validate_json(Path(history[0]).read_text())
    assert old.source.sha256 == "a" * 64 and old.meeting.body == "KKR Test"
    assert store.record_ids() == ["kkr-test-2026-01-01"]


def test_write_record_file_keeps_its_old_interface(tmp_path):
    target = write_record_file(tmp_path, make_record())
    assert target == tmp_path / "records" / "kkr-test-2026-01-01.json"
    assert MeetingRecord.model_validate_json(target.read_text()).record_id == "kkr-test-2026-01-01"


def test_an_invalid_record_is_never_written(tmp_path):
    store = Store(tmp_path)
    store.commit_record(make_record())
    bad = make_record(sha="c" * 64)
    bad.source.sha256 = "not a hash"  # assignment is not validated; the store must catch it
    with pytest.raises(ValueError):
        store.commit_record(bad)
    assert store.read_record("kkr-test-2026-01-01").source.sha256 == "a" * 64
    assert store.history("kkr-test-2026-01-01") == []


KILL_MID_WRITE = textwrap.dedent(
    """
    import os, sys, time
    from pathlib import Path
    sys.path.insert(0, {root!r})
    from pipeline import store as store_mod
    from tests.test_store import make_record

    out, marker = Path(sys.argv[1]), Path(sys.argv[2])
    real_fsync = os.fsync

    def fsync_then_hang(fd):
        real_fsync(fd)
        if "/records/." in os.readlink(f"/proc/self/fd/{{fd}}"):
            marker.write_text("writing")  # the new record is in its temp file, not renamed yet
            time.sleep(60)

    store_mod.os.fsync = fsync_then_hang
    store_mod.Store(out).commit_record(make_record(sha="b" * 64, body="NEW " * 20000))
    """
)


def test_kill_9_mid_write_leaves_no_partial_record(tmp_path):
    out, marker = tmp_path / "out", tmp_path / "marker"
    store = Store(out)
    store.commit_record(make_record(sha="a" * 64))
    script = tmp_path / "child.py"
    script.write_text(KILL_MID_WRITE.format(root=str(ROOT)))
    child = subprocess.Popen([sys.executable, str(script), str(out), str(marker)], cwd=ROOT)
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert child.poll() is None, "child exited before it reached the write"
            assert time.monotonic() < deadline
            time.sleep(0.02)
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
    # The killed writer left its temporary file, but the record is the old, complete one.
    temps = list((out / "records").glob(".*.tmp"))
    assert temps, "the child should have died with its temp file written"
    record = store.read_record("kkr-test-2026-01-01")
    assert record.source.sha256 == "a" * 64 and record.meeting.body == "KKR Test"
    assert store.record_ids() == ["kkr-test-2026-01-01"]
    assert len(store.history("kkr-test-2026-01-01")) == 1  # the old version was kept first
    assert store.remove_stale_temp_files() >= 1
    assert not list(out.rglob("*.tmp"))


def test_atomic_write_text_replaces_whole_file(tmp_path):
    target = tmp_path / "a" / "b.json"
    atomic_write_text(target, "one")
    atomic_write_text(target, "two")
    assert target.read_text() == "two"
    assert [p.name for p in target.parent.iterdir()] == ["b.json"]


def test_manifest_survives_a_line_cut_short(tmp_path):
    store = Store(tmp_path)
    store.append_manifest({"event": "processed", "sha256": "a" * 64, "record_id": "r1", "extractor_version": "1", "path": "x"})
    with open(tmp_path / "manifest.jsonl", "a") as handle:
        handle.write('{"event": "processed", "sha256": "bbbb')  # a writer killed mid-line
    store.append_manifest({"event": "failed", "sha256": "c" * 64, "extractor_version": "1", "path": "y",
                           "error": {"code": "corrupt", "message": "m", "retryable": False}})
    entries = store.manifest_entries()
    assert [e["sha256"][:1] for e in entries] == ["a", "c"]
    state = store.manifest_state()
    assert set(state) == {"a" * 64, "c" * 64}
    assert state["a" * 64].status == "ok" and state["c" * 64].status == "failed"
    assert not state["c" * 64].retryable


def test_manifest_state_folds_events_per_document(tmp_path):
    store = Store(tmp_path)
    sha = "d" * 64
    store.append_manifest(
        {"event": "failed", "sha256": sha, "extractor_version": "1", "path": "a.txt",
         "error": {"code": "io_error", "message": "m", "retryable": True}},
        {"event": "processed", "sha256": sha, "record_id": "r", "extractor_version": "1", "path": "a.txt"},
        {"event": "seen", "sha256": sha, "extractor_version": "1", "path": "renamed.txt"},
        {"event": "run", "flow": "ingest", "processed": 1},
    )
    doc = store.manifest_state()[sha]
    assert doc.status == "ok" and doc.record_id == "r" and doc.paths == ["a.txt", "renamed.txt"]
    assert len(store.runs()) == 1


def test_quarantine_files_the_document_with_its_reason_and_releases_it(tmp_path):
    doc = tmp_path / "bad.txt"
    doc.write_bytes(b"\x00bad")
    store = Store(tmp_path / "out")
    sha = "e" * 64
    where = store.quarantine(doc, sha, "undecodable_text", "NUL bytes", extractor_version="1")
    reason = json.loads(Path(where).read_text())
    assert reason["code"] == "undecodable_text" and reason["message"] == "NUL bytes" and reason["sha256"] == sha
    assert (tmp_path / "out" / "quarantine" / f"{sha[:12]}-bad.txt").read_bytes() == b"\x00bad"
    assert len(store.quarantined()) == 1
    store.release_quarantine(sha)
    assert store.quarantined() == [] and not list((tmp_path / "out" / "quarantine").iterdir())


HOLD_LOCK = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    sys.path.insert(0, {root!r})
    from pipeline.store import Store
    with Store(sys.argv[1]).lock(timeout=5):
        Path(sys.argv[2]).write_text("locked")
        time.sleep(60)
    """
)


def test_lock_excludes_other_processes_and_dies_with_its_holder(tmp_path):
    out, marker = tmp_path / "out", tmp_path / "marker"
    script = tmp_path / "hold.py"
    script.write_text(HOLD_LOCK.format(root=str(ROOT)))
    child = subprocess.Popen([sys.executable, str(script), str(out), str(marker)])
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert child.poll() is None and time.monotonic() < deadline
            time.sleep(0.02)
        with pytest.raises(StoreLocked, match="locked by another run"):
            with Store(out).lock(timeout=0.5):
                pass
        os.kill(child.pid, signal.SIGKILL)  # no chance to clean up: the kernel drops the flock
        child.wait(timeout=10)
        with Store(out).lock(timeout=5):
            pass
    finally:
        if child.poll() is None:
            child.kill()


def test_fsspec_memory_store_with_lease_lock():
    store = Store("memory://referat-test-store")
    store.commit_record(make_record(sha="a" * 64))
    store.commit_record(make_record(sha="b" * 64, body="B"))
    assert store.read_record("kkr-test-2026-01-01").meeting.body == "B"
    assert len(store.history("kkr-test-2026-01-01")) == 1
    store.append_manifest({"event": "processed", "sha256": "a" * 64, "extractor_version": "1", "path": "p"})
    store.append_manifest({"event": "processed", "sha256": "b" * 64, "extractor_version": "1", "path": "q"})
    assert len(store.manifest_state()) == 2
    with store.lock(timeout=1):
        with pytest.raises(StoreLocked):
            with Store("memory://referat-test-store").lock(timeout=0.3):
                pass
    with store.lock(timeout=1):  # released
        pass


def test_store_status_counts(tmp_path):
    store = Store(tmp_path)
    store.commit_record(make_record())
    store.append_manifest(
        {"event": "processed", "sha256": "a" * 64, "record_id": "kkr-test-2026-01-01", "extractor_version": "old", "path": "a"},
        {"event": "failed", "sha256": "f" * 64, "extractor_version": "new", "path": "b", "file_name": "b",
         "error": {"code": "empty", "message": "file is empty", "retryable": False}},
        {"event": "run", "flow": "ingest", "at": "t", "processed": 1, "skipped": 0, "failed": 1, "seconds": 0.5},
    )
    status = store_status(store, version="new")
    assert (status["documents"], status["ok"], status["failed"], status["outdated"]) == (2, 1, 1, 1)
    assert status["records"] == 1 and status["last_run"]["failed"] == 1
    assert status["failures"][0]["code"] == "empty"


def test_manifest_survives_line_separators_and_undecodable_names(tmp_path):
    """U+2028 in a value and a file name that is not UTF-8 neither split nor break a manifest line."""
    from pipeline.store import Store

    store = Store(str(tmp_path / "out"))
    store.append_manifest({"event": "seen", "path": "a\u2028b.txt", "sha256": "0" * 64},
                          {"event": "seen", "path": "M\udcf8de.txt", "sha256": "1" * 64})
    assert [e["path"] for e in store.manifest_entries()] == ["a\u2028b.txt", "M\udcf8de.txt"]


def test_a_file_name_that_is_not_utf8_is_processed(tmp_path):
    import os

    from pipeline.flows import process_file
    from loaders import sha256_of
    from pipeline.store import Store
    from tests.helpers import SAMPLE

    raw = tmp_path / "raw"
    raw.mkdir()
    path = raw / os.fsdecode(b"M\xf8de.txt")  # Latin-1 bytes in a Linux file name
    path.write_bytes(SAMPLE.read_bytes())
    store = Store(str(tmp_path / "out"))
    outcome = process_file(path, sha256_of(path.read_bytes()), store)
    assert outcome["event"] == "processed", outcome
    assert store.read_record(outcome["record_id"]).source.file_name == "M\ufffdde.txt"
