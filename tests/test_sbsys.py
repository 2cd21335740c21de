"""SBSYS/eDoc eDagsorden XML exports (loaders/sbsys.py): what the export states goes into the
structure, the meeting is rendered to text the extractors read, and the records are agendas.

The expected items, titles, case numbers and attachments were read from the two exports by hand
(tests/fixtures/real/*-dagsorden.xml): Ballerup's KMB IT-udvalget 15 May 2013 (a Final
publication, 5 items, 11 members, one enclosure) and Region Hovedstaden's Forretningsudvalget
25 September 2012 (a Draft publication, 4 items, 15 members, 14 enclosures). Neither export links
its items to a case: every `<Case>` has ID 0 and no number, so no item has a case number.
"""

from __future__ import annotations

import datetime as dt

import pytest

from loaders import load
from loaders.errors import CorruptDocument, UnsupportedMediaType
from loaders.sbsys import load_sbsys
from pipeline.process import build_record
from tests.helpers import FIXTURES

REAL = FIXTURES / "real"
BALLERUP = REAL / "ballerup-kmb-it-udvalget-2013-05-15-dagsorden.xml"
REGION_H = REAL / "region-hovedstaden-forretningsudvalget-2012-09-25-dagsorden.xml"

BALLERUP_ITEMS = [
    ("1", "Meddelelser"),
    ("2", "Oplæg til standard it-arbejdsplads for Kommunalbestyrelsens medlemmer i 2014-2018"),
    ("3", "Indførelse af systemet SAPA (Sagsoverblik/Partskontakt)"),
    ("4", "Regler for indkøb af it-udstyr"),
    ("5", "Status på eDagsorden"),
]
REGION_H_ITEMS = [
    ("1", "2. behandling af forslag til styrelsesvedtægt – nedsættelse af stående udvalg"),
    ("2", "Anvendelse af beløb til hospitalsudstyr og patientnære arealer"),
    ("3", "Særpublikation og konference om infrastruktur og vækst"),
    ("4", "Anmodning fra Hans Toft (C) om offentliggørelse af beslutning truffet af Movias bestyrelse"),
]


def _load(path):
    return load(path, path.read_bytes())


def _lines(loaded):
    return loaded.text.split("\n")


def test_ballerup_export_states_meeting_members_and_items():
    loaded = _load(BALLERUP)
    s = loaded.structure
    assert (loaded.system, loaded.media_type, s.system) == ("sbsys", "application/xml", "sbsys")
    assert (s.document_type, s.body, s.date, s.start_time, s.end_time, s.place, s.meeting_id) == (
        "agenda", "KMB IT-udvalget", dt.date(2013, 5, 15), "16:30", "18:00",
        "Mødecenter A, Lokale 3 på Ballerup Rådhus", "26")
    assert [(p.name, p.party, p.status) for p in s.participants] == [
        ("Doris Børger", "A", "present"), ("Hanne Bahnsen", None, "present"), ("Henrik Bolberg", "A", "present"),
        ("John Madsen", None, "present"), ("Kåre Harder Olesen", "V", "present"), ("Lolan Ottesen", "A", "present"),
        ("Maria Lundahl Assov", "A", "present"), ("Peter Als", "A", "present"), ("Søren Krøigaard", None, "present"),
        ("Ulrik Falk-Sørensen", "F", "present"), ("Jytte Møller Christensen", None, "present")]
    assert [(i.number, i.title) for i in s.items] == BALLERUP_ITEMS
    assert all(i.case_numbers == [] and i.access == "public" for i in s.items)
    assert [i.source_id for i in s.items] == ["60", "112", "113", "114", "115"]
    assert s.items[1].pointer == "/Publication/Agendas/Agenda/Items/Item[2]"
    assert [[(a.title, a.url, a.source_id) for a in i.attachments] for i in s.items] == [
        [], [], [("Brev fra KL til Kommunalbestyrelsen vedr Monopolbrud", "Enclosures/1.pdf", "7")], [], []]


def test_ballerup_items_are_rendered_at_their_lines_with_field_headings():
    loaded = _load(BALLERUP)
    lines = _lines(loaded)
    assert lines[:4] == ["Dagsorden", "KMB IT-udvalget", "Mødedato: 15-05-2013 kl. 16:30-18:00",
                         "Mødested: Mødecenter A, Lokale 3 på Ballerup Rådhus"]
    for item in loaded.structure.items:
        assert lines[item.line - 1] == f"{item.number}. {item.title}"
    item = loaded.structure.items[1]
    body = lines[item.line:item.end_line]
    assert [body[n - item.line - 1] for n in item.heading_lines] == [
        "Tidligere behandling", "Sammendrag", "Baggrund", "Sagsfremstilling",
        "Økonomiske konsekvenser og finansiering", "Beslutningen træffes af", "Indstilling"]
    # an upper-alpha list keeps its letters; empty fields (the unfilled Beslutning) are left out
    assert body[-3:] == ["Center for IT og Digitalisering indstiller, at",
                         "A) Gennemførelse af pilottest for KMB IT-udvalgets medlemmer for en standard "
                         "it-arbejdsplads for den kommende valgperiode godkendes.",
                         "B) Pilottesten gennemføres fra september til november 2013."]
    assert "Beslutning" not in lines
    item3 = loaded.structure.items[2]
    assert lines[item3.end_line - 2:item3.end_line] == ["Bilag", "- Brev fra KL til Kommunalbestyrelsen vedr Monopolbrud"]


def test_region_h_export_states_its_items_enclosures_and_earlier_decision():
    loaded = _load(REGION_H)
    s = loaded.structure
    # "FORRETNINGSUDVALGET" as the export's text writes it
    assert (s.document_type, s.body, s.date, s.start_time, s.end_time, s.place) == (
        "agenda", "Forretningsudvalget", dt.date(2012, 9, 25), "15:30", "16:00", "H2")
    assert len(s.participants) == 15 and {p.status for p in s.participants} == {"present"}
    assert [(i.number, i.title) for i in s.items] == REGION_H_ITEMS
    assert all(i.case_numbers == [] for i in s.items)
    assert [len(i.attachments) for i in s.items] == [6, 1, 2, 5]
    assert s.items[3].attachments[2].title == ("Ikke offentliggjort - Bilag 2 til sag nr. 3 på forretningsudvalgets "
                                               "ekstraordinære møde den 30. august")
    # "18. september 2012: Sagen udsat …" under FORRETNINGSUDVALGETS BESLUTNING is the earlier
    # meeting's decision; "25. september 2012:" (this meeting's, empty) is no decision.
    [earlier] = s.items[0].history
    assert (earlier.by, earlier.date) == ("Forretningsudvalget", dt.date(2012, 9, 18))
    assert earlier.text.startswith("Sagen udsat til behandling på ekstraordinært forretningsudvalgsmøde")
    assert "deltog ikke i sagens behandling" in earlier.text
    assert all(not i.history for i in s.items[1:])
    lines = _lines(loaded)
    assert "FORRETNINGSUDVALGETS BESLUTNING" not in lines and "Tomt indhold" not in lines
    assert "PUNKTET BEHANDLET TIDLIGERE" in lines and "ADMINISTRATIONENS INDSTILLING" in lines


def test_region_h_table_of_stacked_paragraphs_is_read_as_rows():
    loaded = _load(REGION_H)
    [table] = loaded.tables
    item = loaded.structure.items[1]
    assert item.line < table.start_line <= item.end_line and _lines(loaded)[table.start_line - 1] == ""
    assert table.rows[0] == ["", "Mio. kr."]
    assert table.rows[1] == ["Bornholms Hospital", "1,80"]
    assert table.rows[-1] == ["I alt", "99,92"]
    assert len(table.rows) == 11


@pytest.mark.parametrize("path, items, record_id", [
    (BALLERUP, BALLERUP_ITEMS, "ballerup-kmb-it-udvalget-2013-05-15-dagsorden"),
    # item 4 quotes a Movia protocol whose own "Beslutning:" line is no decision of this meeting
    (REGION_H, REGION_H_ITEMS, "region-hovedstaden-forretningsudvalget-2012-09-25-ekstraordinaer-dagsorden"),
])
def test_sbsys_agendas_are_agenda_records_with_every_item(path, items, record_id):
    record = build_record(path)
    assert record.document_type == "agenda"
    assert record.record_id.endswith(record_id)
    assert record.source.system == "sbsys"
    assert [(i.number, i.title) for i in record.items] == items
    assert all(i.case_numbers == [] for i in record.items)
    assert all(i.decision is None for i in record.items)


def test_region_h_record_names_its_region():
    """'Region Hovedstadens' (6 mentions) and 'Region Hovedstaden' (10) are one authority."""
    assert build_record(REGION_H).meeting.authority == "Region Hovedstaden"


MINUTES_EXPORT = """<?xml version="1.0" encoding="utf-8"?>
<Publication xmlns="urn:example:edagsorden">
  <PublicationTypeAsValue>2</PublicationTypeAsValue>
  <PublicationTypeAsEnum><![CDATA[Minutes]]></PublicationTypeAsEnum>
  <Agendas><Agenda ID="7">
    <Meeting ID="70">
      <Members>
        <MeetingMember ID="1"><ParticipationStatusAsValue>1</ParticipationStatusAsValue>
          <ParticipationStatusAsText>Participating</ParticipationStatusAsText><Name>Anne Holm (A)</Name>
          <MeetingMemberRolesList>Formand</MeetingMemberRolesList></MeetingMember>
        <MeetingMember ID="2"><ParticipationStatusAsValue>2</ParticipationStatusAsValue>
          <ParticipationStatusAsText>NotParticipating</ParticipationStatusAsText><Name>Per Lund (V)</Name></MeetingMember>
      </Members>
      <When>03-03-2025 16:30:00</When><Where>Mødelokale 5</Where><Until>03-03-2025 18:00:00</Until>
    </Meeting>
    <Name>Teknik- og Miljøudvalget</Name>
    <Committee ID="8"><Name>Teknik- og Miljøudvalget</Name></Committee>
    <Items>
      <Item ID="101"><Caption>Personalesag</Caption><Case ID="5"><Number>25/1234</Number></Case>
        <IsPublic>False</IsPublic><Number>1</Number>
        <Fields>
          <ItemField ID="1"><Caption>Beslutning</Caption><FieldTypeAsEnum>Html</FieldTypeAsEnum>
            <HasContent>True</HasContent><Index>1</Index><IsFeedback>True</IsFeedback>
            <Content><![CDATA[<p>Godkendt.</p>]]></Content></ItemField>
        </Fields></Item>
      <Item ID="102"><Caption>Ny cykelsti</Caption><Case ID="6"><Number>25/2345</Number></Case>
        <IsPublic>True</IsPublic><Number>2</Number>
        <Fields>
          <ItemField ID="3"><Caption>Indstilling</Caption><FieldTypeAsEnum>Multiline</FieldTypeAsEnum>
            <HasContent>True</HasContent><Index>1</Index><IsFeedback>False</IsFeedback>
            <Content>Administrationen indstiller,
at cykelstien anlægges.</Content></ItemField>
          <ItemField ID="4"><Caption>Beslutning</Caption><FieldTypeAsEnum>Html</FieldTypeAsEnum>
            <HasContent>True</HasContent><Index>2</Index><IsFeedback>True</IsFeedback>
            <Content><![CDATA[<p><strong>3. februar 2025:</strong> Udsat.</p><p><strong>3. marts 2025:</strong> Anbefales.</p>]]></Content></ItemField>
        </Fields></Item>
    </Items>
  </Agenda></Agendas>
</Publication>
"""


def test_minutes_export_with_namespace_absence_closed_item_and_dated_decisions():
    loaded = load_sbsys("udvalg.xml", MINUTES_EXPORT.encode())
    s = loaded.structure
    assert (s.document_type, s.body, s.date, s.start_time) == ("minutes", "Teknik- og Miljøudvalget",
                                                               dt.date(2025, 3, 3), "16:30")
    assert [(p.name, p.party, p.status, p.position) for p in s.participants] == [
        ("Anne Holm", "A", "present", "Formand"), ("Per Lund", "V", "absent", None)]
    assert [(i.number, i.title, i.case_numbers, i.access) for i in s.items] == [
        ("1", "Personalesag", ["25/1234"], "closed"), ("2", "Ny cykelsti", ["25/2345"], "public")]
    [earlier] = s.items[1].history
    assert (earlier.by, earlier.date, earlier.text) == ("Teknik- og Miljøudvalget", dt.date(2025, 2, 3), "Udsat.")
    lines = _lines(loaded)
    item = s.items[1]
    assert lines[item.line - 1:item.end_line] == ["2. Ny cykelsti", "Indstilling", "Administrationen indstiller,",
                                                  "at cykelstien anlægges.", "Beslutning", "3. marts 2025: Anbefales."]
    assert "Afbud" in lines and "Per Lund (V)" in lines


def test_malformed_xml_is_corrupt(tmp_path):
    path = tmp_path / "broken.xml"
    path.write_bytes(b"<?xml version='1.0'?><Publication><Agendas><Agenda></Publication>")
    with pytest.raises(CorruptDocument, match="malformed XML"):
        load(path, path.read_bytes())


def test_unknown_xml_is_unsupported_and_says_what_was_expected(tmp_path):
    path = tmp_path / "feed.xml"
    path.write_bytes(b"<?xml version='1.0'?><rss><channel><title>Nyheder</title></channel></rss>")
    with pytest.raises(UnsupportedMediaType, match=r"root <rss>.*expected an SBSYS/eDoc eDagsorden export"):
        load(path, path.read_bytes())
    with pytest.raises(UnsupportedMediaType, match="without <Agendas><Agenda>"):
        load_sbsys("empty.xml", b"<Publication><Published>01-01-2013</Published></Publication>")


def test_entities_are_not_expanded():
    bomb = (b'<?xml version="1.0"?><!DOCTYPE p [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>'
            b"<Publication><Agendas><Agenda><Committee><Name>&b;</Name></Committee><Items><Item ID='1'>"
            b"<Number>1</Number><Caption>Orientering &b;</Caption></Item></Items></Agenda></Agendas></Publication>")
    loaded = load_sbsys("bomb.xml", bomb)
    assert [i.number for i in loaded.structure.items] == ["1"]
    assert "aaaaaaaaaa" not in loaded.text


def test_the_format_is_told_by_content(tmp_path):
    export = tmp_path / "export.html"  # an export saved under the wrong extension
    export.write_bytes(BALLERUP.read_bytes())
    assert load(export, export.read_bytes()).system == "sbsys"
    page = tmp_path / "page.xml"  # XHTML whose <html> comes after the first KiB
    page.write_bytes(b'<?xml version="1.0"?><!-- ' + b"x" * 2000 + b" --><html><body><h1>Referat</h1>"
                     + "<p>Mødet blev holdt.</p></body></html>".encode())
    loaded = load(page, page.read_bytes())
    assert loaded.system == "html" and loaded.text.startswith("Referat\n")
