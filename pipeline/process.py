"""One document from disk to a validated record: read, extract, validate. No orchestration here."""

from __future__ import annotations

import os
from pathlib import Path

from extractors import EXTRACTOR_VERSION
from extractors.document import extract_record
from loaders import load, sha256_of
from schemas.record import MeetingRecord, RecordWarning, Source


def build_record(path: Path) -> MeetingRecord:
    """Read `path` and return its validated record. Raises loaders.errors.DocumentError."""
    data = path.read_bytes()
    loaded = load(path, data)
    source = Source(
        # A name that is not UTF-8 (raw bytes on Linux) is shown with U+FFFD rather than failing.
        file_name=os.fsencode(path.name).decode("utf-8", "replace"),
        sha256=sha256_of(data),
        media_type=loaded.media_type,
        system=loaded.system,
        meeting_id=loaded.structure.meeting_id if loaded.structure else None,
        page_count=loaded.page_count,
        size_bytes=len(data),
    )
    record = extract_record(
        loaded.text,
        source=source,
        line_pages=loaded.line_pages,
        line_end_pages=loaded.line_end_pages,
        layout_tables=loaded.tables,
        furniture=loaded.furniture,
        structure=loaded.structure,
    )
    record.warnings.extend(RecordWarning(code=code, message=message) for code, message in loaded.warnings)
    # Round-trip through the schema so that what we store is what the contract says.
    return MeetingRecord.model_validate(record.model_dump())


__all__ = ["build_record", "EXTRACTOR_VERSION"]
