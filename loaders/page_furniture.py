"""Running headers and footers ("page furniture"), found by repetition across pages.

A line is furniture when a line that looks the same (digits normalised, so `Side 7 af 40` and
`Side 8 af 40` match) stands at about the same height at the top or the bottom of at least half of
the pages. Nothing is hard-coded: a header such as `KKR Hovedstaden | Referat | 16-06-2026` is found
because it repeats, and a body line that happens to open two pages is kept because it does not
repeat on enough of them. Pure logic; the PDF loader supplies the lines.

`FurnitureTracker` works page by page (the loader streams), `find_furniture` on a whole document.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

# How many lines at the top (and at the bottom) of a page may be running header (footer). Header
# blocks of meeting systems run to five or six lines (eDoc: body, `Referat`, `Åbent referat`,
# `Dato: 04.12.2012`, `Side 3`). A page's block ends at its first line that is not furniture, so
# a generous depth cannot cut body text out of the middle of a page; it only lets a deep block be
# found whole instead of leaving its last lines in the text.
DEPTH = 8

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


class _KeyStats:
    """How often a candidate line was seen, and whether its numbers behave like a running line's:
    fixed (a date, "af 40") or counting the pages (a page number), kept incrementally. Most
    candidates (body lines) are seen once: their numbers are only counted from a second sighting."""

    __slots__ = ("pages", "last_page", "first", "offsets", "values", "best_offset", "best_value", "width")

    def __init__(self):
        self.pages = 0
        self.last_page = -1
        self.first: tuple[int, tuple[int, ...]] | None = None
        self.offsets: list[Counter] = []
        self.values: list[Counter] = []
        self.best_offset: list[int] = []
        self.best_value: list[int] = []
        self.width: int | None = None

    def add(self, page: int, nums: tuple[int, ...]) -> None:
        if page == self.last_page:
            return
        self.last_page = page
        self.pages += 1
        if self.pages == 1:
            self.first = (page, nums)
            return
        if self.first is not None:
            first, self.first = self.first, None
            self._count(*first)
        self._count(page, nums)

    def _count(self, page: int, nums: tuple[int, ...]) -> None:
        if self.width is None:
            self.width = len(nums)
            self.offsets = [Counter() for _ in nums]
            self.values = [Counter() for _ in nums]
            self.best_offset = [0] * len(nums)
            self.best_value = [0] * len(nums)
        self.width = min(self.width, len(nums))
        for j in range(self.width):
            o = self.offsets[j]
            o[nums[j] - page] += 1
            self.best_offset[j] = max(self.best_offset[j], o[nums[j] - page])
            v = self.values[j]
            v[nums[j]] += 1
            self.best_value[j] = max(self.best_value[j], v[nums[j]])

    def numbering_ok(self, share: float = 0.8) -> bool:
        if self.first is not None:  # seen on one page only
            return not self.first[1]
        if not self.width:
            return True
        need = share * self.pages
        if all(self.best_value[j] >= need for j in range(self.width)):
            return True  # all numbers fixed
        for j in range(self.width):
            if self.best_offset[j] >= need and all(
                self.best_value[m] >= need for m in range(self.width) if m != j
            ):
                return True  # one counts the pages, the others stay put
        return False


class FurnitureTracker:
    """Running headers and footers of a document read page by page.

    `add(lines)` counts a page's candidate lines (its first and last `depth` lines, top first);
    `furniture(lines)` then names the indexes of that page's lines that are headers or footers,
    judged on all pages added so far. A candidate must repeat on at least `min_share` of those
    pages (and on at least two) with the same normalised text at about the same height, and its
    numbers must stay the same or count the pages, so that, say, table rows that happen to open
    many pages are not taken for a header. A page's header block ends at its first line that is
    not furniture (likewise its footer block from the bottom), so body text is never cut from the
    middle of a page."""

    def __init__(self, depth: int = DEPTH, min_share: float = 0.5, y_tolerance: float = 6.0):
        self.depth = depth
        self.min_share = min_share
        self.y_tolerance = y_tolerance
        self.pages = 0
        self.stats: dict[tuple[str, str, int], _KeyStats] = {}

    def _key(self, region: str, line: PageLine) -> tuple[str, str, int]:
        return region, furniture_key(line.text), int(line.top // self.y_tolerance)

    def add(self, lines: list[PageLine]) -> None:
        page = self.pages
        self.pages += 1
        seen: dict[int, tuple[str, int, tuple[int, ...]]] = {}  # a line in both regions: read once
        for region, idxs in _regions(len(lines), self.depth):
            for i in idxs:
                got = seen.get(i)
                if got is None:
                    _, text, band = self._key(region, lines[i])
                    nums = tuple(int(d) for d in _DIGITS.findall(lines[i].text)[:6]) if "#" in text else ()
                    got = seen[i] = (text, band, nums)
                text, band, nums = got
                # count a line in its height band and the neighbouring band, once per page
                for kk in ((region, text, band), (region, text, band + 1)):
                    stats = self.stats.get(kk)
                    if stats is None:
                        stats = self.stats[kk] = _KeyStats()
                    stats.add(page, nums)

    def _is_furniture(self, region: str, line: PageLine, need: int) -> bool:
        r, text, band = self._key(region, line)
        if not text:
            return False
        for kk in ((r, text, band), (r, text, band + 1)):
            stats = self.stats.get(kk)
            if stats is not None and stats.pages >= need and stats.numbering_ok():
                return True
        return False

    def furniture(self, lines: list[PageLine]) -> set[int]:
        if self.pages < 2:
            return set()
        need = max(2, math.ceil(self.min_share * self.pages))
        out: set[int] = set()
        for region, idxs in _regions(len(lines), self.depth):
            for i in idxs:
                if not self._is_furniture(region, lines[i], need):
                    break
                out.add(i)
        return out


def find_furniture(
    pages: list[list[PageLine]],
    *,
    depth: int = DEPTH,
    min_share: float = 0.5,
    y_tolerance: float = 6.0,
) -> list[set[int]]:
    """For each page (its lines in reading order, top first), the indexes of its lines that are
    running headers or footers; see FurnitureTracker."""
    tracker = FurnitureTracker(depth, min_share, y_tolerance)
    for lines in pages:
        tracker.add(lines)
    return [tracker.furniture(lines) for lines in pages]


def _regions(n: int, depth: int) -> list[tuple[str, list[int]]]:
    """The header candidates from the top down and the footer candidates from the bottom up."""
    top = list(range(min(depth, n)))
    bottom = list(range(n - 1, max(n - 1 - depth, -1), -1))
    return [("top", top), ("bottom", bottom)]
