"""A corpus through `minutes ingest`, against a bare spaCy tokenization of its item texts (issue 17).

    .venv/bin/python benchmarks/bench_corpus.py [--corpus DIR] [--limit N] [--skip-one] [--reference STORE]

Copies the corpus (default ../shared/corpus/greve, the 370 meetings; without it the slice in
tests/fixtures/greve) into a temporary inbox and measures, in one run, wall clock:

- `ingest (default)`: `minutes ingest --raw INBOX --out STORE`, the command as a user types it in a
  fresh process (start-up, Prefect, the store, the analytics tables included); by default one
  document per core, each in its own isolated child process;
- `ingest --workers 1`: the same, one document at a time (skip with `--skip-one`);
- `bare tokenization`: a fresh process that builds `spacy.blank("da")` and tokenizes every text
  the entity layer reads (titles, part headings and texts, table cells of every item of every
  record; `extractors.entities.annotate._texts`) with `nlp.pipe`, nothing else: the baseline,

and prints each as a ratio to the baseline (goal: the default ingest within 2x), and whether the
two ingests wrote byte-identical records (they must; with `--reference`, also the records of a store
made before, e.g. by an older checkout). On a shared machine the timings wander;
the ratios of one run are what to read.
"""

from __future__ import annotations

import argparse
import filecmp
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "corpus" / "greve"
FIXTURES = ROOT / "tests" / "fixtures" / "greve"
MINUTES = ROOT / ".venv" / "bin" / "minutes"
if not MINUTES.exists():  # a worktree without its own .venv: the command next to this interpreter
    MINUTES = Path(sys.executable).parent / "minutes"

BARE = r"""
import sys, time
from pathlib import Path
t0 = time.perf_counter()
import spacy
from schemas.record import MeetingRecord
from extractors.entities.annotate import _texts, _tokenizable
texts = []
for path in sorted(Path(sys.argv[1]).glob("*.json")):
    record = MeetingRecord.model_validate_json(path.read_bytes())
    texts += [_tokenizable(t.text) for t in _texts(record)]
t1 = time.perf_counter()
nlp = spacy.blank("da")
tokens = sum(len(doc) for doc in nlp.pipe(texts))
t2 = time.perf_counter()
print(len(texts), sum(map(len, texts)), tokens, t2 - t1)
"""


def _ingest(inbox: Path, store: Path, *extra: str) -> float:
    env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1"}
    t = time.perf_counter()
    done = subprocess.run([str(MINUTES), "ingest", "--raw", str(inbox), "--out", str(store), *extra],
                          env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - t
    if done.returncode != 0:
        sys.exit(f"ingest failed ({done.returncode}): {done.stderr[-2000:]}")
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", type=Path, default=None)
    parser.add_argument("--limit", type=int, default=0, help="only the first N meetings (0: all)")
    parser.add_argument("--skip-one", action="store_true", help="do not run `ingest --workers 1`")
    parser.add_argument("--reference", type=Path, default=None,
                        help="a store (or its records/ folder) made before: are the default ingest's records the same?")
    args = parser.parse_args()
    corpus = args.corpus or next((d for d in (SHARED, FIXTURES) if d.is_dir() and any(d.glob("*.json"))), None)
    if corpus is None:
        print("skipped: no corpus")
        return 0
    paths = sorted(corpus.glob("*.json"))[: args.limit or None]
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    with tempfile.TemporaryDirectory(prefix="referat-bench-corpus-") as tmp:
        tmp = Path(tmp)
        inbox = tmp / "raw"
        inbox.mkdir()
        for path in paths:
            shutil.copy2(path, inbox / path.name)
        print(f"corpus: {len(paths)} documents from {corpus}, {sum(p.stat().st_size for p in paths) / 1e6:.0f} MB; "
              f"{cores} cores")
        default = _ingest(inbox, tmp / "default")
        one = None if args.skip_one else _ingest(inbox, tmp / "one", "--workers", "1")
        bare = subprocess.run([sys.executable, "-c", BARE, str(tmp / "default" / "records")], cwd=ROOT,
                              capture_output=True, text=True, check=True).stdout.split()
        texts, chars, tokens, seconds = int(bare[0]), int(bare[1]), int(bare[2]), float(bare[3])
        print(f"bare tokenization: {texts} texts, {chars / 1e6:.1f} M characters, {tokens} tokens in {seconds:.1f} s")
        print(f"{'':28}{'seconds':>9}{'x bare':>9}")
        print(f"{'bare tokenization':28}{seconds:9.1f}{1:9.2f}")
        print(f"{'ingest (default)':28}{default:9.1f}{default / seconds:9.2f}")
        if one is not None:
            print(f"{'ingest --workers 1':28}{one:9.1f}{one / seconds:9.2f}")
            names = sorted(p.name for p in (tmp / "default" / "records").glob("*.json"))
            match, mismatch, errors = filecmp.cmpfiles(tmp / "default" / "records", tmp / "one" / "records",
                                                       names, shallow=False)
            same = sorted(names) == sorted(p.name for p in (tmp / "one" / "records").glob("*.json"))
            print(f"records identical: {len(match)} of {len(names)}"
                  + ("" if same and not mismatch and not errors else f"; DIFFERENT: {(mismatch + errors)[:5]}"))
        if args.reference is not None:
            ref = args.reference / "records" if (args.reference / "records").is_dir() else args.reference
            names = sorted(p.name for p in (tmp / "default" / "records").glob("*.json"))
            match, mismatch, errors = filecmp.cmpfiles(tmp / "default" / "records", ref, names, shallow=False)
            print(f"records identical to {ref}: {len(match)} of {len(names)}"
                  + ("" if not mismatch and not errors else f"; DIFFERENT: {(mismatch + errors)[:5]}"))
        print(f"goal: default ingest <= 2x bare tokenization: {'met' if default <= 2 * seconds else 'not met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
