"""Any other HTML page (loaders/html.py): read as text with its headings, like any document;
scripts, styles, forms, navigation and the site's footer left out; a page that is not minutes is
`not_minutes`."""

from __future__ import annotations

import pytest

from loaders import load
from loaders.errors import CorruptDocument, EmptyDocument
from loaders.html import load_html
from pipeline.process import build_record

MINUTES = """<!DOCTYPE html>
<html lang="da">
<head><meta charset="utf-8"><title>Referat - Teknik- og Miljøudvalget</title>
<script>var tracking = "Beslutning: Godkendt";</script>
<style>h1 { color: red }</style></head>
<body>
<nav><ul><li><a href="/">Forside</a></li><li><a href="/politik">Politik</a></li><li>1. Godkendelse af dagsorden</li></ul></nav>
<div role="search"><form><input name="q"><button>Søg</button></form></div>
<main>
<h1>Referat</h1>
<p>Teknik- og Miljøudvalget<br>Favrskov Kommune</p>
<p>Mødedato: 12. marts 2025 kl. 16.00<br>Mødested: Mødelokale 2, Rådhuset</p>
<h3>Deltagere</h3>
<ul><li>Anne Holm (A)</li><li>Per Lund (V)</li><li>Karen Berg (C)</li></ul>
<h3>Afbud</h3>
<ul><li>Ole Dam (F)</li></ul>
<h2>1. Godkendelse af dagsorden</h2>
<p>Sagsnr.: 25/1234</p>
<h3>Beslutning</h3>
<p>Godkendt.</p>
<h2>2. Budgetopfølgning for vejområdet</h2>
<p>Sagsnr.: 25/2345</p>
<h3>Indstilling</h3>
<p>Administrationen indstiller, at budgetopfølgningen tages til efterretning.</p>
<h3>Sagsfremstilling</h3>
<p>Forbruget fordeler sig således:</p>
<table><tr><th>Område</th><th>Budget</th><th>Forbrug</th></tr>
<tr><td>Vejvedligehold</td><td>1.259</td><td>1.100</td></tr>
<tr><td>Vintertjeneste</td><td>3,5</td><td>4,2</td></tr></table>
<h3>Beslutning</h3>
<p>Taget til efterretning.</p>
<p style="display: none">Skjult tekst</p>
<h2>3. Eventuelt</h2>
<p>Sagsnr.: 25/3456</p>
<h3>Beslutning</h3>
<p>Intet.</p>
</main>
<footer>Favrskov Kommune · Skovvej 20 · 8382 Hinnerup · Tlf. 8964 1010</footer>
</body></html>
"""

NEWS = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>Nyheder</title></head>
<body><nav><a href="/">Forside</a></nav><h1>Ny legeplads i Hinnerup</h1>
<p>Den 3. maj 2025 åbner kommunen en ny legeplads ved skolen. Alle er velkomne til indvielsen.</p>
<p>Læs mere om kommunens parker og grønne områder.</p></body></html>
"""


def _write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_a_minutes_page_reads_like_a_text_document(tmp_path):
    path = _write(tmp_path, "referat.html", MINUTES)
    loaded = load(path, path.read_bytes())
    assert (loaded.system, loaded.media_type, loaded.structure) == ("html", "text/html", None)
    lines = loaded.text.split("\n")
    assert lines[:5] == ["Referat", "Teknik- og Miljøudvalget", "Favrskov Kommune",
                         "Mødedato: 12. marts 2025 kl. 16.00", "Mødested: Mødelokale 2, Rådhuset"]
    for chrome in ("tracking", "color", "Forside", "Søg", "Skjult tekst", "Skovvej", "Politik"):
        assert chrome not in loaded.text
    [table] = loaded.tables
    assert lines[table.start_line - 1] == "" and table.rows[1] == ["Vejvedligehold", "1.259", "1.100"]

    record = build_record(path)
    assert (record.document_type, record.record_id) == ("minutes", "favrskov-teknik-og-miljoeudvalget-2025-03-12")
    assert record.source.system == "html"
    assert (record.meeting.start_time, record.meeting.place) == ("16:00", "Mødelokale 2, Rådhuset")
    assert [(p.name, p.status) for p in record.participants] == [
        ("Anne Holm", "present"), ("Per Lund", "present"), ("Karen Berg", "present"), ("Ole Dam", "absent")]
    assert [(i.number, i.title, [c.number for c in i.case_numbers]) for i in record.items] == [
        ("1", "Godkendelse af dagsorden", ["25/1234"]), ("2", "Budgetopfølgning for vejområdet", ["25/2345"]),
        ("3", "Eventuelt", ["25/3456"])]
    assert [i.decision.outcome for i in record.items[:2]] == ["approved", "noted"]
    [table] = record.items[1].tables
    assert [c.value for c in table.rows[-1]] == [None, 3.5, 4.2]
    assert record.coverage.share == 1.0


ITEMS_IN_A_TABLE = """<!DOCTYPE html><html lang="da"><head><meta charset="utf-8"><title>Referat</title></head><body>
<nav><a href="/">Forside</a> <a href="/moeder">Møder</a></nav>
<main>
<h1>Referat</h1>
<h2>Solby Provsti – Møder</h2>
<p>Provstiudvalgsmøde Solby Provsti - d. 03-03-2026 kl. 17:00</p>
<p>Deltagere: Bo Dam, Eva Kjær, Ole Lund, Ida Holm</p>
<p>Afbud: Per Vang</p>
<table>
<tr><th>Mødepunkt</th><th>Referat</th></tr>
<tr><td>1 – Godkendelse af referat fra mødet 3. februar 2026</td><td>Godkendt og underskrevet.</td></tr>
<tr><td><p>2 – Orientering fra provstiet</p></td><td><p>Provsten orienterede om ladestandere og fondsansøgninger.</p></td></tr>
<tr><td><p>3 – Fra Nordby MR, projekt kirkemur</p><p>Menighedsrådet sender et projekt om opretning af kirkemuren til vurdering.</p><p>Sager: Ansøgning - Nordby MR - kirkemur (2026 - 5213)</p></td><td><p>Provstiudvalget foreslår, at projektet udskydes indtil videre.</p><p>Ole Lund deltog ikke i punktet.</p></td></tr>
<tr><td><p>4 – Budget 2027, Sønderby</p><p>Sager: Budget 2027 (2026 - 7713)</p></td><td><p>Provstiudvalget godkendte budgettet.</p></td></tr>
</table>
</main></body></html>
"""


def test_items_laid_out_as_a_table_of_item_and_minutes(tmp_path):
    # a parish board's page: one row per item, the item in the first column, what was recorded in
    # the second under its header ("Mødepunkt | Referat"); a table of amounts stays a table
    record = build_record(_write(tmp_path, "provsti.html", ITEMS_IN_A_TABLE))
    assert record.document_type == "minutes"
    assert [(i.number, i.title, i.decision.outcome) for i in record.items] == [
        ("1", "Godkendelse af referat fra mødet 3. februar 2026", "approved"),
        ("2", "Orientering fra provstiet", "noted"),
        ("3", "Fra Nordby MR, projekt kirkemur", "postponed"),
        ("4", "Budget 2027, Sønderby", "approved")]
    three = record.items[2]
    assert three.decision.text == "Provstiudvalget foreslår, at projektet udskydes indtil videre."
    assert three.absent == ["Ole Lund"]
    assert not any(i.tables for i in record.items)
    amounts = build_record(_write(tmp_path, "referat.html", MINUTES))
    assert len(amounts.items[1].tables) == 1


def test_a_page_that_is_not_minutes_is_not_minutes(tmp_path):
    record = build_record(_write(tmp_path, "nyhed.html", NEWS))
    assert record.document_type == "not_minutes" and record.not_minutes_reason
    assert record.items == [] and record.participants == []


def test_a_windows_1252_page_is_decoded(tmp_path):
    path = _write(tmp_path, "referat.htm", MINUTES.replace('<meta charset="utf-8">', ""), encoding="cp1252")
    loaded = load(path, path.read_bytes())
    assert "Mødedato: 12. marts 2025 kl. 16.00" in loaded.text


def test_binary_and_empty_pages_fail_clearly(tmp_path):
    with pytest.raises(CorruptDocument, match="binary data"):
        load_html("x.html", b"<html>\x00\x00\x00</html>")
    with pytest.raises(EmptyDocument, match="no text"):
        load_html("x.html", b"<html><head><script>var a = 1;</script></head><body><nav>Menu</nav></body></html>")
