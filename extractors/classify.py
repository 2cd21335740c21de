"""Is this document minutes, an agenda, or something else? Decided from structural signals."""

from __future__ import annotations

from dataclasses import dataclass

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


def title_words(lines: list[str], profile: Profile) -> tuple[bool, bool]:
    cfg = profile.section("document")
    top = " ".join(line for line in lines[:60] if line.strip())[:3000]

    def has(words: list[str]) -> bool:
        return bool(regex.search(rf"\b(?:{'|'.join(words)})\b", top, regex.IGNORECASE))

    return has(cfg["minutes_titles"]), has(cfg["agenda_titles"])


def classify(signals: Signals, profile: Profile) -> tuple[str, str | None]:
    """(document_type, reason). The reason says what was missing for a not_minutes verdict."""
    count = sum([
        signals.title_minutes, signals.meeting_date, signals.items > 0, signals.decisions > 0,
        signals.attendance > 0, signals.case_numbers > 0,
    ])
    if signals.items and signals.decisions and (signals.title_minutes or count >= profile.section("document")["min_signals"]):
        return "minutes", None
    if signals.items and not signals.decisions and (signals.title_agenda or signals.recommendations):
        return "agenda", None
    missing = []
    if not signals.items:
        missing.append("no numbered agenda items")
    if not signals.decisions:
        missing.append("no decision sections (Beslutning)")
    if not signals.meeting_date:
        missing.append("no meeting date in a header")
    if not signals.attendance:
        missing.append("no attendance list")
    return "not_minutes", "; ".join(missing)
