"""Meeting metadata: body, date, start and end time, place, and the next meeting."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

import regex

from extractors import dates
from extractors.profile import Profile
from extractors.text import collapse, sentences

# "Label: value" at the start of a line; the label is checked against the profile's lists.
LABEL_LINE = regex.compile(r"^\s*(?P<label>[\p{L} ]{2,25}?)\s*[:.]\s*(?P<value>\S.*)$")
# Short words kept in capitals when a body name written in capitals is re-cased: KKR, KL.
ACRONYM = regex.compile(r"^[\p{Lu}]{2,4}$")


@dataclass
class Header:
    body: str | None = None
    date: dt.date | None = None
    start_time: str | None = None
    end_time: str | None = None
    place: str | None = None
    authority: str | None = None
    date_line: int | None = None


def _label_lines(lines: list[str], labels: list[str]) -> list[tuple[int, str]]:
    wanted = {label.lower() for label in labels}
    found = []
    for index, line in enumerate(lines):
        m = LABEL_LINE.match(line)
        if m and m["label"].strip().lower() in wanted:
            found.append((index, m["value"].strip()))
    return found


def _recase(name: str, full_text: str) -> str:
    """A body written in capitals ("KKR HOVEDSTADEN") takes the casing the document uses most."""
    if not name.isupper():
        return name
    variants = Counter(
        m.group(0) for m in regex.finditer(regex.escape(name), full_text, regex.IGNORECASE)
        if not m.group(0).isupper()
    )
    if variants:
        return variants.most_common(1)[0][0]
    return " ".join(w if ACRONYM.match(w) and len(w) <= 3 else w.capitalize() for w in name.split())


def find_body(lines: list[str], profile: Profile, full_text: str) -> str | None:
    patterns = [profile.compile(p, regex.VERSION1) for p in profile.section("header")["body_patterns"]]
    best: tuple[int, int, str] | None = None  # (-standalone, line index, name)
    for index, line in enumerate(lines):
        stripped = collapse(line)
        for pattern in patterns:
            for m in pattern.finditer(stripped):
                name = m.group(0).strip()
                # A line that is only the body's name beats a mention inside a sentence.
                rank = (0 if len(name) >= len(stripped) - 1 else 1, index)
                if best is None or rank < best[:2]:
                    best = (*rank, name)
    return _recase(best[2], full_text) if best else None


def find_header(lines: list[str], profile: Profile, full_text: str) -> Header:
    """Read the header from `lines` (the part of the document before attendance and items)."""
    cfg = profile.section("header")
    header = Header(body=find_body(lines, profile, full_text))
    for index, value in _label_lines(lines, cfg["date_labels"]):
        date = dates.first_date(value)
        if date and header.date is None:
            header.date, header.date_line = date, index + 1
        times = dates.times_after_dates(value)
        rng = dates.CLOCK_RANGE.search(_without_dates(value))
        if rng and header.start_time is None:
            header.start_time = dates.hhmm(rng["h1"], rng["m1"])
            header.end_time = dates.hhmm(rng["h2"], rng["m2"])
        elif times and header.start_time is None:
            header.start_time = times[0]
    if header.date is None:  # no labelled date: the first date near the top ("Mandag den 3. marts 2025")
        for index, line in enumerate(lines[:40]):
            date = dates.first_date(line)
            if date:
                header.date, header.date_line = date, index + 1
                times = dates.times_after_dates(line)
                header.start_time = header.start_time or (times[0] if times else None)
                break
    for labels, attr in ((cfg["start_labels"], "start_time"), (cfg["end_labels"], "end_time")):
        for _, value in _label_lines(lines, labels):
            times = dates.find_times(value)
            if times and getattr(header, attr) is None:
                setattr(header, attr, times[0])
    places = _label_lines(lines, cfg["place_labels"])
    if places:
        header.place = places[0][1]
    header.authority = find_authority(lines, profile, header.body)
    return header


def find_authority(lines: list[str], profile: Profile, body: str | None) -> str | None:
    """A header line naming a municipality or region ("Gribskov Kommune"), unless the body's name
    already carries it ("Byrådet i Aarhus", "KKR Hovedstaden")."""
    pattern = profile.compile(profile.section("header")["authority_pattern"], regex.VERSION1)
    for line in lines[:40]:
        m = pattern.match(line)
        if not m:
            continue
        authority = collapse(m.group(0))
        place = regex.sub(r"\s*(?:Regionskommune|Kommune)$|^Region\s+", "", authority)
        if body and place.casefold() in body.casefold():
            return None
        return authority
    return None


def _without_dates(text: str) -> str:
    for start, end, _ in reversed(dates.find_dates(text)):
        text = text[:start] + " " * (end - start) + text[end:]
    return text


@dataclass
class NextMeetingInfo:
    date: dt.date | None
    start_time: str | None
    end_time: str | None
    text: str
    line: int


def find_next_meeting(lines: list[str], profile: Profile, meeting_date: dt.date | None) -> NextMeetingInfo | None:
    cue = profile.compile(profile.section("header")["next_meeting_cue"])
    for index, line in enumerate(lines):
        if not cue.search(line):
            continue
        for sentence in sentences(line):
            if not cue.search(sentence):
                continue
            found = dates.find_dates(sentence)
            date = next((d for _, _, d in found if meeting_date is None or d > meeting_date), None)
            if date is None:
                continue
            rest = _without_dates(sentence)
            rng = dates.CLOCK_RANGE.search(rest)
            if rng:
                start, end = dates.hhmm(rng["h1"], rng["m1"]), dates.hhmm(rng["h2"], rng["m2"])
            else:
                times = dates.find_times(rest)
                start, end = (times[0] if times else None), None
            return NextMeetingInfo(date=date, start_time=start, end_time=end, text=sentence, line=index + 1)
    return None
