"""Small readers shared by the loaders of meeting systems: names as a system writes them, dates and
times of its fields, and the decisions a decision field keeps from earlier meetings.

These read values (the text of one element), never markup.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

import regex

from extractors import dates
from extractors.header import nominative
from extractors.structure import StatedDecision

# "Doris Børger (A)": a party's letters in parentheses after a name.
NAME_PARTY = regex.compile(r"^(?P<name>.*?\S)\s*\((?P<party>[\p{Lu}]{1,3})\)\s*$")
# "Forretningsudvalgets beslutning", "REGIONSRÅDETS BESLUTNING": the deciding body of a field.
DECISION_CAPTION = regex.compile(r"^(?P<body>.+?)\s+beslutning\s*:?\s*$", regex.IGNORECASE)
# Short words that stay in lower case when a name written in capitals is re-cased.
SMALL_WORDS = {"og", "i", "for", "af", "til", "om", "med", "på", "under", "samt"}
ACRONYM = regex.compile(r"^\p{Lu}{2,3}$")
# Placeholders systems put in empty fields.
EMPTY_PLACEHOLDERS = {"tomt indhold"}


def name_and_party(written: str) -> tuple[str, str | None]:
    """("Doris Børger", "A") from "Doris Børger (A)"; the name alone where no party is written."""
    written = " ".join(written.split())
    m = NAME_PARTY.match(written)
    return (m["name"], m["party"]) if m else (written, None)


def recase(name: str, text: str = "") -> str:
    """A name written in capitals ("FORRETNINGSUDVALGET") as the text writes it where it does
    ("Forretningsudvalget"), else in sentence case with short acronyms kept ("KKR")."""
    if not name or not name.isupper():
        return name
    variants = Counter(m.group(0) for m in regex.finditer(rf"(?<!\p{{L}}){regex.escape(name)}(?!\p{{L}})", text,
                                                         regex.IGNORECASE)
                       if not m.group(0).isupper())
    if variants:
        return variants.most_common(1)[0][0]
    words = name.split()
    out = []
    for index, word in enumerate(words):
        if ACRONYM.match(word) and word.lower() not in SMALL_WORDS:
            out.append(word)
        elif index == 0:
            out.append(word[:1] + word[1:].lower())
        else:
            out.append(word.lower())
    return " ".join(out)


def caption_body(caption: str, text: str = "") -> str | None:
    """The body a decision field names ("REGIONSRÅDETS BESLUTNING" → "Regionsrådet"); None for
    a plain "Beslutning"."""
    m = DECISION_CAPTION.match(" ".join(caption.split()))
    if not m:
        return None
    return recase(nominative(m["body"].strip()), text)


def parse_datetime(value: str) -> tuple[dt.date | None, str | None]:
    """A date and a clock time ("HH:MM", None for midnight, which systems write for no time)
    from how meeting systems write them: "15-05-2013 16:30:00", "2025-10-08T16:00:00",
    "onsdag den 8. oktober 2025 kl. 16.00"."""
    value = " ".join((value or "").split())
    if not value:
        return None, None
    if "T" in value[8:12]:  # ISO with seconds' fractions or a zone: "2025-10-08T16:00:00.000+02:00"
        value = value[:19]
    for fmt in ("%d-%m-%Y %H:%M:%S", "%d-%m-%Y %H:%M", "%d-%m-%Y", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M",
                "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M",
                "%d.%m.%Y", "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y"):
        try:
            moment = dt.datetime.strptime(value, fmt)
        except ValueError:
            continue
        time = moment.strftime("%H:%M") if "%H" in fmt else None
        return moment.date(), (None if time == "00:00" else time)
    date = dates.first_date(value)
    times = dates.times_after_dates(value)
    return date, (times[0] if times else None)


def is_placeholder(lines: list[str]) -> bool:
    """A field that holds only a system's placeholder for no content ("Tomt indhold")."""
    return len(lines) == 1 and lines[0].strip().rstrip(".").casefold() in EMPTY_PLACEHOLDERS


def dated_label(line: str) -> tuple[dt.date, str] | None:
    """(date, the rest of the line) where a line opens with a date and a colon: "18. september
    2012: Sagen udsat …" (a decision field that keeps every meeting's decision, each under its
    date)."""
    found = dates.find_dates(line)
    if not found or found[0][0] > 0 and line[:found[0][0]].strip():
        return None
    _, end, date = found[0]
    rest = line[end:].lstrip()
    if not rest.startswith(":"):
        return None
    return date, rest[1:].strip()


def split_dated(lines: list[str]) -> list[tuple[dt.date | None, str, list[str]]] | None:
    """The entries of a decision field written per meeting date: (date, label, lines), the lines
    before the first date undated. None where no line opens with a date and a colon."""
    entries: list[tuple[dt.date | None, str, list[str]]] = []
    current: tuple[dt.date | None, str, list[str]] = (None, "", [])
    for line in lines:
        labelled = dated_label(line)
        if labelled:
            if current[2] or current[0] is not None:
                entries.append(current)
            date, rest = labelled
            label = line[:len(line) - len(rest)].rstrip().rstrip(":").strip() if rest else line.rstrip().rstrip(":")
            current = (date, label, [line])
        else:
            current[2].append(line)
    if current[2] or current[0] is not None:
        entries.append(current)
    if not any(date for date, _, _ in entries):
        return None
    return entries


def earlier_decisions(caption: str, lines: list[str], meeting_date: dt.date | None, body: str | None,
                      text: str = "") -> tuple[list[StatedDecision], list[str]]:
    """Split a decision field that keeps each meeting's decision under its date: the decisions
    of meetings before this one (earlier treatment, with the body the caption names, else this
    body) and the lines that stay this meeting's (an entry with only its date is no decision)."""
    entries = split_dated(lines)
    if entries is None or meeting_date is None:
        return [], lines
    by = caption_body(caption, text) or body
    history: list[StatedDecision] = []
    kept: list[str] = []
    for date, label, entry in entries:
        body_lines = entry[1:] if date else entry
        first_rest = dated_label(entry[0])[1] if date else ""
        content = [t for t in ([first_rest] if first_rest else []) + body_lines if t.strip()]
        if date is not None and date < meeting_date:
            if content:
                history.append(StatedDecision(by=by, date=date, text="\n".join(content),
                                              heading=f"{' '.join(caption.split())} {label}".strip()))
        elif content:
            kept.extend(entry)
    return history, kept
