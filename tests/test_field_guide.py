"""Every trait of ../shared/field-guide.md, in examples written for these tests (invented names,
numbers, dates and places, in the shapes real minutes take). Issue 16: the genre, not six layouts.

Each test is one trait: header forms, dates as CMSs write them, item numbering, closed items, case
numbers, part and decision headings, outcomes, attendance anywhere, page furniture, and what makes
a document minutes. Pages published one per item are tests/test_assembly.py's."""

from __future__ import annotations

import datetime as dt

import pytest

from extractors.dates import find_dates, find_times
from tests.helpers import record_from_text

D = dt.date


def read(text: str):
    return record_from_text(text, entities=False)


def item(record, number: str):
    return next(i for i in record.items if i.number == number)


ONE_ITEM = "\n\n1. Godkendelse af dagsorden\n\nSagsnr.: 26/1001\n\nBeslutning\nGodkendt.\n"


# --- the header --------------------------------------------------------------------------------


def test_labels_without_colons_before_their_values():
    r = read("Referat\n\nByrådet\n\nMødedato Tirsdag d. 3. marts 2026 kl. 17:00\nMødested Rådssalen" + ONE_ITEM)
    m = r.meeting
    assert (m.date, m.start_time, m.place) == (D(2026, 3, 3), "17:00", "Rådssalen")


def test_capital_labels_alone_over_their_values():
    text = ("UDVALG\n\nBørne- og Kulturudvalget\n\nMØDE\n\nReferat\n\nSTED\n\nRådhuset, lokale 2\n\nSTARTTIDSPUNKT\n\n"
            "12-03-2026 16:00:00\n\nSLUTTIDSPUNKT\n\n12-03-2026 18:30:00\n" + ONE_ITEM)
    m = read(text).meeting
    assert (m.body, m.place, m.date, m.start_time, m.end_time) == (
        "Børne- og Kulturudvalget", "Rådhuset, lokale 2", D(2026, 3, 12), "16:00", "18:30")


def test_labels_with_colons():
    r = read("Referat\n\nUdvalg: Udvalget for Natur og Klima\nMødedato: 09-02-2026\nMødested: Mødelokale 4, Rådhuset"
             + ONE_ITEM)
    assert (r.meeting.body, r.meeting.date, r.meeting.place) == (
        "Udvalget for Natur og Klima", D(2026, 2, 9), "Mødelokale 4, Rådhuset")
    r = read("Økonomiudvalget - Referat\n\nDato: 14. januar 2026\nLokale: Byrådssalen\nTidspunkt: Kl. 18:30" + ONE_ITEM)
    assert (r.meeting.date, r.meeting.place, r.meeting.start_time) == (D(2026, 1, 14), "Byrådssalen", "18:30")


@pytest.mark.parametrize("title, body, date", [
    ("REFERAT Tønnersø Byråd d. 27-01-2026", "Tønnersø Byråd", D(2026, 1, 27)),
    ("Kommunalbestyrelsen - Referat\n\n27. januar 2026", "Kommunalbestyrelsen", D(2026, 1, 27)),
    ("Referat fra mødet i Teknisk Udvalg den 5. februar 2026", "Teknisk Udvalg", D(2026, 2, 5)),
])
def test_title_lines_that_carry_body_and_date(title, body, date):
    r = read(title + ONE_ITEM)
    assert r.document_type == "minutes"
    assert (r.meeting.body, r.meeting.date) == (body, date)


def test_date_time_and_place_in_one_sentence():
    r = read("Referat\n\nSkovby Ældreråd\n\nMødet blev holdt torsdag den 8. januar 2026 kl. 15.00 i mødelokale 3\n"
             + ONE_ITEM)
    assert (r.meeting.date, r.meeting.start_time, r.meeting.place) == (D(2026, 1, 8), "15:00", "mødelokale 3")


@pytest.mark.parametrize("text, date, time", [
    ("Onsdag, March 4, 2026 - 17:30", D(2026, 3, 4), "17:30"),
    ("Torsdag, 14 marts, 2026 - 18:30", D(2026, 3, 14), "18:30"),
    ("Mødedato: d. 27-08-2025 kl. 16.00", D(2025, 8, 27), "16:00"),
    ("04.03.2026 16:00:00", D(2026, 3, 4), "16:00"),
    ("Mødedato: 9/11/2026 3:00:00 PM", D(2026, 9, 11), None),  # an American date, month first
])
def test_dates_and_times_as_web_systems_write_them(text, date, time):
    assert find_dates(text)[0][2] == date
    assert (find_times(text)[:1] or [None])[0] == time or time is None


def test_a_publication_date_is_not_the_meeting_date():
    r = read("Kultur- og Fritidsudvalget\n\nOffentliggjort 10-03-2026\n\nReferat\n\nTirsdag den 3. marts 2026 kl. 16.00"
             + ONE_ITEM)
    assert r.meeting.date == D(2026, 3, 3)


def test_an_abbreviated_body_in_the_title():
    r = read("Referat KB 12-03-2026" + ONE_ITEM)
    assert (r.meeting.body, r.meeting.date) == ("Kommunalbestyrelsen", D(2026, 3, 12))


def test_mojibake_of_a_dos_code_page_is_repaired_before_reading(tmp_path):
    from pipeline.process import build_record

    text = "Referat\n\nRegionsrådet\n\nDato: 3. marts 2026" + ONE_ITEM
    path = tmp_path / "regionsraadet.txt"
    path.write_text(text.encode("utf-8").decode("cp852"), encoding="utf-8")  # "Regionsr├ądet"
    record = build_record(path)
    assert record.meeting.body == "Regionsrådet"
    assert any(w.code == "mojibake_repaired" for w in record.warnings)


# --- items -------------------------------------------------------------------------------------


@pytest.mark.parametrize("heading, number", [
    ("3. Godkendelse af regnskab", "3"),
    ("3.Godkendelse af regnskab", "3"),
    ("3Godkendelse af regnskab", "3"),
    ("Punkt 3: Godkendelse af regnskab", "3"),
    ("Pkt. 3\n\nGodkendelse af regnskab", "3"),
    ("Dagsordenspunkt 3: Godkendelse af regnskab", "3"),
    ("• 214. Godkendelse af regnskab", "214"),
    ("Nr.3 - Godkendelse af regnskab", "3"),
])
def test_item_number_forms(heading, number):
    r = read(f"Referat\n\nByrådet\n\nDato: 3. marts 2026\n\n{heading}\n\nSagsnr.: 26/1432\n\nBeslutning\nGodkendt.\n")
    assert [(i.number, i.title) for i in r.items] == [(number, "Godkendelse af regnskab")]
    assert r.items[0].decision.outcome == "approved"


def test_a_list_of_the_items_at_the_top_of_the_page_and_numbers_running_through_the_year():
    text = ("Referat\n\nDato: Onsdag, March 4, 2026 - 17:30\n\n"
            "• Pkt. 41 Godkendelse af dagsorden\n\n  Pkt. 41\n\n  Godkendelse af dagsorden\n\n"
            "  Sagsnr. 412233 Kultur- og Fritidsudvalget Åbent punkt\n\n"
            "  Kultur- og Fritidsudvalget, 04-03-2026, pkt. 41\n\n  Godkendt.\n\n"
            "• Pkt. 42 Tilskud til spejderne\n\n  Pkt. 42\n\n  Tilskud til spejderne\n\n"
            "  Sagsnr. 412250 Kultur- og Fritidsudvalget Åbent punkt\n\n"
            "  Kultur- og Fritidsudvalget, 04-03-2026, pkt. 42\n\n  Udsat.\n")
    r = read(text)
    assert [(i.number, i.title, i.decision.outcome) for i in r.items] == [
        ("41", "Godkendelse af dagsorden", "approved"), ("42", "Tilskud til spejderne", "postponed")]
    assert (r.meeting.body, r.meeting.date) == ("Kultur- og Fritidsudvalget", D(2026, 3, 4))


def test_an_overview_without_page_numbers_is_read_as_the_items():
    text = ("Referat\n\nByrådet\n\nDato: 3. marts 2026\n\nPUNKTER\n\n212. Godkendelse af dagsorden\n213. Ny skolestruktur\n"
            "214. Salg af grund\n\n212. Godkendelse af dagsorden\n\nSagsnr.: 26/1\n\nBeslutning\nGodkendt.\n")
    r = read(text)
    assert [(i.number, i.title) for i in r.items] == [
        ("212", "Godkendelse af dagsorden"), ("213", "Ny skolestruktur"), ("214", "Salg af grund")]
    assert r.items[0].decision.text == "Godkendt." and r.items[1].span is None  # only in the list


def test_a_title_printed_twice_and_the_markers_after_it():
    text = ("Referat\n\nØkonomiudvalget\n\nDato: 3. marts 2026\n\n1. Godkendelse af dagsorden (B)\n\n"
            "1.     Godkendelse af dagsorden (B)\n\nSagsnr.: 26/1\n\nBeslutning\nGodkendt.\n\n"
            "2. Orientering om likviditet (O)\n\n2.     Orientering om likviditet (O)\n\nSagsnr.: 26/2\n\n"
            "Beslutning\nTaget til efterretning.\n")
    r = read(text)
    assert [(i.number, i.title) for i in r.items] == [("1", "Godkendelse af dagsorden (B)"),
                                                      ("2", "Orientering om likviditet (O)")]
    assert r.items[0].decision.text == "Godkendt."  # the second item's first printing is not in it


@pytest.mark.parametrize("heading", ["4. Lukket: Køb af ejendom", "4. Køb af ejendom (Lukket)",
                                     "4. Lukket punkt", "4. Fortroligt: Køb af ejendom"])
def test_closed_items(heading):
    r = read(f"Referat\n\nByrådet\n\nDato: 3. marts 2026\n\n{heading}\n\nSagsnr.: 26/4\n\nBeslutning\nGodkendt.\n")
    assert r.items[0].access == "closed"


def test_items_without_numbers_are_numbered_by_position_with_a_warning():
    text = ("Borger- og Arbejdsmarkedsudvalget\nReferat • 19. juni 2026 kl. 16.00\n\n"
            "Budgetønsker 2027\nSagsid.: 26/101\nIndstilling\nDirektionen indstiller, at ønskerne sendes videre.\n"
            "Beslutning i Borger- og Arbejdsmarkedsudvalget den 19-06-2026\nGodkendt.\n"
            "Sagsid.: 26/102\nBeslutningstema\nStatus på jobcentret.\n"
            "Beslutning i Borger- og Arbejdsmarkedsudvalget den 19-06-2026\nTaget til efterretning.\n")
    r = read(text)
    assert [(i.number, i.title, i.decision.outcome) for i in r.items] == [
        ("1", "Budgetønsker 2027", "approved"), ("2", None, "noted")]
    assert any(w.code == "unnumbered_items" for w in r.warnings)


def test_the_first_item_may_be_the_attendance_itself():
    text = ("Byrådet - Referat\n\nDato: 29. januar 2026\n\n1. Fraværende\n\nResume\n\nSagsforløb: BY\n\n"
            "Beslutning\n\nKaren Holm og Ib Berg.\n\n2. Godkendelse af dagsorden\n\nResume\n\nBeslutning\n\nGodkendt.\n")
    r = read(text)
    assert [(p.name, p.status) for p in r.participants] == [("Karen Holm", "absent"), ("Ib Berg", "absent")]


# --- case numbers ------------------------------------------------------------------------------


@pytest.mark.parametrize("line, number", [
    ("Sagsnr.: 26/1432", "26/1432"), ("Sagsnummer: 26/1432", "26/1432"), ("Sag nr. 26-1432", "26-1432"),
    ("EMN-2026-001234", "EMN-2026-001234"), ("Sagsnr. 412233 Kultur- og Fritidsudvalget Åbent punkt", "412233"),
    ("27.12.00-P20-3-26", "27.12.00-P20-3-26"), ("Sagsid.: 26/1432", "26/1432"),
])
def test_case_number_forms(line, number):
    r = read(f"Referat\n\nByrådet\n\nDato: 3. marts 2026\n\n1. Salg af grund\n\n{line}\nDok.nr.: 26/99887\n\n"
             "Beslutning\nGodkendt.\n")
    assert [c.number for c in r.items[0].case_numbers] == [number]


# --- parts and decision headings ----------------------------------------------------------------


def test_words_glued_together_where_a_page_was_flattened():
    text = ("Byrådet - Referat\n\nDato: 29. januar 2026\n\nIndholdsfortegnelse1. Fraværende\n\nResume\n\n"
            "BeslutningIngen.\n\n2. Godkendelse af dagsorden\n\nSagsfremstilling\n\nBeslutningGodkendt.\n")
    r = read(text)
    assert [(i.number, i.title, i.decision.text) for i in r.items] == [
        ("1", "Fraværende", "Ingen."), ("2", "Godkendelse af dagsorden", "Godkendt.")]


def test_the_decision_may_stand_before_the_case_text():
    text = ("Referat\n\nByrådet\n\nMødedato 3. marts 2026\n\n1. Ny skolestruktur\n\nSagsnr.: 26/1\n\nBeslutninger\n\n"
            "Byrådet godkendte indstillingen.\n\nIndstilling\n\nDirektionen indstiller, at strukturen godkendes.\n\n"
            "Sagsfremstilling\n\nStrukturen er drøftet i et år.\n")
    i = read(text).items[0]
    assert (i.decision.heading, i.decision.text, i.decision.outcome) == (
        "Beslutninger", "Byrådet godkendte indstillingen.", "approved")
    assert i.recommendation.text == "Direktionen indstiller, at strukturen godkendes."


@pytest.mark.parametrize("heading, by, date", [
    ("Beslutning", None, None), ("BESLUTNING", None, None), ("Beslutning:", None, None),
    ("Beslutning i Udvalget for Natur og Klima den 09-02-2026", "Udvalget for Natur og Klima", D(2026, 2, 9)),
    ("Beslutning Udvalget for Natur og Klima den 09-02-2026", "Udvalget for Natur og Klima", D(2026, 2, 9)),
    ("Økonomiudvalgets beslutning i mødet den 3. marts 2026", "Økonomiudvalget", D(2026, 3, 3)),
    ("Byrådets beslutning den 3. marts 2026", "Byrådet", D(2026, 3, 3)),
    ("Kultur- og Fritidsudvalget, 03-03-2026, pkt. 41", "Kultur- og Fritidsudvalget", D(2026, 3, 3)),
    ("Behandling i Sundhedsudvalget den 3. marts 2026, pkt. 7", "Sundhedsudvalget", D(2026, 3, 3)),
    ("BESLUTNING I ØKONOMIUDVALGET den 03-03-2026", "Økonomiudvalget", D(2026, 3, 3)),
])
def test_decision_heading_forms(heading, by, date):
    day = (date or D(2026, 3, 3)).strftime("%d-%m-%Y")  # this meeting's decision: the meeting's date
    r = read(f"Referat\n\nByrådet\n\nDato: {day}\n\n1. Salg af grund\n\nSagsnr.: 26/7\n\n{heading}\nGodkendt.\n")
    d = r.items[0].decision
    assert (d.by, d.date, d.text, d.outcome) == (by, date, "Godkendt.", "approved")


def test_referat_as_the_heading_of_the_decision():
    r = read("Referat\n\nRegionsrådet\n\nDato: 24. marts 2026\n\n1. Meddelelser fra formanden\n\nSagsnr.: 26/3\n\n"
             "Referat\n\nTaget til efterretning.\n")
    assert r.items[0].decision.text == "Taget til efterretning."


def test_a_case_course_with_dated_lines_per_body():
    text = ("Referat\n\nByrådet\n\nDato: 10. marts 2026\n\n1. Ny skolestruktur\n\nSagsnr.: 26/1432\n\n"
            "Sagens forløb\n03-03-2026 Magistraten\nIndstillingen anbefales.\n10-03-2026 Byrådet\nGodkendt.\n")
    i = read(text).items[0]
    assert [(d.by, d.date, d.outcome) for d in i.decisions] == [
        ("Magistraten", D(2026, 3, 3), "approved"), ("Byrådet", D(2026, 3, 10), "approved")]
    assert i.decision.text == "Godkendt."


def test_an_earlier_bodys_decision_alone_is_not_this_meetings():
    text = ("Referat\n\nKommunalbestyrelsen\n\nDato: 5. november 2026\n\n343. Kirkelig ligning\n\nSagsnr.: 26/8\n\n"
            "Økonomiudvalget, 28. oktober 2026, pkt. 452:\n\nAnbefales.\n")
    i = read(text).items[0]
    assert i.decision is None and [d.by for d in i.decisions] == ["Økonomiudvalget"]


# --- decisions and outcomes ----------------------------------------------------------------------


@pytest.mark.parametrize("text, outcome", [
    ("Tilbagesendes Magistratsafdelingen med bemærkning, at byrådet i sit møde den 3. marts 2026 har vedtaget "
     "indstillingen.", "approved"),
    ("Fremsendes til Teknisk Udvalg til behandling.", "referred"),
    ("Oversendes til Økonomiudvalget.", "referred"),
    ("Anbefales. Venstres byrådsgruppe kunne ikke tiltræde indstillingen.", "approved"),
])
def test_outcomes(text, outcome):
    r = read(f"Referat\n\nByrådet\n\nDato: 3. marts 2026\n\n1. Salg af grund\n\nSagsnr.: 26/7\n\nBeslutning\n{text}\n")
    assert r.items[0].decision.outcome == outcome


def test_dissent_written_as_party_groups_is_a_vote_against():
    r = read("Referat\n\nByrådet\n\nDato: 3. marts 2026\n\n1. Salg af grund\n\nSagsnr.: 26/7\n\nBeslutning\n"
             "Godkendt.\nVenstres byrådsgruppe kunne ikke tiltræde indstillingen.\n"
             "Enhedslisten og Alternativet kunne ikke tiltræde punkt 2.\n")
    assert [(v.position, v.parties) for v in r.items[0].votes] == [("against", ["V"]), ("against", ["Ø", "Å"])]


def test_an_orientation_told_as_a_list_is_noted():
    r = read("Referat\n\nKultur- og Fritidsudvalget\n\nDato: 3. marts 2026\n\n43. Meddelelser fra formanden\n\n"
             "Sagsnr. 412233 Kultur- og Fritidsudvalget Åbent punkt\n\nKultur- og Fritidsudvalget, 03-03-2026, pkt. 43\n\n"
             "  \u0335 Møde i Idrætsrådet\n  \u0335 Indvielse af den nye hal\n")
    d = r.items[0].decision
    assert (d.text, d.outcome) == ("- Møde i Idrætsrådet - Indvielse af den nye hal", "noted")


# --- attendance ----------------------------------------------------------------------------------


def test_a_numbered_member_list_with_titles_as_positions():
    r = read("Referat\n\nByrådet\n\nDato: 3. marts 2026\n\nDeltagere:\n1. Borgmester Hanne Lund (A)\n2. Peter Holm (V)\n"
             "3. Rådmand Lis Berg (F)\n4. Sofie Krogh, (C)\n" + ONE_ITEM)
    assert [(p.name, p.party, p.position) for p in r.participants] == [
        ("Hanne Lund", "A", "Borgmester"), ("Peter Holm", "V", None), ("Lis Berg", "F", "Rådmand"),
        ("Sofie Krogh", "C", None)]
    assert [i.number for i in r.items] == ["1"]


def test_meeting_facts_inside_the_first_item_are_the_meetings():
    text = ("Referat\n\nUdvalget for Natur og Klima\n\nDato: 3. marts 2026\n\n1. Meddelelser om mødet\n\nSagsnr.: 26/1\n\n"
            "Beslutning\nMødet startede kl. 15.30 og sluttede kl. 16.40.\nFraværende med afbud: Ingen.\nMedlemmer:\n"
            "1. Formand Anne Holm (A)\n2. Bo Dahl (V)\n3. Lene Juhl (C)\n\n2. Budget\n\nSagsnr.: 26/2\n\nBeslutning\n"
            "Godkendt.\n")
    r = read(text)
    assert (r.meeting.start_time, r.meeting.end_time) == ("15:30", "16:40")
    assert [(p.name, p.party, p.position, p.status) for p in r.participants] == [
        ("Anne Holm", "A", "Formand", "present"), ("Bo Dahl", "V", None, "present"), ("Lene Juhl", "C", None, "present")]


@pytest.mark.parametrize("line, absent", [
    ("Karen Holm og Ib Berg var fraværende.", ["Karen Holm", "Ib Berg"]),
    ("Afbud: Ole Dahl (Løsgænger)", ["Ole Dahl"]),
    ("Ikke til stede: Ole Dahl", ["Ole Dahl"]),
    ("Per Vang (A)- afbud", ["Per Vang"]),
    ("Ole Dahl deltog ikke under punkterne 12-15.", ["Ole Dahl"]),
    ("Afbud under hele mødet: Karen Holm og Ib Berg", ["Karen Holm", "Ib Berg"]),
])
def test_absence_sentences_after_a_decision_are_the_items(line, absent):
    r = read("Referat\n\nByrådet\n\nDato: 3. marts 2026\n\n12. Salg af grund\n\nSagsnr.: 26/7\n\nBeslutning\n"
             f"Godkendt.\n{line}\n")
    i = r.items[0]
    assert i.absent == absent
    assert i.decision.text == "Godkendt."
    assert not [p for p in r.participants if p.status == "absent"]  # the item's, not the meeting's


def test_a_substitute_is_present_in_place_of_the_absent():
    r = read("Referat\n\nByrådet\n\nDato: 3. marts 2026\n\n1. Godkendelse af dagsorden\n\nSagsnr.: 26/1\n\nBeslutning\n"
             "Godkendt.\nFraværende: Ole Dahl (V) - Mia Kjær (V) mødte som stedfortræder.\n")
    assert r.items[0].absent == ["Ole Dahl"]
    assert [(p.name, p.party, p.role, p.substitute_for, p.status) for p in r.participants] == [
        ("Mia Kjær", "V", "substitute", "Ole Dahl", "present")]


# --- page furniture and what makes minutes ---------------------------------------------------------


def test_page_furniture_is_never_an_item_nor_a_reason_for_not_minutes():
    text = ("Vi bruger cookies til statistik. Hvis du ikke siger nej tak til cookies, accepterer du.\n\n"
            "Du er her: Forside / Politik / Dagsordener og referater\n\nVælg dit udvalg herunder:\n\n"
            "Fold alle ud\n\nUdvalg: Byrådet\n\nMødedato: 09-02-2026\n\nPrint\n\n"
            "1.Salg af grund ved havnen\n\nSagsnummer: 26/8545\n\nBeslutning Byrådet den 09-02-2026\n\nGodkendt.\n\n"
            "Kopier link til punktet\n\nTil toppen\n")
    r = read(text)
    assert r.document_type == "minutes"
    assert [(i.number, i.title, i.decision.text) for i in r.items] == [("1", "Salg af grund ved havnen", "Godkendt.")]
    assert r.coverage.furniture_chars > 100 and r.coverage.share == 1.0


def test_one_item_and_its_decision_is_minutes_an_agenda_has_no_decisions_a_memo_neither():
    one = read("Udvalget for Miljø\n\nPkt. 41\n\nStøjskærm ved skolen\n\nSagsnr. 412233\n\nBeslutning\n\nGodkendt.\n")
    assert one.document_type == "minutes" and "1 items with a recorded decision" in one.classification
    agenda = read("Dagsorden\n\nByrådet\n\nDato: 3. marts 2026\n\n1. Salg af grund\n\nSagsnr.: 26/7\n\nIndstilling\n"
                  "Direktionen indstiller, at grunden sælges.\n\nBeslutning\n\n")
    assert agenda.document_type == "agenda"
    memo = read("Notat om parkering\n\nKommunen har undersøgt parkeringen ved stationen. Der er plads til flere biler.\n")
    assert memo.document_type == "not_minutes"


def test_a_page_flattened_to_one_paragraph_is_read_line_by_line():
    page = ("1 Erhvervsudvalget Referat Dato 8. september 2026 Mødetidspunkt 16:00 Sted Lokale 1\n\n"
            "2 Tønnersø Kommune Erhvervsudvalget Godkendelse af dagsorden Sagsnr.: 26/14 Sagen afgøres i: Erhvervsudvalget "
            "Sagsfremstilling Dagsorden til mødet er udsendt efter forretningsordenen. Indstilling Administrationen "
            "indstiller, at dagsordenen godkendes. Beslutning i Erhvervsudvalget den 08-09-2026 Indstillingen tiltrådt.\n\n"
            "3 Tønnersø Kommune Erhvervsudvalget Halvårsregnskab Sagsnr.: 26/15 Sagen afgøres i: Erhvervsudvalget "
            "Sagsfremstilling Regnskabet viser et mindreforbrug på 2 mio. kr. i første halvår. Indstilling "
            "Administrationen indstiller, at regnskabet tages til efterretning. Beslutning i Erhvervsudvalget den "
            "08-09-2026 Taget til efterretning.\n")
    r = read(page)
    assert r.document_type == "minutes" and any(w.code == "reflowed" for w in r.warnings)
    assert [(c.number for c in i.case_numbers).__next__() for i in r.items] == ["26/14", "26/15"]
    assert [i.decision.outcome for i in r.items] == ["approved", "noted"]
    assert {i.decision.span.start_line for i in r.items} == {3, 5}  # the lines of the text as read


# --- beyond the guide: shapes met on the probe of unseen authorities ---------------------------------


def test_items_written_on_one_line_each_with_their_outcome():
    r = read("Torsdag den 9. juni 2026 kl. 09.00 – 11.45 på Plejecentret\n\nAfbud fra Inge Holm.\n\n"
             "1.Valg af mødeleder. Lis valgt som mødeleder.\n\n2.Godkendelse af dagsorden. Dagsorden godkendt.\n\n"
             "3.Høringssvar.  Der var ingen høringssvar.\n\n"
             "4.Godkendelse af referat af mødet den 12.maj 2026. Referat godkendt.\n\n"
             "5.Valg til rådet. " + "Lis og Bo forbereder valget, som holdes i november med brevstemmer. " * 5 + "\n")
    assert r.document_type == "minutes"
    assert [(i.number, i.title, i.decision.text) for i in r.items[:4]] == [
        ("1", "Valg af mødeleder", "Lis valgt som mødeleder."), ("2", "Godkendelse af dagsorden", "Dagsorden godkendt."),
        ("3", "Høringssvar", "Der var ingen høringssvar."),
        ("4", "Godkendelse af referat af mødet den 12.maj 2026", "Referat godkendt.")]
    # an item written as one long paragraph is an item all the same
    assert (r.items[4].number, r.items[4].title) == ("5", "Valg til rådet")
    assert r.items[4].decision.text.startswith("Lis og Bo forbereder valget")


def test_a_numbered_list_that_lost_its_counter_is_numbered_by_position():
    r = read("Referat fra Ældrerådets møde den 22. februar 2026\n\n 1. Godkendelse af referatet\n\nReferat: Godkendt\n\n"
             " 1. Høringssvar\n\nReferat:\n\nÆldrerådet formulerer et høringssvar.\n\n 1. Eventuelt\n\nReferat:\n\nIntet.\n")
    assert [(i.number, i.title) for i in r.items] == [("1", "Godkendelse af referatet"), ("2", "Høringssvar"),
                                                      ("3", "Eventuelt")]
    assert any(w.code == "renumbered_items" for w in r.warnings)


def test_a_decision_heading_glued_to_the_end_of_the_title():
    r = read("Referat\n\nRegionsrådet 24-03-2026 13:00\n\n1.Meddelelse fra formandenReferat\n\n"
             "Følgende emner blev nævnt: Afbud fra Tove Dam.\n\n2.Godkendelse af regnskab\n\nSagsnr.: 26/2\n\nReferat\n\n"
             "Godkendt.\n")
    assert [(i.number, i.title) for i in r.items] == [("1", "Meddelelse fra formanden"), ("2", "Godkendelse af regnskab")]
    assert r.items[0].decision.heading == "Referat" and r.items[0].decision.text.startswith("Følgende emner")


# --- beyond the guide: boards, parish and local councils -----------------------------------------

def test_a_short_agenda_is_its_list_of_items():
    r = read("Dagsorden til bestyrelsesmøde 14.01.2026\n\nVi mødes hos Inge kl. 19.00.\n\n 1. Velkomst.\n"
             " 2. Nyt fra kassereren.\n 3. Lukket punkt; Personaleforhold\n 4. Eventuelt.\n")
    assert r.document_type == "agenda"
    assert [(i.number, i.title, i.access) for i in r.items] == [
        ("1", "Velkomst.", "public"), ("2", "Nyt fra kassereren.", "public"), ("3", "Personaleforhold", "closed"),
        ("4", "Eventuelt.", "public")]
    assert not any(i.decision for i in r.items)


def test_entries_that_state_what_was_agreed_are_minutes():
    r = read("Bestyrelsesmøde d. 3. marts 2026\n\nMødet blev afholdt d. 3. marts 2026 kl. 19.00 i Forsamlingshuset\n\n"
             "Fremmøde:\nLis Holm, Bo Dam, Eva Kjær\n\nDagsorden:\n\n 1. Kommentarer til generalforsamlingen\n"
             "  Enighed om et godt møde.\n\n 2. Der er enighed om at vente med konstitueringen til april.\n"
             " 3. Bo laver en hjemmeside for foreningen.\n")
    assert r.document_type == "minutes"
    assert [(i.number, i.decision and i.decision.outcome) for i in r.items] == [
        ("1", "approved"), ("2", "postponed"), ("3", None)]  # (2: agreed to wait)
    assert item(r, "2").decision.text == "Der er enighed om at vente med konstitueringen til april."
    assert [p.name for p in r.participants] == ["Lis Holm", "Bo Dam", "Eva Kjær"]  # "Fremmøde:" lists who came


def test_initials_after_names_and_whom_members_represent():
    r = read("Referat\n\nMøde i Naturrådet 17. april 2026\n\nUdsendt 3. maj 2026\n\n"
             "Mødet fandt sted fra kl. 15.00 til 19.15\n\nDeltagere:\n\nFormand Bent Lund (BL)\n\n"
             "Solby Kommune Gitte Ravn (GR)\n\nFriluftsforeningen Hanne Bech (HB) Afbud\n\nSøren Fisker (SF)\n\n"
             "Punkter på dagsordenen:\n\n1. Velkomst og godkendelse af dagsorden\n\nBent Lund bød velkommen.\n"
             "Dagsordenen blev godkendt.\n\n2. Orientering fra sekretariatet\n\nSekretariatet orienterede om status.\n")
    assert (r.meeting.date, r.meeting.start_time, r.meeting.end_time) == (D(2026, 4, 17), "15:00", "19:15")
    people = {p.name: p for p in r.participants}
    assert set(people) == {"Bent Lund", "Gitte Ravn", "Hanne Bech", "Søren Fisker"}
    assert (people["Bent Lund"].party, people["Bent Lund"].position) == (None, "Formand")
    assert people["Gitte Ravn"].municipality == "Solby Kommune"
    assert (people["Hanne Bech"].status, people["Hanne Bech"].position) == ("absent", "Friluftsforeningen")
    assert people["Søren Fisker"].party == "SF"  # a party's short form stays a party
    assert [(i.number, i.decision.outcome) for i in r.items] == [("1", "approved"), ("2", "noted")]


# --- copies on document-sharing sites: each page run together into one paragraph ---------------

FLATTENED = (
    "Referat af bestyrelsesmøde i Solby Havn\n\n"
    "1 Referat af bestyrelsesmøde i Solby Havn Mødedato: 12. marts 2026 Mødetid: 16:00 Mødested: Havnekontoret, "
    "Kajgade 4 Afbud: Ole Dam. Referent: Sif Berg Fra administrationen deltog: havnefoged Per Lind. "
    "OVERSIGT OVER PUNKTERNE: 1. Godkendelse af dagsorden 2. Meddelelser 2 a. Tillæg om belysning på kajen "
    "3. Budgetopfølgning 4. Eventuelt 1\n\n"
    "2 Punkt 1. Godkendelse af dagsorden Der var ingen bemærkninger til dagsordenen. Beslutning: Godkendt. "
    "Punkt 2. Meddelelser Formanden orienterede om mødet med kommunen. Beslutning: Taget til efterretning. "
    "Punkt 2 a. Tillæg om belysning på kajen Der er indhentet to tilbud på nye lamper. "
    "Indstilling: Det indstilles, at det billigste tilbud antages. Beslutning: Godkendt.\n\n"
    "3 Punkt 3. Budgetopfølgning Den samlede økonomi følger budgettet for 2026, dog med en mindre overskridelse. "
    "Beslutning: Taget til efterretning. Punkt 4. Eventuelt Intet.\n")


def test_a_flattened_copy_is_read_item_by_item():
    r = read(FLATTENED)
    assert r.document_type == "minutes"
    assert [(i.number, i.title) for i in r.items] == [
        ("1", "Godkendelse af dagsorden"), ("2", "Meddelelser"), ("2 a", "Tillæg om belysning på kajen"),
        ("3", "Budgetopfølgning"), ("4", "Eventuelt")]
    assert [i.decision and i.decision.outcome for i in r.items] == ["approved", "noted", "approved", "noted", None]
    assert item(r, "2 a").recommendation.text == "Det indstilles, at det billigste tilbud antages."
    assert (r.meeting.start_time, r.meeting.place) == ("16:00", "Havnekontoret, Kajgade 4")
    assert [p.name for p in r.participants if p.status == "absent"] == ["Ole Dam"]


def test_a_lettered_item_follows_its_number():
    r = read("Referat\n\nByrådet\n\nMødedato: 3. marts 2026\n\n1. Godkendelse af dagsorden\n\nBeslutning\nGodkendt.\n\n"
             "2. Meddelelser\n\nBeslutning\nTaget til efterretning.\n\n2a. Ekstra punkt: Vinterberedskab\n\n"
             "Sagsfremstilling\nVejene saltes fra 1. november.\n\nBeslutning\nGodkendt.\n\n3. Eventuelt\n\nBeslutning\nIntet.\n")
    assert [i.number for i in r.items] == ["1", "2", "2a", "3"]
    assert item(r, "2a").decision.outcome == "approved"


def test_an_absence_label_left_empty_before_the_decision_text():
    r = read("Referat\n\nTeknikudvalget\n\nMødedato: 3. marts 2026\n\n1. Konference i april\n\n"
             "Sagsfremstilling\nKonferencen holdes i Vejle.\n\nBeslutning i Teknikudvalget\n\nFraværende:\n\n \n\n"
             "Udvalget deltager ikke i konferencen i år.\n")
    decision = item(r, "1").decision
    assert decision.text == "Udvalget deltager ikke i konferencen i år."
    assert decision.absent == []


def test_a_vote_line_with_no_one_after_it_is_no_vote():
    r = read("Referat\n\nByrådet\n\nMødedato: 3. marts 2026\n\n1. Ny skolestruktur\n\nSagsfremstilling\nTo skoler lægges sammen.\n\n"
             "Beslutning\nFor stemte: 15 (A+V)\nImod stemte:\nUndlod at stemme: 4 (C+O)\nGodkendt.\n")
    assert [(v.position, v.parties, v.count) for v in item(r, "1").votes] == [
        ("for", ["A", "V"], 15), ("abstain", ["C", "O"], 4)]


@pytest.mark.parametrize("title, body", [
    ("Referat af menighedsrådsmøde tirsdag den 3. marts 2026", "Menighedsrådet"),
    ("Bestyrelsesmøde i Solby Forsyning A/S", "Bestyrelsen"),
    ("Referat fra repræsentantskabsmøde i Solby Trafik", "Repræsentantskabet"),
    ("Referat af skolebestyrelsesmøde", "Skolebestyrelsen"),
    ("Referat af dialogmøde med borgerne", None),
])
def test_the_body_named_in_the_title_word_for_its_meeting(title, body):
    r = read(f"{title}\n\nDato: 3. marts 2026\n" + ONE_ITEM)
    assert r.meeting.body == body


def test_the_meeting_line_after_the_members_gives_time_and_place():
    r = read("Referat af seniorrådsmøde 3. marts 2026\n\nMedlemmer\n\n • Bo Dam (BD)\n • Eva Kjær (EK)\n\nAfbud\n\n • Eva Kjær\n\n"
             "Dagsorden til møde i Seniorrådet 3. marts 2026 kl. 09.00-12.00\n\nMødet afholdes i lokale 12 (Havestuen)\n"
             + ONE_ITEM)
    m = r.meeting
    assert (m.body, m.date, m.start_time, m.end_time, m.place) == (
        "Seniorrådet", D(2026, 3, 3), "09:00", "12:00", "lokale 12 (Havestuen)")


def test_a_time_range_and_a_host_in_the_title_line():
    r = read("Referat skolebestyrelsesmøde den 3. marts 2026 kl. 17.00 - 19.30 hos Lise\n" + ONE_ITEM)
    assert (r.meeting.start_time, r.meeting.end_time, r.meeting.place) == ("17:00", "19:30", "hos Lise")


def test_what_was_said_after_a_title_and_a_colon():
    r = read("Referat fra bestyrelsesmøde 3. marts 2026 hos Lise\n\nTil stede: Lise, Bo, Eva\n\n"
             "1.Godkendelse af dagsorden: Godkendt\n\n2. Meddelelser fra formanden: Vandværket har fået ny pumpe og alt kører.\n\n"
             "3. Regnskab: godkendt.\n\n4. Opfølgning på gamle sager:\n\n  • Skiltet ved vejen er sat op.\n\n"
             "5. Driftsrapport: Intet\n\n6. Økonomi: Regnskabet viser et lille overskud. Taget til efterretning\n\n"
             "7. Vandværkshaven trænger til at blive slået.\n\n8. Eventuelt\n")
    assert r.document_type == "minutes"
    assert [i.number for i in r.items] == [str(n) for n in range(1, 9)]  # 6 goes on from 5: no list of items
    assert [i.title for i in r.items if i.number in "12345"] == [
        "Godkendelse af dagsorden", "Meddelelser fra formanden", "Regnskab", "Opfølgning på gamle sager",
        "Driftsrapport"]
    assert item(r, "1").decision.outcome == "approved"
    assert item(r, "3").decision.text == "godkendt."


def test_items_that_tell_what_the_meeting_did_are_minutes():
    r = read("Pladshavermøde i Solby Bådehavn\n3. marts 2026\nTil stede fra bestyrelsen: Bo Dam (BD), Eva Kjær (EK)\n"
             "Fraværende: Ole Lund\nDagsorden\n1. Velkomst\n2. Valg af dirigent\n3. Havnefogeden orienterer\n"
             "1. Velkomst\nBD bød velkommen til mødet.\n2. Valg af dirigent\nEK valgtes som dirigent.\n"
             "3. Havnefogeden orienterer\nHavnefogeden orienterede om den nye slæbested.\n")
    assert r.document_type == "minutes"
    assert "3 items telling what the meeting did in the past tense" in r.classification
    assert item(r, "2").decision.text == "EK valgtes som dirigent."


def test_an_agenda_that_tells_what_will_be_done_stays_an_agenda():
    r = read("Dagsorden\n\nPladshavermøde i Solby Bådehavn\n3. marts 2026\n\n1. Velkomst\nFormanden byder velkommen.\n\n"
             "2. Valg af dirigent\nBestyrelsen foreslår Eva Kjær.\n\n3. Havnefogeden orienterer\nOm det nye slæbested.\n")
    assert r.document_type == "agenda"


def test_ad_headings_under_the_list_of_items_take_the_list_titles():
    r = read("REFERAT FRA BESTYRELSESMØDE\n\nDato: Torsdag den 3. marts 2026\n\n  1. Godkendelse af referat.\n"
             "  2. Konstituering af bestyrelsen.\n  3. Broudvalg\n\nAfbud fra Bo.\n\nAd. 1.\nReferat OK.\n\n"
             "Ad. 2.\nKonstituering:\nFormand. Eva. Kasserer. Ole.\n\nAd. 3.\nDer er nedsat et broudvalg.\n")
    assert [(i.number, i.title) for i in r.items] == [
        ("1", "Godkendelse af referat."), ("2", "Konstituering af bestyrelsen."), ("3", "Broudvalg")]
    assert item(r, "2").decision.text == "Konstituering: Formand. Eva. Kasserer. Ole."


def test_a_flattened_decision_after_the_absent_and_stacked_labels():
    r = read("Åbent Referat til Byrådet\n\n"
             "1 Åbent Referat til Byrådet Mødedato: Tirsdag den 3. marts 2026 Mødetidspunkt: 18:00-20:15 Mødested: "
             "Deltagere: Fraværende: Referent: Rådhuset, Salen Bo Dam, Eva Kjær, Ole Lund Ida Holm\n\n"
             "2 101. Godkendelse af dagsorden Sagsnr.: 26/1001 Åben sag Beslutning Byrådet den Fraværende: Ida Holm, "
             "Per Vang Godkendt. 102. Godkendelse af referat Beslutning Byrådet den Godkendt. Side 2 103. Orientering om vejarbejde "
             "Sagsfremstilling Vejen lukkes i april. Beslutning Byrådet den Taget til efterretning.\n")
    assert r.meeting.place is None  # the values under stacked labels cannot be told apart
    assert [(i.number, i.decision and i.decision.outcome) for i in r.items] == [
        ("101", "approved"), ("102", "approved"), ("103", "noted")]
    assert item(r, "101").decision.absent == ["Ida Holm", "Per Vang"]
    assert item(r, "102").title == "Godkendelse af referat"


def test_a_title_then_its_outcome_as_a_sentence_of_its_own():
    r = read("R e f e r a t\n\nSeniorrådet 3. marts 2026\n\n1. Godkendelse af dagsorden. Godkendt. D A G S O R D E N\n\n"
             "2. Godkendelse af referat. Godkendt med en rettelse til punkt 4.\n\n3. Budget 2027\n\nRådet drøftede budgettet.\n")
    assert [(i.number, i.title) for i in r.items][:2] == [("1", "Godkendelse af dagsorden"), ("2", "Godkendelse af referat")]
    assert item(r, "1").decision.outcome == "approved"


def test_items_headed_only_by_their_time_slots():
    r = read("Skolebestyrelsesmøde marts 2026\n\nReferat fra den 3. marts 2026 kl. 19.00-21.00.\nAfbud: Bo Dam\n\n"
             "19.00-19.15 - Drøftelse\n\nSkolelederen orienterede om skemaet.\n\n19.15-19.45 - Drøftelse/Beslutning\n\n"
             "Ordensreglerne blev gennemgået og godkendt.\n\n19.45-20.00 - Orientering\n\nIntet nyt.\n")
    assert [(i.number, i.title) for i in r.items] == [
        ("1", "19.00-19.15 - Drøftelse"), ("2", "19.15-19.45 - Drøftelse/Beslutning"), ("3", "19.45-20.00 - Orientering")]
    assert item(r, "2").decision.outcome == "approved"
    assert any(w.code == "unnumbered_items" and "time slots" in w.message for w in r.warnings)


def test_an_access_marker_with_a_colon_before_the_number():
    r = read("Referat\n\nØkonomiudvalget\n\nMødetidspunkt: 3. marts 2026, kl. 14:00\n\n"
             "Åben sag: 238. Efterretning\n\nSagsfremstilling\nKvartalets likviditet forelægges.\n\nBeslutning\nTaget til efterretning.\n\n"
             "Lukket sag: 239. Personalesag\n\nBeslutning\nGodkendt.\n")
    assert [(i.number, i.title, i.access) for i in r.items] == [
        ("238", "Efterretning", "public"), ("239", "Personalesag", "closed")]


def test_a_flattened_list_of_items_each_behind_its_access_marker():
    r = read("Referat\n\n1 Side 1 af 3 SOLBY KOMMUNE Referat for Økonomiudvalget Mødetidspunkt: 3. marts 2026, kl. 14:00 "
             "Åben sag: 238. Efterretning Åben sag: 239. Efterskole under oprettelse Åben sag: 240. Takster for "
             "børnepasning Lukket sag: 241. Personalesag 1\n\n"
             "2 Side 2 af 3 238. Efterretning (Åben sag) Sagsfremstilling Likviditeten forelægges. Beslutning "
             "Taget til efterretning. 239. Efterskole under oprettelse (Åben sag) Sagsfremstilling Skolen søger om "
             "tilskud. Beslutning Godkendt. 2\n")
    listed = ["Efterretning", "Efterskole under oprettelse", "Takster for børnepasning", "Personalesag"]
    assert [i.number for i in r.items] == ["238", "239", "240", "241"]
    assert all(i.title.startswith(title) for i, title in zip(r.items, listed))  # (a marker after a title stays)
    assert [i.decision and i.decision.outcome for i in r.items][:2] == ["noted", "approved"]


def test_a_flattened_title_ends_before_its_outcome_or_its_first_lettered_point():
    r = read("1 Emne Bestyrelsesmøde Dato 3. marts 2026 Sted Solby Museum Dagsorden 1. Godkendelse af dagsorden "
             "Dagsorden godkendt 2. Meddelelser fra formanden Formanden orienterede om udstillingen. 3. Nyt fra "
             "sekretariatet A) Økonomi. Direktøren meddelte, at regnskabet følger budgettet.\n\n2 B) Personale. Der er "
             "ansat en ny konservator, som begynder den 1. april 2026. Hun skal arbejde med samlingen af skibe.\n")
    assert [(i.number, i.title) for i in r.items] == [
        ("1", "Godkendelse af dagsorden"), ("2", "Meddelelser fra formanden"), ("3", "Nyt fra sekretariatet")]
    assert item(r, "1").decision.text == "Dagsorden godkendt"


def test_members_with_ranked_positions_and_absences_after_them():
    r = read("Referat\n\nMøde i Forretningsudvalget\n\nfredag den 3. marts 2026 kl. 09:30\n\nDeltagere:\n\n"
             "Bo Dam (A), Formand\n\nEva Kjær (O), 1. næstformand- afbud\n\nOle Lund (V), 2. næstformand\n\n"
             "Ida Holm (A)\n" + ONE_ITEM)
    people = {p.name: p for p in r.participants}
    assert set(people) == {"Bo Dam", "Eva Kjær", "Ole Lund", "Ida Holm"}
    assert (people["Eva Kjær"].status, people["Eva Kjær"].position) == ("absent", "1. næstformand")
    assert (people["Ole Lund"].status, people["Ole Lund"].position) == ("present", "2. næstformand")


def test_a_board_that_names_its_members_by_first_name():
    r = read("Solby Landsbylaug\n\nReferat fra bestyrelsesmøde 3. marts 2026 hos Gine\n\n"
             "Mødedeltagere: Gretel, Vita, Gine, Claus\n\nAfbud: Ejner, Annelene\n\nUdeblevet: Torben\n\n"
             "1. Regnskab: godkendt.\n\n2. Evt.: Intet.\n")
    assert sorted((p.name, p.status) for p in r.participants) == [
        ("Annelene", "absent"), ("Claus", "present"), ("Ejner", "absent"), ("Gine", "present"), ("Gretel", "present"),
        ("Torben", "absent"), ("Vita", "present")]


def test_who_came_in_whose_place_under_an_absence_heading_is_no_absence():
    r = read("Referat\n\nKommunalbestyrelsen\n\nMødedato: 3. marts 2026\n\n1. Spørgetid\n\nBeslutning i Kommunalbestyrelsen den 03-03-2026\n"
             "Intet til spørgetiden.\nAfbud under hele mødet:\nBo Dam og Eva Kjær\n"
             "Ida Holm deltog som stedfortræder for Bo Dam og Per Vang deltog som stedfortræder for Eva Kjær\n\n"
             "2. Forretningsorden\n\nBeslutning\nOle Lund (V) havde meldt forfald.\nGodkendt.\nFraværende: Ole Lund (V).\n")
    assert item(r, "1").decision.absent == ["Bo Dam", "Eva Kjær"]
    assert item(r, "2").decision.absent == ["Ole Lund"]


def test_added_items_listed_over_the_meeting_items():
    r = read("Referat af menighedsrådsmøde onsdag d. 3. marts 2026 kl. 17.00 i konfirmandstuen\n\n"
             "Til stede: Bo Dam, Eva Kjær, Ole Lund\n\nFormanden ønskede to ekstra emner på dagsordenen. De bliver nummereret således:\n\n"
             "4. Gravsten fra nedlagte gravsteder\n5. Nedsættelse af kirkegårdsudvalg\n6. Kirkebladet\n\n"
             " 1. Meddelelser fra formanden\n  Formanden har talt med graveren.\n\n 2. Meddelelser fra kassereren\n  Kvartalsregnskabet er forelagt.\n\n"
             " 3. Dato for næste møde\n  Mandag d. 6. april kl. 17.00\n\n 4. Gravsten fra nedlagte gravsteder\n  Overføres til lukket del.\n\n"
             " 5. Nedsættelse af kirkegårdsudvalg\n  Bo og Eva blev valgt.\n\n 6. Kirkebladet\n  Intet nyt.\n")
    assert [i.number for i in r.items] == ["1", "2", "3", "4", "5", "6"]
    assert item(r, "2").title == "Meddelelser fra kassereren"


def test_the_agenda_approved_before_the_items_is_minutes_evidence():
    r = read("Handicaprådet\n\nPubliceret 03-03-2026\n\nOnsdag den 03-03-2026 kl. 16:15\n\nGodkendelse af dagsorden:\nGodkendt\n\n"
             "Fraværende:\nBo Dam\n\n36. Høring: Forslag til lokalplan 512\n01.02G00 - 2026/27088\n\nSagsfremstilling\n"
             "Rådet behandler forslaget for at afgive et høringssvar.\n")
    assert r.document_type == "minutes"
    assert "the agenda approved before the items" in r.classification


def test_the_outcome_written_under_the_recommendation():
    r = read("Referat den 3. marts 2026\n\nProvstiudvalgsmøde den 3. marts 2026 kl. 08:30 til 09:30\n"
             "Deltagere: Bo Dam, Eva Kjær, Ole Lund.\n\nMødepunkt Referat\n1 - Godkendelse af dagsorden\nIndstilling:\nGodkendes.\n"
             "Godkendt.\n2 - Meddelelser\nNyheder fra stiftet.\nTaget til efterretning.\n")
    one = item(r, "1")
    assert (one.recommendation.text, one.decision.text, one.decision.outcome) == ("Godkendes.", "Godkendt.", "approved")
    assert item(r, "2").decision.outcome == "noted"
    assert sorted(p.name for p in r.participants) == ["Bo Dam", "Eva Kjær", "Ole Lund"]  # no table header as a name


def test_the_members_roster_beside_the_list_of_who_came():
    r = read("Kommunalbestyrelsen\n\nDato\n3. marts 2026\n\nMedlemmer\nBo Dam (IA)\nEva Kjær (IA)\nOle Lund (S)\nIda Holm (S)\n\n"
             "Tilstede: Bo Dam (IA) Eva Kjær (IA) Per Vang (IA) (suppleant for Ole Lund)\n\nTelefonisk: Ida Holm (S)\n\n"
             "Afbud: Ole Lund (S)\n" + ONE_ITEM)
    assert sorted((p.name, p.status, p.substitute_for) for p in r.participants) == [
        ("Bo Dam", "present", None), ("Eva Kjær", "present", None), ("Ida Holm", "present", None),
        ("Ole Lund", "absent", None), ("Per Vang", "present", "Ole Lund")]


def test_labels_glued_to_their_values():
    r = read("Referat af skolebestyrelsesmøde 03.03.2026\n\nMødeSkolebestyrelsesmøde\nTid\n\n03-03-2026, kl. 17.00 – 19.00\n\n"
             "StedSkolen\nDeltagereSine Dam, Ea Holm, Vicky Jensen & Per Krog\nAfbudClaus Lund, Mia Berg\n" + ONE_ITEM)
    assert r.meeting.place == "Skolen"
    assert sorted((p.name, p.status) for p in r.participants) == [
        ("Claus Lund", "absent"), ("Ea Holm", "present"), ("Mia Berg", "absent"), ("Per Krog", "present"),
        ("Sine Dam", "present"), ("Vicky Jensen", "present")]


def test_numbered_lines_that_tell_what_happened_and_titles_glued_to_their_text():
    r = read("Referat af bestyrelsesmøde i vandværket torsdag d. 3. marts 2026.\n\nDeltagere: Bo Dam, Eva Kjær og Ole Lund.\n\n"
             " 1. Formanden bød velkommen\n\n 2. Målerudskiftning.. Der er enkelte lave forbrug. Bo tjekker.\n\n"
             " 3. Kassebeholdning.Eva Kjær meddelte,\n  at der ikke var grundlag for at købe obligationer nu.\n\n"
             " 4. Generalforsamling.\n  Dagsorden og regnskab blev gennemgået.\n")
    assert [i.number for i in r.items] == ["1", "2", "3", "4"]


def test_an_agenda_that_tells_what_happened_before_in_one_item_stays_an_agenda():
    r = read("Dagsorden\n\nÆldrerådet 3. marts 2026\n\n1. Godkendelse af dagsorden\n\n2. Budget 2027\nByrådet vedtog i oktober budgettet for 2026.\n\n"
             "3. Trafik ved plejecentret\nRådet ønsker en drøftelse af parkeringen.\n\n4. Eventuelt\nPunkter til næste møde.\n")
    assert r.document_type == "agenda"


def test_another_committees_recommendation_under_the_recommendation_is_no_decision():
    r = read("Dagsorden fra byrådet\n\nByrådets møde mandag den 3. marts 2026, kl. 16.00 i Medborgerhuset\n\n"
             "1. Sundhedsaftale\n\nIndstilling\n\nSundhedsudvalget indstiller, at byrådet godkender aftalen.\n\n"
             "Økonomiudvalget anbefaler indstillingen.\n\n2. Fritidspolitik\n\nIndstilling\n\n"
             "Kulturudvalget indstiller, at byrådet godkender politikken.\n\nØkonomiudvalget anbefaler indstillingen.\n")
    assert r.document_type == "agenda"
    assert not any(i.decision for i in r.items)


def test_ad_points_under_the_list_of_items_and_not_inside_a_decision():
    r = read("Referat\n\nBranchepanel for havne 3. marts 2026\n\nDeltagere\n\n • Bo Dam, Solby Havn\n • Eva Kjær, Styrelsen\n\n"
             "Dagsorden:\n\n 1. Velkomst\n 2. Bordrunde\n 3. Nyt om sikring\n\nAd 1 Velkomst:\n\nEva Kjær bød velkommen til mødet.\n\n"
             "Ad 2: Bordrunde\n\nBo Dam fortalte om havnens nye kaj.\n\nAd 3 Nyt om sikring\n\nStyrelsen orienterede om reglerne.\n"
             "Ad 1 Flere spørgsmål blev drøftet.\n")
    assert r.document_type == "minutes"
    assert [(i.number, i.title) for i in r.items] == [("1", "Velkomst"), ("2", "Bordrunde"), ("3", "Nyt om sikring")]
    assert "Flere spørgsmål" in item(r, "3").decision.text  # a point inside an item, not item 1 again


def test_numbered_lines_that_go_on_after_a_list_of_items_with_text():
    # a residents' meeting: the first items stand as a list, the fourth has text, the rest go on
    # numbered (an outcome on the heading's line, a title alone, a label over bullets)
    r = read("Punkt 1: valg af dirigent – Bo Dam\nPunkt 2: valg af referent Eva Kjær\nPunkt 3: valg af stemmeudvalg\n"
             "Punkt 4: beretning for perioden siden sidste møde\n- Legepladsen blev debatteret\n"
             "Punkt 5: driftsbudget godkendt ved håndsoprækning.\nPunkt 6: orientering om regnskab 2025\n"
             "Punkt 7: forslag om nye vaskepriser. 4 for, 7 blanke. Forslag vedtaget.\nPunkt 8:\n"
             "- Nye lamper på svalegangen. Boligselskabet bestiller dem.\n")
    assert r.document_type == "minutes"
    assert [i.number for i in r.items] == ["1", "2", "3", "4", "5", "6", "7", "8"]
    five = item(r, "5")
    assert (five.title, five.decision.text, five.decision.outcome) == (
        "driftsbudget", "godkendt ved håndsoprækning.", "approved")
    assert item(r, "6").decision is None
    assert item(r, "8").decision.text.startswith("- Nye lamper")


def test_a_decision_heading_dated_the_meetings_day_is_minutes_evidence():
    # a transcript that lost the items' numbers: the decision heading of the meeting's own day says
    # what this is; another day's heading (an agenda quoting an earlier decision) does not
    text = ("åbent møde for Økonomiudvalgets møde den 3. marts 2026 kl. 15:00 i Mødelokale 2\n\n"
            "Indholdsfortegnelse Budgetopfølgning Salg af grund Lukket - Ekspropriation. Beslutning i Økonomiudvalget, "
            "den {day}. marts 2026: Teknisk Udvalgs indstilling godkendt. Lukket - Personalesag\n")
    r = read(text.format(day=3))
    assert r.document_type == "minutes"
    assert any("decision heading dated the meeting's day" in e for e in r.classification)
    assert read(text.format(day=1)).document_type != "minutes"


def test_items_that_answer_the_agendas_points_are_minutes():
    r = read("Deltagere\n\n • Bo Dam, Solby Havn\n • Eva Kjær, Styrelsen\n\nDagsorden:\n\n 1. Velkomst\n 2. Bordrunde\n"
             " 3. Nyt om sikring\n\nAd 1 Velkomst:\n\nEva Kjær bød velkommen.\n\nAd 2: Bordrunde\n\nBo Dam fortalt om kajen.\n")
    assert r.document_type == "minutes"
    assert any("answers to the agenda's points" in e for e in r.classification)
    agenda = read("Dagsorden:\n\n 1. Velkomst\n 2. Bordrunde\n 3. Nyt om sikring\n\n1. Velkomst\n\nFormanden byder velkommen.\n\n"
                  "2. Bordrunde\n\nHver deltager fortæller om sit område.\n\n3. Nyt om sikring\n\nStyrelsen orienterer.\n")
    assert agenda.document_type == "agenda"


@pytest.mark.parametrize("said, outcome", [
    ("Afventer svar fra kommunen.", "postponed"),
    ("Undersøges nærmere.", "postponed"),
    ("Punktet bliver drøftet næste gang.", "postponed"),
    ("Det besluttedes, at regnskabet fremover ledsages af en kort redegørelse.", "approved"),
    ("Renovering af knæfaldet igangsættes.", "approved"),
    ("Bo Dam er ansat som gravermedhjælper.", "approved"),
])
def test_informal_outcomes(said, outcome):
    r = read("Referat af menighedsrådsmøde 3. marts 2026\n\n1. Godkendelse af dagsorden\nGodkendt.\n\n2. Sagen\n" + said
             + "\n\n3. Eventuelt\nIntet.\n")
    assert item(r, "2").decision.outcome == outcome


def test_a_numbered_line_over_the_next_one_that_tells_what_was_agreed():
    r = read("Lokalrådets bestyrelsesmøde blev afholdt d. 3. marts 2026 kl. 19.00 på brandstationen\n\n"
             "Fremmøde:\nBo Dam, Eva Kjær, Ole Lund\n\nDagsorden:\n\n 1. Kommentarer til generalforsamlingen\n"
             "  Enighed om et godt møde.\n\n 2. Kassereren fremlagde regnskabet.\n"
             " 3. Bo og Eva vil lave en hjemmeside for lokalrådet.\n  Svar vil blive sendt til bestyrelsen.\n\n"
             " 4. Næste møde afholdes d. 26. april på brandstationen\n"
             " 5. Dato for generalforsamlingen aftales på mødet i april.\n")
    assert [i.number for i in r.items] == ["1", "2", "3", "4", "5"]
    assert item(r, "3").decision.outcome != "referred"  # an answer sent to the board is no case sent on


def test_ad_headings_without_a_list_of_items():
    r = read("Referat fra afdelingsbestyrelsesmøde 3. marts 2026.\n\nFraværende: Bo og Ole.\n\nReferent: Eva\n\n"
             "Ad 1. Godkendelse af referat fra sidste møde\n\nReferatet blev godkendt\n\nAd 2. Markvandring\n\n"
             "Markvandringen blev flyttet til den 29. april.\n\nAd 3. Sommerfest\n\nDer var enighed om en dag for børnene.\n")
    assert [(i.number, i.title) for i in r.items] == [
        ("1", "Godkendelse af referat fra sidste møde"), ("2", "Markvandring"), ("3", "Sommerfest")]
    assert item(r, "1").decision.outcome == "approved"


def test_who_came_and_who_did_not_over_items_with_text_is_minutes():
    # no title word, no decision heading: a board's notes of what it agreed under each item
    text = ("{title} den 03.03.2026\n\nMødedeltagere:\nBo Dam, Eva Kjær, Ole Lund\n\nFraværende:\nIngen\n\nReferent:\nOle Lund\n\n"
            "Punkt 1: Grønne områder\nGræsslåning foretages ca. 18 gange årligt.\n\n"
            "Punkt 2: Informationsflow\nVelkomstfolderen revideres og udsendes til alle husstande.\n\n"
            "Punkt 3: Bestyrelsesmøder\nFrekvens af møder fastsættes til 4 møder per år.\n")
    r = read(text.format(title="Bestyrelsesmøde"))
    assert r.document_type == "minutes"
    assert "who was absent or took the minutes, stated over the items" in r.classification
    assert item(r, "3").decision.outcome == "approved"
    assert read(text.format(title="Dagsorden for bestyrelsesmøde")).document_type == "agenda"


def test_a_news_post_that_tells_of_minutes_is_not_minutes():
    r = read("tirsdag den 3. marts 2026\n\nForeningsnyt: Referat fra februarmøde\n\nBestyrelsen holdt den 24. februar 2026 "
             "bestyrelsesmøde. Af referatet fremgår det bl.a., at der blev sat dato på to nye ansøgningsfrister.\n\n"
             "Referatet fra bestyrelsesmødet kan man finde her: https://example.org/referat.pdf\n")
    assert r.document_type == "not_minutes"


def test_who_was_absent_listed_after_the_last_item():
    r = read("Mødedato: 03.03.2026, kl. 18:30\nMødested: Beboerhuset, Torvet 3\n\n1. Eventuelt\n\nBeslutning\n\n"
             "Bo Dam spurgte til arbejdsgrupperne. Lokaludvalget drøftede havnens udvikling.\n\nOm mødet\n"
             "Mødet startede kl. 18.35 og sluttede kl. 21.35.\n\nFraværende med afbud\nEva Kjær. I stedet deltog Ole Lund.\n"
             "Ida B. Holm. I stedet deltog Per Vang.\nMia Berg.\nJens Krog.\n\nFraværende uden afbud\nKim Lauridsen\n")
    assert sorted((p.name, p.status, p.substitute_for) for p in r.participants) == [
        ("Eva Kjær", "absent", None), ("Ida B. Holm", "absent", None), ("Jens Krog", "absent", None),
        ("Kim Lauridsen", "absent", None), ("Mia Berg", "absent", None),
        ("Ole Lund", "present", "Eva Kjær"), ("Per Vang", "present", "Ida B. Holm")]
    assert "Fraværende" not in item(r, "1").decision.text
    # a list inside the decision, its text going on below it, is the item's
    inside = read("Mødedato: 03.03.2026, kl. 17:30\n\n1. Godkendelse af dagsordenen\n\nBeslutning\n\n"
                  "Borgerrepræsentationens beslutning i mødet den 3. marts 2026\n\nFraværende med afbud:\n\n"
                  "Eva Kjær (Enhedslisten), tjenesterejse.\n\nOle Lund (Venstre), sygdom.\n\n"
                  "Der blev mandag den 2. marts 2026 udsendt en sag til behandling uden for dagsorden, og sagen blev "
                  "besluttet behandlet efter dagsordenspunkt 1.\n")
    assert "uden for dagsorden" in item(inside, "1").decision.text


def test_a_numbering_word_and_what_was_said_under_the_list_of_items():
    r = read("Referat fra bestyrelsesmøde tirsdag d. 03.03.2026 kl. 17.30 i Hallen\n\nDagsorden:\n1. Orientering ved formanden\n"
             "2. Hjemmeside\n3. Regnskab og budget\n\nAfbud fra Bo Dam\n\n"
             "Pkt 1: Formanden henviste til de opgaver, der nu dels var gennemført og dels iværksat.\n\n"
             "Efter en drøftelse blev man enige om at sende et resumé til laboratoriet.\n\n"
             "Pkt 2: Hjemmesiden er opdateret med mange informationer om vandværket.\n\n"
             "Pkt 3: Man drøftede regnskab og beretning til generalforsamlingen.\n")
    assert [(i.number, i.title) for i in r.items] == [
        ("1", "Orientering ved formanden"), ("2", "Hjemmeside"), ("3", "Regnskab og budget")]
    assert item(r, "1").decision.text.startswith("Formanden henviste")
    assert item(r, "3").decision.outcome == "discussed"


def test_an_item_range_is_no_clock_time_and_the_meeting_number_no_part_of_the_body():
    r = read("Referat\n\nDato 3. marts 2026 Udvalget for Musik Møde nr. 12\n\nMødedato: 3. marts 2026 Tidspunkt fra kl til kl "
             "Til stede: Bo Dam (pkt.1-5), Eva Kjær (pkt. 6-9)\n" + ONE_ITEM)
    assert (r.meeting.body, r.meeting.start_time, r.meeting.end_time) == ("Udvalget for Musik", None, None)


def test_items_headed_by_bullets_each_over_a_decision_and_positions_before_names():
    r = read("Beslutningsprotokol fra MR møde 3. marts 2026\nOrdinært møde i Solby Kirkes menighedsråd\nDen 3-3-2026 kl. 19:30\n"
             "Sted: Sognegården\nDeltagere:\nNæstformand; Eva Kjær, kirkeværge; Ole K. Lund, sekretær; Anne-Mette (Mette) Holm Berg\n"
             "Afbud: Formanden; Bo Dam\n- Godkendelse af dagsorden\nBeslutning: Dagsorden blev godkendt\n- Siden sidst:\n"
             "Kirkegårdens hegn – hvad gør vi?\nBeslutning: Punktet udskydes til næste møde.\n- Orientering fra kirkeværgen\n"
             "Beslutning: Taget til efterretning.\n")
    assert [(i.number, i.title, i.decision.outcome) for i in r.items] == [
        ("1", "Godkendelse af dagsorden", "approved"), ("2", "Siden sidst", "postponed"),
        ("3", "Orientering fra kirkeværgen", "noted")]
    assert any("headed by bullets" in w.message for w in r.warnings)
    assert [(p.name, p.status, p.position) for p in r.participants] == [
        ("Eva Kjær", "present", "Næstformand"), ("Ole K. Lund", "present", "kirkeværge"),
        ("Anne-Mette (Mette) Holm Berg", "present", "sekretær"), ("Bo Dam", "absent", "Formanden")]
    # bullets that are points of a text, with no decision under each, are no items
    text = read("Referat\n\n1. Eventuelt\n\nBeslutning\n\n- Nye lamper på svalegangen\n- Orden i haven\n")
    assert [i.number for i in text.items] == ["1"]
