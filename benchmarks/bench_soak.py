"""Soak benchmark: many varied documents, 5 % of them bad, through `minutes ingest`; nothing lost.

    .venv/bin/python benchmarks/bench_soak.py [--n 10000 | --quick] [--workers 2] [--seed 1] [--keep DIR]
                                              [--no-rerun]

It generates N documents from the fixtures into a temp inbox:

  text      the real and variant minutes (tests/fixtures/minutes, real, variants), each copy with
            its own meeting date (and so its own meeting and record), a line of its own in the body
  json      the FirstAgenda publications (tests/fixtures/greve), each with its own meeting date
  html      minutes text as a simple HTML page (headings, paragraphs)
  pdf       the short variant minutes drawn as small PDFs (tests/pdf_fixtures.py)
  other     the non-minutes documents (tests/fixtures/other), each with a line of its own
  bad       5 %: empty files, binary garbage, truncated PDFs, a wrong extension (.docx, a PDF
            named .txt), undecodable text
  duplicate 0.5 %: a byte-for-byte copy of an earlier document under another name

then runs `minutes ingest --raw INBOX --out STORE` as a subprocess (with `--workers N` if given)
and prints the throughput (documents/s, wall clock including start-up), the peak memory of the
run (largest resident set of the ingest process and its children, `RUSAGE_CHILDREN` ru_maxrss),
and the accounting: records + not minutes + quarantined + skipped must equal the number of files
put in, from the run's summary (the manifest's `run` event) and again file by file from the
manifest and the store's `records/` and `quarantine/` folders (every input file named by one
event of the run: processed, failed, or seen as another name of a document). The table of
generated kind x outcome shows where each kind ended. Then a second `ingest` of the same inbox
(unless --no-rerun) must process nothing and skip everything; its wall time is printed too.
Exits non-zero if any count does not add up.
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import html
import json
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
FIXTURES = ROOT / "tests" / "fixtures"
MINUTES_CMD = ROOT / ".venv" / "bin" / "minutes"

MONTHS = ["januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september", "oktober",
          "november", "december"]
NUMERIC_DATE = re.compile(r"\b(\d{1,2})([-./])(\d{1,2})\2(\d{4})\b")
ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
WORD_DATE = re.compile(r"\b(\d{1,2})\.\s*(" + "|".join(MONTHS) + r")\s+(\d{4})\b", re.IGNORECASE)
DATE_EVIDENCE = re.compile(r"meeting date \d{4}-\d{2}-\d{2} \(line (\d+)\)")

# Shares of the generated kinds (bad and duplicate are drawn first).
SHARES = [("text", 0.50), ("json", 0.17), ("html", 0.10), ("pdf", 0.06), ("other", 0.17)]
BAD_SHARE = 0.05
DUPLICATE_SHARE = 0.005
BAD_KINDS = ["empty", "garbage", "truncated_pdf", "wrong_extension_docx", "pdf_named_txt", "undecodable"]


def redate_line(line: str, day: dt.date) -> str:
    """Every date written on `line` (16-06-2026, 2026-06-16, 16. juni 2026) set to `day`, in its form."""
    line = NUMERIC_DATE.sub(lambda m: f"{day.day:0{len(m[1])}d}{m[2]}{day.month:0{len(m[3])}d}{m[2]}{day.year}", line)
    line = ISO_DATE.sub(day.isoformat(), line)
    return WORD_DATE.sub(lambda m: f"{day.day}. {MONTHS[day.month - 1]} {day.year}", line)


class Templates:
    """The fixture documents, with where their meeting date is written (checked once by extracting)."""

    def __init__(self, rng: random.Random):
        from extractors.document import extract_record  # noqa: F401 - fail early if the venv is wrong
        from tests.helpers import record_from_text

        self.rng = rng
        paths = sorted([*FIXTURES.glob("minutes/*.txt"), *FIXTURES.glob("real/*.txt"), *FIXTURES.glob("variants/*.txt")])
        self.texts: list[tuple[str, list[str], int]] = []  # (name, lines, line of the date)
        probe = dt.date(2031, 2, 3)
        for path in paths:
            text = path.read_text(encoding="utf-8")
            record = record_from_text(text, path.name)
            found = next((DATE_EVIDENCE.search(e) for e in record.classification if DATE_EVIDENCE.search(e)), None)
            if record.document_type == "not_minutes" or found is None:
                continue
            lines = text.split("\n")
            at = int(found[1]) - 1
            check = record_from_text(self._text(lines, at, probe, "probe"), path.name)
            if check.meeting.date == probe:
                self.texts.append((path.stem, lines, at))
        self.short = [t for t in self.texts if len("\n".join(t[1])) < 4000]  # for PDFs: a page or two
        self.jsons = [(p.stem, json.loads(p.read_text(encoding="utf-8"))) for p in sorted(FIXTURES.glob("greve/*.json"))]
        self.others = [(p.stem, p.read_text(encoding="utf-8")) for p in sorted(FIXTURES.glob("other/*.txt"))]
        if not self.texts or not self.short:
            raise SystemExit("no text template whose meeting date can be changed: the fixtures or extractors changed")

    @staticmethod
    def _text(lines: list[str], at: int, day: dt.date, marker: str) -> str:
        lines = lines[:]
        # the date on the line the evidence names, or on the line after its label ("Mødedato:")
        for k in range(at, min(at + 6, len(lines))):
            changed = redate_line(lines[k], day)
            if changed != lines[k]:
                lines[k] = changed
                break
        # a line of its own at the end: the content differs even where two dates coincide
        lines.append(f"Genereret til soak-test: {marker}.")
        return "\n".join(lines)

    def text(self, i: int, day: dt.date, short: bool = False) -> tuple[str, str]:
        name, lines, at = (self.short if short else self.texts)[i % len(self.short if short else self.texts)]
        return name, self._text(lines, at, day, f"dokument {i}")

    def firstagenda(self, i: int, day: dt.date) -> tuple[str, bytes]:
        name, payload = self.jsons[i % len(self.jsons)]
        meeting = dict(payload["Moede"])
        for key in ("Dato", "MeetingBeginUtc"):
            if isinstance(meeting.get(key), str) and len(meeting[key]) >= 10:
                meeting[key] = day.isoformat() + meeting[key][10:]
        meeting["Description"] = f"soak {i}"
        return name, json.dumps({**payload, "Moede": meeting}, ensure_ascii=False).encode("utf-8")


def as_html(text: str) -> bytes:
    body = []
    for line in text.split("\n"):
        if not line.strip():
            continue
        tag = "h2" if re.match(r"^\s*(?:Punkt\s+)?\d+(?:\.\d+)*\.?\s+\S", line) and len(line) < 120 else "p"
        body.append(f"<{tag}>{html.escape(line)}</{tag}>")
    page = ("<!DOCTYPE html>\n<html lang=\"da\"><head><meta charset=\"utf-8\"><title>Referat</title></head>\n"
            "<body><main>\n" + "\n".join(body) + "\n</main></body></html>\n")
    return page.encode("utf-8")


def as_pdf(text: str, folder: Path) -> bytes:
    from tests.pdf_fixtures import render_text_pdf

    target = folder / "render.pdf"
    render_text_pdf(text, target, header=None)
    return target.read_bytes()


def make_corpus(inbox: Path, n: int, seed: int) -> dict[str, str]:
    """Write n documents into `inbox`; returns file name -> generated kind."""
    rng = random.Random(seed)
    templates = Templates(rng)
    inbox.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="referat-soak-render-"))
    kinds: dict[str, str] = {}
    written: list[Path] = []
    start = dt.date(2030, 1, 1)
    counters = collections.Counter()
    cached_pdf: bytes | None = None

    def day_for(kind: str) -> dt.date:
        counters[kind] += 1
        # each kind its own run of days: two documents of one template never share a meeting
        offset = {"text": 0, "json": 6_000, "html": 12_000, "pdf": 18_000}[kind]
        return start + dt.timedelta(days=offset + counters[kind])

    for i in range(n):
        roll = rng.random()
        if roll < BAD_SHARE:
            kind = f"bad:{BAD_KINDS[i % len(BAD_KINDS)]}"
        elif roll < BAD_SHARE + DUPLICATE_SHARE and written:
            kind = "duplicate"
        else:
            roll = rng.random()
            kind = next(k for k, share in _cumulative(SHARES) if roll < share)
        if kind == "text":
            stem, text = templates.text(i, day_for("text"))
            name, data = f"{i:05d}-{stem}.txt", text.encode("utf-8")
        elif kind == "json":
            stem, data = templates.firstagenda(i, day_for("json"))
            name = f"{i:05d}-{stem}.json"
        elif kind == "html":
            stem, text = templates.text(i, day_for("html"))
            name, data = f"{i:05d}-{stem}.html", as_html(text)
        elif kind == "pdf":
            stem, text = templates.text(i, day_for("pdf"), short=True)
            name, data = f"{i:05d}-{stem}.pdf", as_pdf(text, scratch)
            cached_pdf = data
        elif kind == "other":
            stem, text = templates.others[i % len(templates.others)]
            name, data = f"{i:05d}-{stem}.txt", (text + f"\nKopi nr. {i} til soak-test.\n").encode("utf-8")
        elif kind == "duplicate":
            original = rng.choice(written)
            name, data = f"{i:05d}-copy-of-{original.name}", original.read_bytes()
        else:
            bad = kind.split(":", 1)[1]
            noise = rng.randbytes(rng.randrange(64, 4096))
            if bad == "empty":
                name, data = f"{i:05d}-empty.txt", b""
            elif bad == "garbage":
                name, data = f"{i:05d}-garbage.{rng.choice(['txt', 'pdf', 'json', 'html', 'bin'])}", noise
            elif bad == "truncated_pdf":
                if cached_pdf is None:
                    cached_pdf = as_pdf(templates.text(i, day_for("pdf"), short=True)[1], scratch)
                cut = rng.randrange(16, len(cached_pdf) * 3 // 4)
                name, data = f"{i:05d}-truncated.pdf", cached_pdf[:cut] + f"% {i}".encode()
            elif bad == "wrong_extension_docx":
                name, data = f"{i:05d}-minutes.docx", templates.text(i, day_for("text"))[1].encode("utf-8")
            elif bad == "pdf_named_txt":
                if cached_pdf is None:
                    cached_pdf = as_pdf(templates.text(i, day_for("pdf"), short=True)[1], scratch)
                name, data = f"{i:05d}-pdf-named.txt", cached_pdf + f"% {i}\n".encode()
            else:  # undecodable: text with bytes no text encoding referat reads maps to characters
                text = templates.others[i % len(templates.others)][1].encode("utf-8")
                junk = bytes(rng.choice([0x81, 0x8D, 0x8F, 0x90, 0x9D, 0xC0, 0xC1, 0xF5, 0xFF]) for _ in range(200))
                name, data = f"{i:05d}-undecodable.txt", junk + text[:500] + junk
        path = inbox / name
        path.write_bytes(data)
        written.append(path)
        kinds[name] = kind
    shutil.rmtree(scratch, ignore_errors=True)
    return kinds


def _cumulative(shares):
    total, out = 0.0, []
    for kind, share in shares:
        total += share / sum(s for _, s in shares)
        out.append((kind, total))
    out[-1] = (out[-1][0], 1.01)
    return out


def run_ingest(inbox: Path, store: Path, workers: int, env: dict[str, str]) -> tuple[float, int, str]:
    cmd = [str(MINUTES_CMD), "ingest", "--raw", str(inbox), "--out", str(store)]
    if workers > 1:
        cmd += ["--workers", str(workers)]
    t0 = time.perf_counter()
    done = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace")
    return time.perf_counter() - t0, done.returncode, done.stdout


def manifest(store: Path) -> list[dict]:
    path = store / "manifest.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def account(store: Path, kinds: dict[str, str], run_id_index: int = -1) -> tuple[dict, list[str]]:
    """The run's summary and the per-file accounting; the list of what does not add up."""
    events = manifest(store)
    runs = [e for e in events if e.get("event") == "run"]
    run = runs[run_id_index]
    run_id = run.get("run_id")
    mine = [e for e in events if e.get("run_id") == run_id and e.get("event") != "run"]
    n = len(kinds)
    problems = []
    skipped = run.get("skipped", 0)
    skipped = skipped if isinstance(skipped, int) else len(skipped)
    # not_done: files left for the next run (an interrupted run, an I/O error to retry)
    total = run.get("processed", 0) + run.get("failed", 0) + skipped + run.get("not_done", 0)
    if "seen" in run and isinstance(run["seen"], int) and run["seen"] != n:
        problems.append(f"the run saw {run['seen']} files of {n}")
    if total != n:
        problems.append(f"summary: processed {run.get('processed')} + failed {run.get('failed')} + skipped {skipped} "
                        f"+ not done {run.get('not_done', 0)} = {total}, not {n}")
    # file by file: what the events of this run say of each input file, the last word winning
    # (a processed file that lost to another source of its meeting is skipped in the end)
    outcome: dict[str, str] = {}
    for e in mine:
        name = Path(e.get("path") or e.get("file_name") or "").name
        if e.get("event") == "processed":
            outcome[name] = "not_minutes" if e.get("document_type") == "not_minutes" else f"record:{e.get('document_type')}"
        elif e.get("event") == "failed":
            outcome[name] = f"quarantined:{(e.get('error') or {}).get('code')}"
        elif e.get("event") == "skipped":
            outcome[name] = f"skipped:{e.get('reason') or 'skipped'}"
        elif e.get("event") == "seen":  # another name of a document processed in this run or before
            outcome.setdefault(name, "skipped:duplicate_content")
    missing = sorted(set(kinds) - set(outcome))
    if missing:
        problems.append(f"{len(missing)} input files named by no event of the run: {missing[:5]}")
    records = sorted((store / "records").glob("*.json")) if (store / "records").is_dir() else []
    record_ids = {e.get("record_id") for e in mine if e.get("event") == "processed"}
    if len(records) != len(record_ids):
        problems.append(f"{len(records)} files in records/ for {len(record_ids)} record ids processed")
    quarantined = sorted((store / "quarantine").glob("*.error.json")) if (store / "quarantine").is_dir() else []
    failed = {e.get("sha256") for e in mine if e.get("event") == "failed"}
    if len(quarantined) != len(failed):
        problems.append(f"{len(quarantined)} quarantine entries for {len(failed)} failed documents")
    counts = collections.Counter(o.split(":")[0] for o in outcome.values())
    if counts["record"] + counts["not_minutes"] != len(records):
        problems.append(f"{counts['record']} records + {counts['not_minutes']} not minutes, but {len(records)} "
                        "files in records/")
    by_kind = collections.defaultdict(collections.Counter)
    for name, kind in kinds.items():
        by_kind[kind][outcome.get(name, "MISSING")] += 1
    processed_events = sum(1 for e in mine if e.get("event") == "processed")
    return {"run": run, "counts": counts, "by_kind": by_kind, "records_files": len(records),
            "record_ids": len(record_ids), "processed_events": processed_events,
            "quarantine_files": len(quarantined)}, problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=10_000, help="documents to generate (default 10000)")
    parser.add_argument("--quick", action="store_true", help="300 documents")
    parser.add_argument("--workers", type=int, default=1, help="ingest --workers N (default: one process)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", type=Path, help="use this folder for the inbox and store and keep it")
    parser.add_argument("--no-rerun", action="store_true", help="skip the second ingest (everything unchanged)")
    args = parser.parse_args()
    n = 300 if args.quick else args.n

    work = args.keep or Path(tempfile.mkdtemp(prefix="referat-soak-"))
    inbox, store = work / "inbox", work / "store"
    for folder in (inbox, store):
        shutil.rmtree(folder, ignore_errors=True)
    env = {**os.environ, "PREFECT_HOME": str(work / "prefect-home"), "DO_NOT_TRACK": "1",
           "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    env.pop("PREFECT_API_URL", None)
    try:
        t0 = time.perf_counter()
        kinds = make_corpus(inbox, n, args.seed)
        size = sum(p.stat().st_size for p in inbox.iterdir())
        generated = collections.Counter(k.split(":")[0] for k in kinds.values())
        print(f"generated {n} documents ({size / 1e6:.1f} MB) in {time.perf_counter() - t0:.1f} s: "
              + ", ".join(f"{k} {v}" for k, v in sorted(generated.items())))

        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        seconds, code, output = run_ingest(inbox, store, args.workers, env)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        peak_kb = after.ru_maxrss
        cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
        tail = [line for line in output.splitlines() if line.startswith("ingest:")]
        # CPU seconds: of the ingest process and the children it waited for (not the Prefect
        # server's); on a shared machine docs per CPU-second wanders less than docs/s
        print(f"ingest{' --workers %d' % args.workers if args.workers > 1 else ''}: exit {code}, "
              f"{seconds:.1f} s wall, {n / seconds:.2f} docs/s; {cpu:.0f} CPU s ({n / max(cpu, 1e-9):.2f} docs per "
              f"CPU-second); peak RSS {peak_kb / 1024:.0f} MB"
              + (" (an earlier child was larger)" if before.ru_maxrss > peak_kb else ""))
        if tail:
            print("  " + tail[-1])
        if not (store / "manifest.jsonl").exists():
            print(output[-4000:])
            return 1
        report, problems = account(store, kinds)
        run, counts = report["run"], report["counts"]
        print(f"accounting: {n} in = {counts['record']} records + {counts['not_minutes']} not minutes + "
              f"{counts['quarantined']} quarantined + {counts['skipped']} skipped "
              f"(= {sum(counts.values())}); run summary: processed {run.get('processed')} "
              f"(not minutes {run.get('not_minutes')}), failed {run.get('failed')}, skipped {run.get('skipped')}"
              + (f", seen {run['seen']}" if "seen" in run else ""))
        print(f"store: {report['records_files']} files in records/ ({report['record_ids']} record ids of "
              f"{report['processed_events']} processed documents), {report['quarantine_files']} in quarantine/")
        print("by generated kind:")
        for kind in sorted(report["by_kind"]):
            outcomes = report["by_kind"][kind]
            print(f"  {kind:28} " + ", ".join(f"{o} {c}" for o, c in outcomes.most_common()))
        if not args.no_rerun:
            seconds2, code2, output2 = run_ingest(inbox, store, args.workers, env)
            report2, problems2 = account(store, kinds)
            run2 = report2["run"]
            print(f"rerun (nothing new): exit {code2}, {seconds2:.1f} s wall, processed {run2.get('processed')}, "
                  f"failed {run2.get('failed')}, skipped {run2.get('skipped')}")
            skipped2 = run2.get("skipped")
            skipped2 = skipped2 if isinstance(skipped2, int) else len(skipped2 or [])
            if run2.get("processed") or run2.get("failed") or skipped2 != n:
                problems.append(f"the rerun did work or lost files: {run2.get('processed')} processed, "
                                f"{run2.get('failed')} failed, {skipped2} skipped of {n}")
        for problem in problems:
            print(f"DOES NOT ADD UP: {problem}")
        if not problems:
            print("counts add up: nothing lost")
        return 1 if problems else 0
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
