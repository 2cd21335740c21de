"""Child processes of a run (issue 11): none outlives the run or holds the caller's output open,
none listens beyond 127.0.0.1, none imports from the caller's current directory.

The `minutes ingest` runs here start a real temporary Prefect server (no PREFECT_API_URL), as a
scheduled run on a fresh machine does."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psutil
import pytest

ROOT = Path(__file__).resolve().parents[1]
MINUTES = ROOT / ".venv" / "bin" / "minutes"
SAMPLE = ROOT / "tests" / "fixtures" / "minutes" / "kkr-hovedstaden-2026-06-16.txt"


def _inbox(folder: Path, n: int) -> Path:
    """n different minutes (other years), so that every one is processed."""
    inbox = folder / "inbox"
    inbox.mkdir(parents=True)
    text = SAMPLE.read_text(encoding="utf-8")
    for i in range(n):
        (inbox / f"minutes-{i}.txt").write_text(text.replace("2026", str(2030 + i)), encoding="utf-8")
    return inbox


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(PREFECT_HOME=str(tmp_path / "prefect-home"), PREFECT_SERVER_ANALYTICS_ENABLED="false",
               DO_NOT_TRACK="1", PYTHONUNBUFFERED="1")
    return env


def _command() -> list[str]:
    return [str(MINUTES)] if MINUTES.exists() else [sys.executable, "-P", "-m", "pipeline.cli"]


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _wait_for_children(proc: subprocess.Popen, wanted: tuple[str, ...], timeout: float = 240.0) -> set[int]:
    """Pids of every descendant seen until, for each word of `wanted`, a descendant whose command
    line contains it is running ("uvicorn": the temporary Prefect server; "spawn_main": a Dask
    worker process)."""
    seen: set[int] = set()
    found: set[str] = set()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"minutes ingest ended (code {proc.returncode}) before {wanted} were seen")
        try:
            children = psutil.Process(proc.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            children = []
        for child in children:
            seen.add(child.pid)
            try:
                line = " ".join(child.cmdline())
            except psutil.Error:
                continue
            found |= {w for w in wanted if w in line}
        if found == set(wanted):
            return seen
        time.sleep(0.1)
    pytest.fail(f"not all of {wanted} were started: {found}")


@pytest.mark.parametrize(("sig", "options", "children"), [
    (signal.SIGKILL, [], ("uvicorn",)),
    (signal.SIGTERM, [], ("uvicorn",)),
    (signal.SIGKILL, ["--workers", "2"], ("uvicorn", "spawn_main")),
], ids=["kill-9", "sigterm", "kill-9-dask-workers"])
def test_a_killed_ingest_leaves_no_process_behind_and_closes_its_output(tmp_path, sig, options, children):
    inbox = _inbox(tmp_path, 3)
    proc = subprocess.Popen(
        [*_command(), "ingest", "--raw", str(inbox), "--out", str(tmp_path / "out"), *options],
        cwd=tmp_path, env=_env(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    try:
        descendants = _wait_for_children(proc, children)
        time.sleep(1.0)  # the server is importing or serving: mid-run
        descendants |= {c.pid for c in psutil.Process(proc.pid).children(recursive=True)}
        proc.send_signal(sig)
        # A scheduler reads our output until EOF: nothing may hold the pipes open.
        try:
            proc.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            pytest.fail("stdout/stderr of the killed run were still open 15 s later (held by a child)")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(_alive(pid) for pid in descendants):
            time.sleep(0.1)
        survivors = [psutil.Process(pid).cmdline() for pid in descendants if _alive(pid)]
        assert not survivors, f"processes outlived the killed run: {survivors}"
    finally:
        for pid in [proc.pid, *locals().get("descendants", ())]:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        proc.wait()


def test_children_never_import_from_the_current_directory(tmp_path):
    """A json.py in the caller's current directory is not run by the temporary server (Prefect's
    own started `python -m uvicorn` there, with the current directory first on sys.path)."""
    inbox = _inbox(tmp_path, 1)
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    marker = tmp_path / "json-py-was-executed"
    (cwd / "json.py").write_text(
        f"open({str(marker)!r}, 'w').write('executed')\nraise ImportError('a planted json.py')\n", encoding="utf-8"
    )
    done = subprocess.run(
        [*_command(), "ingest", "--raw", str(inbox), "--out", str(tmp_path / "out")],
        cwd=cwd, env=_env(tmp_path), capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "1 processed" in done.stdout
    assert not marker.exists(), "a child process imported json.py from the current directory"


def test_spawned_helper_dies_with_its_parent_and_does_not_hold_its_output(tmp_path):
    """`spawn_child` (what the temporary server runs under): a `kill -9` of the parent ends the
    child at once, and the parent's stdout reaches EOF."""
    parent = textwrap.dedent(
        """
        import sys, time
        from pipeline.prefect_env import python_module_command, spawn_child
        child = spawn_child(python_module_command("http.server", "--bind", "127.0.0.1", "0"))
        print(child.pid, flush=True)
        time.sleep(300)
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", parent], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        child = int(proc.stdout.readline())
        assert _alive(child)
        assert os.getpgid(child) != os.getpgid(proc.pid), "the child shares its parent's process group"
        proc.kill()
        try:
            proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            pytest.fail("the parent's output stayed open after it was killed")
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and _alive(child):
            time.sleep(0.05)
        assert not _alive(child), "the child outlived its killed parent"
    finally:
        proc.kill()
        proc.wait()


def _listening(processes: list[psutil.Process]) -> list[tuple[str, int]]:
    found = []
    for p in processes:
        try:
            conns = p.net_connections(kind="inet")
        except psutil.Error:
            continue
        found += [(c.laddr.ip, c.laddr.port) for c in conns if c.status == psutil.CONN_LISTEN]
    return found


def test_the_local_dask_cluster_listens_on_loopback_only(monkeypatch):
    """`ingest --workers N`: scheduler, workers and dashboard on 127.0.0.1 (Dask's default
    dashboard listened on 0.0.0.0:8787)."""
    monkeypatch.delenv("REFERAT_DASK_DASHBOARD", raising=False)
    monkeypatch.setenv("PYTHONSAFEPATH", "1")  # dask_task_runner sets it for its workers; undone after the test
    from distributed import LocalCluster

    from pipeline.flows import dask_task_runner

    runner = dask_task_runner(1)
    with LocalCluster(**runner.cluster_kwargs) as cluster:
        me = psutil.Process()
        listening = _listening([me, *me.children(recursive=True)])
        assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
    assert listening, "no listening socket found: the check would pass vacuously"
    exposed = [(ip, port) for ip, port in listening if ip not in ("127.0.0.1", "::1")]
    assert not exposed, f"listening beyond loopback: {exposed}"
