"""Analytics benchmark: the flat tables of a whole store against DuckDB reading the same JSON
records directly (`read_json`), in one run.

    .venv/bin/python benchmarks/bench_analytics.py [--store DIR] [--corpus ../shared/corpus/greve] [--repeat 5]

The store defaults to a store of the Greve corpus (370 FirstAgenda meetings) in the temp folder,
made with `minutes ingest` first if it has no records. Printed, each with its baseline:

  build      the analytics database from nothing (read, flatten and insert every record), and
             DuckDB's `read_json` of the same records into one nested table: the cost of the
             flattening over DuckDB's own JSON reader;
  refresh    one record changed, one removed: the incremental refresh against the full build;
             and with nothing changed (the check every query makes);
  export     each format from the database (`minutes export` minus the refresh), against
             DuckDB writing the read_json table of the records straight to Parquet;
  query      the README's four questions through `analytics.query.run` (refresh check, a
             read-only connection, the query) against the same questions written for
             `read_json` over records/*.json, median of --repeat runs each, the rows compared;
  cli        `minutes query` from a fresh process, wall clock (Python start and imports included).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402

from analytics import warehouse  # noqa: E402
from analytics.export import export  # noqa: E402
from analytics.query import run  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus" / "greve"
MINUTES = ROOT / ".venv" / "bin" / "minutes"

RAW = "read_json('{records}/*.json', format = 'auto', union_by_name = true, maximum_object_size = 268435456)"
# The README's questions, written against the nested records as DuckDB reads them.
DIRECT = {
    "not-plain-approvals": """
        SELECT coalesce(it.decision.date, r.meeting.date) AS decided_on, it.decision.by AS body, it.number,
               it.title, it.decision.outcome, it.decision.text
        FROM (SELECT r.record_id, r.meeting, unnest(r.items) AS it FROM {raw} r) AS r(record_id, meeting, it)
        WHERE it.decision IS NOT NULL AND (it.decision.outcome <> 'approved'
              OR len(it.decision.protocol_notes) > 0 OR len(it.votes) > 0)
        ORDER BY decided_on""",
    "case-path": """
        SELECT coalesce(d.date, meeting.date) AS decided_on, coalesce(d.by, meeting.body) AS body,
               string_agg(DISTINCT d.outcome, ', ') AS outcomes
        FROM (SELECT r.meeting, unnest(r.items) AS it FROM {raw} r) AS t(meeting, it), unnest(t.it.decisions) AS u(d)
        WHERE list_contains(list_transform(t.it.case_numbers, lambda c: c.number), '21-014347')
        GROUP BY ALL ORDER BY decided_on""",
    "attendance": """
        SELECT r.meeting.body AS body, p.name, count(DISTINCT r.record_id) AS meetings,
               count(DISTINCT r.record_id) FILTER (WHERE p.status = 'present') AS present
        FROM {raw} r, unnest(r.participants) AS u(p)
        WHERE r.document_type = 'minutes' AND p.role <> 'staff'
        GROUP BY ALL ORDER BY body, p.name""",
    "closed-items": """
        SELECT year(r.meeting.date) AS year, r.meeting.date, r.meeting.body, it.number, it.title
        FROM (SELECT r.meeting, r.document_type, unnest(r.items) AS it FROM {raw} r) AS r(meeting, document_type, it)
        WHERE it.access = 'closed' AND r.document_type = 'minutes'
        ORDER BY year""",
}


def readme_questions() -> dict[str, str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return dict(re.findall(r"<!-- question: ([\w-]+) -->\s*```sql\n(.*?)```", text, re.S))


def timed(fn, repeat: int = 1) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), result


def ensure_store(store: Path, corpus: Path) -> None:
    if any((store / "records").glob("*.json")):
        return
    print(f"ingesting {corpus} into {store} (once) ...", flush=True)
    subprocess.run([str(MINUTES), "ingest", "--raw", str(corpus), "--out", str(store)], check=True,
                   stdout=subprocess.DEVNULL)


def line(name: str, seconds: float, baseline: float | None = None, note: str = "") -> None:
    ratio = f"{seconds / baseline:8.2f}x" if baseline else " " * 9
    print(f"{name:44s} {seconds * 1000:10.1f} ms {ratio}  {note}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--store", type=Path, default=Path(tempfile.gettempdir()) / "referat-bench-greve")
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    ensure_store(args.store, args.corpus)
    records = args.store / "records"
    count = len(list(records.glob("*.json")))
    size = sum(p.stat().st_size for p in records.glob("*.json"))
    print(f"store {args.store}: {count} records, {size / 1e6:.1f} MB of JSON")
    work = Path(tempfile.mkdtemp(prefix="referat-bench-analytics-"))
    try:
        copy = work / "store"
        shutil.copytree(args.store, copy, ignore=shutil.ignore_patterns("analytics", "export"))
        raw = RAW.format(records=copy / "records")

        print(f"\n{'':44s} {'time':>13s} {'vs base':>9s}")
        base_build, _ = timed(lambda: _read_json_table(raw, work / "raw.duckdb"))
        line("baseline: read_json -> nested table", base_build)
        build, result = timed(lambda: warehouse.refresh(copy))
        line("build the flat tables from nothing", build, base_build, f"{result.touched} records")

        changed = sorted(records.glob("*.json"))[count // 2]
        record = json.loads((copy / "records" / changed.name).read_text(encoding="utf-8"))
        record["items"][0]["title"] += " (bench)"
        (copy / "records" / changed.name).write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
        (copy / "records" / sorted(records.glob("*.json"))[0].name).unlink()
        refresh, result = timed(lambda: warehouse.refresh(copy))
        line("refresh: 1 changed, 1 removed", refresh, build, f"{result.touched} records rewritten")
        nothing, _ = timed(lambda: warehouse.refresh(copy), args.repeat)
        line("refresh: nothing changed", nothing, build)

        print()
        con = duckdb.connect(str(work / "raw.duckdb"))
        base_export, _ = timed(lambda: con.execute(
            f"COPY raw TO '{work / 'raw.parquet'}' (FORMAT parquet, COMPRESSION zstd)"))
        con.close()
        line("baseline: nested table -> one Parquet file", base_export)
        for fmt in ("parquet", "ndjson", "csv", "duckdb", "sqlite", "oparl", "popolo"):
            seconds, out = timed(lambda: export(copy, fmt, work / f"out-{fmt}", follow=False))
            line(f"export {fmt}", seconds, base_export, f"{sum(out.rows.values())} rows/objects")
        seconds, out = timed(lambda: export(copy, "sqlite", work / "out-sqlite", follow=False))
        line("export sqlite again (nothing changed)", seconds, base_export)

        print()
        questions = readme_questions()
        for name, sql in questions.items():
            direct_sql = DIRECT[name].format(raw=raw)
            base, direct_rows = timed(lambda: duckdb.sql(direct_sql).fetchall(), args.repeat)
            ours, table = timed(lambda: run(copy, sql), args.repeat)
            rows = table.num_rows
            agree = "same rows" if rows == len(direct_rows) else f"{rows} rows vs {len(direct_rows)} (different question)"
            line(f"query {name}: read_json", base)
            line(f"query {name}: tables", ours, base, f"{rows} rows, {agree}")

        print()
        env = dict(os.environ)
        sql = questions["closed-items"]
        cli, _ = timed(lambda: subprocess.run([str(MINUTES), "query", sql, "--out", str(copy), "--format", "csv"],
                                              check=True, stdout=subprocess.DEVNULL, env=env), 3)
        status, _ = timed(lambda: subprocess.run([str(MINUTES), "status", "--out", str(copy)], check=True,
                                                 stdout=subprocess.DEVNULL, env=env), 3)
        line("minutes status (fresh process)", status)
        line("minutes query closed-items (fresh process)", cli, status)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _read_json_table(raw: str, path: Path) -> None:
    path.unlink(missing_ok=True)
    con = duckdb.connect(str(path))
    try:
        con.execute(f"CREATE TABLE raw AS SELECT * FROM {raw}")
    finally:
        con.close()


if __name__ == "__main__":
    main()
