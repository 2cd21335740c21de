"""The PDF loader on real minutes (tests/fixtures/real/): what a reader of the page sees.

- Ballerup (eDoc, 15 pages): a five-line running header block at the top right of every page, a
  bordered two-column table split over pages 11-12, lettered points `a.`-`e.` and `A)`/`B)` laid
  out as two-column tables, underlined decision headings right above the decision text.
- Aarhus (SBSYS, 4 pages): grey numbered headings and a `Referat:` label at the top of a page
  after a page that ends with a full line; a red note before a black label.
- Two documents that are not minutes (a memo, a theme-day report with a ruled programme table).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from loaders import load

REAL = Path(__file__).parent / "fixtures" / "real"
BALLERUP = REAL / "ballerup-sundheds-og-forebyggelsesudvalget-2012-12-04-referat.pdf"
AARHUS = REAL / "aarhus-kommune-moedesystemgruppen-2016-10-06-referat.pdf"
OTHERS = [
    REAL / "ballerup-social-sundhed-beskaeftigelse-2012-11-19-other.pdf",
    REAL / "syddjurs-byraadet-temamoede-2012-09-20-other.pdf",
]


def _load(path: Path):
    return load(path, path.read_bytes())


@pytest.fixture(scope="module")
def ballerup():
    return _load(BALLERUP)


@pytest.fixture(scope="module")
def aarhus():
    return _load(AARHUS)


def _lines(loaded) -> list[str]:
    return loaded.text.split("\n")


def _after(lines: list[str], line: str) -> str:
    """The next non-blank line after `line`."""
    k = lines.index(line)
    return next(x for x in lines[k + 1 :] if x.strip())


# --- Ballerup: the running header block ------------------------------------------------------------


def test_the_whole_running_header_block_is_removed(ballerup):
    """All five lines of the header (`Sundheds- og Forebyggelsesudvalget`, `Referat`, `Åbent
    referat`, `Dato: 04.12.2012`, `Side N`), not just the first three."""
    assert "Dato: 04.12.2012" not in ballerup.text
    assert not re.search(r"(?m)\bSide \d+$", ballerup.text)
    assert len(ballerup.line_pages) == len(_lines(ballerup))


def test_texts_that_run_over_a_page_break_are_not_cut_by_the_header(ballerup):
    lines = _lines(ballerup)
    assert (
        "Mængden af akutte skader og især følgeskader hertil forventes at falde. Ved en rutinemæssig "
        "rundering i første omgang på samtlige skoler og institutioner af servicepersonalet i de "
        "respektive distrikter vil utætheder og lignende blive opdaget, så større skader undgås."
    ) in lines
    # item 3's decision heading opens page 7, right after the recommendation on page 6
    assert _after(lines, "A) Kvalitetsstandarder for stof- og alkoholmisbrug 2013 godkendes.") == (
        "Sundheds- og Forebyggelsesudvalgets beslutning den 04.12.2012 Punkt 3"
    )


# --- Ballerup: tables ------------------------------------------------------------------------------


def test_a_table_split_over_two_pages_is_one_table(ballerup):
    assert len(ballerup.tables) == 1
    table = ballerup.tables[0]
    assert (table.page, table.end_page) == (11, 12)
    assert table.rows[0] == ["Indsatsområde i Ballerup Kommune", "Afsatte midler i 2013"]
    assert table.rows[-1] == ["I alt", "2.890.000 kr."]
    assert len(table.rows) == 9
    assert [r[1] for r in table.rows[1:-1]] == [
        "1.370.000 kr.", "200.000 kr.", "250.000 kr.", "500.000 kr.", "400.000 kr.", "100.000 kr.", "70.000 kr.",
    ]
    lines = _lines(ballerup)
    assert lines[table.start_line - 1] == ""
    assert ballerup.line_pages[table.start_line - 1] == 11


def test_lettered_points_laid_out_as_a_table_are_text_lines(ballerup):
    lines = _lines(ballerup)
    for point in (
        "a. Møder og konferencer",
        "b. Konference den 23. januar 2012 - Hvordan udvikler vi det nære sundhedsvæsen sammen?",
        "c. Konference den 10. december 2012 - Forebyggelse af ulighed i sundhedsvæsenet",
        "d. Redegørelse fra Træning og Aktivitet vedrørende Seniorrådets høringssvar",
        "e. Sundheds- og Forebyggelsesudvalgets aktiviteter 2013 herunder konferencer, studiebesøg m.fl.",
    ):
        assert point in lines
    # what a point's cell holds stays in paragraphs of its own: the Bilag heading, the attachment
    k = lines.index("b. Konference den 23. januar 2012 - Hvordan udvikler vi det nære sundhedsvæsen sammen?")
    assert lines[k + 1 : k + 5] == [
        "", "Bilag", "2012-208960 - Hvordan udvikler vi det nære sundhedsvæsen sammen?", "",
    ]
    assert _after(lines, "Bilag") == "2012-208960 - Hvordan udvikler vi det nære sundhedsvæsen sammen?"
    k = lines.index("d. Redegørelse fra Træning og Aktivitet vedrørende Seniorrådets høringssvar")
    assert lines[k + 2 : k + 4] == [
        "Bilag", "2012-204248 - Redegørelse fra Træning og Aktivitet vedrørende Seniorrådets høringssvar",
    ]


def test_lettered_recommendations_laid_out_as_a_table_are_text_lines(ballerup):
    lines = _lines(ballerup)
    a = "A) De foreslåede arbejder for bygningsvedligeholdelse 2013 under Sundheds- og Forebyggelsesudvalget godkendes."
    b = (
        "B) Anlægsbevilling på 1.316.000 kr. over projekt nr. 650260, Vedligeholdelsesarbejder 2013 indgår "
        "i den samlede anlægssag, som fremlægges for Økonomiudvalget og Kommunalbestyrelsen."
    )
    assert _after(lines, "Center for Ejendomme indstiller, at") == a
    assert _after(lines, a) == b
    assert lines[lines.index(a) + 1] == ""  # the page shows a gap between the points
    assert (
        "B) Der afgives forslag til anvendelsesformål og fremtidige brugergrupper til brug for det videre arbejde."
    ) in lines
    assert not any(re.match(r"^[A-Ea-e][.)]\t", x) for x in lines)


def test_an_underlined_decision_heading_is_not_joined_with_the_decision(ballerup):
    lines = _lines(ballerup)
    for n, decision in ((2, "Indstillingen godkendt"), (4, "Indstillingen godkendt"), (7, "Indstillingen godkendt")):
        heading = f"Sundheds- og Forebyggelsesudvalgets beslutning den 04.12.2012 Punkt {n}"
        assert heading in lines
        assert lines[lines.index(heading) + 1] == decision


def test_wrapped_paragraphs_are_joined(ballerup):
    """The layout measures come from the body text, not from the header block right of it."""
    assert (
        "Det årlige bygningssyn er nu afsluttet, og der er foretaget en prioritering af aktiviteter for "
        "bygningsvedligeholdelse 2013."
    ) in _lines(ballerup)


# --- Aarhus: headings and labels -----------------------------------------------------------------


def test_a_numbered_heading_at_the_top_of_a_page_starts_a_line(aarhus):
    lines = _lines(aarhus)
    assert "1.2 Status på udviklingsønsker" in lines
    assert "First Agenda tager med hjem at man kan søge på listen, når man tilknytter til et udvalg." in lines
    page = aarhus.line_pages[lines.index("1.2 Status på udviklingsønsker")]
    assert page == 2


def test_a_label_after_a_sentence_starts_a_line(aarhus):
    lines = _lines(aarhus)
    note = "Mailsvar på hvem man skal kontakte ved support. FØLG OP PÅ SAMMEN MED KASPER."
    assert note in lines
    assert _after(lines, note) == "Referat:"
    assert aarhus.line_pages[lines.index(note) + 2] == 3
    assert not any(x.endswith("Referat:") and x != "Referat:" for x in lines)


def test_aarhus_has_no_tables_and_keeps_its_sections(aarhus):
    lines = _lines(aarhus)
    assert aarhus.tables == []
    for heading in ("1 First Agenda", "2 GetOrganized", "2.1 Status siden sidst", "3 Eventuelt"):
        assert heading in lines


@pytest.mark.parametrize(
    ("path", "pages", "tables"), [(OTHERS[0], 2, 0), (OTHERS[1], 3, 1)], ids=lambda v: getattr(v, "stem", v)
)
def test_other_documents_load(path, pages, tables):
    loaded = _load(path)
    assert (loaded.page_count, len(loaded.tables)) == (pages, tables)
    assert len(loaded.line_pages) == len(_lines(loaded))
