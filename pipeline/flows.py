"""Prefect flows: `ingest` (scheduled: every new or changed document) and `process_document`
(one document, always reprocessed: the manual rerun).

The work lives in plain functions (`scan_inbox`, `plan_ingest`, `process_file`) that know nothing
of Prefect; the flows only orchestrate them, one task run per document. Idempotence is the
store's job, keyed on the sha256 of the content and the extractor version, not Prefect's cache:
the tasks run with NO_CACHE and keep no results.
"""

from __future__ import annotations

import hashlib
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline import prefect_env

prefect_env.configure()

from prefect import flow, task  # noqa: E402
from prefect.cache_policies import NO_CACHE  # noqa: E402
from prefect.futures import as_completed  # noqa: E402
from prefect.task_runners import ThreadPoolTaskRunner  # noqa: E402

import extractors  # noqa: E402
from pipeline import process as _process  # noqa: E402
from loaders.errors import DocumentError  # noqa: E402
from pipeline.store import Store, now_iso  # noqa: E402

# -- plain functions: no Prefect below this line until the tasks ------------------------------


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


# -- Prefect: one task per document, two flows ------------------------------------------------


def retry_only_io(task, task_run, state) -> bool:  # noqa: ANN001 - Prefect's callback signature
    """Retry a failed task run only for I/O errors; a parse error fails the same way again."""
    try:
        state.result()
    except OSError:
        return True
    except BaseException:  # noqa: BLE001
        return False
    return False


@task(
    name="process-file",
    task_run_name="{path}",
    retries=2,
    retry_delay_seconds=[0.5, 2],
    retry_condition_fn=retry_only_io,
    cache_policy=NO_CACHE,
    persist_result=False,
)
def process_file_task(path: str, sha256: str, out: str) -> dict[str, Any]:
    return process_file(Path(path), sha256, Store(out))


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


def _run_id() -> str | None:
    from prefect.runtime import flow_run

    return flow_run.id


def _publish(summary: Summary, store: Store, key: str) -> None:
    from prefect.artifacts import create_markdown_artifact

    print(summary_text(summary))
    create_markdown_artifact(
        markdown=summary_markdown(summary, store.url),
        key=key,
        description=f"referat {summary.flow}: processed, skipped, failed, time",
    )


def _refresh_analytics(out: str) -> None:
    """Keep the analysts' tables and remembered exports in step (analytics/, changed records
    only). Their trouble never fails an ingest: the next `minutes query` or ingest catches up."""
    try:
        from analytics.export import after_ingest

        print(after_ingest(out))
    except Exception as err:  # noqa: BLE001
        print(f"analytics: refresh failed: {type(err).__name__}: {err}", file=sys.stderr)


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


@task(name="process-batch", task_run_name="{label}", cache_policy=NO_CACHE, persist_result=False)
def process_batch_task(items: list[tuple[str, str]], out: str, label: str = "batch") -> list[dict[str, Any]]:
    """Several small documents in one task run (see `batch_size`). A document whose I/O fails is
    handed back as "io_retry" and resubmitted alone to `process_file_task`, which retries it;
    the others are not redone and nothing else is ever retried."""
    store = Store(out)
    outcomes = []
    for path, sha in items:
        try:
            outcomes.append(process_file(Path(path), sha, store))
        except OSError as err:
            outcomes.append({"event": "io_retry", "path": path, "sha256": sha, "error": repr(err)})
    return outcomes


def _submit(group: list[tuple[Path, str]], out: str):  # noqa: ANN202
    if len(group) == 1:
        path, sha = group[0]
        return process_file_task.submit(str(path), sha, out)
    label = f"{group[0][0].name} (+{len(group) - 1})"
    return process_batch_task.submit([(str(p), sha) for p, sha in group], out, label)


def _collect(futures: dict, store: Store, out: str, run_id: str | None, bar: _Progress) -> list[dict[str, Any]]:
    """Outcomes in completion order, each appended to the manifest as soon as it is known."""
    outcomes: list[dict[str, Any]] = []
    retry: dict = {}
    for future in as_completed(list(futures)):
        group = futures[future]
        try:
            result = future.result()
            results = result if isinstance(result, list) else [result]
        except Exception as err:  # noqa: BLE001 - I/O still failing after the retries
            results = [_io_failure(store, path, sha, err) for path, sha in group]
        for outcome in results:
            if outcome["event"] == "io_retry":
                path = Path(outcome["path"])
                retry[process_file_task.submit(str(path), outcome["sha256"], out)] = [(path, outcome["sha256"])]
                continue
            outcome["run_id"] = run_id
            store.append_manifest(outcome)  # durable as soon as each document is done
            outcomes.append(outcome)
            bar.advance()
    if retry:
        outcomes += _collect(retry, store, out, run_id, bar)
    return outcomes


@flow(
    name="ingest",
    description="Process every new or changed document in the inbox.",
    # CPU-bound documents gain nothing from more threads (the GIL); Dask processes give parallelism.
    task_runner=ThreadPoolTaskRunner(max_workers=1),
)
def ingest(
    raw: str = "raw",
    out: str = "output",
    force: bool = False,
    lock_timeout: float = 600.0,
    progress: bool = False,
    batch_size: int = 0,
) -> dict[str, Any]:
    """Scan `raw`, process what the manifest lacks (or everything with `force`), publish a summary.

    `batch_size` is the number of documents per task run; 0 (the default) picks it with
    `auto_batch_size`: one task per document for everyday runs, small batches for backfills.
    """
    store = Store(out)
    started, t0 = now_iso(), time.perf_counter()
    run_id = _run_id()
    with store.lock(timeout=lock_timeout):
        store.remove_stale_temp_files()
        version = extractor_version()
        plan = plan_ingest(scan_inbox(Path(raw)), store, version, force)
        size = batch_size if batch_size > 0 else auto_batch_size(len(plan.todo))
        groups = [plan.todo[i : i + size] for i in range(0, len(plan.todo), size)]
        futures = {_submit(group, out): group for group in groups}
        bar = _Progress(len(plan.todo), progress)
        try:
            outcomes = _collect(futures, store, out, run_id, bar)
        finally:
            bar.close()
        retire_replaced(store, outcomes, plan.previous, run_id)
        # Other names of the same content, after the documents' own events: a name seen before its
        # document was ever processed would otherwise be folded into no state and lost.
        store.append_manifest(*({**e, "run_id": run_id} for e in plan.seen))
        summary = summarize("ingest", started, time.perf_counter() - t0, outcomes, len(plan.skipped))
        store.append_manifest({"event": "run", "run_id": run_id, "at": now_iso(), "raw": raw,
                               "force": force, "extractor_version": version, **summary.as_dict()})
    _publish(summary, store, "ingest-summary")
    _refresh_analytics(out)
    return summary.as_dict()


@flow(name="process-document", description="Reprocess one document now (the manual rerun).")
def process_document(path: str, out: str = "output", lock_timeout: float = 600.0) -> dict[str, Any]:
    """Always reprocess `path`, replacing its record only with a valid new one (old one kept)."""

    def run_task(source: Path, sha: str, store: Store) -> dict[str, Any]:
        return process_file_task(str(source), sha, out, return_state=True).result()

    return rerun_document(path, out, lock_timeout, run_file=run_task)


def rerun_document(path: str, out: str = "output", lock_timeout: float = 600.0,
                   run_file: Callable[[Path, str, Store], dict[str, Any]] = process_file) -> dict[str, Any]:
    """The manual rerun's work: the body of `process_document`. Called directly (no Prefect
    server, no retries) by `minutes process` when no Prefect API is configured, so that a rerun
    from a shell does not wait seconds for a temporary server; store, manifest and quarantine
    are written the same way."""
    store = Store(out)
    started, t0 = now_iso(), time.perf_counter()
    run_id = _run_id()
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


def dask_task_runner(workers: int = 2, address: str | None = None):  # noqa: ANN201
    """A Dask task runner: a new local cluster of `workers` single-threaded processes, or the
    running Dask cluster at `address` (tcp://scheduler:8786), which may span several machines."""
    from prefect_dask import DaskTaskRunner

    if address:
        return DaskTaskRunner(address=address)
    return DaskTaskRunner(cluster_kwargs={"n_workers": workers, "threads_per_worker": 1, "processes": True})
