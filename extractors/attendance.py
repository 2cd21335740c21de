"""Attendance: who was present (Deltagere, Til stede) and who was absent (Afbud, Fraværende).

An entry reads "Name (P), Municipality (suppleant for Other Name)"; every part after the name is
optional. A list runs until a line that is not an entry; a blank line inside a list (a page break)
does not end it while entries follow.
"""

from __future__ import annotations

from dataclasses import dataclass

import regex

from extractors.profile import Profile
from extractors.text import collapse, strip_bullet

NAME_TOKEN = r"(?:\p{Lu}[\p{Ll}'’]+(?:-\p{Lu}?[\p{Ll}'’]+)*|\p{Lu}\.(?:\s*\p{Lu}\.)*|\p{Lu}{2,}(?=\s*\())"
NAME_PARTICLE = r"(?:von|van|de|der|la|le|af|du|da|di|el|bin|ibn)"
NAME = rf"(?P<name>{NAME_TOKEN}(?:[ \t]+(?:{NAME_PARTICLE}[ \t]+)?{NAME_TOKEN}){{1,5}})"
# Titles and roles written before a name.
TITLE = r"(?i:(?:borgmester|viceborgmester|rådmand|formand|næstformand|direktør|kommunaldirektør|regionsrådsformand|byrådsmedlem|medlem)\s+)?"
PARTY = r"(?:\s*\((?P<party>[\p{Lu}]{1,3})\))?"
# The remainder: municipality, role, substitute note, in any order after an optional comma.
ENTRY = regex.compile(rf"^\s*{TITLE}{NAME}{PARTY}\s*(?:[,–-]\s*)?(?P<rest>[^\t]*?)\s*$", regex.VERSION1)
ROLE_WORDS = regex.compile(r"\b(?:formand|næstformand|medlem|suppleant|sekretær|referent|borgmester|viceborgmester|rådmand)\b", regex.IGNORECASE)
PAREN = regex.compile(r"\(([^()]*)\)")


@dataclass
class Entry:
    name: str
    party: str | None
    municipality: str | None
    role: str
    substitute_for: str | None
    status: str
    line: int  # 1-based


def _heading_patterns(profile: Profile) -> tuple[regex.Pattern, regex.Pattern, regex.Pattern]:
    cfg = profile.section("attendance")

    def alt(key: str) -> str:
        return "|".join(sorted(cfg[key], key=len, reverse=True))

    present = profile.compile(rf"^\s*(?:{alt('present_headings')})\s*(?::\s*(?P<rest>.*))?$")
    absent = profile.compile(rf"^\s*(?:{alt('absent_headings')})\s*(?::\s*(?P<rest>.*))?$")
    block = profile.compile(rf"^\s*(?:{alt('block_headings')})\s*:?\s*$")
    return present, absent, block


def parse_entry(text: str, status: str, line: int, profile: Profile) -> Entry | None:
    text = strip_bullet(text) if text.lstrip().startswith(("-", "•")) else text.strip()
    if not text or len(text) > 160 or regex.search(r"[.!?]\s+\p{Lu}\p{Ll}+\s+\p{Ll}", text):
        return None
    m = ENTRY.match(text)
    if not m:
        return None
    name, party, rest = collapse(m["name"]), m["party"], m["rest"] or ""
    cue = profile.compile(profile.section("attendance")["substitute_cue"])
    substitute_for = None
    role = "member"
    for paren in PAREN.finditer(rest):
        inner = paren.group(1)
        sub = cue.search(inner)
        if sub:
            substitute_for = collapse(inner[sub.end():]) or None
            role = "substitute"
        elif party is None and regex.fullmatch(r"\p{Lu}{1,3}", inner.strip()):
            party = inner.strip()  # "Name, Municipality (P)": the party written last
    rest = PAREN.sub(" ", rest)
    sub = cue.search(rest)
    if sub:  # "..., suppleant for X" without parentheses
        substitute_for = substitute_for or collapse(rest[sub.end():]).strip(",. ") or None
        role = "substitute"
        rest = rest[: sub.start()]
    if regex.search(r"\bsuppleant\b", rest, regex.IGNORECASE):
        role = "substitute"
    pieces = [collapse(p).strip(" .") for p in rest.split(",")]
    pieces = [p for p in pieces if p and not ROLE_WORDS.fullmatch(p)]
    municipality = pieces[0] if pieces else None
    if municipality and (regex.search(r"\d", municipality) or len(municipality) > 60):
        return None
    # Without a party, a municipality or a second name part, a line is too weak to be a person.
    if party is None and municipality is None and len(name.split()) < 2:
        return None
    return Entry(name=name, party=party, municipality=municipality, role=role,
                 substitute_for=substitute_for, status=status, line=line)


def _split_inline(rest: str) -> list[str]:
    """"A (V), B (C) og C" -> entries; a comma after "(P)" may introduce a municipality, kept."""
    if ";" in rest:
        pieces = rest.split(";")
    elif regex.search(r"\([\p{Lu}]{1,3}\)", rest):
        # Split only where the next piece is a name with a party: "A (V), Kommune, B (C)".
        pieces = regex.split(r"\s*(?:,|\bog\b)\s*(?=[^,;()]+\([\p{Lu}]{1,3}\))", rest)
    else:
        pieces = regex.split(r"\s*,\s*|\s+og\s+", rest)
    return [p for p in (collapse(x) for x in pieces) if p]


def find_attendance(lines: list[str], profile: Profile, skip: set[int]) -> tuple[list[Entry], set[int]]:
    """All attendance entries in `lines`, and the 0-based lines they used (heading lines too)."""
    present, absent, block = _heading_patterns(profile)
    entries: list[Entry] = []
    used: set[int] = set()
    index = 0
    while index < len(lines):
        if index in skip:
            index += 1
            continue
        line = lines[index]
        status = None
        m = present.match(line)
        if m:
            status = "present"
        else:
            m = absent.match(line)
            if m:
                status = "absent"
        if status is None:
            if block.match(line):
                used.add(index)
            index += 1
            continue
        used.add(index)
        inline = (m.groupdict().get("rest") or "").strip()
        if inline:
            for piece in _split_inline(inline):
                entry = parse_entry(piece, status, index + 1, profile)
                if entry:
                    entries.append(entry)
            index += 1
            continue
        index += 1
        while index < len(lines):
            text = lines[index]
            if not text.strip():
                index += 1
                continue
            if present.match(text) or absent.match(text) or index in skip:
                break
            entry = parse_entry(text, status, index + 1, profile)
            if entry is None:
                break
            entries.append(entry)
            used.add(index)
            index += 1
    return entries, used
