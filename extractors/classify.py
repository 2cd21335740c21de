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
    # items without a decision heading whose last paragraph states an outcome ("Godkendt.",
    # "Taget til efterretning"): decisions under headings of a form the profile does not know
    outcome_statements: int = 0
    # where the evidence was seen, for the reasons: {"title_minutes": "'Referat' (line 3)", …}
    where: dict[str, str] = field(default_factory=dict)


def find_title_words(lines: list[str], profile: Profile) -> dict[str, str]:
    """The title words of the document's title lines (before its items): {"minutes": "'Referat'
    (line 4)", "agenda": …}. A title line starts with the word, after at most one other word
    ("Referat", "REFERAT 2026", "Åbent referat", "Dagsorden til mødet …"); the word inside a
    sentence or an item title ("Godkendelse af dagsorden") is no title."""
    cfg = profile.section("document")
    out: dict[str, str] = {}
    for index, line in enumerate(lines[:80]):
        text = line.strip()
        if not text or len(text) > 80:
            continue
        for kind, words in (("minutes", cfg["minutes_titles"]), ("agenda", cfg["agenda_titles"])):
            if kind in out:
                continue
            m = regex.match(rf"^(?:\p{{L}}+\s+)?(?P<word>{'|'.join(words)})\b", text, regex.IGNORECASE)
            if m and not regex.match(r"\d", text):
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
    """(document_type, reason a not_minutes verdict gives, the evidence)."""
    evidence = _evidence(signals)
    count = sum([
        signals.title_minutes, signals.meeting_date, signals.items > 0, signals.decisions > 0,
        signals.attendance > 0, signals.case_numbers > 0,
    ])
    closes_like_minutes = signals.meeting_end or signals.signature
    if signals.items and signals.decisions and (signals.title_minutes or count >= profile.section("document")["min_signals"]):
        return "minutes", None, evidence
    if signals.items and signals.title_minutes and not signals.title_agenda and (
            closes_like_minutes or signals.outcome_statements or (signals.attendance and signals.meeting_date)):
        # a minutes title over items, with decisions in an unfamiliar form, a closing statement or
        # signatures, or an attendance list and a meeting date (the decisions may be on a page
        # that could not be read)
        return "minutes", None, evidence
    if signals.items and not signals.decisions and (signals.title_agenda or signals.recommendations):
        return "agenda", None, evidence
    missing = []
    if not signals.items:
        missing.append("no numbered agenda items")
    if not signals.decisions:
        missing.append("no decision sections (Beslutning)")
    if not signals.meeting_date:
        missing.append("no meeting date in a header")
    if not signals.attendance:
        missing.append("no attendance list")
    return "not_minutes", "; ".join(missing), evidence


def _evidence(s: Signals) -> list[str]:
    out = []
    if s.title_minutes:
        out.append(f"minutes title word {s.where.get('title_minutes', '')}".strip())
    if s.title_agenda:
        out.append(f"agenda title word {s.where.get('title_agenda', '')}".strip())
    if s.meeting_date:
        out.append(f"meeting date {s.where.get('meeting_date', '')}".strip())
    for count, what in ((s.items, "numbered items"), (s.decisions, "items with a recorded decision"),
                        (s.recommendations, "items with a recommendation"),
                        (s.outcome_statements, "items ending in an outcome without a decision heading"),
                        (s.attendance, "people on attendance lists"), (s.case_numbers, "case numbers")):
        if count:
            out.append(f"{count} {what}")
    if s.meeting_end:
        out.append(f"meeting-end statement {s.where.get('meeting_end', '')}".strip())
    if s.signature:
        out.append(f"signature block {s.where.get('signature', '')}".strip())
    return out
