"""The analytics database: a DuckDB file in the store (`analytics/referat.duckdb`) holding the flat
tables, kept in step with `records/` record by record.

`refresh` lists `records/` (one directory listing, no file read), compares each file's signature
(size, mtime, inode: the store writes every record by renaming a new file in) with the one stored
when the record was last read, and re-reads, re-flattens and rewrites the rows of only the records
that were added, changed or removed, in one transaction. A store of thousands of meetings with one
new meeting reads one file. `minutes query`, `case` and `browse` call it first (cheap when nothing
changed: the listing is compared with the last one in `analytics/state.json` without opening the
database); the ingest flow calls it at its end.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa
from pydantic import ValidationError

from analytics import links
from analytics.store import Signature, read_record, record_signatures, store_root
from analytics.tables import LAYOUT_VERSION, TABLES, flatten, resolved
from schemas.record import MeetingRecord

DB_FILE = "analytics/referat.duckdb"
STATE_FILE = "analytics/state.json"
LOCK_FILE = "analytics/.refresh.lock"
BATCH = 256  # records flattened and inserted per step: bounded memory on a backfill

ARROW_TYPES = {
    "VARCHAR": pa.string(),
    "BIGINT": pa.int64(),
    "DOUBLE": pa.float64(),
    "BOOLEAN": pa.bool_(),
    "DATE": pa.date32(),
    "VARCHAR[]": pa.list_(pa.string()),
}


def q(name: str) -> str:
    """A quoted identifier (columns are called `order`, `row`, `end`, ...)."""
    return '"' + name.replace('"', '""') + '"'


def table_columns() -> dict[str, list[tuple[str, str]]]:
    """table -> [(column, DuckDB type)] of every table the database holds, link tables included."""
    out = {spec.name: [(c.name, c.type) for c in resolved(spec.name)] for spec in TABLES}
    for name, _, cols in links.LINK_TABLES:
        out[name] = [(c[0], c[1]) for c in cols]
    return out


def arrow_schema(columns: list[tuple[str, str]]) -> pa.Schema:
    return pa.schema([(name, ARROW_TYPES[type_]) for name, type_ in columns])


def to_arrow(columns: list[tuple[str, str]], rows: list[tuple]) -> pa.Table:
    schema = arrow_schema(columns)
    if not rows:
        return schema.empty_table()
    arrays = [pa.array(list(values), type=f.type) for values, f in zip(zip(*rows), schema)]
    return pa.Table.from_arrays(arrays, schema=schema)


@dataclass
class RefreshResult:
    records: int = 0
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # unreadable records (tried again next time)
    rebuilt: bool = False
    seconds: float = 0.0
    generation: int = 0

    @property
    def touched(self) -> int:
        return len(self.added) + len(self.changed) + len(self.removed)


def db_path(out: str | os.PathLike) -> Path:
    return store_root(out) / DB_FILE


def _listing_hash(signatures: dict[str, Signature]) -> str:
    digest = hashlib.sha256()
    for rid in sorted(signatures):
        digest.update(f"{rid}\0{signatures[rid]}\n".encode())
    return digest.hexdigest()


def _read_state(root: Path) -> dict:
    try:
        return json.loads((root / STATE_FILE).read_text())
    except (FileNotFoundError, ValueError):
        return {}


def _write_state(root: Path, state: dict) -> None:
    target = root / STATE_FILE
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(state))
    os.replace(tmp, target)


@contextlib.contextmanager
def file_lock(path: Path, timeout: float = 600.0) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{path} is held by another refresh") from None
                time.sleep(0.05)
        yield
    finally:
        os.close(fd)


def open_db(path: Path, read_only: bool = False, timeout: float = 60.0) -> duckdb.DuckDBPyConnection:
    """Open the database file, waiting while another process holds it (DuckDB allows one writing
    process, or any number of reading ones)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.IOException as err:
            if "lock" not in str(err).lower() or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def create_tables(con: duckdb.DuckDBPyConnection) -> None:
    for name, cols in table_columns().items():
        body = ", ".join(f"{q(c)} {t}" for c, t in cols)
        con.execute(f"CREATE TABLE IF NOT EXISTS {q(name)} ({body})")


def _ensure_layout(con: duckdb.DuckDBPyConnection) -> bool:
    """Create the bookkeeping and the tables; drop everything of another layout. True if (re)built."""
    con.execute("CREATE SCHEMA IF NOT EXISTS _referat")
    con.execute("CREATE TABLE IF NOT EXISTS _referat.meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
    row = con.execute("SELECT value FROM _referat.meta WHERE key = 'layout'").fetchone()
    rebuilt = row is None or row[0] != LAYOUT_VERSION
    if rebuilt:
        for (name,) in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'").fetchall():
            con.execute(f"DROP TABLE {q(name)}")
        con.execute("DROP TABLE IF EXISTS _referat.records")
        con.execute("INSERT OR REPLACE INTO _referat.meta VALUES ('layout', ?), ('generation', '0')", [LAYOUT_VERSION])
    con.execute("""CREATE TABLE IF NOT EXISTS _referat.records (
        record_id VARCHAR PRIMARY KEY, size BIGINT, mtime_ns BIGINT, inode BIGINT)""")
    create_tables(con)
    return rebuilt


def generation(con: duckdb.DuckDBPyConnection) -> int:
    row = con.execute("SELECT value FROM _referat.meta WHERE key = 'generation'").fetchone()
    return int(row[0]) if row else 0


LEFT_OUT = "analytics/left_out.json"


def _write_left_out(root: Path, failed: dict[str, str]) -> None:
    """The records the analytics database leaves out, and why: every analytics command names them."""
    path = root / LEFT_OUT
    if not failed:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(dict(sorted(failed.items())), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def left_out(out: str | os.PathLike) -> dict[str, str]:
    """record id -> why the analytics tables leave that record out (it does not validate, cannot be
    read, or its id is not its file name); empty when every record is in."""
    try:
        return json.loads((store_root(out) / LEFT_OUT).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return {}


def left_out_warning(out: str | os.PathLike) -> str | None:
    """A line naming the records left out, for the analytics commands and `status`; None if none."""
    found = left_out(out)
    if not found:
        return None
    named = "; ".join(f"records/{rid}.json ({why})" for rid, why in list(found.items())[:10])
    more = f"; and {len(found) - 10} more" if len(found) > 10 else ""
    return f"warning: {len(found)} record(s) left out of the tables: {named}{more}"


def refresh(out: str | os.PathLike, db: str | os.PathLike | None = None) -> RefreshResult:
    """Bring the analytics database (`db`, default the store's own) in step with `records/`:
    only the records added, changed or removed since the last refresh are read and rewritten."""
    t0 = time.perf_counter()
    root = store_root(out)
    path = Path(db) if db else root / DB_FILE
    result = RefreshResult()
    with file_lock(path.with_name(f".{path.name}.lock")):
        signatures = record_signatures(root)
        result.records = len(signatures)
        listing = _listing_hash(signatures)
        own = db is None
        if own and path.exists() and _read_state(root).get("listing") == listing:
            result.seconds = time.perf_counter() - t0
            result.generation = _read_state(root).get("generation", 0)
            return result
        path.parent.mkdir(parents=True, exist_ok=True)
        con = open_db(path)
        try:
            result.rebuilt = _ensure_layout(con)
            known = {rid: (s, m, i) for rid, s, m, i in con.execute("SELECT * FROM _referat.records").fetchall()}
            todo = [rid for rid, sig in signatures.items() if known.get(rid) != sig]
            result.added = sorted(rid for rid in todo if rid not in known)
            result.changed = sorted(rid for rid in todo if rid in known)
            result.removed = sorted(set(known) - set(signatures))
            if todo or result.removed or result.rebuilt:
                _apply(con, root, sorted(todo), result.removed, signatures, result)
            result.generation = generation(con)
        finally:
            con.close()
        if own and not result.failed:
            _write_state(root, {"listing": listing, "generation": result.generation, "records": len(signatures)})
        if own:
            _write_left_out(root, result.failed)
    result.seconds = time.perf_counter() - t0
    return result


def _apply(con, root: Path, todo: list[str], removed: list[str], signatures: dict[str, Signature],
           result: RefreshResult) -> None:
    columns = table_columns()
    con.execute("BEGIN TRANSACTION")
    try:
        gone = to_arrow([("record_id", "VARCHAR")], [(rid,) for rid in removed + todo])
        con.register("_gone", gone)
        for spec in TABLES:
            con.execute(f"DELETE FROM {q(spec.name)} WHERE record_id IN (SELECT record_id FROM _gone)")
        con.execute("DELETE FROM _referat.records WHERE record_id IN (SELECT record_id FROM _gone)")
        con.unregister("_gone")
        for start in range(0, len(todo), BATCH):
            batch: dict[str, list[tuple]] = {spec.name: [] for spec in TABLES}
            seen = []
            for rid in todo[start:start + BATCH]:
                try:
                    record = read_record(root, rid)
                    MeetingRecord.model_validate(record)  # the contract, before a row is made of it
                    if record.get("record_id") != rid:
                        raise ValueError(f"its record_id {record.get('record_id')!r} is not its file name")
                    rows = flatten(record)
                except ValidationError as err:  # a bad record is left out and named, never fatal
                    first = err.errors()[0]
                    where = ".".join(str(p) for p in first["loc"])
                    result.failed[rid] = f"does not validate ({err.error_count()} errors): {where}: {first['msg']}"[:300]
                    continue
                except Exception as err:  # noqa: BLE001
                    result.failed[rid] = f"{type(err).__name__}: {str(err).splitlines()[0][:300]}"
                    continue
                for name, table_rows in rows.items():
                    batch[name] += table_rows
                seen.append((rid, *signatures[rid]))
            for name, table_rows in batch.items():
                if table_rows:
                    con.register("_new", to_arrow(columns[name], table_rows))
                    con.execute(f"INSERT INTO {q(name)} SELECT * FROM _new")
                    con.unregister("_new")
            if seen:
                con.executemany("INSERT INTO _referat.records VALUES (?, ?, ?, ?)", seen)
        link_rows, change_rows = links.compute(con)
        for name, rows in (("agenda_links", link_rows), ("agenda_changes", change_rows)):
            con.execute(f"DELETE FROM {name}")
            if rows:
                con.register("_new", to_arrow(columns[name], rows))
                con.execute(f"INSERT INTO {name} SELECT * FROM _new")
                con.unregister("_new")
        con.execute("UPDATE _referat.meta SET value = CAST(CAST(value AS BIGINT) + 1 AS VARCHAR) "
                    "WHERE key = 'generation'")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


class NoStore(ValueError):
    pass


def connect(out: str | os.PathLike, *, update: bool = True) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the store's analytics database, refreshed first (`update`)."""
    root = store_root(out)
    if not (root / "records").is_dir() and not (root / DB_FILE).exists():
        raise NoStore(f"{root} is no store (no records/ folder): give the store with --out")
    if update or not (root / DB_FILE).exists():
        refresh(root)
    return open_db(root / DB_FILE, read_only=True)
