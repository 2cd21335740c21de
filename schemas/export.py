"""The JSON Schema published in schemas/meeting_record.schema.json, generated from the models."""

from __future__ import annotations

import json

from schemas.record import MeetingRecord

SCHEMA_FILE = "meeting_record.schema.json"


def schema_json() -> str:
    return json.dumps(MeetingRecord.model_json_schema(), indent=2, ensure_ascii=False) + "\n"
