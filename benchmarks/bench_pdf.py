"""PDF benchmark: referat's PDF path against raw pypdfium2 and pdfplumber, on the same file.

    .venv/bin/python benchmarks/bench_pdf.py [--pages 200] [--repeat 7] [--skip-cli]

It renders the sample minutes to PDF (running header, page numbers, ruled tables, hyphenation:
tests/pdf_fixtures.py), repeated until the file has about --pages pages, into a temp dir, and
times on that one file, best of --repeat runs each:

  pypdfium2 raw    every page's text with pypdfium2 (get_textpage + get_text_range), nothing else;
  pdfplumber       every page's text with pdfplumber's extract_text (layout analysis), once;
  referat load     loaders.load: text, page map, header/footer removal, tables (the PDF
                   parse runs in a child process with the time limit, as in production);
  referat record   pipeline.process.build_record: load + the text extractor + schema validation,
                   i.e. all `minutes process` does per document, without the Prefect run around it;
  minutes process  the command itself in a fresh process, wall clock (start-up, Prefect, store);

then peak memory (max RSS) in fresh processes for a 40- and a 400-page PDF: of the PDF parse alone
(loaders.pdf.parse_pdf in-process, after its imports and at its peak, with the size of the text it
returns) and of a whole build_record (its PDF child runs in a process of its own). Ratios are
against the baselines of the same run. Goals (issue 3): referat >= 5x pdfplumber, within 2x of raw pypdfium2, memory flat in page count.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from _measure import HWM  # noqa: E402  (peak RSS of a fresh process: VmHWM, see benchmarks/_measure.py)
from tests.pdf_fixtures import render_pages  # noqa: E402

PARSE_MEMORY_SCRIPT = HWM + r"""
import json, sys, time
sys.path.insert(0, sys.argv[2])
from pathlib import Path
from loaders.pdf import parse_pdf
data = Path(sys.argv[1]).read_bytes()
before = hwm_mb()
t = time.perf_counter()
loaded = parse_pdf(data, Path(sys.argv[1]).name)
elapsed = time.perf_counter() - t
print(json.dumps({"pages": loaded.page_count, "seconds": elapsed, "before_mb": before,
                  "peak_mb": hwm_mb(), "text_mb": len(loaded.text.encode()) / 1e6}))
"""

RECORD_MEMORY_SCRIPT = HWM + r"""
import json, sys, time
sys.path.insert(0, sys.argv[2])
from pathlib import Path
from pipeline.process import build_record
t = time.perf_counter()
record = build_record(Path(sys.argv[1]))
elapsed = time.perf_counter() - t
print(json.dumps({"pages": record.source.page_count, "seconds": elapsed,
                  "peak_mb": hwm_mb()}))
"""


def best_of(repeat: int, variants: dict) -> dict[str, float]:
    """Best time of each variant over `repeat` rounds, the variants interleaved in each round so
    that a busy machine slows them alike."""
    best = {name: float("inf") for name in variants}
    for _ in range(repeat):
        for name, fn in variants.items():
            t = time.perf_counter()
            fn()
            best[name] = min(best[name], time.perf_counter() - t)
    return best


def raw_pdfium(path: Path) -> None:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(path.read_bytes())
    try:
        for i in range(len(doc)):
            page = doc[i]
            tp = page.get_textpage()
            tp.get_text_range()
            tp.close()
            page.close()
    finally:
        doc.close()


def plumber_only(path: Path) -> None:
    import pdfplumber

    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            page.extract_text()
            page.close()


def referat_load(path: Path) -> None:
    from loaders import load

    load(path, path.read_bytes())


def referat_record(path: Path) -> None:
    from pipeline.process import build_record

    build_record(path)


def cli_process(path: Path, out: Path) -> float:
    exe = ROOT / ".venv" / "bin" / "minutes"
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "pipeline.cli"]
    env = dict(os.environ)
    env.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="referat-bench-prefect-"))
    t = time.perf_counter()
    done = subprocess.run([*cmd, "process", str(path), "--out", str(out)], cwd=ROOT, env=env,
                          capture_output=True, text=True)
    elapsed = time.perf_counter() - t
    if done.returncode != 0:
        print(f"  (minutes process failed: {done.stderr.strip()[-300:]})")
    return elapsed


def memory(script: str, path: Path) -> dict:
    done = subprocess.run([sys.executable, "-c", script, str(path), str(ROOT)], cwd=ROOT,
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=int, default=200, help="pages of the timed PDF (default 200)")
    ap.add_argument("--repeat", type=int, default=7, help="best of N runs for the fast paths")
    ap.add_argument("--skip-cli", action="store_true", help="do not time `minutes process`")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="referat-bench-pdf-") as tmp:
        tmp = Path(tmp)
        path = tmp / "kkr-hovedstaden-2026-06-16.pdf"
        t = time.perf_counter()
        pages = render_pages(path, args.pages)
        print(f"rendered {path.name}: {pages} pages, {path.stat().st_size / 1e6:.1f} MB "
              f"in {time.perf_counter() - t:.1f} s")

        referat_record(path)  # warm up: imports, the extractor's profile and models
        fast = best_of(args.repeat, {
            "pypdfium2 raw": lambda: raw_pdfium(path),
            "referat load": lambda: referat_load(path),
        })
        # on its own: the extractor's models leave busy threads behind that would slow the others
        record_seconds = best_of(args.repeat, {"referat record": lambda: referat_record(path)})["referat record"]
        plumber_seconds = best_of(1, {"pdfplumber": lambda: plumber_only(path)})["pdfplumber"]
        rows = [("pypdfium2 raw", fast["pypdfium2 raw"]), ("pdfplumber", plumber_seconds),
                ("referat load", fast["referat load"]), ("referat record", record_seconds)]
        if not args.skip_cli:
            rows.append(("minutes process", cli_process(path, tmp / "out")))
        speed = {name: pages / seconds for name, seconds in rows}
        raw, plumber = speed["pypdfium2 raw"], speed["pdfplumber"]
        print(f"\n{'':18} {'seconds':>8} {'pages/s':>9} {'x pdfplumber':>13} {'raw pdfium / it':>16}")
        for name, seconds in rows:
            print(f"{name:18} {seconds:8.2f} {speed[name]:9.1f} {speed[name] / plumber:13.1f} "
                  f"{raw / speed[name]:16.2f}")
        record_speed = speed["referat record"]
        print(f"\ngoal: referat record >= 5x pdfplumber: {record_speed / plumber:.1f}x "
              f"({'met' if record_speed >= 5 * plumber else 'NOT met'}); "
              f"within 2x of raw pypdfium2: {raw / record_speed:.2f}x "
              f"({'met' if raw <= 2 * record_speed else 'NOT met'})")

        print("\npeak memory (max RSS, MB), each in a fresh process:")
        print(f"{'pages':>6} {'PDF parse: after imports':>25} {'peak':>6} {'text MB':>8} "
              f"{'build_record: peak':>19}")
        for n in (40, 400):
            p = tmp / f"memory-{n}.pdf"
            got_pages = render_pages(p, n)
            parse = memory(PARSE_MEMORY_SCRIPT, p)
            record = memory(RECORD_MEMORY_SCRIPT, p)
            print(f"{got_pages:6d} {parse['before_mb']:25.1f} {parse['peak_mb']:6.1f} {parse['text_mb']:8.2f} "
                  f"{record['peak_mb']:19.1f}")


if __name__ == "__main__":
    main()
