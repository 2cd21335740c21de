"""Saved FirstAgenda meeting web pages (loaders/firstagenda_html.py).

The expected items of the Aarhus Byråd agenda of 8 October 2025 were read from the saved page by
hand (tests/fixtures/real/aarhus-byraad-2025-10-08-dagsorden.html): 33 item rows, each with its
number, title (`h2.overskrift`), case number (`span.sagsnummer`) and attachment links (636 in
all); the page lists no participants (the site fills them in by script).
"""

from __future__ import annotations

import datetime as dt

import pytest

from loaders import load
from loaders.firstagenda_html import is_firstagenda_page, load_firstagenda_page
from pipeline.process import build_record
from tests.helpers import FIXTURES

AARHUS = FIXTURES / "real" / "aarhus-byraad-2025-10-08-dagsorden.html"

AARHUS_ITEMS = [
    ("1", "Godkendelse af dagsorden", "EMN-2023-009832"),
    ("2", "Forslag til budget 2026-2029", "EMN-2025-008308"),
    ("3", "Materiale til Magistratens 1. tekniske behandling af budget 2026", "EMN-2025-008308"),
    ("4", "Materiale til Magistratens 2. tekniske behandling af budget 2026", "EMN-2025-008308"),
    ("5", "Budgetforslag Ældre og sundhed", "EMN-2025-008294"),
    ("6", "Budgetforslag Social- og beskæftigelsesområdet", "EMN-2025-008294"),
    ("7", "Budgetforslag Miljø, byudvikling, infrastruktur og kollektiv trafik", "EMN-2025-008294"),
    ("8", "Budgetforslag Sport, fritid og kultur", "EMN-2025-008294"),
    ("9", "Budgetforslag Børn og Unge", "EMN-2025-008294"),
    ("10", "Budgetforslag Økonomi og andet", "EMN-2025-008294"),
    ("11", "Svar på forslag fra S, SF, RV, M og ALT om vindmøller på Aarhus Havn", "EMN-2025-000502"),
    ("12", "Svar på forslag fra Børne- og ungebyrådet om flere lejrskoler og udflugter i grundskolen",
     "EMN-2025-006138"),
    ("13", "Svar på forslag fra Børne- og ungebyrådet om to-voksentimer og bredere information om eksisterende "
           "trivselsinitiativer", "EMN-2025-006131"),
    ("14", "Svar på forslag fra RV om Aarhus City Metro", "EMN-2025-006822"),
    ("15", "Udpegning til sundhedsråd", "EMN-2025-009824"),
    ("16", "Anbefalinger fra §17, stk. 4-udvalget Nyt Byråd", "EMN-2025-010585"),
    ("17", "Dispensation fra 'Grøn handleplan for kunstgræsbaner'", "EMN-2025-009516"),
    ("18", "Ændring af et godkendelseskriterie for private daginstitutioner", "EMN-2025-010190"),
    ("19", "Beredskabsplaner - negativ social kontrol, æresrelaterede konflikter og ekstremisme", "EMN-2025-009868"),
    ("20", "Økonomiteknisk justering af cykelmidler", "EMN-2025-010281"),
    ("21", "Lokalplan 1246 Åbyhøj Idrætscenter – Endelig", "EMN-2025-010236"),
    ("22", "Udviklingsplan Aarhus Ø - endelig vedtagelse", "EMN-2025-009242"),
    ("23", "Lokalplan 1204, Trige Syd - Endelig", "EMN-2025-009097"),
    ("24", "Byggemodning af område til boliger i Trige, lokalplan 1204", "EMN-2025-008076"),
    ("25", "Forslag fra S, KF, SF, V og RV om mærkningsordning for genbrug af storskrald", "EMN-2025-010627"),
    ("26", "Forslag fra ALT om at Aarhus Kommune skal udtræde af Kattegatkomitéen", "EMN-2025-010689"),
    ("27", "Forslag fra V, LA, DD, KF, RV, M og ALT om tilskud til hjemmepasning", "EMN-2025-010711"),
    ("28", "Forslag fra KF om at adoptere en rundkørsel – skab kunst i det offentlige rum", "EMN-2025-010748"),
    ("29", "Forslag fra SF om Børnenes Plads", "EMN-2025-010715"),
    ("30", "Forslag fra V om bedre rammer for erhvervslivet - giv os Aarhus tilbage", "EMN-2025-010825"),
    ("31", "Forslag fra VL om offentlig undskyldning til kommunal ansat", "EMN-2025-010828"),
    ("32", "Forslag fra VL om undersøgelse af kommunens håndtering som bygherre i asbesthåndtering på rådhuset",
     "EMN-2025-010830"),
    ("33", "Forslag fra V, KF, LA og DD om afledte konsekvenser af lukning af Vesterbro Torv", "EMN-2025-010810"),
]
AARHUS_ATTACHMENTS = [0, 22, 9, 13, 44, 63, 159, 70, 80, 71, 8, 4, 3, 3, 3, 5, 6, 1, 3, 3, 5, 31, 12, 8,
                      1, 1, 1, 1, 1, 1, 2, 1, 1]


@pytest.fixture(scope="module")
def aarhus():
    return load(AARHUS, AARHUS.read_bytes())


def test_the_aarhus_page_is_a_firstagenda_page_and_an_agenda(aarhus):
    assert is_firstagenda_page(AARHUS.read_bytes())
    s = aarhus.structure
    assert (aarhus.system, aarhus.media_type, s.system) == ("firstagenda-html", "text/html", "firstagenda-html")
    assert (s.document_type, s.body, s.date, s.start_time, s.place) == (
        "agenda", "Aarhus Byråd", dt.date(2025, 10, 8), "16:00", "Byrådssalen")
    assert s.participants is None  # none on the saved page: read from the text, which has none either
    assert aarhus.text.split("\n")[:4] == ["Dagsorden 8. oktober 2025 kl. 16.00", "Aarhus Byråd",
                                           "Mødedato: onsdag den 8. oktober 2025 kl. 16.00", "Mødested: Byrådssalen"]


def test_every_item_with_its_title_case_number_attachments_and_ids(aarhus):
    items = aarhus.structure.items
    assert [(i.number, i.title, *i.case_numbers) for i in items] == AARHUS_ITEMS
    assert [len(i.attachments) for i in items] == AARHUS_ATTACHMENTS
    first = items[1].attachments[0]
    assert (first.title, first.url, first.source_id) == (
        "Indstilling", "/vis/pdf/bilag/3b391cd5-bf32-4aad-965f-b3272f7fe101/?redirectDirectlyToPdf=false",
        "3b391cd5-bf32-4aad-965f-b3272f7fe101")
    assert items[1].attachments[1].title == "Bilag 1: Budgetredegørelsen 2026-2029"
    assert items[0].source_id == "f8c17ca5-cd86-4023-86c1-dd37f9bf16bd"
    assert items[0].pointer == '//tr[@id="punktrow_f8c17ca5-cd86-4023-86c1-dd37f9bf16bd"]'
    assert all(i.access is None for i in items)  # no item is marked closed


def test_items_are_rendered_at_their_lines_with_their_fields(aarhus):
    lines = aarhus.text.split("\n")
    items = aarhus.structure.items
    for item in items:
        assert lines[item.line - 1] == f"{item.number}. {item.title}"
        assert lines[item.line] == item.case_numbers[0]
    item = items[12]  # 13: a proposal without heading, then Resume, Beslutningspunkter, …
    assert [lines[n - 1] for n in item.heading_lines] == [
        "Resume", "Beslutningspunkter", "Borgmesterens afdelings påtegning", "Sagsforløb:", "Bilag"]
    assert lines[item.line + 1] == "BESLUTNINGSFORSLAG FRA BØRNE- OG UNGEBYRÅDET"
    assert lines[item.end_line - 3:item.end_line] == ["- Indstilling", "- Bilag 1: Beslutningsforslag",
                                                      "- Byrådsdebat 10.06.2025"]
    assert ". " not in lines and "." not in lines  # the emptied lead-in of a field carries no text


def test_sagsforloeb_is_the_items_earlier_treatment(aarhus):
    item = aarhus.structure.items[1]
    assert [(h.by, h.date) for h in item.history] == [
        ("Magistraten", dt.date(2025, 9, 2)), ("Aarhus Byråd", dt.date(2025, 9, 10)),
        ("Magistraten", dt.date(2025, 9, 16)), ("Magistraten", dt.date(2025, 9, 30))]
    assert item.history[0].text.startswith("Fremsendes til Aarhus Byråd med bemærkning, at Magistraten")
    assert item.history[0].text.endswith("Thure Hastrup deltog ikke i sagens behandling.")
    assert [len(i.history) for i in aarhus.structure.items[24:]] == [0] * 9  # proposals: no treatment yet


def test_scripts_dialogs_and_navigation_are_left_out(aarhus):
    for chrome in ("localizationKeys", "Tilbage til forsiden", "Tip en ven", "Kopier link", "Hent som PDF",
                   "Hent hele dagsordenen", "Der opstod en fejl", "Punkt\nTitel"):
        assert chrome not in aarhus.text


def test_the_aarhus_agenda_is_an_agenda_record_with_every_item():
    """Item 14 quotes a proposal with a "Beslutning:" line of its own: no decision of this meeting."""
    record = build_record(AARHUS)
    assert (record.document_type, record.record_id) == ("agenda", "aarhus-byraad-2025-10-08-dagsorden")
    assert [(i.number, i.title, *[c.number for c in i.case_numbers]) for i in record.items] == AARHUS_ITEMS
    assert all(i.decision is None for i in record.items)
    assert [(d.by, d.date) for d in record.items[1].decisions][:2] == [
        ("Magistraten", dt.date(2025, 9, 2)), ("Aarhus Byråd", dt.date(2025, 9, 10))]


MINUTES_PAGE = """<!DOCTYPE html><html lang="da"><head><title>Favrskov - Økonomiudvalget</title>
<script>window.x = {"Meeting_Closed_Item": "Lukket punkt"};</script></head><body>
<nav class="navbar"><a href="/">Forside</a></nav>
<div class="title"><h1 class="green dato">Referat 12. marts 2025 kl. 17.00</h1>
<h2 class="black"><span class="udvalg">Økonomiudvalget</span><span class="sted-divider"> - </span>
<span class="sted sted-container">Mødelokale 1</span></h2></div>
<table class="dagsordeninfo"><tbody>
<tr><td>Udvalg:</td><td><span class="udvalg">Økonomiudvalget</span></td></tr>
<tr><td>Mødedato:</td><td><span class="dato">onsdag den 12. marts 2025 kl. 17.00</span></td></tr>
<tr class="sted-container"><td>Mødested:</td><td><span class="sted">Mødelokale 1</span></td></tr>
<tr data-description-container="" hidden=""><td>Information:</td><td><span>skjult</span></td></tr>
<tr id="deltager-container"><td>Mødedeltagere:</td>
<td class="deltagere"><div>Anne Holm (A)</div><div>Per Lund (V)</div><div>Karen Berg (C)</div></td></tr>
</tbody></table>
<table id="dagsordenDetaljer" class="table dagsorden"><thead><tr><th>Punkt</th><th>Titel</th></tr></thead><tbody>
<tr class="punktrow" id="punktrow_11111111-2222-3333-4444-555555555501">
<td><span class="label label-default">1</span></td>
<td><button class="overskrift-btn"><h2 class="overskrift">Godkendelse af dagsorden</h2></button>
<div class="details"><span class="sagsnummer">25/100</span><div class="punkt"><h3></h3><div>
<div id="sagsfremstillingContainer"><div><h3>Beslutning</h3><span class="resume"><div>Godkendt.</div></span>
</div></div></div></div></div></td><td></td></tr>
<tr class="punktrow" id="punktrow_11111111-2222-3333-4444-555555555502">
<td><span class="label label-default">2</span><span class="label label-danger">Lukket punkt</span></td>
<td><button class="overskrift-btn"><h2 class="overskrift">Personalesag</h2></button>
<div class="details"><span class="sagsnummer">25/200</span><div class="punkt"><div>
<div id="sagsfremstillingContainer"><div><h3>Beslutning</h3><span class="resume"><div>Godkendt.</div></span>
</div></div></div></div></div></td><td></td></tr>
<tr class="punktrow" id="punktrow_11111111-2222-3333-4444-555555555503">
<td><span class="label label-default">3</span></td>
<td><button class="overskrift-btn"><h2 class="overskrift">Ny cykelsti langs Vejlevej</h2></button>
<div class="details"><span class="sagsnummer">25/300</span><div class="punkt"><div>
<div id="sagsfremstillingContainer"><div>
<h3>Indstilling</h3><span class="resume"><div>Administrationen indstiller, at cykelstien anlægges.</div></span>
<h3>Sagsforløb:</h3><span class="resume"><div>Udvalg: Teknik- og Miljøudvalget</div><div>Dato: 03-02-2025</div>
<div> Punktnummer: 4</div><div>Anbefales.</div></span>
<h3>Beslutning</h3><span class="resume"><div>Godkendt.</div><div>Afbud: Karen Berg</div></span>
</div></div></div></div>
<h3>Bilag</h3><ul class="list-unstyled"><li><span class="label pdf-label">PDF</span>
<a id="enclosure-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee" class="bilag-link"
 href="/vis/pdf/bilag/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee/">Kort over cykelstien</a></li></ul></div></td>
<td><ul class="dropdown-menu"><li><a class="dropdown-item" data-type="dagsordenpunkt">Hent som PDF</a></li></ul></td></tr>
</tbody></table>
<div class="modal" id="send_dialog"><h4 class="modal-title">Tip en ven</h4><form><input name="toemail"></form></div>
</body></html>
"""


def test_a_minutes_page_with_participants_a_closed_item_and_decisions(tmp_path):
    path = tmp_path / "favrskov-oekonomiudvalget.html"
    path.write_text(MINUTES_PAGE, encoding="utf-8")
    loaded = load_firstagenda_page(path.name, path.read_bytes())
    s = loaded.structure
    assert (s.document_type, s.body, s.date, s.start_time) == ("minutes", "Økonomiudvalget", dt.date(2025, 3, 12),
                                                               "17:00")
    assert [(i.number, i.title, i.case_numbers, i.access) for i in s.items] == [
        ("1", "Godkendelse af dagsorden", ["25/100"], None), ("2", "Personalesag", ["25/200"], "closed"),
        ("3", "Ny cykelsti langs Vejlevej", ["25/300"], None)]
    assert [(h.by, h.date, h.text) for h in s.items[2].history] == [
        ("Teknik- og Miljøudvalget", dt.date(2025, 2, 3), "Anbefales.")]
    assert "skjult" not in loaded.text and "Tip en ven" not in loaded.text and "Forside" not in loaded.text

    record = build_record(path)
    assert (record.document_type, record.record_id) == ("minutes", "oekonomiudvalget-2025-03-12")
    assert [(p.name, p.party, p.status) for p in record.participants] == [
        ("Anne Holm", "A", "present"), ("Per Lund", "V", "present"), ("Karen Berg", "C", "present")]
    assert [i.access for i in record.items] == ["public", "closed", "public"]
    item = record.items[2]
    assert item.recommendation.text == "Administrationen indstiller, at cykelstien anlægges."
    assert [(d.by, d.date, d.outcome) for d in item.decisions] == [
        ("Teknik- og Miljøudvalget", dt.date(2025, 2, 3), "approved"), (None, None, "approved")]
    assert item.absent == ["Karen Berg"]
    assert [(a.title, a.source_id) for a in item.attachments] == [
        ("Kort over cykelstien", "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee")]


def test_a_page_without_item_rows_is_not_firstagenda():
    assert not is_firstagenda_page(b"<html><body><h1>Referat</h1><h2>1. Godkendelse</h2></body></html>")
    assert not is_firstagenda_page(b"\x00\x01binary")
