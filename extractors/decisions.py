"""What a decision says: its outcome, protocol remarks and votes."""

from __future__ import annotations

from dataclasses import dataclass, field

import regex

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
DECISIVE = ("postponed", "rejected", "approved")


def _sentence_outcome(sentence: str, profile: Profile) -> str | None:
    for kind, pattern in profile.section("decision")["outcomes"]:
        if profile.compile(pattern).search(sentence):
            return kind
    return None


def classify_outcome(text: str | None, profile: Profile) -> str:
    """Each sentence gets the first outcome kind in the profile that matches it. The decision's
    outcome is the last decisive one ("Ændringsforslaget blev forkastet. Indstillingen blev
    godkendt." is approved), else the first of noted/discussed, else none."""
    if not text or not text.strip():
        return "none"
    found = [kind for kind in (_sentence_outcome(s, profile) for s in sentences(text)) if kind]
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


def find_votes(lines: list[str], profile: Profile) -> list[FoundVote]:
    cfg = profile.section("decision")
    rules = [("for", cfg["vote_for"]), ("against", cfg["vote_against"]), ("abstain", cfg["vote_abstain"])]
    votes = []
    for line in lines:
        for sentence in sentences(line):
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
                votes.append(FoundVote(position=position, parties=parties, count=count, text=collapse(sentence)))
                break
    return votes
