"""Case numbers and the initials of their case handlers: `SAG-2026-00802 hdc/jebj`."""

from __future__ import annotations

from dataclasses import dataclass, field

import regex

from extractors.profile import Profile
from extractors.text import is_bullet, strip_bullet

# Initials after a case number: "hdc/jebj", "hdc, jebj", "hdc jebj".
HANDLER_SPLIT = regex.compile(r"\s*[/,;]\s*|\s+og\s+|\s+")
# Names after a label: "Sagsbehandler: Hans Hansen, Mette Ø".
LABEL_SPLIT = regex.compile(r"\s*[/,;]\s*|\s+og\s+")


@dataclass
class FoundCase:
    number: str
    handlers: list[str] = field(default_factory=list)
    raw: str = ""
    line: int = 0


def case_patterns(profile: Profile) -> list[regex.Pattern]:
    return [profile.compile(p) for p in profile.section("case_numbers")["patterns"]]


def is_case_line(line: str, profile: Profile) -> bool:
    """Whether a line carries a case number, or the label of one standing alone (evidence that an
    item heading precedes it)."""
    stripped = _bare(line)
    return any(p.search(stripped) for p in case_patterns(profile)) or bool(_label_only(profile).match(stripped))


def _bare(line: str) -> str:
    """A line without its bullet ("• Sagsid.: 18/25139")."""
    return strip_bullet(line) if is_bullet(line) else line.strip()


def _label_only(profile: Profile) -> regex.Pattern:
    return profile.compile(profile.section("case_numbers")["label_only"])


def find_case_numbers(lines: list[str], first_line: int, profile: Profile) -> list[FoundCase]:
    """Case numbers on `lines` (an item's preamble); `first_line` is the 1-based number of lines[0].
    The same number twice is kept once, with the handlers of both."""
    patterns = case_patterns(profile)
    handler_label = profile.compile(profile.section("case_numbers")["handler_labels"])
    found: dict[str, FoundCase] = {}
    loose_handlers: list[str] = []
    label_only = _label_only(profile)
    pending_label: str | None = None  # "Sagsnr. i ESDH:" waiting for its number on the next line
    for offset, line in enumerate(lines):
        stripped = _bare(line)
        if not stripped:
            continue
        if label_only.match(stripped):
            pending_label = regex.sub(r"\s*:?\s*$", "", stripped)
            continue
        if pending_label is not None:
            label, pending_label = pending_label, None
            if not any(p.search(stripped) for p in patterns):  # the bare number: read it as labelled
                m = regex.match(r"^(?P<number>[\w./-]*\d[\w./-]*)\b", stripped)
                if m:
                    number = m["number"].rstrip(".,;")
                    found.setdefault(number, FoundCase(number=number, raw=f"{label}: {stripped}", line=first_line + offset))
                    continue
        for pattern in patterns:
            for m in pattern.finditer(stripped):
                number = m["number"].rstrip(".,;")
                case = found.setdefault(number, FoundCase(number=number, raw=stripped, line=first_line + offset))
                handlers = m.groupdict().get("handlers")
                if handlers:
                    for h in HANDLER_SPLIT.split(handlers.strip()):
                        if h and h not in case.handlers:
                            case.handlers.append(h)
        label = handler_label.search(stripped)
        if label:
            loose_handlers.extend(h for h in LABEL_SPLIT.split(label["handlers"].strip()) if h)
    cases = list(found.values())
    if cases and loose_handlers:
        for h in loose_handlers:
            if h not in cases[0].handlers:
                cases[0].handlers.append(h)
    return cases
