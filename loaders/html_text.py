"""HTML to the text shape the extractors read: one paragraph per line, headings on lines of their
own, list entries as `- ` (or their numbers, `1. `, in an ordered list), tables as table records.

Meeting systems publish an item's fields as HTML fragments (FirstAgenda's `Felter[].Html`, the
`<Content>` of an SBSYS XML field) and whole meetings as web pages; the same renderer turns both
into lines. Parsing is lxml's (a real HTML parser: no regular expressions over markup); scripts,
styles and forms are dropped. `<table>` elements become `RawTable`s, each standing on one blank
placeholder line of the text, like the tables a PDF's layout gives. An ordered list keeps the
markers it shows: `1. `, or `A) ` / `a) ` where it is lettered (`type="A"`, `list-style-type:
upper-alpha`), as lettered points are written in minutes. A table row whose cells each stack the
same number of paragraphs, one of them a column of amounts (names beside their amounts, laid out
in one row), is read as that many rows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import lxml.html
from lxml import etree

from extractors.tables import RawTable
from loaders.errors import CorruptDocument

BLOCKS = {"p", "div", "section", "article", "header", "footer", "main", "aside", "blockquote", "address",
          "h1", "h2", "h3", "h4", "h5", "h6", "li", "dd", "dt", "pre", "figure", "figcaption", "caption",
          "fieldset", "legend", "details", "summary", "center", "nav", "dl", "ul", "ol", "hr"}
HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
DROP = {"script", "style", "noscript", "template", "svg", "button", "select", "option", "input", "textarea",
        "form", "iframe", "object", "embed", "head", "title", "meta", "link"}


@dataclass
class Rendered:
    """Lines of text (no newlines inside a line), the tables found, and for every line whether it
    was a heading in the markup."""

    lines: list[str] = field(default_factory=list)
    tables: list[RawTable] = field(default_factory=list)
    headings: set[int] = field(default_factory=set)  # 0-based indexes into `lines`


# Deeper than any page of minutes is nested: such a tree is refused, never read in part.
MAX_DEPTH = 1000


def tree_depth(root: etree._Element) -> int:
    """How deep the tree is nested (iteratively: a deep tree must not exhaust the stack)."""
    deepest, stack = 0, [(root, 1)]
    while stack:
        element, depth = stack.pop()
        deepest = max(deepest, depth)
        if depth <= MAX_DEPTH:
            stack.extend((child, depth + 1) for child in element)
    return deepest


def parse_fragment(html: str) -> etree._Element | None:
    """An HTML fragment (or page) as an element tree; None for an empty one."""
    if not html or not html.strip():
        return None
    try:
        root = lxml.html.fragment_fromstring(html, create_parent="div", parser=lxml.html.HTMLParser(huge_tree=True))
    except (etree.ParserError, ValueError):
        return None
    depth = tree_depth(root)
    if depth > MAX_DEPTH:  # read whole or not at all, never cut
        raise CorruptDocument(f"an HTML field nested more than {MAX_DEPTH} levels deep: not read rather than read in part")
    return root


def render(html: str | etree._Element | None, first_line: int = 1) -> Rendered:
    """Render `html` to lines. `first_line` is the 1-based line the output will start on in the
    document's text (the tables' placeholder lines are numbered from it)."""
    root = parse_fragment(html) if isinstance(html, str) else html
    out = _Renderer(first_line)
    if root is not None:
        out.walk(root)
        out.flush()
    return out.result


def text_of(element: etree._Element | None) -> str:
    """The text of an element, whitespace collapsed (scripts and styles left out; a line break or
    a block inside it is a space)."""
    if element is None:
        return ""
    return " ".join(_raw_text(element).split())


def _raw_text(element: etree._Element) -> str:
    tag = element.tag.lower() if isinstance(element.tag, str) else ""
    if not tag or tag in DROP:
        return ""
    parts = [element.text or ""]
    for child in element:
        parts.append(_raw_text(child))
        if isinstance(child.tag, str) and (child.tag.lower() in BLOCKS or child.tag.lower() in ("br", "td", "th")):
            parts.append(" ")
        parts.append(child.tail or "")
    return "".join(parts)


class _Renderer:
    def __init__(self, first_line: int):
        self.first_line = first_line
        self.result = Rendered()
        self.current: list[str] = []
        self.lists: list[list[int]] = []  # counters of the open lists; [-1] for an unordered one

    def flush(self, heading: bool = False) -> None:
        text = " ".join("".join(self.current).split())
        self.current = []
        if text:
            if heading:
                self.result.headings.add(len(self.result.lines))
            self.result.lines.append(text)

    def walk(self, element: etree._Element) -> None:
        tag = element.tag.lower() if isinstance(element.tag, str) else ""
        if not tag or tag in DROP:  # comments, processing instructions, scripts
            return
        if tag == "table":
            self.flush()
            self.table(element)
            return
        if tag == "br":
            self.flush()
        elif tag in BLOCKS:
            self.flush()
        if tag in ("ul", "ol"):
            start = element.get("start")
            first = int(start) if start and start.strip().isdigit() else 1
            self.lists.append([first, _list_style(element)] if tag == "ol" else [-1, "disc"])
        if tag == "li":
            counter = self.lists[-1] if self.lists else [-1, "disc"]
            if counter[0] >= 0:
                self.current.append(_marker(counter[0], counter[1]))
                counter[0] += 1
            else:
                self.current.append("- ")
        if element.text:
            self.current.append(element.text)
        for child in element:
            self.walk(child)
            if child.tail:
                self.current.append(child.tail)
        if tag in ("ul", "ol") and self.lists:
            self.lists.pop()
        if tag in BLOCKS or tag == "br":
            self.flush(heading=tag in HEADINGS)

    def table(self, element: etree._Element) -> None:
        if self.item_table(element):
            return
        rows = []
        for tds in _row_cells(element):
            for cells in _stacked_rows(tds) or [[text_of(td) for td in tds]]:
                if any(cells):
                    while cells and not cells[-1]:
                        cells.pop()
                    rows.append(cells)
        if not rows:
            return
        if len(rows) == 1 and len(rows[0]) == 1:  # a one-cell "table" is a framed paragraph
            self.result.lines.append(rows[0][0])
            return
        line = self.first_line + len(self.result.lines)  # a blank line stands for the table
        self.result.lines.append("")
        caption = element.find("caption")
        self.result.tables.append(RawTable(rows=rows, start_line=line, end_line=line,
                                           caption=text_of(caption) or None))

    def item_table(self, element: etree._Element) -> bool:
        """A table that holds the meeting's items, one row each, its first column the item (number,
        title, case text) and the others what was recorded, under the header row's names
        ("Mødepunkt | Referat"): read as the items it lays out - the first cell, then each other
        column's name on a line of its own over its cell. Whether it is such a table: at least two
        rows under the header, and the first cell of most of them opens with an item's number."""
        rows = [cells for cells in _row_cells(element) if cells]
        if len(rows) < 3 or not 2 <= len(rows[0]) <= 4:
            return False
        header = [text_of(cell) for cell in rows[0]]
        if not all(header) or any(len(name) > 40 or ITEM_NUMBER.match(name) for name in header):
            return False
        body = rows[1:]
        numbered = [r for r in body if ITEM_NUMBER.match(text_of(r[0]))]
        if len(numbered) < 2 or len(numbered) * 3 < len(body) * 2 or any(len(r) > len(header) for r in body):
            return False
        self.flush()
        for row in body:
            for column, cell in enumerate(row):
                lines = render(cell).lines
                if not lines:
                    continue
                if column > 0:
                    self.result.lines.append(header[column])
                    self.result.headings.add(len(self.result.lines) - 1)
                self.result.lines.extend(line for line in lines if line)
        return True


# An item's number at the start of a table's first cell: "1 – Title", "12. Title", "3) Title".
ITEM_NUMBER = re.compile(r"^\s*\d{1,3}[a-z]?\s*(?:[.):]|\s[-–]\s|\s+\S)")


def _row_cells(table: etree._Element) -> list[list[etree._Element]]:
    """The cells (`td`, `th`) of each row of `table`; a row of a table inside a cell is part of
    that cell's text, not a row of its own."""
    return [[td for td in tr if isinstance(td.tag, str) and td.tag.lower() in ("td", "th")]
            for tr in table.iter("tr") if _nearest_table(tr) is table]


def _nearest_table(element: etree._Element) -> etree._Element | None:
    parent = element.getparent()
    while parent is not None and not (isinstance(parent.tag, str) and parent.tag.lower() == "table"):
        parent = parent.getparent()
    return parent


ROMAN = ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"), (50, "l"), (40, "xl"),
         (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i"))
# `<ol type="…">` and the CSS list-style-type values that letter or number a list otherwise.
LIST_TYPES = {"a": "lower-alpha", "A": "upper-alpha", "i": "lower-roman", "I": "upper-roman", "1": "decimal"}
LIST_STYLES = {"lower-alpha", "upper-alpha", "lower-latin", "upper-latin", "lower-roman", "upper-roman", "decimal"}


def _list_style(element: etree._Element) -> str:
    """How an ordered list numbers its entries: its `type`, else the list-style-type of its
    inline style (a CSS declaration list, read as such), else decimal."""
    declared = (element.get("type") or "").strip()
    if declared in LIST_TYPES:
        return LIST_TYPES[declared]
    for declaration in (element.get("style") or "").split(";"):
        name, _, value = declaration.partition(":")
        if name.strip().lower() in ("list-style-type", "list-style"):
            for word in value.lower().split():
                if word in LIST_STYLES:
                    return word
    return "decimal"


def _marker(number: int, style: str) -> str:
    """The marker an entry shows: `3. `, or `C) ` / `c) ` / `iii) ` in a lettered or roman list."""
    if style.endswith(("alpha", "latin")) and 1 <= number <= 26:
        letter = chr(ord("a") + number - 1)
        return f"{letter.upper() if style.startswith('upper') else letter}) "
    if style.endswith("roman") and 1 <= number < 4000:
        roman, rest = "", number
        for value, numeral in ROMAN:
            while rest >= value:
                roman, rest = roman + numeral, rest - value
        return f"{roman.upper() if style.startswith('upper') else roman}) "
    return f"{number}. "


def _stacked_rows(cells: list[etree._Element]) -> list[list[str]] | None:
    """A row laid out as columns of stacked paragraphs - names in one cell, the amounts beside
    them, one paragraph each - as the rows it shows; None where the cells do not line up so (at
    least three lines in every filled cell, the same number in each, and one column of numbers
    only: cells that merely hold a few paragraphs of text stay one cell)."""
    if len(cells) < 2:
        return None
    columns = [render(cell).lines for cell in cells]
    filled = [c for c in columns if c]
    if len(filled) < 2 or len({len(c) for c in filled}) != 1 or len(filled[0]) < 3:
        return None
    if not any(all(_is_amount(line) for line in column) for column in filled):
        return None
    height = len(filled[0])
    return [[column[row] if column else "" for column in columns] for row in range(height)]


def _is_amount(line: str) -> bool:
    """"1,80", "-2.500", "12 %", "0,9 mio. kr.": digits, with at most a unit's few letters."""
    digits = sum(ch.isdigit() for ch in line)
    letters = sum(ch.isalpha() for ch in line)
    return digits > 0 and letters <= 6 and len(line) <= 30
