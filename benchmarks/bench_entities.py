"""Benchmark: extraction of the sample minutes with and without the spaCy entity layer.

    .venv/bin/python benchmarks/bench_entities.py [--repeat N] [FILE]

Prints, in one run: the one-off pipeline build, the extraction time without the layer
(extract_record with its closing ``annotate`` call replaced by a no-op), with it (extract_record
as it runs), one bare ``nlp.pipe`` pass over the same
texts the layer parses, and the layer's cost as a ratio of that pass. Times are the median of
--repeat runs after one warm-up (the fastest run is the one least disturbed by other
load on the machine).
"""

from __future__ import annotations

import argparse
import copy
import gc
import hashlib
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import extractors.document as document  # noqa: E402
from extractors.document import extract_record  # noqa: E402
from extractors.entities import annotate, get_nlp  # noqa: E402
from extractors.entities.annotate import _texts  # noqa: E402
from schemas.record import Source  # noqa: E402

SAMPLE = ROOT / "tests" / "fixtures" / "minutes" / "kkr-hovedstaden-2026-06-16.txt"


def best_time(fn, repeat: int, setup=None) -> float:
    """Fastest of `repeat` runs after a warm-up (the least disturbed by other load on the
    machine); setup() runs untimed before each run and its result is passed to fn."""
    fn(setup() if setup else None)
    times = []
    for _ in range(repeat):
        arg = setup() if setup else None
        gc.collect()
        gc.disable()  # as timeit does: no collector pauses inside a timed run
        try:
            t = time.perf_counter()
            fn(arg)
            times.append(time.perf_counter() - t)
        finally:
            gc.enable()
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("file", nargs="?", type=Path, default=SAMPLE)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    data = args.file.read_bytes()
    text = data.decode("utf-8")
    source = Source(file_name=args.file.name, sha256=hashlib.sha256(data).hexdigest(),
                    media_type="text/plain", size_bytes=len(data))

    t = time.perf_counter()
    nlp = get_nlp()
    build = time.perf_counter() - t

    def without_layer():
        """extract_record without the entity layer (it ends by calling annotate)."""
        saved = document.annotate
        document.annotate = lambda record: record
        try:
            return extract_record(text, source=source)
        finally:
            document.annotate = saved

    base = without_layer()
    texts = [x.text for x in _texts(base)]

    without = best_time(lambda _: without_layer(), args.repeat)
    with_layer = best_time(lambda _: extract_record(text, source=source), args.repeat)
    layer = best_time(annotate, args.repeat, setup=lambda: copy.deepcopy(base))
    bare_pipe = best_time(lambda _: list(nlp.pipe(texts)), args.repeat)
    tokenizer = best_time(lambda _: [nlp.make_doc(x) for x in texts], args.repeat)

    added = with_layer - without
    print(f"document: {args.file.name} ({len(text):,} chars; {len(texts)} texts, "
          f"{sum(map(len, texts)):,} chars through spaCy)")
    print(f"pipeline build (once per process):        {build * 1000:8.1f} ms")
    print(f"extraction without the spaCy layer:       {without * 1000:8.1f} ms")
    print(f"extraction with the spaCy layer:          {with_layer * 1000:8.1f} ms")
    print(f"  added by the layer:                     {added * 1000:8.1f} ms")
    print(f"  annotate() alone on an extracted record:{layer * 1000:8.1f} ms")
    print(f"one bare nlp.pipe pass over those texts:  {bare_pipe * 1000:8.1f} ms "
          f"(tokenizer alone {tokenizer * 1000:.1f} ms)")
    print(f"ratio layer / one nlp.pipe pass:          {layer / bare_pipe:8.2f}  "
          f"(added / pipe: {added / bare_pipe:.2f})")


if __name__ == "__main__":
    main()
