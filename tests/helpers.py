"""Shared test helpers: fixture paths and records built straight from text."""

from __future__ import annotations

import hashlib
from pathlib import Path

from extractors.document import extract_record
from schemas.record import MeetingRecord, Source

FIXTURES = Path(__file__).parent / "fixtures"
SAMPLE = FIXTURES / "minutes" / "kkr-hovedstaden-2026-06-16.txt"
SAMPLE_GOLD = FIXTURES / "gold" / "kkr-hovedstaden-2026-06-16.gold.json"


def record_from_text(text: str, name: str = "test.txt", entities: bool = True) -> MeetingRecord:
    data = text.encode("utf-8")
    source = Source(file_name=name, sha256=hashlib.sha256(data).hexdigest(), media_type="text/plain",
                    size_bytes=len(data))
    return extract_record(text, source=source, entities=entities)
