"""A profile: the headings, labels and phrasings of one family of minutes, loaded from TOML data."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import regex

PROFILE_DIR = Path(__file__).parent / "profiles"
FLAGS = regex.IGNORECASE | regex.VERSION1 | regex.UNICODE


def _alternation(words: list[str]) -> str:
    return "|".join(sorted(words, key=len, reverse=True))


@dataclass(frozen=True)
class PartHeading:
    kind: str
    pattern: regex.Pattern
    ends_at_subheading: bool
    default_outcome: str | None = None  # a decision heading whose text records no outcome of its own


@dataclass(frozen=True)
class Profile:
    name: str
    data: dict
    part_headings: tuple[PartHeading, ...]

    def section(self, key: str) -> dict:
        return self.data[key]

    def compile(self, pattern: str, flags: int = FLAGS) -> regex.Pattern:
        return _compile(pattern, flags)

    def words(self, section: str, key: str) -> regex.Pattern:
        """A pattern matching any of a word list as the whole (stripped) line, colon allowed."""
        return _compile(rf"^\s*(?:{_alternation(self.data[section][key])})\s*:?\s*$", FLAGS)


@lru_cache(maxsize=256)
def _compile(pattern: str, flags: int) -> regex.Pattern:
    from extractors.cache import compiled_regex  # compiled once, kept in referat's data cache

    if flags & regex.IGNORECASE and flags & regex.VERSION1:
        # Simple case folding: Danish needs no multi-character folds (ß = ss), and full folding
        # makes a pattern like `[\p{L}-]+s\s+påtegning` hundreds of times slower on every line.
        # Ligatures (ﬁ) are spelt out by the loaders instead.
        pattern = "(?-f)" + pattern
    return compiled_regex(pattern, flags)


@lru_cache(maxsize=8)
def load_profile(name: str = "danish") -> Profile:
    data = tomllib.loads((PROFILE_DIR / f"{name}.toml").read_text(encoding="utf-8"))
    # A part heading is the whole line: "Beslutning", "Beslutning:", or "Beslutning: Godkendt."
    headings = tuple(
        PartHeading(
            kind=part["kind"],
            # a heading glued to its text where a page was flattened: "BeslutningGodkendt."
            pattern=_compile(rf"^\s*(?P<heading>{part['pattern']})\s*(?::\s*(?P<rest>.*)|(?-i:(?<=\p{{Ll}})(?P<rest>\p{{Lu}}.*)))?$",
                             FLAGS),
            ends_at_subheading=part.get("ends_at_subheading", False),
            default_outcome=part.get("default_outcome"),
        )
        for part in data["parts"]
    )
    return Profile(name=name, data=data, part_headings=headings)
