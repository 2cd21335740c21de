"""Damaged minutes still give a valid record, never a traceback."""

import random

import pytest

from schemas.record import MeetingRecord
from tests.helpers import SAMPLE, record_from_text

LINES = SAMPLE.read_text(encoding="utf-8").split("\n")
NOISE = "ab 1.-\t()ÆØÅ*[]#|:"


def damaged(seed: int) -> str:
    rnd = random.Random(seed)
    lines = LINES[:]
    for _ in range(rnd.randint(1, 40)):
        i = rnd.randrange(len(lines))
        op = rnd.random()
        if op < 0.3:
            del lines[i]
        elif op < 0.6:
            lines.insert(i, rnd.choice(LINES))
        elif op < 0.8:
            lines[i] = lines[i][: rnd.randrange(len(lines[i]) + 1)]
        else:
            lines[i] = "".join(rnd.choice(NOISE) for _ in range(rnd.randrange(60)))
    return "\n".join(lines)


@pytest.mark.parametrize("seed", range(40))
def test_damaged_sample_gives_valid_record(seed):
    record = record_from_text(damaged(seed))
    MeetingRecord.model_validate(record.model_dump())
    numbers = [i.number for i in record.items]
    assert len(numbers) == len(set(numbers)) or record.document_type != "minutes"


@pytest.mark.parametrize("text", ["", "\n\n\n", "a- b " * 20000, "*" * 50000, ("x\t" * 50 + "\n") * 500,
                                  "\n".join(f"{i}. Punkt {i}" for i in range(1, 500)), "Hans Hansen (" * 2000])
def test_degenerate_text_is_not_minutes(text):
    assert record_from_text(text).document_type == "not_minutes"
