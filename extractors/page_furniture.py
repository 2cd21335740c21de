"""Running headers and footers ("page furniture"), found by repetition across pages.

A line is furniture when a line that looks the same (digits normalised, so `Side 7 af 40` and
`Side 8 af 40` match) stands at about the same height at the top or the bottom of at least half of
the pages. Nothing is hard-coded: a header such as `KKR Hovedstaden | Referat | 16-06-2026` is found
because it repeats, and a body line that happens to open two pages is kept because it does not
repeat on enough of them. Pure functions; the PDF loader supplies the lines.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

_DIGITS = re.compile(r"\d+")
_SPACE = re.compile(r"\s+")
_ROMAN_PAGE = re.compile(r"^[ivxlc]+$")


@dataclass(frozen=True)
class PageLine:
    """A line as furniture detection sees it: its text and its height on the page (top = 0)."""

    text: str
    top: float


def furniture_key(text: str) -> str:
    """Text normalised so that page numbers and dates do not make repeated lines differ."""
    key = _SPACE.sub(" ", text).strip().lower()
    key = _DIGITS.sub("#", key)
    return "#" if _ROMAN_PAGE.match(key) else key


def find_furniture(
    pages: list[list[PageLine]],
    *,
    depth: int = 3,
    min_share: float = 0.5,
    y_tolerance: float = 6.0,
) -> list[set[int]]:
    """For each page, the indexes of its lines that are running headers or footers.

    `pages` holds each page's lines in reading order (top first). Only the first and last `depth`
    lines of a page are candidates, and a page's header block ends at its first line that is not
    furniture (likewise its footer block from the bottom), so body text is never cut from the
    middle of a page. A candidate must repeat on at least `min_share` of the pages (and on at least
    two) with the same normalised text at about the same height, and its numbers must either stay
    the same (a date) or count the pages (a page number), so that, say, table rows that happen to
    open many pages are not taken for a header.
    """
    n_pages = len(pages)
    result: list[set[int]] = [set() for _ in pages]
    if n_pages < 2:
        return result
    need = max(2, math.ceil(min_share * n_pages))

    def key(region: str, line: PageLine) -> tuple[str, str, int]:
        return region, furniture_key(line.text), int(line.top // y_tolerance)

    counts: Counter = Counter()
    numbers: dict[tuple, list[tuple[int, tuple[int, ...]]]] = {}
    for p, lines in enumerate(pages):
        seen = set()
        for region, idxs in _regions(len(lines), depth):
            for i in idxs:
                k = key(region, lines[i])
                # count a line in its height band and the neighbouring band, once per page
                for band in (k[2], k[2] + 1):
                    kk = (k[0], k[1], band)
                    if kk not in seen:
                        seen.add(kk)
                        counts[kk] += 1
                        if "#" in k[1]:
                            nums = tuple(int(d) for d in _DIGITS.findall(lines[i].text)[:6])
                            numbers.setdefault(kk, []).append((p, nums))

    verdicts: dict = {}

    def numbering_ok(kk) -> bool:
        if kk not in verdicts:
            verdicts[kk] = _numbering_ok(numbers.get(kk))
        return verdicts[kk]

    def _numbering_ok(seen) -> bool:
        """Numbers in a running line are fixed (a date) or count the pages (a page number)."""
        if not seen:
            return True
        if len({nums for _, nums in seen}) == 1:
            return True
        width = min(len(nums) for _, nums in seen)
        for j in range(width):
            # one number counts the pages (allowing for a few restarts or unnumbered pages) ...
            offsets = Counter(nums[j] - p for p, nums in seen)
            if offsets.most_common(1)[0][1] < 0.8 * len(seen):
                continue
            # ... and the others stay put ("af 40")
            if all(Counter(nums[m] for _, nums in seen).most_common(1)[0][1] >= 0.8 * len(seen)
                   for m in range(width) if m != j):
                return True
        return False

    def is_furniture(region: str, line: PageLine) -> bool:
        r, text, band = key(region, line)
        if not text:
            return False
        for kk in ((r, text, band), (r, text, band + 1)):
            if counts[kk] >= need and numbering_ok(kk):
                return True
        return False

    for p, lines in enumerate(pages):
        for region, idxs in _regions(len(lines), depth):
            for i in idxs:
                if not is_furniture(region, lines[i]):
                    break
                result[p].add(i)
    return result


def _regions(n: int, depth: int) -> list[tuple[str, list[int]]]:
    """The header candidates from the top down and the footer candidates from the bottom up."""
    top = list(range(min(depth, n)))
    bottom = list(range(n - 1, max(n - 1 - depth, -1), -1))
    return [("top", top), ("bottom", bottom)]
