"""`minutes export`: the flat tables (and interchange formats) out of the analytics database.

| format  | what is written                                   | how                                   |
| ------- | ------------------------------------------------- | ------------------------------------- |
| parquet | a folder, one `<table>.parquet` per table          | DuckDB `COPY ... (FORMAT parquet)`    |
| ndjson  | a folder, one `<table>.ndjson` per table           | DuckDB `COPY ... (FORMAT json)`       |
| csv     | a folder, one `<table>.csv` per table (lists as JSON arrays) | DuckDB `COPY ... (FORMAT csv)` |
| duckdb  | a DuckDB file with every table                      | `warehouse.refresh`: record by record |
| sqlite  | an SQLite file with every table and an FTS5 index `items_fts` | record by record, from DuckDB |
| oparl   | a folder of OParl 1.1 objects                       | `analytics.oparl`                     |
| popolo  | one Popolo JSON file                                | `analytics.popolo`                    |

An export is remembered in the store (`analytics/exports.json`) and kept in step after every
`ingest` (`after_ingest`): the DuckDB and SQLite files record by record (only changed records are
deleted and rewritten), the folders and files of the other formats rewritten from the analytics
database (which was itself refreshed record by record) when it changed.

An export writes only where `analytics.targets` allows: a new path, or an export of its own
(a folder with its marker, a database with referat's meta table); anything else is refused with
`ExportRefused` before anything is touched, for remembered exports as for new ones.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sqlite3
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from analytics import warehouse
from analytics.store import NotLocal, source_paths, store_root
from analytics.targets import check_target, partial_folder, swap_in
from analytics.warehouse import q, table_columns

FORMATS = ("parquet", "ndjson", "csv", "duckdb", "sqlite", "oparl", "popolo")
DEFAULT_TARGETS = {
    "parquet": "parquet", "ndjson": "ndjson", "csv": "csv", "duckdb": "referat.duckdb",
    "sqlite": "referat.sqlite", "oparl": "oparl", "popolo": "popolo.json",
}
REGISTRY = "analytics/exports.json"


@dataclass
class ExportResult:
    format: str
    path: Path
    seconds: float
    rows: dict[str, int] = field(default_factory=dict)
    records_rewritten: int | None = None  # for the formats kept record by record
    refresh: warehouse.RefreshResult | None = None

    def summary(self) -> str:
        total = sum(self.rows.values())
        if self.format in ("oparl", "popolo"):
            what = f"{total} objects: " + ", ".join(f"{n} {kind}" for kind, n in self.rows.items())
        else:
            what = f"{total} rows in {len(self.rows)} tables"
        if self.records_rewritten is not None:
            what += f", {self.records_rewritten} records rewritten"
        return f"{self.format}: {self.path} ({what}) in {self.seconds:.2f} s"


def default_target(out: str | os.PathLike, fmt: str) -> Path:
    return store_root(out) / "export" / DEFAULT_TARGETS[fmt]


def export(out: str | os.PathLike, fmt: str, to: str | os.PathLike | None = None, *, follow: bool = True,
           base_url: str | None = None) -> ExportResult:
    """Write the store's tables as `fmt` to `to` (default `<store>/export/...`); with `follow`,
    remember the export so that `after_ingest` keeps it in step."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")
    t0 = time.perf_counter()
    root = store_root(out)
    target = Path(to) if to else default_target(root, fmt)
    target = target.absolute()
    check_target(root, fmt, target)
    refreshed = warehouse.refresh(root)
    result = ExportResult(fmt, target, 0.0, refresh=refreshed)
    if fmt == "duckdb":  # refresh() holds the file's own lock
        _write(root, fmt, target, base_url, result)
    else:
        with warehouse.file_lock(target.with_name(f".{target.name}.lock")):  # one writer per export
            _write(root, fmt, target, base_url, result)
    if follow:
        _remember(root, fmt, target, base_url, refreshed.generation)
    result.seconds = time.perf_counter() - t0
    return result


def _write(root: Path, fmt: str, target: Path, base_url: str | None, result: ExportResult) -> None:
    if fmt == "duckdb":
        if not target.exists():  # a first export is a copy of the store's database, then kept by record
            _copy_database(root / warehouse.DB_FILE, target)
        done = warehouse.refresh(root, db=target)
        result.records_rewritten = done.touched
        result.rows = _counts_duckdb(target)
    else:
        con = warehouse.open_db(root / warehouse.DB_FILE, read_only=True)
        try:
            if fmt == "sqlite":
                result.records_rewritten, result.rows = write_sqlite(con, target)
            elif fmt == "oparl":
                from analytics.oparl import write_oparl

                result.rows = write_oparl(con, target, base_url=base_url, sources=source_paths(root))
            elif fmt == "popolo":
                from analytics.popolo import write_popolo

                result.rows = write_popolo(con, target)
            else:
                result.rows = write_files(con, target, fmt)
        finally:
            con.close()


def _copy_database(source: Path, target: Path) -> None:
    with warehouse.file_lock(target.with_name(f".{target.name}.lock")):
        if target.exists():
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.partial")
        con = warehouse.open_db(source, read_only=True)
        try:
            con.execute(f"ATTACH '{_sql_str(tmp)}' AS copy (READ_ONLY false)")
            con.execute(f"COPY FROM DATABASE {q(source.stem)} TO copy")
            con.execute("DETACH copy")
        finally:
            con.close()
        os.replace(tmp, target)


def _counts_duckdb(path: Path) -> dict[str, int]:
    con = warehouse.open_db(path, read_only=True)
    try:
        return {name: con.execute(f"SELECT count(*) FROM {q(name)}").fetchone()[0] for name in table_columns()}
    finally:
        con.close()


# -- parquet, ndjson, csv: one file per table, written by DuckDB into a new folder, then swapped in ----


def _select(name: str, cols: list[tuple[str, str]], lists_as_json: bool) -> str:
    parts = []
    for col, type_ in cols:
        if lists_as_json and type_.endswith("[]"):
            parts.append(f"CAST(to_json({q(col)}) AS VARCHAR) AS {q(col)}")
        else:
            parts.append(q(col))
    order = ", ".join(q(c) for c, _ in cols if c in ("record_id", "item_index") or c.endswith("_index")
                      or c in ("row", "column"))
    return f"SELECT {', '.join(parts)} FROM {q(name)}" + (f" ORDER BY {order}" if order else "")


def write_files(con, target: Path, fmt: str) -> dict[str, int]:
    options = {"parquet": "FORMAT parquet, COMPRESSION zstd", "ndjson": "FORMAT json",
               "csv": "FORMAT csv, HEADER true"}[fmt]
    ext = {"parquet": "parquet", "ndjson": "ndjson", "csv": "csv"}[fmt]
    tmp = partial_folder(target, fmt)
    rows = {}
    try:
        for name, cols in table_columns().items():
            file = tmp / f"{name}.{ext}"
            sql = _select(name, cols, lists_as_json=fmt == "csv")
            con.execute(f"COPY ({sql}) TO '{_sql_str(file)}' ({options})")
            rows[name] = con.execute(f"SELECT count(*) FROM {q(name)}").fetchone()[0]
        swap_in(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return rows


def _sql_str(path: Path) -> str:
    return str(path).replace("'", "''")


# -- SQLite: record by record, with an FTS5 index of the items -----------------------------------

SQLITE_TYPES = {"VARCHAR": "TEXT", "BIGINT": "INTEGER", "DOUBLE": "REAL", "BOOLEAN": "INTEGER", "DATE": "TEXT",
                "VARCHAR[]": "TEXT"}
FTS_TABLE = "items_fts"


def _sqlite_select(name: str, cols: list[tuple[str, str]], where: str = "") -> str:
    parts = []
    for col, type_ in cols:
        if type_.endswith("[]"):
            parts.append(f"CAST(to_json({q(col)}) AS VARCHAR)")
        elif type_ == "DATE":
            parts.append(f"CAST({q(col)} AS VARCHAR)")
        elif type_ == "BOOLEAN":
            parts.append(f"CAST({q(col)} AS INTEGER)")
        else:
            parts.append(q(col))
    return f"SELECT {', '.join(parts)} FROM {q(name)} {where}"


FTS_SELECT = """
    SELECT i.item_key, i.record_id, i.title, coalesce(i.recommendation, ''),
           coalesce((SELECT string_agg(d.text, ' ' ORDER BY d.decision_index) FROM decisions d
                     WHERE d.item_key = i.item_key), ''),
           coalesce(i.background, '') || ' ' || coalesce(i.case_presentation, '')
    FROM items i {where}
"""
FTS_COLUMNS = ("item_key UNINDEXED", "record_id UNINDEXED", "title", "recommendation", "decisions", "body")


def create_fts(db: sqlite3.Connection) -> None:
    db.execute(f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5({', '.join(FTS_COLUMNS)}, "
               "tokenize = 'unicode61 remove_diacritics 0')")


def write_sqlite(con, target: Path) -> tuple[int, dict[str, int]]:
    """Bring the SQLite file `target` in step with the analytics database, record by record."""
    target.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(target)
    try:
        db.execute("PRAGMA journal_mode = WAL")
        columns = table_columns()
        with db:
            layout = _sqlite_layout(db)
            if layout != warehouse.LAYOUT_VERSION:
                for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND "
                                          "name NOT LIKE 'sqlite_%' AND name NOT LIKE ?", (f"{FTS_TABLE}_%",)).fetchall():
                    db.execute(f"DROP TABLE IF EXISTS {q(name)}")
                db.execute("CREATE TABLE _referat_meta (key TEXT PRIMARY KEY, value TEXT)")
                db.execute("INSERT INTO _referat_meta VALUES ('layout', ?)", (warehouse.LAYOUT_VERSION,))
            db.execute("CREATE TABLE IF NOT EXISTS _referat_records (record_id TEXT PRIMARY KEY, size INTEGER, "
                       "mtime_ns INTEGER, inode INTEGER)")
            for name, cols in columns.items():
                body = ", ".join(f"{q(c)} {SQLITE_TYPES[t]}" for c, t in cols)
                db.execute(f"CREATE TABLE IF NOT EXISTS {q(name)} ({body})")
                if any(c == "record_id" for c, _ in cols):
                    db.execute(f"CREATE INDEX IF NOT EXISTS {q('ix_' + name + '_record')} ON {q(name)} (record_id)")
                if any(c == "item_key" for c, _ in cols):
                    db.execute(f"CREATE INDEX IF NOT EXISTS {q('ix_' + name + '_item')} ON {q(name)} (item_key)")
            create_fts(db)
            known = {r[0]: tuple(r[1:]) for r in db.execute("SELECT * FROM _referat_records")}
            current = {r[0]: tuple(r[1:]) for r in con.execute("SELECT * FROM _referat.records").fetchall()}
            todo = sorted(rid for rid, sig in current.items() if known.get(rid) != sig)
            gone = sorted(set(known) - set(current)) + todo
            for start in range(0, len(gone), 500):
                chunk = gone[start:start + 500]
                marks = ", ".join("?" * len(chunk))
                for name, cols in columns.items():
                    if name.startswith("agenda_"):
                        continue
                    db.execute(f"DELETE FROM {q(name)} WHERE record_id IN ({marks})", chunk)
                db.execute(f"DELETE FROM {FTS_TABLE} WHERE record_id IN ({marks})", chunk)
                db.execute(f"DELETE FROM _referat_records WHERE record_id IN ({marks})", chunk)
            if todo:
                con.register("_todo", warehouse.to_arrow([("record_id", "VARCHAR")], [(rid,) for rid in todo]))
                where = "WHERE record_id IN (SELECT record_id FROM _todo)"
                for name, cols in columns.items():
                    if name.startswith("agenda_"):
                        continue
                    _copy_rows(con, db, _sqlite_select(name, cols, where), name, len(cols))
                fts_where = "WHERE i.record_id IN (SELECT record_id FROM _todo)"
                _copy_rows(con, db, FTS_SELECT.format(where=fts_where), FTS_TABLE, len(FTS_COLUMNS))
                db.executemany("INSERT INTO _referat_records VALUES (?, ?, ?, ?)",
                               [(rid, *current[rid]) for rid in todo])
                con.unregister("_todo")
            for name in ("agenda_links", "agenda_changes"):  # derived from pairs of records: small, replaced
                db.execute(f"DELETE FROM {name}")
                _copy_rows(con, db, _sqlite_select(name, columns[name]), name, len(columns[name]))
        counts = {name: db.execute(f"SELECT count(*) FROM {q(name)}").fetchone()[0] for name in columns}
        return len(todo) + len(set(known) - set(current)), counts
    finally:
        db.close()


def _sqlite_layout(db: sqlite3.Connection) -> str | None:
    with contextlib.suppress(sqlite3.OperationalError):
        row = db.execute("SELECT value FROM _referat_meta WHERE key = 'layout'").fetchone()
        return row[0] if row else None
    return None


def _copy_rows(con, db: sqlite3.Connection, sql: str, name: str, width: int) -> None:
    cursor = con.execute(sql)
    marks = ", ".join("?" * width)
    while True:
        rows = cursor.fetchmany(10000)
        if not rows:
            break
        db.executemany(f"INSERT INTO {q(name)} VALUES ({marks})", rows)


# -- remembered exports, kept in step after every ingest -------------------------------------------


def _registry(root: Path) -> list[dict]:
    try:
        return json.loads((root / REGISTRY).read_text())
    except (FileNotFoundError, ValueError):
        return []


def _save_registry(root: Path, entries: list[dict]) -> None:
    target = root / REGISTRY
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(entries, indent=2) + "\n")
    os.replace(tmp, target)


def _remember(root: Path, fmt: str, target: Path, base_url: str | None, generation: int) -> None:
    entries = [e for e in _registry(root) if e["path"] != str(target)]
    entries.append({"format": fmt, "path": str(target), "base_url": base_url, "generation": generation})
    _save_registry(root, entries)


def after_ingest(out: str | os.PathLike) -> str:
    """The end of an ingest: refresh the analytics database (changed records only), then every
    remembered export that is behind it. Returns a one-line report."""
    try:
        root = store_root(out)
    except NotLocal as err:
        return f"analytics: skipped ({err})"
    refreshed = warehouse.refresh(root)
    lines = [f"analytics: {refreshed.touched} of {refreshed.records} records refreshed "
             f"({len(refreshed.added)} added, {len(refreshed.changed)} changed, {len(refreshed.removed)} removed) "
             f"in {refreshed.seconds:.2f} s"]
    for entry in _registry(root):
        if entry.get("generation") == refreshed.generation and Path(entry["path"]).exists():
            continue
        try:
            done = export(root, entry["format"], entry["path"], base_url=entry.get("base_url"))
            lines.append(f"  export {done.summary()}")
        except Exception as err:  # noqa: BLE001 - one export's trouble must not stop the others
            lines.append(f"  export {entry['format']} to {entry['path']} FAILED: {type(err).__name__}: {err}")
    return "\n".join(lines)
