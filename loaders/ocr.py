"""OCR of page images: Tesseract in Danish, through pytesseract, cached by page-image hash.

Used by the PDF loader (loaders.pdf) for pages without a usable text layer (none, or garbage: a
font without a Unicode map, text that is mostly not Danish words) and, through it, for image files
(loaders.image). A page is rendered by pypdfium2 (a scanned page at its scan's resolution, else at
`DPI`), straightened (a scan's slight skew,
estimated by projection profiles), and read by `tesseract -l dan`; its words come back with their
boxes and confidences and are turned into the positioned lines (loaders.pdf_layout.Line) that the
PDF loader assembles like any other page: same hyphenation, same running headers and footers.

- On by default when Tesseract and its Danish data are installed; `REFERAT_OCR=0` (what
  `--no-ocr` sets, so child processes see it) turns it off.
- Pages run in parallel on `workers()` threads, each driving one single-threaded `tesseract`
  process (`OMP_THREAD_LIMIT=1`: Tesseract's OpenMP threads only fight each other on a small
  machine), as many as the cores and the memory budget allow (`REFERAT_OCR_WORKERS` overrides).
- Results are cached by the hash of the rendered page image (with engine version, language and
  settings), in `REFERAT_OCR_CACHE` or `$XDG_CACHE_HOME/referat/ocr` (`~/.cache/referat/ocr`), so a
  rerun or an extractor-version bump never OCRs a page again.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import statistics
import subprocess
import tempfile
import unicodedata
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import regex

from loaders.policy import env_number

ENGINE = "tesseract"
LANGUAGE = "dan"
DPI = 300
# A single column of text of variable sizes: rows are read across the page, so a column of page
# numbers (a table of contents) or a short cell stays on its row; with fully automatic
# segmentation (3) Tesseract drops such columns. Two text columns come back as rows of two pieces,
# which the PDF loader reads column by column like a text layer's.
PSM = 4
PREPROCESS_VERSION = "2"  # bump when the image preparation changes: the cache key includes it
RULES_VERSION = 4  # bump when find_rules or reread_numbers change: cached pages get them again (no OCR)
LOW_CONFIDENCE = 75.0  # mean word confidence (0-100) under which a page's text is flagged
PAGE_TIMEOUT = 180.0  # seconds for one page (REFERAT_OCR_PAGE_TIMEOUT)
WORKER_MEMORY_MB = 400  # what one worker may take: a 300 dpi page image, its copies and Tesseract
INSTALL_HINT = (
    "install Tesseract with its Danish data: `apt-get install tesseract-ocr tesseract-ocr-dan` "
    "(Debian/Ubuntu; `brew install tesseract tesseract-lang` on macOS), then run again"
)


class OcrUnavailable(RuntimeError):
    """OCR cannot run here: turned off, or Tesseract (or its Danish data) is not installed."""


# --- availability ------------------------------------------------------------------------------


def ocr_enabled() -> bool:
    """OCR is on unless REFERAT_OCR says off (0, false, no, off)."""
    return os.environ.get("REFERAT_OCR", "1").strip().lower() not in ("0", "false", "no", "off")


@lru_cache(maxsize=4)
def _tesseract(cmd: str) -> tuple[str | None, str | None]:
    """(version, None) when `cmd` runs and has Danish; (None, why not) otherwise."""
    path = shutil.which(cmd)
    if path is None:
        return None, f"Tesseract is not installed ({cmd!r} not found); {INSTALL_HINT}"
    try:
        version = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=30)
        langs = subprocess.run([path, "--list-langs"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError) as err:
        return None, f"Tesseract ({path}) does not run ({err}); {INSTALL_HINT}"
    if LANGUAGE not in langs.stdout.split():
        return None, f"Tesseract has no Danish language data ({LANGUAGE!r}); {INSTALL_HINT}"
    match = re.search(r"tesseract\s+v?(\S+)", version.stdout + version.stderr)
    return (match.group(1) if match else "unknown"), None


def _command() -> str:
    return os.environ.get("REFERAT_TESSERACT") or "tesseract"


def unavailable_reason() -> str | None:
    """None when OCR can run; else why not, with what to do about it."""
    if not ocr_enabled():
        return "OCR is turned off (--no-ocr / REFERAT_OCR=0)"
    return _tesseract(_command())[1]


def ocr_available() -> bool:
    return unavailable_reason() is None


def engine_version() -> str:
    version, why = _tesseract(_command())
    if version is None:
        raise OcrUnavailable(why)
    return version


# --- the cache ---------------------------------------------------------------------------------


def cache_dir() -> Path:
    explicit = os.environ.get("REFERAT_OCR_CACHE", "").strip()
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME", "").strip() or str(Path.home() / ".cache")
    return Path(base) / "referat" / "ocr"


def _cache_path(key: str) -> Path:
    return cache_dir() / key[:2] / f"{key}.json"


def _cache_get(key: str) -> dict | None:
    try:
        data = json.loads(_cache_path(key).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and isinstance(data.get("words"), list) else None


def _cache_put(key: str, value: dict) -> None:
    """Atomically (a temp file renamed): parallel runs may write the same page. A cache that
    cannot be written costs speed on the next run, nothing else."""
    path = _cache_path(key)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(value, handle, ensure_ascii=False, separators=(",", ":"))
        os.replace(tmp, path)
    except OSError:
        try:
            os.unlink(tmp)  # type: ignore[possibly-undefined]
        except (OSError, NameError):
            pass


# --- one page ----------------------------------------------------------------------------------


@dataclass
class OcrWord:
    text: str
    left: float  # pixels of the (straightened) page image
    top: float
    width: float
    height: float
    conf: float  # 0-100
    line: tuple[int, int, int]  # Tesseract's (block, paragraph, line)


@dataclass
class OcrPage:
    """What Tesseract read on one page image."""

    width: int  # pixels
    height: int
    dpi: float
    words: list[OcrWord] = field(default_factory=list)
    cached: bool = False
    angle: float = 0.0  # degrees the page was turned to straighten it
    # ruling lines of the straightened page, (x0, y0, x1, y1) pixels: the borders of ruled tables
    rules: list[tuple[int, int, int, int]] = field(default_factory=list)

    @property
    def mean_confidence(self) -> float | None:
        confs = [w.conf for w in self.words]
        return round(statistics.fmean(confs), 1) if confs else None

    @property
    def chars(self) -> int:
        return sum(len(w.text) for w in self.words)


def image_key(image, dpi: float) -> str:
    """The cache key of a page image: its pixels, and every setting the result depends on."""
    h = hashlib.sha256()
    h.update(f"{image.mode}|{image.size}|{dpi:g}|{LANGUAGE}|{PSM}|{PREPROCESS_VERSION}|".encode())
    h.update(f"{ENGINE} {engine_version()}|".encode())
    h.update(image.tobytes())
    return h.hexdigest()


def ocr_image(image, dpi: float = DPI) -> OcrPage:
    """OCR one page image (PIL), from the cache when this image was read before."""
    image = image.convert("L") if image.mode != "L" else image
    key = image_key(image, dpi)
    hit = _cache_get(key)
    if hit is not None:
        page = _from_json(hit, cached=True)
        if hit.get("rules_version") != RULES_VERSION:  # cached by an older referat: the passes after OCR
            turned = _turned(image, page.angle)
            page.rules = find_rules(turned, dpi)
            reread_numbers(_turned(despeckle(image), page.angle), page)
            _cache_put(key, _to_json(page))
        return page
    page = _run(image, dpi)
    _cache_put(key, _to_json(page))
    return page


def _run(image, dpi: float) -> OcrPage:
    import pytesseract

    straight, angle = deskew(despeckle(image))
    pytesseract.pytesseract.tesseract_cmd = shutil.which(_command()) or _command()
    timeout = env_number("REFERAT_OCR_PAGE_TIMEOUT", PAGE_TIMEOUT)
    try:
        data = pytesseract.image_to_data(
            straight, lang=LANGUAGE, config=f"--psm {PSM} --dpi {int(round(dpi))}",
            output_type=pytesseract.Output.DICT, timeout=timeout,
        )
    except RuntimeError as err:  # pytesseract's timeout
        raise OcrFailed(f"OCR of a page took longer than {timeout:g} s ({err})") from None
    except pytesseract.TesseractError as err:
        raise OcrFailed(f"Tesseract failed on a page: {err}") from None
    words = []
    for i, text in enumerate(data["text"]):
        text = unicodedata.normalize("NFC", (text or "").strip())
        conf = float(data["conf"][i])
        if not text or conf < 0:
            continue
        if conf < 60 and not any(ch.isalnum() for ch in text):
            continue  # a speck of noise read as punctuation
        words.append(OcrWord(text, data["left"][i], data["top"][i], data["width"][i], data["height"][i], conf,
                             (data["block_num"][i], data["par_num"][i], data["line_num"][i])))
    # rules on the page as scanned (turned straight): the median filter thins a thin rule away
    page = OcrPage(width=image.width, height=image.height, dpi=dpi, words=words, angle=angle,
                   rules=find_rules(_turned(image, angle), dpi))
    reread_numbers(straight, page)
    return page


def _dropped_word(ink, words: list[OcrWord], height: float, key) -> OcrWord | None:
    """A blank word where the row has ink after a wide gap right of its last word (Tesseract
    sometimes leaves out a lone number at the end of a row); reread_numbers reads it."""
    last = words[-1]
    top = int(min(w.top for w in words) + 0.15 * height)
    bottom = int(max(w.top + w.height for w in words) - 0.15 * height)
    start = int(last.left + last.width + 3 * height)
    if bottom <= top or start >= ink.shape[1]:
        return None
    band = ink[top:bottom, start:]
    import numpy as np

    columns = np.flatnonzero(band.sum(axis=0) >= 2)
    if len(columns) < 2 or not 0.25 * height <= columns[-1] - columns[0] <= 4 * height:
        return None  # nothing, a rule or a speck, or more than a short word: not a left-out number
    if band[:, columns].all(axis=0).any():
        return None  # a column inked from top to bottom: a table's rule
    left = start + int(columns[0])
    return OcrWord("", left, min(w.top for w in words), int(columns[-1] - columns[0]) + 1,
                   max(w.top + w.height for w in words) - min(w.top for w in words), 0.0, key)


def reread_numbers(image, page: OcrPage) -> None:
    """A short word set apart at the end of its row (a page number in a table of contents, a
    number in a column) that Tesseract was unsure of, or left out, is read again on its own, as
    digits: read
    with its row, a lone number after a wide gap is often misread ("ve" for 12); read alone it is
    not. Kept only when the second reading is all digits and sure (confidence 80 or more)."""
    import pytesseract

    import numpy as np

    rows: dict[tuple[int, int, int], list[OcrWord]] = {}
    for w in page.words:
        rows.setdefault(w.line, []).append(w)
    timeout = env_number("REFERAT_OCR_PAGE_TIMEOUT", PAGE_TIMEOUT)
    ink = np.asarray(image) < 128
    for key, words in list(rows.items()):
        if len(words) < 2:
            continue
        words.sort(key=lambda w: w.left)
        height = statistics.median(w.height for w in words)
        missing = _dropped_word(ink, words, height, key)
        if missing is not None:  # ink right of the row's last word that Tesseract left out
            page.words.append(missing)
            words.append(missing)
        last, before = words[-1], words[-2]
        if len(last.text) > 3 or last.left - (before.left + before.width) < 3 * height:
            continue
        if last.conf >= 90 or (last.text.isdigit() and last.conf >= 75):
            continue
        pad = int(height * 0.6)
        box = image.crop((max(0, int(last.left) - pad), max(0, int(last.top) - pad),
                          min(image.width, int(last.left + last.width) + pad),
                          min(image.height, int(last.top + last.height) + pad)))
        try:
            data = pytesseract.image_to_data(
                box, lang=LANGUAGE, config=f"--psm 7 --dpi {int(round(page.dpi))} -c tessedit_char_whitelist=0123456789",
                output_type=pytesseract.Output.DICT, timeout=timeout)
        except (RuntimeError, pytesseract.TesseractError):
            continue
        read = [(t.strip(), float(c)) for t, c in zip(data["text"], data["conf"]) if t.strip() and float(c) >= 0]
        if len(read) == 1 and read[0][0].isdigit() and read[0][1] >= 80:
            last.text, last.conf = read[0]
    page.words = [w for w in page.words if w.text]  # a left-out word that did not read as a number


def _turned(image, angle: float):
    from PIL import Image

    return image.rotate(angle, resample=Image.BICUBIC, fillcolor=255) if angle else image


class OcrFailed(RuntimeError):
    """Tesseract failed or timed out on a page."""


def _to_json(page: OcrPage) -> dict:
    return {
        "engine": ENGINE, "language": LANGUAGE, "width": page.width, "height": page.height, "dpi": page.dpi,
        "angle": page.angle,
        "words": [[w.text, w.left, w.top, w.width, w.height, w.conf, *w.line] for w in page.words],
        "rules": [list(r) for r in page.rules], "rules_version": RULES_VERSION,
    }


def _from_json(data: dict, cached: bool) -> OcrPage:
    words = [OcrWord(w[0], w[1], w[2], w[3], w[4], w[5], (w[6], w[7], w[8])) for w in data["words"]]
    return OcrPage(width=data["width"], height=data["height"], dpi=data["dpi"], words=words, cached=cached,
                   angle=data.get("angle", 0.0), rules=[tuple(r) for r in data.get("rules", [])])


def find_rules(image, dpi: float) -> list[tuple[int, int, int, int]]:
    """The ruling lines of a (straightened, despeckled) page: runs of ink at least a third of an
    inch long (horizontal) or a quarter of an inch (vertical) that stay within a few pixels of one
    row or column; strokes of letters are shorter. (x0, y0, x1, y1) in pixels."""
    import numpy as np

    ink = np.asarray(image) < 180  # a thin rule, resampled, is grey
    gap = max(2, int(dpi / 25))  # a rule broken by a speck of paper is one rule
    found = []
    for axis, length in ((1, int(dpi / 3)), (0, int(dpi / 4))):
        grid = ink if axis == 1 else ink.T
        if grid.shape[1] <= length:
            continue
        sums = np.cumsum(grid, axis=1, dtype=np.int32)
        window = sums[:, length:] - sums[:, :-length]
        full = window >= int(0.9 * length)
        rows = np.flatnonzero(full.any(axis=1))
        segments = []  # (row, start, end) of the runs on each row
        for r in rows:
            starts = np.flatnonzero(full[r])
            breaks = np.flatnonzero(np.diff(starts) > 1)
            for a, b in zip(np.r_[0, breaks + 1], np.r_[breaks, len(starts) - 1]):
                segments.append((int(r), int(starts[a]), int(starts[b]) + length))
        # one rule of the rows a line's thickness spans, where their runs overlap
        groups: list[list[int]] = []  # [first row, last row, start, end]
        for r, a, b in segments:
            for g in reversed(groups[-8:]):
                if r - g[1] <= 2 and a <= g[3] + gap and b >= g[2] - gap:
                    g[1], g[2], g[3] = r, min(g[2], a), max(g[3], b)
                    break
            else:
                groups.append([r, r, a, b])
        for first, last, a, b in groups:
            if last - first > 0.04 * dpi:  # thicker than a rule: a filled box, a picture
                continue
            middle = (first + last) // 2
            found.append((a, middle, b, middle) if axis == 1 else (middle, a, middle, b))
    return found


def despeckle(image):
    """The page without salt-and-pepper noise: a 3x3 median filter, which at 300 dpi leaves the
    strokes of text as they are (the confidence on clean pages does not drop) and takes out
    the specks of a scan, which Tesseract would read as punctuation and letters."""
    from PIL import ImageFilter

    return image.filter(ImageFilter.MedianFilter(3))


def deskew(image, max_angle: float = 3.0, step: float = 0.1):
    """The page turned straight: the angle (within ±max_angle degrees) at which the rows of a
    downscaled, inverted copy are most unevenly inked (text lines and the gaps between them line
    up), found coarse to fine. Returns (image, angle); the image as given when it is straight."""
    import numpy as np
    from PIL import Image

    small = image.reduce(4) if min(image.size) >= 800 else image
    ink = Image.eval(small, lambda v: 255 - v)

    def score(angle: float) -> float:
        rows = np.asarray(ink.rotate(angle, resample=Image.BILINEAR), dtype=np.float32).sum(axis=1)
        return float(np.square(np.diff(rows)).sum())

    best = max((a / 2 for a in range(int(-2 * max_angle), int(2 * max_angle) + 1)), key=score)
    fine = [best + k * step for k in range(-5, 6)]
    angle = max(fine, key=score)
    if abs(angle) < 0.05:
        return image, 0.0
    return image.rotate(angle, resample=Image.BICUBIC, fillcolor=255), round(angle, 2)


# --- in parallel -------------------------------------------------------------------------------


def workers() -> int:
    """How many pages at once: REFERAT_OCR_WORKERS, else one per core, as far as the memory that
    is available allows (WORKER_MEMORY_MB each), at least one."""
    raw = os.environ.get("REFERAT_OCR_WORKERS", "").strip()
    if raw.isdigit() and int(raw) > 0:
        return int(raw)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    available = _available_mb()
    by_memory = available // WORKER_MEMORY_MB if available else cores
    return max(1, min(cores, by_memory))


def _available_mb() -> int | None:
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) // 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


class OcrPool:
    """Pages OCR'd on worker threads; each thread waits on its own `tesseract` process."""

    def __init__(self, n: int | None = None):
        engine_version()  # fail early, with the install hint, when there is no Tesseract
        os.environ.setdefault("OMP_THREAD_LIMIT", "1")
        self.size = n or workers()
        self._pool = ThreadPoolExecutor(max_workers=self.size, thread_name_prefix="referat-ocr")

    def submit(self, image, dpi: float = DPI) -> Future:
        return self._pool.submit(ocr_image, image, dpi)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> "OcrPool":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


# --- words to positioned lines -----------------------------------------------------------------

_DESCENDS = re.compile(r"[gjpqyQ,;()\[\]{}/|µ§]")
_ASCENDS = re.compile(r"[A-ZÆØÅ0-9bdfhklt!?&%]")
# the height of a word's box per point of font size: with capitals or ascenders (and no
# descenders), with neither (x-height), with anything
_HEIGHT_PER_POINT = (0.72, 0.52, 0.95)


def _clean(word: str) -> str:
    """What Tesseract writes for a dash (`--`) as the single hyphen a text layer has."""
    return _DASHES.sub("-", word) if "--" in word else word


_DASHES = re.compile(r"-{2,}")


def _font_size(words: list[OcrWord]) -> float:
    """A line's font size (in pixels) from the heights of its words' boxes."""
    tall = [w.height for w in words if _ASCENDS.search(w.text) and not _DESCENDS.search(w.text)]
    if tall:
        return statistics.median(tall) / _HEIGHT_PER_POINT[0]
    short = [w.height for w in words if w.text.isalpha() and not _DESCENDS.search(w.text)]
    if short:
        return statistics.median(short) / _HEIGHT_PER_POINT[1]
    return statistics.median(w.height for w in words) / _HEIGHT_PER_POINT[2]


def page_lines(page: OcrPage, page_no: int):
    """The page's lines as the PDF loader's positioned lines (points, y from the top): one per
    Tesseract line, or one per piece of it where a gap is a column boundary
    (loaders.pdf_layout.column_breaks); words joined by a space."""
    from loaders.pdf_layout import Line, column_breaks

    scale = 72.0 / page.dpi
    grouped: dict[tuple[int, int, int], list[OcrWord]] = {}
    for w in page.words:
        grouped.setdefault(w.line, []).append(w)
    lines = []
    for words in grouped.values():
        words.sort(key=lambda w: w.left)
        size = _font_size(words) * scale
        sitting = [w for w in words if not _DESCENDS.search(w.text)]
        bottoms = sorted(w.top + w.height for w in sitting or words)
        baseline = bottoms[(len(bottoms) - 1) // 2] * scale
        if not sitting:  # every word reaches below the baseline
            baseline -= 0.2 * size
        lines.append([words, size, baseline])
    # one font size per run of body text: a line's measured size wanders with the letters it
    # happens to hold, and the assembler reads a change of size as a change of block
    sizes = sorted(size for _, size, _ in lines)
    if sizes:
        body = sizes[len(sizes) // 2]
        for entry in lines:
            if abs(entry[1] - body) <= 0.15 * body:
                entry[1] = round(body, 1)
    out = []
    for words, size, baseline in lines:
        # a column boundary splits the line into pieces, as a text layer's runs are: the PDF
        # loader joins the pieces of a row with a tab, or reads two text columns one by one
        gaps = [(b.left - (a.left + a.width)) * scale for a, b in zip(words, words[1:])]
        breaks = set(column_breaks(gaps, size, True)) if gaps else set()
        piece: list[OcrWord] = []
        for k, w in enumerate(words):
            piece.append(w)
            if k in breaks or k == len(words) - 1:
                text = " ".join(_clean(p.text) for p in piece)
                x1 = max(p.left + p.width for p in piece) * scale
                out.append(Line(text, page_no, piece[0].left * scale, x1, baseline, size, None,
                                piece[0].width * scale, 0.0, 0, 0))
                piece = []
    return out


# --- is a text layer usable? ---------------------------------------------------------------------

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
# what a font without a Unicode map gives: control, private-use, unassigned, surrogate or
# replacement characters (white space is no character here)
_ODD = regex.compile(r"[[\p{Cc}\p{Co}\p{Cn}\p{Cs}\ufffd]--\s]", regex.VERSION1)
_FUNCTION_WORDS = frozenset(
    "og at i til af for er det en et med på den som der de har kan skal ikke blev om fra ved vil "
    "være sig også eller efter blive så men kommune udvalget sagen punkt "
    # an enclosure in English is text too
    "the of and to in is that with on are be this by".split())


def garbled(text: str) -> str | None:
    """Why a page's text layer is not text a reader sees (None when it is): many characters that
    are no text (a font without a Unicode map gives control characters, private-use or
    replacement characters), or many words without the small words of Danish (or English) text
    and hardly any Danish word (letters shifted by a glyph map). A page of numbers, a table, a
    list of names is text."""
    visible = "".join(text.split())  # the characters that are not white space
    if len(visible) < 40:
        return None
    odd = 0 if visible.isprintable() else len(_ODD.findall(visible))
    if odd > 0.2 * len(visible):
        return f"{odd} of {len(visible)} characters are control, private-use or replacement characters"
    words = []  # the first 400 words (runs of letters)
    for token in text.split():
        if token.isalpha():
            words.append(token.lower())
        else:
            words.extend(_WORD.findall(token.lower()))
        if len(words) >= 400:
            del words[400:]
            break
    if len(words) < 30:
        return None
    if sum(w in _FUNCTION_WORDS for w in words) >= 0.03 * len(words):
        return None
    from extractors.lexicon import danish_word_forms  # 0.5 s to load: only for a suspect page

    forms = danish_word_forms()
    longer = [w for w in words if len(w) >= 3]
    known = sum(w in forms for w in longer)
    if longer and known < 0.3 * len(longer):
        return f"only {known} of {len(longer)} words are Danish words"
    return None


# --- pages of a PDF, in order ------------------------------------------------------------------

PAGE_ALLOWANCE = 60.0  # seconds of the document's time limit granted per page OCR'd
MAX_AHEAD = 4  # pages read ahead of the oldest page still being OCR'd (per worker)

# The parse child sets this to send the parent ("more_time", seconds) when it starts OCR'ing
# pages (loaders.pdf._child_main): the parent's hard time limit then grows with the OCR work.
progress = None


class PdfPageOcr:
    """Between the PDF loader's page reader and its streamer: pages that need OCR (an image
    without a text layer, or a garbled text layer) are rendered and sent to the OCR pool, and every
    page comes out in order once it is ready; pages read ahead are few (MAX_AHEAD per worker).

    What it saw is kept for the record: OCR'd pages with their mean word confidence, pages that
    needed OCR but did not get it (OCR off or not installed), garbled pages, pages OCR failed on."""

    def __init__(self, name: str):
        self.name = name
        self.reason = unavailable_reason()  # None: OCR runs
        self.pool: OcrPool | None = None
        self._queue: list[tuple[int, object, Future | None]] = []  # (number, page, future)
        self.pages: list[dict] = []  # {"page", "mean_confidence", "words", "cached"}
        self.needed: list[int] = []  # pages that needed OCR and did not get it
        self.garbled: dict[int, str] = {}  # page -> why its text layer was not used (or kept)
        self.failed: list[tuple[int, str]] = []
        self.allowance = 0.0  # seconds added to the document's time limit
        self.n_pages = 0

    # the PDF loader calls put() per page read, then drain()

    def put(self, doc, index: int, page, deadline: float | None):
        """Yield (number, page) of the pages ready to be streamed, in order."""
        number = index + 1
        self.n_pages = len(doc)
        why = self._needs_ocr(page, doc, index)
        if why is None:
            self._queue.append((number, page, None))
        elif self.reason is not None:
            self.needed.append(number)
            self._queue.append((number, page, None))
        else:
            if self.pool is None:
                self.pool = OcrPool()
            image, dpi = _render(doc, index, why == "image")
            self._queue.append((number, page, self.pool.submit(image, dpi)))
            self._grant(deadline)
        limit = MAX_AHEAD * (self.pool.size if self.pool else 1)
        while self._queue and (self._queue[0][2] is None or self._queue[0][2].done() or len(self._queue) > limit):
            yield self._take()

    def drain(self):
        while self._queue:
            yield self._take()

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close()

    def _grant(self, deadline: float | None) -> None:
        import time

        self.allowance += PAGE_ALLOWANCE
        if progress is not None and deadline is not None:
            try:
                progress.send(("more_time", max(0.0, deadline + self.allowance - time.monotonic()) + 10.0))
            except (OSError, ValueError):
                pass

    def _needs_ocr(self, page, doc, index: int) -> str | None:
        if page.images and page.chars < 20:
            return "image"
        if page.chars >= 40 and page.lines:
            why = garbled("\n".join(ln.text for ln in page.lines if ln.text))
            if why:
                self.garbled[index + 1] = why
                return "garbled"
        return None

    def _take(self):
        number, page, future = self._queue.pop(0)
        if future is None:
            return number, page
        try:
            result = future.result()
        except (OcrFailed, OSError) as err:
            self.failed.append((number, str(err)))
            return number, page
        self.pages.append({"page": number, "mean_confidence": result.mean_confidence, "words": len(result.words),
                           "dpi": int(round(result.dpi)), "cached": result.cached})
        return number, _as_pdf_page(result, number, self.n_pages)

    # what the record says

    def info(self) -> dict | None:
        if not self.pages:
            return None
        return {"engine": ENGINE, "engine_version": engine_version(), "language": LANGUAGE,
                "pages": [{k: p[k] for k in ("page", "mean_confidence", "words", "dpi")} for p in self.pages]}

    def warnings(self) -> list[tuple[str, str]]:
        from loaders.pdf import _page_list

        out = []
        if self.garbled and self.reason is not None:
            pages = sorted(self.garbled)
            out.append(("garbled_text_pages",
                        f"page(s) {_page_list(pages)} have a text layer that is not readable text "
                        f"({self.garbled[pages[0]]}); kept as it is, as OCR cannot run: {self.reason}"))
        elif self.garbled:
            pages = sorted(self.garbled)
            out.append(("garbled_text_layer",
                        f"page(s) {_page_list(pages)} have a text layer that is not readable text "
                        f"({self.garbled[pages[0]]}); read by OCR instead"))
        if self.failed:
            out.append(("ocr_failed_pages",
                        f"OCR failed on page(s) {_page_list([n for n, _ in self.failed])} ({self.failed[0][1]}); "
                        "their text is missing"))
        low = [p for p in self.pages if p["mean_confidence"] is not None and p["mean_confidence"] < LOW_CONFIDENCE]
        if low:
            out.append(("low_ocr_confidence_pages",
                        "OCR read page(s) " + ", ".join(f"{p['page']} ({p['mean_confidence']:g})" for p in low)
                        + f" with a mean word confidence under {LOW_CONFIDENCE:g}; their text may hold misread words"))
        empty = [p["page"] for p in self.pages if not p["words"]]
        if empty:
            out.append(("image_only_pages", f"page(s) {_page_list(empty)} are images without a text layer, and "
                                            "OCR found no text on them (a picture, a blank scan)"))
        return out


def _render(doc, index: int, image_page: bool):
    """The page as a grey image (pdfium renders it, annotations and page rotation included), and
    its resolution: a scanned page at the resolution of its scan where that is between MIN_DPI and
    MAX_DPI (resampling a scan blurs the strokes Tesseract reads: a 200 dpi scan upscaled to 300
    misreads digits that it reads right as scanned), anything else at DPI."""
    page = doc[index]
    try:
        dpi = _scan_dpi(page) if image_page else None
        dpi = round(dpi) if dpi and MIN_DPI <= dpi <= MAX_DPI else DPI
        bitmap = page.render(scale=dpi / 72.0, grayscale=True, may_draw_forms=True)
        image = bitmap.to_pil().convert("L")
        bitmap.close()
        return image, dpi
    finally:
        page.close()


MIN_DPI, MAX_DPI = 150, 400


def _scan_dpi(page) -> float | None:
    """The resolution of the largest image on the page, as drawn (pixels per inch of the page)."""
    import pypdfium2.raw as pdfium_raw

    best = None
    try:
        for obj in page.get_objects(filter=[pdfium_raw.FPDF_PAGEOBJ_IMAGE], max_depth=2):
            meta = obj.get_metadata()
            area = meta.width * meta.height
            if best is None or area > best[0]:
                best = (area, min(meta.horizontal_dpi, meta.vertical_dpi))
    except Exception:  # noqa: BLE001 - an odd image object: render at the default resolution
        return None
    return best[1] if best else None


def _as_pdf_page(result: OcrPage, number: int, n_pages: int):
    """The OCR'd page as the PDF loader's page: lines in reading order (two text columns read
    column by column, pieces of one row joined), no tables, no image count (it was read)."""
    from loaders.pdf import _Page, _place_tables, reading_order

    width = result.width * 72.0 / result.dpi
    lines = reading_order(page_lines(result, number), width)
    tables = _ruled_tables(result, number)
    lines, tables = _place_tables(lines, tables, number, n_pages)
    return _Page(lines=lines, tables=tables, chars=result.chars, images=0, width=width)


def _ruled_tables(result: OcrPage, number: int):
    """Ruled tables of an OCR'd page, found like a text layer's (loaders.pdf._find_tables: the
    same grid reading and table finder, fed the rules found in the image), each cell's text the
    words whose middle lies in it, line by line."""
    from loaders.pdf import _edge, _find_tables

    scale = 72.0 / result.dpi
    edges = []
    for x0, y0, x1, y1 in result.rules:
        if y0 == y1:
            edges.append(_edge(x0 * scale, y0 * scale, x1 * scale, y0 * scale, "h"))
        else:
            edges.append(_edge(x0 * scale, y0 * scale, x0 * scale, y1 * scale, "v"))
    if len(edges) < 4:
        return []
    words = [(w, (w.left + w.width / 2) * scale, (w.top + w.height / 2) * scale) for w in result.words]

    def cell_text(x0: float, top: float, x1: float, bottom: float) -> str:
        # a cell's own rule read as a letter ("|", "]") is no text of it
        inside = [w for w, x, y in words if x0 <= x <= x1 and top <= y <= bottom and w.text.strip("|[]")]
        rows: dict[tuple[int, int, int], list[OcrWord]] = {}
        for w in inside:
            rows.setdefault(w.line, []).append(w)
        ordered = sorted(rows.values(), key=lambda ws: min(w.top for w in ws))
        return "\n".join(" ".join(_clean(w.text) for w in sorted(ws, key=lambda w: w.left)) for ws in ordered)

    return _find_tables(None, edges, number, result.height * scale, cell_text=cell_text)
