"""Attendance: who was present (Deltagere, Til stede), absent (Afbud, Fraværende) or there as staff
(Sekretær, Referent).

An entry reads "Name (P), Municipality (suppleant for Other Name)", with a position before or after
it ("Borgmester Name", "Name (A) - formand", "Name (A) (Næstformand)"); every part after the name is
optional. A list runs until a line that is not an entry; a blank line inside a list (a page break)
does not end it while entries follow. A list may start on its heading's line ("Deltagere: Jeppe
Kirkegaard") and go on below it, or be one line of comma-separated entries. A combined heading
("Afbud/Fraværende") is one heading; an empty one lists nobody.

A member listed under the members and again under Afbud is absent, not present: the members'
list names who belongs to the body, the absence list who did not come.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import regex

from extractors.profile import Profile
from extractors.text import collapse, sentences, strip_bullet

NAME_TOKEN = r"(?:\p{Lu}[\p{Ll}'’]+(?:-\p{Lu}?[\p{Ll}'’]+)*|\p{Lu}\.(?:\s*\p{Lu}\.)*|\p{Lu}{2,}(?=\s*\())"
NAME_PARTICLE = r"(?:von|van|de|der|la|le|af|du|da|di|el|bin|ibn)"
NAME = rf"(?P<name>{NAME_TOKEN}(?:[ \t]+(?:{NAME_PARTICLE}[ \t]+)?{NAME_TOKEN}){{0,5}})"
POSITIONS = (r"borgmester|viceborgmester|rådmand|formand|næstformand|direktør|kommunaldirektør|"
             r"regionsrådsformand|byrådsmedlem|medlem|sekretær|referent|kontaktperson|tovholder|"
             r"mødeleder|udvalgsformand|afdelingsleder|centerchef|chef|konsulent")
# Titles and roles written before a name.
TITLE = rf"(?i:(?P<title>{POSITIONS})\s+)?"
PARTY = r"(?:\s*\((?P<party>[\p{Lu}]{1,3})\))?"
# The remainder: municipality, role, substitute note, in any order after an optional comma.
ENTRY = regex.compile(rf"^\s*{TITLE}{NAME}{PARTY}\s*(?:[,–-]\s*)?(?P<rest>[^\t]*?)\s*[,;]?\s*$", regex.VERSION1)
ROLE_WORDS = regex.compile(rf"\b(?:{POSITIONS}|suppleant)\b", regex.IGNORECASE)
PAREN = regex.compile(r"\(([^()]*)\)")
# The party letter I read by OCR as a one, an l or a bar: "(1)" right after a name.
OCR_PARTY_I = regex.compile(r"(?<=\p{L}\s?)\((?:1|l|\|)\)")
# "Hanne Lund, (A)": the party written after a comma.
PARTY_AFTER_COMMA = regex.compile(r",\s*\((\p{Lu}{1,3}|Løsgænger)\)")
# The number of an entry of a numbered list of members: "1. ", "12) ".
# "1. næstformand", "2. viceborgmester": the rank of a position.
ORDINAL = regex.compile(r"^\d{1,2}\.\s*")
NUMBERED_ENTRY = regex.compile(r"^\s*\d{1,2}[.)]\s+(?=\p{Lu})")
# Words that are never a person's whole name ("Afbud: Ingen", "Fraværende: Alle").
NOT_NAMES = {"ingen", "intet", "alle", "ingen afbud", "ingen fraværende", "se", "jf", "bemærk", "følgende"}


@dataclass
class Entry:
    name: str
    party: str | None
    municipality: str | None
    role: str
    substitute_for: str | None
    status: str
    line: int | None  # 1-based; None where a meeting system states the list
    position: str | None = None
    said: bool = False  # read from a sentence ("Karen Holm var fraværende"), not from a list
    roster: bool = False  # listed under the body's members ("Medlemmer"), not as who attended


def _alt(words: list[str]) -> str:
    return "|".join(sorted(words, key=len, reverse=True))


def _heading_patterns(profile: Profile) -> dict[str, regex.Pattern]:
    cfg = profile.section("attendance")
    patterns = {}
    for status, key in (("present", "present_headings"), ("absent", "absent_headings"),
                        ("staff", "staff_headings")):
        words = _alt(cfg[key])
        # "Afbud/Fraværende", "Afbud og fravær": one heading of two words of the same kind.
        # the list may follow the heading on its line without a colon: "Mødedeltagere Anne Hansen, Bo Berg"
        patterns[status] = profile.compile(
            rf"^\s*(?P<heading>(?:{words})(?:\s*(?:/|,|og)\s*(?:{words}))*)\s*(?::\s*(?P<rest>.*)|\s(?P<rest>(?-i:\p{{Lu}}\p{{Ll}}).*))?$")
    patterns["block"] = profile.compile(rf"^\s*(?:{_alt(cfg['block_headings'])})\s*:?\s*$")
    return patterns


def is_attendance_heading(line: str, profile: Profile) -> bool:
    """Whether `line` heads a list of people ("Deltagere:", "Fraværende med afbud")."""
    return _heading(line, _heading_patterns(profile)) is not None


def _heading(line: str, patterns: dict[str, regex.Pattern]) -> tuple[str, regex.Match] | None:
    for status in ("present", "absent", "staff"):
        m = patterns[status].match(line)
        if m:
            return status, m
    return None


# A nickname in parentheses inside a name: "Else-Marie (Rie) Balch Sørensen".
NICKNAME = regex.compile(r"(?<=^(?P<before>\p{Lu}[\p{L}-]+))\s+\((?P<nick>\p{Lu}\p{Ll}+)\)\s+(?=\p{Lu}\p{Ll})")
# A position, a semicolon and the name: "Næstformand; Susanne Holm", "kirkeværge; Ken K. Rasmussen".
ROLE_SEMICOLON = regex.compile(r"^(?P<position>\p{L}[\p{L}-]{1,30})\s*;\s*(?P<name>\p{Lu}.*)$")


def _position_first(piece: str) -> regex.Match | None:
    """"kirkeværge; Ken Dam", "Formanden; Bo Dam": one word of a position (lower case, or a role
    word), a semicolon, the name; never "Bo; Eva" (names in a list split by semicolons)."""
    m = ROLE_SEMICOLON.match(piece)
    return m if m and (m["position"].islower() or ROLE_WORDS.fullmatch(regex.sub(r"(?:en|et)$", "", m["position"]))
                       or ROLE_WORDS.fullmatch(m["position"])) else None


def parse_entry(text: str, status: str, line: int, profile: Profile, *, single_names: bool = False) -> Entry | None:
    """One person. A one-word name is taken only with a party or a municipality, or when
    `single_names` (an inline list whose other names decide; see `find_attendance`)."""
    text = strip_bullet(text) if text.lstrip().startswith(("-", "•")) else text.strip()
    text = NUMBERED_ENTRY.sub("", PARTY_AFTER_COMMA.sub(r" (\1)", text), count=1).strip(" ,;")  # "1. Borgmester …"
    held = _position_first(text)  # "kirkeværge; Ken Rasmussen": the position, a semicolon, the name
    if held:
        text = held["name"]
    nick = NICKNAME.search(text)  # "Else-Marie (Rie) Balch Sørensen": a name written with its nickname
    if nick:
        text = text[:nick.start()] + " " + text[nick.end():]
    if not text or len(text) > 160 or regex.search(r"[.!?]\s+\p{Lu}\p{Ll}+\s+\p{Ll}", text):
        return None
    if text.casefold().strip(" .") in NOT_NAMES or text.endswith(":"):
        return None  # "Ingen"; a label of its own ("Bemærk:")
    m = ENTRY.match(text)
    if not m:
        return None
    name, party, rest = collapse(m["name"]), m["party"], m["rest"] or ""
    positions = [m["title"]] if m["title"] else []
    if held:
        positions.insert(0, collapse(held["position"]))
    if nick and name.startswith(nick["before"]):
        name = f"{nick['before']} ({nick['nick']}){name[len(nick['before']):]}"
    represents = None
    if party and _initials(name, party):
        # "Bent Poulsen (BP)", "Varde Kommune Gylling Haahr (GH)": the person's initials, not a
        # party; the words before the name they stand for are whom the person represents
        words = name.split()
        represents, name, party = " ".join(words[:-len(party)]) or None, " ".join(words[-len(party):]), None
    if ABSENT_AFTER.match(rest):
        status, rest = "absent", ""  # "Kurt Jakobsen (KJ) Afbud"
    cue = profile.compile(profile.section("attendance")["substitute_cue"])
    substitute_for = None
    role = "member"
    for paren in PAREN.finditer(rest):
        inner = paren.group(1)
        head, _, tail = inner.partition(",")
        if tail and _initials(name, head.strip()):
            inner = tail  # "(AHD, Referent)": initials, then a role
            words = name.split()
            represents, name = " ".join(words[:-len(head.strip())]) or None, " ".join(words[-len(head.strip()):])
        sub = cue.search(inner)
        if sub:
            substitute_for = collapse(inner[sub.end():]) or None
            role = "substitute"
        elif party is None and regex.fullmatch(r"\p{Lu}{1,3}", inner.strip()):
            party = inner.strip()  # "Name, Municipality (P)": the party written last
        elif ROLE_WORDS.fullmatch(inner.strip()):
            positions.append(inner.strip())  # "(Borgmester)", "(Næstformand)"
    rest = ITEM_RANGE.sub(" ", PAREN.sub(" ", rest))
    sub = cue.search(rest)
    if sub:  # "..., suppleant for X" without parentheses
        substitute_for = substitute_for or collapse(rest[sub.end():]).strip(",. ") or None
        role = "substitute"
        rest = rest[: sub.start()]
    if regex.search(r"\bsuppleant\b", rest, regex.IGNORECASE):
        role = "substitute"
    pieces = [collapse(p).strip(" .-–") for p in rest.split(",")]
    # "…, 1. næstformand- afbud": an ordinal before a position, an absence after it
    for k, p in enumerate(pieces):
        said_absent = regex.search(r"(?:^|[\s\-–]+)(?:afbud|meldt\s+afbud|fraværende)$", p, regex.IGNORECASE)
        glued = regex.search(r"(?<=\p{Ll})afbud$", p)  # "næstformandafbud": "næstformand- afbud" rejoined
        if glued and ROLE_WORDS.fullmatch(ORDINAL.sub("", p[:glued.start()])):
            said_absent = glued
        if said_absent:
            status, p = "absent", p[:said_absent.start()].strip(" .-–")
        pieces[k] = p
    for p in pieces:
        if p and ROLE_WORDS.fullmatch(ORDINAL.sub("", p)):
            positions.append(p)  # "- formand", ", næstformand", ", 1. næstformand"
    pieces = [p for p in pieces if p and not ROLE_WORDS.fullmatch(ORDINAL.sub("", p))]
    municipality = pieces[0] if pieces else None
    if municipality and (regex.search(r"\d", municipality) or len(municipality) > 60):
        return None
    if municipality and not regex.match(r"\p{Lu}", municipality):
        municipality = None  # "Spredte noter fra mødet": a sentence, not a name and a place
    # Without a party, a municipality (after a comma: "Hansen, Gribskov") or a second name part, a line
    # is too weak to be a person ("Pkt. Tekst" is a column heading).
    after_comma = text[m.end("name"):].lstrip().startswith(",")
    if party is None and (municipality is None or not after_comma) and len(name.split()) < 2 and not single_names:
        return None
    if represents and regex.search(r"(?:Kommune|Region\p{L}*)$|^Region\b", represents) and municipality is None:
        municipality, represents = represents, None
    if represents:
        positions.append(represents)
    position = next((p for p in positions if not regex.fullmatch(r"(?i)medlem", p)), None)
    return Entry(name=name, party=party, municipality=municipality, role=role,
                 substitute_for=substitute_for, status=status, line=line, position=position)


# "… (KJ) Afbud": an absence written after the name.
ABSENT_AFTER = regex.compile(r"^\s*(?:afbud|meldt\s+afbud|fraværende|ikke\s+til\s+stede|forhindret)\s*\.?\s*$",
                             regex.IGNORECASE)


def _initials(name: str, letters: str) -> bool:
    """Whether `letters` (two or more capitals, not a party's short form: "SF", "DF") are the
    initials of the last words of `name`."""
    words = name.split()
    return (2 <= len(letters) <= len(words) and letters.isupper() and letters not in _party_forms()
            and "".join(w[0] for w in words[-len(letters):]).upper() == letters)


@functools.cache
def _party_forms() -> frozenset[str]:
    from extractors.gazetteer import load

    return frozenset(f for party in load().parties for f in (*party.forms, party.letter) if len(f) <= 3)


def split_inline(rest: str) -> list[str]:
    """"A (V), B (C) og C" -> entries; a comma after "(P)" may introduce a municipality, kept; a
    comma before the party ("Hanne Lund, (A)") is no separator."""
    rest = PARTY_AFTER_COMMA.sub(r" (\1)", rest)
    paired = regex.split(r"\s*,\s*", rest)
    if sum(1 for p in paired if _position_first(p)) * 2 > len(paired):
        pieces = paired  # "Næstformand; Susanne Holm, kirkeværge; Ken Dam": a position and a name each
    elif ";" in rest:
        pieces = rest.split(";")
    elif regex.search(r"\([\p{Lu}]{1,3}\)", rest):
        # Split only where the next piece is a name with a party: "A (V), Kommune, B (C)".
        # (a list that lost some commas: "Inge Brandt (IA) Knud Dam (IA)" splits after the party)
        pieces = regex.split(r"\s*(?:,|\bog\b|(?<=\([\p{Lu}]{1,3}\))\s)\s*(?!\s*(?i:suppleant|stedfortræder|i\s+stedet)\b)(?=[^,;()]+\([\p{Lu}]{1,3}\))", rest)
    else:
        pieces = regex.split(r"\s*,\s*|\s+(?:og|&)\s+", rest)
    return [p for p in (collapse(x) for x in pieces) if p]


def is_name_list(line: str, profile: Profile) -> bool:
    """Whether a line is nothing but people ("Ole Dahl (V), Mia Kjær", "Ingen"): no sentence."""
    text = line.strip().rstrip(".")
    if not text or len(text) > 300:
        return False
    if text.casefold() in NOT_NAMES:
        return True
    pieces = split_inline(text)
    return bool(pieces) and all(parse_entry(p, "absent", 0, profile, single_names=True) for p in pieces) and not (
        regex.search(r"\b(?:deltager|deltog|er|var|blev|har|kan|skal|vil)\b", text))


def names_in(text: str, profile: Profile) -> list[str]:
    """The people named in a free list ("Torben Martinsen, Lars Thomsen"), as written."""
    out = []
    for piece in split_inline(text):
        entry = parse_entry(piece, "absent", 0, profile, single_names=True)
        if entry is not None:
            out.append(entry.name)
    return out


def entries_in(text: str, status: str, line: int | None, profile: Profile) -> list[Entry]:
    """The people of a free list ("Karen Holm (V) og Ib Berg"), each a full name or with a party."""
    out = []
    for piece in split_inline(text):
        piece = ITEM_RANGE.sub("", piece).strip(" ,.")
        entry = parse_entry(piece, status, line or 0, profile)
        if entry is not None:
            entry.line = line
            out.append(entry)
    return out


def read_sentence(sentence: str, profile: Profile, line: int | None = None) -> tuple[list[Entry], list[Entry]] | None:
    """(absent, substitutes) a sentence records: "Karen Holm og Ib Berg var fraværende.", "Afbud fra
    Ole Dahl.", "Fraværende: Ole Dahl (V) - Mia Kjær (V) mødte som stedfortræder.", "I stedet for Vivi
    Kier deltog Preben Petersen."; None when it records no attendance (or names no one)."""
    found = _read_sentence(sentence, profile, line)
    for entry in (found[0] + found[1]) if found else []:
        entry.said = True
    return found


def _read_sentence(sentence: str, profile: Profile, line: int | None) -> tuple[list[Entry], list[Entry]] | None:
    text = collapse(sentence).strip()
    label = regex.match(r"^(?P<label>[\p{L} ]{2,25}):\s*(?P<rest>\S.*)$", text)
    candidates = [text] + ([label["rest"]] if label else [])
    for candidate in candidates:
        pieces = regex.split(r"\s+[-–]\s+", candidate)
        said = _substitutes(pieces[-1], profile, line) if len(pieces) > 1 else None
        if said is not None:  # "Ole Dahl (V) - Mia Kjær (V) mødte som stedfortræder"
            absent = _absent(" - ".join(pieces[:-1]), profile, line) or entries_in(
                " ".join(pieces[:-1]), "absent", line, profile)
            for sub in said[1]:
                sub.substitute_for = sub.substitute_for or (absent[0].name if len(absent) == 1 else None)
            return absent + said[0], said[1]
        said = _substitutes(candidate, profile, line)
        if said is not None:
            return said
        absent = _absent(candidate, profile, line)
        if absent:
            return absent, []
    return None


def read_sentences(text: str, profile: Profile, line: int | None = None) -> tuple[list[Entry], list[Entry], list[str]]:
    """(absent, substitutes, the sentences that record no attendance) of a paragraph, in order; a
    substitute named without whom he replaced ("Jacob Ejs (A) var fraværende. Som stedfortræder
    deltog Helle Obenhausen (A)") replaces the one absentee of the sentence before."""
    absent: list[Entry] = []
    substitutes: list[Entry] = []
    rest: list[str] = []
    before: list[Entry] = []
    clauses = [c for sentence in (sentences(text) if len(text) <= 5000 else [text]) for c in _clauses(sentence)]
    for sentence in clauses:
        said = read_sentence(sentence, profile, line)
        if said is None:
            rest.append(sentence)
            before = []
            continue
        for sub in said[1]:
            if sub.substitute_for is None and len(before) == 1:
                sub.substitute_for = before[0].name
        absent.extend(said[0])
        substitutes.extend(said[1])
        before = said[0]
    return absent, substitutes, rest


# "A deltog som stedfortræder for B og C deltog som stedfortræder for D": two clauses.
CLAUSE = regex.compile(r"\s+og\s+(?=(?:\p{Lu}[\p{Ll}'’.-]+\s+){1,4}(?:\(\p{Lu}{1,3}\)\s+)?(?:deltog|mødte|var|deltager|møder)\b)")
def _clauses(sentence: str) -> list[str]:
    """A sentence of two attendance clauses joined by "og", each with its verb, as two; "Karen Holm og
    Ib Berg var fraværende" is one clause."""
    for m in CLAUSE.finditer(sentence):
        if VERB.search(sentence[:m.start()]):
            return [sentence[:m.start()], *_clauses(sentence[m.end():])]
    return [sentence]


VERB = regex.compile(r"\b(?:deltog|deltager|mødte|møder|var|er)\b")
# "Britt Jensen (A), sag 129-138", "(pkt. 3-5)": the items an absence covers, not part of the name.
ITEM_RANGE = regex.compile(r"\(?\b(?:sag(?:erne)?|punkt(?:erne)?|pkt\.?)\s*(?:nr\.?\s*)?\d[\d\s,.\-–og]*\)?", regex.IGNORECASE)


def _absent(text: str, profile: Profile, line: int | None) -> list[Entry]:
    for pattern in profile.section("attendance")["absence_sentences"]:
        m = profile.compile(pattern).match(text)
        if m:
            return entries_in(m["names"], "absent", line, profile)
    return []


def _substitutes(text: str, profile: Profile, line: int | None) -> tuple[list[Entry], list[Entry]] | None:
    for pattern in profile.section("attendance")["substitute_sentences"]:
        m = profile.compile(pattern).match(text.strip())
        if not m:
            continue
        subs = entries_in(m["sub"], "present", line, profile)
        if not subs:
            continue
        replaced = entries_in(m["for"], "absent", line, profile) if m.groupdict().get("for") else []
        for sub in subs:
            sub.role = "substitute"
            sub.substitute_for = replaced[0].name if len(replaced) == 1 else sub.substitute_for
        return replaced, subs
    return None


def find_attendance(lines: list[str], profile: Profile, skip: set[int]) -> tuple[list[Entry], set[int]]:
    """All attendance entries in `lines`, and the 0-based lines they used (heading lines too)."""
    patterns = _heading_patterns(profile)
    roster_headings = set(profile.section("attendance").get("roster_headings", []))
    document = profile.section("document")
    title_word = profile.compile(rf"\b(?:{'|'.join(document['minutes_titles'] + document['agenda_titles'])})\b")
    entries: list[Entry] = []
    used: set[int] = set()
    index = 0
    while index < len(lines):
        if index in skip:
            index += 1
            continue
        line = _cells(lines[index])
        found = _heading(line, patterns)
        if found is None:
            if patterns["block"].match(line):
                used.add(index)
            elif len(line) <= 2000:  # attendance in sentences: "Afbud fra Ole Dahl. I stedet mødte Mia Kjær."
                absent, substitutes, _ = read_sentences(line, profile, index + 1)
                entries.extend(absent + substitutes)
                if not absent and not substitutes:
                    entries.extend(_named_list(line, index + 1, profile))
            index += 1
            continue
        status, m = found
        used.add(index)
        position = collapse(m["heading"]) if status == "staff" else None
        inline = (m.groupdict().get("rest") or "").strip()
        listed: list[Entry] = []
        if inline:
            for piece in split_inline(inline):
                entry = parse_entry(piece, status, index + 1, profile, single_names=True)
                if entry:
                    listed.append(entry)
        index += 1
        # The list goes on below the heading (or below its first entry, "Deltagere: Jeppe Kirkegaard").
        while index < len(lines):
            text = _cells(lines[index])
            if not text.strip():
                index += 1
                continue
            if _heading(text, patterns) or patterns["block"].match(text) or index in skip or title_word.search(text):
                break  # (a table's header row, "Mødepunkt Referat", ends the list)
            told = sentences(text) if ". " in text and len(text) <= 300 else []
            came = read_sentences(" ".join(told[1:]), profile, index + 1)[1] if len(told) >= 2 else []
            if came and (named := parse_entry(told[0].rstrip("."), status, index + 1, profile)):
                # "Elin Holm. I stedet deltog Ruth Berg.": the person listed, and who came in their place
                for sub in came:
                    sub.substitute_for = sub.substitute_for or named.name
                found_here = [named, *came]
            elif "," in text:  # "A (V), B (C)" or "Anne Hansen, Bo Berg og Carl Dam"
                found_here = [parse_entry(p, status, index + 1, profile) for p in split_inline(text)]
                if not found_here or not all(found_here):
                    # one person and what they are: "Peter Jacobsen (O), 1. næstformand - afbud"
                    found_here = [parse_entry(text, status, index + 1, profile)]
                    if found_here[0] is None:
                        break
            else:
                found_here = [parse_entry(text, status, index + 1, profile)]
                if found_here[0] is None:
                    break
            listed.extend(found_here)
            used.add(index)
            index += 1
        if status == "present" and collapse(m["heading"]).casefold().rstrip(":") in roster_headings:
            for entry in listed:
                entry.roster = True
        if status == "staff":  # secretaries and officials: there, but not members
            for entry in listed:
                entry.role, entry.status, entry.position = "staff", "present", entry.position or position
        entries.extend(listed)
    return entries, used


def _cells(line: str) -> str:
    """A line of a page's table without its cell borders: "Deltagere: |" -> "Deltagere:"; the party
    letter I as OCR reads it after a name ("Bent Holm (1)") as I."""
    line = OCR_PARTY_I.sub("(I)", line)
    if "|" not in line:
        return line
    return "" if regex.fullmatch(r"[\s|:+-]*", line) else regex.sub(r"\s*\|\s*", " ", line).strip()


# "Bestyrelsen: Ivan Hansen, Per Hovmand og Ulf Barlyng": a label over a list of people.
NAMED_LIST = regex.compile(r"^\s*(?P<label>\p{Lu}[\p{L} ]{2,30}):\s*(?P<rest>\S.*)$")
GUESTS = regex.compile(r"\b(?:gæst|gæster|oplægsholder|oplægsholdere|inviterede)\b", regex.IGNORECASE)


def _named_list(line: str, number: int, profile: Profile) -> list[Entry]:
    """The people a label lists ("Bestyrelsen: A, B og C"), at least two full names and nothing else
    on the line; present members, or there as staff when the label says guests."""
    m = NAMED_LIST.match(line)
    if not m or len(line) > 1000:
        return []
    pieces = split_inline(m["rest"])
    found = [parse_entry(p, "present", number, profile) for p in pieces]
    if len(found) < 2 or not all(found):
        return []
    if GUESTS.search(m["label"]):
        for e in found:
            e.role, e.position = "staff", collapse(m["label"])
    return found


def settle(entries: list[Entry]) -> list[Entry]:
    """Members also listed as absent are absent; a one-word name stands for the listed person it
    begins (`Afbud: Tilde` for `Tilde Ølholm`), and is dropped when it matches no one or several.
    What a sentence says of someone a list already has in the same standing adds to that entry (a
    party, whom a substitute replaced) instead of listing the person twice."""
    merged: list[Entry] = []
    for e in entries:
        same = next((m for m in merged if e.said and m.status == e.status and _same_person(e.name, m.name)
                     or m.said and m.status == e.status and _same_person(m.name, e.name)), None)
        if same is None:
            merged.append(e)
            continue
        if same.said and not e.said:  # the list's entry is the person's; keep what the sentence added
            e.substitute_for = e.substitute_for or same.substitute_for
            e.role = "substitute" if same.role == "substitute" else e.role
            merged[merged.index(same)] = e
            continue
        same.party = same.party or e.party
        same.substitute_for = same.substitute_for or e.substitute_for
        if e.role == "substitute":
            same.role = "substitute"
    entries = merged
    # The body's members listed beside a list of who attended ("Medlemmer" / … / "Tilstede: …"): the
    # roster says who sits on the body, the other list who came; a member on no other list is left out.
    if any(e.roster for e in entries) and any(not e.roster and not e.said and e.status == "present"
                                               and e.role != "staff" for e in entries):
        others = [e for e in entries if not e.roster]
        entries = others + [e for e in entries if e.roster and e.status == "absent"]
    present = [e for e in entries if e.status == "present" and e.role != "staff"]
    absent = [e for e in entries if e.status == "absent"]
    kept: list[Entry] = []
    # A body whose lists name everyone by first name alone ("Mødedeltagere: Gretel, Vita, Claus" /
    # "Afbud: Ejner"): those are its people.
    first_names_only = len(entries) >= 2 and all(
        len(e.name.split()) == 1 and regex.fullmatch(r"\p{Lu}\p{Ll}+(?:-\p{Lu}\p{Ll}+)?", e.name) for e in entries)
    for e in entries:
        if len(e.name.split()) == 1 and e.party is None and e.municipality is None and not first_names_only:
            others = [p for p in entries if p is not e and len(p.name.split()) > 1
                      and p.name.split()[0].casefold() == e.name.casefold()]
            if len(others) != 1:
                continue  # a single word that names no one on the lists is not a person
        kept.append(e)
    drop = set()
    for a in absent:
        for p in present:
            if _same_person(a.name, p.name):
                drop.add(id(p))
    return [e for e in kept if id(e) not in drop]


def _same_person(absent_name: str, listed: str) -> bool:
    a, b = absent_name.casefold().split(), listed.casefold().split()
    if a == b:
        return True
    return len(a) == 1 and b[0] == a[0]
