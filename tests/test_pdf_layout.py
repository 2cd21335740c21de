"""Pure PDF layout logic: running headers and footers, hyphenation, paragraphs, columns, grids."""

from loaders.page_furniture import PageLine, find_furniture, furniture_key
from loaders.pdf_layout import (
    Line,
    PageTable,
    assemble,
    column_breaks,
    grid_tables,
    merge_rules,
    join_hyphenated,
)

HEADER = "KKR Hovedstaden | Referat | 16-06-2026"
WORDS = "alfa bravo charlie delta ekko foxtrot golf hotel india juliet kilo lima mike november".split()


def _distinct(p: int, k: int) -> str:
    """A body line that differs from every other page's lines in its words, not its digits."""
    return f"{WORDS[p % len(WORDS)].title()} {WORDS[(3 * p + k + 1) % len(WORDS)]} om sagen"


def _pages(n: int, body: list[list[str]] | None = None, first_header: bool = True):
    pages = []
    for p in range(n):
        lines = []
        if p > 0 or first_header:
            lines.append(PageLine(HEADER, 30.0))
        for k, text in enumerate(body[p] if body else [_distinct(p, k) for k in range(5)]):
            lines.append(PageLine(text, 80.0 + 13 * k))
        lines.append(PageLine(f"Side {p + 1} af {n}", 805.0))
        pages.append(lines)
    return pages


def test_furniture_key_normalises_numbers():
    assert furniture_key("Side 7 af 40") == furniture_key("Side 12  af 40") == "side # af #"
    assert furniture_key(HEADER) == "kkr hovedstaden | referat | #-#-#"


def test_running_header_and_footer_found_by_repetition():
    pages = _pages(6)
    drop = find_furniture(pages)
    for lines, d in zip(pages, drop):
        assert {lines[i].text for i in d} == {HEADER, lines[-1].text}


def test_title_page_without_header_still_loses_its_footer_only():
    pages = _pages(6, first_header=False)
    drop = find_furniture(pages)
    assert {pages[0][i].text for i in drop[0]} == {"Side 1 af 6"}
    assert all(len(d) == 2 for d in drop[1:])


def test_body_line_repeated_on_few_pages_is_kept():
    body = [["Beslutning", _distinct(p, 1)] if p < 2 else [_distinct(p, 0), _distinct(p, 1)] for p in range(8)]
    pages = _pages(8, body=body)
    drop = find_furniture(pages)
    for lines, d in zip(pages, drop):
        assert all(lines[i].text in (HEADER,) or lines[i].text.startswith("Side ") for i in d)
        assert len(d) == 2


def test_numbers_must_be_fixed_or_count_the_pages():
    # rows of a long table open every page at the same height: numbers that do not count pages
    body = [[f"Region {100 + 37 * p * p}", _distinct(p, 1)] for p in range(6)]
    pages = _pages(6, body=body)
    drop = find_furniture(pages)
    assert all({pages[p][i].text for i in d} == {HEADER, f"Side {p + 1} af 6"} for p, d in enumerate(drop))


def test_one_page_has_no_furniture_to_find():
    assert find_furniture(_pages(1)) == [set()]


def test_furniture_stops_at_first_body_line():
    # a header block may only be cut from the top: a repeated line below body text stays
    pages = [[PageLine(_distinct(p, 0), 30.0), PageLine(HEADER, 43.0), PageLine(_distinct(p, 2), 60.0)] for p in range(4)]
    assert find_furniture(pages) == [set()] * 4


def test_join_hyphenated():
    assert join_hyphenated("drøfter beredskabs-", "og samfundssikkerhed") == "drøfter beredskabs- og samfundssikkerhed"
    assert join_hyphenated("for samfundssikker-", "hedsområdet generelt") == "for samfundssikkerhedsområdet generelt"
    assert join_hyphenated("Det nye KKR-", "formandskab") == "Det nye KKR-formandskab"
    assert join_hyphenated("Greater Copenhagen-", "samarbejdet er") == "Greater Copenhagen-samarbejdet er"
    assert join_hyphenated("Marie-", "Louise Jørgensen") == "Marie-Louise Jørgensen"
    assert join_hyphenated("i 2021-", "2025") == "i 2021-2025"
    # the document's own spelling decides a doubtful case
    assert join_hyphenated("it-", "samarbejder", {"it-samarbejder"}) == "it-samarbejder"
    assert join_hyphenated("Fordelings-", "nøglen", {"fordelingsnøglen."}) == "Fordelingsnøglen"


def test_column_breaks():
    # "Region Østdanmark:      2,50 mio. kr.": one wide gap among word spaces
    assert column_breaks([2.8, 120.0, 2.8, 2.9], size=10, wide_line=True) == [1]
    # a justified line: every space stretched alike is no column
    assert column_breaks([22.0, 23.0, 22.5], size=10, wide_line=True) == []
    # a TOC entry's page number after a short gap, the title's spaces normal
    assert column_breaks([2.8, 2.8, 2.9, 12.0], size=10, wide_line=False) == [3]
    assert column_breaks([2.8, 2.8, 2.9, 6.0], size=10, wide_line=False) == []
    # two words far apart
    assert column_breaks([300.0], size=10, wide_line=True) == [0]


def _line(text, page, baseline, x1=500.0, size=10.0, x0=56.0):
    return Line(text, page, x0, x1, baseline, size)


def test_assemble_paragraphs_lines_and_page_breaks():
    lines = [
        _line("Overskrift", 1, 80, x1=120, size=14),
        _line("En lang linje der er fyldt helt ud til", 1, 110, x1=538),
        _line("højre margen og fortsætter.", 1, 123, x1=300),
        _line("Allan Andersen (A), Tårnby Kommune", 1, 144, x1=260),
        _line("Britt Jensen (A), Rødovre Kommune", 1, 157, x1=250),
        _line("Et afsnit der løber over sidens bund og", 1, 770, x1=539),
        _line("fortsætter på næste side her.", 2, 80, x1=300),
        _line("- et punkt", 2, 101, x1=150),
        _line("- et andet punkt der er så langt at det", 2, 114, x1=538),
        _line("brydes.", 2, 127, x1=100),
    ]
    text, pages, tables = assemble(lines, [])
    assert text.split("\n") == [
        "Overskrift",
        "",
        "En lang linje der er fyldt helt ud til højre margen og fortsætter.",
        "",
        "Allan Andersen (A), Tårnby Kommune",
        "Britt Jensen (A), Rødovre Kommune",
        "",
        "Et afsnit der løber over sidens bund og fortsætter på næste side her.",
        "",
        "- et punkt",
        "- et andet punkt der er så langt at det brydes.",
    ]
    assert len(pages) == len(text.split("\n"))
    assert pages[text.split("\n").index("- et punkt")] == 2
    assert pages[0] == 1 and pages[7] == 1  # a paragraph's page is where it starts
    assert tables == []


def test_assemble_rejoins_hyphenation_at_line_and_page_end():
    lines = [
        _line("Kommunerne skal sikre den rette samfunds-", 1, 100, x1=536),
        _line("sikkerhed og beredskabs-", 1, 113, x1=535),
        _line("og forsyningsområdet i hele", 1, 126, x1=537),
        _line("regionen.", 2, 80, x1=120),
    ]
    text, pages, _ = assemble(lines, [])
    assert text == (
        "Kommunerne skal sikre den rette samfundssikkerhed og beredskabs- og forsyningsområdet i hele regionen."
    )
    assert pages == [1]


def test_assemble_table_placeholder_and_continuation():
    t1 = PageTable([["Kommune", "Kvote"], ["101 København", "64"], ["147 Frederiksberg", "16"]], 1, 600, 780, 56, 539,
                   col_edges=[56.0, 300.0])
    t2 = PageTable([["Kommune", "Kvote"], ["151 Ballerup", "-"]], 2, 70, 120, 56, 539, col_edges=[56.0, 300.0])
    lines = [
        _line("Beregnede kommunekvoter", 1, 580, x1=200),
        Line("", 1, 56, 539, 600, 0.0, table=0),
        Line("", 2, 56, 539, 70, 0.0, table=1),
        _line("Bilag", 2, 150, x1=90),
    ]
    text, pages, tables = assemble(lines, [t1, t2])
    assert text.split("\n") == ["Beregnede kommunekvoter", "", "Bilag"]
    assert len(tables) == 1
    t = tables[0]
    assert t.rows == [["Kommune", "Kvote"], ["101 København", "64"], ["147 Frederiksberg", "16"], ["151 Ballerup", "-"]]
    assert (t.start_line, t.end_line, t.page, t.end_page) == (2, 2, 1, 2)
    assert text.split("\n")[t.start_line - 1] == ""


def test_tables_on_consecutive_pages_with_other_columns_stay_apart():
    t1 = PageTable([["a", "b"], ["1", "2"]], 1, 600, 780, 56, 539, col_edges=[56.0, 300.0])
    t2 = PageTable([["x", "y", "z"], ["1", "2", "3"]], 2, 70, 120, 56, 539, col_edges=[56.0, 200.0, 350.0])
    lines = [Line("", 1, 56, 539, 600, 0.0, table=0), Line("", 2, 56, 539, 70, 0.0, table=1)]
    text, pages, tables = assemble(lines, [t1, t2])
    assert len(tables) == 2
    assert tables[0].start_line != tables[1].start_line
    assert pages[tables[1].start_line - 1] == 2


def _h(x0, x1, y):
    return {"x0": x0, "x1": x1, "top": y, "bottom": y, "width": x1 - x0, "height": 0, "orientation": "h"}


def _v(x, top, bottom):
    return {"x0": x, "x1": x, "top": top, "bottom": bottom, "width": 0, "height": bottom - top, "orientation": "v"}


def test_grid_tables_reads_a_full_grid_and_leaves_the_rest():
    grid = [_h(50, 300, y) for y in (100, 120, 140)] + [_v(x, 100, 140) for x in (50, 150, 300)]
    rule = [_h(50, 540, 40)]  # a header rule alone is no table
    partial = [_h(50, 300, 400), _h(50, 200, 420), _v(50, 400, 420), _v(300, 400, 420)]
    grids, rest = grid_tables(grid + rule + partial)
    assert grids == [[[(50, 100, 150, 120), (150, 100, 300, 120)], [(50, 120, 150, 140), (150, 120, 300, 140)]]]
    assert {id(e) for e in rest} == {id(e) for e in partial}


def test_merge_rules_joins_the_borders_of_neighbouring_cells():
    # two cells drawn as rectangles share a border a line-width apart
    edges = [_h(50, 151, 100.2), _h(149, 300, 99.8), _h(50, 151, 120), _h(149, 300, 120.4),
             _v(50, 100, 120), _v(150.3, 100, 120), _v(149.7, 100, 120), _v(300, 100, 120)]
    merged = merge_rules(edges)
    hs = sorted((round(e["top"]), e["x0"], e["x1"]) for e in merged if e["orientation"] == "h")
    vs = sorted(round(e["x0"]) for e in merged if e["orientation"] == "v")
    assert hs == [(100, 50, 300), (120, 50, 300)]
    assert vs == [50, 150, 300]
    grids, rest = grid_tables(merged)
    assert len(grids) == 1 and len(grids[0]) == 1 and len(grids[0][0]) == 2 and not rest


def test_a_paragraph_over_a_page_break_ends_on_the_next_page():
    from loaders.pdf_layout import Assembler

    lines = [
        _line("Overskrift", 1, 80, x1=120, size=14),
        _line("Et afsnit der løber over sidens bund og", 1, 770, x1=539),
        _line("fortsætter på næste side her.", 2, 80, x1=300),
        _line("Et nyt afsnit.", 2, 120, x1=200),
    ]
    asm = Assembler.calibrated(lines)
    asm.learn(lines)
    for ln in lines:
        asm.feed(ln)
    text, starts, _ = asm.finish()
    lines_out = text.split("\n")
    crossing = lines_out.index("Et afsnit der løber over sidens bund og fortsætter på næste side her.")
    assert (starts[crossing], asm.out_end_pages[crossing]) == (1, 2)
    assert len(asm.out_end_pages) == len(lines_out)


def test_item_span_ends_on_the_page_its_last_paragraph_ends():
    import hashlib

    from extractors.document import extract_record
    from schemas.record import Source

    text = "Referat\n\nUdvalget\n\nDato: 01-02-2025\n\n1. Sag\n\nSagsnr.: 01.02.03-A00-1-25\n\nBeslutning\nGodkendt efter en lang drøftelse."
    n = len(text.split("\n"))
    source = Source(file_name="x.pdf", sha256=hashlib.sha256(b"x").hexdigest(), media_type="application/pdf", size_bytes=1)
    record = extract_record(text, source=source, line_pages=[1] * n, line_end_pages=[1] * (n - 1) + [2])
    span = record.items[0].span
    assert (span.start_page, span.end_page) == (1, 2)


# --- deep header blocks, lists and TOCs laid out as tables, what ends a paragraph ---------------------


def test_a_deep_header_block_is_found_whole():
    block = ["Sundheds- og Forebyggelsesudvalget", "Referat", "Åbent referat", "Dato: 04.12.2012"]
    pages = []
    for p in range(6):
        lines = [PageLine(text, 92.0 + 10 * k) for k, text in enumerate(block)]
        lines.append(PageLine(f"Side {p + 1}", 142.8))
        lines += [PageLine(_distinct(p, k), 200.0 + 13 * k) for k in range(6)]
        pages.append(lines)
    drop = find_furniture(pages)
    for p, (lines, d) in enumerate(zip(pages, drop)):
        assert {lines[i].text for i in d} == set(block) | {f"Side {p + 1}"}


def test_is_list_table():
    from loaders.pdf_layout import is_list_table

    assert is_list_table([["a.", "Møder og konferencer"], ["b.", "Konference den 23. januar"]])
    assert is_list_table([["A)", "De foreslåede arbejder godkendes."], ["B)", "Anlægsbevilling ..."], ["", "fortsat"]])
    assert is_list_table([["1)", "Første"], ["2)", "Anden"]])
    assert is_list_table([["•", "Første"], ["•", "Anden"]])
    assert is_list_table([["(a)", "Første"], ["(b)", "Anden"], ["iv.", "Fjerde"]])
    # real tables: words, numbers or more columns in the first column
    assert not is_list_table([["Kommune", "Kvote"], ["101 København", "64"]])
    assert not is_list_table([["2021", "5.751"], ["2022", "5.548"]])
    assert not is_list_table([["1.", "Meddelelser", "3"], ["2.", "Budget", "5"]])
    assert not is_list_table([["", "Beløb"], ["", "2,50 mio. kr."], ["a.", "x"]])


def test_toc_rows_number_title_page():
    from loaders.pdf_layout import toc_rows

    rows = [
        ["", "Deltagerfortegnelse.....", "3"],
        ["1.", "Godkendelse af referat og dagsorden", "5"],
        ["1.1.", "Godkendelse af referat", "5"],
        ["3.10.", "Orientering om KKR's fælles prioriterede VIP infrastrukturprojekter", "36"],
        ["5", "Eventuelt", "40"],
    ]
    toc = toc_rows(rows, page=2)
    assert toc.lines == [
        "Deltagerfortegnelse\t3",
        "1. Godkendelse af referat og dagsorden\t5",
        "1.1. Godkendelse af referat\t5",
        "3.10. Orientering om KKR's fælles prioriterede VIP infrastrukturprojekter\t36",
        "5 Eventuelt\t40",
    ]
    assert (toc.first_page, toc.last_page, toc.numbered, toc.header) == (3, 40, 4, [])


def test_toc_rows_title_page_heading_and_sections():
    from loaders.pdf_layout import toc_rows

    rows = [
        ["Indholdsfortegnelse"],
        ["Punkt", "Side"],
        ["Åbent referat"],
        ["1. Meddelelser", "3"],
        ["2. Bygningsvedligeholdelse 2013 - anlægsbevilling", "3"],
        ["Lukket referat"],
        ["3. Salg af grund", "6"],
    ]
    toc = toc_rows(rows, page=2)
    assert toc.lines == [
        "Indholdsfortegnelse", "Punkt Side", "Åbent referat", "1. Meddelelser\t3",
        "2. Bygningsvedligeholdelse 2013 - anlægsbevilling\t3", "Lukket referat", "3. Salg af grund\t6",
    ]
    assert toc.numbered == 3 and toc.header == [["Indholdsfortegnelse", ""], ["Punkt", "Side"], ["Åbent referat", ""]]
    # an entry whose page is missing stays a line of the TOC
    rows = [["1.", "Meddelelser", "3"], ["2.", "Orientering", ""], ["3.", "Budget", "4"], ["4.", "Eventuelt", "5"]]
    assert toc_rows(rows, page=1).lines == ["1. Meddelelser\t3", "2. Orientering", "3. Budget\t4", "4. Eventuelt\t5"]


def test_toc_rows_rejects_tables_that_are_no_toc():
    from loaders.pdf_layout import toc_rows

    # page numbers going down, numbers before the table's own page, years, amounts, a data table
    assert toc_rows([["1.", "A", "5"], ["2.", "B", "3"], ["3.", "C", "9"]], page=1) is None
    assert toc_rows([["1.", "A", "1"], ["2.", "B", "2"], ["3.", "C", "3"]], page=4) is None
    years = [["1.", "Skole A renoveres", "2024"], ["2.", "Skole B", "2025"], ["3.", "Skole C", "2026"]]
    assert toc_rows(years, page=1, page_count=30) is None
    assert toc_rows([["Region Østdanmark", "2,50 mio. kr."], ["Københavns Kommune", "0,85 mio. kr."]], page=1) is None
    assert toc_rows([["Kommune", "Kvote"], ["101 København", "64"], ["147 Frederiksberg", "16"]], page=1) is None
    assert toc_rows([["KKR Hovedstaden", "850", "1.259", "1.780"], ["KKR Sjælland", "477", "722", "955"]], page=1) is None
    assert toc_rows([["1.", "3", "5"], ["2.", "4", "6"]], page=1) is None  # no titles


def test_a_toc_table_becomes_toc_lines_also_over_a_page_break():
    from loaders.pdf_layout import toc_rows

    head = ["Nr.", "Punkt", "Side"]
    rows1 = [
        head, ["1.", "Meddelelser", "3"], ["2.", "Budget 2027 - andenbehandling af forslaget", "4"], ["3.", "Takster", "6"],
    ]
    rows2 = [head, ["4.", "Eventuelt", "9"]]
    t1 = PageTable(rows1, 1, 600, 780, 56, 539, col_edges=[56.0, 90.0, 500.0], toc=toc_rows(rows1, 1))
    t2 = PageTable(rows2, 2, 70, 110, 56, 539, col_edges=[56.0, 90.0, 500.0], toc=toc_rows(rows2, 2))
    lines = [
        _line("Indholdsfortegnelse", 1, 580, x1=200),
        Line("", 1, 56, 539, 600, 0.0, table=0),
        Line("", 2, 56, 539, 70, 0.0, table=1),
        _line("1. Meddelelser", 2, 150, x1=150, size=14),
    ]
    text, pages, tables = assemble(lines, [t1, t2])
    assert tables == []
    assert text.split("\n") == [
        "Indholdsfortegnelse", "", "Nr. Punkt Side", "1. Meddelelser\t3",
        "2. Budget 2027 - andenbehandling af forslaget\t4", "3. Takster\t6", "4. Eventuelt\t9", "", "1. Meddelelser",
    ]
    assert pages == [1, 1, 1, 1, 1, 1, 2, 2, 2]


def test_a_table_after_a_toc_table_is_no_continuation_of_an_earlier_table():
    from loaders.pdf_layout import toc_rows

    data = PageTable([["a", "b"], ["1", "2"]], 1, 100, 200, 56, 539, col_edges=[56.0, 300.0])
    rows = [["1.", "A", "3"], ["2.", "B", "4"], ["3.", "C", "5"]]
    toc = PageTable(rows, 1, 600, 780, 56, 539, col_edges=[56.0, 300.0], toc=toc_rows(rows, 1))
    more = PageTable([["x", "y"], ["7", "8"]], 2, 70, 120, 56, 539, col_edges=[56.0, 300.0])
    lines = [Line("", 1, 56, 539, 100, 0.0, table=0), Line("", 1, 56, 539, 600, 0.0, table=1),
             Line("", 2, 56, 539, 70, 0.0, table=2)]
    _, _, tables = assemble(lines, [data, toc, more])
    assert [t.rows for t in tables] == [[["a", "b"], ["1", "2"]], [["x", "y"], ["7", "8"]]]


def _styled(text, page, baseline, x1=538.0, style=0, size=10.0):
    ln = _line(text, page, baseline, x1=x1, size=size)
    ln.style0 = ln.style1 = style
    return ln


def test_what_starts_a_new_line_after_a_full_line():
    black, grey = 1 << 25, 1 << 25 | 0x7F7F7F
    lines = [
        _styled("Og en lang linje helt ud til højre margen der slutter en sætning.", 1, 100, style=black),
        _styled("Referat:", 1, 113, x1=100, style=black),
        _styled("En linje helt ud til højre margen der også slutter en sætning.", 1, 140, style=black),
        _styled("1.3 Besøg af First Agenda", 1, 153, x1=200, style=grey),
        _styled("En linje helt ud til højre margen der også slutter en sætning.", 1, 180, style=black),
        _styled("2 GetOrganized", 1, 193, x1=150, style=black),
        _styled("En linje helt ud til højre margen der også slutter en sætning.", 1, 220, style=black),
        _styled("A) Første punkt", 1, 233, x1=150, style=black),
        _styled("En linje helt ud til højre margen der ikke slutter en sætning og", 1, 260, style=black),
        _styled("Fortsætter her.", 1, 273, x1=150, style=black),
        _styled("En linje helt ud til højre margen der også slutter en sætning.", 1, 300, style=black),
        _styled("Sådan fortsætter afsnittet på næste linje.", 1, 313, x1=300, style=black),
    ]
    text, _, _ = assemble(lines, [])
    out = text.split("\n")
    assert "Referat:" in out and "1.3 Besøg af First Agenda" in out and "2 GetOrganized" in out
    assert "A) Første punkt" in out
    assert "En linje helt ud til højre margen der ikke slutter en sætning og Fortsætter her." in out
    assert out[-1] == (
        "En linje helt ud til højre margen der også slutter en sætning. Sådan fortsætter afsnittet på næste linje."
    )


def test_a_sentence_at_the_bottom_of_a_page_goes_on_only_if_the_page_was_full():
    def page(n: int, rows: int, last: str) -> list[Line]:
        text = "Linje {k} af side {n} i en lang tekst der fylder hele bredden ud"
        body = [_line(text.format(k=k, n=n), n, 500 + 13 * k) for k in range(rows - 1)]
        return body + [_line(last, n, 500 + 13 * (rows - 1))]

    full_end = "Den sidste linje på en fuld side slutter en sætning her."
    short_end = "Den sidste linje på en kort side slutter en sætning her."
    lines = page(1, 20, full_end) + page(2, 16, short_end) + page(3, 20, "Slut.")
    text, _, _ = assemble(lines, [])
    out = text.split("\n")
    # page 1 was full: its last sentence and page 2 are one paragraph (as far as the layout tells)
    assert any(f"{full_end} Linje 0 af side 2" in x for x in out)
    # page 2 ends four lines early: page 3 starts a new paragraph
    k = next(i for i, x in enumerate(out) if x.endswith(short_end))
    assert out[k + 1] == "" and out[k + 2].startswith("Linje 0 af side 3")
