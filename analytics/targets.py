"""Where an export may write, and how it replaces what it wrote before.

An export never deletes or overwrites what it did not write itself:
- a folder export (parquet, ndjson, csv, oparl) writes into a folder that does not exist yet, an
  empty folder, or a folder that holds its marker file (`.referat-export`, naming the format); the
  new folder is written beside it and swapped in with one atomic exchange, so the target is never
  missing, not even when the export is killed half-way;
- a file export (duckdb, sqlite, popolo) writes a file that does not exist yet or one that is a
  referat export of the same format (a DuckDB or SQLite file with referat's own meta table, a
  Popolo file with exactly the lists referat writes);
- never the store itself, a folder that holds it, or anything inside it but its `export/` folder;
- never through a symbolic link.
Anything else is refused with `ExportRefused`, a message that says what is at the path.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import json
import os
import shutil
import sqlite3
import uuid
from pathlib import Path

MARKER = ".referat-export"
FOLDER_FORMATS = ("parquet", "ndjson", "csv", "oparl")
POPOLO_LISTS = {"persons", "organizations", "memberships", "events", "vote_events"}


class ExportRefused(ValueError):
    """The path given to an export holds something referat did not write: nothing was touched."""


def check_target(root: Path, fmt: str, target: Path) -> None:
    """Raise ExportRefused unless `fmt` may be written at `target` (see the module's doc)."""
    if target.is_symlink():
        raise ExportRefused(f"{target} is a symbolic link: an export never writes through one")
    store, where = root.resolve(), target.resolve()
    if where == store or store.is_relative_to(where):
        raise ExportRefused(f"{target} is the store or a folder that holds it ({root}): choose another path")
    if where.is_relative_to(store) and not where.is_relative_to(store / "export"):
        raise ExportRefused(f"{target} is inside the store's own files: export into {root / 'export'} or "
                            "outside the store")
    if not target.exists():
        return
    if fmt in FOLDER_FORMATS:
        _check_folder(fmt, target)
    else:
        _check_file(fmt, target)


def _check_folder(fmt: str, target: Path) -> None:
    if not target.is_dir():
        raise ExportRefused(f"{target} is a file, and a {fmt} export is a folder: nothing was written")
    marker = target / MARKER
    if marker.is_file():
        written = marker.read_text(encoding="utf-8", errors="replace").strip()
        if written != fmt:
            raise ExportRefused(f"{target} holds a {written or 'referat'} export, not {fmt}: choose another path")
        return
    if any(target.iterdir()):
        raise ExportRefused(f"{target} is a folder that referat did not write (it has no {MARKER} file): an "
                            "export writes only into a new or empty folder or one of its own exports")


def _check_file(fmt: str, target: Path) -> None:
    if target.is_dir():
        raise ExportRefused(f"{target} is a folder, and a {fmt} export is one file: give a file name")
    if not target.is_file():
        raise ExportRefused(f"{target} is not a regular file: nothing was written")
    if target.stat().st_size == 0:
        return
    ours = {"sqlite": _is_sqlite_export, "duckdb": _is_duckdb_export, "popolo": _is_popolo_export}[fmt](target)
    if not ours:
        raise ExportRefused(f"{target} exists and is not a referat {fmt} export: referat does not overwrite "
                            "a file it did not write (its tables would be dropped)")


def _is_sqlite_export(path: Path) -> bool:
    try:
        db = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True)
        try:
            return db.execute("SELECT 1 FROM _referat_meta WHERE key = 'layout'").fetchone() is not None
        finally:
            db.close()
    except sqlite3.Error:
        return False


def _is_duckdb_export(path: Path) -> bool:
    import duckdb

    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error:
        return False
    try:
        return con.execute("SELECT 1 FROM _referat.meta WHERE key = 'layout'").fetchone() is not None
    except duckdb.Error:
        return False
    finally:
        con.close()


def _is_popolo_export(path: Path) -> bool:
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and set(data) == POPOLO_LISTS


# -- folders: written beside the target, then exchanged with it in one step -----------------------


def partial_folder(target: Path, fmt: str) -> Path:
    """A new folder beside `target`, with the export's marker, to write an export into before it is
    swapped in; partial folders left by a killed export are removed here. (Not `*.tmp`: the store's
    own clean-up of stale temporary files removes files, not folders.)"""
    target.parent.mkdir(parents=True, exist_ok=True)
    for stale in target.parent.glob(f".{target.name}.*.partial"):
        shutil.rmtree(stale, ignore_errors=True)
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.partial")
    tmp.mkdir()
    (tmp / MARKER).write_text(fmt + "\n", encoding="utf-8")
    return tmp


def swap_in(tmp: Path, target: Path) -> None:
    """Replace the folder `target` by `tmp`: readers see the old folder or the new one, and a kill
    at any moment leaves one of them at `target` (an atomic exchange where the system has one)."""
    if target.exists() and _exchange(tmp, target):
        shutil.rmtree(tmp, ignore_errors=True)  # the old export, now at tmp
        return
    if target.exists():
        old = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.partial")
        os.replace(target, old)
        os.replace(tmp, target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(tmp, target)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux renameat2 RENAME_EXCHANGE); False where not available."""
    with contextlib.suppress(OSError, AttributeError, TypeError):
        libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        renameat2 = libc.renameat2
        renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
        if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
            return True
    return False
