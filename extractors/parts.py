"""The headed parts of an item: Baggrund, Indstilling, Sagsfremstilling, Bilag, Beslutning, ..."""

from __future__ import annotations

from dataclasses import dataclass, field

import regex

from extractors.attendance import is_name_list
from extractors.decisions import classify_outcome
from extractors.profile import PartHeading, Profile
from extractors.text import collapse, is_bullet, strip_bullet

# A sub-heading inside a part: short, capitalised, no closing punctuation.
SUBHEADING = regex.compile(r"^\p{Lu}[^\t]{1,90}$")
CLOSING_PUNCTUATION = (".", ":", ";", ",", "!", "?")
# A lettered sub-point of an item ("a. Møder og konferencer", "b) Konference …"): it ends a list of
# attachments above it.
LETTERED_POINT = regex.compile(r"^\s*\(?[a-zæøå][.)]\s+\p{Lu}")
# A sentence of six words or more that ends in a full stop (the profile says which finite verbs
# make it prose rather than a title).
SENTENCE = regex.compile(r"^(?:\S+\s+){5,}\S*\.$")


# A bullet before a heading word ("• Beslutningstema", "• Punktoplysninger").
BULLET_HEADING = regex.compile(r"^\s*[•·▪‣◦]\s*(?=\p{Lu})")
# The rule of a stated field heading the profile does not know ("Sagsprocedure").
OTHER_FIELD = PartHeading(kind="other", pattern=regex.compile(r"(?!)"), ends_at_subheading=False)


@dataclass
class Part:
    heading: str | None
    kind: str
    start_line: int  # 1-based, the heading line (or first line for the preamble)
    end_line: int
    lines: list[tuple[int, str]] = field(default_factory=list)  # (1-based line, text)
    rule: PartHeading | None = None  # the profile's heading rule it was found by

    def text_lines(self) -> list[str]:
        return [text for _, text in self.lines]


def match_part_heading(line: str, profile: Profile) -> tuple[PartHeading, str, str] | None:
    """(part heading, heading as written, text after a colon) if `line` is a part heading."""
    if "\t" in line or len(line) > 2000:
        return None
    if BULLET_HEADING.match(line):  # "• Beslutningstema": a page's fields rendered as a list
        line = BULLET_HEADING.sub("", line, count=1)
    for heading in profile.part_headings:
        m = heading.pattern.match(line)
        # a heading is short; a long line only when its text follows a colon ("Referat: Alle …")
        if m and len(m["heading"]) <= 160 and (len(line) <= 160 or m["rest"] is not None):
            if m["rest"] is None and m["heading"].rstrip().endswith(".") and len(m["heading"].split()) > 3:
                continue  # a sentence ("Byrådets beslutning om … den 20. september 2021.") heads no part
            return heading, collapse(m["heading"]), (m["rest"] or "").strip()
    return None


def _is_subheading(lines: list[tuple[int, str]], index: int, inline_recommendation: regex.Pattern) -> bool:
    """Whether lines[index] starts a new, unnamed section: it stands alone between blank lines,
    reads like a title, and is followed by ordinary text."""
    text = lines[index][1].strip()
    if not SUBHEADING.match(text) or text.endswith(CLOSING_PUNCTUATION) or is_bullet(text):
        return False
    if inline_recommendation.search(text):
        return False
    if index == 0 or lines[index - 1][1].strip():
        return False
    following = [t for _, t in lines[index + 1:] if t.strip()]
    if not following or is_bullet(following[0]):
        return False
    return index + 1 < len(lines) and not lines[index + 1][1].strip()


def _is_prose(line: str, profile: Profile) -> bool:
    text = line.strip()
    return bool(SENTENCE.match(text)) and bool(profile.compile(profile.section("attachments")["prose_verbs"]).search(text))


def split_parts(lines: list[str], first_line: int, profile: Profile,
                heading_lines: set[int] | None = None) -> list[Part]:
    """Split an item's body into parts. `first_line` is the 1-based number of lines[0].
    Text before the first heading is a preamble part (heading None, kind 'other'). With
    `heading_lines` (the field headings a meeting system states), only those lines head parts —
    a field the profile does not know is a part of kind 'other' — and, anywhere, a line that records
    who did not take part ("Afbud: …")."""
    inline = profile.compile(profile.section("recommendation")["inline_pattern"])
    parts: list[Part] = [Part(heading=None, kind="other", start_line=first_line, end_line=first_line)]
    current_rule: PartHeading | None = None
    numbered = list(enumerate(lines, start=first_line))
    resume: Part | None = None  # the decision an absence line interrupts ("Fraværende: Ole Dahl (V)")
    for position, (number, line) in enumerate(numbered):
        found = match_part_heading(line, profile)
        if heading_lines is not None:
            if number in heading_lines and found is None and line.strip():
                found = (OTHER_FIELD, collapse(line).rstrip(":"), "")
            elif number not in heading_lines and found is not None and found[0].kind != "attendance":
                found = None
        if found:
            rule, heading, rest = found
            # "Fraværende: Ole Dahl (V)" under a decision: the names are on its line, the decision's
            # text goes on below it
            interrupted = parts[-1] if parts[-1].kind == "decision" else resume
            resume = interrupted if rule.kind == "attendance" and rest and interrupted is not None else None
            current_rule = rule if resume is None else current_rule
            part = Part(heading=heading, kind=rule.kind, start_line=number, end_line=number, rule=rule)
            if rest:
                part.lines.append((number, rest))
            parts.append(part)
            continue
        if (parts[-1].kind == "attendance" and resume is None and line.strip()
                and not any(t.strip() for _, t in parts[-1].lines)
                and len(parts) > 1 and parts[-2].kind == "decision" and not is_name_list(line, profile)):
            resume = parts[-2]  # "Fraværende:" left empty: the decision's text goes on below it
        part = resume if resume is not None else parts[-1]
        if part.kind == "attachments" and (LETTERED_POINT.match(line) or _is_prose(line, profile)):
            # the item's next lettered point, or a paragraph of prose: the list of attachments
            # above ends here (a title is no sentence with a finite verb)
            current_rule = None
            parts.append(Part(heading=None, kind="other", start_line=number, end_line=number, lines=[(number, line)]))
            continue
        has_text = any(t.strip() for _, t in part.lines)
        if (current_rule and current_rule.ends_at_subheading and has_text
                and _is_subheading(numbered, position, inline)):
            # The recommendation is over; what follows is its own section (e.g. orientations).
            current_rule = None
            parts.append(Part(heading=line.strip(), kind="other", start_line=number, end_line=number))
            continue
        part.lines.append((number, line))
        if line.strip():
            part.end_line = number
    preamble = parts[0]
    filled = [n for n, t in preamble.lines if t.strip()]
    if filled:
        preamble.start_line = filled[0]
    else:
        parts.pop(0)
    return _outcome_after_recommendation(parts, profile)


def _outcome_after_recommendation(parts: list[Part], profile: Profile) -> list[Part]:
    """A recommendation followed by what was decided without a heading ("Indstilling:" /
    "Godkendes." / "Godkendt."): where no part is a decision, the recommendation's last line, when it
    is nothing but an outcome (the profile's `bare_outcome`: not its own "… godkendes", nor another
    body's "Økonomiudvalget anbefaler indstillingen"), is the decision."""
    if any(p.kind == "decision" for p in parts):
        return parts
    for index, part in enumerate(parts):
        filled = [(n, t) for n, t in part.lines if t.strip()]
        if part.kind != "recommendation" or len(filled) < 2:
            continue
        number, last = filled[-1]
        text = last.strip()
        if (not profile.compile(profile.section("decision")["bare_outcome"]).match(text)
                or classify_outcome(text, profile) not in ("approved", "rejected", "noted", "postponed")):
            continue
        part.lines = [(n, t) for n, t in part.lines if n < number]
        part.end_line = max((n for n, t in part.lines if t.strip()), default=part.start_line)
        parts.insert(index + 1, Part(heading=None, kind="decision", start_line=number, end_line=number,
                                     lines=[(number, last)]))
        break
    return parts


def recommendation_points(lines: list[str]) -> list[str]:
    """The recommended points: the bullets, or the whole text when there are none."""
    points = [strip_bullet(line) for line in lines if is_bullet(line)]
    if points:
        return [collapse(p) for p in points if p]
    text = collapse(" ".join(lines))
    return [text] if text else []


def inline_recommendation(lines: list[tuple[int, str]], profile: Profile) -> list[tuple[int, str]] | None:
    """A recommendation written into the text ("Forvaltningen indstiller, at ...") without a heading:
    that paragraph and the bullet lines that follow it."""
    pattern = profile.compile(profile.section("recommendation")["inline_pattern"])
    for index, (_, text) in enumerate(lines):
        if not pattern.search(text.strip()):
            continue
        taken = [lines[index]]
        blank = False
        for number, following in lines[index + 1:]:
            if not following.strip():
                blank = True
                continue
            if is_bullet(following) or (not blank and not taken[-1][1].rstrip().endswith(".")):
                taken.append((number, following))
                blank = False
                continue
            break
        return taken
    return None


def attachment_titles(lines: list[str], profile: Profile) -> list[str]:
    """The titles listed in a Bilag part, without numbering, document numbers ("2012-208960 - ")
    or access markers ("(Lukket)")."""
    cfg = profile.section("attachments")
    skip = profile.compile(cfg["skip_pattern"])
    prefix, suffix = profile.compile(cfg["title_prefix"]), profile.compile(cfg["title_suffix"])
    numbering = regex.compile(r"^(?:bilag\s*\d+[a-z]?\s*[:.\-–]\s*|\d{1,2}[.)]\s+)", regex.IGNORECASE)
    titles = []
    for line in lines:
        text = strip_bullet(line) if is_bullet(line) else line.strip()
        text = numbering.sub("", text).strip()
        for _ in range(2):  # "Bilag 3: 2012-208960 - (Lukket) Title"
            text = prefix.sub("", text, count=1).strip()
        text = suffix.sub("", text).strip()
        if text and not skip.search(text):
            titles.append(collapse(text))
    return titles
