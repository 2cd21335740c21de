"""Danish numbers, money, percentages and dates as written in minutes, to values.

Pure functions of strings; the spaCy components decide *where* these are, this module decides
*what they mean*.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

from extractors.dates import MONTH_NAMES, MONTH_SHORT

# Month words as the tokenizer yields them: full names, and short forms with their full stop.
MONTHS = {**MONTH_NAMES, **{f"{short}.": month for short, month in MONTH_SHORT.items()}}
MONTH_WORDS = sorted(MONTHS)

SCALES = {
    "mio.": 1e6, "mio": 1e6, "million": 1e6, "millioner": 1e6, "mill.": 1e6,
    "mia.": 1e9, "mia": 1e9, "milliard": 1e9, "milliarder": 1e9,
    "t.": 1e3, "tusind": 1e3, "tus.": 1e3, "tkr.": 1e3, "t.kr.": 1e3, "mio.kr.": 1e6, "mia.kr.": 1e9,
}
# Seasons as month ranges (first month, last month; a winter runs into the next year).
SEASONS = {"foråret": (3, 5), "sommeren": (6, 8), "efteråret": (9, 11), "vinteren": (12, 2)}
# primo/medio/ultimo: of a year, the first/middle/last four months; of a month, days 1-10/11-20/21-.
PHASES = ("primo", "medio", "ultimo")
# The same phases of a year in words: "ved udgangen af 2013", "i starten af 2027", "ved årets udgang
# 2011" (the rules find them only before a year; "slutningen af august 2025" is August).
PHASE_NOUNS = {"starten": "primo", "begyndelsen": "primo", "midten": "medio", "slutningen": "ultimo",
               "udgangen": "ultimo"}
YEAR_PHASE_NOUNS = {"start": "primo", "begyndelse": "primo", "midte": "medio", "slutning": "ultimo",
                    "udgang": "ultimo"}  # after "årets"
_PHASE_WORDS = re.compile(
    r"^(?:(%s) af (?:året )?|årets (%s) )" % ("|".join(PHASE_NOUNS), "|".join(YEAR_PHASE_NOUNS)))

_NUMBER = re.compile(r"^[+-]?\d{1,3}(?:\.\d{3})+(?:,\d+)?$|^[+-]?\d+(?:,\d+)?$")


def parse_number(text: str) -> float | None:
    """'1.363' -> 1363, '4,6' -> 4.6, '0,59' -> 0.59, '+11' -> 11, '1.' -> 1 (a stray period)."""
    t = text.strip().rstrip(".") if re.fullmatch(r"[+-]?\d+\.", text.strip()) else text.strip()
    if not _NUMBER.match(t):
        return None
    return float(t.lstrip("+").replace(".", "").replace(",", "."))


# A unit price per span of time: "64 kr. i døgnet", "350 kr. pr. time", "120 kr. om måneden".
PER_TIME = {"døgnet": "døgn", "døgn": "døgn", "timen": "time", "time": "time", "dagen": "dag", "dag": "dag",
            "ugen": "uge", "uge": "uge", "måneden": "måned", "måned": "måned", "md": "måned", "mdr": "måned"}
PER_TIME_DEFINITE = {w for w in PER_TIME if w.endswith(("et", "en"))}  # "i døgnet", "om måneden"
# Per year is a yearly amount, no unit price: "2,59 mio. kr. årligt", "1 mio. kr. om året", "pr. år".
PER_YEAR = {"år", "året", "årligt"}


def _per(word: str) -> str | None:
    w = word.lower().rstrip(".")
    if w in PER_YEAR:
        return None
    return PER_TIME.get(w, w)


def parse_money(text: str) -> dict:
    """'4,6 mio. kr.' -> amount 4600000, value 4.6, unit 'mio. kr.'; '0,59 kr./indbygger' -> per
    inhabitant; '64 kr. i døgnet' -> 'kr./døgn'; an amount per year is a plain amount."""
    tokens = re.findall(r"[+-]?\d[\d.,]*\d|\d|[^\s\d/]+|/", text)
    value = None
    scale = 1.0
    scale_word = None
    per = None
    for i, tok in enumerate(tokens):
        low = tok.lower()
        if value is None and re.match(r"[+-]?\d", tok):
            value = parse_number(tok) if parse_number(tok) is not None else parse_number(tok + ".")
            if value is None:
                value = parse_number(tok.rstrip("."))
        elif low in SCALES:
            scale = SCALES[low]
            scale_word = low
        elif tok == "/" and i + 1 < len(tokens):
            per = _per(tokens[i + 1])
        elif low in ("pr.", "per") and i + 1 < len(tokens):
            per = _per(tokens[i + 1])
        elif low in ("i", "om") and i + 1 < len(tokens) and tokens[i + 1].lower() in PER_TIME_DEFINITE:
            per = _per(tokens[i + 1])
    if value is None:
        return {}
    unit = "kr."
    if scale_word:
        unit = {1e3: "t. kr.", 1e6: "mio. kr.", 1e9: "mia. kr."}[scale]
    if per:
        unit = f"{unit}/{per}"
    return {"value": value, "amount_dkk": round(value * scale, 6), "unit": unit}


def parse_percent(text: str) -> dict:
    m = re.search(r"[+-]?\d[\d.,]*", text)
    value = parse_number(m.group(0).rstrip(".")) if m else None
    if value is None:
        return {}
    return {"value": value, "unit": "pct."}


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def parse_date(text: str, reference: dt.date | None = None) -> dict:
    """A Danish date expression to {'date'} or {'period_start', 'period_end'}; {} if not a date.

    reference gives the year when the text has none ('den 4. september' in minutes of 2026).
    """
    t = re.sub(r"\s+", " ", text.strip()).lower()
    t = re.sub(r"^den ", "", t)
    m = _PHASE_WORDS.match(t)
    if m:  # "udgangen af 2013" is "ultimo 2013"
        phase = PHASE_NOUNS[m[1]] if m[1] else YEAR_PHASE_NOUNS[m[2]]
        t = f"{phase} {t[m.end():]}"
    # 16-06-2026, 16.06.2026, 16/6/2026
    m = re.fullmatch(r"(\d{1,2})[-./](\d{1,2})[-./]((?:19|20)\d\d)", t)
    if m:
        try:
            return {"date": dt.date(int(m[3]), int(m[2]), int(m[1]))}
        except ValueError:
            return {}
    # 2026-06-16
    m = re.fullmatch(r"((?:19|20)\d\d)-(\d{2})-(\d{2})", t)
    if m:
        try:
            return {"date": dt.date(int(m[1]), int(m[2]), int(m[3]))}
        except ValueError:
            return {}
    # 4. september 2026 / 4. september
    m = re.fullmatch(r"(\d{1,2})\.? ([a-zæøå.]+)(?: ((?:19|20)\d\d))?", t)
    if m and m[2] in MONTHS:
        year = int(m[3]) if m[3] else (reference.year if reference else None)
        if year is None:
            return {}
        try:
            return {"date": dt.date(year, MONTHS[m[2]], int(m[1]))}
        except ValueError:
            return {}
    # 4/9 2026, 4/9-26, 4/9 (year from the reference)
    m = re.fullmatch(r"(\d{1,2})/(\d{1,2})(?:[- ]((?:19|20)?\d\d))?", t)
    if m:
        if m[3]:
            year = int(m[3]) if len(m[3]) == 4 else 2000 + int(m[3])
        elif reference:
            year = reference.year
        else:
            return {}
        try:
            return {"date": dt.date(year, int(m[2]), int(m[1]))}
        except ValueError:
            return {}
    # 2026-2030, 2021-25
    m = re.fullmatch(r"((?:19|20)\d\d) ?[-–] ?((?:19|20)?\d\d)", t)
    if m:
        a = int(m[1])
        b = int(m[2]) if len(m[2]) == 4 else (a // 100) * 100 + int(m[2])
        if b > a:
            return {"period_start": dt.date(a, 1, 1), "period_end": dt.date(b, 12, 31)}
        return {}
    # primo/medio/ultimo [month] year
    m = re.fullmatch(r"(primo|medio|ultimo) (?:([a-zæøå.]+) )?((?:19|20)\d\d)", t)
    if m and (m[2] is None or m[2] in MONTHS):
        year = int(m[3])
        if m[2] is None:
            first, last = {"primo": (1, 4), "medio": (5, 8), "ultimo": (9, 12)}[m[1]]
            return {"period_start": dt.date(year, first, 1), "period_end": _month_end(year, last)}
        month = MONTHS[m[2]]
        end = _month_end(year, month).day
        days = {"primo": (1, 10), "medio": (11, 20), "ultimo": (21, end)}[m[1]]
        return {
            "period_start": dt.date(year, month, days[0]),
            "period_end": dt.date(year, month, days[1]),
        }
    # første kvartal 2027 / 1. kvartal af 2027 / første halvår 2025
    m = re.fullmatch(
        r"(første|andet|anden|tredje|fjerde|[1-4]\.) (kvartal|halvår)(?: af| i)? ((?:19|20)\d\d)", t
    )
    if m:
        n = {"første": 1, "andet": 2, "anden": 2, "tredje": 3, "fjerde": 4}.get(m[1]) or int(m[1][0])
        year = int(m[3])
        months = 3 if m[2] == "kvartal" else 6
        if n * months > 12:
            return {}
        first = (n - 1) * months + 1
        return {
            "period_start": dt.date(year, first, 1),
            "period_end": _month_end(year, first + months - 1),
        }
    # efteråret 2026
    m = re.fullmatch(r"([a-zæøå]+) ((?:19|20)\d\d)", t)
    if m and m[1] in SEASONS:
        year = int(m[2])
        first, last = SEASONS[m[1]]
        end_year = year + 1 if last < first else year
        return {"period_start": dt.date(year, first, 1), "period_end": _month_end(end_year, last)}
    # juni 2025
    if m and m[1] in MONTHS:
        year, month = int(m[2]), MONTHS[m[1]]
        return {"period_start": dt.date(year, month, 1), "period_end": _month_end(year, month)}
    return {}
