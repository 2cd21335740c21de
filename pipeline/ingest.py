"""The plain work of ingesting: scan the inbox, plan from the manifest, process one document,
quarantine, summarise, rerun one document. No Prefect here: `minutes process` (the direct rerun)
imports only this, and `pipeline.flows` orchestrates these functions as Prefect tasks and flows.

Idempotence is the store's job, keyed on the sha256 of the content and the extractor version.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import stat
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import extractors
from pipeline.assemble import assemble, group_parts, parts_of
from pipeline.store import Store, max_io_retries, now_iso
from schemas.record import MeetingRecord



def extractor_version() -> str:
    """The version of the extractor code now installed (read at call time)."""
    return extractors.EXTRACTOR_VERSION


def file_sha256(path: Path) -> str:
    """sha256 of a regular file's bytes. Opened without blocking and checked after opening, so a
    FIFO or device put where a document was scanned raises OSError instead of hanging the run."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    with open(fd, "rb", closefd=True) as handle:
        mode = os.fstat(handle.fileno()).st_mode
        if not stat.S_ISREG(mode):
            raise OSError(errno.EINVAL, f"not a regular file ({_kind(mode)})", str(path))
        digest = hashlib.sha256()
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# -- the scan: every entry of the inbox is either a file to plan or a skip with its reason --------

# Why a file the scan (or the plan) saw is not processed in this run. Every reason but the two
# "already" ones is written to the manifest as a "skipped" event of its own, so `minutes status`
# lists it; the already done or failed are documents the manifest knows.
SKIP_REASONS = {
    "hidden": "hidden file or folder (name starts with '.'); a folder is not searched",
    "unreadable": "cannot be read",
    "special_file": "not a regular file",
    "symlink_outside_inbox": "a symbolic link to a place outside the inbox is never followed",
    "symlink_folder": "a symbolic link to a folder is not followed (its files are seen where they are)",
    "duplicate_content": "the same bytes as another file of this run (recorded as another name of it)",
    "duplicate_source": "another file of the same meeting (same record id) wins; named in its record",
    "already_done": "processed before by this extractor version",
    "already_failed": "failed before by this extractor version, for a reason a retry cannot fix",
}
ROUTINE_SKIPS = {"already_done", "already_failed"}
# Skips an operator has to look at: printed one per line by `ingest` and `process`.
NOTABLE_SKIPS = {"unreadable", "special_file", "symlink_outside_inbox", "symlink_folder", "duplicate_source"}


@dataclass
class Skip:
    path: Path
    reason: str  # a key of SKIP_REASONS
    message: str
    sha256: str | None = None
    record_id: str | None = None

    def event(self, run_id: str | None) -> dict[str, Any]:
        return {"event": "skipped", "reason": self.reason, "message": self.message, "path": str(self.path),
                "file_name": self.path.name, "sha256": self.sha256, "record_id": self.record_id,
                "at": now_iso(), "run_id": run_id}


@dataclass
class Scan:
    files: list[Path] = field(default_factory=list)  # regular files inside the inbox, to plan
    skipped: list[Skip] = field(default_factory=list)

    @property
    def seen(self) -> int:
        return len(self.files) + len(self.skipped)


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISFIFO, "FIFO"), (stat.S_ISSOCK, "socket"), (stat.S_ISCHR, "character device"),
                       (stat.S_ISBLK, "block device"), (stat.S_ISDIR, "folder"), (stat.S_ISLNK, "symbolic link")):
        if test(mode):
            return name
    return "regular file" if stat.S_ISREG(mode) else f"file of mode {oct(mode)}"


def _inside(real: str, root: str) -> bool:
    return real == root or real.startswith(root.rstrip(os.sep) + os.sep)


def _check_file(path: Path, mode: int) -> Skip | None:
    """A regular file that can be read, or why not (mode: the stat of what the path points to)."""
    if not stat.S_ISREG(mode):
        return Skip(path, "special_file", f"{SKIP_REASONS['special_file']} ({_kind(mode)})")
    if not os.access(path, os.R_OK):
        return Skip(path, "unreadable", f"{SKIP_REASONS['unreadable']}: permission denied")
    return None


def scan(raw: Path) -> Scan:
    """Every entry under the inbox `raw` (recursively, sorted), each either a file to plan or a
    skip with its reason: hidden files and folders, special files (FIFO, socket, device),
    unreadable files and folders, symbolic links that lead out of the inbox or to a folder.
    Nothing is opened here (a FIFO would block); `raw` itself may be a single file."""
    result = Scan()
    try:
        top = os.stat(raw)
    except OSError as err:
        result.skipped.append(Skip(raw, "unreadable", f"{SKIP_REASONS['unreadable']}: {err.strerror or err}"))
        return result
    if not stat.S_ISDIR(top.st_mode):  # one file named by the operator: links are taken as given
        skip = _check_file(raw, top.st_mode)
        (result.skipped.append(skip) if skip else result.files.append(raw))
        return result
    root = os.path.realpath(raw)
    _walk(raw, root, result)
    return result


def _walk(folder: Path, root: str, result: Scan) -> None:
    try:
        with os.scandir(folder) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError as err:
        result.skipped.append(Skip(folder, "unreadable", f"folder cannot be listed: {err.strerror or err}"))
        return
    for entry in entries:
        path = Path(entry.path)
        if entry.name.startswith("."):
            result.skipped.append(Skip(path, "hidden", SKIP_REASONS["hidden"]))
            continue
        try:
            if entry.is_symlink():
                real = os.path.realpath(path)
                if not _inside(real, root):
                    result.skipped.append(Skip(path, "symlink_outside_inbox", SKIP_REASONS["symlink_outside_inbox"]))
                    continue
                try:
                    mode = os.stat(path).st_mode
                except OSError as err:
                    result.skipped.append(Skip(path, "unreadable", f"broken symbolic link: {err.strerror or err}"))
                    continue
                if stat.S_ISDIR(mode):
                    result.skipped.append(Skip(path, "symlink_folder", SKIP_REASONS["symlink_folder"]))
                    continue
            else:
                mode = entry.stat(follow_symlinks=False).st_mode
                if stat.S_ISDIR(mode):
                    _walk(path, root, result)
                    continue
        except OSError as err:  # gone since the listing, or cannot be stat'ed
            result.skipped.append(Skip(path, "unreadable", f"{SKIP_REASONS['unreadable']}: {err.strerror or err}"))
            continue
        skip = _check_file(path, mode)
        (result.skipped.append(skip) if skip else result.files.append(path))


def scan_inbox(raw: Path) -> list[Path]:
    """The files under `raw` that would be planned (see `scan` for what is left out and why)."""
    return scan(raw).files


@dataclass
class Plan:
    todo: list[tuple[Path, str]] = field(default_factory=list)  # (path, sha256) to process
    skipped: list[Skip] = field(default_factory=list)  # every file not processed, with its reason
    seen: list[dict[str, Any]] = field(default_factory=list)  # manifest events for new names
    previous: dict[str, str] = field(default_factory=dict)  # sha256 -> record_id it had before
    present: dict[str, Path] = field(default_factory=dict)  # sha256 -> a path of it in this run's inbox
    files_seen: int = 0  # every entry the scan saw: len(todo) + len(skipped)


def plan_ingest(files: list[Path] | Scan, store: Store, version: str, force: bool = False) -> Plan:
    """Decide, from the manifest, which documents need work.

    A document is its content (sha256). It is skipped when the manifest already has it done
    (or failed for a reason a retry cannot fix, or failed by I/O errors in MAX_IO_RETRIES runs in
    a row) by the same extractor version; a renamed or copied file is recorded as another name
    of the document, never processed twice. Every file is either to do or skipped with a reason.
    """
    found = files if isinstance(files, Scan) else Scan(files=list(files))
    state = store.manifest_state()
    cap = max_io_retries()
    plan = Plan(skipped=list(found.skipped), files_seen=found.seen)
    in_this_run: set[str] = set()
    for path in found.files:
        try:
            sha = file_sha256(path)
        except OSError as err:  # unreadable, or gone or replaced since the scan
            plan.skipped.append(Skip(path, "unreadable", f"{SKIP_REASONS['unreadable']}: {err.strerror or err}"))
            continue
        doc = state.get(sha)
        if sha in in_this_run:
            plan.skipped.append(Skip(path, "duplicate_content", f"{SKIP_REASONS['duplicate_content']}: "
                                     f"{plan.present[sha].name}", sha))
            plan.seen.append(_seen(path, sha, version, None))
            continue
        plan.present[sha] = path
        capped = doc is not None and doc.retryable and doc.io_failures >= cap
        done = (
            doc is not None
            and doc.extractor_version == version
            and (doc.status == "ok" or not doc.retryable or capped)
            and not _ocr_now(doc)
        )
        if done and not force:
            if doc.status == "ok":
                plan.skipped.append(Skip(path, "already_done", SKIP_REASONS["already_done"], sha, doc.record_id))
            else:
                code = (doc.last.get("error") or {}).get("code")
                why = f"failed for good after I/O errors in {doc.io_failures} runs" if capped else "failed"
                plan.skipped.append(Skip(path, "already_failed", f"{why} ({code})", sha))
            if str(path) not in doc.paths:
                plan.seen.append(_seen(path, sha, version, doc.record_id))
            continue
        in_this_run.add(sha)
        plan.todo.append((path, sha))
        if doc is not None and doc.status == "ok" and doc.record_id:
            plan.previous[sha] = doc.record_id
    return plan


def _ocr_now(doc) -> bool:
    """A scan quarantined as `needs_ocr` (OCR was off, or Tesseract missing) is to do again once
    OCR can run."""
    if doc.status == "ok" or (doc.last.get("error") or {}).get("code") != "needs_ocr":
        return False
    from loaders.ocr import ocr_available

    return ocr_available()


def retire_replaced(store: Store, outcomes: list[dict[str, Any]], previous: dict[str, str],
                    run_id: str | None = None) -> list[dict[str, Any]]:
    """Documents whose record now has another id (e.g. a new extractor version added the
    authority to it): their old record goes to history, so records/ holds one per document."""
    events = []
    for outcome in outcomes:
        old = previous.get(outcome.get("sha256", ""))
        new = outcome.get("record_id")
        if outcome.get("event") != "processed" or not old or old == new:
            continue
        kept = store.retire_record(old, outcome["sha256"])
        if kept:
            events.append({"event": "retired", "record_id": old, "replaced_by": new, "sha256": outcome["sha256"],
                           "history": kept, "at": now_iso(), "run_id": run_id})
    if events:
        store.append_manifest(*events)
    return events


def _seen(path: Path, sha: str, version: str, record_id: str | None) -> dict[str, Any]:
    return {
        "event": "seen",
        "sha256": sha,
        "path": str(path),
        "file_name": path.name,
        "record_id": record_id,
        "extractor_version": version,
        "at": now_iso(),
    }


_COMMITTING = threading.Lock()


def parallel_documents() -> int:
    """How many documents `ingest` reads at once by default: one per core (at most 4), each in its
    own isolated child process while the flow's threads wait; one where documents are read
    in-process (the threads would only share one interpreter)."""
    from loaders.policy import isolation_mode

    if isolation_mode() != "fork":
        return 1
    return max(1, min(4, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1))


class Prefetch:
    """Records of a plan's first documents built while Prefect starts (`minutes ingest`: its
    temporary server and the flow run take several seconds in which no document would be read),
    in the order the flow submits them, one core left to Prefect; `process_file` takes a
    document's record (or the error building it raised) from here instead of building it again.
    The same `build_record`, so the same records; the flow still stores, quarantines and retries
    each (a retry builds afresh). Once the flow takes its first document, nothing more is started
    here: the flow's own threads build the rest, as many at a time as it runs."""

    def __init__(self, todo: list[tuple[Path, str]], store: Store, workers: int, ahead: int = 64) -> None:
        from concurrent.futures import ThreadPoolExecutor

        self.store = store
        self.pool = ThreadPoolExecutor(max(1, workers), thread_name_prefix="referat-prefetch")
        self.stopped = False
        self.started = False  # has the flow taken a document yet?
        self.futures = {(str(path), sha): self.pool.submit(self._build, path) for path, sha in todo[:ahead]}

    def _build(self, path: Path) -> MeetingRecord:
        if self.stopped:
            raise RuntimeError("prefetch stopped")
        from pipeline import process as _process
        from pipeline.entity_cache import store_cache_path

        return _process.build_record(path, entity_cache=store_cache_path(self.store))

    def take(self, path: Path, sha256: str):
        """The future of the record of `path` (with this content), or None (not prefetched, or
        taken before, or never started): the caller builds it."""
        if self.stopped:
            return None
        if not self.started:
            self.started = True
            for future in self.futures.values():
                future.cancel()  # those not started yet: the flow is running now
        future = self.futures.pop((str(path), sha256), None)
        return None if future is None or future.cancelled() else future

    def close(self) -> None:
        """Stop building (what is being built finishes; nothing else starts)."""
        self.stopped = True
        self.pool.shutdown(wait=True, cancel_futures=True)
        self.futures.clear()


_prefetch: Prefetch | None = None


def start_prefetch(todo: list[tuple[Path, str]], store: Store, workers: int) -> Prefetch | None:
    """Start building the records of `todo` now (see Prefetch); None where documents are read
    in-process (the builds would hold the interpreter the flow is starting in)."""
    global _prefetch
    from loaders.policy import isolation_mode

    if isolation_mode() != "fork" or not todo:
        return None
    _prefetch = Prefetch(todo, store, workers - 1)  # a core for Prefect's start
    return _prefetch


def stop_prefetch() -> None:
    global _prefetch
    if _prefetch is not None:
        _prefetch.close()
        _prefetch = None


def _built(path: Path, sha256: str, store: Store) -> MeetingRecord:
    """The record of `path`: the one prefetched for this content, or built now."""
    prefetch = _prefetch
    future = prefetch.take(path, sha256) if prefetch is not None and prefetch.store.url == store.url else None
    if future is not None and not future.cancelled():
        return future.result()
    from pipeline import process as _process
    from pipeline.entity_cache import store_cache_path

    return _process.build_record(path, entity_cache=store_cache_path(store))


def process_file(path: Path, sha256: str, store: Store) -> dict[str, Any]:
    """Build, validate and store the record of one document; quarantine it if it is bad.

    Returns the manifest event. A bad document (DocumentError) or a bug in an extractor becomes
    a "failed" event with its error and never raises; an OSError propagates, because reading or
    writing again may well succeed (the task's retry policy handles it).
    """
    from loaders.errors import DocumentError

    version = extractor_version()
    started = time.perf_counter()
    base = {"path": str(path), "file_name": path.name, "sha256": sha256, "extractor_version": version, "at": now_iso()}
    try:
        record = _built(path, sha256, store)  # spaCy and the extractors: only when there is work
    except DocumentError as err:
        return fail(store, path, base, err.code, err.message, started, retryable=False)
    except OSError as err:
        if is_retryable(err):
            raise
        return fail(store, path, base, "unreadable", f"{type(err).__name__}: {err}", started, retryable=False)
    except Exception as err:  # noqa: BLE001 - an extractor bug must not stop the run
        return fail(store, path, base, "internal_error", f"{type(err).__name__}: {err}", started, retryable=False)
    try:
        with _COMMITTING:  # documents read in parallel threads (ingest's default) commit one at a time
            result = store.commit_record(record)
    except OSError as err:
        if is_retryable(err):
            raise
        return fail(store, path, base, "store_error", f"{type(err).__name__}: {err}", started, retryable=False)
    except ValueError as err:  # the record does not match the schema: never stored, never retried
        return fail(store, path, base, "invalid_record", f"{type(err).__name__}: {err}", started, retryable=False)
    store.release_quarantine(record.source.sha256)
    return {
        **base,
        "event": "processed",
        "sha256": record.source.sha256,
        "record_id": record.record_id,
        "document_type": record.document_type,
        "record_extractor_version": record.extractor_version,
        "changed": result.changed,
        "previous_version": result.previous,
        "warnings": len(record.warnings),
        "seconds": round(time.perf_counter() - started, 4),
        "error": None,
    }


# OSErrors that reading or writing again will not cure: failed at once, never retried.
PERMANENT_ERRNOS = {errno.ENAMETOOLONG, errno.ELOOP, errno.EISDIR, errno.ENOTDIR, errno.EINVAL, errno.ENXIO}


def is_retryable(err: BaseException) -> bool:
    """Only I/O errors are retried (in the run by the task's retries, in later runs up to
    MAX_IO_RETRIES times); a parse error or a name the file system refuses fails the same way again."""
    return isinstance(err, OSError) and err.errno not in PERMANENT_ERRNOS


def fail(
    store: Store,
    path: Path,
    base: dict[str, Any],
    code: str,
    message: str,
    started: float,
    *,
    retryable: bool,
) -> dict[str, Any]:
    where = store.quarantine(
        path, base["sha256"], code, message, extractor_version=base["extractor_version"], retryable=retryable
    )
    return {
        **base,
        "event": "failed",
        "record_id": None,
        "seconds": round(time.perf_counter() - started, 4),
        "error": {"code": code, "message": message, "retryable": retryable, "quarantine": where},
    }


@dataclass
class Summary:
    """A run's counts. Every file the scan saw is in exactly one of processed, skipped and failed
    (`not_done`: those an aborted run never reached), so
    processed + skipped + failed + not_done == seen."""

    flow: str
    started: str
    seconds: float
    seen: int = 0
    processed: int = 0
    not_minutes: int = 0
    unchanged: int = 0
    skipped: int = 0
    failed: int = 0
    not_done: int = 0
    skipped_reasons: dict[str, int] = field(default_factory=dict)
    failures: list[dict[str, str]] = field(default_factory=list)
    notices: list[dict[str, str]] = field(default_factory=list)  # the NOTABLE_SKIPS, one per file
    error: str | None = None  # why the run stopped before its end (the store could not be written)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def summarize(flow_name: str, started: str, seconds: float, outcomes: list[dict[str, Any]],
              skipped: int | list[Skip], seen: int | None = None, not_done: int = 0,
              error: str | None = None) -> Summary:
    skips = [] if isinstance(skipped, int) else list(skipped)
    s = Summary(flow=flow_name, started=started, seconds=round(seconds, 3), not_done=not_done, error=error)
    s.skipped = skipped if isinstance(skipped, int) else 0
    for o in outcomes:
        if o["event"] == "processed" and o.get("duplicate_of"):  # lost to another file of its meeting
            skips.append(Skip(Path(o["path"]), "duplicate_source", o.get("duplicate_message", ""),
                              o["sha256"], o.get("record_id")))
        elif o["event"] == "processed":
            s.processed += 1
            s.not_minutes += o.get("document_type") == "not_minutes"
            s.unchanged += not o.get("changed", True)
        else:
            s.failed += 1
            s.failures.append({"file": o["file_name"], "code": o["error"]["code"], "message": o["error"]["message"]})
    for skip in skips:
        s.skipped += 1
        s.skipped_reasons[skip.reason] = s.skipped_reasons.get(skip.reason, 0) + 1
        if skip.reason in NOTABLE_SKIPS:
            s.notices.append({"file": str(skip.path), "reason": skip.reason, "message": skip.message})
    s.seen = seen if seen is not None else s.processed + s.skipped + s.failed + s.not_done
    return s


def summary_text(s: Summary) -> str:
    line = (
        f"{s.flow}: {s.processed} processed ({s.not_minutes} not minutes, {s.unchanged} unchanged), "
        f"{s.skipped} skipped, {s.failed} failed in {s.seconds:.2f} s ({s.seen} files seen)"
    )
    lines = [line]
    if s.skipped_reasons:
        lines.append("  skipped: " + ", ".join(f"{n} {r.replace('_', ' ')}" for r, n in sorted(s.skipped_reasons.items())))
    lines += [f"  SKIPPED {n['file']}: {n['reason']}: {n['message']}" for n in s.notices]
    lines += [f"  FAILED {f['file']}: {f['code']}: {f['message']}" for f in s.failures]
    if s.error:
        lines.append(f"  STOPPED: {s.error}; {s.not_done} documents not done (the next run does them); "
                     "the store is consistent")
    return "\n".join(lines)


def summary_markdown(s: Summary, store_url: str) -> str:
    rows = [
        "| processed | not minutes | unchanged | skipped | failed | seconds | files seen |",
        "|---:|---:|---:|---:|---:|---:|---:|",
        f"| {s.processed} | {s.not_minutes} | {s.unchanged} | {s.skipped} | {s.failed} | {s.seconds:.2f} | {s.seen} |",
    ]
    if s.skipped_reasons:
        rows += ["", "| skipped because | files |", "|---|---:|"]
        rows += [f"| {r} | {n} |" for r, n in sorted(s.skipped_reasons.items())]
    if s.notices:
        rows += ["", "| skipped file | reason | message |", "|---|---|---|"]
        rows += [f"| {_md(n['file'])} | {n['reason']} | {_md(n['message'])} |" for n in s.notices]
    if s.failures:
        rows += ["", "| failed document | code | message |", "|---|---|---|"]
        rows += [f"| {f['file']} | {f['code']} | {_md(f['message'])} |" for f in s.failures]
    if s.error:
        rows += ["", f"**Stopped**: {_md(s.error)} ({s.not_done} documents not done)"]
    return f"## referat {s.flow}, {s.started}\n\nStore: `{store_url}`\n\n" + "\n".join(rows) + "\n"


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _io_failure(store: Store, path: Path, sha: str, err: BaseException) -> dict[str, Any]:
    """A task that failed for good: I/O still failing after the retries (quarantined, tried again
    next run) or anything else that escaped the task (quarantined, not retried)."""
    base = {"path": str(path), "file_name": path.name, "sha256": sha, "extractor_version": extractor_version(), "at": now_iso()}
    retryable = is_retryable(err)
    code = "io_error" if retryable else "unreadable" if isinstance(err, OSError) else "internal_error"
    try:
        return fail(store, path, base, code, f"{type(err).__name__}: {err}", time.perf_counter(), retryable=retryable)
    except OSError:
        return {**base, "event": "failed", "record_id": None, "seconds": 0.0,
                "error": {"code": code, "message": f"{type(err).__name__}: {err}", "retryable": retryable}}


class _Progress:
    """A progress bar on a terminal; elsewhere (a log, a pipe, CI) a line on stderr after every
    `every` seconds or 5 % of the documents (at most one a second). Off in deployments and tests."""

    def __init__(self, total: int, enabled: bool, every: float = 5.0, stream=None):
        self.bar = None
        self.lines = None
        self.total, self.done = total, 0
        if not (enabled and total):
            return
        stream = stream or sys.stderr
        if stream.isatty():
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            self.bar = Progress(
                TextColumn("ingest"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), transient=True
            )
            self.task = self.bar.add_task("ingest", total=total)
            self.bar.start()
        else:
            self.lines, self.every = stream, every
            self.started = self.last_time = time.monotonic()
            self.last_done = 0

    def advance(self) -> None:
        self.done += 1
        if self.bar:
            self.bar.advance(self.task)
        elif self.lines is not None:
            now = time.monotonic()
            step = max(1, -(-self.total // 20))  # 5 %
            since = now - self.last_time
            if self.done < self.total and (since >= self.every or (self.done - self.last_done >= step and since >= 1)):
                self.last_time, self.last_done = now, self.done
                elapsed = now - self.started
                left = elapsed / self.done * (self.total - self.done)
                print(f"ingest: {self.done}/{self.total} documents ({100 * self.done // self.total} %), "
                      f"{elapsed:.0f} s, about {left:.0f} s left", file=self.lines, flush=True)

    def close(self) -> None:
        if self.bar:
            self.bar.stop()


def auto_batch_size(documents: int, tasks: int = 32, largest: int = 16) -> int:
    """Documents per task run: 1 up to `tasks` documents, then spread over about `tasks` task runs
    with at most `largest` documents each.

    Measured on 2 cores (benchmarks/bench_ingest.py): a local Prefect server spends ~30 ms of CPU
    recording each task run and the flow ~5-15 ms more; prefect-dask adds ~110 ms per submitted
    task in the flow process. Against a text document's extraction (~170 ms with the entity
    layer, ~25 ms without) one task per document costs +7% (+50-90% without), 16 per task ~0%.
    """
    if documents <= tasks:
        return 1
    return min(largest, -(-documents // tasks))


# -- two files of one meeting --------------------------------------------------------------------

# Which of two files of the same meeting (same record id, other content) the record is read from:
# what a meeting system states outright beats markup, markup beats a PDF's layout, a PDF beats
# plain text; then the record with more items, then the more text placed, then the newer file.
SOURCE_RANK = {"firstagenda": 0, "firstagenda-html": 0, "sbsys": 0, "html": 1, "pdf": 2, "text": 3}
DUPLICATE_RULE = "meeting system > HTML > PDF > text, then more items, then the newer file"


def _source_key(record: MeetingRecord, path: Path) -> tuple:
    try:
        mtime = path.stat().st_mtime
    except OSError:
        mtime = 0.0
    share = record.coverage.share if record.coverage else 0.0
    return (SOURCE_RANK.get(record.source.system, 4), -len(record.items), -share, -mtime, record.source.sha256)


def _record_made_from(store: Store, record_id: str, sha: str, path: Path) -> MeetingRecord | None:
    """The record this extractor makes of document `sha`: the current one or the newest kept in
    history/ if it was made from `sha` by this extractor version, else read again from `path`."""
    version = extractor_version()
    current = store.read_record(record_id)
    if (current is not None and not current.source.parts and current.source.sha256 == sha
            and current.extractor_version == version):
        return current
    for kept in reversed(store.history(record_id)):
        if not kept.endswith(f"-{sha[:12]}.json"):
            continue
        try:
            with store.fs.open(kept, "rb") as handle:
                record = MeetingRecord.model_validate_json(handle.read())
        except (OSError, ValueError):
            continue
        if record.source.sha256 == sha and record.extractor_version == version and not record.source.parts:
            return record
        break
    from pipeline import process as _process

    try:
        record = _process.build_record(path)
    except Exception:  # noqa: BLE001 - it was processed a moment ago; if not now, it takes no part
        return None
    return record if record.record_id == record_id else None


def _with_alternatives(winner: MeetingRecord, losers: list[MeetingRecord]) -> MeetingRecord:
    data = winner.model_dump()
    data["source"]["alternatives"] = [
        {"file_name": r.source.file_name, "sha256": r.source.sha256, "media_type": r.source.media_type,
         "system": r.source.system}
        for r in sorted(losers, key=lambda r: (r.source.file_name, r.source.sha256))
    ]
    names = ", ".join(f"{a['file_name']} ({a['system']})" for a in data["source"]["alternatives"])
    data["warnings"] = [w for w in data["warnings"] if w["code"] != "duplicate_source"] + [{
        "code": "duplicate_source", "line": None,
        "message": f"the same meeting is also in {names}; this record is read from {winner.source.file_name} "
                   f"({winner.source.system}) by the rule {DUPLICATE_RULE}",
    }]
    return MeetingRecord.model_validate(data)


def _commit_assembled(store: Store, record_id: str, parts: list[MeetingRecord], present: dict[str, Path],
                      run_id: str | None, removed: list[str] = ()) -> dict[str, Any]:
    """Store the record assembled from the documents `parts` of one meeting (the version it replaces
    kept in history/); the manifest event that says so."""
    record = assemble(parts) if len(parts) > 1 else parts[0]
    event: dict[str, Any] = {"event": "assembled", "record_id": record_id, "at": now_iso(), "run_id": run_id,
                             "parts": [{"sha256": r.source.sha256, "path": str(present.get(r.source.sha256, ""))}
                                       for r in parts]}
    if removed:
        event["removed"] = list(removed)
    current = store.read_record(record_id)
    try:
        # an earlier assembly is a version of its own (kept in history/); one page's record of a
        # moment ago is replaced in place
        event["changed"] = store.commit_record(
            record, same_source_in_place=current is None or not current.source.parts).changed
    except ValueError as err:  # a bug: the record of the last document written stays, and the manifest says so
        print(f"parts of {record_id} not assembled: {type(err).__name__}: {err}", file=sys.stderr)
        event["error"] = f"{type(err).__name__}: {err}"
    return event


def settle_removed_parts(store: Store, present: dict[str, Path], run_id: str | None = None) -> list[dict[str, Any]]:
    """Records assembled from several documents one of which is gone (its file is nowhere the
    manifest saw it): assembled again from the others, the old version in history/, the gone
    document named in the event. A document that is only unreadable this run, or in another
    inbox, is not gone."""
    state = store.manifest_state()
    by_record: dict[str, list[str]] = {}
    for sha, doc in state.items():
        if doc.status == "ok" and doc.record_id:
            by_record.setdefault(doc.record_id, []).append(sha)
    events = []
    for record_id, shas in sorted(by_record.items()):
        if len(shas) < 2:
            continue
        current = store.read_record(record_id)
        if current is None or not current.source.parts:
            continue
        gone = [sha for sha in sorted(parts_of(current)) if sha in state and sha not in present
                and not any(Path(p).exists() for p in state[sha].paths)]
        if not gone:
            continue
        kept = []
        for part in current.source.parts:
            if part.sha256 in gone:
                continue
            path = present.get(part.sha256) or _live_path(state[part.sha256].paths, part.sha256)
            record = _record_made_from(store, record_id, part.sha256, path) if path else None
            if record is not None:
                kept.append(record)
                present = {**present, part.sha256: path}
        if kept:
            events.append(_commit_assembled(store, record_id, kept, present, run_id, removed=gone))
    return events


def resolve_duplicate_sources(store: Store, outcomes: list[dict[str, Any]], present: dict[str, Path],
                              run_id: str | None = None) -> list[dict[str, Any]]:
    """Where two files in the inbox give the same record id (a .txt and a .pdf of one meeting),
    make the record the one of the file that wins by SOURCE_RANK, naming the others in
    `source.alternatives` with a `duplicate_source` warning. The losers' outcomes of this run get
    `duplicate_of` (they count as skipped); their documents stay done (status ok, that record id)
    so they are not read again. Returns the manifest events; call after the run's outcomes are in
    the manifest, holding the lock. Without it the last file to be written would silently win."""
    touched = {o["record_id"] for o in outcomes if o.get("event") == "processed" and o.get("record_id")}
    if not touched:
        return []
    claims: dict[str, set[str]] = {}
    state = store.manifest_state()
    documents: dict[str, list[str]] = {}  # record id -> its documents done
    for sha, doc in state.items():
        if doc.status == "ok" and doc.record_id in touched:
            documents.setdefault(doc.record_id, []).append(sha)
            if sha in present:
                claims.setdefault(doc.record_id, set()).add(sha)
    for o in outcomes:
        if o.get("event") == "processed" and o.get("record_id") in touched and o["sha256"] in present:
            claims.setdefault(o["record_id"], set()).add(o["sha256"])
    present = dict(present)
    for record_id in sorted(claims):
        # the meeting's other documents still where they were ingested from (another inbox, a rerun
        # of one page): they take part as if they were here
        for sha in documents.get(record_id, []):
            path = present.get(sha) or _live_path(state[sha].paths, sha)
            if path is not None:
                present[sha] = path
                claims[record_id].add(sha)
    events = []
    for record_id, shas in sorted(claims.items()):
        if len(shas) < 2:
            continue
        candidates = []
        for sha in sorted(shas):
            record = _record_made_from(store, record_id, sha, present[sha])
            if record is not None:
                candidates.append((_source_key(record, present[sha]), record))
        if len(candidates) < 2:
            continue
        candidates.sort(key=lambda c: c[0])
        groups = group_parts([r for _, r in candidates])
        if len(groups) > 1:  # one page per item: the meeting is their union (of each page, the best copy)
            events.append(_commit_assembled(store, record_id, [g[0] for g in groups], present, run_id))
            superseded = {r.source.sha256 for g in groups for r in g[1:]}
            for o in outcomes:
                if o.get("event") == "processed" and o.get("record_id") == record_id and o["sha256"] in superseded:
                    o["duplicate_of"] = next(g[0].source.sha256 for g in groups if any(
                        r.source.sha256 == o["sha256"] for r in g))
                    o["duplicate_message"] = (f"{SKIP_REASONS['duplicate_source']}: another copy of the same "
                                              f"items wins by the rule {DUPLICATE_RULE}")
            continue
        winner = candidates[0][1]
        losers = [r for _, r in candidates[1:]]
        try:
            result = store.commit_record(_with_alternatives(winner, losers), same_source_in_place=True)
        except ValueError as err:  # a bug: the last file written stays, and the manifest says so
            print(f"duplicate sources of {record_id} not settled: {type(err).__name__}: {err}", file=sys.stderr)
            events.append({"event": "duplicate_source", "record_id": record_id, "error": f"{type(err).__name__}: {err}",
                           "alternatives": [{"sha256": s, "path": str(present[s])} for s in sorted(shas)],
                           "at": now_iso(), "run_id": run_id})
            continue
        message = (f"{SKIP_REASONS['duplicate_source']}: {winner.source.file_name} ({winner.source.system}) "
                   f"wins by the rule {DUPLICATE_RULE}")
        lost = {r.source.sha256 for r in losers}
        for o in outcomes:
            if o.get("event") == "processed" and o.get("record_id") == record_id and o["sha256"] in lost:
                o["duplicate_of"] = winner.source.sha256
                o["duplicate_message"] = message
        events.append({
            "event": "duplicate_source", "record_id": record_id, "sha256": winner.source.sha256,
            "path": str(present[winner.source.sha256]), "changed": result.changed,
            "alternatives": [{"sha256": r.source.sha256, "path": str(present[r.source.sha256])} for r in losers],
            "rule": DUPLICATE_RULE, "at": now_iso(), "run_id": run_id,
        })
    return events


# -- a run from plan to summary, without Prefect -------------------------------------------------


def new_run_id() -> str:
    """The id of a run made without Prefect (Prefect's flow runs have their own)."""
    return str(uuid.uuid4())


def finish_run(store: Store, flow_name: str, started: str, t0: float, plan: Plan, outcomes: list[dict[str, Any]],
               *, run_id: str | None, raw: str, force: bool, version: str,
               error: BaseException | None = None) -> Summary:
    """After the documents of a run are processed (their outcomes already in the manifest): settle
    two files of one meeting, record the other names of documents, every skipped file with its
    reason, and the run with its summary. With `error` (the store could not be written) the run
    is recorded as stopped, as far as the store still allows."""
    dup_events: list[dict[str, Any]] = []
    if error is None:
        dup_events = resolve_duplicate_sources(store, outcomes, plan.present, run_id)
        if flow_name == "ingest":  # the whole inbox was seen: a page taken out of it retires its items
            dup_events += settle_removed_parts(store, plan.present, run_id)
    not_done = len(plan.todo) - len(outcomes)
    summary = summarize(flow_name, started, time.perf_counter() - t0, outcomes, plan.skipped,
                        seen=plan.files_seen, not_done=max(0, not_done),
                        error=None if error is None else f"{type(error).__name__}: {error}")
    skips = [*plan.skipped, *(Skip(Path(o["path"]), "duplicate_source", o.get("duplicate_message", ""),
                                   o["sha256"], o.get("record_id")) for o in outcomes if o.get("duplicate_of"))]
    events = [
        *dup_events,
        # Other names of the same content, after the documents' own events: a name seen before its
        # document was ever processed would otherwise be folded into no state and lost.
        *({**e, "run_id": run_id} for e in plan.seen),
        *(skip.event(run_id) for skip in skips if skip.reason not in ROUTINE_SKIPS),
        {"event": "run", "run_id": run_id, "at": now_iso(), "raw": raw, "force": force,
         "extractor_version": version, **summary.as_dict()},
    ]
    if error is None:
        store.append_manifest(*events)
    else:
        with contextlib.suppress(OSError):  # the store is failing: what can be written, is
            store.append_manifest(*events)
    return summary


def ingest_if_nothing_to_do(raw: str, out: str, force: bool = False, lock_timeout: float = 600.0,
                            todo: list | None = None) -> Summary | None:
    """The plan of an `ingest`, without Prefect: when there is nothing to process, the run is
    recorded (skips, other names, the run event) and its summary returned, so that the CLI never
    starts Prefect's temporary server for an inbox with nothing new; None when there is work (its
    documents then added to `todo`, for `start_prefetch`)."""
    store = Store(out)
    started, t0 = now_iso(), time.perf_counter()
    with store.lock(timeout=lock_timeout):
        version = extractor_version()
        plan = plan_ingest(scan(Path(raw)), store, version, force)
        if plan.todo:
            if todo is not None:
                todo.extend(plan.todo)
            return None
        return finish_run(store, "ingest", started, t0, plan, [], run_id=new_run_id(), raw=raw, force=force,
                          version=version)


def ingest_direct(raw: str, out: str, force: bool = False, lock_timeout: float = 600.0,
                  run_id: str | None = None) -> dict[str, Any]:
    """The `ingest` flow's work without Prefect: one document after another in this process, no
    retries within the run (an I/O error is retried by the next runs, up to MAX_IO_RETRIES).
    Same plan, store, manifest, quarantine and summary as the flow; for tests, benchmarks and
    embedding. A store that cannot be written stops the run with `error` in the summary."""
    store = Store(out)
    started, t0 = now_iso(), time.perf_counter()
    run_id = run_id or new_run_id()
    version = extractor_version()
    plan, outcomes = Plan(), []
    with store.lock(timeout=lock_timeout):
        try:
            store.remove_stale_temp_files()
            plan = plan_ingest(scan(Path(raw)), store, version, force)
            for path, sha in plan.todo:
                try:
                    outcome = process_file(path, sha, store)
                except Exception as err:  # noqa: BLE001 - an I/O error: failed now, retried next run
                    outcome = _io_failure(store, path, sha, err)
                outcome["run_id"] = run_id
                store.append_manifest(outcome)
                outcomes.append(outcome)
            retire_replaced(store, outcomes, plan.previous, run_id)
            summary = finish_run(store, "ingest", started, t0, plan, outcomes, run_id=run_id, raw=raw,
                                 force=force, version=version)
        except OSError as err:
            summary = finish_run(store, "ingest", started, t0, plan, outcomes, run_id=run_id, raw=raw,
                                 force=force, version=version, error=err)
    return summary.as_dict()


def refresh_analytics(out: str) -> None:
    """Keep the analysts' tables and remembered exports in step (analytics/, changed records
    only). Their trouble never fails an ingest: the next `minutes query` or ingest catches up."""
    try:
        from analytics.export import after_ingest

        print(after_ingest(out))
    except Exception as err:  # noqa: BLE001
        print(f"analytics: refresh failed: {type(err).__name__}: {err}", file=sys.stderr)


def _live_path(paths: list[str], sha: str) -> Path | None:
    """The newest of `paths` that still holds the document `sha`."""
    for p in reversed(paths):
        try:
            if file_sha256(Path(p)) == sha:
                return Path(p)
        except OSError:
            continue
    return None


def _other_live_sources(store: Store, record_id: str, sha: str) -> dict[str, Path]:
    """Documents other than `sha` whose record is `record_id` and whose file is still where the
    manifest last saw it, with the same content: the other files of the meeting a rerun meets."""
    found: dict[str, Path] = {}
    for other, doc in store.manifest_state().items():
        if other == sha or doc.status != "ok" or doc.record_id != record_id:
            continue
        path = _live_path(doc.paths, other)
        if path is not None:
            found[other] = path
    return found


def rerun_document(path: str, out: str = "output", lock_timeout: float = 600.0,
                   run_file: Callable[[Path, str, Store], dict[str, Any]] = process_file,
                   run_id: str | None = None) -> dict[str, Any]:
    """The manual rerun's work: the body of `process_document`. Called directly (no Prefect
    server, no retries) by `minutes process` when no Prefect API is configured, so that a rerun
    from a shell does not wait seconds for a temporary server; store, manifest and quarantine
    are written the same way. Raises OSError when `path` cannot be read (nothing is written) or
    the store cannot be written (what was written is consistent)."""
    store = Store(out)
    started, t0 = now_iso(), time.perf_counter()
    source = Path(path)
    with store.lock(timeout=lock_timeout):
        sha = file_sha256(source)
        before = store.manifest_state().get(sha)
        try:
            outcome = run_file(source, sha, store)
        except Exception as err:  # noqa: BLE001
            outcome = _io_failure(store, source, sha, err)
        if before is not None and before.status == "ok" and before.record_id:
            retire_replaced(store, [outcome], {sha: before.record_id}, run_id)
        outcome["run_id"] = run_id
        store.append_manifest(outcome)
        plan = Plan(todo=[(source, sha)], present={sha: source}, files_seen=1)
        if outcome["event"] == "processed":
            plan.present.update(_other_live_sources(store, outcome["record_id"], sha))
        finish_run(store, "process", started, t0, plan, [outcome], run_id=run_id, raw=path, force=True,
                   version=extractor_version())
    return outcome
