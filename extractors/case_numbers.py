"""Case numbers and the initials of their case handlers: `SAG-2026-00802 hdc/jebj`."""

from __future__ import annotations

from dataclasses import dataclass, field

import regex

from extractors.profile import Profile

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
    """Whether a line carries a case number (evidence that an item heading precedes it)."""
    return any(p.search(line.strip()) for p in case_patterns(profile))


def find_case_numbers(lines: list[str], first_line: int, profile: Profile) -> list[FoundCase]:
    """Case numbers on `lines` (an item's preamble); `first_line` is the 1-based number of lines[0].
    The same number twice is kept once, with the handlers of both."""
    patterns = case_patterns(profile)
    handler_label = profile.compile(profile.section("case_numbers")["handler_labels"])
    found: dict[str, FoundCase] = {}
    loose_handlers: list[str] = []
    for offset, line in enumerate(lines):
        stripped = line.strip()
        if not stripped:
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
