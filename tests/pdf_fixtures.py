"""Render text fixtures to PDF for the PDF tests and the PDF benchmark (fpdf2, core fonts).

The PDFs look like minutes exported from a meeting system: a running header
(`KKR Hovedstaden | Referat | 16-06-2026`), a footer `Side N af M`, wrapped paragraphs with words
hyphenated at line ends, bold headings (long item titles wrap onto two lines), tab-separated
blocks rendered as ruled tables (the long one split across a page break, its heading row repeated),
small two-column blocks and the table of contents laid out in columns without rules (or, with
`toc_table=True`, drawn as a ruled table: number | title | page, long titles wrapping in their cell,
as some meeting systems draw it).

`render_text_pdf` also returns the ground truth the tests compare with: on which page every source
line was drawn, and every ruled table with its rows and pages. Generated PDFs belong in pytest's tmp
dirs (or a benchmark's temp dir), never in git.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from fpdf import FPDF
from fpdf.fonts import FontFace

ROOT = Path(__file__).resolve().parent
SAMPLE_TEXT = ROOT / "fixtures" / "minutes" / "kkr-hovedstaden-2026-06-16.txt"
SAMPLE_GOLD = ROOT / "fixtures" / "gold" / "kkr-hovedstaden-2026-06-16.gold.json"
SAMPLE_HEADER = "KKR Hovedstaden | Referat | 16-06-2026"

PAGE_W, PAGE_H = 595.28, 841.89  # A4 in points
MARGIN_L = MARGIN_R = 56.0
TOP = 70.0
BOTTOM = 780.0
BODY_SIZE = 10.0
LEADING = 13.0  # baseline to baseline inside a paragraph
PARA_GAP = 8.0  # extra space between paragraphs
TOC_TABLE_WIDTHS = (40.0, 300.0, 40.0)  # number | title | page of a TOC drawn as a ruled table
TOC_LINE = re.compile(r"^(?:\d+(?:\.\d+)*\.?\s+\S.*|[^\t\d][^\t]*?\.{2,})\t\d+$")
ITEM_HEADING = re.compile(r"^\d+(?:\.\d+)*\.\s+\S")
MARKUP = re.compile(r"</?i>")


@dataclass
class RenderedTable:
    start_line: int  # 1-based source lines of the block
    end_line: int
    rows: list[list[str]]  # cells as drawn (markup removed)
    ruled: bool
    pages: list[int] = field(default_factory=list)


@dataclass
class RenderedPdf:
    path: Path
    page_count: int
    # 1-based source line -> (first page, last page) it was drawn on; blank lines are absent.
    line_pages: dict[int, tuple[int, int]]
    tables: list[RenderedTable]
    hyphenated: list[str] = field(default_factory=list)  # words split "head-" / "tail" at a line end
    wrapped_headings: list[int] = field(default_factory=list)  # source lines of multi-line headings
    wrapped_toc_entries: list[int] = field(default_factory=list)  # TOC rows whose title wraps in its cell


class _MinutesPdf(FPDF):
    def __init__(self, header_text: str | None, footer: bool):
        super().__init__(unit="pt", format="A4")
        self.core_fonts_encoding = "windows-1252"  # – ” etc. exist in cp1252, not in latin-1
        self.header_text = header_text
        self.with_footer = footer
        self.set_auto_page_break(False)
        self.set_margins(MARGIN_L, TOP, MARGIN_R)
        self.alias_nb_pages("{nb}")

    def header(self):
        """One header line over a rule, or a block of lines (`header_text` with newlines, `{page}`
        standing for the page number) stacked at the top right, as eDoc draws its header."""
        if self.header_text and "\n" in self.header_text:
            self.set_font("Helvetica", "", 8)
            for k, text in enumerate(self.header_text.split("\n")):
                self.set_xy(MARGIN_L, 10 + 10 * k)
                self.cell(0, 9, text.replace("{page}", str(self.page_no())), align="R")
        elif self.header_text:
            self.set_font("Helvetica", "", 8)
            self.set_xy(MARGIN_L, 28)
            self.cell(0, 10, self.header_text, align="R")
            self.line(MARGIN_L, 42, PAGE_W - MARGIN_R, 42)
        self.set_xy(MARGIN_L, TOP)  # a table that breaks onto this page goes on below the header

    def footer(self):
        if self.with_footer:
            self.set_font("Helvetica", "", 8)
            self.set_xy(MARGIN_L, 800)
            self.cell(0, 10, f"Side {self.page_no()} af {{nb}}", align="C")


def _blocks(lines: list[str]) -> list[tuple[int, int]]:
    """Runs of non-blank lines as (start, end) 0-based inclusive indexes."""
    out, start = [], None
    for i, line in enumerate(lines):
        if line.strip():
            if start is None:
                start = i
        elif start is not None:
            out.append((start, i - 1))
            start = None
    if start is not None:
        out.append((start, len(lines) - 1))
    return out


class _Renderer:
    def __init__(self, pdf: _MinutesPdf, hyphenate: bool):
        self.pdf = pdf
        self.hyphenate = hyphenate
        self.y = TOP
        self.line_pages: dict[int, tuple[int, int]] = {}
        self.hyphenated: list[str] = []
        self.wrapped_headings: list[int] = []
        self.wrapped_toc_entries: list[int] = []
        self.width = PAGE_W - MARGIN_L - MARGIN_R

    def new_page(self):
        self.pdf.add_page()
        self.y = TOP

    def ensure(self, height: float):
        if self.y + height > BOTTOM:
            self.new_page()

    def mark(self, src: int):
        page = self.pdf.page_no()
        first, _ = self.line_pages.get(src, (page, page))
        self.line_pages[src] = (first, page)

    def wrap(self, text: str, width: float) -> list[str]:
        """Greedy wrap; a word that does not fit is hyphenated (or broken after its own hyphen)."""
        sw = self.pdf.get_string_width
        lines, cur = [], ""
        for word in text.split(" "):
            cand = f"{cur} {word}" if cur else word
            if sw(cand) <= width or not cur:
                cur = cand
                continue
            head, tail = self._split(word, width - sw(cur + " "))
            if head:
                lines.append(f"{cur} {head}")
                cur = tail
            else:
                lines.append(cur)
                cur = word
        if cur:
            lines.append(cur)
        return lines

    def _split(self, word: str, room: float) -> tuple[str, str]:
        sw = self.pdf.get_string_width
        if not self.hyphenate or room <= 0:
            return "", word
        if "-" in word[1:-1]:  # break after a hyphen the word already has
            cut = word.rindex("-", 0, len(word) - 1) + 1
            while cut > 1 and sw(word[:cut]) > room:
                cut = word.rfind("-", 0, cut - 1) + 1
            if cut > 1 and sw(word[:cut]) <= room:
                return word[:cut], word[cut:]
            return "", word
        if len(word) < 8 or not word.isalpha() or not word.islower():
            return "", word
        for cut in range(len(word) - 3, 3, -1):  # soft hyphenation: >= 4 letters left, >= 3 moved
            if sw(word[:cut] + "-") <= room:
                self.hyphenated.append(word)
                return word[:cut] + "-", word[cut:]
        return "", word

    def text_line(self, src: int, x: float, text: str, size=BODY_SIZE, style="", leading=LEADING):
        self.ensure(leading)
        self.pdf.set_font("Helvetica", style, size)
        self.pdf.set_xy(x, self.y)
        self.pdf.cell(0, size, text)
        self.mark(src)
        self.y += leading

    def paragraph(self, src: int, text: str, size=BODY_SIZE, style=""):
        self.pdf.set_font("Helvetica", style, size)
        indent = ""
        m = re.match(r"^( *- )", text)
        if m:  # bullet: hanging indent under the text after "- "
            indent = m.group(1)
        x0 = MARGIN_L + (self.pdf.get_string_width(indent) if indent else 0)
        first_w = self.width
        leading = max(LEADING, size * 1.3)
        wrapped = self.wrap(text, first_w if not indent else self.width)
        if indent:
            body = text[len(indent):]
            wrapped = [indent + ln if i == 0 else ln
                       for i, ln in enumerate(self.wrap(body, self.width - (x0 - MARGIN_L)))]
        for i, ln in enumerate(wrapped):
            self.text_line(src, MARGIN_L if i == 0 else x0, ln, size, style, leading)

    def columns(self, src: int, cells: list[str], toc: bool):
        """One row of an unruled column layout (TOC: title left, page number right-aligned)."""
        self.ensure(LEADING)
        self.pdf.set_font("Helvetica", "", BODY_SIZE)
        if toc:
            self.pdf.set_xy(MARGIN_L, self.y)
            self.pdf.cell(self.width - 30, BODY_SIZE, cells[0])
            self.pdf.set_xy(PAGE_W - MARGIN_R - 30, self.y)
            self.pdf.cell(30, BODY_SIZE, cells[1], align="R")
        else:
            for j, cell in enumerate(cells):
                if cell:
                    self.pdf.set_xy(MARGIN_L + 200 * j, self.y)
                    self.pdf.cell(190, BODY_SIZE, cell)
        self.mark(src)
        self.y += LEADING

    def toc_table(self, src_lines: list[int], entries: list[str]):
        """The TOC as a ruled table, number | title | page; titles wrap inside their cell."""
        pdf = self.pdf
        pdf.set_font("Helvetica", "", BODY_SIZE)
        pdf.set_xy(MARGIN_L, self.y)
        pdf.set_auto_page_break(True, margin=PAGE_H - BOTTOM)
        title_width = TOC_TABLE_WIDTHS[1] - 2 * 4  # less the cell padding
        with pdf.table(
            width=sum(TOC_TABLE_WIDTHS),
            col_widths=TOC_TABLE_WIDTHS,
            first_row_as_headings=False,
            line_height=LEADING,
            text_align=("LEFT", "LEFT", "RIGHT"),
            align="LEFT",
            padding=(2, 4),
        ) as t:
            for src, entry in zip(src_lines, entries):
                label, page = entry.split("\t")
                label = re.sub(r"\.{2,}$", "", label.strip())  # a ruled TOC needs no dot leaders
                m = re.match(r"^(\d+(?:\.\d+)*\.?)\s+(.*)$", label)
                number, title = (m.group(1), m.group(2)) if m else ("", label)
                if pdf.get_string_width(title) > title_width:
                    self.wrapped_toc_entries.append(src)
                row = t.row()
                for cell in (number, title, page):
                    row.cell(cell)
        pdf.set_auto_page_break(False)
        for src in src_lines:
            self.mark(src)
        self.y = pdf.get_y() + PARA_GAP

    def ruled_table(self, table: RenderedTable, src_lines: list[int], heading_rows: int):
        pdf = self.pdf
        pdf.set_font("Helvetica", "", 9)
        ncols = max(len(r) for r in table.rows)
        pdf.set_xy(MARGIN_L, self.y)
        pdf.set_auto_page_break(True, margin=PAGE_H - BOTTOM)
        italic = FontFace(emphasis="ITALICS")
        first_page = pdf.page_no()
        with pdf.table(
            num_heading_rows=heading_rows,
            line_height=11,
            text_align="LEFT",
            headings_style=FontFace(emphasis="BOLD"),
            repeat_headings=1,
        ) as t:
            for raw, row in zip(table.raw_rows, table.rows):  # type: ignore[attr-defined]
                r = t.row()
                for j in range(ncols):
                    cell = row[j] if j < len(row) else ""
                    r.cell(cell, style=italic if "<i>" in (raw[j] if j < len(raw) else "") else None)
        pdf.set_auto_page_break(False)
        last_page = pdf.page_no()
        table.pages = list(range(first_page, last_page + 1))
        for src in src_lines:
            self.mark(src)
        self.y = pdf.get_y() + PARA_GAP


def _is_heading(block_lines: list[str]) -> bool:
    if len(block_lines) != 1:
        return False
    line = block_lines[0]
    return len(line) <= 90 and not line.rstrip().endswith((".", ":", ",")) and not line.startswith("- ")


def render_text_pdf(
    text: str,
    path: Path,
    *,
    header: str | None = SAMPLE_HEADER,
    footer: bool = True,
    hyphenate: bool = True,
    repeat: int = 1,
    compress: bool = True,
    toc_table: bool = False,
) -> RenderedPdf:
    """Draw `text` (referat's text fixture shape) as a PDF at `path`. `repeat` draws it n times;
    `toc_table` draws the table of contents as a ruled table instead of unruled columns."""
    lines = text.split("\n")
    pdf = _MinutesPdf(header, footer)
    pdf.set_compression(compress)
    pdf.set_title("Referat")
    r = _Renderer(pdf, hyphenate)
    tables: list[RenderedTable] = []
    blocks = _blocks(lines)
    for _ in range(repeat):
        r.new_page()
        i = 0
        while i < len(blocks):
            start, end = blocks[i]
            block = lines[start : end + 1]
            if all("\t" in ln for ln in block):
                if all(TOC_LINE.match(ln) for ln in block):
                    if toc_table:
                        r.toc_table([start + k + 1 for k in range(len(block))], block)
                        i += 1
                        continue
                    for k, ln in enumerate(block):
                        r.columns(start + k + 1, ln.split("\t"), toc=True)
                    r.y += PARA_GAP
                    i += 1
                    continue
                # a tab block, and the tab blocks right after it (split only by a blank line)
                while i + 1 < len(blocks) and all("\t" in ln for ln in lines[blocks[i + 1][0] : blocks[i + 1][1] + 1]):
                    i += 1
                    end = blocks[i][1]
                src = [k + 1 for k in range(start, end + 1) if lines[k].strip()]
                raw_rows = [lines[k - 1].split("\t") for k in src]
                ncols = max(len(rw) for rw in raw_rows)
                ruled = ncols > 2 or len(raw_rows) > 4
                rows = [[MARKUP.sub("", c).strip() for c in rw] for rw in raw_rows]
                table = RenderedTable(start_line=start + 1, end_line=end + 1, rows=rows, ruled=ruled)
                table.raw_rows = raw_rows  # type: ignore[attr-defined]
                if ruled:
                    rows = [rw + [""] * (ncols - len(rw)) for rw in rows]
                    table.rows = rows
                    heading_rows = sum(1 for rw in raw_rows[:3] if not rw[0].strip() or rw[0] == raw_rows[0][0])
                    r.ruled_table(table, src, max(1, min(heading_rows, 2)))
                else:
                    for k, rw in zip(src, rows):
                        r.columns(k, rw, toc=False)
                    r.y += PARA_GAP
                    table.pages = sorted({r.line_pages[k][0] for k in src})
                tables.append(table)
                i += 1
                continue
            if _is_heading(block):
                item = bool(ITEM_HEADING.match(block[0]))
                r.ensure(LEADING * 3)  # keep a heading with what follows
                before = r.pdf.page_no(), r.y
                r.paragraph(start + 1, block[0], size=15 if item else 11, style="B")
                if (r.pdf.page_no(), r.y) != before and r.y - before[1] > 1.5 * max(LEADING, 15 * 1.3):
                    r.wrapped_headings.append(start + 1)
            else:
                for k, ln in enumerate(block):
                    r.paragraph(start + k + 1, ln)
            r.y += PARA_GAP
            i += 1
    pdf.output(str(path))
    return RenderedPdf(
        path=path,
        page_count=pdf.pages_count,
        line_pages=r.line_pages,
        tables=tables,
        hyphenated=r.hyphenated,
        wrapped_headings=r.wrapped_headings,
        wrapped_toc_entries=r.wrapped_toc_entries,
    )


def render_sample(path: Path, **kw) -> RenderedPdf:
    return render_text_pdf(SAMPLE_TEXT.read_text(encoding="utf-8"), path, **kw)


def render_pages(path: Path, pages: int) -> int:
    """The sample repeated until the PDF has at least `pages` pages (for benchmarks); returns pages."""
    text = SAMPLE_TEXT.read_text(encoding="utf-8")
    probe = render_text_pdf(text, path)
    repeat = max(1, -(-pages // probe.page_count))
    return render_text_pdf(text, path, repeat=repeat).page_count if repeat > 1 else probe.page_count


# --- bad PDFs ---------------------------------------------------------------------------------------


def small_pdf(text: str = "Referat\n\nKKR Hovedstaden tiltrådte indstillingen.") -> bytes:
    pdf = _MinutesPdf(None, False)
    pdf.add_page()
    pdf.set_font("Helvetica", "", 11)
    for k, line in enumerate(text.split("\n")):
        pdf.set_xy(MARGIN_L, TOP + 14 * k)
        pdf.cell(0, 11, line)
    return bytes(pdf.output())


EXTRACT_TEXT = 1 << 4  # PDF permission bit 5: copy or extract text


def encrypted_pdf(user_password: str, allow_extraction: bool = True) -> bytes:
    """Encrypted with RC4; an empty user password opens it without asking (owner-only protection)."""
    pdf = _MinutesPdf(None, False)
    permissions = 0xF3C if allow_extraction else 0xF3C & ~EXTRACT_TEXT
    pdf.set_encryption(owner_password="owner-secret", user_password=user_password, permissions=permissions)
    pdf.add_page()
    pdf.set_font("Helvetica", "", 11)
    pdf.cell(0, 11, "Referat af mødet i KKR Hovedstaden")
    return bytes(pdf.output())


def image_only_pdf(pages: int = 2) -> bytes:
    """A 'scan': pages that hold only an image, no text layer."""
    from PIL import Image, ImageDraw

    img = Image.new("L", (400, 560), 255)
    draw = ImageDraw.Draw(img)
    for k in range(20):
        draw.rectangle((40, 40 + 24 * k, 360, 52 + 24 * k), fill=40)
    pdf = FPDF(unit="pt", format="A4")
    for _ in range(pages):
        pdf.add_page()
        pdf.image(img, x=40, y=40, w=500)
    return bytes(pdf.output())


def many_pages_pdf(pages: int) -> bytes:
    """A cheap PDF with `pages` pages, built by hand (fpdf2 is slow at thousands of pages)."""
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>"]
    kids = " ".join(f"{3 + k} 0 R" for k in range(pages))
    objs.append(f"<< /Type /Pages /Kids [{kids}] /Count {pages} >>".encode())
    for _ in range(pages):
        objs.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>")
    return _assemble(objs)


def _assemble(objs: list[bytes]) -> bytes:
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objs, start=1):
        offsets.append(len(out))
        out += f"{n} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode()
    for off in offsets:
        out += f"{off:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objs) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def broken_xref_pdf() -> bytes:
    """A valid small PDF whose cross-reference offsets are all wrong (readers must reconstruct)."""
    data = small_pdf()
    start = data.rindex(b"xref")
    tail = re.sub(rb"\d{10} 00000 n", b"0000000001 00000 n", data[start:])
    return data[:start] + tail


def garbage_stream_pdf() -> bytes:
    """A PDF whose page content stream is compressed garbage."""
    junk = zlib.compress(b"\x00\xff" * 50)[:-4] + b"\x00\x00\x00\x00"
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        f"<< /Length {len(junk)} /Filter /FlateDecode >>\nstream\n".encode() + junk + b"\nendstream",
    ]
    return _assemble(objs)


def rotated_pdf(text: str = "Referat\n\nKKR Hovedstaden tiltrådte indstillingen.", rotation: int = 90) -> bytes:
    """`small_pdf` with its page turned by /Rotate (as scanners and some exports leave pages)."""
    import io

    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(small_pdf(text))
    doc[0].set_rotation(rotation)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def annotated_pdf() -> bytes:
    """A page with a sticky-note annotation and a link (annotations are not page text)."""
    pdf = _MinutesPdf(None, False)
    pdf.add_page()
    pdf.set_font("Helvetica", "", 11)
    pdf.set_xy(MARGIN_L, TOP)
    pdf.cell(0, 11, "Referat af mødet i KKR Hovedstaden")
    pdf.text_annotation(MARGIN_L, TOP + 30, "Husk at rette datoen")
    pdf.link(MARGIN_L, TOP, 100, 11, "https://example.org")
    return bytes(pdf.output())


def duplicate_chars_pdf() -> bytes:
    """'Fake bold': every heading drawn twice, a fraction of a point apart."""
    pdf = _MinutesPdf(None, False)
    pdf.add_page()
    pdf.set_font("Helvetica", "", 11)
    for dx in (0.0, 0.3):
        pdf.set_xy(MARGIN_L + dx, TOP)
        pdf.cell(0, 11, "Beslutning")
    pdf.set_xy(MARGIN_L, TOP + 20)
    pdf.cell(0, 11, "KKR Hovedstaden tiltrådte indstillingen.")
    return bytes(pdf.output())


JUSTIFIED_TEXT = (
    "Kommunerne har jf. integrationsloven mulighed for indbyrdes at indgå frivillige aftaler om "
    "kommunekvoterne i hver region, og aftalen skal meddeles Udlændingestyrelsen inden den 10. "
    "september 2026 Supercykelstisamarbejdsaftalerne Klimatilpasningsplanlægningsprojekterne 2027 "
    "og derefter fastsætter styrelsen kvoterne for hver kommune i regionen for året 2027 og "
    "kommunerne i Region Østdanmark bliver orienteret om fordelingen af de i alt 277 personer."
)


def justified_pdf(text: str = JUSTIFIED_TEXT, width: float = 260) -> bytes:
    """A justified paragraph in a narrow column: stretched word spaces, lines ending in numbers."""
    pdf = _MinutesPdf(None, False)
    pdf.add_page()
    pdf.set_font("Helvetica", "", 10)
    pdf.set_xy(MARGIN_L, TOP)
    pdf.multi_cell(width, LEADING, text, align="J")
    return bytes(pdf.output())


TWO_COLUMN_LEFT = (
    "Kommunalbestyrelsen behandlede på mødet forslaget til ny klimaplan for kommunen. Planen "
    "indeholder mål for reduktion af udledningen fra transport, bygninger og landbrug frem mod 2030."
)
TWO_COLUMN_RIGHT = (
    "Det blev besluttet at sende planen i offentlig høring i seks uger. Borgere og virksomheder "
    "kan indsende bemærkninger via kommunens hjemmeside indtil udgangen af september."
)


def two_column_pdf() -> bytes:
    """A heading across the page, then two columns of text side by side (a newsletter layout)."""
    pdf = _MinutesPdf(None, False)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 14)
    pdf.set_xy(MARGIN_L, TOP)
    pdf.cell(0, 14, "Referat fra kommunalbestyrelsens møde")
    pdf.set_font("Helvetica", "", 10)
    col = (PAGE_W - MARGIN_L - MARGIN_R - 20) / 2
    for k, text in enumerate((TWO_COLUMN_LEFT, TWO_COLUMN_RIGHT)):
        pdf.set_xy(MARGIN_L + k * (col + 20), TOP + 30)
        pdf.multi_cell(col, LEADING, text)
    return bytes(pdf.output())


def bomb_pdf(megabytes: int = 300) -> bytes:
    """A page whose small compressed content stream inflates to `megabytes` of drawing operators."""
    comp = zlib.compressobj(9)
    chunk = b"0 0 m 1 1 l S\n" * 4096
    parts = [comp.compress(b"BT /F1 12 Tf 72 720 Td (Referat) Tj ET\n")]
    for _ in range(megabytes * 1024 * 1024 // len(chunk)):
        parts.append(comp.compress(chunk))
    parts.append(comp.flush())
    stream = b"".join(parts)
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >> >>",
        f"<< /Length {len(stream)} /Filter /FlateDecode >>\nstream\n".encode() + stream + b"\nendstream",
    ]
    return _assemble(objs)


# --- layouts for the paragraph and list rules ---------------------------------------------------------

_FILLER = "og det er til den for at som med på af en der kan nu".split()
TEXT_WIDTH = PAGE_W - MARGIN_L - MARGIN_R


def _full_line(pdf: FPDF, ending: str, start: int = 0, opening: str = "") -> str:
    """A line that opens with `opening` and ends with `ending`, filler words between, as long as
    fits the text width."""
    head, words = opening.split(), ending.split()
    k = start
    while pdf.get_string_width(" ".join(head + [_FILLER[k % len(_FILLER)]] + words)) <= TEXT_WIDTH - 2:
        words.insert(0, _FILLER[k % len(_FILLER)])
        k += 1
    return " ".join(head + words)


def _draw(pdf: FPDF, y: float, text: str, full: bool = False, color=(0, 0, 0)) -> None:
    """One line at the left margin; a `full` one stretched to the text width (as justified)."""
    pdf.set_text_color(*color)
    if full and len(text) > 1:
        pdf.set_char_spacing((TEXT_WIDTH - pdf.get_string_width(text)) / (len(text) - 1))
    pdf.set_xy(MARGIN_L, y - 8)  # the cell's text sits about 8 pt below its top at 10 pt
    pdf.cell(0, 10, text)
    pdf.set_char_spacing(0)
    pdf.set_text_color(0, 0, 0)


def page_break_pdf() -> tuple[bytes, dict[str, str]]:
    """Four pages that test where a full line ending a sentence goes on, and the expected lines.

    p1: a paragraph of full lines down to the bottom of the page; its last line ends a sentence;
    p2: at its top a numbered heading `1.2 Status på udviklingsønsker`; a paragraph whose last full
        line ends `KASPER.` and a label `Referat:` right under it; a paragraph whose last, full line
        ends a sentence well above the bottom (the page ends early);
    p3: a new capitalised paragraph; full lines to the bottom, the last ending a sentence;
    p4: the same paragraph going on with a capital (page 3 was full); a red note of full lines, then
        a black line."""
    pdf = _MinutesPdf(None, False)
    pdf.set_font("Helvetica", "", BODY_SIZE)
    expect: dict[str, str] = {}

    def paragraph(y: float, opening: str, ending: str, lines: int, color=(0, 0, 0)) -> tuple[float, str]:
        out = [_full_line(pdf, "", start=k, opening=opening if k == 0 else "") for k in range(lines - 1)]
        out.append(_full_line(pdf, ending, start=lines))
        for k, text in enumerate(out):
            _draw(pdf, y + LEADING * k, text, full=True, color=color)
        return y + LEADING * len(out), " ".join(out)

    last_y = BOTTOM - 4  # the last baseline of a full page
    rows = int((last_y - (TOP + 10)) // LEADING) + 1
    pdf.add_page()
    _, expect["p1"] = paragraph(TOP + 10, "First Agenda tager med hjem", "når man tilknytter til et udvalg.", rows)
    pdf.add_page()
    _draw(pdf, TOP + 10, "1.2 Status på udviklingsønsker")
    y, expect["kasper"] = paragraph(TOP + 23, "Mailsvar på hvem man skal kontakte", "FØLG OP PÅ SAMMEN MED KASPER.", 4)
    _draw(pdf, y, "Referat:")
    _, expect["early"] = paragraph(y + LEADING + PARA_GAP, "Forhåbentligt på plads", "inden udgangen af året.", 5)
    pdf.add_page()
    y3 = last_y - LEADING * (rows - 1)
    _, p3 = paragraph(y3, "Det næste afsnit begynder her", "og det blev besluttet.", rows)
    pdf.add_page()
    y, p4 = paragraph(TOP + 10, "Derfor fortsætter afsnittet på denne side", "og slutter her.", 2)
    expect["p3"] = f"{p3} {p4}"
    y, expect["red"] = paragraph(
        y + LEADING + PARA_GAP, "Hvad med brugeradministration", "Slette brugeren ved nedlægning i AD.", 2,
        color=(255, 0, 0),
    )
    _draw(pdf, y, "Mailsvar på hvem man skal kontakte ved support.")
    expect["black"] = "Mailsvar på hvem man skal kontakte ved support."
    return bytes(pdf.output()), expect


LIST_POINTS = [
    ("A)", "De foreslåede arbejder for bygningsvedligeholdelse 2013 under Sundheds- og "
           "Forebyggelsesudvalget godkendes, og udvalget orienteres løbende om fremdriften."),
    ("B)", "Anlægsbevilling på 1.316.000 kr. over projekt nr. 650260, Vedligeholdelsesarbejder 2013 indgår "
           "i den samlede anlægssag, som fremlægges for Økonomiudvalget og Kommunalbestyrelsen."),
    ("c.", "Konference den 23. januar 2027 - Hvordan udvikler vi det nære sundhedsvæsen sammen med kommunerne?"),
]
LIST_CELL_BILAG = ("Bilag", "2026-208960 - Hvordan udvikler vi det nære sundhedsvæsen sammen?")


def list_table_pdf(v_align: str = "TOP", borders: str = "ALL") -> bytes:
    """Lettered points laid out as a two-column table (enumerator | text), as eDoc sets them, under a
    recommendation; the last point's cell also holds a bold `Bilag` heading and an attachment line.
    `v_align` places the enumerator at the top or in the middle of its row."""
    pdf = _MinutesPdf(None, False)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", BODY_SIZE)
    _draw(pdf, TOP, "Indstilling")
    pdf.set_font("Helvetica", "", BODY_SIZE)
    _draw(pdf, TOP + LEADING, "Center for Ejendomme indstiller, at")
    _draw(pdf, TOP + 2 * LEADING, _full_line(pdf, "i forbindelse med fremlæggelsen af sagen for udvalget."))
    pdf.set_xy(MARGIN_L, TOP + 3 * LEADING + PARA_GAP)
    with pdf.table(
        width=TEXT_WIDTH, col_widths=(25, TEXT_WIDTH - 25), first_row_as_headings=False, line_height=LEADING,
        text_align="LEFT", align="LEFT", borders_layout=borders, padding=(3, 4), markdown=True, v_align=v_align,
    ) as t:
        for k, (marker, text) in enumerate(LIST_POINTS):
            if k == len(LIST_POINTS) - 1:
                text = f"{text}\n\n**{LIST_CELL_BILAG[0]}**\n{LIST_CELL_BILAG[1]}"
            row = t.row()
            row.cell(marker)
            row.cell(text)
    y = pdf.get_y() + 20
    _draw(pdf, y, "Beslutning")
    _draw(pdf, y + LEADING, "Godkendt.")
    return bytes(pdf.output())
