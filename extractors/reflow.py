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

from collections.abc import Callable
from dataclasses import dataclass

import regex

from extractors.decisions import classify_outcome
from extractors.header import field_labels
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


def _unmarked(line: str) -> str:
    """The paragraph without the page number before it, nor the same number closing it ("2 … Evt. 2")."""
    m = PAGE_MARK.match(line)
    if not m:
        return line
    body = line[m.end():]
    return regex.sub(rf"\s+{m.group(1)}\s*$", "", body)


def _page_marks(lines: list[str], min_length: int) -> set[int]:
    """0-based lines whose leading number is the page's: the paragraphs' numbers run 1, 2, 3, …"""
    marked = [(i, int(m.group(1))) for i, line in enumerate(lines)
              if len(line) >= min_length // 4 and (m := PAGE_MARK.match(line))]
    run = [i for (i, n), (_, previous) in zip(marked[1:], marked) if n == previous + 1]
    if len(run) + 1 < max(2, 0.6 * len(marked)):
        return set()
    return {i for i, _ in marked}


# An item's number where a flattened paragraph runs an item list or the items together:
# "1. Godkendelse af dagsorden 2. Orientering fra formanden 2 a. Orienteringspunkt …",
# "Punkt 2. Mødeplan", "PKT. 3. ØKONOMI", "Pkt. 4: Økonomi", "5) Budget". Only numbers that run on (1, 2, 3, … with sub-items
# "2 a." after their item) are items; a lone number is a date, an amount or a paragraph.
# The words before the number are the profile's ([reflow] number_words).
def _numbered(profile: Profile) -> regex.Pattern:
    words = profile.section("reflow")["number_words"]
    return regex.compile(rf"(?<=^|\s)(?:{words})?(\d{{1,3}})(?:\s?([a-z])\b)?[.:)](?=\s+[\p{{Lu}}\d])", regex.VERSION1)


def _numbered_cuts(lines: list[str], long: int, numbered: regex.Pattern) -> dict[int, set[int]]:
    """Where runs of item numbers counting up by one (at least three numbers, across the flattened
    paragraphs) begin their items: {0-based line: positions}."""
    chains: dict[int, list[tuple[int, int]]] = {}  # the number a run waits for -> its places
    ended: list[list[tuple[int, int]]] = []
    for index, line in enumerate(lines):
        if len(line) < long:
            continue
        for m in numbered.finditer(line):
            number, sub = int(m.group(1)), m.group(2)
            if sub is not None:  # "2 a." belongs to the run that has just counted 2
                if number + 1 in chains:
                    chains[number + 1].append((index, m.start()))
                continue
            run = chains.pop(number, None)
            if run is not None:
                if number + 1 in chains:  # two runs reach the same number (a list, then its items)
                    ended.append(chains[number + 1])
                chains[number + 1] = run + [(index, m.start())]
            elif number + 1 not in chains:  # a run may begin anywhere (numbers run through the year)
                chains[number + 1] = [(index, m.start())]
    runs = ended + list(chains.values())
    cuts: dict[int, set[int]] = {}
    titles: dict[str, str] = {}  # number -> the first words of its title in a run accepted
    for run in runs:
        if len(run) >= 3:
            for index, position in run:
                cuts.setdefault(index, set()).add(position)
                number, title = _entry(lines[index], position, numbered)
                titles.setdefault(number, title)
    for run in runs:  # a shorter run that repeats a list's entries: the items after the list
        if len(run) < 3:
            for index, position in run:
                number, title = _entry(lines[index], position, numbered)
                if title and titles.get(number) == title:
                    cuts.setdefault(index, set()).add(position)
    return cuts


def _entry(line: str, position: int, numbered: regex.Pattern) -> tuple[str, str]:
    """The number and the first three words of the title of a numbered entry at `position`."""
    m = numbered.match(line, position)
    words = regex.sub(r"[^\p{L}\d\s]", "", line[m.end():m.end() + 120]).split()[:3] if m else []
    return (regex.sub(r"\s+", "", f"{m.group(1)}{m.group(2) or ''}") if m else "", " ".join(words).lower())


LETTERED = regex.compile(r"[A-Za-z]\)")


def _title_end(line: str, position: int, numbered: regex.Pattern, openers: regex.Pattern,
               said: Callable[[str], bool] | None = None) -> int | None:
    """Where an item's title, run on into its text, ends: before the first word after it that can
    only open a sentence ("1. Godkendelse af referat Der er udarbejdet …" -> after "referat"), its
    first lettered point ("A) Økonomi."), a capitalised word that opens an outcome ("… dagsorden
    Dagsorden godkendt") or a table's header row in capitals."""
    m = numbered.match(line, position)
    if not m:
        return None
    words = list(regex.finditer(r"\S+", line[m.end():m.end() + 200]))
    capitals = regex.compile(r"\p{Lu}{3,}")
    mixed = not capitals.fullmatch(words[0].group()) if words else False
    for k, word in enumerate(words[1:16], start=1):
        if openers.fullmatch(word.group().rstrip(".,:;!?")) or LETTERED.fullmatch(word.group()):
            return m.end() + word.start()  # (or the item's first lettered point: "A) Økonomi.")
        if k >= 2 and regex.match(r"\p{Lu}\p{Ll}", word.group()) and said is not None and said(
                " ".join(w.group() for w in words[k:k + 4])):
            return m.end() + word.start()  # "Godkendelse af dagsorden Dagsorden godkendt"
        if mixed and k + 1 < len(words) and capitals.fullmatch(word.group()) and capitals.fullmatch(words[k + 1].group()):
            return m.end() + word.start()  # "Mødeplan for 2014 MØDE DAG DATO": a table's header row
        if word.group().endswith((".", ":", "?", "!")):
            return None  # the title ends at its own stop (read where items are found)
    return None


def _label_cut(profile: Profile) -> regex.Pattern:
    """Header and attendance labels with their colon, in capitals or with a capital first letter."""
    forms = sorted({form for label in field_labels(profile, body=False) for form in (label.capitalize(), label.upper())},
                   key=len, reverse=True)
    words = "|".join(regex.escape(form).replace(r"\ ", r"\s+") for form in forms)
    return regex.compile(rf"(?<=\s)(?=(?:{words})\s*:)")


# An item's number just before a place to cut: "… 3. | Beslutninger siden sidste møde".
ITEM_NUMBER_BEFORE = regex.compile(r"(?:^|\s)\d{1,3}[.)]\s+$")


def reflow(lines: list[str], profile: Profile) -> Reflowed:
    cfg = profile.section("reflow")
    before = profile.compile(cfg["before"], regex.VERSION1)
    after = profile.compile(cfg["after"], regex.VERSION1)
    labels = _label_cut(profile)
    numbered_pattern = _numbered(profile)
    # a numbering word or access marker left before a cut at its number: "Punkt | 2. Mødeplan" and
    # "Åben sag: | 239. Efterskole" are cut before the word
    prefix_before = regex.compile(rf"(?:{cfg['number_words']}|{cfg['access_words']})$", regex.VERSION1)
    openers = profile.compile(rf"(?:{'|'.join(cfg['sentence_openers'])})", regex.VERSION1)

    def said(words: str) -> bool:  # words that open with an outcome ("Dagsorden godkendt")
        return classify_outcome(words, profile) in ("approved", "noted", "rejected", "postponed")
    out: list[str] = []
    origin: list[int] = []
    pages = _page_marks(lines, cfg["min_paragraph"])
    lines = [_unmarked(line) if index in pages else line  # the site's page number is no item number
             for index, line in enumerate(lines)]
    numbered = _numbered_cuts(lines, cfg["min_paragraph"], numbered_pattern)
    for number, line in enumerate(lines, start=1):
        if len(line) < cfg["min_paragraph"]:
            out.append(line)
            origin.append(number)
            continue
        # (never right after an item's number: "3. Beslutninger siden sidste møde" is item 3's title)
        cuts = {m.start() for m in before.finditer(line) if m.start() > 0 and not ITEM_NUMBER_BEFORE.search(line, 0, m.start())}
        cuts |= {m.end() for m in after.finditer(line) if m.end() < len(line)}
        labelled = [m.start() for m in labels.finditer(line)]
        # (labels stacked over their values, "Mødested: Deltagere: Referent: Bytoften, …", stay together)
        cuts |= {start for start in labelled if start > 0 and not regex.search(r":\s*$", line[:start])}
        for start in labelled:  # "Fraværende: Anders Lund, Søren Dam Godkendt.": the names end at the sentence
            words = list(regex.finditer(r"\S+", line[start:start + 300]))
            for word in words[2:]:
                if openers.fullmatch(word.group().rstrip(".,:;!?")):
                    cuts.add(start + word.start())
                    break
                if word.group().endswith(":"):
                    break  # the next label
        items = numbered.get(number - 1, set())
        cuts |= {position for position in items if position > 0}
        cuts |= {end for position in items if (end := _title_end(line, position, numbered_pattern, openers, said)) is not None}
        cuts = {(c - len(m.group()) if line[c:c + 1].isdigit() and (m := prefix_before.search(line, 0, c)) else c)
                for c in cuts}  # (only a cut at a number: "Åben sag | Beslutning" stays as it is)
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
