"""Input policy benchmark (issue 11): big texts under the limits, time and peak memory.

    .venv/bin/python benchmarks/bench_limits.py [--mb 16] [--allowed-mb 4] [--small-mb 1] [--no-lifted]
                                                [--capped] [--before]

Makes texts by repeating the sample minutes (tests/fixtures/minutes) in a temp dir and runs
`pipeline.process.build_record` on each in a fresh process (as `minutes process` does), printing
wall time, the peak RSS of the process itself (VmHWM) and of its document children
(getrusage(RUSAGE_CHILDREN).ru_maxrss); their sum, which over-counts (the children share the
parent's pages, and their peaks do not fall at the same moment); the tree peak, the most the
process and its children held at any one moment (their proportional set sizes summed, sampled
every 20 ms from /proc: what the machine had to give); the size of the record against its
source, or the quarantine code:

  sample           the sample minutes (73 kB): the baseline every ratio is against;
  1 MB             a text of --small-mb MB, under the default limits: read in full;
  allowed          a text of --allowed-mb MB, under the default character limit: read in full;
  16 MB            a text of --mb MB under the default policy: refused (`too_many_chars`) before
                   the extractors see it;
  16 MB lifted     the same with the character limit and the time limit lifted
                   (REFERAT_MAX_CHARS, REFERAT_DOC_TIMEOUT; the memory cap is the default): read in
                   full — the goal: under 1 GB peak (tree), a record within a few times its source;
                   with 1 MB and allowed, how memory grows with the text (--no-lifted: not run);
  16 MB capped     (--capped) the same lifted, under a 1 GB memory cap (REFERAT_MAX_MEMORY_MB=1024):
                   a child over it is stopped (`out_of_memory`), the run never;
  16 MB before     (--before) the same in-process with every limit lifted, as before the policy
                   (minutes, GBs).

`MB/MB` is what each MB of text beyond the sample adds to the tree peak: how memory grows.
Timings wander on a shared machine; read the ratios of one run.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from _measure import HWM  # peak RSS of a fresh process (VmHWM): benchmarks/_measure.py

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "tests" / "fixtures" / "minutes" / "kkr-hovedstaden-2026-06-16.txt"

SCRIPT = HWM + r"""
import json, resource, sys, time
sys.path.insert(0, sys.argv[2])
from pathlib import Path

import os, threading

def tree_pss_mb():
    # What this process and all its descendants hold now, in MB (proportional set size: a page
    # two of them share counts half to each).
    total, todo = 0, [os.getpid()]
    while todo:
        pid = todo.pop()
        try:
            for line in open(f"/proc/{pid}/smaps_rollup"):
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
                    break
            for task in os.listdir(f"/proc/{pid}/task"):
                todo += [int(c) for c in open(f"/proc/{pid}/task/{task}/children").read().split()]
        except (OSError, ValueError):
            pass
    return total / 1024

tree = [0.0]
def sample():
    while True:
        tree[0] = max(tree[0], tree_pss_mb())
        time.sleep(0.02)
threading.Thread(target=sample, daemon=True).start()

from pipeline.process import build_record
from loaders.errors import DocumentError
path = Path(sys.argv[1])
t = time.perf_counter()
out = {}
try:
    record = build_record(path)
    out["outcome"] = record.record_id
    out["record_mb"] = len(record.__pydantic_serializer__.to_json(record)) / 1e6  # model_dump_json's bytes
except DocumentError as err:
    out["outcome"] = err.code
out["seconds"] = time.perf_counter() - t
out["parent_mb"] = hwm_mb()
out["child_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
out["source_mb"] = path.stat().st_size / 1e6
out["tree_mb"] = max(tree[0], tree_pss_mb())
print(json.dumps(out))
"""


def make_text(path: Path, mb: float) -> Path:
    source = SAMPLE.read_bytes()
    target = int(mb * 1024 * 1024)
    copies = target // (len(source) + 1) + 1
    path.write_bytes(((source + b"\n") * copies)[:target])
    return path


def run(path: Path, env: dict[str, str] | None = None, timeout: float = 3600) -> dict:
    proc = subprocess.run([sys.executable, "-c", SCRIPT, str(path), str(ROOT)], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=timeout)
    if proc.returncode:
        return {"outcome": f"crashed ({proc.returncode}): {proc.stderr.strip().splitlines()[-1:]}", "seconds": 0,
                "parent_mb": 0, "child_mb": 0, "tree_mb": 0, "source_mb": path.stat().st_size / 1e6}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mb", type=float, default=16, help="size of the big text (MB)")
    parser.add_argument("--allowed-mb", type=float, default=4, help="size of a text the default limits read in full")
    parser.add_argument("--small-mb", type=float, default=1, help="size of a smaller text read in full")
    parser.add_argument("--no-lifted", action="store_true", help="not the big text with the limits lifted")
    parser.add_argument("--capped", action="store_true", help="also: the big text, no character limit, 1 GB cap")
    parser.add_argument("--before", action="store_true", help="also: the big text in-process, no limits (slow)")
    args = parser.parse_args()

    clean = {k: "" for k in ("REFERAT_MAX_BYTES", "REFERAT_MAX_PAGES", "REFERAT_MAX_CHARS", "REFERAT_DOC_TIMEOUT",
                             "REFERAT_MAX_MEMORY_MB", "REFERAT_PDF_MAX_MEMORY_MB", "REFERAT_ISOLATION",
                             "REFERAT_PDF_INPROCESS")}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        big = make_text(tmp / "big.txt", args.mb)
        lifted = {**clean, "REFERAT_MAX_CHARS": "1e12", "REFERAT_DOC_TIMEOUT": "3600"}
        cases = [
            ("sample", SAMPLE, clean),
            (f"{args.small_mb:g} MB", make_text(tmp / "small.txt", args.small_mb), clean),
            (f"allowed {args.allowed_mb:g} MB", make_text(tmp / "allowed.txt", args.allowed_mb), clean),
            (f"{args.mb:g} MB", big, clean),
        ]
        if not args.no_lifted:
            cases.append((f"{args.mb:g} MB lifted", big, lifted))
        if args.capped:
            cases.append((f"{args.mb:g} MB capped", big, {**lifted, "REFERAT_MAX_MEMORY_MB": "1024"}))
        if args.before:
            cases.append((f"{args.mb:g} MB before", big, {**lifted, "REFERAT_ISOLATION": "inprocess"}))
        print(f"{'case':<20} {'source MB':>9} {'seconds':>8} {'parent MB':>9} {'child MB':>9} {'sum MB':>7} "
              f"{'tree MB':>7} {'x sample':>8} {'MB/MB':>6} {'record/source':>13}  outcome")
        base = None
        for label, path, env in cases:
            r = run(path, env)
            total = r["tree_mb"]  # the most the process and its children held at once
            base = base or (total, r["source_mb"])
            ratio = f"{r['record_mb'] / r['source_mb']:.1f}x" if r.get("record_mb") else "-"
            # What each MB of text beyond the sample adds to the peak (sum): the growth.
            growth = f"{(total - base[0]) / (r['source_mb'] - base[1]):.0f}" \
                if r.get("record_mb") and r["source_mb"] > base[1] else "-"
            print(f"{label:<20} {r['source_mb']:>9.2f} {r['seconds']:>8.1f} {r['parent_mb']:>9.0f} "
                  f"{r['child_mb']:>9.0f} {r['parent_mb'] + r['child_mb']:>7.0f} {total:>7.0f} "
                  f"{total / base[0]:>7.1f}x {growth:>6} {ratio:>13}  {r['outcome']}", flush=True)
        print("goal: the 16 MB text under 1 GB peak (tree), the run going on; a record within a few times its source")


if __name__ == "__main__":
    main()
