"""Start-up benchmark (issue 11): what a fresh `minutes` process costs before it does any work.

    .venv/bin/python benchmarks/bench_startup.py [--rounds 5] [--pdf-pages 200] [--skip-pdf]

In one run, each a fresh process, rounds interleaved, medians reported, ratios against the bare
spaCy start measured in the same rounds:

  bare spaCy             python -c 'import spacy; spacy.blank("da")' (the baseline);
  process (direct)       `minutes process` of the sample minutes (tests/fixtures/minutes) without
                         Prefect: start-up, lexicon, entity pipeline, the document, the store
                         (goal <= 2x the baseline);
  ingest, nothing to do  `minutes ingest` of an inbox whose documents are all done (goal <= 2 s);
  ingest, one document   `minutes ingest --force` of the one-document inbox: with the temporary
                         Prefect server; minus `process (direct)` that is the cost of orchestration;
                         again with REFERAT_PRESTART_SERVER=0 (the server started only when the flow
                         needs it, as Prefect itself does) to show what starting it early saves;
  Prefect server start   the temporary Prefect server alone, from spawn to /health answering;

then where a direct rerun spends its time (one fresh process, in-process timers); and the PDF
path with process start: `minutes process` of the sample rendered to about --pdf-pages pages
(tests/pdf_fixtures.py, as benchmarks/bench_pdf.py does; the page count is printed) against
pdfplumber's text of the same file (goal >= 5x), and `minutes process` of the sample rendered once
(24 pages): with the two, the start-up of the PDF path is extrapolated (time at 0 pages). On a shared machine the seconds wander; read the
ratios of one run.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SAMPLE = ROOT / "tests" / "fixtures" / "minutes" / "kkr-hovedstaden-2026-06-16.txt"
MINUTES = ROOT / ".venv" / "bin" / "minutes"
CMD = [str(MINUTES)] if MINUTES.exists() else [sys.executable, "-P", "-m", "pipeline.cli"]

BREAKDOWN = r"""
import json, sys, time
T = {}
t0 = time.perf_counter()
def mark(name):
    global t0
    t = time.perf_counter(); T[name] = round(t - t0, 3); t0 = t
import spacy; mark("import spacy")
from pipeline import cli; mark("import pipeline.cli")
from pipeline import process; mark("import pipeline.process (extractors, loaders)")
from extractors.lexicon import danish_lemmas, danish_word_forms
danish_lemmas().get("kommunerne"); "ord" in danish_word_forms(); mark("lexicon (opened, first look-ups)")
from extractors.entities.nlp import get_nlp
get_nlp(); mark("entity pipeline build")
from pathlib import Path
process.build_record(Path(sys.argv[1])); mark("the sample's record")
T["prefect imported"] = any(m.split(".")[0] == "prefect" for m in sys.modules)
print(json.dumps(T))
"""

SERVER = r"""
import json, os, sys, time
from pipeline import prefect_env
prefect_env.configure()
t = time.perf_counter()
server = prefect_env.TemporaryServer().start()
server.wait()
elapsed = time.perf_counter() - t
server.stop()
print(json.dumps({"seconds": elapsed}))
"""

PLUMBER = r"""
import sys, time, pdfplumber
t = time.perf_counter()
with pdfplumber.open(sys.argv[1]) as pdf:
    for page in pdf.pages:
        page.extract_text()
        page.flush_cache()
print(time.perf_counter() - t)
"""


def wall(cmd: list[str], env: dict[str, str], cwd: Path = ROOT, check: bool = True) -> float:
    t = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - t
    if check and done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd[:4])} failed ({done.returncode}): {done.stderr.strip()[-800:]}")
    return elapsed


def row(name: str, values: list[float], base: float, note: str = "") -> None:
    med = statistics.median(values)
    print(f"{name:28} {med:8.2f} {min(values):8.2f} {max(values):8.2f} {med / base:9.2f}x  {note}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=5, help="fresh processes per measurement (median)")
    ap.add_argument("--pdf-pages", type=int, default=200, help="pages asked of the rendered PDF (about; the count is printed)")
    ap.add_argument("--skip-pdf", action="store_true", help="leave out the PDF measurements")
    ap.add_argument("--skip-server", action="store_true", help="leave out everything that starts a Prefect server")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="referat-bench-startup-") as tmp:
        tmp = Path(tmp)
        env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
        env.update(PREFECT_HOME=str(tmp / "prefect-home"), PREFECT_SERVER_ANALYTICS_ENABLED="false", DO_NOT_TRACK="1")
        inbox = tmp / "inbox"
        inbox.mkdir()
        shutil.copy(SAMPLE, inbox)
        out_process, out_ingest = tmp / "out-process", tmp / "out-ingest"
        ingest = [*CMD, "ingest", "--raw", str(inbox), "--out", str(out_ingest)]

        # Warm-ups, untimed: the data cache, the Prefect database, the first record of the store.
        wall([*CMD, "process", str(SAMPLE), "--out", str(out_process)], env)
        first = wall(ingest, env)  # (also with --skip-server: the rounds' ingest must find it done)
        print(f"first ingest of one document (fresh Prefect database): {first:.2f} s")

        times: dict[str, list[float]] = {k: [] for k in ("bare", "process", "nothing", "one", "late", "server")}
        for _ in range(args.rounds):
            times["bare"].append(wall([sys.executable, "-c", 'import spacy; spacy.blank("da")'], env))
            times["process"].append(wall([*CMD, "process", str(SAMPLE), "--out", str(out_process)], env))
            times["nothing"].append(wall(ingest, env))
            if not args.skip_server:
                times["one"].append(wall([*ingest, "--force"], env))
                times["late"].append(wall([*ingest, "--force"], {**env, "REFERAT_PRESTART_SERVER": "0"}))
                done = subprocess.run([sys.executable, "-c", SERVER], cwd=ROOT, env=env, capture_output=True,
                                      text=True, check=True)
                times["server"].append(json.loads(done.stdout.strip().splitlines()[-1])["seconds"])

        base = statistics.median(times["bare"])
        print(f"\n{args.rounds} rounds; seconds: median, min, max; x the bare spaCy start of the same rounds")
        print(f"{'':28} {'median':>8} {'min':>8} {'max':>8} {'ratio':>10}")
        row("bare spaCy", times["bare"], base)
        p = statistics.median(times["process"])
        row("process (direct)", times["process"], base, f"goal <= 2x: {'met' if p <= 2 * base else 'NOT met'}")
        n = statistics.median(times["nothing"])
        row("ingest, nothing to do", times["nothing"], base, f"goal <= 2 s: {'met' if n <= 2 else 'NOT met'}")
        if times["one"]:
            row("ingest, one document", times["one"], base,
                f"orchestration: +{statistics.median(times['one']) - p:.2f} s over process (direct)")
            row("  same, server not prestarted", times["late"], base, "(REFERAT_PRESTART_SERVER=0: started when the flow first needs it)")
            row("Prefect server start", times["server"], base, "(spawn to /health, alone)")

        done = subprocess.run([sys.executable, "-c", BREAKDOWN, str(SAMPLE)], cwd=ROOT, env=env, capture_output=True,
                              text=True, check=True)
        print("\nwhere a direct rerun spends its time (one fresh process, seconds):")
        for name, value in json.loads(done.stdout.strip().splitlines()[-1]).items():
            print(f"  {name:48} {value}")

        if args.skip_pdf:
            return
        from tests.pdf_fixtures import render_pages

        big, small = tmp / "kkr-hovedstaden-2026-06-16.pdf", tmp / "sample.pdf"
        pages = render_pages(big, args.pdf_pages)
        small_pages = render_pages(small, 1)  # the sample once
        out_pdf = tmp / "out-pdf"
        wall([*CMD, "process", str(small), "--out", str(out_pdf)], env, check=False)  # warm-up
        small_times, big_times = [], []
        for _ in range(max(1, args.rounds // 2)):
            small_times.append(wall([*CMD, "process", str(small), "--out", str(out_pdf)], env, check=False))
            big_times.append(wall([*CMD, "process", str(big), "--out", str(out_pdf)], env, check=False))
        done = subprocess.run([sys.executable, "-c", PLUMBER, str(big)], cwd=ROOT, env=env, capture_output=True,
                              text=True, check=True)
        plumber = float(done.stdout.strip().splitlines()[-1])
        b = statistics.median(big_times)
        print(f"\nPDF of {pages} pages: pdfplumber's text alone {plumber:.2f} s ({pages / plumber:.1f} pages/s)")
        print(f"{'':28} {'median':>8} {'min':>8} {'max':>8}")
        print(f"{'minutes process, ' + str(pages) + ' pages':28} {b:8.2f} {min(big_times):8.2f} {max(big_times):8.2f}"
              f"  {plumber / b:.1f}x pdfplumber (goal >= 5x: {'met' if plumber >= 5 * b else 'NOT met'})")
        s = statistics.median(small_times)
        print(f"{'minutes process, ' + str(small_pages) + ' pages':28} {s:8.2f} {min(small_times):8.2f} "
              f"{max(small_times):8.2f}  {s / base:.2f}x bare spaCy (start-up and the sample once)")
        per_page = (b - s) / max(1, pages - small_pages)
        startup = s - per_page * small_pages
        print(f"  start-up of the PDF path, extrapolated: {startup:.2f} s ({startup / base:.2f}x bare spaCy); "
              f"{per_page * 1000:.0f} ms per page; without the start-up: {plumber / (b - startup):.1f}x pdfplumber")


if __name__ == "__main__":
    main()
