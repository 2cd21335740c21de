"""OCR benchmark: scanned pages through referat's OCR path, 1 and 2 workers, and a cached rerun.

    .venv/bin/python benchmarks/bench_ocr.py [--pages 6] [--dpi 300]

It renders the sample minutes to PDF (tests/pdf_fixtures.py), scans its first --pages pages at --dpi
(grey, slightly turned, grain and specks: tests/ocr_fixtures.py) into an image-only PDF, and on that
one file, in one run, prints pages/s of:

  tesseract raw       the engine alone: `tesseract -l dan` (pytesseract.image_to_data, one
                      single-threaded process) on each page image as referat renders it (at the
                      scan's resolution), one after another: the baseline;
  referat, 1 worker   loaders.load with REFERAT_OCR_WORKERS=1, empty cache: render, straighten,
                      despeckle, OCR, assemble (in the time-limited child, as in production);
  referat, 2 workers  the same with 2 workers (pages in parallel), empty cache;
  referat, cached     the same file again with the cache of the run before (a rerun, or a new
                      extractor version): no page is OCR'd;

with each against the raw engine, 2 workers against 1, and the rerun against the cold run. On a
shared machine the timings wander; the ratios of one run are what to read.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.ocr_fixtures import image_page, scans  # noqa: E402
from tests.pdf_fixtures import render_sample  # noqa: E402


def raw_tesseract(data: bytes) -> float:
    import pypdfium2 as pdfium
    import pytesseract

    from loaders import ocr

    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    doc = pdfium.PdfDocument(data)
    images = [ocr._render(doc, i, True)[0] for i in range(len(doc))]  # as referat renders them
    t = time.perf_counter()
    for image in images:
        pytesseract.image_to_data(image, lang=ocr.LANGUAGE, config=f"--psm {ocr.PSM} --dpi {ocr.DPI}")
    return time.perf_counter() - t


def referat_load(path: Path, cache: Path, workers: int) -> tuple[float, dict]:
    from loaders import load

    os.environ["REFERAT_OCR_CACHE"] = str(cache)
    os.environ["REFERAT_OCR_WORKERS"] = str(workers)
    data = path.read_bytes()
    t = time.perf_counter()
    loaded = load(path, data)
    seconds = time.perf_counter() - t
    if not loaded.ocr:
        raise SystemExit("no page was OCR'd: is Tesseract with Danish installed?")
    return seconds, loaded.ocr


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=int, default=6, help="scanned pages (default 6)")
    ap.add_argument("--dpi", type=int, default=300, help="resolution of the scan (default 300)")
    args = ap.parse_args()

    from loaders import ocr

    why = ocr.unavailable_reason()
    if why:
        print(f"skipped: {why}")
        return
    os.environ.pop("REFERAT_OCR", None)
    with tempfile.TemporaryDirectory(prefix="referat-bench-ocr-") as tmp:
        tmp = Path(tmp)
        text_pdf = render_sample(tmp / "sample.pdf").path
        path = tmp / "scan.pdf"
        import io

        import pypdfium2 as pdfium

        images = scans(text_pdf.read_bytes(), args.dpi, pages=set(range(args.pages)))
        pdf = pdfium.PdfDocument.new()
        for index in sorted(images):
            image_page(pdf, images[index], args.dpi)
        buffer = io.BytesIO()
        pdf.save(buffer)
        path.write_bytes(buffer.getvalue())
        pages = len(images)
        print(f"scanned {pages} pages of the sample minutes at {args.dpi} dpi ({path.stat().st_size / 1e6:.1f} MB); "
              f"tesseract {ocr.engine_version()}, {os.cpu_count()} cores, workers by default: {ocr.workers()}")

        rows = [("tesseract raw", raw_tesseract(path.read_bytes()))]
        one, _ = referat_load(path, tmp / "cache-1", 1)
        rows.append(("referat, 1 worker", one))
        two, info = referat_load(path, tmp / "cache-2", 2)
        rows.append(("referat, 2 workers", two))
        cached, _ = referat_load(path, tmp / "cache-2", 2)
        rows.append(("referat, cached", cached))
        speed = {name: pages / seconds for name, seconds in rows}
        raw = speed["tesseract raw"]
        print(f"\n{'':20} {'seconds':>8} {'pages/s':>9} {'x raw tesseract':>16}")
        for name, seconds in rows:
            print(f"{name:20} {seconds:8.2f} {speed[name]:9.2f} {speed[name] / raw:16.2f}")
        print(f"\n2 workers vs 1: {speed['referat, 2 workers'] / speed['referat, 1 worker']:.2f}x; "
              f"cached rerun vs cold (2 workers): {speed['referat, cached'] / speed['referat, 2 workers']:.1f}x")
        confidences = [p["mean_confidence"] for p in info["pages"]]
        print(f"mean word confidence per page: {', '.join(f'{c:g}' for c in confidences)}")


if __name__ == "__main__":
    main()
