"""How differently bodies write minutes (issue 8): header layouts, attendance forms, decision
headings and outcomes, numbering, closed items, signature blocks, and nothing lost silently.

The two fixtures in tests/fixtures/variants/ were written for these tests in the styles of systems
the real corpus does not show (a council's Beslutningsprotokol with earlier treatment, an elderly
council's minutes with `Referat:` parts); the inline texts are the smallest cases.
"""

from __future__ import annotations

import datetime as dt

import pytest

from extractors.decisions import classify_outcome, decision_heading
from extractors.header import find_header, label_values
from extractors.profile import load_profile
from pipeline.process import build_record
from tests.helpers import FIXTURES, SAMPLE, record_from_text

EGEDAL = FIXTURES / "variants" / "egedal-kommunalbestyrelsen-2025-03-26.txt"
VEJLE = FIXTURES / "variants" / "aeldreraadet-vejle-2025-02-04.txt"
PROFILE = load_profile()


@pytest.fixture(scope="module")
def egedal():
    return build_record(EGEDAL)


@pytest.fixture(scope="module")
def vejle():
    return build_record(VEJLE)


# --- header --------------------------------------------------------------------------------------


def test_labels_without_colons_on_their_own_lines(egedal):
    m = egedal.meeting
    assert (m.authority, m.body, m.date, m.start_time, m.end_time, m.place) == (
        "Egedal Kommune", "Kommunalbestyrelsen", dt.date(2025, 3, 26), "18:00", "21:15", "Byrådssalen, Rådhuset")
    assert egedal.record_id == "egedal-kommunalbestyrelsen-2025-03-26"


def test_a_block_of_labels_then_a_block_of_values(vejle):
    m = vejle.meeting
    assert (m.date, m.start_time, m.end_time, m.place) == (
        dt.date(2025, 2, 4), "13:00", "15:30", "Plejecenter Solhøj, mødelokale 2")


def test_body_under_the_title_and_authority_from_the_running_footer(vejle):
    assert vejle.meeting.body == "Ældrerådet"
    assert vejle.meeting.authority == "Vejle Kommune"
    assert vejle.record_id == "vejle-aeldreraadet-2025-02-04"


@pytest.mark.parametrize("lines, expected", [
    (["Mødedato:", "Onsdag den 19. november 2025", "Mødetidspunkt:", "14:00"],
     [(0, "mødedato", "Onsdag den 19. november 2025"), (2, "mødetidspunkt", "14:00")]),
    (["Dato:", "Tid:", "Sted:", "4. februar 2025", "Kl. 10:30", "Rådhuset"],
     [(0, "dato", "4. februar 2025"), (1, "tid", "Kl. 10:30"), (2, "sted", "Rådhuset")]),
    (["Dato:\t6. oktober 2016", "Tid: 13:00 - 15:00"], [(0, "dato", "6. oktober 2016"), (1, "tid", "13:00 - 15:00")]),
    # labels whose values are missing are left unread rather than paired with what follows
    (["Fraværende:", "Bemærk:"], []),
])
def test_label_value_layouts(lines, expected):
    assert label_values(lines) == expected


def test_weekday_date_with_words_and_a_clock_time_on_the_title_lines():
    header = find_header(["Referat", "", "Sundheds- og Forebyggelsesudvalget",
                          "tirsdag den 4. december 2012, kl. 13:00",
                          "i Mødecenter C, Lokale 32 på Ballerup Rådhus"], PROFILE, "")
    assert (header.body, header.date, header.start_time, header.place) == (
        "Sundheds- og Forebyggelsesudvalget", dt.date(2012, 12, 4), "13:00",
        "Mødecenter C, Lokale 32 på Ballerup Rådhus")


def test_body_named_in_the_genitive_over_the_header():
    header = find_header(["Referat", "Økonomiudvalgets møde", "Mødedato:", "Onsdag den 19. november 2025"],
                         PROFILE, "")
    assert header.body == "Økonomiudvalget" and header.date == dt.date(2025, 11, 19)


# --- attendance ----------------------------------------------------------------------------------


def test_one_line_list_with_positions_and_members_who_sent_apologies(egedal):
    present = [(p.name, p.party, p.position) for p in egedal.participants if p.status == "present" and p.role == "member"]
    assert present == [("Karsten Søndergaard", "C", "Borgmester"), ("Pia Lund", "A", "Viceborgmester"),
                       ("Anders Hansen", "V", None), ("Mette Dahl", "F", None), ("Ib Kjær", "V", None)]
    assert [(p.name, p.party) for p in egedal.participants if p.status == "absent"] == [("Jørgen Holm", "Ø")]
    assert not [w for w in egedal.warnings if w.code == "present_and_absent"]


def test_staff_are_not_members(egedal, vejle):
    assert [(p.name, p.role, p.position) for p in egedal.participants if p.role == "staff"] == [
        ("Lone Berg", "staff", "Referent")]
    assert [(p.name, p.position) for p in vejle.participants if p.role == "staff"] == [("Hanne Vestergaard", "Sekretær")]


def test_positions_after_a_dash_and_an_empty_combined_absence_heading(vejle):
    members = [(p.name, p.position) for p in vejle.participants if p.role == "member"]
    assert members == [("Bent Mogensen", "formand"), ("Inger Lauridsen", "næstformand"),
                       ("Poul Erik Damgaard", None), ("Kirsten Bech Sørensen", None)]
    assert all(p.status == "present" for p in vejle.participants)


def test_a_list_on_its_heading_line_goes_on_below_and_a_first_name_stands_for_the_member():
    record = record_from_text(
        "Referat\n\nArbejdsgruppen\n\nDato: 6. oktober 2016\n\nDeltagere: Jeppe Kirkegaard\nTilde Ølholm\n"
        "Peter Marker\n\nAfbud: Tilde,\n\n1. Status\nReferat: Drøftet.\n")
    assert [(p.name, p.status) for p in record.participants] == [
        ("Jeppe Kirkegaard", "present"), ("Peter Marker", "present"), ("Tilde", "absent")]


def test_signature_page_is_no_attendance_and_no_part_of_the_last_item(egedal):
    names = {p.name for p in egedal.participants}
    assert len([p for p in egedal.participants if p.name == "Karsten Søndergaard"]) == 1
    last = next(i for i in egedal.items if i.number == "148")
    assert "Underskrifter" not in " ".join(p.text for p in last.parts)
    assert "Mødet hævet" not in last.decision.text  # the meeting-end statement closes the minutes
    assert "Pia Lund" in names


# --- decisions -----------------------------------------------------------------------------------


def test_earlier_treatment_is_kept_in_date_order_and_the_last_decision_is_this_meetings(egedal):
    item = next(i for i in egedal.items if i.number == "146")
    assert [(d.by, d.date, d.outcome, d.text) for d in item.decisions] == [
        ("Børne- og Skoleudvalget", dt.date(2025, 3, 11), "approved", "Anbefales."),
        ("Økonomiudvalget", dt.date(2025, 3, 19), "approved", "Anbefales."),
        ("Kommunalbestyrelsen", dt.date(2025, 3, 26), "approved", "Godkendt."),
    ]
    assert item.decision == item.decisions[-1]
    # an absence under an earlier decision belongs to that meeting, not to this one
    assert item.decisions[0].absent == ["Mette Dahl"]
    assert item.absent == ["Ib Kjær"]


@pytest.mark.parametrize("heading, by, date", [
    ("Beslutning i Økonomiudvalget den 19-11-2025", "Økonomiudvalget", dt.date(2025, 11, 19)),
    ("Sundheds- og Forebyggelsesudvalgets beslutning den 04.12.2012 Punkt 1", "Sundheds- og Forebyggelsesudvalget",
     dt.date(2012, 12, 4)),
    ("Beslutning den 19. marts 2025 i Byrådet", "Byrådet", dt.date(2025, 3, 19)),
    ("Beslutning Byrådet den 25-03-2025", "Byrådet", dt.date(2025, 3, 25)),
    ("Beslutning", None, None),
    ("Referat", None, None),
])
def test_decision_headings_name_body_and_date_in_either_order(heading, by, date):
    assert decision_heading(heading) == (by, date)


@pytest.mark.parametrize("text, outcome", [
    ("Sagen oversendes til Børne- og Skoleudvalget.", "referred"),
    ("Fremsendes til Økonomiudvalget og Byrådet.", "referred"),
    ("Udvalget sendte sagen til realitetsbehandling i Byrådet.", "referred"),
    ("Sendes tilbage til administrationen med ønske om en ny høringsfrist.", "referred"),
    ("Sagen udsættes til næste møde.", "postponed"),
    ("Sagen genoptages, når høringssvarene foreligger.", "postponed"),
    ("Indstilles til godkendelse", "approved"),
    ("Anbefales.", "approved"),
    ("Taget til efterretning", "noted"),
    ("Godkendt med den ændring, at sag nr. 32 udgår og erstattes af sag nr. 33.", "approved"),
    ("Orienteringen blev taget til efterretning, idet udvalget ønsker at sagen genoptages, hvis der kommer nyt.", "noted"),
    ("Byrådet sendte sagen retur til Klima-, Teknik- og Miljøudvalget.", "referred"),
    ("Udvalget henskyder beslutningen til Byrådet.", "referred"),
    ("Udvalget kan ikke anbefale, at der udarbejdes et forslag.", "rejected"),
    ("Økonomiudvalget anbefaler overfor Byrådet at godkende administrationens indstilling.", "approved"),
    ("Sagen blev udskudt til næste udvalgsmøde.", "postponed"),
    ("Der var ingen orienteringer.", "noted"),
    ("Temamødet blev holdt.", "discussed"),
])
def test_outcomes(text, outcome):
    assert classify_outcome(text, PROFILE) == outcome


def test_referat_parts_of_a_working_group_are_its_decisions(vejle):
    outcomes = [(i.number, i.decision.by, i.decision.outcome) for i in vejle.items]
    assert outcomes == [("1", None, "approved"), ("2", None, "discussed"), ("3", None, "referred"),
                        ("4", None, "discussed")]
    # the running footer at the page break is not in the decision
    assert vejle.items[2].decision.text == "Sendes tilbage til administrationen med ønske om en ny høringsfrist."


def test_lettered_recommendation_points(egedal):
    rec = next(i for i in egedal.items if i.number == "146").recommendation
    assert rec.text.startswith("Direktionen indstiller, at A) der gives en anlægsbevilling")
    assert rec.points == ["der gives en anlægsbevilling på 12,5 mio. kr. til renovering af Stenløse Skole,",
                          "beløbet finansieres af kassebeholdningen."]


def test_attachment_titles_without_numbers_and_access_markers(egedal):
    item = next(i for i in egedal.items if i.number == "148")
    assert [a.title for a in item.attachments] == ["Høringssvar samlet", "Trafikplan for Ølstykke Stationsby, forslag"]


# --- items ---------------------------------------------------------------------------------------


def test_running_numbering_wrapped_titles_and_closed_items_listed_only_in_the_toc(egedal):
    assert [(i.number, i.number_as_written, i.access) for i in egedal.items] == [
        ("145", "Punkt 145.", "public"), ("146", "Punkt 146.", "public"), ("147", "Punkt 147.", "public"),
        ("148", "Punkt 148.", "public"), ("149", "149", "closed")]
    assert egedal.items[1].title == "Anlægsbevilling til renovering af Stenløse Skole og etablering af ny faglokalefløj"
    assert egedal.items[-1].span is None


def test_lettered_sub_points_stay_inside_their_item(vejle):
    assert [i.number for i in vejle.items] == ["1", "2", "3", "4"]
    assert "a. Hjemmeplejen" in vejle.items[1].parts[1].text


def test_closed_marker_in_the_title_is_kept():
    record = record_from_text(
        "Referat\n\nØkonomiudvalget\n\nDato: 19. november 2025\n\n1. Orientering\n\nSagsnr.: 25/1\n\n"
        "Beslutning\nTaget til efterretning.\n\n2. Orientering fra borgmesteren - (FOR LUKKEDE DØRE)\n\n"
        "Sagsnr.: 25/2\n\nBeslutning\nTaget til efterretning.\n")
    assert [(i.title, i.access) for i in record.items] == [
        ("Orientering", "public"), ("Orientering fra borgmesteren - (FOR LUKKEDE DØRE)", "closed")]


# --- classification ------------------------------------------------------------------------------


def test_the_document_type_comes_with_its_evidence(egedal):
    assert egedal.document_type == "minutes"
    evidence = " | ".join(egedal.classification)
    for expected in ("'Beslutningsprotokol' (line 3)", "4 items with a recorded decision", "meeting-end statement",
                     "signature block"):
        assert expected in evidence


def test_a_minutes_title_and_a_signature_block_make_minutes_without_decision_headings():
    text = ("Referat\n\nBestyrelsen for Vestegnens Brandvæsen\n\nDato: 3. april 2025\n\nDeltagere:\n"
            "Anne Hansen\nBo Jensen\n\n1. Regnskab 2024\n\nSagsnr.: 24/118\n\nSagsfremstilling\n"
            "Regnskabet blev gennemgået.\n\n2. Eventuelt\n\nSagsfremstilling\nIntet.\n\nUnderskrifter\n\nAnne Hansen\n")
    record = record_from_text(text)
    assert record.document_type == "minutes", record.not_minutes_reason
    assert "signature block (line 23)" in record.classification


def test_an_agenda_is_an_agenda():
    text = ("Dagsorden\n\nByrådet\n\nDato: 3. april 2025\n\n1. Regnskab 2024\n\nSagsnr.: 24/118\n\n"
            "Indstilling\nDirektionen indstiller, at regnskabet godkendes.\n\nBeslutning\n\n")
    record = record_from_text(text)
    assert record.document_type == "agenda" and record.record_id.endswith("-dagsorden")


# --- nothing lost silently -----------------------------------------------------------------------


def _sample_lines():
    return SAMPLE.read_text(encoding="utf-8").split("\n")


def test_an_item_left_out_of_the_toc_is_read_with_a_warning():
    lines = _sample_lines()
    toc_line = next(i for i, line in enumerate(lines) if line.startswith("3.4. ") and "\t" in line)
    del lines[toc_line]
    record = record_from_text("\n".join(lines))
    assert "3.4" in [i.number for i in record.items]
    assert [w.message.split("'")[0] for w in record.warnings if w.code == "not_in_toc"] == ["item 3.4 "]


def test_an_item_whose_heading_is_lost_is_reported():
    lines = _sample_lines()
    heading = next(i for i, line in enumerate(lines) if line.startswith("3.4. ") and "\t" not in line)
    lines[heading] = ""
    record = record_from_text("\n".join(lines))
    missing = next(i for i in record.items if i.number == "3.4")
    assert missing.span is None
    assert any(w.code == "item_only_in_toc" and "3.4" in w.message for w in record.warnings)


def test_a_missed_heading_without_a_toc_is_reported():
    text = ("Referat\n\nUdvalget for Teknik\n\nDato: 3. april 2025\n\n1. Vejplan\n\nSagsnr.: 24/1\n\n"
            "Sagsfremstilling\nPlanen er klar.\n\nBeslutning\nGodkendt.\n\n2 Cykelstier\n\nSagsnr.: 24/2\n\n"
            "Sagsfremstilling\nStierne er slidte.\n\nBeslutning\nGodkendt.\n")
    record = record_from_text(text.replace("2 Cykelstier", "Cykelstier"))
    assert [i.number for i in record.items] == ["1"]
    assert [w.code for w in record.warnings if w.code == "possible_missed_item"] == ["possible_missed_item"]


def test_text_outside_every_part_is_counted_and_named():
    text = ("Referat\n\nByrådet\n\nDato: 3. april 2025\n\nDeltagere:\nAnne Hansen (A)\nBo Jensen (V)\n\n"
            "Spredte noter fra mødet, som ikke hører til et punkt.\nDe fylder flere linjer.\n"
            "Og endnu en linje uden plads.\n\n1. Regnskab\n\nSagsnr.: 24/1\n\nBeslutning\nGodkendt.\n")
    record = record_from_text(text)
    assert record.coverage.share < 0.8
    warning = next(w for w in record.warnings if w.code == "unassigned_text")
    assert warning.line == 11 and "Spredte noter" in warning.message
    assert record.coverage.unassigned[0].span.start_line == 11


def test_coverage_of_the_variants_is_complete(egedal, vejle):
    assert egedal.coverage.share == 1.0 and vejle.coverage.share == 1.0


def test_authority_from_a_pdf_running_header(tmp_path):
    """The loader leaves a running header out of the text, and hands it on: it names the authority."""
    from tests.pdf_fixtures import render_text_pdf

    text = EGEDAL.read_text(encoding="utf-8").split("\n", 1)[1]  # without the "Egedal Kommune" line
    assert "Egedal Kommune" not in text
    rendered = render_text_pdf(text, tmp_path / "egedal.pdf", header="Egedal Kommune · Beslutningsprotokol")
    assert rendered.page_count >= 2
    record = build_record(rendered.path)
    assert record.meeting.authority == "Egedal Kommune"
    assert record.record_id == "egedal-kommunalbestyrelsen-2025-03-26"
    assert not any("Egedal" in p.text for i in record.items for p in i.parts)
