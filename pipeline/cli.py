"""The `minutes` command line."""

from __future__ import annotations

import json
import os
from pathlib import Path

import typer

app = typer.Typer(add_completion=False, no_args_is_help=True, help="referat: minutes of public meetings to JSON records.")


def _prefect(server: bool = True):
    """Set referat's offline Prefect defaults before the flows (and prefect) are imported; with
    `server` and no PREFECT_API_URL, start the temporary Prefect server now (a protected child that
    never outlives the run), so that it starts while Prefect and the flows are imported. Call it
    only once there is work for a flow: `fast_flow_runs()` then waits for that server and uses it."""
    from pipeline import prefect_env

    prefect_env.configure()
    if server:
        prefect_env.prestart_server()
    return prefect_env


NO_OCR_HELP = ("Do not OCR pages without a usable text layer (scans); a scan is then quarantined as "
               "needs_ocr and the next ingest with OCR reads it. OCR is on by default when Tesseract with "
               "Danish is installed.")


def _ocr_option(no_ocr: bool) -> None:
    """--no-ocr as an environment variable, so that the parse children and workers see it too; a
    note when OCR is wanted but cannot run (how to install it)."""
    if no_ocr:
        os.environ["REFERAT_OCR"] = "0"
        return
    from loaders.ocr import ocr_enabled, unavailable_reason

    reason = unavailable_reason() if ocr_enabled() else None
    if reason:
        typer.echo(f"note: OCR is not available: {reason}. Scanned documents are quarantined as needs_ocr "
                   "until it is.", err=True)


@app.command()
def ingest(
    raw: Path = typer.Option(Path("raw"), "--raw", help="Inbox folder of documents."),
    out: str = typer.Option("output", "--out", help="Output store: a folder or an fsspec URL."),
    force: bool = typer.Option(False, "--force", help="Reprocess every document, done or not."),
    workers: int = typer.Option(
        0, "--workers", min=0,
        help="Documents in parallel: 0 = one per core (each in its own isolated process), 1 = one at a time, "
             ">1 = a Dask cluster of that many processes."),
    batch_size: int = typer.Option(
        0, "--batch-size", min=0, help="Documents per task run; 0 = automatic (1 for up to 32 documents)."
    ),
    dask: str = typer.Option("", "--dask", help="Address of a running Dask cluster (tcp://host:8786) to run the tasks on."),
    lock_timeout: float = typer.Option(600.0, "--lock-timeout", help="Seconds to wait for another run's lock."),
    no_ocr: bool = typer.Option(False, "--no-ocr", help=NO_OCR_HELP),
) -> None:
    """Process every new or changed document in RAW into the store; skip what is already done."""
    _ocr_option(no_ocr)
    if not raw.exists():
        typer.echo(f"no inbox at {raw}", err=True)
        raise typer.Exit(2)
    from pipeline.ingest import (
        ingest_if_nothing_to_do, parallel_documents, refresh_analytics, start_prefetch, stop_prefetch, summary_text,
    )
    from pipeline.store import Store, StoreLocked

    # Plan first, without Prefect: with nothing to process, no temporary server is started.
    todo: list = []
    try:
        quick = ingest_if_nothing_to_do(str(raw), out, force=force, lock_timeout=lock_timeout, todo=todo)
    except StoreLocked as err:
        typer.echo(str(err), err=True)
        raise typer.Exit(3) from None
    except OSError as err:
        typer.echo(f"ingest: stopped: the store {out} cannot be written: {type(err).__name__}: {err}", err=True)
        raise typer.Exit(4) from None
    if quick is not None:
        typer.echo(summary_text(quick))
        refresh_analytics(out)
        raise typer.Exit(1 if quick.failed else 0)
    parallel = parallel_documents() if workers == 0 and not dask else 1
    if workers > 1 or dask or parallel > 1:
        # the workers use the cores: a big document's entity layer gets no second process of its own
        os.environ.setdefault("REFERAT_ENTITY_PROCESSES", "1")
    if not dask and workers <= 1:
        # The flow's threads read the documents in this process's children: the first of them are
        # read while Prefect starts, as many at a time as the flow will (pipeline.ingest.Prefetch).
        start_prefetch(todo, Store(out), parallel)
    try:
        env = _prefect()
        from prefect.task_runners import ThreadPoolTaskRunner

        from pipeline.flows import dask_task_runner
        from pipeline.flows import ingest as ingest_flow

        flow = ingest_flow
        if workers > 1 or dask:
            env.share_api_url()  # one Prefect server for the flow and every Dask worker process
            flow = ingest_flow.with_options(task_runner=dask_task_runner(workers, address=dask or None))
        elif parallel > 1:  # the cores are the documents' already
            flow = ingest_flow.with_options(task_runner=ThreadPoolTaskRunner(max_workers=parallel))
        try:
            with env.fast_flow_runs():
                summary = flow(
                    raw=str(raw), out=out, force=force, lock_timeout=lock_timeout, progress=True, batch_size=batch_size
                )
        except StoreLocked as err:
            typer.echo(str(err), err=True)
            raise typer.Exit(3) from None
        except OSError as err:  # the flow records a store that fails mid-run itself; this is before or after
            typer.echo(f"ingest: stopped: the store {out} cannot be written: {type(err).__name__}: {err}", err=True)
            raise typer.Exit(4) from None
    finally:
        stop_prefetch()
    # 4: the run stopped (the store could not be written); 1: documents failed.
    raise typer.Exit(4 if summary.get("error") else 1 if summary["failed"] else 0)


@app.command()
def process(
    path: Path = typer.Argument(..., exists=True, help="A document, or a folder of documents."),
    out: str = typer.Option("output", "--out", help="Output store: a folder or an fsspec URL."),
    orchestrate: bool = typer.Option(
        None, "--orchestrate/--direct",
        help="Run through the process-document flow (default when PREFECT_API_URL is set), or run the "
        "same steps directly without starting a temporary Prefect server.",
    ),
    no_ocr: bool = typer.Option(False, "--no-ocr", help=NO_OCR_HELP),
) -> None:
    """Reprocess documents now (the manual rerun, through the process-document flow)."""
    _ocr_option(no_ocr)
    if orchestrate is None:
        orchestrate = bool(os.environ.get("PREFECT_API_URL"))
    import contextlib

    from pipeline.ingest import NOTABLE_SKIPS, rerun_document, scan
    from pipeline.store import Store

    found = scan(path)  # the files `ingest` would see, and why the others are left out
    if not path.is_dir() and found.skipped:  # one file named, and it cannot be read as a document
        skip = found.skipped[0]
        typer.echo(f"cannot process {path}: {skip.reason}: {skip.message}", err=True)
        raise typer.Exit(2)
    skipped_bad = [s for s in found.skipped if s.reason in NOTABLE_SKIPS]
    for skip in found.skipped:
        typer.echo(f"SKIPPED {skip.path}: {skip.reason}: {skip.message}", err=True)
    if not found.files:
        typer.echo(f"process: no documents in {path} ({len(found.skipped)} skipped)", err=True)
        raise typer.Exit(1)
    rerun = rerun_document
    runs = contextlib.nullcontext()
    if orchestrate:  # only then is Prefect imported (~1.5 s): the direct rerun does without it
        env = _prefect()
        from pipeline.flows import process_document

        rerun, runs = process_document, env.fast_flow_runs()
    store = Store(out)
    failed = 0
    with runs:
        for file in found.files:
            try:
                outcome = rerun(path=str(file), out=out)
            except OSError as err:
                if err.filename is not None and os.fsdecode(err.filename) == str(file):
                    failed += 1  # the document itself, unreadable since the scan: nothing was written
                    typer.echo(f"FAILED {file.name}: unreadable: {err.strerror or err}", err=True)
                    continue
                typer.echo(f"process: stopped at {file.name}: the store {out} cannot be written: "
                           f"{type(err).__name__}: {err}", err=True)
                raise typer.Exit(4) from None
            if outcome["event"] != "processed":
                failed += 1
                error = outcome["error"]
                typer.echo(f"FAILED {file.name}: {error['code']}: {error['message']}", err=True)
                continue
            if outcome.get("duplicate_of"):
                typer.echo(f"{file.name}: {outcome.get('duplicate_message')}", err=True)
            record = store.read_record(outcome["record_id"])
            typer.echo(_summary(record, Path(store.record_path(record.record_id))))
    raise typer.Exit(1 if failed or skipped_bad else 0)


@app.command()
def serve(
    raw: str = typer.Option("raw", "--raw", help="Inbox folder of documents."),
    out: str = typer.Option("output", "--out", help="Output store: a folder or an fsspec URL."),
    cron: str = typer.Option("0 6 * * *", "--cron", help="When to run ingest (cron, in --timezone)."),
    timezone: str = typer.Option("Europe/Copenhagen", "--timezone", help="Time zone of the cron schedule."),
    name: str = typer.Option("referat-ingest", "--name", help="Deployment name."),
    port: int = typer.Option(4200, "--port", help="Port of the local Prefect server started when PREFECT_API_URL is unset."),
) -> None:
    """Serve a deployment of `ingest` on a cron schedule (runs until interrupted).

    With PREFECT_API_URL set, the deployment registers with that server; otherwise a local
    Prefect server is started on 127.0.0.1:PORT for as long as `serve` runs.
    """
    env = _prefect(server=False)  # a real server with a scheduler instead (local_server)
    with env.local_server(port):
        from prefect.schedules import Cron

        from pipeline.flows import ingest as ingest_flow

        ingest_flow.serve(
            name=name,
            schedules=[Cron(cron, timezone=timezone)],
            parameters={"raw": str(Path(raw).resolve()), "out": out if "://" in out else str(Path(out).resolve())},
            pause_on_shutdown=False,
        )


@app.command()
def deploy(
    raw: str = typer.Option("raw", "--raw", help="Inbox as the workers see it (a shared path)."),
    out: str = typer.Option("output", "--out", help="Output store as the workers see it (shared folder or fsspec URL)."),
    pool: str = typer.Option("referat", "--pool", help="Process work pool (created if missing)."),
    name: str = typer.Option("referat-ingest", "--name", help="Deployment name."),
    cron: str = typer.Option("0 6 * * *", "--cron", help="When to run ingest (cron, in --timezone)."),
    timezone: str = typer.Option("Europe/Copenhagen", "--timezone", help="Time zone of the cron schedule."),
    source: str = typer.Option("", "--source", help="Where workers get the code: a git URL or a folder (default: this checkout)."),
    concurrency: int = typer.Option(1, "--concurrency", min=1, help="Ingest runs at a time (the store lock serialises them anyway)."),
) -> None:
    """Register `ingest` on a Prefect server (PREFECT_API_URL) as a deployment of a process work pool.

    Start workers on any machine that sees the inbox and the store:
    `prefect worker start --pool referat`.
    """
    import os

    _prefect(server=False)  # registers with the server at PREFECT_API_URL
    from prefect import flow as prefect_flow
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.exceptions import ObjectAlreadyExists
    from prefect.schedules import Cron

    if not os.environ.get("PREFECT_API_URL"):
        typer.echo("set PREFECT_API_URL to the team's Prefect server (http://HOST:4200/api)", err=True)
        raise typer.Exit(2)
    with get_client(sync_client=True) as client:
        try:
            client.create_work_pool(WorkPoolCreate(name=pool, type="process"))
        except ObjectAlreadyExists:
            pass
    code = source or str(Path(__file__).resolve().parents[1])
    shared = {"raw": raw if "://" in raw else str(Path(raw).resolve()),
              "out": out if "://" in out else str(Path(out).resolve())}
    deployment_id = prefect_flow.from_source(source=code, entrypoint="pipeline/flows.py:ingest").deploy(
        name=name,
        work_pool_name=pool,
        schedules=[Cron(cron, timezone=timezone)],
        parameters=shared,
        concurrency_limit=concurrency,
        print_next_steps=False,
    )
    typer.echo(f"deployment ingest/{name} ({deployment_id}) on work pool {pool!r}, cron {cron!r} {timezone}")


@app.command()
def status(
    out: str = typer.Option("output", "--out", help="Output store: a folder or an fsspec URL."),
    as_json: bool = typer.Option(False, "--json", help="Print the status as JSON."),
) -> None:
    """What the manifest says: documents by status, records, the last run, the failures."""
    from pipeline.store import NotAStore, Store, store_status

    try:
        report = store_status(Store(out))
    except NotAStore as err:
        typer.echo(str(err), err=True)
        raise typer.Exit(2) from None
    typer.echo(json.dumps(report, indent=2, ensure_ascii=False) if as_json else _status_text(report))


def _status_text(r: dict) -> str:
    lines = [
        f"store {r['store']}",
        f"documents: {r['documents']} ({r['ok']} ok, {r['failed']} failed; {r['outdated']} of an older extractor version)",
        f"records: {r['records']}, earlier versions kept: {r['history_versions']}, quarantined: {r['quarantined']}",
    ]
    last = r.get("last_run")
    if last:
        seen = f" of {last['seen']} files seen" if last.get("seen") is not None else ""
        lines.append(
            f"last run: {last['flow']} at {last['at']}: {last['processed']} processed, {last['skipped']} skipped, "
            f"{last['failed']} failed{seen} in {last['seconds']:.2f} s"
        )
        if last.get("skipped_reasons"):
            lines.append("  skipped: " + ", ".join(
                f"{n} {k.replace('_', ' ')}" for k, n in sorted(last["skipped_reasons"].items())))
        if last.get("error"):
            lines.append(f"  STOPPED: {last['error']}")
    else:
        lines.append("last run: none")
    for rid, why in (r.get("left_out") or {}).items():
        lines.append(f"  LEFT OUT of the analytics tables: records/{rid}.json: {why}")
    for f in r.get("skipped", []):
        lines.append(f"  SKIPPED {f['path']}: {f['reason']}: {f['message']}")
    for f in r["failures"]:
        final = "" if f.get("retryable", True) or not f.get("io_failures") else \
            f" (failed for good after {f['io_failures']} runs)"
        lines.append(f"  FAILED {f['file_name']} ({f['sha256'][:12]}): {f['code']}: {f['message']}{final}")
    return "\n".join(lines)


def _summary(record, target: Path) -> str:
    meeting = record.meeting
    if record.document_type == "not_minutes":
        return f"{record.source.file_name}: not_minutes ({record.not_minutes_reason}) -> {target}"
    members = [p for p in record.participants if p.role != "staff"]
    present = sum(p.status == "present" for p in members)
    staff = len(record.participants) - len(members)
    coverage = f", {record.coverage.share:.1%} of the text placed" if record.coverage else ""
    return (
        f"{record.source.file_name}: {record.document_type} {meeting.body or '?'} {meeting.date or '?'}: "
        f"{len(record.items)} items, {present} present, {len(members) - present} absent"
        f"{f', {staff} staff' if staff else ''}, "
        f"{sum(len(i.tables) for i in record.items)} tables{coverage}, {len(record.warnings)} warnings -> {target}"
    )


@app.command("eval")
def evaluate(
    gold: Path = typer.Option(..., "--gold", exists=True, file_okay=False, help="Folder of *.gold.json"),
    records: Path = typer.Option(..., "--records", exists=True, file_okay=False, help="Folder of records"),
    as_json: bool = typer.Option(False, "--json", help="Print the scores as JSON."),
) -> None:
    """Score records against gold annotations: precision, recall and F1 per field and overall."""
    from pipeline.evaluate import evaluate_folder, format_report

    report = evaluate_folder(gold, records)
    typer.echo(json.dumps(report, indent=2) if as_json else format_report(report))


@app.command()
def schema() -> None:
    """Print the JSON Schema of a meeting record."""
    from schemas.export import schema_json

    typer.echo(schema_json(), nl=False)


# -- the analysts' side: analytics/ is imported inside each command, so that the others stay fast --


def _warn_left_out(out: str) -> None:
    """Name, on stderr, the records the analytics tables leave out (they do not validate)."""
    from analytics.warehouse import left_out_warning

    try:
        warning = left_out_warning(out)
    except ValueError:  # not a local store
        return
    if warning:
        typer.echo(warning, err=True)


def _output_format(given: str | None) -> str:
    import sys

    return given or ("table" if sys.stdout.isatty() else "csv")


@app.command("export")
def export_tables(
    fmt: str = typer.Option(..., "--format", help="parquet, ndjson, csv, duckdb, sqlite, oparl or popolo."),
    to: Path = typer.Option(None, "--to", help="Where to write (default: DIR/export/<format>)."),
    out: str = typer.Option("output", "--out", help="Output store (a local folder)."),
    follow: bool = typer.Option(True, "--follow/--once", help="Keep this export in step after every ingest."),
    base_url: str = typer.Option("", "--base-url", help="OParl: the URL the folder will be served at "
                                 "(default: file:// URLs of the written files)."),
) -> None:
    """Write the store's flat tables (or OParl / Popolo) to files; refreshed after each ingest."""
    from analytics.export import export

    import sqlite3

    import duckdb

    try:
        result = export(out, fmt, to, follow=follow, base_url=base_url or None)
    except ValueError as err:  # an unknown format, a store that is not local, a refused target
        typer.echo(str(err), err=True)
        raise typer.Exit(2) from None
    except (OSError, sqlite3.Error, duckdb.Error) as err:
        typer.echo(f"export {fmt} failed: {type(err).__name__}: {err}", err=True)
        raise typer.Exit(1) from None
    typer.echo(result.summary())
    _warn_left_out(out)


@app.command()
def query(
    sql: str = typer.Argument(..., help="SQL over the tables meetings, participants, items, cases, decisions, ..."),
    out: str = typer.Option("output", "--out", help="Output store (a local folder)."),
    fmt: str = typer.Option(None, "--format", help="table, csv or json (default: table on a terminal, csv when piped)."),
) -> None:
    """Run SQL (DuckDB) over the store's tables; see docs/data-dictionary.md."""
    import sys

    import duckdb

    from analytics import query as q

    shape = _output_format(fmt)
    if shape not in ("table", "csv", "json"):
        typer.echo(f"--format {fmt}: table, csv or json", err=True)
        raise typer.Exit(2)
    try:
        result = q.run(out, sql)
    except duckdb.Error as err:
        typer.echo(f"query failed: {err}", err=True)
        raise typer.Exit(1) from None
    except ValueError as err:  # not a (local) store
        typer.echo(str(err), err=True)
        raise typer.Exit(2) from None
    if shape == "json":
        typer.echo(q.to_json(result))
    elif shape == "csv":
        q.write_csv(result, sys.stdout.buffer)
    else:
        from rich.console import Console

        Console().print(q.rich_table(result))
    _warn_left_out(out)


@app.command()
def case(
    number: str = typer.Argument(..., help="A case number, e.g. 21-014347."),
    out: str = typer.Option("output", "--out", help="Output store (a local folder)."),
    fmt: str = typer.Option("table", "--format", help="table or json."),
) -> None:
    """The history of one case across meetings and bodies, in date order."""
    from analytics.cases import history

    if fmt not in ("table", "json"):
        typer.echo(f"--format {fmt}: table or json", err=True)
        raise typer.Exit(2)
    try:
        rows = history(out, number)
    except ValueError as err:  # not a (local) store
        typer.echo(str(err), err=True)
        raise typer.Exit(2) from None
    _warn_left_out(out)
    if fmt == "json":
        typer.echo(json.dumps([t.as_json() for t in rows], ensure_ascii=False, indent=2))
        raise typer.Exit(0 if rows else 1)
    if not rows:
        typer.echo(f"no item with case number {number}", err=True)
        raise typer.Exit(1)
    from rich.console import Console

    from analytics.cases import rich_table

    Console().print(rich_table(number, rows))


@app.command()
def browse(
    out: str = typer.Option("output", "--out", help="Output store (a local folder)."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to serve on."),
    port: int = typer.Option(8750, "--port", help="Port to serve on."),
) -> None:
    """A local web view of meetings, items, decisions and cases, with full-text search."""
    from analytics.warehouse import refresh
    from analytics.web import serve

    try:
        refresh(out)
    except ValueError as err:  # not a (local) store
        typer.echo(str(err), err=True)
        raise typer.Exit(2) from None
    _warn_left_out(out)
    typer.echo(f"browse {out} at http://{host}:{port}/ (Ctrl-C stops)")
    serve(out, host=host, port=port)


if __name__ == "__main__":
    app()
