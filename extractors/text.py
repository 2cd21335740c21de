"""Small text helpers shared by the extractors: whitespace, bullets, sentences, slugs."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import regex

DATA_DIR = Path(__file__).parent / "data"
WHITESPACE = regex.compile(r"\s+")
# "- x", "• x", "– x", "* x", "a) x", "1) x" at the start of a line.
BULLET = regex.compile(r"^\s*(?:[-•–·▪*]|\(?[a-zæøåA-ZÆØÅ]\)|\(?\d{1,2}\))\s+")
# Sentence ends: ., ! or ? then space then an uppercase letter, a quote or a dash bullet.
SENTENCE_BREAK = regex.compile(r"(?<=[.!?][\"”’)]?)\s+(?=[\"“„]?\p{Lu}|\d+\.\s)")
SLUG_MAP = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "ä": "ae", "ö": "oe", "ü": "ue", "é": "e"})
NON_SLUG = regex.compile(r"[^a-z0-9]+")


def collapse(text: str) -> str:
    return WHITESPACE.sub(" ", text).strip()


def is_bullet(line: str) -> bool:
    return bool(BULLET.match(line))


def strip_bullet(line: str) -> str:
    return BULLET.sub("", line, count=1).strip()


@lru_cache(maxsize=1)
def never_ending_abbreviations() -> frozenset[str]:
    """Abbreviations that never end a sentence (data/abbreviations.txt, the spaCy layer's list
    too; those marked `*` may end one)."""
    lines = (DATA_DIR / "abbreviations.txt").read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines
                     if line.strip() and not line.startswith("#") and not line.strip().endswith("*"))


def sentences(text: str) -> list[str]:
    """Split a paragraph into sentences, not breaking after Danish abbreviations."""
    text = collapse(text)
    pieces: list[str] = []
    start = 0
    abbreviations = never_ending_abbreviations()
    for m in SENTENCE_BREAK.finditer(text):
        before = text[start:m.start()]
        last_word = before.rsplit(" ", 1)[-1].lower()
        if last_word in abbreviations or regex.fullmatch(r"\p{L}\.", last_word):
            continue
        pieces.append(before.strip())
        start = m.end()
    tail = text[start:].strip()
    if tail:
        pieces.append(tail)
    return pieces


def slugify(text: str) -> str:
    return NON_SLUG.sub("-", text.lower().translate(SLUG_MAP)).strip("-")


MAX_ID_LENGTH = 120  # a record id is a file name in the store: far below any file system's 255 bytes


def bounded_id(slug: str, limit: int = MAX_ID_LENGTH) -> str:
    """`slug` if it fits in `limit` characters; else its start, cut at a hyphen where one is near,
    and `-h` with 8 hex digits of the sha256 of the whole slug, so that long ids stay apart."""
    if len(slug) <= limit:
        return slug
    import hashlib

    suffix = "-h" + hashlib.sha256(slug.encode("utf-8")).hexdigest()[:8]
    head = slug[: limit - len(suffix)]
    cut = head.rfind("-")
    if cut >= len(head) - 20 and cut > 0:
        head = head[:cut]
    return head.rstrip("-") + suffix


def paragraphs_text(lines: list[str]) -> str:
    """Lines to text: one paragraph per line, blank lines dropped, bullets kept on their own line."""
    return "\n".join(line.strip() for line in lines if line.strip())
