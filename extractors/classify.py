"""Is this document minutes, an agenda, or something else? Decided from evidence, with reasons.

Evidence: the title word ("Referat", "Beslutningsprotokol", "Protokol" against "Dagsorden"),
numbered items, recorded decisions, a statement that the meeting ended ("Mødet slut kl. 16.30"), a
signature block, attendance lists, a meeting date and case numbers. Minutes record decisions (or,
under a minutes title, at least close the meeting or carry signatures); an agenda has items and
no decisions. Minutes of working groups and boards are minutes like a council's.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import regex

from extractors.profile import Profile


@dataclass
class Signals:
    title_minutes: bool
    title_agenda: bool
    meeting_date: bool
    items: int
    decisions: int
    recommendations: int
    attendance: int
    case_numbers: int
    meeting_end: bool = False
    signature: bool = False
    meeting_facts: bool = False  # a meeting's time or place, or their labels, in the header
    # items without a decision heading whose last paragraph states an outcome ("Godkendt.",
    # "Taget til efterretning"): decisions under headings of a form the profile does not know
    outcome_statements: int = 0
    # items whose text tells what the meeting did, in the past tense ("bød velkommen", "valgtes"),
    # where no item carries a recommendation: an agenda says what will be done
    reported: int = 0
    # the agenda's approval recorded before the items ("Godkendelse af dagsorden:" / "Godkendt")
    agenda_approved: bool = False
    # a decision heading dated the meeting's own day ("Beslutning i Økonomiudvalget, den 18. januar
    # 2012:"), wherever it stands: an agenda quotes only decisions taken before
    own_decision: bool = False
    # items headed as answers to the agenda's points ("Ad 1 Velkomst:", "Ad. 2.")
    answered_points: int = 0
    # who was absent, or who took the minutes, stated over the items ("Fraværende: Ingen",
    # "Referent: …"), and how many items have text of their own
    attendance_taken: bool = False
    items_with_text: int = 0
    # the text tells of minutes in the third person and points to them ("Af referatet fremgår …")
    about_minutes: bool = False
    # where the evidence was seen, for the reasons: {"title_minutes": "'Referat' (line 3)", …}
    where: dict[str, str] = field(default_factory=dict)


# A word written with its letters spaced out: "R e f e r a t".
LETTER_SPACED = regex.compile(r"(?<!\S)(?:\p{L} ){4,}\p{L}(?!\S)")


def find_title_words(lines: list[str], profile: Profile) -> dict[str, str]:
    """The title words of the document's title lines (before its items): {"minutes": "'Referat'
    (line 4)", "agenda": …}. A title line is short and no sentence, and holds the word whole in the
    singular ("Referat", "REFERAT 2026", "Åbent referat", "Byrådet - Referat", "Referat - Økonomi-
    udvalget den 21. januar 2019", "12. februar 2024 - referat fra byrådet", "Dagsorden til mødet
    …"); the word in a sentence, in the plural of a site's navigation ("Dagsordener og referater")
    or in an item title ("Godkendelse af referat") is no title."""
    cfg = profile.section("document")
    out: dict[str, str] = {}
    item_title = regex.compile(r"\b(?:godkendelse|underskrift|opfølgning|gennemgang|orientering)\s+(?:af|på|om)\s", regex.I)
    for index, line in enumerate(lines[:80]):
        text = LETTER_SPACED.sub(lambda m: m.group(0).replace(" ", ""), regex.sub(r"\s+", " ", line).strip())
        if len(text) > 100 and index < 20:
            # a page flattened to one paragraph ("1 REFERAT Byrådet Mødedato: …"): its first words
            text = " ".join(regex.sub(r"^\d{1,3}\s+", "", text).split()[:14])
        elif not text or len(text) > 100 or len(text.split()) > 14 or (
                text.endswith((".", ",", ";")) and len(text.split()) > 4
                and not regex.match(rf"(?:{'|'.join(cfg['minutes_titles'])})\b", text, regex.IGNORECASE)):
            continue  # a sentence, unless it opens with the title word ("Referat af MR-møde … i Sognehuset.")
        if item_title.search(text) or regex.match(r"\d{1,3}\.?\s+\p{Lu}", text):
            continue  # "Godkendelse af referat", "2. Referat fra sidste møde": an item's title
        covered = ""
        for kind, words in (("minutes", cfg["minutes_titles"]), ("agenda", cfg["agenda_titles"])):
            m = regex.search(rf"(?<![\p{{L}}])(?P<word>{'|'.join(words)})(?:et|en)?(?![\p{{L}}])", text, regex.IGNORECASE)
            if kind == "minutes" and m:
                covered = m["word"]  # "Dagsorden med vedtagelser": minutes, not an agenda
            if m and kind not in out and not (kind == "agenda" and m["word"].casefold() in covered.casefold()):
                out[kind] = f"'{m['word']}' (line {index + 1})"
    return out


def meeting_end_line(lines: list[str], profile: Profile) -> int | None:
    """1-based line of a statement that the meeting ended, if any."""
    cue = profile.compile(profile.section("document")["meeting_end_cue"])
    for index in range(len(lines) - 1, -1, -1):
        if cue.search(lines[index]):
            return index + 1
    return None


def classify(signals: Signals, profile: Profile) -> tuple[str, str | None, list[str]]:
    """(document_type, reason a not_minutes verdict gives, the evidence). Evidence, never gates:
    a document is minutes when it shows minutes evidence — a recorded decision under an item, an
    item ending in an outcome statement, or a minutes title word over anything a meeting has (an
    item, a meeting date, an attendance list, a closing statement, signatures). One item and its
    decision is minutes. An agenda has items and no decisions (with an agenda title word or
    recommendations); anything else is not minutes."""
    evidence = _evidence(signals)
    meeting_like = (signals.items or signals.meeting_date or signals.attendance or signals.meeting_end
                    or signals.signature or signals.meeting_facts)
    if signals.decisions or signals.outcome_statements or signals.agenda_approved or signals.own_decision:
        return "minutes", None, evidence
    if (signals.reported >= 2 or signals.answered_points >= 2) and not signals.recommendations:
        return "minutes", None, evidence
    if (signals.attendance_taken and signals.attendance and signals.items_with_text >= 2
            and signals.items_with_text * 2 >= signals.items and not signals.recommendations and not signals.title_agenda):
        # who came and who did not, then text under the items: what a meeting's minutes record
        return "minutes", None, evidence
    told_of = signals.about_minutes and not (signals.items or signals.attendance)
    if signals.title_minutes and meeting_like and not told_of and not (signals.title_agenda and signals.recommendations):
        # a minutes title over a meeting's facts: the decisions may be in a form referat does not
        # know, or on pages that could not be read
        return "minutes", None, evidence
    if signals.items and (signals.title_agenda or signals.recommendations):
        return "agenda", None, evidence
    missing = []
    if not signals.items:
        missing.append("no agenda items")
    if not signals.decisions:
        missing.append("no decision under any item")
    if not signals.title_minutes:
        missing.append("no minutes title word")
    if not signals.meeting_date:
        missing.append("no meeting date in a header")
    if told_of:
        missing.append("tells of minutes and points to them, without items or attendance of its own")
    return "not_minutes", "; ".join(missing), evidence


def _evidence(s: Signals) -> list[str]:
    out = []
    if s.title_minutes:
        out.append(f"minutes title word {s.where.get('title_minutes', '')}".strip())
    if s.title_agenda:
        out.append(f"agenda title word {s.where.get('title_agenda', '')}".strip())
    if s.meeting_date:
        out.append(f"meeting date {s.where.get('meeting_date', '')}".strip())
    for count, what in ((s.items, "agenda items"), (s.decisions, "items with a recorded decision"),
                        (s.recommendations, "items with a recommendation"),
                        (s.outcome_statements, "items ending in an outcome without a decision heading"),
                        (s.reported, "items telling what the meeting did in the past tense"),
                        (s.answered_points, "items headed as answers to the agenda's points ('Ad 1')"),
                        (s.attendance, "people on attendance lists"), (s.case_numbers, "case numbers")):
        if count:
            out.append(f"{count} {what}")
    if s.agenda_approved:
        out.append("the agenda approved before the items")
    if s.own_decision:
        out.append(f"a decision heading dated the meeting's day {s.where.get('own_decision', '')}".strip())
    if s.attendance_taken:
        out.append("who was absent or took the minutes, stated over the items")
    if s.meeting_end:
        out.append(f"meeting-end statement {s.where.get('meeting_end', '')}".strip())
    if s.signature:
        out.append(f"signature block {s.where.get('signature', '')}".strip())

    return out
