"""Ingest benchmark: the same work in a plain Python loop, through `ingest`, and with parallel workers.

    .venv/bin/python benchmarks/bench_ingest.py [--docs 500] [--workers 2] [--keep DIR]

It writes N documents with distinct content (copies of the sample minutes, each with its own
meeting date and so its own record, and every fifth one a non-minutes document with a line of its
own), then, each into a fresh store:

  plain      a Python loop over the same functions ingest runs per document (hash, build the
             record, commit it, append the manifest event), no Prefect at all;
  ingest     the `ingest` flow, one task per document, then with its automatic batch size
             (16 documents per task for 500 documents);
  Dask       the same two with a Dask task runner of N worker processes (prefect-dask).

and one single-document rerun (`process_document`) against the plain cost of that document.
Prefect's server is started (or reached through PREFECT_API_URL) before anything is timed; its
start-up time is printed on its own line.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline import prefect_env  # noqa: E402

if "PREFECT_HOME" not in os.environ:  # a throw-away Prefect home: the bench never touches yours
    os.environ["PREFECT_HOME"] = tempfile.mkdtemp(prefix="referat-bench-prefect-")
prefect_env.configure()

import datetime as dt  # noqa: E402

MINUTES = ROOT / "tests" / "fixtures" / "minutes" / "kkr-hovedstaden-2026-06-16.txt"
OTHER = sorted((ROOT / "tests" / "fixtures" / "other").glob("*.txt"))


def make_corpus(folder: Path, n: int) -> list[Path]:
    """n documents with distinct content: dated copies of the minutes, every fifth a non-minutes."""
    folder.mkdir(parents=True, exist_ok=True)
    minutes = MINUTES.read_text(encoding="utf-8")
    others = [p.read_text(encoding="utf-8") for p in OTHER]
    start = dt.date(2027, 1, 1)
    paths = []
    for i in range(n):
        if i % 5 == 4:
            text = others[i % len(others)] + f"\nKopi nr. {i} til benchmark.\n"
            name = f"other-{i:04d}.txt"
        else:
            day = start + dt.timedelta(days=i)
            text = minutes.replace("Dato: 16-06-2026", f"Dato: {day:%d-%m-%Y}", 1)
            name = f"minutes-{i:04d}.txt"
        path = folder / name
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def plain_loop(paths: list[Path], out: Path) -> dict[str, int]:
    """The work of `ingest` without Prefect: the same functions, one document after another."""
    from pipeline.flows import file_sha256, process_file
    from pipeline.store import Store

    store = Store(out)
    counts = {"processed": 0, "failed": 0}
    with store.lock():
        for path in paths:
            outcome = process_file(path, file_sha256(path), store)
            store.append_manifest(outcome)
            counts["processed" if outcome["event"] == "processed" else "failed"] += 1
    return counts


def _work_one(args: tuple[str, str]) -> dict:
    from pipeline.flows import file_sha256, process_file
    from pipeline.store import Store

    path, out = Path(args[0]), args[1]
    return process_file(path, file_sha256(path), Store(out))


def plain_parallel(paths: list[Path], out: Path, workers: int) -> dict[str, int]:
    """The plain loop on a pool of `workers` processes: what the hardware gives, no Prefect."""
    import multiprocessing

    from pipeline.store import Store

    store = Store(out)
    counts = {"processed": 0, "failed": 0}
    with store.lock(), multiprocessing.get_context("spawn").Pool(workers) as pool:
        pool.map(_warm, range(workers))
        for outcome in pool.imap_unordered(_work_one, [(str(p), str(out)) for p in paths], chunksize=4):
            store.append_manifest(outcome)
            counts["processed" if outcome["event"] == "processed" else "failed"] += 1
    return counts


def _warm(_: int) -> None:
    from pipeline.process import build_record

    build_record(MINUTES)


def timed(fn, *args, **kwargs):  # noqa: ANN001, ANN201
    t0 = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - t0, result


class ServerWatch:
    """CPU of the local Prefect server process (the temporary one this benchmark started)."""

    def __init__(self) -> None:
        import psutil

        me = psutil.Process()
        self.proc = next((c for c in me.children(recursive=True) if "uvicorn" in " ".join(c.cmdline())), None)

    def cpu(self) -> float:
        if self.proc is None:
            return float("nan")
        t = self.proc.cpu_times()
        return t.user + t.system

    def settle(self, limit: float = 180.0) -> float:
        """Wait until the server has recorded everything sent to it (idle CPU); seconds waited."""
        if self.proc is None:
            return float("nan")
        t0 = time.perf_counter()
        while time.perf_counter() - t0 < limit:
            c0 = self.cpu()
            time.sleep(0.5)
            if self.cpu() - c0 < 0.025:
                break
        return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=500)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=0, help="the batched runs' documents per task (0: ingest's automatic choice)")
    parser.add_argument("--reruns", type=int, default=10, help="single-document reruns to time")
    parser.add_argument("--keep", type=Path, help="keep the corpus and stores here")
    args = parser.parse_args()

    work = args.keep or Path(tempfile.mkdtemp(prefix="referat-bench-"))
    raw = work / "raw"
    if raw.exists():
        shutil.rmtree(raw)
    paths = make_corpus(raw, args.docs)
    n = len(paths)
    print(f"corpus: {n} documents, {sum(p.stat().st_size for p in paths) / 1e6:.1f} MB in {raw}")
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}, Python {sys.version.split()[0]}")

    from prefect import flow

    from pipeline.flows import auto_batch_size, dask_task_runner, file_sha256, ingest, process_document, process_file
    from pipeline.process import build_record
    from pipeline.store import Store

    build_record(MINUTES)  # warm the extractor (profiles, compiled patterns) outside every timing

    @flow
    def warm_up() -> None:
        pass

    startup, _ = timed(prefect_env.share_api_url)  # Dask workers must reach the same server
    timed(warm_up)
    server = ServerWatch()
    print(f"prefect server: {os.environ.get('PREFECT_API_URL')} (temporary unless you set PREFECT_API_URL); "
          f"start-up (first flow run) {startup:.2f} s")

    rows = []
    batch = args.batch_size or auto_batch_size(n)
    args.batch_size = batch

    def run(label: str, fn, **kwargs):  # noqa: ANN001, ANN202
        c0 = server.cpu()
        seconds, result = timed(fn, **kwargs)
        backlog = server.settle()
        rows.append((label, seconds, (server.cpu() - c0) / n, backlog))
        return seconds, result

    with prefect_env.fast_flow_runs():
        t_plain, counts = run("plain Python loop", plain_loop, paths=paths, out=work / "out-plain")
        t_one, s1 = run("ingest, 1 task/doc", ingest, raw=str(raw), out=str(work / "out-1"), batch_size=1)
        t_again, s2 = run("ingest again (all skipped)", ingest, raw=str(raw), out=str(work / "out-1"), batch_size=1)
        t_batch, s3 = run(f"ingest, {args.batch_size} docs/task", ingest, raw=str(raw),
                          out=str(work / "out-b"), batch_size=args.batch_size)
        # A Dask cluster started (and its workers warmed) once, as a team runs one; its start-up
        # is timed on its own. Its worker processes inherit PREFECT_API_URL: the same server.
        from distributed import Client, LocalCluster

        t_cluster, cluster = timed(LocalCluster, n_workers=args.workers, threads_per_worker=1, processes=True)
        with Client(cluster) as client:
            client.run(build_record, MINUTES)
        parallel = ingest.with_options(task_runner=dask_task_runner(address=cluster.scheduler_address))
        t_pplain, _ = run(f"plain loop, {args.workers} processes", plain_parallel, paths=paths,
                          out=work / "out-plain-par", workers=args.workers)
        t_par1, s4 = run(f"ingest, Dask {args.workers}w, 1 task/doc", parallel, raw=str(raw), out=str(work / "out-p1"),
                          batch_size=1)
        t_parb, s5 = run(f"ingest, Dask {args.workers}w, {args.batch_size} docs/task", parallel, raw=str(raw),
                         out=str(work / "out-pb"), batch_size=args.batch_size)

        # One document, reprocessed: the plain work against the whole process_document flow run.
        one = paths[0]
        rerun_store = Store(work / "out-rerun")
        plain_one = [timed(process_file, one, file_sha256(one), rerun_store)[0] for _ in range(args.reruns)]
        flow_one = [timed(process_document, path=str(one), out=str(work / "out-rerun"))[0] for _ in range(args.reruns)]
    heartbeat_one = [timed(process_document, path=str(one), out=str(work / "out-rerun"))[0] for _ in range(3)]

    cluster.close()
    for s in (s1, s3, s4, s5):
        assert s["processed"] == counts["processed"] == n, (counts, s)
    assert s2["processed"] == 0 and s2["skipped"] == n, s2

    print()
    print(f"{'run':<36}{'seconds':>9}{'ms/doc':>8}{'vs plain':>10}{'server ms/doc':>15}{'server backlog s':>18}")
    for label, seconds, server_ms, backlog in rows:
        print(f"{label:<36}{seconds:9.2f}{1000 * seconds / n:8.1f}{100 * (seconds - t_plain) / t_plain:+9.0f}%"
              f"{1000 * server_ms:15.1f}{backlog:18.1f}")
    print()
    print(f"orchestration overhead, one task per document: {100 * (t_one - t_plain) / t_plain:+.0f}% "
          f"({1000 * (t_one - t_plain) / n:.1f} ms/doc); {args.batch_size} documents per task: "
          f"{100 * (t_batch - t_plain) / t_plain:+.0f}% (goal <= 10%)")
    print(f"speed-up from {args.workers} Dask workers (cluster start-up {t_cluster:.1f} s not included): "
          f"x{t_one / t_par1:.2f} at one task per document, x{t_batch / t_parb:.2f} at {args.batch_size} per task; "
          f"best parallel run vs plain loop x{t_plain / min(t_par1, t_parb):.2f}; "
          f"the plain loop on {args.workers} processes (the machine's ceiling now) x{t_plain / t_pplain:.2f}")
    p, f = statistics.median(plain_one), statistics.median(flow_one)
    print(f"single-document rerun: plain {1000 * p:.0f} ms, process_document flow {1000 * f:.0f} ms "
          f"-> orchestration {1000 * (f - p):.0f} ms per rerun (median of {args.reruns}); "
          f"with the flow heartbeat on: {1000 * statistics.median(heartbeat_one):.0f} ms")
    print(f"(a command-line rerun with no PREFECT_API_URL also pays the temporary server start-up: {startup:.1f} s)")


if __name__ == "__main__":
    main()
