"""Scanned minutes: pages without a usable text layer are read by OCR (issue 12).

Scans are made here, at test time, from fixture PDFs: every page rasterised at 200 or 300 dpi,
turned by a slight angle, with grain and specks of noise (seeded), and put back into a PDF of
image-only pages. `minutes process` reads them and they are scored against the gold of the
original (pipeline.evaluate): item numbers and case numbers >= 0.98, every other field >= 0.90.
A mixed PDF (text pages and two scanned pages) scores like the text PDF.

OCR is slow: the results are cached by page image (loaders.ocr) in one cache for the module, so
every page image is OCR'd once (REFERAT_TEST_OCR_CACHE names a cache to keep between runs). The
sample minutes (24 pages, with ruled tables, a table of contents, running headers and footers) and
the real Aarhus minutes (4 pages) are scanned at 200 and 300 dpi (the sample at 300 dpi only with
REFERAT_TEST_OCR_FULL=1: CI's time budget).
"""

from __future__ import annotations

import io
import json
import os
import re
import stat
from pathlib import Path

import pytest
from PIL import Image
from typer.testing import CliRunner

from loaders import load, ocr
from loaders.errors import DocumentError
from pipeline.cli import app
from pipeline.evaluate import evaluate_folder, score_record
from pipeline.process import build_record, low_confidence_items
from tests.helpers import FIXTURES
from tests.ocr_fixtures import scanned_pdf, scans
from tests.pdf_fixtures import SAMPLE_GOLD, render_sample

needs_tesseract = pytest.mark.skipif(
    ocr._tesseract(ocr._command())[1] is not None,
    reason=f"Tesseract with Danish is not installed ({ocr.INSTALL_HINT})")

GOLD = FIXTURES / "gold"
AARHUS = FIXTURES / "real" / "aarhus-kommune-moedesystemgruppen-2016-10-06-referat.pdf"
AARHUS_GOLD = GOLD / "aarhus-kommune-moedesystemgruppen-2016-10-06-referat.gold.json"
EXACT = ("items", "case_numbers")  # >= 0.98; every other field >= 0.95


@pytest.fixture(scope="module", autouse=True)
def ocr_cache(tmp_path_factory):
    """One OCR cache for the module (each page image is OCR'd once), OCR on."""
    saved = {k: os.environ.get(k) for k in ("REFERAT_OCR_CACHE", "REFERAT_OCR", "REFERAT_TESSERACT")}
    # REFERAT_TEST_OCR_CACHE: a developer's cache kept between runs (CI starts empty)
    cache = Path(os.environ.get("REFERAT_TEST_OCR_CACHE") or tmp_path_factory.mktemp("ocr-cache"))
    os.environ["REFERAT_OCR_CACHE"] = str(cache)
    os.environ.pop("REFERAT_OCR", None)
    os.environ.pop("REFERAT_TESSERACT", None)
    yield cache
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(scope="module")
def sample_pdf(tmp_path_factory) -> Path:
    return render_sample(tmp_path_factory.mktemp("text-pdf") / "kkr-hovedstaden-2026-06-16.pdf").path


def _gold_for(gold_path: Path, source_name: str, folder: Path) -> Path:
    """A gold folder holding `gold_path` with its source renamed (the scan is another file)."""
    folder.mkdir(parents=True, exist_ok=True)
    gold = json.loads(gold_path.read_text(encoding="utf-8"))
    gold["source"] = source_name
    (folder / gold_path.name).write_text(json.dumps(gold, ensure_ascii=False), encoding="utf-8")
    return folder


def process_and_evaluate(tmp: Path, name: str, data: bytes, gold_path: Path) -> tuple[dict, dict]:
    """`minutes process` on the scan, then the scores `minutes eval` reports: (document, record)."""
    inbox = tmp / "inbox"
    inbox.mkdir(parents=True, exist_ok=True)
    (inbox / name).write_bytes(data)
    out = tmp / "out"
    result = CliRunner().invoke(app, ["process", str(inbox / name), "--out", str(out), "--direct"])
    assert result.exit_code == 0, result.output
    report = evaluate_folder(_gold_for(gold_path, name, tmp / "gold"), out / "records")
    (document,) = report["documents"]
    record = json.loads(next((out / "records").glob("*.json")).read_text(encoding="utf-8"))
    return document, record


def _assert_meets_the_bar(document: dict) -> None:
    low = {k: v["f1"] for k, v in document["fields"].items() if v["f1"] < (0.98 if k in EXACT else 0.95)}
    assert not low, (low, {k: document["fields"][k] for k in low})


# --- scans against gold ----------------------------------------------------------------------------

SCANS = [
    pytest.param("sample", 200, id="sample-200dpi"),
    # The whole sample again at 300 dpi: ~2.5 more minutes of OCR, which CI's time budget cannot
    # carry beside the rest; run with REFERAT_TEST_OCR_FULL=1 (the 300-dpi path of the sample is
    # covered in CI by the mixed PDF below, the Aarhus minutes at 300 dpi by the case after next).
    pytest.param("sample", 300, id="sample-300dpi", marks=pytest.mark.skipif(
        os.environ.get("REFERAT_TEST_OCR_FULL") != "1", reason="set REFERAT_TEST_OCR_FULL=1 to run")),
    pytest.param("aarhus", 200, id="aarhus-200dpi"),
    pytest.param("aarhus", 300, id="aarhus-300dpi"),
]


@needs_tesseract
@pytest.mark.parametrize("which, dpi", SCANS)
def test_scanned_minutes_meet_the_bar(which, dpi, sample_pdf, tmp_path):
    source, gold = (sample_pdf, SAMPLE_GOLD) if which == "sample" else (AARHUS, AARHUS_GOLD)
    data = scanned_pdf(source.read_bytes(), dpi)
    document, record = process_and_evaluate(tmp_path, source.name, data, gold)
    _assert_meets_the_bar(document)
    assert document["coverage"] >= 0.95
    # the record says which pages were OCR'd, by what, and how sure it was of each
    pages = record["source"]["page_count"]
    info = record["source"]["ocr"]
    assert info["engine"] == "tesseract" and info["language"] == "dan"
    assert {p["dpi"] for p in info["pages"]} == {dpi}  # each page at its scan's resolution
    assert [p["page"] for p in info["pages"]] == list(range(1, pages + 1))
    assert all(p["mean_confidence"] >= 80 and p["words"] > 0 for p in info["pages"])
    # the page map of the OCR'd text: items carry the pages they are on
    spans = [i["span"] for i in record["items"] if i["span"]]
    assert spans and all(1 <= s["start_page"] <= s["end_page"] <= pages for s in spans)
    assert spans[-1]["end_page"] >= pages - 1
    # running headers and footers of the scan were taken out like those of a text layer
    if which == "sample":
        items = json.dumps(record["items"], ensure_ascii=False)
        assert "16-06-2026" not in items and not re.search(r"Side \d+ af \d+", items)


@needs_tesseract
def test_mixed_pdf_scores_like_the_text_pdf(sample_pdf, tmp_path):
    """Text pages and two scanned ones: the scanned pages are read by OCR, page by page, and the
    record scores like the text PDF's on every field; the items keep their pages."""
    text_record = build_record(sample_pdf)
    data = scanned_pdf(sample_pdf.read_bytes(), 300, scanned_pages={3, 10})
    document, record = process_and_evaluate(tmp_path, sample_pdf.name, data, SAMPLE_GOLD)
    assert [p["page"] for p in record["source"]["ocr"]["pages"]] == [4, 11]
    gold = json.loads(SAMPLE_GOLD.read_text(encoding="utf-8"))
    from_text = {k: v.scores()["f1"] for k, v in score_record(gold, text_record).items()}
    from_mixed = {k: v["f1"] for k, v in document["fields"].items()}
    worse = {k: (from_text[k], f1) for k, f1 in from_mixed.items() if f1 < from_text[k] - 0.02}
    assert not worse, worse
    _assert_meets_the_bar(document)
    assert [(i.span.start_page, i.span.end_page) if i.span else None for i in text_record.items] == [
        (i["span"]["start_page"], i["span"]["end_page"]) if i["span"] else None for i in record["items"]]
    assert not [w for w in record["warnings"] if w["code"] == "image_only_pages"]


# --- image files -------------------------------------------------------------------------------------


@needs_tesseract
def test_page_images_are_read_as_minutes(tmp_path):
    """The Aarhus minutes as a multi-page TIFF and as one PNG per page are read by OCR like a scan."""
    images = scans(AARHUS.read_bytes(), 200)
    tiff = io.BytesIO()
    first, *rest = [images[i] for i in sorted(images)]
    first.save(tiff, "TIFF", save_all=True, append_images=rest, dpi=(200, 200), compression="tiff_lzw")
    document, record = process_and_evaluate(tmp_path / "tiff", AARHUS.with_suffix(".tif").name, tiff.getvalue(),
                                            AARHUS_GOLD)
    _assert_meets_the_bar(document)
    assert record["source"]["media_type"] == "image/tiff" and record["source"]["system"] == "image"
    assert record["source"]["page_count"] == 4 and len(record["source"]["ocr"]["pages"]) == 4

    png = io.BytesIO()
    images[0].save(png, "PNG", dpi=(200, 200))
    loaded = load(Path("side-1.png"), png.getvalue())
    assert loaded.media_type == "image/png" and loaded.page_count == 1
    assert "Mødesystemgruppen" in loaded.text and "Deltagere" in loaded.text
    assert loaded.line_pages and set(loaded.line_pages) == {1}


def test_a_broken_image_is_a_corrupt_document():
    png = io.BytesIO()
    Image.new("L", (300, 300), 255).save(png, "PNG")
    with pytest.raises(DocumentError) as err:
        load(Path("side.png"), png.getvalue()[:60])
    assert err.value.code == "corrupt" and "side.png" in err.value.message


# --- the cache ---------------------------------------------------------------------------------------


def _logging_tesseract(folder: Path) -> tuple[Path, Path]:
    """A `tesseract` that logs its arguments and runs the real one."""
    log = folder / "calls.log"
    script = folder / "tesseract"
    script.write_text(f'#!/bin/sh\necho "$@" >> "{log}"\nexec "{ocr.shutil.which("tesseract")}" "$@"\n')
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return script, log


@needs_tesseract
def test_rerun_reads_pages_from_the_cache(tmp_path, monkeypatch):
    """A page image OCR'd once is never OCR'd again (a rerun, a new extractor version): the
    second read runs no Tesseract on a page, and gives the same text."""
    script, log = _logging_tesseract(tmp_path)
    monkeypatch.setenv("REFERAT_OCR_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("REFERAT_TESSERACT", str(script))
    data = scanned_pdf(AARHUS.read_bytes(), 200, scanned_pages={1})
    first = load(Path("a.pdf"), data)
    ocr_runs = [line for line in log.read_text().splitlines() if "--list-langs" not in line and "--version" not in line]
    assert len(ocr_runs) == 1  # the scanned page, OCR'd once
    assert len(list((tmp_path / "cache").rglob("*.json"))) == 1
    second = load(Path("a.pdf"), data)
    ocr_runs_after = [line for line in log.read_text().splitlines()
                      if "--list-langs" not in line and "--version" not in line]
    assert ocr_runs_after == ocr_runs
    assert second.text == first.text and second.ocr == first.ocr


# --- OCR off, or not installed --------------------------------------------------------------------


@pytest.fixture(scope="module")
def aarhus_scan() -> bytes:
    return scanned_pdf(AARHUS.read_bytes(), 200, scanned_pages={0, 1, 2, 3})


@pytest.mark.parametrize("how", ["no-ocr", "not-installed"])
def test_without_ocr_a_scan_is_quarantined_as_needs_ocr(how, aarhus_scan, tmp_path, monkeypatch):
    path = tmp_path / "scan.pdf"
    path.write_bytes(aarhus_scan)
    args = ["process", str(path), "--out", str(tmp_path / "out"), "--direct"]
    monkeypatch.setenv("REFERAT_OCR", "1")  # restored after the test: --no-ocr sets it to 0
    if how == "no-ocr":
        args.append("--no-ocr")
    else:
        monkeypatch.setenv("REFERAT_TESSERACT", str(tmp_path / "no-such-tesseract"))
    result = CliRunner().invoke(app, args)
    assert result.exit_code != 0
    assert "needs_ocr" in result.output
    (reason,) = (tmp_path / "out" / "quarantine").glob("*.error.json")
    error = json.loads(reason.read_text(encoding="utf-8"))
    assert error["code"] == "needs_ocr"
    if how == "no-ocr":
        assert "turned off" in error["message"]
    else:
        assert "apt-get install tesseract-ocr tesseract-ocr-dan" in error["message"]
        assert "apt-get install tesseract-ocr tesseract-ocr-dan" in result.output  # said up front too


@needs_tesseract
def test_ingest_picks_up_a_needs_ocr_scan_once_ocr_can_run(aarhus_scan, tmp_path, monkeypatch):
    from pipeline.ingest import extractor_version, file_sha256, plan_ingest, process_file
    from pipeline.store import Store

    path = tmp_path / "inbox" / "scan.pdf"
    path.parent.mkdir()
    path.write_bytes(aarhus_scan)
    store = Store(str(tmp_path / "out"))
    monkeypatch.setenv("REFERAT_OCR", "0")
    outcome = process_file(path, file_sha256(path), store)
    assert outcome["event"] == "failed" and outcome["error"]["code"] == "needs_ocr"
    store.append_manifest(outcome)  # what the ingest run records
    # still no OCR: the scan stays where it is
    plan = plan_ingest([path], store, extractor_version())
    assert not plan.todo and plan.skipped[0].reason == "already_failed"
    # OCR now on: it is to do again
    monkeypatch.delenv("REFERAT_OCR")
    plan = plan_ingest([path], store, extractor_version())
    assert [p for p, _ in plan.todo] == [path]


def test_a_mixed_pdf_without_ocr_keeps_its_text_pages_and_says_what_is_missing(sample_pdf, monkeypatch):
    monkeypatch.setenv("REFERAT_OCR", "0")
    data = scanned_pdf(sample_pdf.read_bytes(), 200, scanned_pages={3})
    loaded = load(Path("mixed.pdf"), data)
    assert loaded.ocr is None and 4 not in set(loaded.line_pages)
    (warning,) = [m for c, m in loaded.warnings if c == "image_only_pages"]
    assert "page(s) 4 " in warning and "turned off" in warning


# --- garbled text layers, confidence ------------------------------------------------------------


def test_garbled_text_is_told_from_danish():
    text = (FIXTURES / "minutes" / "kkr-hovedstaden-2026-06-16.txt").read_text(encoding="utf-8")[:4000]
    assert ocr.garbled(text) is None
    assert ocr.garbled("Clara Rao (V), Allerød Kommune\nEdith Thingstrup (I), Egedal Kommune\n" * 20) is None
    # a font without a Unicode map: glyph ids as control characters, or letters shifted
    assert "control" in ocr.garbled("".join(chr(1 + ord(c) % 30) for c in text[:600]))
    shifted = "".join(chr(ord(c) + 3) if c.isalpha() and c.isascii() else c for c in text[:3000])
    assert "Danish" in ocr.garbled(shifted)


@needs_tesseract
def test_a_garbled_text_layer_is_read_by_ocr_instead(tmp_path):
    """A page whose visible text is an image and whose text layer is nonsense (an invisible layer
    of shifted letters, as a bad OCR or a font without a Unicode map leaves it) is OCR'd."""
    from fpdf import FPDF
    from fpdf.enums import TextMode

    image = scans(AARHUS.read_bytes(), 200, pages={0})[0]
    pdf = FPDF(unit="pt", format=(image.width * 72 / 200, image.height * 72 / 200))
    pdf.add_page()
    pdf.image(image, x=0, y=0, w=pdf.w, h=pdf.h)
    pdf.set_font("Helvetica", size=10)
    pdf.text_mode = TextMode.INVISIBLE
    for k in range(30):
        pdf.text(40, 60 + 20 * k, "Oxqhv txlyp gruwo zkhq iru qhz frxqfls ehiruh vwdwxv " * 2)
    loaded = load(Path("garbled.pdf"), bytes(pdf.output()))
    assert loaded.ocr and [p["page"] for p in loaded.ocr["pages"]] == [1]
    assert "Mødesystemgruppen" in loaded.text and "Oxqhv" not in loaded.text
    assert any(code == "garbled_text_layer" for code, _ in loaded.warnings)


def test_items_from_low_confidence_pages_are_flagged(sample_pdf):
    record = build_record(sample_pdf)
    on_page_5 = [i for i in record.items if i.span and i.span.start_page <= 5 <= i.span.end_page]
    assert on_page_5
    info = {"pages": [{"page": 5, "mean_confidence": 61.5, "words": 300}, {"page": 6, "mean_confidence": 93.0,
                                                                           "words": 310}]}
    warnings = low_confidence_items(record, info)
    assert {w.line for w in warnings} == {i.span.start_line for i in on_page_5}
    assert all(w.code == "low_ocr_confidence" and "page 5 (61.5)" in w.message for w in warnings)
    assert low_confidence_items(record, None) == []
