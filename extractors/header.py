"""Meeting metadata: body, date, start and end time, place, and the next meeting."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import regex

from extractors import dates
from extractors.profile import Profile
from extractors.text import collapse, sentences

# "Label: value" at the start of a line; the label is checked against the profile's lists.
LABEL_LINE = regex.compile(r"^\s*(?P<label>[\p{L} ]{2,25}?)\s*[:.]\s*(?P<value>\S.*)$")
# A label standing alone ("Mødedato:"), its value on a following line.
LABEL_ONLY = regex.compile(r"^\s*(?P<label>[\p{L} ]{2,25}?)\s*:\s*$")
# "Mødedato<TAB>Onsdag den 19. november 2025": a label without a colon, a tab, the value.
TAB_LABEL = regex.compile(r"^\s*(?P<label>[\p{L} ]{2,25}?)\s*\t\s*(?P<value>\S.*)$")
# "Mødested Rådssalen", "Dato 18. september 2013": a known label of one word and its value.
UNMARKED_LABEL = regex.compile(r"^\s*(?P<label>\p{L}+)\s+(?P<value>\S.*)$")
# Labels that are also the first word of a place ("Mødelokale SL 1, Slangerup"): read without a colon
# they are the value's own.
PLACE_NOUNS = frozenset({"lokale", "mødelokale", "adresse"})
DATE_LABELS = frozenset({"dato", "mødedato", "tidspunkt", "mødetidspunkt", "tid", "mødetid", "afholdt", "mødedag"})
# A genitive body name ("Økonomiudvalgets", "Byrådets", "Kommunalbestyrelsens") and its nominative.
GENITIVE = regex.compile(r"(?<=\p{L}(?:et|en))s$", regex.IGNORECASE)
# Short words kept in capitals when a body name written in capitals is re-cased: KKR, KL.
ACRONYM = regex.compile(r"^[\p{Lu}]{2,4}$")


@dataclass
class Header:
    body: str | None = None
    date: dt.date | None = None
    start_time: str | None = None
    end_time: str | None = None
    place: str | None = None
    date_line: int | None = None


def known_label(label: str, known: frozenset[str]) -> str | None:
    """The lexicon's label that `label` is written as: itself ("Mødested"), or its first word for a
    label of several ("Starttidspunkt for møde" -> "starttidspunkt"); None if it is no known one."""
    text = collapse(label).lower().rstrip(".:")
    if text in known:
        return text
    first = text.split(" ", 1)[0]
    return first if first in known and len(text) <= 40 else None


def label_values(lines: list[str], known: frozenset[str] = frozenset(),
                 is_date: Callable[[str], bool] | None = None) -> list[tuple[int, str, str]]:
    """(0-based line, label in lower case, value) of the header's labelled fields, in the layouts
    minutes use: `Dato: 4. december 2012` on one line (or with a tab: `Dato<TAB>…`); `Mødedato:` with
    the value on the next line; and a block of labels followed by a block of their values in the
    same order. A `known` label may stand without its colon, in any case, alone on its line
    (`MØDEDATO`) or before its value (`Mødested Rådssalen`). Where a block has fewer values than
    labels, a value that `is_date` says is a date goes to the block's one date label."""
    found: list[tuple[int, str, str]] = []

    def alone(line: str) -> str | None:
        m = LABEL_ONLY.match(line)
        if m:
            return collapse(m["label"]).lower()
        text = collapse(line).lower()
        return text if text in known else None

    index = 0
    while index < len(lines):
        line = lines[index]
        m = LABEL_LINE.match(line)
        if not (m and alone(line) is None):
            m = TAB_LABEL.match(line) or UNMARKED_LABEL.match(line)
            m = m if (m and collapse(m["label"]).lower() in known and alone(line) is None
                      and (m.re is TAB_LABEL or collapse(m["label"]).lower() not in PLACE_NOUNS)) else None
        if m:
            label = collapse(m["label"]).lower()
            found.append((index, known_label(label, known) or label, m["value"].strip()))
            index += 1
            continue
        if alone(line) is None:
            index += 1
            continue
        # a run of labels standing alone, then as many values (blank lines between are allowed)
        labels: list[tuple[int, str]] = []
        j = index
        while j < len(lines) and (alone(lines[j]) is not None or not lines[j].strip()):
            if lines[j].strip():
                labels.append((j, alone(lines[j])))
            j += 1
        values: list[tuple[int, str]] = []
        while j < len(lines) and len(values) < len(labels):
            text = lines[j].strip()
            if text:
                if _is_label_line(lines[j]):
                    break
                values.append((j, text))
            j += 1
        if len(labels) > 1 and len(values) < len(labels):
            # labels without values: leave them unread rather than pair them wrongly, but for a
            # date, which says what it is ("Udvalg:" / "Dato:" / "Torsdag, 14 marts, 2019 - 18:30")
            dated = [(n, lb) for n, lb in labels if known_label(lb, known) in DATE_LABELS]
            values = [(n, v) for n, v in values if is_date and is_date(v)][:1] if len(dated) == 1 else []
            labels = dated if values else []
        for (line, label), (_, value) in zip(labels, values):
            found.append((line, known_label(label, known) or label, value))
        index = j if values else index + 1
    return found


def _is_label_line(line: str) -> bool:
    """A field label of its own ("Sted: Rådhuset", "Tid:"), not a value ("kl. 14:00", "Teams")."""
    m = LABEL_LINE.match(line) or LABEL_ONLY.match(line)
    if not m:
        return False
    label = collapse(m["label"])
    return len(label) >= 3 and len(label.split()) <= 3 and label.lower() not in {"kl", "ca", "den"}


def field_labels(profile: Profile, *, body: bool = True) -> frozenset[str]:
    """The labels of the header's fields (the body's too, unless `body` is False) and the headings
    of attendance lists, as the profile writes them (lower case)."""
    cfg, attendance = profile.section("header"), profile.section("attendance")
    keys = ("date_labels", "place_labels", "start_labels", "end_labels") + (("body_labels",) if body else ())
    return frozenset(label.lower() for key in keys for label in cfg[key]) | frozenset(
        label.lower() for key in ("present_headings", "absent_headings", "staff_headings") for label in attendance[key])


def _header_labels(profile: Profile) -> frozenset[str]:
    cfg = profile.section("header")
    return frozenset(label.lower() for key in ("date_labels", "place_labels", "start_labels", "end_labels",
                                               "body_labels")
                     for label in cfg[key])


def _label_lines(lines: list[str], labels: list[str], profile: Profile) -> list[tuple[int, str]]:
    wanted = {label.lower() for label in labels}
    return [(index, value) for index, label, value in label_values(lines, _header_labels(profile), _has_date)
            if label in wanted]


def _has_date(text: str) -> bool:
    return bool(dates.find_dates(text))


def header_text(lines: list[str]) -> list[str]:
    """Header lines as a reader sees them: the cell borders of a page's table (`Dato: | 18-03-2019 |`,
    `---|---|`) removed."""
    out = []
    for line in lines:
        if "|" in line:
            line = "" if regex.fullmatch(r"[\s|:+-]*", line) else regex.sub(r"\s*\|\s*", " ", line).strip()
        out.append(line)
    return out


def nominative(name: str) -> str:
    """A body named in the genitive ("Økonomiudvalgets møde") by its name: "Økonomiudvalget"."""
    return GENITIVE.sub("", name)


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


def unglue_labels(lines: list[str], profile: Profile) -> list[str]:
    """Labels glued to their values where a page's table cells lost their borders ("DeltagereSine
    Kamstrup, …", "StedSkolen", "AfbudClaus Dam"): a header or attendance label at the start of a
    line, then a capitalised word, gets its colon back. Same lines, same count."""
    forms = sorted({label.capitalize() for label in field_labels(profile) if " " not in label}, key=len, reverse=True)
    glued = regex.compile(rf"^(\s*)({'|'.join(map(regex.escape, forms))})(?=\p{{Lu}}\p{{Ll}})")
    return [glued.sub(r"\1\2: ", line, count=1) for line in lines]


def find_body(lines: list[str], profile: Profile, full_text: str) -> str | None:
    patterns = [profile.compile(p, regex.VERSION1) for p in profile.section("header")["body_patterns"]]
    best: tuple[int, int, int, str] | None = None  # (-standalone, line index, -length, name)
    for index, line in enumerate(lines):
        stripped = collapse(line)
        for pattern in patterns:
            for m in pattern.finditer(stripped):
                name = m.group(0).strip()
                # A line that is only the body's name (or the name and "møde") beats a mention
                # inside a sentence.
                alone = len(name) >= len(stripped) - 1 or regex.fullmatch(
                    rf"{regex.escape(name)}\s+(?:møde|ordinære\s+møde|ekstraordinære\s+møde)", stripped, regex.I)
                rank = (0 if alone else 1, index, -len(name))  # on one line, the longest name
                if best is None or rank < best[:3]:
                    best = (*rank, name)
    compound = _body_in_meeting_word(lines, profile)
    if best and (best[0] == 0 or compound is None):  # a line of the name alone beats the title's word
        return _recase(nominative(best[3]), full_text)
    if compound:  # … which beats a name inside a line ("Hjem Politik Byråd og udvalg …")
        return compound
    abbreviations = profile.section("header").get("body_abbreviations", {})
    for line in lines[:30]:  # "Referat KB 12-03-2026", "BR-møde den 3. marts 2026"
        for word in regex.findall(r"(?<![\p{L}])\p{Lu}{2,3}(?![\p{L}])", line):
            if word in abbreviations and len(line) <= 120:
                return abbreviations[word]
    if profile.section("header").get("body_after_title"):
        return _body_after_title(lines, profile)
    return None


def _body_in_meeting_word(lines: list[str], profile: Profile) -> str | None:
    """The body a title names in its word for the meeting: "Referat af menighedsrådsmøde" ->
    Menighedsrådet, "Bestyrelsesmøde i …" -> Bestyrelsen, "Skolebestyrelsesmøde" -> Skolebestyrelsen."""
    nouns = profile.section("header").get("body_nouns", {})
    if not nouns:
        return None
    pattern = regex.compile(rf"(?i)\b(\p{{L}}*?(?:{'|'.join(map(regex.escape, nouns))}))s?møde(?:t|r)?\b")
    title_lines = [line for line in lines[:30] if line.strip()][:8]
    for line in title_lines:
        m = pattern.search(line)
        if m and len(line) <= 160:
            word = m.group(1).lower()
            noun = next(n for n in sorted(nouns, key=len, reverse=True) if word.endswith(n))
            return (word[: len(word) - len(noun)] + nouns[noun]).capitalize()
    return None


def _body_after_title(lines: list[str], profile: Profile) -> str | None:
    """The name under the document's title word: "Referat" / "Mødesystemgruppen"."""
    cfg = profile.section("document")
    title = profile.compile(rf"^\s*(?:{'|'.join(cfg['minutes_titles'] + cfg['agenda_titles'])})\s*:?\s*$")
    for index, line in enumerate(lines[:30]):
        if not title.match(line):
            continue
        following = next((t.strip() for t in lines[index + 1:index + 4] if t.strip()), "")
        if (following and len(following) <= 80 and regex.match(r"\p{Lu}", following)
                and not regex.search(r"[\d:;.,!?()\t]", following) and len(following.split()) <= 6):
            return following
    return None


def _previous_text(lines: list[str], index: int) -> str:
    return next((line for line in reversed(lines[max(0, index - 2):index]) if line.strip()), "")


def _labelled_body(lines: list[str], profile: Profile, full_text: str) -> str | None:
    """The body a label names (`Udvalg: Byrådet`, `UDVALG` / `Økonomiudvalget`), when the value reads
    as a name: capitalised, no title word (`MØDE` / `Referat` names the document, not the body), no
    sentence."""
    cfg, document = profile.section("header"), profile.section("document")
    title = profile.compile(rf"\b(?:{'|'.join(document['minutes_titles'] + document['agenda_titles'])})\b")
    for _, value in _label_lines(lines, cfg["body_labels"], profile):
        value = collapse(value).rstrip(".")
        if (2 <= len(value) <= 100 and regex.match(r"[\p{Lu}\d]", value) and not title.search(value)
                and not dates.find_dates(value) and not value.endswith(":")):
            return _recase(value, full_text)
    return None


def find_header(lines: list[str], profile: Profile, full_text: str) -> Header:
    """Read the header from `lines` (the part of the document before attendance and items)."""
    cfg = profile.section("header")
    lines = header_text(lines)
    header = Header(body=_labelled_body(lines, profile, full_text) or find_body(lines, profile, full_text))
    published = profile.compile(cfg["publication_cue"])
    for index, value in _label_lines(lines, cfg["date_labels"], profile):
        date = dates.first_date(value)
        if date and header.date is None:
            header.date, header.date_line = date, index + 1
        times = dates.times_after_dates(value)
        rng = dates.CLOCK_RANGE.search(_without_dates(value))
        if rng and not (rng["m1"] or rng.group(0).lower().startswith(("kl", "fra"))):
            rng = None  # "(pkt.1-5)", "3-4 møder": numbers, not a clock's hours
        if rng and header.start_time is None:
            header.start_time = dates.hhmm(rng["h1"], rng["m1"])
            header.end_time = dates.hhmm(rng["h2"], rng["m2"])
        elif times and header.start_time is None:
            header.start_time = times[0]
    if header.date is None:  # no labelled date: the first date near the top ("Mandag den 3. marts 2025"),
        # the first with a clock time if there is one ("2019-03-18" / "Bestyrelsesmøde 18. marts 2019, kl. 9.00")
        # (a publication date: "Udsendt 3. maj 2013", or under a cue of its own: "Publiceret" / "3. maj 2013")
        dated = [(index, line) for index, line in enumerate(lines[:40]) if dates.first_date(line)
                 and not published.search(line) and not (published.search(previous := _previous_text(lines, index))
                                                         and not dates.first_date(previous))]
        timed = [(index, line) for index, line in dated if dates.times_after_dates(line)
                 and dates.first_date(line) == dates.first_date(dated[0][1])]
        if dated:
            index, line = (timed or dated)[0]
            header.date, header.date_line = dates.first_date(line), index + 1
            times = dates.times_after_dates(line)
            rng = dates.CLOCK_RANGE.search(_without_dates(line))  # "… 29. maj 2026 kl. 09.00-12.00"
            if rng and (rng["m1"] or rng.group(0).lower().startswith(("kl", "fra"))) and header.start_time is None:
                header.start_time = dates.hhmm(rng["h1"], rng["m1"])
                header.end_time = header.end_time or dates.hhmm(rng["h2"], rng["m2"])
            header.start_time = header.start_time or (times[0] if times else None)
    for labels, attr in ((cfg["start_labels"], "start_time"), (cfg["end_labels"], "end_time")):
        for _, value in _label_lines(lines, labels, profile):
            times = dates.find_times(value)
            if times and getattr(header, attr) is None:
                setattr(header, attr, times[0])
    # (a value that is the next label, "Mødested: Deltagere: Referent: …", or a whole paragraph, is no place)
    places = [(index, value) for index, value in _label_lines(lines, cfg["place_labels"], profile)
              if len(value) <= 150 and not regex.match(r"\s*\p{L}[\p{L} ]{1,30}:", value)]
    if places:
        header.place = places[0][1]
    elif header.date_line is not None:
        # an unlabelled place under the date line of a title block: "i Mødecenter C, …"
        pattern = profile.compile(cfg["place_after_date"])
        for line in lines[header.date_line:header.date_line + 2]:
            m = pattern.match(line.strip())
            if m and not dates.find_dates(line):
                header.place = m["place"].strip()
                break
        else:  # on the date's own line, after it: "… den 17. november 2020 kl. 10:00 i WebEx", "…, kl. 9.00, Sorø Rådhus"
            line = lines[header.date_line - 1]
            ends = [m.end() for m in dates.CLOCK.finditer(line)] + [e for _, e, _ in dates.find_dates(line)]
            after = line[max(ends):] if ends else ""
            rest = after.strip(" ,")
            m = pattern.match(rest) or (regex.match(r"^(?P<place>\p{Lu}[^.]{2,100})$", rest)
                                        if after.lstrip().startswith(",") else None)
            if m and len(m["place"]) <= 100:
                header.place = m["place"].strip()
    if header.place:  # "Mødelokale SL 1, Slangerup kl. 16.00": the time is the meeting's, not the place's
        clock = dates.CLOCK.search(header.place)
        if clock and clock.start() > 0:
            header.start_time = header.start_time or dates.find_times(header.place[clock.start():])[0]
            header.place = header.place[:clock.start()].strip(" ,-")
    return header


def meeting_times(text: str, profile: Profile) -> tuple[str | None, str | None]:
    """(start, end) a sentence tells: "Mødet startede kl. 15.30 og sluttede kl. 16.40."."""
    cfg = profile.section("header")
    out = []
    for key in ("meeting_start", "meeting_end"):
        m = profile.compile(cfg[key]).search(text)
        value = None
        if m:
            h, _, mm = m["time"].replace(":", ".").partition(".")
            value = dates.hhmm(h, mm or None)
        out.append(value)
    if out[0] is None or out[1] is None:
        m = profile.compile(cfg["meeting_span"]).search(text)
        if m:
            start, end = (dates.hhmm(*(m[g].replace(":", ".").partition(".")[::2])) for g in ("start", "end"))
            out = [out[0] or start, out[1] or end]
    return out[0], out[1]


def _authority_place(authority: str) -> str:
    return regex.sub(r"\s*(?:Regionskommune|Kommune)$|^Region\s+", "", authority)


def find_authority(lines: list[str], profile: Profile, body: str | None, furniture: list[str] = (),
                   full_text: str = "") -> str | None:
    """The municipality or region the body belongs to: a header, title or running header/footer
    line naming one ("Gribskov Kommune"), else the one the text names far more often than any
    other. None when the body's name already carries it ("Byrådet i Aarhus", "KKR Hovedstaden")."""
    cfg = profile.section("header")
    pattern = profile.compile(cfg["authority_pattern"], regex.VERSION1)
    found = None
    for line in [*lines[:40], *furniture]:
        m = pattern.match(line)
        if m:
            found = collapse(m.group(0))
            break
        m = profile.compile(cfg["authority_mentions"], regex.VERSION1).search(line) if line in furniture else None
        if m:
            found = collapse(m.group(0))
            break
    if found is None and full_text:
        # "Region Hovedstadens", "Greve Kommunes": a genitive is a mention of the same authority
        mentions = Counter(regex.sub(r"(?<=Kommune)s$", "", nominative(collapse(m.group(0)))) for m in
                           profile.compile(cfg["authority_mentions"], regex.VERSION1).finditer(full_text))
        ranked = mentions.most_common(2)
        if ranked and ((ranked[0][1] >= cfg["authority_min_mentions"] and (
                len(ranked) == 1 or ranked[0][1] >= 2 * ranked[1][1])) or len(ranked) == 1):
            found = ranked[0][0]  # named most often, or the only authority the text names
    if found is None:
        return None
    if body and _authority_place(found).casefold() in body.casefold():
        return None
    return found


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
