"""Reading the output store, as files: the records, their signatures, the manifest.

analytics reads the store that `pipeline.store` writes, through its files only (the layout in
docs/orchestration.md), so that nothing of the pipeline is imported here. Local folders only: the
analytics database needs a local file.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

Signature = tuple[int, int, int]  # size, mtime_ns, inode: every write of a record renames a new file in


class NotLocal(ValueError):
    pass


def store_root(out: str | os.PathLike) -> Path:
    text = str(out)
    if "://" in text and not text.startswith("file://"):
        raise NotLocal(f"{text}: analytics needs a local store folder (it keeps a DuckDB file there)")
    return Path(text.removeprefix("file://"))


def record_signatures(root: Path) -> dict[str, Signature]:
    """record_id -> signature of its file in records/: one directory listing, no file read."""
    folder = root / "records"
    out: dict[str, Signature] = {}
    try:
        entries = os.scandir(folder)
    except FileNotFoundError:
        return out
    with entries:
        for entry in entries:
            name = entry.name
            if not name.endswith(".json") or name.startswith("."):
                continue
            st = entry.stat()
            out[name[:-5]] = (st.st_size, st.st_mtime_ns, st.st_ino)
    return out


def read_record(root: Path, record_id: str) -> dict:
    with open(root / "records" / f"{record_id}.json", "rb") as handle:
        return json.loads(handle.read())


def source_paths(root: Path) -> dict[str, list[str]]:
    """sha256 of a document -> the paths it was ingested from (newest first), from the manifest."""
    out: dict[str, list[str]] = {}
    try:
        text = (root / "manifest.jsonl").read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return out
    for line in text.split("\n"):
        if not line.strip():
            continue
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if event.get("event") in {"processed", "seen"} and event.get("sha256") and event.get("path"):
            paths = out.setdefault(event["sha256"], [])
            if event["path"] in paths:
                paths.remove(event["path"])
            paths.insert(0, event["path"])
    return out
