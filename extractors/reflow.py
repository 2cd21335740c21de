"""Pages flattened to one paragraph: their lines back, where the structure shows.

Document-sharing sites give the text of a PDF with every page run together into one paragraph
("3 Vordingborg Kommune … Sagsnr.: 14/ … Sagsfremstilling Dagsorden til mødet er … Indstilling
Administrationen indstiller, at … Beslutning i Erhvervsudvalget den Indstillingen tiltrådt."),
digits and line breaks partly lost. Such a paragraph is broken into lines before the words that
head an item's parts and its case number, and after a decision heading, as the profile's [reflow]
says; every new line remembers the line of the text it came from, so that spans point into the
document as it was read.
"""

from __future__ import annotations

from dataclasses import dataclass

import regex

from extractors.profile import Profile


@dataclass
class Reflowed:
    lines: list[str]
    origin: list[int]  # the 1-based line of the text each line came from


def is_flattened(lines: list[str], profile: Profile) -> bool:
    """Most of the text stands in paragraphs far longer than a line, and they hold part headings."""
    cfg = profile.section("reflow")
    long = [line for line in lines if len(line) >= cfg["min_paragraph"]]
    total = sum(len(line) for line in lines)
    if not long or sum(len(line) for line in long) < cfg["share"] * total:
        return False
    breaks = profile.compile(cfg["before"], regex.VERSION1)
    # a page's own paragraphs hold no headings; a flattened page's hold several different ones
    return any(len({line[m.start():m.start() + 8] for m in breaks.finditer(line)}) >= 2 for line in long)


# The page number a document-sharing site writes before each page's paragraph: "3 Vordingborg Kommune …".
PAGE_MARK = regex.compile(r"^\s*(\d{1,3})\s+(?=\S)")


def _page_marks(lines: list[str], min_length: int) -> set[int]:
    """0-based lines whose leading number is the page's: the paragraphs' numbers run 1, 2, 3, …"""
    marked = [(i, int(m.group(1))) for i, line in enumerate(lines)
              if len(line) >= min_length // 4 and (m := PAGE_MARK.match(line))]
    run = [i for (i, n), (_, previous) in zip(marked[1:], marked) if n == previous + 1]
    if len(run) + 1 < max(2, 0.6 * len(marked)):
        return set()
    return {i for i, _ in marked}


def reflow(lines: list[str], profile: Profile) -> Reflowed:
    cfg = profile.section("reflow")
    before = profile.compile(cfg["before"], regex.VERSION1)
    after = profile.compile(cfg["after"], regex.VERSION1)
    out: list[str] = []
    origin: list[int] = []
    pages = _page_marks(lines, cfg["min_paragraph"])
    for number, line in enumerate(lines, start=1):
        if number - 1 in pages:  # the site's page number is no item number
            line = PAGE_MARK.sub("", line, count=1)
        if len(line) < cfg["min_paragraph"]:
            out.append(line)
            origin.append(number)
            continue
        cuts = {m.start() for m in before.finditer(line) if m.start() > 0}
        cuts |= {m.end() for m in after.finditer(line) if m.end() < len(line)}
        start = 0
        for cut in sorted(cuts):
            piece = line[start:cut].strip()
            if piece:
                out.append(piece)
                origin.append(number)
            start = cut
        piece = line[start:].strip()
        if piece:
            out.append(piece)
            origin.append(number)
    return Reflowed(lines=out, origin=origin)
