"""Danish dates and clock times as written in minutes."""

from __future__ import annotations

import datetime as dt

import regex

MONTH_NAMES = {
    "januar": 1, "februar": 2, "marts": 3, "april": 4, "maj": 5, "juni": 6, "juli": 7, "august": 8,
    "september": 9, "oktober": 10, "november": 11, "december": 12,
}
# Short forms, written with or without a full stop ("jan.", "sept").
MONTH_SHORT = {"jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9,
               "okt": 10, "nov": 11, "dec": 12}
# English month names, as web CMSs render dates ("Onsdag, March 4, 2026 - 17:30").
MONTH_ENGLISH = {"january": 1, "february": 2, "march": 3, "may": 5, "june": 6, "july": 7, "october": 10}
MONTHS = {**MONTH_NAMES, **MONTH_SHORT, **MONTH_ENGLISH}
_MONTH_ALT = "|".join(sorted(MONTHS, key=len, reverse=True))
MONTH_ALTERNATION = _MONTH_ALT  # every month name and short form, longest first, for other patterns

# 16-06-2026, 16.06.2026, 16/6 2026, 2026-06-16, "12. marts 2025", "12 marts 2025".
NUMERIC_DATE = regex.compile(r"(?<!\d)(?P<d>\d{1,2})[-./](?P<m>\d{1,2})[-./ ](?P<y>\d{4})(?!\d)")
ISO_DATE = regex.compile(r"(?<!\d)(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})(?!\d)")
# "12. marts 2025", "14 marts, 2019", "9.juni 2022"; and the English order "March 4, 2026".
WORD_DATE = regex.compile(rf"(?<!\d)(?P<d>\d{{1,2}})\.?\s*(?P<month>{_MONTH_ALT})\b\.?,?\s+(?P<y>\d{{4}})(?!\d)",
                          regex.IGNORECASE)
MONTH_FIRST_DATE = regex.compile(rf"\b(?P<month>{_MONTH_ALT})\.?\s+(?P<d>\d{{1,2}}),?\s+(?P<y>\d{{4}})(?!\d)",
                                 regex.IGNORECASE)
# 10:00, 10.00, 18:00:00, kl. 9, kl. 17.30 - only where it reads as a clock time.
CLOCK = regex.compile(r"(?:\bkl\.?\s*(?P<h1>\d{1,2})(?:[.:](?P<m1>\d{2}))?\b|(?<![\d.,:-])(?P<h2>\d{1,2})[:.](?P<m2>\d{2})(?::\d{2}(?!\d))?(?!\d)(?![.,:]\d))", regex.IGNORECASE)
# A clock range: "10.00-12.00", "fra kl. 10.00 til kl. 12.00", "17:00 - 19:30".
CLOCK_RANGE = regex.compile(
    r"(?:fra\s+)?(?:kl\.?\s*)?(?P<h1>\d{1,2})(?:[.:](?P<m1>\d{2}))?\s*(?:-|–|til)\s*(?:kl\.?\s*)?(?P<h2>\d{1,2})(?:[.:](?P<m2>\d{2}))?(?!\d)(?![.,]\d)",
    regex.IGNORECASE,
)


# A clock time with AM/PM right after a date: the date is written the American way.
US_CLOCK = regex.compile(r"\s+\d{1,2}:\d{2}(?::\d{2})?\s*[AP]M\b", regex.IGNORECASE)


def _make_date(year: str, month: int, day: str) -> dt.date | None:
    try:
        return dt.date(int(year), month, int(day))
    except ValueError:
        return None


def find_dates(text: str) -> list[tuple[int, int, dt.date]]:
    """All dates in `text` as (start, end, date), in order of appearance."""
    found: list[tuple[int, int, dt.date]] = []
    for pattern in (ISO_DATE, NUMERIC_DATE):
        for m in pattern.finditer(text):
            day, month = m["d"], int(m["m"])
            if pattern is NUMERIC_DATE and "/" in m.group(0) and US_CLOCK.match(text, m.end()):
                day, month = m["m"], int(m["d"])  # "9/11/2019 3:00:00 PM": an American month first
            date = _make_date(m["y"], month, day)
            if date:
                found.append((m.start(), m.end(), date))
    for pattern in (WORD_DATE, MONTH_FIRST_DATE):
        for m in pattern.finditer(text):
            date = _make_date(m["y"], MONTHS[m["month"].lower()], m["d"])
            if date:
                found.append((m.start(), m.end(), date))
    found.sort()
    # Drop overlaps (an ISO date also matches the numeric pattern in part).
    result: list[tuple[int, int, dt.date]] = []
    for item in found:
        if not result or item[0] >= result[-1][1]:
            result.append(item)
    return result


def first_date(text: str) -> dt.date | None:
    dates = find_dates(text)
    return dates[0][2] if dates else None


def hhmm(hour: str, minute: str | None) -> str | None:
    h, m = int(hour), int(minute or 0)
    if 0 <= h <= 24 and 0 <= m < 60:
        return f"{h:02d}:{m:02d}"
    return None


def find_times(text: str, *, skip_spans: list[tuple[int, int]] = ()) -> list[str]:
    """Clock times in `text`, in order, ignoring those inside `skip_spans` (dates)."""
    times: list[str] = []
    for m in CLOCK.finditer(text):
        if any(a <= m.start() < b for a, b in skip_spans):
            continue
        value = hhmm(m["h1"], m["m1"]) if m["h1"] else hhmm(m["h2"], m["m2"])
        if value:
            times.append(value)
    return times


def times_after_dates(text: str) -> list[str]:
    spans = [(a, b) for a, b, _ in find_dates(text)]
    return find_times(text, skip_spans=spans)
