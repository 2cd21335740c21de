"""Running unattended on a shared server (issue 11): every file the scan sees is accounted for,
retries are capped, nothing outside the inbox is read, the store is group-readable and a failing
store ends in a summary, not a traceback. Each test reproduces one defect found by the probe.

Most tests use `ingest_direct` (the flow's work without Prefect); the ones marked by their name
go through the Prefect flow or the CLI."""

from __future__ import annotations

import errno
import json
import os
import shutil
import stat
import subprocess
import sys
import textwrap
from collections import Counter
from pathlib import Path

from typer.testing import CliRunner

import extractors
from pipeline import ingest as ingest_mod
from pipeline import process as process_mod
from pipeline.cli import app
from pipeline.ingest import ingest_direct
from pipeline.store import Store, quarantine_stem, store_status
from schemas.record import MeetingRecord
from tests.test_flows import MINUTES, OTHER, ROOT, make_inbox

runner = CliRunner()
RECORD_ID = "kkr-hovedstaden-2026-06-16"


def accounted(summary: dict) -> None:
    """The accounting rule: every file the scan saw is processed, skipped or failed, once."""
    assert summary["processed"] + summary["skipped"] + summary["failed"] == summary["seen"], summary
    assert sum(summary["skipped_reasons"].values()) == summary["skipped"], summary


def skipped_events(store: Store) -> list[dict]:
    return [e for e in store.manifest_entries() if e.get("event") == "skipped"]


def unreadable(monkeypatch, *paths: Path) -> None:
    """Make `paths` unreadable: chmod 000, and since root reads those anyway, also what the scan
    and the hashing ask (os.access, open)."""
    targets = {str(p) for p in paths}
    for p in paths:
        p.chmod(0)
    real_access, real_open = os.access, os.open

    def access(path, mode, *a, **kw):  # noqa: ANN001
        if os.fspath(path) in targets and mode & os.R_OK:
            return False
        return real_access(path, mode, *a, **kw)

    def open_(path, flags, *a, **kw):  # noqa: ANN001
        if os.fspath(path) in targets:
            raise PermissionError(errno.EACCES, "Permission denied", os.fspath(path))
        return real_open(path, flags, *a, **kw)

    monkeypatch.setattr(os, "access", access)
    monkeypatch.setattr(os, "open", open_)


# -- retried forever -------------------------------------------------------------------------


def test_a_bad_file_with_a_long_name_is_quarantined_once_and_not_retried(tmp_path):
    raw, out = tmp_path / "raw", tmp_path / "out"
    raw.mkdir()
    name = ("Referat af møde i økonomiudvalget " * 8).encode()[:248].decode("utf-8", "ignore") + ".txt"
    assert 245 <= len(name.encode()) <= 255  # fits the inbox; <sha12>-name.error.json did not fit quarantine/
    (raw / name).write_bytes(b"\x00\x01\x02 not text at all")
    first = ingest_direct(str(raw), str(out))
    assert first["failed"] == 1 and first["failures"][0]["code"] == "undecodable_text", first
    quarantined = Store(out).quarantined()
    assert [q["file_name"] for q in quarantined] == [name] and quarantined[0]["retryable"] is False
    assert all(len(os.fsencode(p.name)) <= 255 for p in (out / "quarantine").iterdir())

    second = ingest_direct(str(raw), str(out))
    assert (second["failed"], second["skipped_reasons"]) == (0, {"already_failed": 1}), second
    accounted(second)


def test_quarantine_names_fit_any_file_system_and_stay_distinct():
    sha = "a" * 64
    long_a, long_b = "æ" * 200 + "-a.pdf", "æ" * 200 + "-b.pdf"
    stems = {quarantine_stem(sha, long_a), quarantine_stem(sha, long_b)}
    assert len(stems) == 2
    for stem in stems:
        assert len((stem + ".error.json").encode()) <= 255 and stem.startswith(sha[:12] + "-æ")
        assert stem.endswith(".pdf")
    assert quarantine_stem(sha, "bad.txt") == f"{sha[:12]}-bad.txt"  # short names as before
    undecodable = quarantine_stem(sha, os.fsdecode(b"M\xf8de.txt"))
    assert undecodable.encode("utf-8") and undecodable.endswith(".txt")


def _eio_for(monkeypatch, name: str, error: OSError) -> Counter:
    real = process_mod.build_record
    calls: Counter = Counter()

    def flaky(path: Path, **kwargs):
        calls[path.name] += 1
        if path.name == name:
            raise error
        return real(path, **kwargs)

    monkeypatch.setattr(process_mod, "build_record", flaky)
    return calls


def test_an_io_error_is_retried_by_three_runs_then_failed_for_good_until_the_version_changes(
        tmp_path, monkeypatch):
    raw, out = make_inbox(tmp_path / "raw"), tmp_path / "out"
    calls = _eio_for(monkeypatch, MINUTES.name, OSError(errno.EIO, "Input/output error"))
    for run in range(3):
        summary = ingest_direct(str(raw), str(out))
        assert MINUTES.name in {f["file"] for f in summary["failures"]}, (run, summary)
        assert {f["code"] for f in summary["failures"] if f["file"] == MINUTES.name} == {"io_error"}
    assert calls[MINUTES.name] == 3
    fourth = ingest_direct(str(raw), str(out))
    assert calls[MINUTES.name] == 3 and fourth["failed"] == 0, "failed for good after 3 runs"
    assert fourth["skipped_reasons"] == {"already_done": 4, "already_failed": 2}
    accounted(fourth)
    status = store_status(Store(out))
    failure = next(f for f in status["failures"] if f["file_name"] == MINUTES.name)
    assert failure["code"] == "io_error" and failure["retryable"] is False and failure["io_failures"] == 3
    text = runner.invoke(app, ["status", "--out", str(out)]).output
    assert "failed for good after 3 runs" in text

    monkeypatch.setattr(extractors, "EXTRACTOR_VERSION", extractors.EXTRACTOR_VERSION + "+next")
    ingest_direct(str(raw), str(out))
    assert calls[MINUTES.name] == 4, "a new extractor version tries it again"


def test_an_os_error_a_retry_cannot_cure_is_failed_at_once(tmp_path, monkeypatch):
    raw, out = make_inbox(tmp_path / "raw"), tmp_path / "out"
    calls = _eio_for(monkeypatch, MINUTES.name, OSError(errno.ENAMETOOLONG, "File name too long"))
    first = ingest_direct(str(raw), str(out))
    failure = next(f for f in first["failures"] if f["file"] == MINUTES.name)
    assert failure["code"] == "unreadable"
    ingest_direct(str(raw), str(out))
    assert calls[MINUTES.name] == 1, "not retryable: never tried again by this extractor version"


# -- silently skipped, silently done -----------------------------------------------------------


def test_unreadable_hidden_and_special_files_are_counted_recorded_and_shown(tmp_path, monkeypatch):
    raw, out = make_inbox(tmp_path / "raw"), tmp_path / "out"
    locked = raw / "locked.txt"
    shutil.copy(MINUTES, locked)
    locked.write_text(MINUTES.read_text(encoding="utf-8") + "\nændret\n", encoding="utf-8")
    (raw / ".DS_Store").write_bytes(b"junk")
    (raw / ".git").mkdir()
    (raw / ".git" / "config").write_text("x")
    os.mkfifo(raw / "pipe")
    unreadable(monkeypatch, locked)

    summary = ingest_direct(str(raw), str(out))
    assert summary["seen"] == 10  # 6 documents, the locked one, two hidden entries, the FIFO
    assert (summary["processed"], summary["failed"]) == (5, 1)
    assert summary["skipped_reasons"] == {"hidden": 2, "unreadable": 1, "special_file": 1}, summary
    accounted(summary)
    reasons = {Path(e["path"]).name: e["reason"] for e in skipped_events(Store(out))}
    assert reasons == {".DS_Store": "hidden", ".git": "hidden", "locked.txt": "unreadable", "pipe": "special_file"}

    status = runner.invoke(app, ["status", "--out", str(out)])
    assert status.exit_code == 0
    assert f"SKIPPED {locked}: unreadable" in status.output
    assert f"SKIPPED {raw / 'pipe'}: special_file: not a regular file (FIFO)" in status.output
    assert "skipped: 2 hidden, 1 special file, 1 unreadable" in status.output


def test_a_file_that_cannot_be_opened_when_hashed_is_skipped_as_unreadable(tmp_path, monkeypatch):
    raw, out = make_inbox(tmp_path / "raw"), tmp_path / "out"
    real = ingest_mod.file_sha256

    def refuse(path: Path) -> str:
        if path.name == MINUTES.name:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(ingest_mod, "file_sha256", refuse)
    summary = ingest_direct(str(raw), str(out))
    assert summary["skipped_reasons"] == {"unreadable": 1} and summary["seen"] == 6
    accounted(summary)
    assert [e["path"] for e in skipped_events(Store(out))] == [str(raw / MINUTES.name)]


def test_process_of_a_fifo_or_an_unreadable_file_is_an_error(tmp_path, monkeypatch):
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    result = runner.invoke(app, ["process", "--direct", str(fifo), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    assert "special_file: not a regular file (FIFO)" in result.output

    folder = make_inbox(tmp_path / "raw")
    (folder / "broken.txt").unlink()
    os.mkfifo(folder / "pipe")
    result = runner.invoke(app, ["process", "--direct", str(folder), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1, "a folder with a FIFO in it: the rest is done, the exit says so"
    assert "SKIPPED" in result.output and "special_file" in result.output
    assert len(Store(tmp_path / "out").record_ids()) == 5

    locked = tmp_path / "locked.txt"
    shutil.copy(MINUTES, locked)
    unreadable(monkeypatch, locked)
    result = runner.invoke(app, ["process", "--direct", str(locked), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    assert "not readable" in result.output or "unreadable" in result.output, result.output


def test_status_of_a_missing_store_is_an_error(tmp_path):
    missing = runner.invoke(app, ["status", "--out", str(tmp_path / "missing")])
    assert missing.exit_code == 2 and "no store at" in missing.output
    (tmp_path / "empty").mkdir()
    empty = runner.invoke(app, ["status", "--out", str(tmp_path / "empty")])
    assert empty.exit_code == 2 and "no manifest.jsonl" in empty.output


# -- two files of one meeting ------------------------------------------------------------------


def _variant(target: Path, extra: str) -> Path:
    target.write_text(MINUTES.read_text(encoding="utf-8") + extra, encoding="utf-8")
    return target


def test_two_files_of_one_meeting_the_newer_wins_and_names_the_other(tmp_path):
    raw, out = tmp_path / "raw", tmp_path / "out"
    raw.mkdir()
    # "b" is written last but is the older export; "a" is processed first and is the newer file.
    a = _variant(raw / "a-export.txt", "\n\n")  # the same text: only the newer file decides
    b = _variant(raw / "b-export.txt", "\n")
    os.utime(b, (1_700_000_000, 1_700_000_000))
    summary = ingest_direct(str(raw), str(out))
    assert (summary["processed"], summary["skipped_reasons"], summary["seen"]) == (1, {"duplicate_source": 1}, 2)
    accounted(summary)
    store = Store(out)
    record = store.read_record(RECORD_ID)
    assert record.source.file_name == a.name
    assert [(x.file_name, x.system) for x in record.source.alternatives] == [(b.name, "text")]
    warning = next(w for w in record.warnings if w.code == "duplicate_source")
    assert b.name in warning.message and "newer file" in warning.message
    assert [e["path"] for e in skipped_events(store)] == [str(b)]
    assert [e["record_id"] for e in store.manifest_entries() if e.get("event") == "duplicate_source"] == [RECORD_ID]
    assert len(store.history(RECORD_ID)) >= 1, "the version b wrote is kept, not lost"

    again = ingest_direct(str(raw), str(out))
    assert again["skipped_reasons"] == {"already_done": 2}
    assert store.read_record(RECORD_ID) == record

    # The manual rerun of the losing file keeps the winner and says so.
    rerun = runner.invoke(app, ["process", "--direct", str(b), "--out", str(out)])
    assert rerun.exit_code == 0, rerun.output
    assert "wins by the rule" in rerun.output
    assert store.read_record(RECORD_ID).source.file_name == a.name

    # With the other file gone, the meeting has one source again.
    a.unlink()
    runner.invoke(app, ["process", "--direct", str(b), "--out", str(out)])
    assert store.read_record(RECORD_ID).source.alternatives == []


def test_a_pdf_of_the_meeting_wins_over_its_text(tmp_path):
    from tests.pdf_fixtures import render_sample

    raw, out = tmp_path / "raw", tmp_path / "out"
    raw.mkdir()
    shutil.copy(MINUTES, raw / "z-minutes.txt")  # processed after the PDF: the last one written
    render_sample(raw / "minutes.pdf")
    summary = ingest_direct(str(raw), str(out))
    assert (summary["processed"], summary["skipped_reasons"]) == (1, {"duplicate_source": 1}), summary
    record = Store(out).read_record(RECORD_ID)
    assert (record.source.file_name, record.source.system) == ("minutes.pdf", "pdf")
    assert [x.file_name for x in record.source.alternatives] == ["z-minutes.txt"]
    assert "pdf" in next(w.message for w in record.warnings if w.code == "duplicate_source")


# -- exposure ----------------------------------------------------------------------------------


def test_symlinks_out_of_the_inbox_are_never_followed(tmp_path):
    raw, out = make_inbox(tmp_path / "raw"), tmp_path / "out"
    outside = tmp_path / "secrets"
    outside.mkdir()
    shutil.copy(MINUTES, outside / "shadow.txt")  # would give a record if it were read
    (outside / "key.bin").write_bytes(b"\x00SECRET-KEY\x01" * 10)  # would be quarantined as a copy
    (raw / "shadow.txt").symlink_to(outside / "shadow.txt")
    (raw / "key.txt").symlink_to(outside / "key.bin")
    (raw / "sneaky.txt").symlink_to(Path("..") / "secrets" / "shadow.txt")
    (raw / "folder").symlink_to(outside, target_is_directory=True)
    (raw / "inside.txt").symlink_to(raw / MINUTES.name)  # inside: the same document, another name
    (raw / "dangling.txt").symlink_to(raw / "gone.txt")

    summary = ingest_direct(str(raw), str(out))
    assert summary["skipped_reasons"] == {"symlink_outside_inbox": 4, "duplicate_content": 1, "unreadable": 1}
    assert (summary["processed"], summary["failed"], summary["seen"]) == (5, 1, 12)
    accounted(summary)
    store = Store(out)
    assert len(store.record_ids()) == 5
    everything = b"".join(p.read_bytes() for p in out.rglob("*") if p.is_file())
    assert b"SECRET-KEY" not in everything and str(outside).encode() not in everything
    assert [q["file_name"] for q in store.quarantined()] == ["broken.txt"]


def test_store_files_follow_the_umask(tmp_path):
    old = os.umask(0o027)
    try:
        raw, out = make_inbox(tmp_path / "raw"), tmp_path / "out"
        ingest_direct(str(raw), str(out), force=True)
        ingest_direct(str(raw), str(out), force=True)
        Store(out).commit_record(Store(out).read_record(RECORD_ID).model_copy(update={"classification": ["x"]}))
    finally:
        os.umask(old)
    files = [p for p in out.rglob("*") if p.is_file() and p.name != ".lock"]
    kinds = {p.relative_to(out).parts[0] for p in files}
    assert {"records", "history", "quarantine", "manifest.jsonl"} <= kinds
    modes = {str(p.relative_to(out)): stat.S_IMODE(p.stat().st_mode) for p in files}
    assert set(modes.values()) == {0o640}, modes


# -- noise: a store that cannot be written -----------------------------------------------------


def _disk_full(monkeypatch, manifest_too: bool = True) -> None:
    def full(*_a, **_kw):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Store, "write_bytes", full)
    if manifest_too:
        monkeypatch.setattr(Store, "append_manifest", full)


def _consistent(out: Path) -> None:
    store = Store(out)
    for rid in store.record_ids():
        MeetingRecord.model_validate_json((out / "records" / f"{rid}.json").read_text())
    assert not list(out.rglob("*.tmp"))


def test_disk_full_stops_the_run_with_a_summary_and_the_next_run_catches_up(tmp_path, monkeypatch):
    raw, out = make_inbox(tmp_path / "raw"), tmp_path / "out"
    _disk_full(monkeypatch)
    summary = ingest_direct(str(raw), str(out))
    assert "No space left on device" in summary["error"]
    assert summary["processed"] + summary["failed"] + summary["skipped"] + summary["not_done"] == summary["seen"]
    _consistent(out)
    monkeypatch.undo()
    again = ingest_direct(str(raw), str(out))
    assert (again["processed"], again["failed"], again["error"]) == (5, 1, None)
    _consistent(out)


def test_cli_ingest_on_a_full_disk_prints_the_summary_not_a_traceback(tmp_path, monkeypatch, prefect_api):
    from pipeline import flows

    monkeypatch.setattr(flows.process_file_task, "retry_delay_seconds", [0, 0])
    raw, out = make_inbox(tmp_path / "raw"), tmp_path / "out"
    for doc in OTHER:
        (raw / doc.name).unlink()
    _disk_full(monkeypatch)
    result = runner.invoke(app, ["ingest", "--raw", str(raw), "--out", str(out)])
    assert result.exit_code == 4, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "ingest: 0 processed" in result.output and "STOPPED: OSError: [Errno 28] No space left on device" in \
        result.output
    _consistent(out)

    # Nothing to do and still a full disk: the quick path says so in one line.
    monkeypatch.undo()
    runner.invoke(app, ["ingest", "--raw", str(raw), "--out", str(out)])
    _disk_full(monkeypatch)
    quick = runner.invoke(app, ["ingest", "--raw", str(raw), "--out", str(out)])
    assert quick.exit_code == 4 and "ingest: stopped: the store" in quick.output and "No space left" in quick.output

    direct = runner.invoke(app, ["process", "--direct", str(raw / MINUTES.name), "--out", str(out)])
    assert direct.exit_code == 4 and "process: stopped at" in direct.output and "Traceback" not in direct.output


# -- ingest with nothing to do -----------------------------------------------------------------

NOTHING_TO_DO = textwrap.dedent(
    """
    import sys
    from pipeline.cli import app
    try:
        app(["ingest", "--raw", sys.argv[1], "--out", sys.argv[2]])
    except SystemExit as done:
        code = done.code
    print("EXIT", code, "PREFECT", any(m == "prefect" or m.startswith("prefect.") for m in sys.modules))
    """
)


def test_ingest_with_nothing_to_do_does_not_start_prefect(tmp_path):
    raw, out = make_inbox(tmp_path / "raw"), tmp_path / "out"
    (raw / ".hidden").write_text("x")
    ingest_direct(str(raw), str(out))
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    done = subprocess.run([sys.executable, "-c", NOTHING_TO_DO, str(raw), str(out)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert "EXIT 0 PREFECT False" in done.stdout, done.stdout + done.stderr
    assert "ingest: 0 processed (0 not minutes, 0 unchanged), 7 skipped, 0 failed" in done.stdout
    assert "skipped: 5 already done, 1 already failed, 1 hidden" in done.stdout
    runs = Store(out).runs()
    assert len(runs) == 2 and runs[-1]["seen"] == 7 and runs[-1]["run_id"]
    assert [Path(e["path"]).name for e in skipped_events(Store(out)) if e["run_id"] == runs[-1]["run_id"]] == [
        ".hidden"]


# -- the flow: every file accounted for --------------------------------------------------------


def test_the_ingest_flow_accounts_for_every_file(tmp_path, monkeypatch, prefect_api):
    from pipeline.flows import ingest
    from pipeline.prefect_env import fast_flow_runs

    raw, out = make_inbox(tmp_path / "raw"), tmp_path / "out"
    shutil.copy(OTHER[0], raw / "copy.txt")
    (raw / ".hidden.txt").write_text("x")
    os.mkfifo(raw / "pipe")
    (raw / "out.txt").symlink_to(MINUTES)
    locked = _variant(raw / "locked.txt", "\nlåst\n")
    unreadable(monkeypatch, locked)
    with fast_flow_runs():
        first = ingest(raw=str(raw), out=str(out))
        second = ingest(raw=str(raw), out=str(out))
    assert first["seen"] == second["seen"] == 11
    assert (first["processed"], first["failed"]) == (5, 1)
    assert first["skipped_reasons"] == {"duplicate_content": 1, "hidden": 1, "special_file": 1,
                                        "symlink_outside_inbox": 1, "unreadable": 1}
    assert second["skipped_reasons"] == {"already_done": 6, "already_failed": 1, "hidden": 1, "special_file": 1,
                                         "symlink_outside_inbox": 1, "unreadable": 1}
    for summary in (first, second):
        accounted(summary)
    runs = Store(out).runs()
    assert [r["seen"] for r in runs] == [11, 11]
    events = [e for e in skipped_events(Store(out)) if e["run_id"] == runs[-1]["run_id"]]
    assert sorted(e["reason"] for e in events) == ["hidden", "special_file", "symlink_outside_inbox", "unreadable"]
    assert json.loads(runner.invoke(app, ["status", "--out", str(out), "--json"]).output)["skipped"] == [
        {k: e.get(k) for k in ("path", "reason", "message", "sha256", "record_id")} for e in events]
