"""The PDF loader on the sample minutes rendered to PDF: page map, furniture, tables, text shape."""

from __future__ import annotations

import re

import pytest

from loaders import load
from tests.pdf_fixtures import SAMPLE_HEADER, SAMPLE_TEXT, render_sample


def _norm(text: str) -> str:
    """Compare texts without whitespace, hyphens or tabs (the layout may rejoin or split them)."""
    return re.sub(r"[\s\-]+", "", text)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    path = tmp_path_factory.mktemp("pdf") / "kkr-hovedstaden-2026-06-16.pdf"
    return render_sample(path)


@pytest.fixture(scope="module")
def loaded(rendered):
    return load(rendered.path, rendered.path.read_bytes())


@pytest.fixture(scope="module")
def source_lines():
    return SAMPLE_TEXT.read_text(encoding="utf-8").split("\n")


def test_page_count_and_page_map_shape(rendered, loaded):
    assert loaded.media_type == "application/pdf"
    assert loaded.page_count == rendered.page_count > 20
    assert len(loaded.line_pages) == len(loaded.text.split("\n"))
    assert loaded.line_pages == sorted(loaded.line_pages)  # reading order
    assert loaded.line_pages[0] == 1 and loaded.line_pages[-1] == rendered.page_count


def test_running_header_and_page_numbers_are_gone(loaded):
    assert SAMPLE_HEADER not in loaded.text
    assert not re.search(r"(?m)^Side \d+ af \d+$", loaded.text)


def _table_lines(rendered) -> set[int]:
    return {k for t in rendered.tables if t.ruled for k in range(t.start_line, t.end_line + 1)}


def test_every_source_line_is_in_the_text_on_its_page(rendered, loaded, source_lines):
    """Each text line of the fixture is found, in order, in the PDF's text; the line of the PDF's
    text that holds it is mapped to the page the fixture line was drawn on (for a paragraph joined
    from several fixture lines: the page of the first one)."""
    out = [_norm(x) for x in loaded.text.split("\n")]
    skip = _table_lines(rendered)
    k, pos, first_source_of = 0, 0, {}
    for n, line in enumerate(source_lines, start=1):
        if not line.strip() or n in skip:
            continue
        needle = _norm(line)
        while k < len(out) and needle not in out[k][pos:]:
            k, pos = k + 1, 0
        assert k < len(out), f"source line {n} not found in order: {line[:80]!r}"
        pos = out[k].index(needle, pos) + len(needle)
        first_source_of.setdefault(k, n)
    assert first_source_of, "nothing matched"
    for k, n in first_source_of.items():
        assert loaded.line_pages[k] == rendered.line_pages[n][0], (n, source_lines[n - 1][:60])


def test_ruled_tables_found_with_their_cells_and_pages(rendered, loaded):
    expected = [t for t in rendered.tables if t.ruled]
    assert len(expected) == 3
    assert len(loaded.tables) == len(expected)
    def cells(rows):  # as a text table reads them: no trailing empty cells; hyphen breaks rejoined
        out = []
        for row in rows:
            row = [_norm(c) for c in row]
            while row and not row[-1]:
                row.pop()
            out.append(row)
        return out

    for got, want in zip(loaded.tables, expected):
        assert cells(got.rows) == cells(want.rows)
        assert all(c == " ".join(c.split()) for row in got.rows for c in row)
        assert (got.page, got.end_page) == (want.pages[0], want.pages[-1])
    assert any(len(t.pages) > 1 for t in expected), "the sample should have a table split by a page break"


def test_table_text_does_not_leak_into_paragraphs(loaded):
    for cell in ("Dimensionering 2027", "101 København", "Gennemsnit 2021-25", "390 Vordingborg"):
        assert cell not in loaded.text


def test_tables_stand_on_placeholder_lines_inside_their_item(loaded):
    lines = loaded.text.split("\n")
    for t in loaded.tables:
        assert t.start_line == t.end_line
        assert lines[t.start_line - 1] == ""
        assert loaded.line_pages[t.start_line - 1] == t.page
    before = [lines[: t.start_line - 1] for t in loaded.tables]
    headings = [[x for x in b if re.match(r"^\d+\.\d+\. ", x)][-1] for b in before]
    assert [h.split()[0] for h in headings] == ["3.7.", "3.7.", "3.9."]


def test_unruled_columns_come_out_tab_separated(loaded):
    lines = loaded.text.split("\n")
    assert "Region Østdanmark:\t2,50 mio. kr." in lines
    assert "45 kommuner (øvrige):\t1,25 mio. kr." in lines
    assert "1.1. Godkendelse af referat\t5" in lines
    assert "3.10. Orientering om KKR's fælles prioriterede VIP infrastrukturprojekter ...\t36" in lines


def test_hyphenated_words_are_rejoined(rendered, loaded):
    assert len(rendered.hyphenated) > 20
    words = set(re.findall(r"[\w-]+", loaded.text))
    missing = [w for w in rendered.hyphenated if w not in words]
    assert not missing


def test_two_line_titles_are_one_line(rendered, loaded, source_lines):
    assert rendered.wrapped_headings
    lines = loaded.text.split("\n")
    for n in rendered.wrapped_headings:
        assert source_lines[n - 1] in lines


def test_paragraphs_are_rejoined_across_page_breaks(rendered, loaded, source_lines):
    split = [n for n, (a, b) in rendered.line_pages.items() if a != b and n not in _table_lines(rendered)]
    assert split, "the sample should have a paragraph split by a page break"
    lines = [_norm(x) for x in loaded.text.split("\n")]
    for n in split:
        assert any(_norm(source_lines[n - 1]) in x for x in lines), source_lines[n - 1][:60]


def test_suspended_compounds_keep_hyphen_and_space(loaded):
    assert "beredskabs- og" in loaded.text
