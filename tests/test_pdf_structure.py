"""The PDF loader on synthetic layouts (fpdf2) for the layout rules the real minutes showed:
deep running header blocks, lines that end a sentence before a page break, a heading or a label,
lists laid out as tables, and a table of contents drawn as a ruled table."""

from __future__ import annotations

import re

import pytest

from loaders import load
from loaders.pdf import parse_pdf
from tests.pdf_fixtures import (
    LIST_CELL_BILAG,
    LIST_POINTS,
    SAMPLE_TEXT,
    TOC_LINE,
    list_table_pdf,
    page_break_pdf,
    render_sample,
)

HEADER_BLOCK = "KKR Hovedstaden\nReferat\nÅbent referat\nMødedato: 16.06.2026\nSide {page}"


def _lines(loaded) -> list[str]:
    return loaded.text.split("\n")


# --- running header blocks -------------------------------------------------------------------------


def test_a_five_line_header_block_is_removed_whole(tmp_path):
    """eDoc stacks body, `Referat`, `Åbent referat`, the date and the page number at the top
    right of every page: all five lines go, not just the first three."""
    rendered = render_sample(tmp_path / "deep-header.pdf", header=HEADER_BLOCK, footer=False)
    loaded = load(rendered.path, rendered.path.read_bytes())
    lines = _lines(loaded)
    assert "Mødedato: 16.06.2026" not in loaded.text
    assert "Åbent referat" not in loaded.text
    assert not any(re.fullmatch(r"Side \d+|Referat|KKR Hovedstaden", x) for x in lines)
    assert loaded.page_count == rendered.page_count > 20
    assert len(loaded.tables) == 3


# --- paragraphs over page breaks, headings and labels ------------------------------------------------


@pytest.fixture(scope="module")
def page_breaks():
    data, expect = page_break_pdf()
    return _lines(parse_pdf(data, "page-breaks.pdf")), expect


def test_a_numbered_heading_at_the_top_of_a_page_is_not_joined_to_the_sentence_before(page_breaks):
    lines, expect = page_breaks
    assert expect["p1"] in lines  # the page was full, its last line full, but it ended a sentence
    assert "1.2 Status på udviklingsønsker" in lines


def test_a_label_after_a_sentence_starts_a_line(page_breaks):
    lines, expect = page_breaks
    k = lines.index(expect["kasper"])
    assert lines[k + 1] == "Referat:"


def test_a_page_that_ends_early_ends_its_paragraph(page_breaks):
    """The last line of page 2 is full and ends a sentence, but the page ends well above where full
    pages end: the next page starts a new paragraph."""
    lines, expect = page_breaks
    k = lines.index(expect["early"])
    assert lines[k + 1] == ""
    assert lines[k + 2].startswith("Det næste afsnit begynder her")


def test_a_full_page_goes_on_into_the_next_even_after_a_sentence(page_breaks):
    lines, expect = page_breaks
    assert expect["p3"] in lines


def test_a_change_of_colour_starts_a_line(page_breaks):
    lines, expect = page_breaks
    k = lines.index(expect["red"])
    assert lines[k + 1] == expect["black"]


# --- lists laid out as tables ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("v_align", "borders"), [("TOP", "ALL"), ("MIDDLE", "ALL"), ("TOP", "NONE")], ids=["ruled", "centred", "unruled"]
)
def test_points_laid_out_as_a_table_are_text_lines(v_align, borders):
    loaded = parse_pdf(list_table_pdf(v_align, borders), "list.pdf")
    lines = _lines(loaded)
    assert loaded.tables == []
    points = [f"{marker} {text}" for marker, text in LIST_POINTS]
    assert [x for x in lines if x[:3] in ("A) ", "B) ", "c. ")] == points
    # a blank line between the points, as the page shows; the cell's own paragraphs on their lines
    k = lines.index(points[0])
    assert lines[k + 1 : k + 4] == ["", points[1], ""]
    k = lines.index(points[2])
    assert lines[k + 1 : k + 4] == ["", LIST_CELL_BILAG[0], LIST_CELL_BILAG[1]]
    assert lines[-2:] == ["Beslutning", "Godkendt."]
    assert "\t" not in loaded.text


# --- a TOC drawn as a ruled table --------------------------------------------------------------------


@pytest.fixture(scope="module")
def toc_table(tmp_path_factory):
    rendered = render_sample(tmp_path_factory.mktemp("pdf") / "kkr-hovedstaden-2026-06-16.pdf", toc_table=True)
    return rendered, load(rendered.path, rendered.path.read_bytes())


def _source_toc() -> list[str]:
    """The TOC block of the sample text: its first run of TOC lines."""
    lines = SAMPLE_TEXT.read_text(encoding="utf-8").split("\n")
    start = next(k for k, x in enumerate(lines) if TOC_LINE.match(x))
    end = next(k for k in range(start, len(lines)) if not TOC_LINE.match(lines[k]))
    return lines[start:end]


def test_a_ruled_toc_comes_out_as_toc_lines(toc_table):
    rendered, loaded = toc_table
    assert rendered.wrapped_toc_entries, "some TOC titles should wrap inside their cell"
    lines = _lines(loaded)
    want = [re.sub(r"\s*\.{2,}\t", "\t", x) for x in _source_toc()]  # a ruled TOC has no dot leaders
    k = lines.index(want[0])
    assert lines[k : k + len(want)] == want
    assert lines[k - 1] == "" and lines[k + len(want)] == ""
    assert all(loaded.line_pages[k + j] == 1 for j in range(len(want)))


def test_a_ruled_toc_is_no_table(toc_table):
    rendered, loaded = toc_table
    assert len(loaded.tables) == len([t for t in rendered.tables if t.ruled]) == 3
    assert all(t.rows[0][0] not in ("1.", "Deltagerfortegnelse") for t in loaded.tables)
