"""A PDF gives the same record as its text, plus pages: the acceptance bar of issue 3."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from pipeline.evaluate import score_record
from pipeline.process import build_record
from tests.pdf_fixtures import SAMPLE_GOLD, SAMPLE_TEXT, render_sample, render_text_pdf

FIXTURES = Path(__file__).parent / "fixtures"
OTHER_TEXTS = sorted((FIXTURES / "other").glob("*.txt")) + sorted((FIXTURES / "variants").glob("*.txt"))


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    return render_sample(tmp_path_factory.mktemp("pdf") / "kkr-hovedstaden-2026-06-16.pdf")


@pytest.fixture(scope="module")
def pdf_record(rendered):
    return build_record(rendered.path)


@pytest.fixture(scope="module")
def text_record():
    return build_record(SAMPLE_TEXT)


@pytest.fixture(scope="module")
def source_lines():
    return SAMPLE_TEXT.read_text(encoding="utf-8").split("\n")


def test_pdf_record_is_a_pdf_record(pdf_record, rendered):
    assert pdf_record.source.media_type == "application/pdf"
    assert pdf_record.source.page_count == rendered.page_count
    assert pdf_record.record_id == "kkr-hovedstaden-2026-06-16"


def _assert_scores_like_the_text(pdf_record, text_record):
    gold = json.loads(SAMPLE_GOLD.read_text(encoding="utf-8"))
    from_text = {k: v.scores() for k, v in score_record(gold, text_record).items()}
    from_pdf = {k: v.scores() for k, v in score_record(gold, pdf_record).items()}
    assert from_pdf.keys() == from_text.keys()
    for field, scores in from_text.items():
        for measure in ("precision", "recall", "f1"):
            assert abs(from_pdf[field][measure] - scores[measure]) <= 0.01, (field, measure, from_pdf[field])


def test_scores_equal_the_text_record_on_every_field(pdf_record, text_record):
    _assert_scores_like_the_text(pdf_record, text_record)


@pytest.fixture(scope="module")
def rendered_toc_table(tmp_path_factory):
    """The sample with its TOC drawn as a ruled table (number | title | page, long titles wrapping
    in their cell) and its long item headings wrapping in the text."""
    return render_sample(tmp_path_factory.mktemp("pdf-toc") / "kkr-hovedstaden-2026-06-16.pdf", toc_table=True)


def test_a_ruled_toc_and_wrapped_headings_score_like_the_text(rendered_toc_table, text_record):
    assert rendered_toc_table.wrapped_toc_entries and rendered_toc_table.wrapped_headings
    record = build_record(rendered_toc_table.path)
    _assert_scores_like_the_text(record, text_record)
    assert [(i.number, i.toc_page) for i in record.items] == [(i.number, i.toc_page) for i in text_record.items]


def _last_text_line(source_lines, start: int, end: int) -> int:
    while end > start and not source_lines[end - 1].strip():
        end -= 1
    return end


def test_every_item_has_its_page_span(pdf_record, text_record, rendered, source_lines):
    """The item's first page is where its heading was drawn, its last where its last line ended."""
    assert [i.number for i in pdf_record.items] == [i.number for i in text_record.items]
    for by_text, by_pdf in zip(text_record.items, pdf_record.items):
        assert (by_pdf.span is None) == (by_text.span is None)
        if by_text.span is None:
            continue
        first = by_text.span.start_line
        last = _last_text_line(source_lines, first, by_text.span.end_line)
        expected = (rendered.line_pages[first][0], rendered.line_pages[last][1])
        assert (by_pdf.span.start_page, by_pdf.span.end_page) == expected, by_pdf.number


def _cells(rows):
    return [[(c.text, c.value, c.unit) for c in row] for row in rows]


def test_every_table_is_found_with_its_cells(pdf_record, text_record):
    """Same tables, same shape, same numbers and units, cell texts equal up to whitespace/hyphens."""

    def loose(rows):
        return [[(re.sub(r"[\s-]+", "", c.text), c.value, c.unit) for c in row] for row in rows]

    for by_text, by_pdf in zip(text_record.items, pdf_record.items):
        assert len(by_pdf.tables) == len(by_text.tables), by_text.number
        for t, p in zip(by_text.tables, by_pdf.tables):
            assert loose(p.header_rows) == loose(t.header_rows), by_text.number
            assert loose(p.rows) == loose(t.rows), by_text.number
    assert sum(len(i.tables) for i in pdf_record.items) == 4


def test_table_cells_read_exactly_as_from_the_text(pdf_record, text_record):
    for by_text, by_pdf in zip(text_record.items, pdf_record.items):
        for t, p in zip(by_text.tables, by_pdf.tables):
            assert _cells(p.header_rows) == _cells(t.header_rows), by_text.number
            assert _cells(p.rows) == _cells(t.rows), by_text.number


def test_tables_start_on_the_page_they_were_drawn(pdf_record, rendered):
    tables = [t for i in pdf_record.items for t in i.tables]
    assert [t.span.start_page for t in tables] == [t.pages[0] for t in rendered.tables]


def test_a_table_split_by_a_page_break_ends_on_the_next_page(pdf_record, rendered):
    tables = [t for i in pdf_record.items for t in i.tables]
    assert [t.span.end_page for t in tables] == [t.pages[-1] for t in rendered.tables]


def _view(record) -> dict:
    """What a reader of the record sees, texts compared with whitespace collapsed."""

    def txt(value):
        return re.sub(r"\s+", " ", value).strip() if isinstance(value, str) else value

    return {
        "document_type": record.document_type,
        "not_minutes_reason": record.not_minutes_reason,
        "meeting": {k: txt(v) for k, v in record.meeting.model_dump(mode="json").items() if k != "next_meeting"},
        "participants": [(p.name, p.party, p.municipality, p.status) for p in record.participants],
        "items": [
            (
                i.number,
                txt(i.title),
                txt(i.recommendation.text) if i.recommendation else None,
                txt(i.decision.text) if i.decision else None,
                [a.title for a in i.attachments],
                len(i.tables),
            )
            for i in record.items
        ],
    }


@pytest.mark.parametrize("text_path", OTHER_TEXTS, ids=lambda p: p.stem)
def test_other_documents_give_the_same_record_as_pdf(text_path, tmp_path):
    pdf_path = tmp_path / f"{text_path.stem}.pdf"
    text = text_path.read_text(encoding="utf-8")
    rendered = render_text_pdf(text, pdf_path, header=f"{text_path.stem[:30]} | Referat")
    if rendered.page_count == 1:  # one page: a running header cannot be told from the text
        render_text_pdf(text, pdf_path, header=None, footer=False)
    assert _view(build_record(pdf_path)) == _view(build_record(text_path))
