"""Input policy benchmark (issue 11): big texts under the limits, time and peak memory.

    .venv/bin/python benchmarks/bench_limits.py [--mb 16] [--allowed-mb 4] [--capped] [--before]

Makes texts by repeating the sample minutes (tests/fixtures/minutes) in a temp dir and runs
`pipeline.process.build_record` on each in a fresh process (as `minutes process` does), printing
wall time, the peak RSS of the process itself (VmHWM) and of its document child
(getrusage(RUSAGE_CHILDREN).ru_maxrss; the child shares the parent's pages, so their sum
over-counts), the size of the record against its source, or the quarantine code:

  sample           the sample minutes (73 kB): the baseline every ratio is against;
  allowed          a text of --allowed-mb MB, under the default character limit: read in full;
  16 MB            a text of --mb MB under the default policy: refused (`too_many_chars`) before
                   the extractors see it — the goal: under 1 GB peak;
  16 MB capped     (--capped) the same with the character limit lifted and a 1 GB memory cap
                   (REFERAT_MAX_MEMORY_MB=1024): the child is stopped (`out_of_memory`), the run is not;
  16 MB before     (--before) the same in-process with every limit lifted, as before the policy
                   (minutes, GBs).

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

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "tests" / "fixtures" / "minutes" / "kkr-hovedstaden-2026-06-16.txt"

SCRIPT = r"""
import json, resource, sys, time
sys.path.insert(0, sys.argv[2])
from pathlib import Path

def hwm_mb():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024

from pipeline.process import build_record
from loaders.errors import DocumentError
path = Path(sys.argv[1])
t = time.perf_counter()
out = {}
try:
    record = build_record(path)
    out["outcome"] = record.record_id
    out["record_mb"] = len(record.model_dump_json().encode()) / 1e6
except DocumentError as err:
    out["outcome"] = err.code
out["seconds"] = time.perf_counter() - t
out["parent_mb"] = hwm_mb()
out["child_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
out["source_mb"] = path.stat().st_size / 1e6
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
                "parent_mb": 0, "child_mb": 0, "source_mb": path.stat().st_size / 1e6}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mb", type=float, default=16, help="size of the big text (MB)")
    parser.add_argument("--allowed-mb", type=float, default=4, help="size of a text the default limits read in full")
    parser.add_argument("--capped", action="store_true", help="also: the big text, no character limit, 1 GB cap")
    parser.add_argument("--before", action="store_true", help="also: the big text in-process, no limits (slow)")
    args = parser.parse_args()

    clean = {k: "" for k in ("REFERAT_MAX_BYTES", "REFERAT_MAX_PAGES", "REFERAT_MAX_CHARS", "REFERAT_DOC_TIMEOUT",
                             "REFERAT_MAX_MEMORY_MB", "REFERAT_PDF_MAX_MEMORY_MB", "REFERAT_ISOLATION",
                             "REFERAT_PDF_INPROCESS")}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        big = make_text(tmp / "big.txt", args.mb)
        cases = [
            ("sample", SAMPLE, clean),
            (f"allowed {args.allowed_mb:g} MB", make_text(tmp / "allowed.txt", args.allowed_mb), clean),
            (f"{args.mb:g} MB", big, clean),
        ]
        if args.capped:
            cases.append((f"{args.mb:g} MB capped", big, {**clean, "REFERAT_MAX_CHARS": "1e12",
                                                            "REFERAT_MAX_MEMORY_MB": "1024",
                                                            "REFERAT_DOC_TIMEOUT": "3600"}))
        if args.before:
            cases.append((f"{args.mb:g} MB before", big, {**clean, "REFERAT_MAX_CHARS": "1e12",
                                                            "REFERAT_ISOLATION": "inprocess",
                                                            "REFERAT_DOC_TIMEOUT": "3600"}))
        print(f"{'case':<20} {'source MB':>9} {'seconds':>8} {'parent MB':>9} {'child MB':>9} {'sum MB':>7} "
              f"{'x sample':>8} {'record/source':>13}  outcome")
        base = None
        for label, path, env in cases:
            r = run(path, env)
            total = r["parent_mb"] + r["child_mb"]
            base = base or total
            ratio = f"{r['record_mb'] / r['source_mb']:.1f}x" if r.get("record_mb") else "-"
            print(f"{label:<20} {r['source_mb']:>9.2f} {r['seconds']:>8.1f} {r['parent_mb']:>9.0f} "
                  f"{r['child_mb']:>9.0f} {total:>7.0f} {total / base:>7.1f}x {ratio:>13}  {r['outcome']}",
                  flush=True)
        print("goal: the 16 MB text under 1 GB peak (sum), the run going on; a record within a few times its source")


if __name__ == "__main__":
    main()
