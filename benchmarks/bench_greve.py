"""FirstAgenda benchmark: the Greve corpus through the loader and the extractors, against json.loads.

    .venv/bin/python benchmarks/bench_greve.py [--corpus DIR] [--limit N] [--repeat 5] [--record-repeat 1]

Reads every `*.json` meeting of the corpus (default ../shared/corpus/greve, the 370 meetings of
issue 9; without it the slice in tests/fixtures/greve, and without that it skips) and prints, in
one run, meetings/s and items/s of:

- `json.loads`: read each file and parse it, nothing else (the baseline);
- `referat load`: `loaders.load` (read, parse, render every item's HTML to text, tables, the
  structure: meeting, participants, items, history);
- `referat record`: `pipeline.process.build_record` = load + extractors (entities included) +
  validation, all that `minutes process` and `ingest` do per document but the store,

each as the best of its repeats, with the ratio to `json.loads` measured in the same run. The
spaCy pipeline is built (and one meeting processed) before anything is timed. On a shared machine
the timings wander; the ratios of one run are what to read.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SHARED = ROOT.parent / "shared" / "corpus" / "greve"
FIXTURES = ROOT / "tests" / "fixtures" / "greve"


def best_time(fn, repeat: int) -> float:
    """Fastest of `repeat` runs (the one least disturbed by other load on the machine)."""
    times = []
    for _ in range(max(1, repeat)):
        gc.collect()
        gc.disable()  # as timeit does: no collector pauses inside a timed run
        try:
            t = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t)
        finally:
            gc.enable()
    return min(times)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", type=Path, default=None, help="folder of FirstAgenda JSON meetings")
    parser.add_argument("--limit", type=int, default=0, help="only the first N meetings (0: all)")
    parser.add_argument("--repeat", type=int, default=5, help="rounds of json.loads and load")
    parser.add_argument("--record-repeat", type=int, default=1, help="rounds of build_record (slow)")
    args = parser.parse_args()

    corpus = args.corpus or next((d for d in (SHARED, FIXTURES) if d.is_dir() and any(d.glob("*.json"))), None)
    if corpus is None or not corpus.is_dir():
        missing = args.corpus or f"{SHARED} and {FIXTURES}"
        print(f"skipped: no FirstAgenda corpus ({missing} absent)")
        return 0
    paths = sorted(corpus.glob("*.json"))
    if args.limit:
        paths = paths[:args.limit]
    if not paths:
        print(f"skipped: no *.json in {corpus}")
        return 0

    from loaders import load
    from pipeline.process import build_record

    items = sum(len(json.loads(p.read_bytes()).get("Dagsordenpunkter") or []) for p in paths)
    size = sum(p.stat().st_size for p in paths)
    build_record(paths[0])  # the spaCy pipeline and the profile, built once per process

    def parse_all():
        for path in paths:
            json.loads(path.read_bytes())

    def load_all():
        for path in paths:
            load(path, path.read_bytes())

    def record_all():
        for path in paths:
            build_record(path)

    parse = best_time(parse_all, args.repeat)
    loaded = best_time(load_all, args.repeat)
    record = best_time(record_all, args.record_repeat)

    meetings = len(paths)
    print(f"corpus: {corpus} ({meetings} meetings, {items} items, {size / 1e6:.1f} MB)")
    print(f"{'':18} {'seconds':>8} {'meetings/s':>11} {'items/s':>9} {'x json.loads':>13}")
    for name, seconds in (("json.loads", parse), ("referat load", loaded), ("referat record", record)):
        print(f"{name:18} {seconds:8.2f} {meetings / seconds:11.1f} {items / seconds:9.0f} {seconds / parse:13.1f}")
    print(f"extractors per meeting (record - load): {(record - loaded) / meetings * 1000:.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
