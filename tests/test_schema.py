"""The committed JSON Schema is the contract: it must match the models."""

import json
from pathlib import Path

from schemas.export import SCHEMA_FILE, schema_json
from schemas.record import MeetingRecord
from pipeline.process import build_record
from tests.helpers import SAMPLE

SCHEMA_PATH = Path(__file__).parents[1] / "schemas" / SCHEMA_FILE


def test_committed_schema_matches_models():
    assert SCHEMA_PATH.read_text(encoding="utf-8") == schema_json(), "run `make schema` and commit the result"


def test_records_validate_and_reject_unknown_fields():
    record = build_record(SAMPLE)
    data = json.loads(record.model_dump_json())
    assert MeetingRecord.model_validate(data) == record
    data["surprise"] = 1
    try:
        MeetingRecord.model_validate(data)
    except ValueError:
        return
    raise AssertionError("unknown field accepted")
