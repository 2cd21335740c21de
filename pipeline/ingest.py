"""The plain work of ingesting: scan the inbox, plan from the manifest, process one document,
quarantine, summarise, rerun one document. No Prefect here: `minutes process` (the direct rerun)
imports only this, and `pipeline.flows` orchestrates these functions as Prefect tasks and flows.

Idempotence is the store's job, keyed on the sha256 of the content and the extractor version.
"""

from __future__ import annotations

import hashlib
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import extractors
from loaders.errors import DocumentError
from pipeline import process as _process
from pipeline.store import Store, now_iso



def extractor_version() -> str:
    """The version of the extractor code now installed (read at call time)."""
    return extractors.EXTRACTOR_VERSION


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def scan_inbox(raw: Path) -> list[Path]:
    """Every document under `raw` (recursively), hidden files and folders left out, sorted."""
    if raw.is_file():
        return [raw]
    return sorted(
        p
        for p in raw.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(raw).parts)
    )


@dataclass
class Plan:
    todo: list[tuple[Path, str]] = field(default_factory=list)  # (path, sha256) to process
    skipped: list[tuple[Path, str, str]] = field(default_factory=list)  # (path, sha256, why)
    seen: list[dict[str, Any]] = field(default_factory=list)  # manifest events for new names
    previous: dict[str, str] = field(default_factory=dict)  # sha256 -> record_id it had before


def plan_ingest(files: list[Path], store: Store, version: str, force: bool = False) -> Plan:
    """Decide, from the manifest, which documents need work.

    A document is its content (sha256). It is skipped when the manifest already has it done
    (or failed for a reason a retry cannot fix) by the same extractor version; a renamed or
    copied file is recorded as another name of the document, never processed twice.
    """
    state = store.manifest_state()
    plan = Plan()
    in_this_run: set[str] = set()
    for path in files:
        try:
            sha = file_sha256(path)
        except OSError:  # gone or unreadable since the scan: the next run sees it again
            continue
        doc = state.get(sha)
        if sha in in_this_run:
            plan.skipped.append((path, sha, "duplicate content in this run"))
            plan.seen.append(_seen(path, sha, version, None))
            continue
        done = (
            doc is not None
            and doc.extractor_version == version
            and (doc.status == "ok" or not doc.retryable)
        )
        if done and not force:
            plan.skipped.append((path, sha, f"already {doc.status}"))
            if str(path) not in doc.paths:
                plan.seen.append(_seen(path, sha, version, doc.record_id))
            continue
        in_this_run.add(sha)
        plan.todo.append((path, sha))
        if doc is not None and doc.status == "ok" and doc.record_id:
            plan.previous[sha] = doc.record_id
    return plan


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


def process_file(path: Path, sha256: str, store: Store) -> dict[str, Any]:
    """Build, validate and store the record of one document; quarantine it if it is bad.

    Returns the manifest event. A bad document (DocumentError) or a bug in an extractor becomes
    a "failed" event with its error and never raises; an OSError propagates, because reading or
    writing again may well succeed (the task's retry policy handles it).
    """
    version = extractor_version()
    started = time.perf_counter()
    base = {"path": str(path), "file_name": path.name, "sha256": sha256, "extractor_version": version, "at": now_iso()}
    try:
        record = _process.build_record(path)
    except DocumentError as err:
        return fail(store, path, base, err.code, err.message, started, retryable=False)
    except OSError:
        raise
    except Exception as err:  # noqa: BLE001 - an extractor bug must not stop the run
        return fail(store, path, base, "internal_error", f"{type(err).__name__}: {err}", started, retryable=False)
    try:
        result = store.commit_record(record)
    except OSError:
        raise
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
    flow: str
    started: str
    seconds: float
    processed: int = 0
    not_minutes: int = 0
    unchanged: int = 0
    skipped: int = 0
    failed: int = 0
    failures: list[dict[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def summarize(flow_name: str, started: str, seconds: float, outcomes: list[dict[str, Any]], skipped: int) -> Summary:
    s = Summary(flow=flow_name, started=started, seconds=round(seconds, 3), skipped=skipped)
    for o in outcomes:
        if o["event"] == "processed":
            s.processed += 1
            s.not_minutes += o.get("document_type") == "not_minutes"
            s.unchanged += not o.get("changed", True)
        else:
            s.failed += 1
            s.failures.append({"file": o["file_name"], "code": o["error"]["code"], "message": o["error"]["message"]})
    return s


def summary_text(s: Summary) -> str:
    line = (
        f"{s.flow}: {s.processed} processed ({s.not_minutes} not minutes, {s.unchanged} unchanged), "
        f"{s.skipped} skipped, {s.failed} failed in {s.seconds:.2f} s"
    )
    return "\n".join([line, *(f"  FAILED {f['file']}: {f['code']}: {f['message']}" for f in s.failures)])


def summary_markdown(s: Summary, store_url: str) -> str:
    rows = [
        "| processed | not minutes | unchanged | skipped | failed | seconds |",
        "|---:|---:|---:|---:|---:|---:|",
        f"| {s.processed} | {s.not_minutes} | {s.unchanged} | {s.skipped} | {s.failed} | {s.seconds:.2f} |",
    ]
    if s.failures:
        rows += ["", "| failed document | code | message |", "|---|---|---|"]
        rows += [f"| {f['file']} | {f['code']} | {_md(f['message'])} |" for f in s.failures]
    return f"## referat {s.flow}, {s.started}\n\nStore: `{store_url}`\n\n" + "\n".join(rows) + "\n"


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _io_failure(store: Store, path: Path, sha: str, err: BaseException) -> dict[str, Any]:
    """A task that failed for good: I/O still failing after the retries (quarantined, tried again
    next run) or anything else that escaped the task (quarantined, not retried)."""
    base = {"path": str(path), "file_name": path.name, "sha256": sha, "extractor_version": extractor_version(), "at": now_iso()}
    retryable = isinstance(err, OSError)
    code = "io_error" if retryable else "internal_error"
    try:
        return fail(store, path, base, code, f"{type(err).__name__}: {err}", time.perf_counter(), retryable=retryable)
    except OSError:
        return {**base, "event": "failed", "record_id": None, "seconds": 0.0,
                "error": {"code": code, "message": f"{type(err).__name__}: {err}", "retryable": retryable}}


class _Progress:
    """A progress bar on a terminal, nothing otherwise (logs, deployments, tests)."""

    def __init__(self, total: int, enabled: bool):
        self.bar = None
        if enabled and total and sys.stderr.isatty():
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            self.bar = Progress(
                TextColumn("ingest"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), transient=True
            )
            self.task = self.bar.add_task("ingest", total=total)
            self.bar.start()

    def advance(self) -> None:
        if self.bar:
            self.bar.advance(self.task)

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


def rerun_document(path: str, out: str = "output", lock_timeout: float = 600.0,
                   run_file: Callable[[Path, str, Store], dict[str, Any]] = process_file,
                   run_id: str | None = None) -> dict[str, Any]:
    """The manual rerun's work: the body of `process_document`. Called directly (no Prefect
    server, no retries) by `minutes process` when no Prefect API is configured, so that a rerun
    from a shell does not wait seconds for a temporary server; store, manifest and quarantine
    are written the same way."""
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
        summary = summarize("process", started, time.perf_counter() - t0, [outcome], 0)
        store.append_manifest(outcome, {"event": "run", "run_id": run_id, "at": now_iso(), "raw": path,
                                        "force": True, "extractor_version": extractor_version(), **summary.as_dict()})
    return outcome
