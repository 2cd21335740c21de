"""The spaCy entity layer on Danish variants written for these tests (not from the sample)."""

from __future__ import annotations

import datetime as dt

import pytest

from extractors.entities import annotate, get_nlp
from extractors.gazetteer import load
from extractors.entities.normalise import parse_date, parse_money
from pipeline.evaluate_entities import score_entities
from schemas.entities import Entity
from schemas.record import (
    AgendaItem, Decision, ItemPart, Meeting, MeetingRecord, Participant, Source, Span, Vote,
)


def ents(text: str) -> list[tuple[str, str, str]]:
    doc = get_nlp()(text)
    return [(e.text, e.label_, e.ent_id_) for e in doc.ents]


def labelled(text: str, label: str) -> list[str]:
    return [t for t, lab, _ in ents(text) if lab == label]


def record(parts: list[tuple[str, str]], participants=(), votes=(), notes=(), date=dt.date(2027, 3, 2)):
    kinds = {"Baggrund": "background", "Sagsfremstilling": "case_presentation", "Beslutning": "decision"}
    item_parts = [ItemPart(heading=h, kind=kinds.get(h, "other"), text=t, span=Span(start_line=1, end_line=1))
                  for h, t in parts]
    decision_text = next((t for h, t in parts if h == "Beslutning"), None)
    item = AgendaItem(
        number="1", number_as_written="1.", order=0, title="Budget 2028 for Aarhus Kommune",
        parts=item_parts, votes=list(votes),
        decision=Decision(heading="Beslutning", text=decision_text, outcome="approved", protocol_notes=list(notes))
        if decision_text else None,
    )
    people = [Participant(name=n, party=p, municipality=m, status="present", line=1) for n, p, m in participants]
    return MeetingRecord(
        record_id="test", document_type="minutes",
        source=Source(file_name="t.txt", sha256="0" * 64, media_type="text/plain", size_bytes=1),
        extractor_version="test", meeting=Meeting(body="KKR Midtjylland", date=date),
        participants=people, items=[item],
    )


# --- gazetteer -------------------------------------------------------------------------------

def test_gazetteer_has_the_98_municipalities_with_unique_codes_and_names():
    g = load()
    assert len(g.municipalities) == 98
    assert len({m.code for m in g.municipalities}) == 98
    assert len({m.name for m in g.municipalities}) == 98
    assert 411 not in g.by_code  # Christiansø is not a municipality
    per_region = {code: sum(m.region_code == code for m in g.municipalities) for code in g.region_by_code}
    assert per_region == {1081: 11, 1082: 19, 1083: 22, 1084: 29, 1085: 17}
    assert g.by_code[751].name == "Aarhus" and g.by_code[851].name == "Aalborg"
    assert g.by_code[860].name == "Hjørring" and g.by_code[492].name == "Ærø"


@pytest.mark.parametrize("written, code", [
    ("Københavns Kommune", 101), ("København Kommune", 101), ("Frederiksberg", 147),
    ("Bornholms Regionskommune", 400), ("Aarhus Kommune", 751), ("Nordfyns Kommune", 480),
    ("Høje-Taastrup Kommune", 169), ("Lyngby-Taarbæk", 173), ("Ringkøbing-Skjern Kommune", 760),
])
def test_participant_municipality_strings_resolve_to_codes(written, code):
    assert load().municipality_for(written).code == code


# --- tokenizer and sentences -----------------------------------------------------------------

def test_sentences_know_danish_abbreviations():
    doc = get_nlp()(
        "Udgiften er ca. 4,6 mio. kr. Det blev bl.a. drøftet, jf. bilag, f.eks. i pkt. 3 og ift. "
        "økonomien. Væksten var 12 pct. Næste møde holdes i maj.\nSag nummer to"
    )
    sents = [s.text.strip() for s in doc.sents]
    assert sents == [
        "Udgiften er ca. 4,6 mio. kr.",
        "Det blev bl.a. drøftet, jf. bilag, f.eks. i pkt. 3 og ift. økonomien.",
        "Væksten var 12 pct.",
        "Næste møde holdes i maj.",
        "Sag nummer to",
    ]


def test_lookup_lemmatizer_lowercases_first():
    doc = get_nlp()("Borgmesteren præsenterede Kommunernes forslag")
    assert [t.lemma_ for t in doc][:2] == ["borgmester", "præsentere"]


def test_pipeline_is_built_once_per_process():
    assert get_nlp() is get_nlp()
    assert get_nlp().pipe_names == [
        "referat_da_norm", "referat_da_sentences", "entity_ruler", "referat_da_rules", "referat_da_people",
    ]


# --- municipalities, regions, parties, organisations -----------------------------------------

def test_municipalities_inflected_and_other_forms():
    found = ents("Aarhus Kommunes budget, Odenses havn, borgere i Aalborg, Århus og Ringkøbing-Skjern "
                 "Kommune samt Vesthimmerlands Kommune og Høje Taastrup.")
    codes = [i for _, lab, i in found if lab == "MUNICIPALITY"]
    assert codes == ["muni:751", "muni:461", "muni:851", "muni:751", "muni:760", "muni:820", "muni:169"]


def test_organisations_named_after_a_place_are_not_the_municipality():
    found = ents("Københavns Universitet, Aarhus Havn og Odense Universitetshospital samarbejder med "
                 "Aalborg Kommune om en station i Hillerød.")
    assert [(t, lab) for t, lab, _ in found] == [
        ("Københavns Universitet", "ORGANISATION"), ("Aarhus Havn", "ORGANISATION"),
        ("Odense Universitetshospital", "ORGANISATION"), ("Aalborg Kommune", "MUNICIPALITY"),
        ("Hillerød", "MUNICIPALITY")]


def test_municipality_names_that_are_also_words_need_context():
    assert labelled("Vejen frem er lang.", "MUNICIPALITY") == []
    assert labelled("Odder og bævere lever her.", "MUNICIPALITY") == []
    assert labelled("Vi kører ad vejen til Greve.", "MUNICIPALITY") == ["Greve"]
    assert labelled("Mødet holdes i Vejen Kommune.", "MUNICIPALITY") == ["Vejen Kommune"]


def test_regions_with_codes():
    found = ents("Region Midtjyllands budget og Region Syddanmark, Region Nordjylland og Region Sjællands.")
    assert [i for _, lab, i in found if lab == "REGION"] == [
        "region:1082", "region:1083", "region:1081", "region:1085"]


@pytest.mark.parametrize("text, letter", [
    ("Enhedslisten stemte imod.", "Ø"), ("Forslaget fra EL blev forkastet.", "Ø"),
    ("Dansk Folkeparti ønskede sagen udsat.", "O"), ("DF stemte imod.", "O"),
    ("Liberal Alliance undlod at stemme.", "I"), ("De Konservative stemte for.", "C"),
    ("Radikale Venstre ønskede tilført protokollen.", "B"), ("Socialdemokratiet stemte for.", "A"),
    ("Søren Hansen (V) spurgte.", "V"), ("Karen Møller (Å) spurgte.", "Å"),
    ("Moderaterne og Danmarksdemokraterne", "M"), ("Mette Hansen (S) spurgte.", "A"),
])
def test_parties_both_ways(text, letter):
    assert f"party:{letter}" in [i for _, lab, i in ents(text) if lab == "PARTY"]


def test_acronyms_in_headings_written_in_capitals_are_not_entities():
    assert ents("DE NYE REGLER FOR TILSKUD") == []
    assert ents("NB: husk fristen.") == []
    assert labelled("Forslaget fra DE og SF blev drøftet.", "PARTY") == ["SF"]


def test_party_letters_only_in_parentheses_and_not_the_words_i_or_a():
    assert labelled("I dag blev V. Hansen valgt, og A er et bogstav.", "PARTY") == []


def test_organisations_and_agencies():
    found = labelled("Midttrafik og Danske Regioner har skrevet til Trafikstyrelsen og Social- og "
                     "Boligstyrelsen. KL's bestyrelse og Vejdirektoratets analyse.", "ORGANISATION")
    assert "Midttrafik" in found and "Danske Regioner" in found and "Trafikstyrelsen" in found
    assert "KL's" in found and "Vejdirektoratets" in found
    assert labelled("Bestyrelsen godkendte sagen.", "ORGANISATION") == []


def test_organisations_defined_by_an_acronym_are_found_again_by_it():
    r = annotate(record([
        ("Baggrund", "Sagen er udarbejdet af Kommunernes Analysekontor for Trafik (KAT) og Aalborg Universitet (AAU)."),
        ("Beslutning", "KAT's forslag blev godkendt. AAU deltager. Danmark (DK) er ikke en organisation."),
    ]))
    orgs = [(e.text, e.name) for e in r.items[0].entities if e.type == "organisation"]
    assert orgs == [
        ("Kommunernes Analysekontor for Trafik", "Kommunernes Analysekontor for Trafik"),
        ("KAT", "Kommunernes Analysekontor for Trafik"),
        ("Aalborg Universitet", "Aalborg Universitet"), ("AAU", "Aalborg Universitet"),
        ("KAT's", "Kommunernes Analysekontor for Trafik"), ("AAU", "Aalborg Universitet"),
    ]


def test_an_acronym_of_the_kind_of_place_before_its_name_is_no_organisation():
    # "Ungdomsuddannelsescenter (UUC) Maglemosen": UUC shortens the kind of place, Maglemosen names it
    assert labelled("Ungdomsuddannelsescenter (UUC) Maglemosen holdes udenfor, idet UUC Maglemosen "
                    "foretog reduktioner.", "ORGANISATION") == []
    assert labelled("Data indsamles i regi af Strategisk Partnerskab om Uddannelse (SPU), som alle er "
                    "medlemmer af.", "ORGANISATION") == ["Strategisk Partnerskab om Uddannelse", "SPU"]
    assert labelled("Høringssvar fra Danmarks Naturfredningsforening (DN) Greve.", "ORGANISATION") == [
        "Danmarks Naturfredningsforening", "DN"]


def test_national_bodies_in_the_gazetteer():
    found = ents("Aftalen mellem KL og Djøf, FOA, 3F og Dansk Sygeplejeråd (DSR) bygger på Kræftens "
                 "Bekæmpelses koncept; Ældre Sagen er hørt.")
    assert [(t, i) for t, lab, i in found if lab == "ORGANISATION"] == [
        ("KL", "org:KL"), ("Djøf", "org:Djøf"), ("FOA", "org:FOA"), ("3F", "org:3F"),
        ("Dansk Sygeplejeråd", "org:Dansk Sygeplejeråd"), ("DSR", "org:Dansk Sygeplejeråd"),
        ("Kræftens Bekæmpelses", "org:Kræftens Bekæmpelse"), ("Ældre Sagen", "org:Ældre Sagen")]
    assert labelled("Der var 3f i alt, og foa er et ord.", "ORGANISATION") == []  # acronyms in capitals


def test_companies_by_their_form_or_trade():
    found = ents("Lundgaard Konsulenterne har bistået. Opgaven gik til COWI A/S. Rambøll A/S og Rambøll "
                 "Management Consulting bød også, og Henning Larsen Arkitekters forslag vandt. "
                 "Konsulenterne har afleveret.")
    assert [(t, lab, i) for t, lab, i in found] == [
        ("Lundgaard Konsulenterne", "ORGANISATION", "org:Lundgaard Konsulenterne"),
        ("COWI A/S", "ORGANISATION", "org:COWI"),  # a listed organisation with its company form
        ("Rambøll A/S", "ORGANISATION", "org:Rambøll"),
        ("Rambøll Management Consulting", "ORGANISATION", "org:Rambøll Management Consulting"),
        ("Henning Larsen Arkitekters", "ORGANISATION", "org:Henning Larsen Arkitekter"),  # not a person
    ]
    assert ents("Konsulenterne og arkitekterne mødtes. Beredskab 4K I/S.") == []


def test_a_place_name_inside_a_company_name_is_no_municipality():
    found = ents("Kommunen ejer PV Greve A/S og Greve Spildevand A/S, men ikke Greve Kommune.")
    assert [(t, lab) for t, lab, _ in found] == [
        ("PV Greve A/S", "ORGANISATION"), ("Greve Spildevand A/S", "ORGANISATION"),
        ("Greve Kommune", "MUNICIPALITY")]


def test_organisations_named_by_a_word_before_the_place():
    found = ents("Folkesundhed Københavns instruktører har holdt kurserne. Kontrakten med Folkesundhed "
                 "København er opsagt. Jobcenter Ballerup og Folkesundhed, Københavns Kommune.")
    assert [(t, lab, i) for t, lab, i in found] == [
        ("Folkesundhed Københavns", "ORGANISATION", "org:Folkesundhed København"),
        ("Folkesundhed København", "ORGANISATION", "org:Folkesundhed København"),
        ("Ballerup", "MUNICIPALITY", "muni:151"),  # the municipality's own jobcentre
        ("Københavns Kommune", "MUNICIPALITY", "muni:101")]


# --- money, percentages, dates ---------------------------------------------------------------

@pytest.mark.parametrize("written, amount, unit", [
    ("250.000 kr.", 250000, "kr."), ("1,2 mia. kr.", 1.2e9, "mia. kr."), ("2,5 mio.kr.", 2.5e6, "mio. kr."),
    ("3 millioner kroner", 3e6, "mio. kr."), ("12 kr. pr. indbygger", 12, "kr./indbygger"),
    ("kr. 500", 500, "kr."), ("0,75 kr./indbygger", 0.75, "kr./indbygger"),
    ("64 kr. i døgnet", 64, "kr./døgn"), ("3.114 kr. i døgnet", 3114, "kr./døgn"),
    ("45 kr. i timen", 45, "kr./time"), ("5.461 kr. om måneden", 5461, "kr./måned"),
    ("350 kr. pr. time", 350, "kr./time"), ("12 kr. pr. år", 12, "kr."),
])
def test_money_found_and_normalised(written, amount, unit):
    found = labelled(f"Kommunen bidrager med {written} i 2028.", "MONEY")
    assert found == [written]
    parsed = parse_money(written)
    assert parsed["amount_dkk"] == pytest.approx(amount) and parsed["unit"] == unit


def test_an_amount_per_year_is_a_plain_amount():
    # as "2,59 mio. kr. årligt" (both golds): a yearly amount, not a unit price
    assert labelled("Kommunen modtager 2,59 mio. kr. om året og 1 mio. kr. årligt.", "MONEY") == [
        "2,59 mio. kr.", "1 mio. kr."]
    assert parse_money("2 mio. kr. pr. år") == {"value": 2, "amount_dkk": 2e6, "unit": "mio. kr."}


def test_numbers_without_kroner_are_not_money():
    assert labelled("Der var 2,6 mio. overnatninger og 4,5 mio. indbyggere.", "MONEY") == []


def test_percentages():
    assert labelled("Ledigheden faldt 12,5 % til 7 procent, en stigning på 3 pct. point.", "PERCENT") == [
        "12,5 %", "7 procent", "3 pct."]


def test_a_rate_named_as_a_percentage_without_pct():
    assert labelled("Gennemførselsprocenten er på 100, hvor tilsvarende data er 56 pct.", "PERCENT") == [
        "100", "56 pct."]
    assert labelled("Svarprocenten var ca. 45.", "PERCENT") == ["45"]
    assert labelled("Ledighedsprocenten er på 4,5 pct. i år.", "PERCENT") == ["4,5 pct."]
    assert labelled("Procenten er 100 deltagere. Der er 100 deltagere.", "PERCENT") == []


@pytest.mark.parametrize("written, expected", [
    ("den 1. marts 2027", {"date": dt.date(2027, 3, 1)}),
    ("01.02.2026", {"date": dt.date(2026, 2, 1)}),
    ("16-06-2026", {"date": dt.date(2026, 6, 16)}),
    ("primo 2027", {"period_start": dt.date(2027, 1, 1), "period_end": dt.date(2027, 4, 30)}),
    ("ultimo marts 2026", {"period_start": dt.date(2026, 3, 21), "period_end": dt.date(2026, 3, 31)}),
    ("medio 2026", {"period_start": dt.date(2026, 5, 1), "period_end": dt.date(2026, 8, 31)}),
    ("3. kvartal 2026", {"period_start": dt.date(2026, 7, 1), "period_end": dt.date(2026, 9, 30)}),
    ("andet halvår 2025", {"period_start": dt.date(2025, 7, 1), "period_end": dt.date(2025, 12, 31)}),
    ("foråret 2027", {"period_start": dt.date(2027, 3, 1), "period_end": dt.date(2027, 5, 31)}),
    ("vinteren 2026", {"period_start": dt.date(2026, 12, 1), "period_end": dt.date(2027, 2, 28)}),
    ("februar 2028", {"period_start": dt.date(2028, 2, 1), "period_end": dt.date(2028, 2, 29)}),
    ("2028-2031", {"period_start": dt.date(2028, 1, 1), "period_end": dt.date(2031, 12, 31)}),
    ("2010–2012", {"period_start": dt.date(2010, 1, 1), "period_end": dt.date(2012, 12, 31)}),  # en dash
    ("ved udgangen af 2013", {"period_start": dt.date(2013, 9, 1), "period_end": dt.date(2013, 12, 31)}),
    ("ved årets udgang 2011", {"period_start": dt.date(2011, 9, 1), "period_end": dt.date(2011, 12, 31)}),
    ("i slutningen af 2022", {"period_start": dt.date(2022, 9, 1), "period_end": dt.date(2022, 12, 31)}),
    ("i starten af 2024", {"period_start": dt.date(2024, 1, 1), "period_end": dt.date(2024, 4, 30)}),
    ("i midten af året 2026", {"period_start": dt.date(2026, 5, 1), "period_end": dt.date(2026, 8, 31)}),
    # of a month, the month (as the sample gold reads "slutningen af august 2025")
    ("i slutningen af august 2025", {"period_start": dt.date(2025, 8, 1), "period_end": dt.date(2025, 8, 31)}),
])
def test_dates_found_and_normalised(written, expected):
    found = labelled(f"Sagen behandles {written} i udvalget.", "DATE")
    assert len(found) == 1 and written.endswith(found[0])
    assert parse_date(found[0], dt.date(2026, 6, 16)) == expected


def test_not_dates():
    assert labelled("Budgettet i 2026-pl og sag SAG-2026-00802, i 2027 og i juni.", "DATE") == []
    assert labelled("Bilag 2012–200292 og 2012-208960 ved udgangen af perioden.", "DATE") == []


# --- people, presenters, party links on a record ---------------------------------------------

PARTICIPANTS = [
    ("Jens Ole Kristiansen", "A", "Aarhus Kommune"),
    ("Anne Jensen", "V", "Skanderborg Kommune"),
    ("Peter Jensen", "Ø", "Favrskov Kommune"),
    ("Karen Skov", "C", "Odder Kommune"),
]


def test_people_participants_roles_and_presenters():
    text = ("Borgmester i Aarhus, Jens Ole Kristiansen, præsenterede sagen. Kristiansen understregede "
            "behovet. Jensen var enig. Kommunaldirektør Birgit Olsen, Randers Kommune, deltog. "
            "Skov er vigtig for klimaet, sagde Karen Skov. Konsulent i KL Rasmus Holm fremlagde tal.")
    r = annotate(record([("Beslutning", text)], participants=PARTICIPANTS))
    item = r.items[0]
    people = [e for e in item.entities if e.type == "person"]
    names = [(e.text, e.name) for e in people]
    assert names == [
        ("Jens Ole Kristiansen", "Jens Ole Kristiansen"), ("Kristiansen", "Jens Ole Kristiansen"),
        ("Birgit Olsen", "Birgit Olsen"), ("Karen Skov", "Karen Skov"), ("Rasmus Holm", "Rasmus Holm"),
    ]  # "Jensen" is two participants; "Skov" opens a sentence and is a word
    jens = people[0]
    assert (jens.role, jens.organisation, jens.municipality_code, jens.party_letter, jens.participant) == (
        "Borgmester", "Aarhus", 751, "A", True)
    birgit = people[2]
    assert (birgit.role, birgit.organisation, birgit.municipality_code, birgit.participant) == (
        "Kommunaldirektør", "Randers", 730, False)
    assert (people[4].role, people[4].organisation) == ("Konsulent", "KL")
    assert item.presenters == ["Jens Ole Kristiansen", "Rasmus Holm"]
    assert [p.municipality_code for p in r.participants] == [751, 746, 710, 727]
    # The title "Budget 2028 for Aarhus Kommune": a bare year is not a date.
    assert [(e.type, e.text) for e in item.entities if e.part is None] == [("municipality", "Aarhus Kommune")]
    for e in item.entities:  # offsets point into the part text, or the title
        source = item.title if e.part is None else item.parts[e.part].text
        assert source[e.start:e.end] == e.text


def test_dates_in_part_headings_are_found_and_located_in_the_heading():
    r = annotate(record([
        ("Sagsfremstilling", "Mødet var den 10. september 2027."),
        ("Beslutning i Økonomiudvalget den 19-11-2027", "Godkendt. Enhedslisten ønskede det protokolleret."),
        ("Sundheds- og Forebyggelsesudvalgets beslutning den 04.12.2027 Punkt 1", "Taget til efterretning"),
    ]))
    item = r.items[0]
    dates = [(e.text, e.date, e.part, e.heading) for e in item.entities if e.type == "date"]
    assert dates == [("10. september 2027", dt.date(2027, 9, 10), 0, None),
                     ("19-11-2027", dt.date(2027, 11, 19), 1, True),
                     ("04.12.2027", dt.date(2027, 12, 4), 2, True)]
    for e in item.entities:
        source = item.title if e.part is None else item.parts[e.part].heading if e.heading else item.parts[e.part].text
        assert source[e.start:e.end] == e.text
    data = r.model_dump(mode="json")["items"][0]["entities"]
    assert [e.get("heading") for e in data if e["type"] == "date"] == [None, True, True]  # left out unless true
    assert MeetingRecord.model_validate(r.model_dump(mode="json")) == r


def test_presenters_are_read_from_the_past_tense_only():
    r = annotate(record([
        ("Baggrund", "På mødet vil kontorchef Lise Holm præsentere sagen."),
        ("Beslutning", "Kontorchef Lise Holm gennemgik sagen. Udvalget orienterede om status."),
    ]))
    assert r.items[0].presenters == ["Lise Holm"]
    r = annotate(record([("Baggrund", "På mødet vil kontorchef Lise Holm præsentere sagen.")]))
    assert r.items[0].presenters == []


def test_more_money_and_date_formats():
    found = ents("Taksten er 12 kr./husstand og 3 kr./md., i alt 500 t.kr. Mødet er den 4/9 2026, "
                 "d. 5/9-26 og den 2026-06-16.")
    assert [(t, lab) for t, lab, _ in found] == [
        ("12 kr./husstand", "MONEY"), ("3 kr./md.", "MONEY"), ("500 t.kr.", "MONEY"),
        ("4/9 2026", "DATE"), ("5/9-26", "DATE"), ("2026-06-16", "DATE")]
    assert parse_money("500 t.kr.")["amount_dkk"] == 500000
    assert parse_date("5/9-26") == {"date": dt.date(2026, 9, 5)}
    assert parse_date("4/9", dt.date(2027, 1, 1)) == {"date": dt.date(2027, 9, 4)}


def test_genitive_names_are_the_same_person():
    r = annotate(record([("Beslutning", "Ib Poulsen deltog. Ib Poulsens forslag og Kristiansens ændring "
                                        "blev vedtaget. Jens Ole Kristiansens tale.")], participants=PARTICIPANTS))
    people = [(e.text, e.name, e.participant) for e in r.items[0].entities if e.type == "person"]
    assert people == [
        ("Ib Poulsen", "Ib Poulsen", False), ("Ib Poulsens", "Ib Poulsen", False),
        ("Kristiansens", "Jens Ole Kristiansen", True), ("Jens Ole Kristiansens", "Jens Ole Kristiansen", True),
    ]


def test_votes_and_protocol_remarks_link_to_parties():
    text = ("Indstillingen blev godkendt. Enhedslisten ønskede tilført protokollen, at sagen burde "
            "udsættes. Dansk Folkeparti (O) stemte imod.")
    votes = [Vote(position="against", parties=["O"], text="Dansk Folkeparti (O) stemte imod.")]
    r = annotate(record([("Beslutning", text)], votes=votes))
    links = [(link.kind, link.party_letter) for link in r.items[0].party_links]
    assert ("protocol_note", "Ø") in links and ("vote", "O") in links
    assert ("protocol_note", "O") not in links  # the vote sentence is not a protocol remark


def test_protocol_remark_by_a_named_member_links_to_the_members_party():
    text = "Peter Jensen ønskede følgende ført til protokol: Forslaget er for dyrt."
    r = annotate(record([("Beslutning", text)], participants=PARTICIPANTS))
    assert [(link.kind, link.party_letter, text[link.start:link.end]) for link in r.items[0].party_links] == [
        ("protocol_note", "Ø", "Peter Jensen")]


def test_participants_without_a_name_are_ignored():
    r = annotate(record([("Beslutning", "Godkendt.")], participants=[("", None, None), ("-", "A", None)]))
    assert [e for e in r.items[0].entities if e.part is not None] == []


def test_day_without_year_takes_the_year_of_the_following_date_or_the_meeting():
    r = annotate(record([("Baggrund", "Høringen løber fra 3. december - 14. januar 2028. Mødet er 4. maj.")]))
    dates = [e.date for e in r.items[0].entities if e.type == "date"]
    assert dates == [dt.date(2028, 12, 3), dt.date(2028, 1, 14), dt.date(2027, 5, 4)]


# --- scoring --------------------------------------------------------------------------------

def test_score_entities_counts_tp_fp_fn_per_type():
    r = record([("Baggrund", "x")])
    r.items[0].entities = [
        Entity(type="money", text="4,6 mio. kr.", start=0, end=1, part=0, amount_dkk=4.6e6, unit="mio. kr."),
        Entity(type="money", text="2 kr.", start=0, end=1, part=0, amount_dkk=2, unit="kr."),
        Entity(type="municipality", text="Aarhus", start=0, end=1, part=0, municipality_code=751),
    ]
    gold = {"types": ["money", "municipality"], "items": {"1": [
        {"type": "money", "text": "4,6 mio. kr.", "value": "4600000"},
        {"type": "municipality", "text": "Aarhus", "value": "751"},
        {"type": "municipality", "text": "Odense", "value": "461"},
    ]}}
    scores = score_entities(gold, r)
    assert (scores["money"]["tp"], scores["money"]["fp"], scores["money"]["fn"]) == (1, 1, 0)
    assert scores["money"]["precision"] == 0.5 and scores["money"]["recall"] == 1.0
    assert (scores["municipality"]["tp"], scores["municipality"]["fn"]) == (1, 1)
    assert scores["municipality"]["recall"] == 0.5


PASSAGE = (
    "Rådmand for Teknik og Miljø, Steen Stavnsbo, fremlagde sagen. Aarhus Kommunes andel af udgiften er "
    "12,3 mio. kr. i 2027, svarende til 34 kr. pr. indbygger. Midttrafik og Region Midtjylland finansierer "
    "resten, ca. 45 pct. Byrådsmedlem Liv Gro Jensen (Ø) ønskede ført til protokol, at Enhedslisten ikke kan "
    "støtte en takststigning på 5,5 %. Sagen behandles igen den 14. september 2027 og forventes afsluttet "
    "ultimo 2028. Silkeborg og Skanderborg kommuner har tilsluttet sig, jf. aftalen fra marts 2026. "
    "Dansk Folkeparti og Venstre stemte for. Jensen bemærkede, at Vejdirektoratet og Banedanmark er inddraget. "
    "Borgmester Jacob Bundsgaard takkede Randers Kommunes direktør, Ib Poulsen, for samarbejdet."
)


def test_a_passage_written_for_the_tests_scores_perfectly():
    members = [("Steen Stavnsbo", "A", "Aarhus Kommune"), ("Liv Gro Jensen", "Ø", "Aarhus Kommune"),
               ("Jacob Bundsgaard", "A", "Aarhus Kommune")]
    r = annotate(record([("Beslutning", PASSAGE)], participants=members, date=dt.date(2027, 6, 1)))
    gold = {"items": {"1": [
        {"type": t, "text": x, "value": v} for t, x, v in [
            ("municipality", "Aarhus Kommune", "751"),  # the title
            ("person", "Steen Stavnsbo", "Steen Stavnsbo"), ("municipality", "Aarhus Kommunes", "751"),
            ("money", "12,3 mio. kr.", "12300000"), ("money", "34 kr. pr. indbygger", "34/indbygger"),
            ("organisation", "Midttrafik", "Midttrafik"), ("region", "Region Midtjylland", "Region Midtjylland"),
            ("percent", "45 pct.", "45"), ("person", "Liv Gro Jensen", "Liv Gro Jensen"), ("party", "Ø", "Ø"),
            ("party", "Enhedslisten", "Ø"), ("percent", "5,5 %", "5.5"), ("date", "14. september 2027", "2027-09-14"),
            ("date", "ultimo 2028", "2028-09-01/2028-12-31"), ("municipality", "Silkeborg", "740"),
            ("municipality", "Skanderborg", "746"), ("date", "marts 2026", "2026-03-01/2026-03-31"),
            ("party", "Dansk Folkeparti", "O"), ("party", "Venstre", "V"), ("person", "Jensen", "Liv Gro Jensen"),
            ("organisation", "Vejdirektoratet", "Vejdirektoratet"), ("organisation", "Banedanmark", "Banedanmark"),
            ("person", "Jacob Bundsgaard", "Jacob Bundsgaard"), ("municipality", "Randers Kommunes", "730"),
            ("person", "Ib Poulsen", "Ib Poulsen"),
        ]]}}
    scores = score_entities(gold, r)
    assert all(s["precision"] == 1.0 and s["recall"] == 1.0 for s in scores.values()), scores
    item = r.items[0]
    people = {e.name: e for e in item.entities if e.type == "person"}
    assert (people["Steen Stavnsbo"].role, people["Steen Stavnsbo"].organisation) == ("Rådmand", "Teknik og Miljø")
    assert (people["Ib Poulsen"].role, people["Ib Poulsen"].organisation,
            people["Ib Poulsen"].municipality_code) == ("direktør", "Randers", 730)
    assert item.presenters == ["Steen Stavnsbo"]
    assert [(link.kind, link.party_letter) for link in item.party_links] == [("protocol_note", "Ø")]


def test_entities_serialise_only_the_fields_that_apply_and_round_trip():
    r = annotate(record([("Beslutning", "Aarhus Kommune betaler 4,6 mio. kr.")]))
    data = r.model_dump(mode="json")
    money = next(e for e in data["items"][0]["entities"] if e["type"] == "money")
    assert money == {"type": "money", "text": "4,6 mio. kr.", "start": 23, "end": 35, "part": 0,
                     "amount_dkk": 4600000.0, "unit": "mio. kr.", "value": 4.6}
    assert MeetingRecord.model_validate(data) == r


def test_damaged_text_still_gives_valid_offsets():
    import random

    from tests.helpers import SAMPLE, record_from_text

    text = SAMPLE.read_text(encoding="utf-8")
    rnd = random.Random(5)
    for _ in range(3):
        chars = list(text)
        for _ in range(3000):
            chars[rnd.randrange(len(chars))] = rnd.choice(["", "-", "\n", ".", "kr.", "(", ")", "'s", " ", "0"])
        r = annotate(record_from_text("".join(chars), "damaged.txt"))
        assert not any(w.code == "entities_failed" for w in r.warnings)
        for item in r.items:
            for e in item.entities:
                if e.table is None:
                    part = item.parts[e.part] if e.part is not None else None
                    source = item.title if part is None else part.heading if e.heading else part.text
                    assert source[e.start:e.end] == e.text


def test_a_failing_layer_leaves_a_warning_not_an_exception(monkeypatch):
    import sys

    layer = sys.modules["extractors.entities.annotate"]  # the package exports a function of that name

    def boom(record):
        raise RuntimeError("boom")

    monkeypatch.setattr(layer, "annotate_items", boom)
    r = annotate(record([("Beslutning", "Godkendt.")], participants=PARTICIPANTS))
    assert [w.code for w in r.warnings] == ["entities_failed"]
    assert r.participants[0].municipality_code == 751


def test_members_of_a_municipal_committee_belong_to_its_municipality():
    if "authority" not in Meeting.model_fields:
        pytest.skip("Meeting.authority not in the schema yet")
    r = record([("Beslutning", "Kim Valentin præsenterede sagen.")], participants=[("Kim Valentin", "V", None)])
    r.meeting.authority = "Gribskov Kommune"
    r = annotate(r)
    assert r.participants[0].municipality_code == 270
    kim = next(e for e in r.items[0].entities if e.type == "person")
    assert (kim.name, kim.municipality_code, kim.party_letter) == ("Kim Valentin", 270, "V")


def test_a_place_in_the_town_is_not_the_municipality():
    found = ents("Kampen spilles på Næstved stadion, og bussen kører fra Viborg station til Viborg Varme A.m.b.a.; "
                 "Odenses havn er kommunens.")
    assert [(t, lab) for t, lab, _ in found if lab == "MUNICIPALITY"] == [("Odenses", "MUNICIPALITY")]


def test_an_item_without_a_title_gets_its_entities_and_the_absent_are_people():
    from tests.helpers import record_from_text

    record = record_from_text(
        "Borger- og Arbejdsmarkedsudvalget\nReferat • 19. juni 2026 kl. 16.00\n\nSagsid.: 26/101\nIndstilling\n"
        "Direktionen indstiller, at Tønnersø Kommune søger puljen.\n"
        "Beslutning i Borger- og Arbejdsmarkedsudvalget den 19-06-2026\nGodkendt.\nHans Bang-Hansen deltog ikke i mødet.\n")
    assert record.items[0].title is None
    assert not [w for w in record.warnings if w.code == "entities_failed"]
    assert "Hans Bang-Hansen" in [e.name for e in record.items[0].entities if e.type == "person"]
