"""The output store. Minimal for now: atomic record writes (the full store comes with issue 4)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from schemas.record import MeetingRecord


def atomic_write_text(target: Path, text: str) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_record_file(out: Path, record: MeetingRecord) -> Path:
    target = out / "records" / f"{record.record_id}.json"
    atomic_write_text(target, record.model_dump_json(indent=2) + "\n")
    return target
