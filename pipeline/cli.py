"""The `minutes` command line."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from pipeline.errors import DocumentError

app = typer.Typer(add_completion=False, no_args_is_help=True, help="referat: minutes of public meetings to JSON records.")


def _inputs(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith("."))
    return [path]


@app.command()
def process(
    path: Path = typer.Argument(..., exists=True, help="A document, or a folder of documents."),
    out: Path = typer.Option(Path("output"), "--out", help="Output store."),
) -> None:
    """Process documents now (always reprocessed) and write DIR/records/<record_id>.json."""
    from pipeline.process import build_record
    from pipeline.store import write_record_file

    failed = 0
    for file in _inputs(path):
        try:
            record = build_record(file)
        except DocumentError as err:
            failed += 1
            typer.echo(f"FAILED {file.name}: {err.code}: {err.message}", err=True)
            continue
        target = write_record_file(out, record)
        typer.echo(_summary(record, target))
    raise typer.Exit(1 if failed else 0)


def _summary(record, target: Path) -> str:
    meeting = record.meeting
    if record.document_type == "not_minutes":
        return f"{record.source.file_name}: not_minutes ({record.not_minutes_reason}) -> {target}"
    present = sum(p.status == "present" for p in record.participants)
    absent = len(record.participants) - present
    return (
        f"{record.source.file_name}: {record.document_type} {meeting.body or '?'} {meeting.date or '?'}: "
        f"{len(record.items)} items, {present} present, {absent} absent, "
        f"{sum(len(i.tables) for i in record.items)} tables, {len(record.warnings)} warnings -> {target}"
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

    typer.echo(schema_json())


if __name__ == "__main__":
    app()
