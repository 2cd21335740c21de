"""`minutes query`: SQL over the store's tables, printed as a table, CSV or JSON."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
from typing import IO, Any

import pyarrow as pa
import pyarrow.csv as pacsv

from analytics import warehouse


# A query reads the store's tables and nothing else: no file read or written (`COPY … TO`, `EXPORT
# DATABASE`, `read_csv`, `ATTACH`), no extension installed or loaded (no network), and the settings
# locked so that the query cannot undo them.
LOCKED = ("SET autoinstall_known_extensions = false", "SET autoload_known_extensions = false",
          "SET allow_community_extensions = false", "SET enable_external_access = false",
          "SET lock_configuration = true")


def run(out: str | os.PathLike, sql: str, params: list | None = None) -> pa.Table:
    """Run `sql` on the store's analytics database (refreshed first); the result as an Arrow table.
    The query can read the tables only (LOCKED)."""
    con = warehouse.connect(out)
    for setting in LOCKED:
        con.execute(setting)
    try:
        return con.sql(sql, params=params).to_arrow_table() if params else con.sql(sql).to_arrow_table()
    finally:
        con.close()


def _jsonable(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if hasattr(value, "as_tuple"):  # Decimal
        return float(value)
    return value


def rows(table: pa.Table) -> list[dict]:
    return [{k: _jsonable(v) for k, v in row.items()} for row in table.to_pylist()]


def to_json(table: pa.Table) -> str:
    return json.dumps(rows(table), ensure_ascii=False, indent=2)


def _flat(table: pa.Table) -> pa.Table:
    """Lists and structs as JSON text, so that every column has a CSV form."""
    columns = []
    for name, column in zip(table.column_names, table.columns):
        kind = column.type
        if pa.types.is_list(kind) or pa.types.is_large_list(kind) or pa.types.is_struct(kind) or pa.types.is_map(kind):
            column = pa.array([None if v is None else json.dumps(_jsonable(v), ensure_ascii=False)
                               for v in column.to_pylist()], type=pa.string())
        columns.append(column)
    return pa.Table.from_arrays(columns, names=table.column_names)


def write_csv(table: pa.Table, stream: IO[bytes]) -> None:
    pacsv.write_csv(_flat(table), stream)


def to_csv(table: pa.Table) -> str:
    buffer = io.BytesIO()
    write_csv(table, buffer)
    return buffer.getvalue().decode("utf-8")


def _cell(value: Any) -> str:
    if value is None:
        return "∅"
    if isinstance(value, (list, dict)):
        return json.dumps(_jsonable(value), ensure_ascii=False)
    if isinstance(value, float):
        return f"{value:g}"
    return str(_jsonable(value))


def rich_table(table: pa.Table, title: str | None = None, max_width: int = 80):
    """A rich Table of the result (long texts cut to `max_width` characters)."""
    from rich.table import Table

    out = Table(title=title, show_lines=False, header_style="bold")
    for name, column in zip(table.column_names, table.columns):
        numeric = pa.types.is_integer(column.type) or pa.types.is_floating(column.type)
        out.add_column(name, justify="right" if numeric else "left", overflow="fold")
    for row in table.to_pylist():
        cells = []
        for value in row.values():
            text = _cell(value)
            cells.append(text if len(text) <= max_width else text[: max_width - 1] + "…")
        out.add_row(*cells)
    out.caption = f"{table.num_rows} rows"
    return out
