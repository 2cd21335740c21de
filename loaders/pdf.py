"""PDF minutes to text with a page map and the tables only the layout shows.

Fast path: every page's text and line geometry come from pypdfium2 (one text call per page plus
three or four character look-ups per line). Ruling lines are read off pdfium's page objects; only a
page that has a grid of them gets table analysis: a full grid is read directly, anything else goes
to pdfplumber's table finder fed those same edges (pdfplumber's own per-character page parse, the
slow part, is never run). Cells take their text from pdfium, and the text lines inside a table are
left out of the text. Columns laid out without rules (a TOC, a small two-column block) are told by
wide gaps between words and come out tab-separated, like in the text fixtures; a page set in two
text columns is read column by column. A ruled "table" that is a list of lettered points stays
text, one that is a table of contents becomes TOC lines (loaders/pdf_layout). Each line also
carries the style of its first and last character (bold, fill colour, underline: a few pdfium
look-ups per line), which tells a heading or a note from the text it stands over.

Pages are streamed: each is read, assembled into the text and dropped (after a short calibration
window), so memory holds the output but not the document's layout. The parse runs under the
input policy (loaders.policy: `REFERAT_DOC_TIMEOUT`, `REFERAT_MAX_PAGES`, `REFERAT_MAX_MEMORY_MB`)
in a forked child (loaders.isolation) — the one pipeline.process reads the whole document in, or
one of its own when load_pdf is called directly; a PDF that hangs, crashes or bloats the parser
costs one quarantine record, never the run. `REFERAT_ISOLATION=inprocess` (or the older
`REFERAT_PDF_INPROCESS=1`) parses in-process (debugging; only a cooperative time limit between
pages then).
"""

from __future__ import annotations

import bisect
import ctypes
import gc
import re
import time
from dataclasses import dataclass, replace
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_raw
from pdfplumber.table import TableFinder

from loaders.page_furniture import DEPTH as FURNITURE_DEPTH  # header/footer lines looked at per page
from loaders.page_furniture import FurnitureTracker, PageLine, furniture_key
from loaders.pdf_layout import (
    ENUMERATOR,
    Assembler,
    Line,
    PageTable,
    column_breaks,
    column_order,
    find_gutter,
    grid_tables,
    is_list_table,
    join_hyphenated,
    merge_rules,
    toc_rows,
)
from loaders.errors import (
    CorruptDocument,
    DocumentError,
    DocumentTimeout,
    EmptyDocument,
    EncryptedDocument,
    NeedsOcr,
    NoTextLayer,
    OutOfMemory,
    TooManyPages,
)
from loaders.base import LoadedText
from loaders import isolation
from loaders.policy import DEFAULT_MAX_PAGES, current_policy

PERM_EXTRACT_TEXT = 1 << 4  # PDF permission bit 5: copy or otherwise extract text

_OBJ_PATH, _OBJ_IMAGE, _OBJ_FORM = 2, 3, 5  # FPDF_PAGEOBJ_*


# --- public entry ------------------------------------------------------------------------------


def load_pdf(path: Path, data: bytes) -> LoadedText:
    """Text, page map and layout tables of the PDF `data` (named `path`). Raises DocumentError.

    Under the input policy (loaders.policy): in a child process of its own (loaders.isolation),
    or in this one where it already is such a child (pipeline.process reads every document in
    one) or `REFERAT_ISOLATION=inprocess`."""
    policy = current_policy()
    if isolation.in_child():  # the whole document is read in this child: its limits hold
        collecting = gc.isenabled()
        gc.disable()  # many small objects, few cycles: no collector pauses while parsing
        try:
            return _parse_in_child(data, path.name, policy.max_pages, policy.timeout,
                                   isolation.child_started() or time.monotonic())
        finally:
            if collecting:
                gc.enable()
    if policy.isolation == "inprocess":
        return parse_pdf(data, path.name, max_pages=policy.max_pages, deadline=time.monotonic() + policy.timeout)
    return _parse_isolated(data, path.name, policy.max_pages, policy.timeout)


# --- child process -----------------------------------------------------------------------------


def _parse_isolated(data: bytes, name: str, max_pages: int, timeout: float) -> LoadedText:
    """Parse in a child forked for it (loaders.isolation: memory cap, hard time limit, no orphan)."""
    policy = replace(current_policy(), max_pages=max_pages, timeout=timeout)
    try:
        return isolation.run_isolated(_child_main, data, name, max_pages, timeout, time.monotonic(),
                                      name=name, policy=policy, what="PDF parsing")
    except isolation.ChildError as err:  # a bug of the parser that escaped parse_pdf
        raise CorruptDocument(f"{name}: unreadable PDF ({type(err).__name__}: {err})") from None


def _child_main(data: bytes, name: str, max_pages: int, timeout: float, started: float) -> LoadedText:
    gc.disable()  # a short-lived process making many small objects: no collector pauses
    return _parse_in_child(data, name, max_pages, timeout, started)


def _parse_in_child(data: bytes, name: str, max_pages: int, timeout: float, started: float) -> LoadedText:
    from loaders import ocr

    ocr.progress = isolation.progress  # OCR'ing pages asks the parent for their time
    # stop cooperatively a little before the parent's hard limit
    return parse_pdf(data, name, max_pages=max_pages, deadline=started + 0.95 * timeout)


# --- the parse -----------------------------------------------------------------------------------


@dataclass
class _Page:
    lines: list[Line]
    tables: list[PageTable]
    chars: int
    images: int
    width: float = 0.0
    candidates: list[Line] | None = None
    body: list[Line] | None = None  # its lines without running headers and footers


def parse_pdf(data: bytes, name: str, *, max_pages: int = DEFAULT_MAX_PAGES, deadline: float | None = None) -> LoadedText:
    """Parse in this process. Raises DocumentError (see the module docstring), nothing else."""
    try:
        return _parse(data, name, max_pages, deadline)
    except DocumentError:
        raise
    except MemoryError:
        raise OutOfMemory(f"{name}: more memory than allowed to parse (REFERAT_MAX_MEMORY_MB)") from None
    except Exception as err:  # noqa: BLE001 - any parser failure is a corrupt document, never a traceback
        raise CorruptDocument(f"{name}: unreadable PDF ({type(err).__name__}: {err})") from None


def _parse(data: bytes, name: str, max_pages: int, deadline: float | None) -> LoadedText:
    raw = pdfium_raw
    if b"%PDF-" not in data[:1024]:  # readers allow a little junk before the header
        head = data[:64].lstrip()
        kind = "HTML" if head[:1] == b"<" else "not a PDF"
        raise CorruptDocument(f"{name}: named like a PDF but is {kind} (no %PDF header)")
    if b"%%EOF" not in data[-65536:]:
        raise CorruptDocument(f"{name}: truncated PDF (no end-of-file marker; {len(data)} bytes)")
    try:
        doc = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as err:
        code = getattr(err, "err_code", None)
        if code in (raw.FPDF_ERR_PASSWORD, raw.FPDF_ERR_SECURITY):
            raise EncryptedDocument(f"{name}: encrypted PDF, a password is needed to open it") from None
        raise CorruptDocument(f"{name}: damaged PDF that cannot be opened ({err})") from None
    try:
        if raw.FPDF_GetSecurityHandlerRevision(doc) != -1:
            perms = raw.FPDF_GetDocPermissions(doc) & 0xFFFFFFFF
            if not perms & PERM_EXTRACT_TEXT:
                raise EncryptedDocument(
                    f"{name}: encrypted PDF whose owner does not permit text extraction"
                )
        n_pages = len(doc)
        if n_pages == 0:
            raise EmptyDocument(f"{name}: the PDF has no pages")
        if n_pages > max_pages:
            raise TooManyPages(f"{name}: {n_pages} pages, more than the limit of {max_pages} (REFERAT_MAX_PAGES)")
        return _stream(doc, n_pages, name, deadline)
    finally:
        doc.close()


CALIBRATION_PAGES = 8  # pages read before the first is assembled (layout measures, furniture)
MAX_FURNITURE = 40  # distinct running header/footer lines kept for the record


class _Streamer:
    """Pages in, text out: each page is assembled (and its lines dropped) as soon as it is read,
    after a short calibration window, so memory holds the output but not the document's layout."""

    def __init__(self):
        self.tracker = FurnitureTracker(depth=FURNITURE_DEPTH)
        self.window: list[_Page] | None = []
        self.asm: Assembler | None = None
        self.chars = 0
        self.image_pages = 0
        self.image_only: list[int] = []  # 1-based pages that are pictures with (almost) no text
        self.furniture: list[str] = []  # the distinct running header and footer lines left out
        self._furniture_keys: set[str] = set()  # ... told apart without their numbers ("Side 3")
        self.width = 0.0

    def add(self, page: _Page, last: bool, number: int = 0) -> None:
        self.chars += page.chars
        self.image_pages += bool(page.images)
        if page.images and page.chars < 20:
            self.image_only.append(number)
        self.width = max(self.width, page.width)
        text_lines = [ln for ln in page.lines if ln.table is None]
        if len(text_lines) > 2 * FURNITURE_DEPTH:
            text_lines = text_lines[:FURNITURE_DEPTH] + text_lines[-FURNITURE_DEPTH:]
        page.candidates = text_lines
        self.tracker.add([PageLine(ln.text, ln.baseline) for ln in text_lines])
        if self.window is None:
            self._emit(page)
            return
        self.window.append(page)
        if len(self.window) >= CALIBRATION_PAGES or last:
            # the layout measures come from body text: a running header set apart from the text
            # (right of its margin, below its last line) would make full lines look short
            for p in self.window:
                p.body = self._body(p)
            sample = [ln for p in self.window for ln in p.body]
            self.asm = Assembler.calibrated(sample, self.width)
            self.asm.learn(sample)
            window, self.window = self.window, None
            for p in window:
                self._emit(p)

    def _body(self, page: _Page) -> list[Line]:
        cands = page.candidates
        drop = self.tracker.furniture([PageLine(ln.text, ln.baseline) for ln in cands])
        dropped = {id(cands[i]) for i in drop}
        for i in drop:  # kept once each, for the record (a footer may name the authority)
            text = cands[i].text.strip()
            key = furniture_key(text)
            if text and key not in self._furniture_keys and len(self.furniture) < MAX_FURNITURE:
                self._furniture_keys.add(key)
                self.furniture.append(text)
        return [ln for ln in page.lines if ln.table is not None or id(ln) not in dropped]

    def _emit(self, page: _Page) -> None:
        body = page.body if page.body is not None else self._body(page)
        asm = self.asm
        asm.learn(body)
        for ln in body:
            asm.feed(ln, page.tables[ln.table] if ln.table is not None else None)
        page.lines = page.tables = page.candidates = page.body = None  # done with this page's layout


def _stream(doc, n_pages: int, name: str, deadline: float | None) -> LoadedText:
    raw = pdfium_raw
    streamer = _Streamer()
    broken: list[int] = []
    from loaders.ocr import PdfPageOcr

    ocr = PdfPageOcr(name)  # pages without a usable text layer are OCR'd (or listed as needing it)
    try:
        for index in range(n_pages):
            if deadline is not None and time.monotonic() > deadline + ocr.allowance:
                raise DocumentTimeout(f"{name}: PDF parsing exceeded the time limit at page {index + 1}")
            try:
                page = _read_page(doc, index, raw)
            except pdfium.PdfiumError:  # one damaged page costs its own text, not the document
                broken.append(index + 1)
                page = _Page(lines=[], tables=[], chars=0, images=0)
            for number, ready in ocr.put(doc, index, page, deadline):
                streamer.add(ready, last=number == n_pages, number=number)
        for number, ready in ocr.drain():
            streamer.add(ready, last=number == n_pages, number=number)
    finally:
        ocr.close()
    if len(broken) == n_pages:
        raise CorruptDocument(f"{name}: damaged PDF, none of its {n_pages} pages can be read")
    if streamer.chars < 20 * n_pages and len(ocr.needed) >= max(1, n_pages // 2):
        raise NeedsOcr(
            f"{name}: {len(ocr.needed)} of {n_pages} pages are images without a text layer "
            f"(a scan: needs OCR), and {ocr.reason}"
        )
    if streamer.chars < 20 * n_pages and (streamer.image_pages + len(ocr.pages)) >= max(1, n_pages // 2):
        raise NoTextLayer(
            f"{name}: {streamer.image_pages + len(ocr.pages)} of {n_pages} pages are images without a text layer "
            "(a scan), and OCR found no text on them" if ocr.pages else
            f"{name}: {streamer.image_pages} of {n_pages} pages are images without a text layer (a scan: needs OCR)"
        )
    if streamer.chars == 0:
        raise EmptyDocument(f"{name}: the PDF holds no text")
    text, line_pages, raw_tables = streamer.asm.finish()
    if not text.strip() and not raw_tables:
        raise EmptyDocument(f"{name}: the PDF holds only page headers and footers")
    if len(line_pages) != len(text.split("\n")):
        raise CorruptDocument(f"{name}: internal error: page map out of step with the text")
    return LoadedText(
        system="pdf",
        text=text,
        media_type="application/pdf",
        page_count=n_pages,
        line_pages=line_pages,
        line_end_pages=streamer.asm.out_end_pages,
        tables=raw_tables,
        warnings=_page_warnings(broken, streamer.image_only, ocr.reason) + ocr.warnings(),
        furniture=streamer.furniture,
        ocr=ocr.info(),
    )


def _page_warnings(broken: list[int], image_only: list[int], no_ocr: str | None = None) -> list[tuple[str, str]]:
    """What the record must say it is missing: pages that could not be read, or need OCR (and
    why they did not get it)."""
    warnings = []
    if broken:
        warnings.append(("damaged_pages", f"page(s) {_page_list(broken)} could not be read; their text is missing"))
    if image_only:
        why = f": {no_ocr}" if no_ocr else ""
        warnings.append(("image_only_pages",
                         f"page(s) {_page_list(image_only)} are images without a text layer (need OCR{why}); "
                         "their text is missing"))
    return warnings


def _page_list(pages: list[int]) -> str:
    shown = ", ".join(map(str, pages[:20]))
    return shown + (f" and {len(pages) - 20} more" if len(pages) > 20 else "")


# --- one page ------------------------------------------------------------------------------------

_d = [ctypes.c_double() for _ in range(4)]
_refs = [ctypes.byref(v) for v in _d]
_f = [ctypes.c_float() for _ in range(4)]
_frefs = [ctypes.byref(v) for v in _f]


def _char_box(raw, tp, i: int) -> tuple[float, float, float, float]:
    """(left, right, bottom, top) of character i in PDF user space (y up); `tp` a raw handle."""
    raw.FPDFText_GetCharBox(tp, i, *_refs)
    return _d[0].value, _d[1].value, _d[2].value, _d[3].value


_red, _green, _blue, _alpha = (ctypes.c_uint() for _ in range(4))
_red_ref, _green_ref, _blue_ref, _alpha_ref = (ctypes.byref(v) for v in (_red, _green, _blue, _alpha))
_font_name = ctypes.create_string_buffer(128)
_font_flags = ctypes.c_int()
_font_flags_ref = ctypes.byref(_font_flags)
_get_fill = pdfium_raw.FPDFText_GetFillColor
_get_font = pdfium_raw.FPDFText_GetFontInfo
_FORCE_BOLD = 1 << 18  # PDF font descriptor flag
_BOLD_NAMES = (b"Bold", b"bold", b"BOLD", b"Black", b"Heavy", b"Semibold", b"SemiBold", b"Demi")
_bold_fonts: dict[tuple[bytes, int], int] = {}  # (font name, flags) -> style bit for bold


def _style(tp, i: int) -> int:
    """The style of character i for telling a heading or a coloured note from the text around it:
    bold or not (the font's name, ForceBold flag or weight) and the fill colour, packed in an int
    (never 0: 0 means unknown). Two pdfium calls; whether a font is bold is looked up once."""
    _get_fill(tp, i, _red_ref, _green_ref, _blue_ref, _alpha_ref)
    _get_font(tp, i, _font_name, 128, _font_flags_ref)
    key = (_font_name.value, _font_flags.value)
    bold = _bold_fonts.get(key)
    if bold is None:
        name, flags = key
        is_bold = flags & _FORCE_BOLD or any(k in name for k in _BOLD_NAMES)
        bold = _bold_fonts[key] = 1 << 24 if is_bold or pdfium_raw.FPDFText_GetFontWeight(tp, i) >= 600 else 0
    return 1 << 25 | bold | (_red.value & 255) << 16 | (_green.value & 255) << 8 | (_blue.value & 255)


_text_buf = ctypes.create_string_buffer(2 * 4096 + 2)


def _bounded_text(raw, tp, left: float, bottom: float, right: float, top: float) -> str:
    """pdfium's text inside a rectangle (a table cell); one call when it fits the buffer."""
    global _text_buf
    size = len(_text_buf) // 2 - 1
    buf = ctypes.cast(_text_buf, ctypes.POINTER(ctypes.c_ushort))
    got = raw.FPDFText_GetBoundedText(tp, left, top, right, bottom, buf, size)
    if got >= size:  # may be cut short: ask for the length and read again
        n = raw.FPDFText_GetBoundedText(tp, left, top, right, bottom, None, 0)
        _text_buf = ctypes.create_string_buffer(2 * (n + 2))
        buf = ctypes.cast(_text_buf, ctypes.POINTER(ctypes.c_ushort))
        got = raw.FPDFText_GetBoundedText(tp, left, top, right, bottom, buf, n + 1)
    return _text_buf.raw[: 2 * max(got, 0)].decode("utf-16-le", errors="ignore").rstrip("\x00")


def _read_page(doc, index: int, raw) -> _Page:
    page = doc[index]
    try:
        width, height = page.get_size()
        edges, images = _page_objects(raw, page, height)
        tp = page.get_textpage()
        try:
            lines, chars = _text_lines(raw, tp, index + 1, width, height)
            if lines and edges:
                _mark_underlines(lines, edges)
            tables = _find_tables(tp, edges, index + 1, height) if lines and len(edges) >= 4 else []
        finally:
            tp.close()
    finally:
        page.close()
    lines, tables = _place_tables(lines, tables, index + 1, len(doc))
    return _Page(lines=lines, tables=tables, chars=chars, images=images, width=width)


def _place_tables(lines: list[Line], tables: list[PageTable], page_no: int, n_pages: int):
    """The page's lines with its tables in place (also for a page read by OCR, loaders.ocr):
    lists laid out as tables are read as text, a table of contents gets its TOC rows, and the
    lines inside a table give way to one placeholder line."""
    if tables:
        lists = [t for t in tables if is_list_table(t.rows)]
        if lists:  # lists laid out as tables are read as text
            tables = [t for t in tables if not any(t is u for u in lists)]
            lines = _list_lines(lines, lists)
        for t in tables:
            t.toc = toc_rows(t.rows, page_no, n_pages)
        lines = _drop_table_text(lines, tables)
    return lines, tables


UNDERLINED = 1 << 26  # style bit (see _style)


def _mark_underlines(lines: list[Line], edges: list[dict]) -> None:
    """Add the underline to the style of line ends that have a rule just below their baseline.

    An underline is the only mark of some headings (eDoc's `... beslutning den 04.12.2012 Punkt 2`
    over the decision text), so it counts as a change of style like bold or colour. A rule counts
    for a line's first character when it lies just below the baseline (within a fifth of the font
    size) and starts where the line starts, for its last character when it ends where the line
    ends (a trailing space may be underlined too). A table's rule under the last line of a cell
    starts and ends at the cell's borders, beyond the text, and does not count."""
    hs = sorted((e["top"], e["x0"], e["x1"]) for e in edges if e["orientation"] == "h")
    if not hs:
        return
    tops = [h[0] for h in hs]
    for ln in lines:
        lo = bisect.bisect_left(tops, ln.baseline - 0.5)
        hi = bisect.bisect_right(tops, ln.baseline + 0.2 * ln.size, lo)
        if lo == hi:
            continue
        spans: list[list[float]] = []  # the rules under the line, touching segments joined
        for _, x0, x1 in sorted(hs[lo:hi], key=lambda h: h[1]):
            if spans and x0 <= spans[-1][1] + 1.5:
                spans[-1][1] = max(spans[-1][1], x1)
            else:
                spans.append([x0, x1])
        for x0, x1 in spans:
            if ln.style0 and abs(x0 - ln.x0) <= 1.5 and x1 >= ln.x0 + 4:
                ln.style0 |= UNDERLINED
            if ln.style1 and ln.x1 - 2 <= x1 <= ln.x1 + 0.35 * ln.size and x0 <= ln.x1 - 4:
                ln.style1 |= UNDERLINED


def _list_lines(lines: list[Line], lists: list[PageTable]) -> list[Line]:
    """The lines of lists laid out as tables (`is_list_table`) stay text lines, as a reader sees
    them: an enumerator and its point's first line are one line (`a. text`, see `_list_point`),
    the point's wrapped lines wrap at the cell's right border and are joined, and the paragraphs
    inside a cell (a `Bilag` heading, an attachment line) stay lines of their own. An enumerator
    set in the middle (or at the bottom) of its row goes to the row's first line."""
    dropped: set[int] = set()
    for t in lists:
        inside = [
            ln for ln in lines
            if t.top - 2 <= ln.baseline <= t.bottom + 2 and ln.x0 >= t.x0 - 2 and ln.x1 <= t.x1 + 2
        ]
        for ln in inside:
            ln.edge = t.x1
        if len(t.col_edges) < 2:
            continue
        split = t.col_edges[1]
        for top, bottom in t.row_bounds:
            row = [ln for ln in inside if top - 1 <= ln.baseline <= bottom + 1]
            marked = next((ln for ln in row if ln.x0 < split - 1), None)
            if marked is None:
                continue
            rest = [ln for ln in row if ln is not marked]
            if marked.x1 <= split + 1:  # the enumerator alone
                marker = marked.text.strip()
                if not rest or not ENUMERATOR.match(marker):
                    continue
                dropped.add(id(marked))
            else:  # the enumerator joined with the line of the text beside it
                marker, _, text = marked.text.strip().partition(" ")
                if not rest or not ENUMERATOR.match(marker) or marked.baseline <= min(ln.baseline for ln in rest):
                    continue
                marked.text = text
                marked.x0 = min(ln.x0 for ln in rest)
                marked.first_word = 0.0
                rest.append(marked)
            first = min(rest, key=lambda ln: ln.baseline)
            first.text = f"{marker} {first.text}"
            first.x0 = marked.x0 if id(marked) in dropped else first.x0
            first.first_word = 0.0
            first.style0 = marked.style0 or first.style0
    return [ln for ln in lines if id(ln) not in dropped] if dropped else lines


def _page_objects(raw, page, height: float) -> tuple[list[dict], int]:
    """The ruling lines of the page as pdfplumber edges (top-down), and how many images it has.

    Lines and rectangles are read from pdfium's page objects (also inside form XObjects), which is
    cheap; pdfplumber would have to interpret every character of the page to get them."""
    edges: list[dict] = []
    images = 0
    stack = [(page, 0, False)]
    while stack:
        owner, depth, is_form = stack.pop()
        count = raw.FPDFFormObj_CountObjects(owner) if is_form else raw.FPDFPage_CountObjects(owner)
        for j in range(max(count, 0)):
            obj = raw.FPDFFormObj_GetObject(owner, j) if is_form else raw.FPDFPage_GetObject(owner, j)
            kind = raw.FPDFPageObj_GetType(obj)
            if kind == _OBJ_PATH:
                _path_edges(raw, obj, height, edges)
            elif kind == _OBJ_IMAGE:
                images += 1
            elif kind == _OBJ_FORM and depth < 3:
                stack.append((obj, depth + 1, True))
    return edges, images


def _edge(x0: float, top: float, x1: float, bottom: float, orientation: str) -> dict:
    return {
        "x0": x0, "x1": x1, "top": top, "bottom": bottom, "width": x1 - x0, "height": bottom - top,
        "orientation": orientation, "object_type": "line",
    }


def _path_edges(raw, obj, height: float, edges: list[dict]) -> None:
    raw.FPDFPageObj_GetBounds(obj, *_frefs)
    left, bottom, right, top = (v.value for v in _f)
    w, h = right - left, top - bottom
    if w < 4 and h < 4:
        return
    nseg = raw.FPDFPath_CountSegments(obj)
    if nseg <= 5:  # a line or a rectangle: its bounds say it all
        if h <= 3:
            edges.append(_edge(left, height - (top + bottom) / 2, right, height - (top + bottom) / 2, "h"))
        elif w <= 3:
            edges.append(_edge((left + right) / 2, height - top, (left + right) / 2, height - bottom, "v"))
        else:
            t, b = height - top, height - bottom
            edges.append(_edge(left, t, right, t, "h"))
            edges.append(_edge(left, b, right, b, "h"))
            edges.append(_edge(left, t, left, b, "v"))
            edges.append(_edge(right, t, right, b, "v"))
        return
    if nseg > 2000:
        return  # a drawing, not a table
    m = raw.FS_MATRIX()
    if not raw.FPDFPageObj_GetMatrix(obj, ctypes.byref(m)):
        return
    start = prev = None
    for k in range(nseg):
        seg = raw.FPDFPath_GetSegment(obj, k)
        raw.FPDFPathSegment_GetPoint(seg, *_frefs[:2])
        px, py = _f[0].value, _f[1].value
        pt = (m.a * px + m.c * py + m.e, m.b * px + m.d * py + m.f)
        stype = raw.FPDFPathSegment_GetType(seg)
        if stype == raw.FPDF_SEGMENT_MOVETO:
            start = prev = pt
            continue
        if prev is not None and stype == raw.FPDF_SEGMENT_LINETO:
            _segment_edge(prev, pt, height, edges)
        prev = pt
        if raw.FPDFPathSegment_GetClose(seg) and start is not None:
            _segment_edge(pt, start, height, edges)
            prev = start


def _segment_edge(a, b, height: float, edges: list[dict]) -> None:
    (ax, ay), (bx, by) = a, b
    if abs(ay - by) <= 0.5 and abs(ax - bx) >= 4:
        y = height - ay
        edges.append(_edge(min(ax, bx), y, max(ax, bx), y, "h"))
    elif abs(ax - bx) <= 0.5 and abs(ay - by) >= 4:
        edges.append(_edge(ax, height - max(ay, by), ax, height - min(ay, by), "v"))


def _text_lines(raw, tp, page_no: int, width: float, height: float) -> tuple[list[Line], int]:
    """The page's visual lines with their geometry: a few pdfium look-ups per line, not per char."""
    text = tp.get_text_range()
    handle = tp.raw
    get_origin = raw.FPDFText_GetCharOrigin
    get_box = raw.FPDFText_GetCharBox
    get_size = raw.FPDFText_GetFontSize
    ref0, ref1, ref2, ref3 = _refs
    d0, d1 = _d[0], _d[1]
    merged_hyphen = "\ufffe" in text
    pieces = text.replace("\ufffe", "\ufffe\r\n").split("\r\n") if merged_hyphen else text.split("\r\n")
    lines: list[Line] = []
    chars = 0
    pos = 0
    for piece in pieces:
        s = pos
        # the pdfium index of a piece's first char; a restored hyphen break adds no chars
        pos += len(piece) + (0 if piece.endswith("\ufffe") else 2)
        stripped = piece.strip()
        if not stripped:
            continue
        first = s + len(piece) - len(piece.lstrip())
        last = s + len(piece.rstrip()) - 1
        if stripped.endswith("\ufffe"):
            stripped = stripped[:-1] + "-"
        chars += len(stripped)
        get_origin(handle, first, ref0, ref1)
        left, base = d0.value, d1.value
        get_box(handle, last, ref0, ref1, ref2, ref3)
        right = d1.value
        size = get_size(handle, first) or 10.0
        body = stripped.replace("\x02", "-") if "\x02" in stripped else stripped
        if not body.isprintable():  # stray line breaks or controls would break the page map
            body = _CONTROLS.sub(" ", body)
        space = body.find(" ")
        if space > 0:
            get_box(handle, first + space - 1, ref0, ref1, ref2, ref3)
            first_word = d1.value - left
            if right - left > 0.6 * size * len(body) or body[-1].isdigit():
                body = _tabs(raw, handle, first, body, size, right - left)
        else:
            first_word = right - left
        style0 = _style(handle, first)
        style1 = _style(handle, last - 1 if stripped.endswith("-") and last > first else last)
        lines.append(Line(body, page_no, left, right, height - base, size, None, first_word, 0.0, style0, style1))
    return reading_order(lines, width), chars


def reading_order(lines: list[Line], width: float) -> list[Line]:
    """A page's lines in reading order: two text columns read one after the other, else top to
    bottom with the pieces of one row joined; lettered points set off by a tab made text."""
    gutter = find_gutter(lines, width)
    if gutter is not None:
        lines = column_order(lines, gutter)
    else:
        lines.sort(key=lambda ln: ln.baseline)
        lines = _merge_same_baseline(lines)
    for ln in lines:
        if "\t" in ln.text:
            ln.text = _list_point(ln.text)
    return lines


def _list_point(text: str) -> str:
    """A lettered or numbered point set off from its text by a tab stop or a hanging indent
    (`a.<gap>Text`, `B)<gap>Text`, `•<gap>Text`) reads `a. Text`: the gap after an enumerator is
    no column boundary. Only when it is the line's one wide gap: a row of a column layout keeps
    its tabs (`1.<gap>København<gap>64`)."""
    head, _, rest = text.partition("\t")
    if "\t" in rest or not ENUMERATOR.match(head.strip()):
        return text
    return f"{head.strip()} {rest.lstrip()}"


_CONTROLS = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\ufffe\uffff]")
_TRAILING_NUMBER = re.compile(r" +(\d{1,4})$")


def _tabs(raw, tp, first: int, body: str, size: float, width: float) -> str:
    """Replace the spaces of a column boundary with a tab (see pdf_layout.column_breaks).

    Only lines wider than their characters explain are measured gap by gap; a line that ends in a
    short number (a TOC entry's page) has its last gap measured first, and the rest only if that
    one is wide."""

    def gap_at(a: int, b: int) -> float:
        return _char_box(raw, tp, first + b)[0] - _char_box(raw, tp, first + a - 1)[1]

    wide = width > 0.6 * size * len(body)
    if wide:
        spaces = [(m.start(), m.end()) for m in re.finditer(r" +", body) if m.start() > 0 and m.end() < len(body)]
        gaps = [gap_at(a, b) for a, b in spaces]
    else:
        m = _TRAILING_NUMBER.search(body)
        if not m or m.start() == 0:
            return body
        last = gap_at(m.start(), m.start(1))
        if last < size:
            return body
        others = [(o.start(), o.end()) for o in re.finditer(r" +", body[: m.start()]) if o.start() > 0][:4]
        spaces = others + [(m.start(), m.start(1))]
        gaps = [gap_at(a, b) for a, b in others] + [last]
    breaks = column_breaks(gaps, size, wide)
    if not breaks:
        return body
    out, pos = [], 0
    for i in breaks:
        a, b = spaces[i]
        out += [body[pos:a], "\t"]
        pos = b
    out.append(body[pos:])
    return "".join(out)


def _merge_same_baseline(lines: list[Line]) -> list[Line]:
    """pdfium sometimes splits one visual row in two (content order); put them back together."""
    out: list[Line] = []
    for ln in lines:
        if out:
            p = out[-1]
            if abs(ln.baseline - p.baseline) < 0.3 * min(p.size, ln.size) and (ln.x0 >= p.x1 - 1 or ln.x1 <= p.x0 + 1):
                a, b = (p, ln) if p.x0 <= ln.x0 else (ln, p)
                sep = "\t" if b.x0 - a.x1 >= max(2.0 * a.size, 14.0) else " "
                out[-1] = Line(a.text + sep + b.text, p.page, a.x0, b.x1, p.baseline, max(p.size, ln.size),
                               first_word=a.first_word, style0=a.style0, style1=b.style1)
                continue
        out.append(ln)
    return out


class _EdgesOnly:
    """What pdfplumber's TableFinder reads from a page, with the edges taken from pdfium."""

    def __init__(self, edges: list[dict], height: float):
        self.edges = edges
        self.bbox = (0, 0, 10_000, height)


def _find_tables(tp, edges: list[dict], page_no: int, height: float, cell_text=None) -> list[PageTable]:
    """Ruled tables: full grids read straight off the rules, anything else by pdfplumber's table
    finder (lines strategy) on the same edges; the cells' text comes from pdfium (or, for a page
    read by OCR, from `cell_text(x0, top, x1, bottom)`: loaders.ocr)."""
    if sum(e["orientation"] == "h" for e in edges) < 2 or sum(e["orientation"] == "v" for e in edges) < 2:
        return []
    try:
        merged = [e for e in merge_rules(edges) if max(e["width"], e["height"]) >= 3]
        grids, rest = grid_tables(merged)
        if rest:
            grids += [[list(row.cells) for row in t.rows] for t in TableFinder(_EdgesOnly(rest, height), {}).tables]
    except Exception:  # noqa: BLE001 - odd edges cost the tables of this page only
        return []
    found: list[PageTable] = []
    for grid in grids:
        rows, bounds = [], []
        for row in grid:
            cells = []
            for bbox in row:
                if bbox is None:
                    cells.append("")
                    continue
                x0, top, x1, bottom = bbox
                if cell_text is not None:
                    cells.append(_cell(cell_text(x0, top, x1, bottom)))
                    continue
                cells.append(_cell(_bounded_text(pdfium_raw, tp.raw, x0, height - bottom, x1, height - top)))
            if any(cells):
                rows.append(cells)
                boxes = [b for b in row if b is not None]
                bounds.append((min(b[1] for b in boxes), max(b[3] for b in boxes)))
        if len(rows) < 2 or max(len(r) for r in rows) < 2:
            continue
        for r in rows:  # as a text table row reads: no trailing empty cells
            while r and not r[-1]:
                r.pop()
        boxes = [b for row in grid for b in row if b is not None]
        x0, top = min(b[0] for b in boxes), min(b[1] for b in boxes)
        x1, bottom = max(b[2] for b in boxes), max(b[3] for b in boxes)
        col_edges = sorted({round(b[0], 1) for b in boxes})
        found.append(PageTable(rows, page_no, top, bottom, x0, x1, col_edges=col_edges, row_bounds=bounds))
    found.sort(key=lambda t: t.top)
    return found


def _cell(value) -> str:
    """A cell's text on one line: its lines joined, a word hyphenated at a line end rejoined."""
    if value is None:
        return ""
    text = str(value).replace("\x02", "-\n").replace("\ufffe", "-\n")
    out = ""
    for part in re.split(r"[\r\n]+", text):
        part = " ".join(_CONTROLS.sub(" ", part).split())
        if not part:
            continue
        out = join_hyphenated(out, part) if out.endswith("-") else f"{out} {part}".strip()
    return out


def _drop_table_text(lines: list[Line], tables: list[PageTable]) -> list[Line]:
    out: list[Line] = []
    placed = set()
    for ln in lines:
        inside = None
        for k, t in enumerate(tables):
            if t.top - 2 <= ln.baseline <= t.bottom + 2 and ln.x0 >= t.x0 - 2 and ln.x1 <= t.x1 + 2:
                inside = k
                break
        if inside is None:
            out.append(ln)
        elif inside not in placed:
            placed.add(inside)
    for k, t in enumerate(tables):
        out.append(Line("", t.page, t.x0, t.x1, t.top, 0.0, table=k))
    out.sort(key=lambda ln: ln.baseline)
    return out
