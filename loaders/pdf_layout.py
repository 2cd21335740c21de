"""From positioned PDF lines to referat's text shape. Pure: the PDF loader supplies the lines.

The text a PDF yields should read like the text fixture the same minutes would give: one paragraph
per line (lines wrapped by the layout joined, also across page breaks), headings and list entries on
their own lines, a blank line between paragraphs, words hyphenated at a line end rejoined, columns
laid out without rules separated by tabs (as in the text fixtures), and tables found by layout left
out with one placeholder line where they stood. Some "tables" are not tables to a reader: a list of
lettered points laid out in two columns is text (`is_list_table`), and a table of contents drawn
as a ruled table becomes TOC lines `<number> <title>\t<page>` (`toc_rows`).

Coordinates: `top`/`baseline` grow downwards from the top of the page, in points.
"""

from __future__ import annotations

import math
import re
import statistics
from dataclasses import dataclass, field

from extractors.normalize import CONJUNCTIONS
from extractors.tables import RawTable

# A suspended compound ("beredskabs- og samfundssikkerhed") keeps its hyphen and its space.
SUSPENDED_NEXT = CONJUNCTIONS
# What opens a bulleted line; a line that opens with one is never the tail of the line above. Word's
# second-level bullet is a lowercase `o` (Courier New), and symbol-font bullets come through as
# private-use characters.
_BULLETS = (
    "- ", "– ", "• ", "▪ ", "● ", "◦ ", "o ", "■ ", "□ ", "➢ ", "► ", "* ",
    "\uf0b7 ", "\uf0a7 ", "\uf0d8 ", "\uf076 ", "-\t", "•\t", "o\t",
)


@dataclass(slots=True)
class Line:
    """One visual line of body text (or a table placeholder when `table` is set)."""

    text: str
    page: int  # 1-based
    x0: float
    x1: float
    baseline: float  # from the top of the page
    size: float  # font size
    table: int | None = None  # index into the document's tables for a placeholder
    first_word: float = 0.0  # width of the first word (0: estimate from the text)
    edge: float = 0.0  # where full lines of its column end, when it is in a column (0: the page's)
    style0: int = 0  # text style of its first character (bold, colour, underline), 0 unknown
    style1: int = 0  # ... and of its last character (the loader packs them: loaders.pdf._style)


@dataclass
class PageTable:
    """A table found by layout analysis on one page."""

    rows: list[list[str]]
    page: int
    top: float
    bottom: float
    x0: float
    x1: float
    end_page: int | None = None
    col_edges: list[float] = field(default_factory=list)
    toc: "TocRows | None" = None  # the table read as TOC entries, when its rows are shaped like them
    row_bounds: list[tuple[float, float]] = field(default_factory=list)  # (top, bottom) of each row


# --- columns ----------------------------------------------------------------------------------


def column_breaks(gaps: list[float], size: float, wide_line: bool) -> list[int]:
    """Which of a line's word gaps (in points, left to right) are column boundaries.

    A boundary is wider than any word space can be: two ems for a line wider than its characters
    explain, one em for the gap before a TOC entry's page number (`wide_line` False), and in both
    cases 2.5 times the line's typical gap, so that the stretched spaces of a justified line are
    never taken for columns."""
    gap_min = max(2.0 * size, 14.0) if wide_line else size
    if len(gaps) > 1:
        gap_min = max(gap_min, 2.5 * sorted(gaps)[(len(gaps) - 1) // 2])
    return [i for i, gap in enumerate(gaps) if gap >= gap_min]


# --- lists and tables of contents laid out as tables ----------------------------------------------

# What stands in the first column of a list laid out as a table: a letter or number with a dot or
# a parenthesis ("a.", "B)", "(c)", "1)", "2.", "iv."), a section number ("1.1"), or one bullet
# sign ("-", "•", a symbol font's private-use bullet).
ENUMERATOR = re.compile(r"^(?:\(?(?:\d{1,3}|[A-Za-z]|[ivxlcIVXLC]{1,5})[.)]|\d{1,3}(?:\.\d{1,3})+\.?|[^\w\s])$")


def is_list_table(rows: list[list[str]]) -> bool:
    """Is this 'table' a list of lettered or numbered points laid out in two columns?

    Meeting systems (eDoc, Word templates) set points `a.`, `b.` or `A)`, `B)` as a two-column
    table, often without visible rules: the first column holds only the enumerators, the second the
    text. A reader sees a list, not a table, so it is read as text. Rule: at most two columns, every
    non-empty first cell an enumerator, and at least half of the rows carry one (a row without one
    continues the point above it)."""
    rows = [[c.strip() for c in r] for r in rows]
    rows = [r for r in rows if any(r)]
    if not rows:
        return False
    marked = 0
    for r in rows:
        while r and not r[-1]:
            r.pop()
        if len(r) > 2:
            return False
        if r[0]:
            if not ENUMERATOR.match(r[0]):
                return False
            marked += 1
    return marked >= max(1, (len(rows) + 1) // 2)


@dataclass
class TocRows:
    """A table read as a table of contents: one text line per entry, `<number> <title>\t<page>`
    (`<title>\t<page>` when it has no number), rows without a page (column headings, a section
    such as `Lukket punkt`) as plain lines."""

    lines: list[str]
    first_page: int
    last_page: int
    numbered: int  # entries with an item number
    header: list[list[str]] = field(default_factory=list)  # heading rows before the first entry


_PAGE_NO = re.compile(r"^\d{1,4}$")
_ITEM_NO = re.compile(r"^(?:(?:punkt|pkt\.)\s*)?(?:\d{1,3}(?:\.\d{1,3}){0,3}\.?|\d{1,3}\)|[A-Za-z][.)])$", re.I)
_NUMBERED_TITLE = re.compile(r"^(?:(?:punkt|pkt\.)\s*)?\d{1,3}(?:\.\d{1,3}){0,3}\.?\s+\S", re.I)
_LEADERS = re.compile(r"(?:\s*[.·_]){3,}\s*$|\s*…+\s*$")


def toc_rows(rows: list[list[str]], page: int = 1, page_count: int | None = None) -> TocRows | None:
    """The rows of a ruled table read as TOC entries, or None when they are not shaped like them.

    Structure, not words: the last column holds only page numbers (three digits at most, or up to
    the document's page count; never before the page the table is on; non-decreasing down the
    table: a TOC may cite the pages of a larger document than this PDF, but a column of years is
    no page column); the columns before it are a title, or an item number and a title. Rows before
    the first entry that hold no page number are headings (a title row, column headings); later,
    a row with a single cell is a section heading inside the TOC (`Lukket dagsorden`) and a number
    and title without a page an entry whose page is missing. Dot leaders at the end of a title are
    dropped (the tab stands for them)."""
    ncols = max((len(r) for r in rows), default=0)
    if not 2 <= ncols <= 3:
        return None
    lines: list[str] = []
    pages: list[int] = []
    numbered = 0
    header: list[list[str]] = []
    for row in rows:
        cells = [c.strip() for c in row] + [""] * (ncols - len(row))
        texts = [c for c in cells if c]
        if not texts:
            continue
        last = cells[-1]
        if not _PAGE_NO.match(last):
            if not pages:
                header.append(cells)
            elif last:
                return None
            elif len(texts) == 2 and ncols == 3 and not _ITEM_NO.match(texts[0]):
                return None
            lines.append(" ".join(texts))
            continue
        n = int(last)
        if n < max(page, 1) or (n > 999 and not (page_count and n <= page_count)) or (pages and n < pages[-1]):
            return None
        label = [c for c in cells[:-1] if c]
        if len(label) == 2:
            number, title = label
            if not _ITEM_NO.match(number):
                return None
            numbered += 1
        elif len(label) == 1:
            number, title = None, label[0]
            numbered += bool(_NUMBERED_TITLE.match(title))
        else:
            return None
        title = _LEADERS.sub("", title)
        if not any(ch.isalpha() for ch in title):
            return None
        lines.append(f"{number} {title}\t{n}" if number else f"{title}\t{n}")
        pages.append(n)
    if not pages:
        return None
    return TocRows(lines, pages[0], pages[-1], numbered, header)


# --- hyphenation -------------------------------------------------------------------------------


def join_hyphenated(left: str, right: str, lexicon: set[str] | None = None) -> str:
    """Join a line ending in a hyphen (`left`) with the next line (`right`).

    - "beredskabs-" + "og samfunds..." -> "beredskabs- og samfunds..." (suspended compound)
    - "KKR-" + "formandskabet" -> "KKR-formandskabet" (hyphen after a capital or digit is real)
    - "Copenhagen-" + "samarbejdet" -> "Copenhagen-samarbejdet" (name + word compound)
    - "samfunds-" + "sikkerhed" -> "samfundssikkerhed" (a word hyphenated at the line end)
    The document's own vocabulary (`lexicon`, lower-case words) settles the doubtful cases: a word
    written elsewhere with (or without) the hyphen is joined the same way here.
    """
    left = left.rstrip()
    right = right.lstrip()
    head = left[:-1]
    frag = head[head.rfind(" ") + 1 :]  # string ops, not regexes: `left` is a whole paragraph
    cut = right.find(" ")
    nxt_word = right if cut < 0 else right[:cut]
    bare_next = nxt_word
    while bare_next and not bare_next[-1].isalnum():
        bare_next = bare_next[:-1]
    if not right or not frag or not nxt_word:
        return f"{left} {right}".strip()
    if frag[-1].isdigit() and nxt_word[0].isdigit():
        return left + right  # a range: "2021-2025"
    if not frag[-1].isalpha():
        return f"{left} {right}"
    if bare_next.lower() in SUSPENDED_NEXT or not nxt_word[0].isalpha():
        return f"{left} {right}"
    closed = (frag + bare_next).lower()
    hyphened = (frag + "-" + bare_next).lower()
    if lexicon:
        has_hyphened, has_closed = _known(hyphened, lexicon), _known(closed, lexicon)
        if has_hyphened and not has_closed:
            return left + right
        if has_closed and not has_hyphened:
            return head + right
    if nxt_word[0].isupper() or frag[-1].isupper() or frag[-1].isdigit() or "-" in frag:
        return left + right
    if frag[0].isupper() and len(frag) > 1 and not frag.isupper() and _is_name_like(frag):
        return left + right
    return head + right


def _is_name_like(frag: str) -> bool:
    # "Copenhagen-samarbejdet", "Greve-aftalen": a capitalised whole word before the hyphen. A
    # capitalised fragment that is the start of a hyphenated sentence-initial word ("Fordelings-"
    # + "nøglen") also looks like this; the lexicon decides those when it can.
    return frag[0].isupper() and frag[1:].islower() and len(frag) >= 4 and not frag.endswith("s")


def _known(word: str, lexicon: set[str]) -> bool:
    return any(word + p in lexicon for p in ("", ".", ",", ":", ";", ")"))


# --- paragraphs --------------------------------------------------------------------------------


def body_leading(lines: list[Line]) -> float:
    """The usual baseline distance between lines of body text, relative to the font size."""
    ratios = []
    for a, b in zip(lines, lines[1:]):
        if a.table is None and b.table is None and a.page == b.page and abs(a.size - b.size) < 0.3:
            d = b.baseline - a.baseline
            if 0 < d < 3 * a.size:
                ratios.append(round(d / a.size, 2))
    if not ratios:
        return 1.25
    try:
        return statistics.mode(ratios)
    except statistics.StatisticsError:
        return statistics.median(ratios)


def right_edge(lines: list[Line], page_width: float | None = None) -> float:
    """Where full lines end: a high percentile of the line ends (robust to a few wide lines).

    Trusted when several lines end right there (justified text) or near the right margin that
    margins as wide as the left would give (wrapped text). Otherwise nothing was
    wrapped (a short document of lists) and the right margin is taken to be as wide as the left."""
    ends = sorted(ln.x1 for ln in lines if ln.table is None and "\t" not in ln.text)
    if not ends:
        return 0.0
    edge = ends[min(len(ends) - 1, math.ceil(0.995 * (len(ends) - 1)))]
    near = sum(1 for x in ends if abs(x - edge) <= 1.5)  # justified lines all end there
    if page_width and near < 3:
        symmetric = page_width - min(ln.x0 for ln in lines if ln.table is None)
        if edge < 0.9 * symmetric:
            return symmetric
    return edge


def text_bottom(lines: list[Line]) -> float | None:
    """Where the text of a full page ends (the baseline of its last line), or None with fewer
    than two pages to tell: the upper quartile of the pages' last body lines, so that a page that
    ends early (before a heading kept with its text, at the end of the document) or one stray low
    line does not set it. `lines` must be body text, running headers and footers removed."""
    last: dict[int, float] = {}
    for ln in lines:
        if ln.table is None and ln.text.strip():
            last[ln.page] = max(last.get(ln.page, ln.baseline), ln.baseline)
    if len(last) < 2:
        return None
    ends = sorted(last.values())
    return ends[math.ceil(0.75 * (len(ends) - 1))]


def _first_word_width(line: Line) -> float:
    if line.first_word > 0:
        return line.first_word
    text = line.text.strip()
    if not text:
        return 0.0
    word = text.split()[0]
    return (line.x1 - line.x0) * len(word) / max(len(text), 1)


def _is_wrapped(a: Line, b: Line, edge: float, left: float) -> bool:
    """Did the layout break the line `a` because `b`'s first word did not fit after it?"""
    if abs(a.size - b.size) > 0.5 or "\t" in a.text or "\t" in b.text or b.text.lstrip()[:2] in _BULLETS:
        return False
    if a.edge:
        edge = a.edge
    size = a.size
    if a.text[-1:] == "-" and a.x1 >= left + 0.6 * (edge - left):
        return True
    # it did not fit: the line, a space and the next line's first word pass the right edge
    return a.x1 + 0.28 * size + _first_word_width(b) > edge - 0.6 * size


def assemble(
    lines: list[Line], tables: list[PageTable], page_width: float | None = None
) -> tuple[str, list[int], list[RawTable]]:
    """Body lines of all pages (furniture removed, reading order) to text, line pages and tables.

    Tables that continue at the top of the next page (same columns) are merged into one, and a
    repeated heading row is dropped from the continuation. (The loader streams the same work page
    by page through `Assembler`.)"""
    asm = Assembler.calibrated(lines, page_width)
    asm.learn(lines)
    for ln in lines:
        asm.feed(ln, tables[ln.table] if ln.table is not None else None)
    return asm.finish()


class Assembler:
    """Builds the text line by line, keeping only the output and the paragraph being built.

    The layout measures it judges lines by (the usual leading, where full lines end, the left
    margin) come from a sample of the document's lines (`calibrated`); the vocabulary that settles
    doubtful hyphenations grows with every line it `learn`s."""

    def __init__(self, lead: float, edge: float, left: float, bottom: float | None = None):
        self.lead, self.edge, self.left, self.bottom = lead, edge, left, bottom
        self.lexicon: set[str] = set()
        self.out_lines: list[str] = []
        self.out_pages: list[int] = []
        self.out_end_pages: list[int] = []  # where each line ends: a paragraph may run onto the next page
        self.raw_tables: list[RawTable] = []
        self.placeholders: set[int] = set()
        self.cur: str | None = None  # paragraph being built
        self.cur_page = 0
        self.cur_end_page = 0
        self.prev: Line | None = None
        self.prev_table: PageTable | None = None
        self.toc_table: PageTable | None = None  # the last table emitted as TOC lines ...
        self.toc_line: Line | None = None  # ... and its placeholder, to tell its continuation
        self.blank_next = False  # a blank line before the next paragraph (after TOC lines)

    @classmethod
    def calibrated(cls, sample: list[Line], page_width: float | None = None) -> "Assembler":
        return cls(
            body_leading(sample),
            right_edge(sample, page_width),
            min((ln.x0 for ln in sample if ln.table is None), default=0.0),
            text_bottom(sample),
        )

    def learn(self, lines: list[Line]) -> None:
        self.lexicon.update(" ".join([ln.text for ln in lines if ln.table is None]).lower().split())

    def _flush(self) -> None:
        if self.cur is not None:
            self.out_lines.append(self.cur)
            self.out_pages.append(self.cur_page)
            self.out_end_pages.append(self.cur_end_page)
            self.cur = None

    def feed(self, ln: Line, table: PageTable | None = None) -> None:
        prev = self.prev
        if table is not None:
            if table.toc is not None and self._is_toc(ln, table):
                self._emit_toc(ln, table)
                return
            if (
                self.raw_tables
                and prev is not None
                and prev.table is not None
                and self.prev_table is not None
                and prev.page == ln.page - 1
                and _continues(self.prev_table, table)
            ):
                _merge(self.raw_tables[-1], table)
                self.prev, self.prev_table = ln, table
                return
            self._flush()
            out = self.out_lines
            if not out or out[-1] != "" or len(out) in self.placeholders:
                out.append("")
                self.out_pages.append(ln.page)
                self.out_end_pages.append(table.end_page or table.page)
            lineno = len(out)  # the placeholder blank line, 1-based
            self.blank_next = False
            self.placeholders.add(lineno)
            self.raw_tables.append(
                RawTable(
                    rows=[list(r) for r in table.rows],
                    start_line=lineno,
                    end_line=lineno,
                    page=table.page,
                    end_page=table.end_page or table.page,
                )
            )
            self.prev, self.prev_table = ln, table
            return
        text = ln.text.strip()
        if not text:
            return
        if self.cur is None:  # start of the document, or right after a table
            if self.blank_next:
                self.out_lines.append("")
                self.out_pages.append(ln.page)
                self.out_end_pages.append(ln.page)
                self.blank_next = False
            self.cur, self.cur_page, self.cur_end_page, self.prev = text, ln.page, ln.page, ln
            return
        brk = _break_between(prev, ln, self.lead, self.edge, self.left, self.bottom)
        if brk == "join":
            self.cur = join_hyphenated(self.cur, text, self.lexicon) if self.cur.endswith("-") else f"{self.cur} {text}"
            self.cur_end_page = ln.page
        else:
            self._flush()
            if brk == "para":
                self.out_lines.append("")
                self.out_pages.append(ln.page)
                self.out_end_pages.append(ln.page)
            self.cur, self.cur_page, self.cur_end_page = text, ln.page, ln.page
        self.prev = ln

    def _is_toc(self, ln: Line, table: PageTable) -> bool:
        """A ruled table shaped like a TOC (see `toc_rows`) with at least three numbered entries,
        or the rest of the one just emitted, continued at the top of the next page."""
        toc = table.toc
        if toc.numbered >= 3:
            return True
        before = self.toc_table
        return (
            before is not None
            and self.prev is self.toc_line
            and ln.page == self.prev.page + 1
            and _continues(before, table)
            and toc.first_page >= before.toc.last_page
        )

    def _emit_toc(self, ln: Line, table: PageTable) -> None:
        """The TOC table as text lines, one per entry, as the text extractors read a TOC; a
        heading row repeated on the next page is left out."""
        continued = self.prev is self.toc_line and self.toc_table is not None
        lines = table.toc.lines
        if continued and table.toc.header and table.toc.header == self.toc_table.toc.header:
            lines = lines[len(table.toc.header):]
        self._flush()
        out = self.out_lines
        if out and out[-1] != "" and not continued:
            out.append("")
            self.out_pages.append(ln.page)
            self.out_end_pages.append(ln.page)
        for text in lines:
            out.append(text)
            self.out_pages.append(ln.page)
            self.out_end_pages.append(ln.page)
        self.toc_table, self.toc_line = table, ln
        self.prev, self.prev_table = ln, None  # no data table goes on from here
        self.blank_next = True

    def finish(self) -> tuple[str, list[int], list[RawTable]]:
        self._flush()
        return "\n".join(self.out_lines), self.out_pages, self.raw_tables


def _break_between(
    a: Line, b: Line, lead: float, edge: float, left: float, bottom: float | None = None
) -> str:
    """'join' (same paragraph, wrapped), 'line' (new line, same block) or 'para' (blank line).

    A full line `a` is joined with `b` unless `b` visibly starts something new (`_starts_anew`).
    Across a page break (or to the top of the next column) only a full line continues, and after
    a line that ends a sentence only when the page was full too: a page that ends higher than
    full pages do was broken on purpose (a heading kept with its text, a new paragraph that did
    not fit), so what follows is a new paragraph (`_page_was_full`)."""
    if a.page != b.page or (b.baseline < a.baseline and b.x0 >= a.x1):
        if not _is_wrapped(a, b, edge, left) or _starts_anew(a, b):
            return "para"
        if _ends_sentence(a.text) and not b.text.lstrip()[:1].islower() and not _page_was_full(a, bottom, lead):
            return "para"
        return "join"
    gap = b.baseline - a.baseline
    size = max(a.size, b.size)
    if gap < 0 or gap > lead * size * 1.35 + 0.5:
        return "para"
    if abs(a.size - b.size) > 0.5:
        return "para"
    return "join" if _is_wrapped(a, b, edge, left) and not _starts_anew(a, b) else "line"


_SENTENCE_END = re.compile(r"[.!?:][)\"”’»]*$")
_NUMBERED_HEADING = re.compile(r"^\d{1,3}(?:\.\d{1,3}){0,3}\.?\s+(\S)")
_LIST_POINT = re.compile(r"^(?:\d{1,3}\)|[A-Za-z][.)]|\([0-9A-Za-z]{1,3}\))\s+\S")


def _ends_sentence(text: str) -> bool:
    return bool(_SENTENCE_END.search(text))


def _opens_block(text: str) -> bool:
    """A numbered heading (`1.2 Status`, `3. Eventuelt`, `2 GetOrganized`: a number, then a
    capital), a lettered or numbered point (`a. `, `B) `, `2) `) or a short label ending in a
    colon (`Referat:`, `Kendte fejl:`)."""
    text = text.strip()
    m = _NUMBERED_HEADING.match(text)
    if (m and m.group(1).isupper()) or _LIST_POINT.match(text):
        return True
    return text.endswith(":") and len(text) <= 40 and text.count(" ") <= 3


def _starts_anew(a: Line, b: Line) -> bool:
    """Does `b` start something new even though `a` is full? Rules:
    - the text style changes at the break (bold to regular, black to grey or red: a heading and
      its text, a note added in colour), except inside a word hyphenated at the line end;
    - `a` ends a sentence (or a colon) and `b` opens a block (`_opens_block`): a heading, a list
      point or a label does not continue the sentence before it."""
    if a.style1 and b.style0 and a.style1 != b.style0:
        if not (a.text.endswith("-") and b.text.lstrip()[:1].islower()):
            return True
    return _ends_sentence(a.text) and _opens_block(b.text)


def _page_was_full(a: Line, bottom: float | None, lead: float) -> bool:
    """Is `a`, the last line of its page, where a full page's text ends? Unknown (no measure of
    full pages) counts as full. Widow control may move one line to the next page, hence 1.5 lines
    of slack."""
    return bottom is None or a.baseline >= bottom - 1.5 * lead * a.size


def _continues(a: PageTable, b: PageTable) -> bool:
    """Is `b` (top of the next page) the rest of `a` (bottom of the previous page)?"""
    if not a.rows or not b.rows:
        return False
    if max(map(len, a.rows)) != max(map(len, b.rows)):
        return False
    if a.col_edges and b.col_edges and len(a.col_edges) == len(b.col_edges):
        return all(abs(x - y) < 3.0 for x, y in zip(a.col_edges, b.col_edges))
    return abs(a.x0 - b.x0) < 3.0 and abs(a.x1 - b.x1) < 3.0


def _merge(raw: RawTable, cont: PageTable) -> None:
    rows = [list(r) for r in cont.rows]
    k = 0
    while k < len(rows) and k < len(raw.rows) and rows[k] == raw.rows[k]:
        k += 1  # heading rows repeated on the new page
    raw.rows.extend(rows[k:])
    raw.end_page = cont.page


# --- ruled grids -------------------------------------------------------------------------------


def grid_tables(edges: list[dict], tol: float = 2.5) -> tuple[list[list[list[tuple]]], list[dict]]:
    """Cells of the simple ruled tables among `edges` (pdfplumber edge dicts, already merged).

    A table here is a full grid: every horizontal rule spans the table's width and every vertical
    rule its height, which is how most meeting systems draw tables. Returns the grids (rows of
    cell bboxes `(x0, top, x1, bottom)`) and the edges of whatever is not such a grid, which the
    caller hands to pdfplumber's general table finder (merged cells, partial rules)."""
    hs = [e for e in edges if e["orientation"] == "h"]
    vs = [e for e in edges if e["orientation"] == "v"]
    # vertical extents of tables: unions of overlapping vertical rules
    spans: list[list[float]] = []
    for e in sorted(vs, key=lambda e: e["top"]):
        if spans and e["top"] <= spans[-1][1] + tol:
            spans[-1][1] = max(spans[-1][1], e["bottom"])
        else:
            spans.append([e["top"], e["bottom"]])
    grids: list[list[list[tuple]]] = []
    rest: list[dict] = []
    for top, bottom in spans:
        gv = [e for e in vs if e["top"] >= top - tol and e["bottom"] <= bottom + tol]
        gh = [e for e in hs if top - tol <= e["top"] <= bottom + tol]
        grid = _full_grid(gh, gv, top, bottom, tol)
        if grid is None:
            rest.extend(gv + gh)
        else:
            grids.append(grid)
    return grids, rest


def _full_grid(hs: list[dict], vs: list[dict], top: float, bottom: float, tol: float):
    if len(hs) < 2 or len(vs) < 2:
        return None
    left = min(e["x0"] for e in vs)
    right = max(e["x0"] for e in vs)
    if any(abs(e["x0"] - left) > tol or abs(e["x1"] - right) > tol for e in hs):
        return None
    if any(abs(e["top"] - top) > tol or abs(e["bottom"] - bottom) > tol for e in vs):
        return None
    xs = _distinct(sorted(e["x0"] for e in vs), tol)
    ys = _distinct(sorted(e["top"] for e in hs), tol)
    if len(xs) < 2 or len(ys) < 2:
        return None
    return [[(xs[c], ys[r], xs[c + 1], ys[r + 1]) for c in range(len(xs) - 1)] for r in range(len(ys) - 1)]


def _distinct(values: list[float], tol: float) -> list[float]:
    out: list[float] = []
    for v in values:
        if not out or v - out[-1] > tol:
            out.append(v)
    return out


def merge_rules(edges: list[dict], tol: float = 3.0) -> list[dict]:
    """Snap ruling lines that lie on (about) the same y (x for vertical ones) together and join the
    ones that touch or overlap: the borders of neighbouring cells become one rule. A simple, fast
    stand-in for pdfplumber's merge_edges, for the common case of axis-aligned rules."""
    out: list[dict] = []
    for orientation, pos, lo, hi in (("h", "top", "x0", "x1"), ("v", "x0", "top", "bottom")):
        group = sorted((e for e in edges if e["orientation"] == orientation), key=lambda e: e[pos])
        clusters: list[list[dict]] = []
        for e in group:
            if clusters and e[pos] - clusters[-1][0][pos] <= tol:
                clusters[-1].append(e)
            else:
                clusters.append([e])
        for cluster in clusters:
            at = sum(e[pos] for e in cluster) / len(cluster)
            spans = sorted((e[lo], e[hi]) for e in cluster)
            start, end = spans[0]
            for a, b in spans[1:] + [(float("inf"), float("inf"))]:
                if a <= end + tol:
                    end = max(end, b)
                    continue
                if orientation == "h":
                    out.append({"x0": start, "x1": end, "top": at, "bottom": at, "width": end - start,
                                "height": 0.0, "orientation": "h", "object_type": "line"})
                else:
                    out.append({"x0": at, "x1": at, "top": start, "bottom": end, "width": 0.0,
                                "height": end - start, "orientation": "v", "object_type": "line"})
                start, end = a, b
    return out


# --- two-column pages --------------------------------------------------------------------------


def find_gutter(lines: list[Line], page_width: float) -> float | None:
    """The x of the gutter of a page set in two text columns, or None for a one-column page.

    Two columns: at least four lines of text lie wholly on each side of some x in the middle half
    of the page, hardly any line crosses it, and the lines on both sides read like prose (a two
    column table laid out without rules has short cells and is not taken for columns)."""
    if page_width <= 0 or len(lines) < 8:
        return None
    if sum(1 for ln in lines if ln.x0 > 0.3 * page_width) < 4:  # cheap: nothing starts mid-page
        return None
    best = None
    for step in range(0, 51):
        x = page_width * (0.25 + 0.01 * step)
        left = right = crossing = 0
        for ln in lines:
            if ln.x1 <= x:
                left += 1
            elif ln.x0 >= x:
                right += 1
            else:
                crossing += 1
        if left >= 4 and right >= 4 and crossing <= 0.15 * len(lines):
            if best is None or crossing < best[0]:
                best = (crossing, x)
    if best is None:
        return None
    x = best[1]
    left = [ln for ln in lines if ln.x1 <= x]
    right = [ln for ln in lines if ln.x0 >= x]
    if statistics.median(len(ln.text) for ln in left) < 25 or statistics.median(len(ln.text) for ln in right) < 25:
        return None
    # side by side, not one block above the other
    top = max(min(ln.baseline for ln in left), min(ln.baseline for ln in right))
    bottom = min(max(ln.baseline for ln in left), max(ln.baseline for ln in right))
    return x if bottom - top > 2 * max(ln.size for ln in lines) else None


def column_order(lines: list[Line], gutter: float) -> list[Line]:
    """Reading order of a two-column page: lines across the page split it into bands; in each
    band the left column is read before the right one."""
    left_ends = sorted(ln.x1 for ln in lines if ln.x1 <= gutter)
    left_edge = left_ends[min(len(left_ends) - 1, math.ceil(0.95 * (len(left_ends) - 1)))]
    for ln in lines:
        if ln.x1 <= gutter:
            ln.edge = left_edge
    ordered: list[Line] = []
    band: list[Line] = []
    for ln in sorted(lines, key=lambda ln: ln.baseline):
        if ln.x0 < gutter < ln.x1:  # across the gutter: ends the band
            ordered += [b for b in band if b.x1 <= gutter] + [b for b in band if b.x1 > gutter]
            band = []
            ordered.append(ln)
        else:
            band.append(ln)
    ordered += [b for b in band if b.x1 <= gutter] + [b for b in band if b.x1 > gutter]
    return ordered
