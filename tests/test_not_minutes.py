"""Documents that are not minutes get document_type not_minutes, a reason, and nothing invented."""

import pytest

from pipeline.process import build_record
from tests.helpers import FIXTURES

OTHER = sorted((FIXTURES / "other").glob("*.txt"))


@pytest.mark.parametrize("path", OTHER, ids=[p.name for p in OTHER])
def test_other_documents_are_not_minutes(path):
    record = build_record(path)
    assert record.document_type == "not_minutes"
    assert record.not_minutes_reason
    assert record.items == [] and record.participants == [] and record.sections == []
    assert record.meeting.body is None and record.meeting.date is None


def test_there_are_four_other_documents():
    assert len(OTHER) == 4
