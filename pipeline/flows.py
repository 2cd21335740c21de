"""Prefect flows: `ingest` (scheduled: every new or changed document) and `process_document`
(one document, always reprocessed: the manual rerun).

The work lives in plain functions (`pipeline.ingest`: `scan_inbox`, `plan_ingest`, `process_file`)
that know nothing of Prefect; the flows only orchestrate them, one task run per document. Idempotence is the
store's job, keyed on the sha256 of the content and the extractor version, not Prefect's cache:
the tasks run with NO_CACHE and keep no results.
"""

from __future__ import annotations

import contextlib
import sys
import time
from pathlib import Path
from typing import Any

from pipeline import prefect_env

prefect_env.configure()

from prefect import flow, task  # noqa: E402
from prefect.cache_policies import NO_CACHE  # noqa: E402
from prefect.futures import as_completed  # noqa: E402
from prefect.task_runners import ThreadPoolTaskRunner  # noqa: E402

from pipeline.ingest import (  # noqa: E402,F401 - the plain functions, re-exported for callers of flows
    Plan,
    Scan,
    Skip,
    Summary,
    _io_failure,
    _Progress,
    auto_batch_size,
    extractor_version,
    fail,
    file_sha256,
    finish_run,
    is_retryable,
    new_run_id,
    plan_ingest,
    process_file,
    refresh_analytics,
    rerun_document,
    resolve_duplicate_sources,
    retire_replaced,
    scan,
    scan_inbox,
    summarize,
    summary_markdown,
    summary_text,
)
from pipeline.store import Store, now_iso  # noqa: E402

# -- Prefect: one task per document, two flows ------------------------------------------------


def retry_only_io(task, task_run, state) -> bool:  # noqa: ANN001 - Prefect's callback signature
    """Retry a failed task run only for I/O errors; a parse error fails the same way again."""
    try:
        state.result()
    except OSError as err:
        return is_retryable(err)
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


_refresh_analytics = refresh_analytics


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
        except OSError as err:  # process_file raises only the retryable ones
            outcomes.append({"event": "io_retry", "path": path, "sha256": sha, "error": repr(err)})
    return outcomes


def _submit(group: list[tuple[Path, str]], out: str):  # noqa: ANN202
    if len(group) == 1:
        path, sha = group[0]
        return process_file_task.submit(str(path), sha, out)
    label = f"{group[0][0].name} (+{len(group) - 1})"
    return process_batch_task.submit([(str(p), sha) for p, sha in group], out, label)


def _collect(futures: dict, store: Store, out: str, run_id: str | None, bar: _Progress,
             outcomes: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """Outcomes in completion order, each appended to the manifest as soon as it is known (into
    `outcomes`, so that a run stopped by the store's I/O keeps what it had)."""
    outcomes = [] if outcomes is None else outcomes
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
        _collect(retry, store, out, run_id, bar, outcomes)
    return outcomes


@flow(
    name="ingest",
    description="Process every new or changed document in the inbox.",
    # One document at a time here; `minutes ingest` runs one per core (each document is read in an
    # isolated child process, so threads that wait on them use the cores) or on Dask processes.
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
    run_id = _run_id() or new_run_id()
    version = extractor_version()
    plan, outcomes, futures = Plan(), [], {}
    with store.lock(timeout=lock_timeout):
        try:
            store.remove_stale_temp_files()
            plan = plan_ingest(scan(Path(raw)), store, version, force)
            size = batch_size if batch_size > 0 else auto_batch_size(len(plan.todo))
            groups = [plan.todo[i : i + size] for i in range(0, len(plan.todo), size)]
            futures = {_submit(group, out): group for group in groups}
            bar = _Progress(len(plan.todo), progress)
            try:
                _collect(futures, store, out, run_id, bar, outcomes)
            finally:
                bar.close()
            retire_replaced(store, outcomes, plan.previous, run_id)
            summary = finish_run(store, "ingest", started, t0, plan, outcomes, run_id=run_id, raw=raw,
                                 force=force, version=version)
        except OSError as err:
            # The store cannot be written (disk full, an I/O error): no traceback, a summary that
            # says so. Tasks still running finish before the lock is let go; what they wrote is
            # consistent, and the documents not recorded are done by the next run.
            for future in futures:
                with contextlib.suppress(Exception):
                    future.wait()
            summary = finish_run(store, "ingest", started, t0, plan, outcomes, run_id=run_id, raw=raw,
                                 force=force, version=version, error=err)
    try:
        _publish(summary, store, "ingest-summary")  # prints the summary first, then the artifact
    except Exception as err:  # noqa: BLE001 - the run is recorded; an unreachable API must not undo that
        print(f"ingest: summary artifact not published: {type(err).__name__}: {err}", file=sys.stderr)
    _refresh_analytics(out)
    return summary.as_dict()


@flow(name="process-document", description="Reprocess one document now (the manual rerun).")
def process_document(path: str, out: str = "output", lock_timeout: float = 600.0) -> dict[str, Any]:
    """Always reprocess `path`, replacing its record only with a valid new one (old one kept)."""

    def run_task(source: Path, sha: str, store: Store) -> dict[str, Any]:
        return process_file_task(str(source), sha, out, return_state=True).result()

    return rerun_document(path, out, lock_timeout, run_file=run_task, run_id=_run_id())


def dask_task_runner(workers: int = 2, address: str | None = None):  # noqa: ANN201
    """A Dask task runner: a new local cluster of `workers` single-threaded processes, or the
    running Dask cluster at `address` (tcp://scheduler:8786), which may span several machines."""
    import os

    from prefect_dask import DaskTaskRunner

    if address:
        return DaskTaskRunner(address=address)
    # Every listener of the local cluster on 127.0.0.1: the scheduler, the workers, and the
    # scheduler's HTTP server (no dashboard, on a free port) unless REFERAT_DASK_DASHBOARD names an
    # address for it (":8787" would be every interface, dask's default).
    dashboard = os.environ.get("REFERAT_DASK_DASHBOARD") or "127.0.0.1:0"
    # Worker processes start as `python -c ...`, the current directory first on sys.path until
    # multiprocessing restores ours: with PYTHONSAFEPATH a planted re.py or json.py there never runs.
    os.environ.setdefault("PYTHONSAFEPATH", "1")
    return DaskTaskRunner(cluster_kwargs={
        "n_workers": workers, "threads_per_worker": 1, "processes": True, "host": "127.0.0.1",
        "dashboard_address": dashboard, "worker_dashboard_address": None,
    })
