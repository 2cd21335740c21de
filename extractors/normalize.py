"""Normalisation: clean text line by line without changing the line count.

Every later extractor reports 1-based line numbers, and those must point into the source, so
nothing here adds or removes a line: running headers and footers become empty lines, and a word
hyphenated across a line break is rejoined on the first line and removed from the second.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

import regex

from extractors.lexicon import danish_word_forms

# --- Patterns, one concern each -------------------------------------------------------------

# Characters that carry no text: soft hyphen, zero-width space/joiners, BOM, direction marks and
# embeddings, and control characters (C0 but the tab, DEL, C1).
INVISIBLE = regex.compile(r"[\u00ad\u200b\u200c\u200d\u2060\ufeff\u200e\u200f\u202a-\u202e\u2066-\u2069"
                          r"\x00-\x08\x0e-\x1f\x7f-\x9f]")
# Spaces other than the plain one (no-break, thin, narrow no-break, figure ...), and what separates
# words like a space inside one line: a vertical tab (a manual line break in word processors), the
# Unicode line and paragraph separators.
ODD_SPACE = regex.compile(r"[\u00a0\u2000-\u200a\u202f\u205f\u3000\x0b\u2028\u2029]")
# The minus sign (U+2212) of PDFs and word processors: an ASCII hyphen-minus for the number readers.
MINUS = "\u2212"
# HTML-ish inline tags: <i>, </b>, <br/>, <span class="x">.
HTML_TAG = regex.compile(r"</?(?:i|b|u|em|strong|span|sup|sub|br|small|mark|p|div|li|ul|ol|font|a)\b[^>]*>", regex.IGNORECASE)
# Markdown links and images: [text](target) -> text.
MD_LINK = regex.compile(r"!?\[([^\]\n]*)\]\([^)\n]*\)")
# Markdown emphasis: **x**, __x__, *x*, also unbalanced **x* - a star touching a word on one side.
MD_EMPHASIS = regex.compile(r"(?<![\w*])\*{1,3}(?=\S)|(?<=\S)\*{1,3}(?![\w*])|(?<![\w_])__(?=\S)|(?<=\S)__(?![\w_])")
# Dot leaders before a trailing page number: "Siden sidst.....\t6", "samarbejde ..\t19". Found
# from the end of the line (dot_leader): one pattern scanning a long run of dots or spaces from
# every position in it would take time quadratic in its length.
TRAILING_PAGE = regex.compile(r"\d{1,4}[ \t]*$")
LEADER_DOTS = regex.compile(r"\.\.|…")
LEADER_CHARS = ".… \t"
# "samfundssikker- hedsområdet": a hyphen, a space, then a lowercase continuation.
HYPHEN_SPACE = regex.compile(r"(?<=\p{L}\p{Ll})- (?=(\p{Ll}+))")
# "udpegnin-ger": a hyphen inside a word, letters on both sides.
HYPHEN_INWORD = regex.compile(r"(?<![\p{L}-])(\p{L}+)-(\p{Ll}+)(?![\p{L}-])")
# A word hyphenated at the end of a line: "udpeg-" then "ninger ..." on the next line.
HYPHEN_EOL = regex.compile(r"(?<=\p{L}\p{Ll})-$")
NEXT_FRAGMENT = regex.compile(r"^(\p{Ll}+)([.,;:!?)]*)(?:\s+|$)")
# Words that follow a suspended-compound hyphen: "beredskabs- og samfundssikkerhed".
# (Swedish, German, English and French ones too: PDFs from other countries' councils arrive.)
CONJUNCTIONS = frozenset({"og", "eller", "samt", "til", "som", "men", "end", "såvel", "hhv", "resp", "&",
                          "and", "or", "und", "oder", "och", "et", "ou"})

# Running page furniture. Digits are folded to '#' before lines are compared.
PAGE_NUMBER = regex.compile(
    # "Side 3", "Side 3 af 40", "Page 3/40" ending the line, alone or after a gap, a bar or a dot;
    # a bare "3" or "- 3 -" on its own line. "jf. side 12." inside a sentence is not one.
    r"(?:(?:^|\s{2,}|\t|\||\s[·•|–—-])\s*(?:side|page|s\.)\s*#+(?:\s*(?:af|/|of)\s*#+)?\s*$"
    r"|^\s*-?\s*#+\s*-?\s*$|^\s*#+\s*/\s*#+\s*$)",
    regex.IGNORECASE,
)
DIGITS = regex.compile(r"\d+")


@dataclass
class NormalizedText:
    lines: list[str]
    # 1-based lines blanked as running headers/footers.
    furniture_lines: list[int] = field(default_factory=list)


def clean_markup(line: str) -> str:
    line = MD_LINK.sub(r"\1", line)
    line = HTML_TAG.sub("", line)
    if "&" in line:
        line = html.unescape(line)
    if "*" in line or "__" in line:
        line = MD_EMPHASIS.sub("", line)
    return line


def _join_inword(match: regex.Match) -> str:
    left, right = match.group(1), match.group(2)
    words = danish_word_forms()
    joined = (left + right).lower()
    # Join only when the joined word is a known word and the halves are not both words
    # (so "ikke-bindende" and "panel-debat" stay, "udpegnin-ger" becomes "udpegninger").
    if joined in words and not (left.lower() in words and right.lower() in words):
        return left + right
    return match.group(0)


def rejoin_hyphenation(line: str) -> str:
    line = HYPHEN_SPACE.sub(lambda m: "- " if m.group(1) in CONJUNCTIONS else "", line)
    if "-" in line:
        line = HYPHEN_INWORD.sub(_join_inword, line)
    return line


def find_page_furniture(lines: list[str]) -> set[int]:
    """0-based indexes of running headers/footers: lines with a page number, and lines repeated
    next to them. Repetition alone is not enough: minutes repeat real lines ("Beslutning",
    "KKR Hovedstaden tiltrådte indstillingen.") all the time."""
    shapes: dict[str, list[int]] = {}
    for index, line in enumerate(lines):
        stripped = line.strip()
        if stripped and len(stripped) <= 160:
            shapes.setdefault(DIGITS.sub("#", stripped), []).append(index)
    furniture: set[int] = set()
    for shape, indexes in shapes.items():
        if len(indexes) >= 2 and PAGE_NUMBER.search(shape):
            # A bare number line ("- 3 -", "3") counts only if it recurs often, like page numbers.
            if regex.fullmatch(r"\s*-?\s*#+\s*-?\s*", shape) and len(indexes) < 3:
                continue
            if not _counts_pages([lines[i] for i in indexes]):
                continue
            furniture.update(indexes)
    if not furniture:
        return furniture
    # The same line (to the letter) repeated next to every page number is furniture too: a
    # running title like "KKR Hovedstaden | Referat". Sentences never are.
    exact: dict[str, list[int]] = {}
    for index, line in enumerate(lines):
        stripped = line.strip()
        if stripped and len(stripped) <= 120 and not stripped.endswith((".", ":", ";", "!", "?", ",")):
            exact.setdefault(stripped, []).append(index)
    for indexes in exact.values():
        if len(indexes) >= 2 and indexes[0] not in furniture:
            if all(any(f in furniture for f in range(i - 3, i + 4)) for i in indexes):
                furniture.update(indexes)
    return furniture


def _counts_pages(occurrences: list[str]) -> bool:
    """Whether the numbers of a page-number-shaped line behave like page numbers: they change
    from one occurrence to the next, and stay small ("Side 3 af 40", "3/40"); "25/23642" under
    every item's "Sagsnr." is a value, not a page number."""
    numbers = []
    for line in occurrences:
        m = PAGE_NUMBER.search(DIGITS.sub(lambda d: "#" * len(d.group(0)), line))
        found = [int(d) for d in DIGITS.findall(line[m.start():m.end()])] if m else []
        if not found or max(found) > 5000 or (len(found) == 2 and found[0] > found[1]):
            return False
        numbers.append(tuple(found))
    return len(set(numbers)) > 1


def dot_leader(line: str) -> str:
    """A dot leader before a trailing page number as a tab: "Siden sidst ..... 6" -> "Siden sidst\t6".
    The leader is the run of dots, ellipses, spaces and tabs before the number, from its first
    spaces-then-two-dots (or an ellipsis) on."""
    end = TRAILING_PAGE.search(line)
    if end is None:
        return line
    head = line[:end.start()]
    dots = LEADER_DOTS.search(head, len(head.rstrip(LEADER_CHARS)))
    if dots is None:
        return line
    return head[:dots.start()].rstrip(" \t") + "\t" + line[end.start():]


# An invisible character where a word ends and a name begins ("Carl\u200bJensen"): a space.
INVISIBLE_BREAK = regex.compile(r"(?<=\p{Ll})[\u00ad\u200b\u200c\u200d\u2060\ufeff\u200e\u200f\u202a-\u202e\u2066-\u2069]+(?=\p{Lu})")


def clean_invisible(text: str) -> str:
    """`text` without the characters that carry no text (zero-width spaces and joiners, soft
    hyphens, byte-order marks, direction marks, control characters); one between a lower-case and
    an upper-case letter stood where a space was ("Carl\u200bJensen" -> "Carl Jensen")."""
    return INVISIBLE.sub("", INVISIBLE_BREAK.sub(" ", text))


def normalize(text: str) -> NormalizedText:
    # A form feed (pdftotext's page break, "\n\fNext page") is not a line: dropping it keeps
    # every line number equal to the source's.
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\n\f", "\n").replace("\f", " ")
    lines = text.split("\n")
    furniture = find_page_furniture(lines)
    out: list[str] = []
    for index, raw in enumerate(lines):
        if index in furniture:
            out.append("")
            continue
        line = clean_invisible(raw)
        line = ODD_SPACE.sub(" ", line).replace(MINUS, "-")
        line = clean_markup(line)
        line = dot_leader(line)
        line = rejoin_hyphenation(line)
        out.append(line.rstrip(" "))
    _rejoin_line_breaks(out)
    return NormalizedText(lines=out, furniture_lines=sorted(i + 1 for i in furniture))


def _rejoin_line_breaks(lines: list[str]) -> None:
    """Move the fragment of a word split at a line end ("udpeg-" / "ninger") up to its line."""
    for index in range(len(lines) - 1):
        line = lines[index]
        if not HYPHEN_EOL.search(line):
            continue
        follower = next((j for j in range(index + 1, min(index + 3, len(lines))) if lines[j].strip()), None)
        if follower is None:
            continue
        match = NEXT_FRAGMENT.match(lines[follower].lstrip())
        if not match or match.group(1) in CONJUNCTIONS:
            continue
        lines[index] = line[:-1] + match.group(1) + match.group(2)
        lines[follower] = lines[follower].lstrip()[match.end():]
