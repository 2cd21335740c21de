"""What a decision says: its outcome, protocol remarks and votes."""

from __future__ import annotations

from dataclasses import dataclass, field

import datetime as dt

import regex

from extractors import dates
from extractors.header import nominative
from extractors.profile import Profile
from extractors.text import collapse, sentences

# Party letters in a vote line: "A, C og V", "(A)", "Ø".
PARTY_LETTER = regex.compile(r"(?<![\p{L}])(?:\((?P<p1>[\p{Lu}]{1,2})\)|(?P<p2>[\p{Lu}]))(?![\p{L}])")
VOTE_COUNT = regex.compile(r"\((?P<n>\d{1,3})\)|(?<![\d.])(?P<m>\d{1,3})\s*(?:stemmer|medlemmer)?(?![\d.])")


@dataclass
class FoundVote:
    position: str
    parties: list[str] = field(default_factory=list)
    count: int | None = None
    text: str = ""


# Outcomes that settle a case; "noted" and "discussed" only count when none of these is stated.
DECISIVE = ("postponed", "referred", "rejected", "approved")
# Who decided, as a decision heading names it: "Beslutning i Økonomiudvalget den …", "Beslutning
# Byrådet den …", "Sundheds- og Forebyggelsesudvalgets beslutning den … Punkt 1", "Beslutning den
# 19-11-2025 i Økonomiudvalget".
_BY_AFTER = regex.compile(r"\b(?:beslutning(?:en|er)?|behandling)\s+(?:(?:i|på|fra|for|af)\s+)?(?P<by>(?-i:\p{Lu})[^:]*?)\s*(?:\b(?:den|d\.)\s|\d|\bpunkt\b|:|$)",
                          regex.IGNORECASE | regex.VERSION1)
# "Kultur- og Fritidsudvalget, 04-03-2026, pkt. 41": the body first, then the date.
_BY_LEADING = regex.compile(r"^(?P<by>\p{Lu}[^,]{2,80}?)(?:\s+\d{2,4}-\d{2,4})?,\s*(?:den\s+)?\d", regex.VERSION1)
_BY_BEFORE = regex.compile(r"^(?P<by>.+?s)\s+beslutning\b", regex.IGNORECASE)
_BY_TRAILING = regex.compile(r"\b(?:den|d\.)\s+.*?\b(?:i|på)\s+(?P<by>\p{Lu}[\p{L} -]+?)\s*(?:\bpunkt\b|:|$)", regex.VERSION1)
_NOT_A_BODY = regex.compile(r"^(?:den|d\.|punkt|sagen|forslag)\b", regex.IGNORECASE)


def decision_heading(heading: str) -> tuple[str | None, dt.date | None]:
    """(deciding body, date) as a decision heading names them; None for what it does not name."""
    heading = collapse(heading)
    found = dates.find_dates(heading)
    date = found[0][2] if found else None
    by = None
    m = _BY_BEFORE.match(heading) or (None if _BY_AFTER.match(heading) else _BY_LEADING.match(heading))
    if m:
        by = m["by"]
    else:
        m = _BY_AFTER.search(heading)
        if m and not _NOT_A_BODY.match(m["by"]):
            by = m["by"]
        else:
            m = _BY_TRAILING.search(heading)
            by = m["by"] if m else None
    by = nominative(by.strip(" ,")) if by else None
    if by and by.isupper() and len(by) > 4:  # "BESLUTNING I ØKONOMIUDVALGET": the name, not its capitals
        by = by.capitalize()
    return by or None, date


def _sentence_outcome(sentence: str, profile: Profile) -> str | None:
    """The outcome a sentence states: the phrase that comes first in it (the main clause: in
    "Godkendt med den ændring, at sag nr. 32 udgår" the approval, not the withdrawal), the
    profile's order deciding between phrases that start at the same place ("ikke godkendt")."""
    best: tuple[int, int, str] | None = None
    for rank, (kind, pattern) in enumerate(profile.section("decision")["outcomes"]):
        m = profile.compile(pattern).search(sentence)
        if m and (best is None or (m.start(), rank) < best[:2]):
            best = (m.start(), rank, kind)
    return best[2] if best else None


def classify_outcome(text: str | None, profile: Profile, default: str | None = None) -> str:
    """Each sentence gets the outcome its first outcome phrase states. The decision's outcome is
    the last decisive one ("Ændringsforslaget blev forkastet. Indstillingen blev godkendt." is
    approved), else the first of noted/discussed, else `default` (a heading such as "Referat:"
    records what was discussed) or none."""
    if not text or not text.strip():
        return "none"
    groups = profile.compile(profile.section("decision")["vote_against_groups"])
    # a party group's dissent ("Venstres byrådsgruppe kunne ikke tiltræde …") is a vote, not the outcome
    said = [s for s in sentences(text) if not ((m := groups.match(s)) and parties_named(m["who"]))]
    found = [kind for kind in (_sentence_outcome(s, profile) for s in said) if kind]
    if not found and default:
        return default
    decisive = [kind for kind in found if kind in DECISIVE]
    if decisive:
        return decisive[-1]
    kinds = [kind for kind, _ in profile.section("decision")["outcomes"]]
    return min(found, key=kinds.index) if found else "none"


def protocol_notes(lines: list[str], profile: Profile) -> list[str]:
    """Sentences that ask for something to be entered in the minutes, line by line (a vote line
    has no full stop to end it)."""
    cue = profile.compile(profile.section("decision")["protocol_cue"])
    return [s for line in lines for s in sentences(line) if cue.search(s)]


def parties_named(text: str) -> list[str]:
    """The letters of the parties a text names by name ("Venstres byrådsgruppe", "Enhedslisten og
    Alternativet", "SF"), in order; a party letter only in parentheses ("(Ø)")."""
    from extractors.gazetteer import load

    found: list[tuple[int, str]] = []
    for party in load().parties:
        for form in party.forms:
            if len(form) < 2:
                continue
            for m in regex.finditer(rf"(?<![\p{{L}}]){regex.escape(form)}(?:s|ernes|ens)?(?![\p{{L}}])", text):
                found.append((m.start(), party.letter))
    for m in regex.finditer(r"\((\p{Lu}{1,2})\)", text):
        found.append((m.start(), m.group(1)))
    letters: list[str] = []
    for _, letter in sorted(found):
        if letter not in letters:
            letters.append(letter)
    return letters


def find_votes(lines: list[str], profile: Profile) -> list[FoundVote]:
    cfg = profile.section("decision")
    rules = [("for", cfg["vote_for"]), ("against", cfg["vote_against"]), ("abstain", cfg["vote_abstain"])]
    groups = profile.compile(cfg["vote_against_groups"])
    votes = []
    for line in lines:
        for sentence in sentences(line):
            dissent = groups.match(sentence)
            if dissent:  # "Venstres byrådsgruppe kunne ikke tiltræde indstillingen."
                parties = parties_named(dissent["who"])
                if parties and not any(v.position == "against" and set(parties) <= set(v.parties) for v in votes):
                    votes.append(FoundVote(position="against", parties=parties, count=None, text=collapse(sentence)))
                continue
            for position, pattern in rules:
                m = profile.compile(pattern).match(sentence)
                if not m:
                    continue
                rest = sentence[m.end():]
                parties = []
                for p in PARTY_LETTER.finditer(rest):
                    letter = p["p1"] or p["p2"]
                    if letter not in parties:
                        parties.append(letter)
                count_match = VOTE_COUNT.search(rest)
                count = int(count_match["n"] or count_match["m"]) if count_match else None
                if not parties and count is None and not regex.search(r"\w", rest):
                    break  # "Undlod at stemme:" with no one after it: nobody abstained
                votes.append(FoundVote(position=position, parties=parties, count=count, text=collapse(sentence)))
                break
    return votes
