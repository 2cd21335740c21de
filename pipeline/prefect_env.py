"""Prefect settings for referat: offline, a PREFECT_HOME of our own, no per-run heartbeat wait,
and the temporary Prefect server as a child that never outlives the run.

Call `configure()` before `prefect` is imported (the CLI, the tests and the benchmark do). Every
value is a default: an environment variable set by the user (for example PREFECT_API_URL pointing
at a team server) wins.

With no PREFECT_API_URL, Prefect 3 starts a temporary API server (`SubprocessASGIServer`: uvicorn
in a child process) the first time a client needs one. That child shares the caller's process
group and stdout/stderr, runs with the caller's current directory first on `sys.path`, and outlives
a `kill -9` or SIGTERM of the run. referat starts the temporary server itself instead
(`temporary_server`, `spawn_child`): in a session of its own, killed by the kernel when the run
dies (PR_SET_PDEATHSIG, and a watchdog thread for where that is not available), its output in
`PREFECT_HOME/temporary-server.log`, started with `python -P` in PREFECT_HOME, listening on
127.0.0.1 only. Prefect 3.8 has no in-process server any more (its synchronous client needs a real
HTTP server), so a child it is; `prestart_server()` starts it while the run is still importing,
which hides most of its several seconds of start-up behind the run's own.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

OFFLINE_DEFAULTS = {
    # No telemetry, no calls home: these machines have no network beyond package registries.
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    # The first start of a temporary server migrates its database; give it time on slow disks and
    # on a busy shared machine (seen: 35 s at a load of 10 on 2 cores).
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
    # Per-task INFO lines flood both the terminal and the server's log table on 500-document runs.
    "PREFECT_LOGGING_LEVEL": "WARNING",
}


def configure(home: Path | str | None = None) -> None:
    """Set referat's Prefect defaults in the environment (before `import prefect`)."""
    os.environ.setdefault("PREFECT_HOME", str(Path(home).resolve() if home else Path.cwd().resolve() / ".prefect"))
    for key, value in OFFLINE_DEFAULTS.items():
        os.environ.setdefault(key, value)


PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _parent_death_hook(sig: int = signal.SIGKILL):
    """A `preexec_fn` that makes the kernel send `sig` to the child when this process dies (Linux
    PR_SET_PDEATHSIG), and ends the child at once if this process already died before that. Runs
    between fork and exec: only the prctl call and getppid, nothing that allocates or locks."""
    import threading

    parent = os.getpid()
    prctl = None
    # The kernel sends the signal when the *thread* that started the child ends: only the main
    # thread lives as long as the process. From another thread, the watchdog (_WATCHDOG) alone.
    if sys.platform.startswith("linux") and threading.current_thread() is threading.main_thread():
        try:
            import ctypes

            prctl = ctypes.CDLL(None, use_errno=True).prctl
        except (OSError, AttributeError):
            prctl = None

    def hook() -> None:
        if prctl is not None:
            prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0)
        if os.getppid() != parent:
            os._exit(1)

    return hook


# Run as `python -P -c _WATCHDOG PARENT_PID MODULE ARGS...`: the module as `python -m MODULE` would,
# with a thread that ends the process when its parent is gone (orphans are re-parented), for
# systems without PR_SET_PDEATHSIG and for a parent whose starting thread ended.
_WATCHDOG = """\\
import os, runpy, sys, threading, time
parent = int(sys.argv.pop(1))
def _watch():
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)
threading.Thread(target=_watch, name="referat-parent-watchdog", daemon=True).start()
sys.argv.pop(0)
runpy.run_module(sys.argv[0], run_name="__main__", alter_sys=True)
"""


def python_module_command(module: str, *args: str) -> list[str]:
    """The command line that runs `python -m module args` isolated from the current directory
    (`-P`: no script or current directory on sys.path) under the parent watchdog."""
    return [sys.executable, "-P", "-c", _WATCHDOG, str(os.getpid()), module, *args]


def spawn_child(
    cmd: list[str],
    *,
    env: dict[str, str] | None = None,
    cwd: str | Path | None = None,
    log: str | Path | None = None,
) -> subprocess.Popen:
    """Start a helper process that cannot outlive this one nor hold the caller's streams.

    - its own session and process group: a terminal's Ctrl-C or a scheduler's signal to our group
      does not reach it half-way; we stop it ourselves;
    - PR_SET_PDEATHSIG (SIGKILL): the kernel kills it when this process dies, `kill -9` included;
    - stdin from /dev/null, stdout and stderr to `log` (appended) or /dev/null, never inherited:
      a scheduler that waits for our stdout to close is not kept waiting by it;
    - no other file descriptors inherited; PYTHONSAFEPATH=1 for any Python in it.
    """
    out = subprocess.DEVNULL
    handle = None
    if log is not None:
        try:
            Path(log).parent.mkdir(parents=True, exist_ok=True)
            handle = open(log, "ab")  # noqa: SIM115 - the child keeps its own copy of the descriptor
            out = handle
        except OSError:
            out = subprocess.DEVNULL
    try:
        return subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT if handle is not None else subprocess.DEVNULL,
            env={**(os.environ if env is None else env), "PYTHONSAFEPATH": "1"},
            cwd=str(cwd) if cwd is not None else None,
            close_fds=True,
            start_new_session=True,
            preexec_fn=_parent_death_hook(),
        )
    finally:
        if handle is not None:
            handle.close()


def stop_child(process: subprocess.Popen | None, timeout: float = 5.0) -> None:
    """SIGTERM the child's process group, then SIGKILL it after `timeout` seconds; reap it."""
    if process is None or process.poll() is not None:
        return
    for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, None)):
        try:
            os.killpg(process.pid, sig)  # its own group (start_new_session): whatever it started too
        except (ProcessLookupError, PermissionError):
            pass
        try:
            process.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def _free_port(host: str = "127.0.0.1") -> int:
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def _healthy(api: str, timeout: float = 2.0) -> bool:
    import urllib.request

    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # a local server: no proxy
    try:
        with opener.open(f"{api}/health", timeout=timeout) as response:
            return response.status == 200
    except OSError:
        return False


def _api_url_set() -> str | None:
    """PREFECT_API_URL from the environment or, if prefect is already imported, its settings."""
    if os.environ.get("PREFECT_API_URL"):
        return os.environ["PREFECT_API_URL"]
    if "prefect.settings" in sys.modules:
        from prefect.settings import PREFECT_API_URL

        return PREFECT_API_URL.value() or None
    return None


class TemporaryServer:
    """Prefect's temporary API server (what `SubprocessASGIServer` runs: uvicorn serving
    `prefect.server.api.server:create_app` with the ephemeral-mode services), started as a
    protected child (`spawn_child`) on 127.0.0.1 and a free port."""

    def __init__(self, host: str = "127.0.0.1", port: int | None = None) -> None:
        self.host = host
        self.port = port
        self.process: subprocess.Popen | None = None
        self.started_at = 0.0

    @property
    def api_url(self) -> str:
        return f"http://{self.host}:{self.port}/api"

    def start(self) -> "TemporaryServer":
        """Start the process and return at once (`wait` blocks until it answers)."""
        if self.process is not None and self.process.poll() is None:
            return self
        self.port = self.port or _free_port(self.host)
        home = Path(os.environ.get("PREFECT_HOME") or Path.cwd() / ".prefect").resolve()
        home.mkdir(parents=True, exist_ok=True)
        env = {
            **os.environ,
            "PREFECT_UI_ENABLED": "0",
            "PREFECT__SERVER_EPHEMERAL": "1",
            "PREFECT__SERVER_FINAL": "1",
            "PREFECT_HOME": str(home),
        }
        env.pop("PREFECT_API_URL", None)  # the server is the API; it needs none
        cmd = python_module_command(
            "uvicorn", "--factory", "prefect.server.api.server:create_app", "--host", self.host,
            "--port", str(self.port), "--log-level", "error", "--lifespan", "on",
        )
        self.process = spawn_child(cmd, env=env, cwd=home, log=home / "temporary-server.log")
        self.started_at = time.monotonic()
        atexit.register(self.stop)
        return self

    def wait(self, timeout: float | None = None) -> str:
        """Block until the server answers; returns its API URL. Restarts once on another port if
        the first one was taken in the meantime."""
        if timeout is None:
            timeout = float(os.environ.get("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "60"))
        if self.process is None:
            self.start()
        deadline = time.monotonic() + timeout
        restarts = 1
        while True:
            assert self.process is not None
            if self.process.poll() is not None:
                if restarts:
                    restarts -= 1
                    self.port = None
                    self.process = None
                    self.start()
                    continue
                raise RuntimeError(
                    f"the temporary Prefect server exited with code {self.process.returncode}; "
                    f"see {Path(os.environ.get('PREFECT_HOME', '.prefect')) / 'temporary-server.log'}"
                )
            if _healthy(self.api_url):
                return self.api_url
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the temporary Prefect server did not answer on {self.api_url} within {timeout:.0f} s")
            time.sleep(0.05)

    def stop(self) -> None:
        stop_child(self.process)
        self.process = None


_prestarted: TemporaryServer | None = None


def prestart_server() -> TemporaryServer | None:
    """Start the temporary server now, without waiting for it, when the run will need one (no
    PREFECT_API_URL): it then starts while the run imports Prefect and the extractors. The next
    `temporary_server()` (or `fast_flow_runs()`, `share_api_url()`) waits for it and uses it."""
    global _prestarted
    if _api_url_set() or os.environ.get("REFERAT_PRESTART_SERVER", "1") == "0":
        return None  # REFERAT_PRESTART_SERVER=0: start it only when the first flow needs it
    if _prestarted is None:
        _prestarted = TemporaryServer().start()
    return _prestarted


def _take_server() -> TemporaryServer:
    global _prestarted
    server, _prestarted = (_prestarted or TemporaryServer().start()), None
    return server


@contextlib.contextmanager
def temporary_server() -> Iterator[str]:
    """The API URL for flow runs in this block: PREFECT_API_URL if set, else a protected temporary
    server (the prestarted one, if any) for the duration of the block, exported to child processes
    through PREFECT_API_URL and stopped afterwards."""
    url = _api_url_set()
    if url:
        yield url
        return
    server = _take_server()
    try:
        url = server.wait()
        from prefect.settings import PREFECT_API_URL, temporary_settings

        os.environ["PREFECT_API_URL"] = url
        try:
            with temporary_settings(updates={PREFECT_API_URL: url}):
                yield url
        finally:
            if os.environ.get("PREFECT_API_URL") == url:
                os.environ.pop("PREFECT_API_URL", None)
    finally:
        server.stop()


@contextlib.contextmanager
def fast_flow_runs() -> Iterator[None]:
    """Run flows called inside this block without the flow-run heartbeat thread, against
    PREFECT_API_URL or a protected temporary server (`temporary_server`), never one that Prefect
    would start on its own.

    A synchronous flow run joins its heartbeat thread on exit, which sleeps in 1 s steps: about
    one second per flow run, more than the work of a single document. `None` cannot be given
    through an environment variable, only in code. Deployed runs (`minutes serve`, workers) keep
    heartbeats, where crash detection matters more than a second per scheduled run.
    """
    with temporary_server():
        from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

        with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
            yield


@contextlib.contextmanager
def local_server(port: int = 4200, host: str = "127.0.0.1", timeout: float = 90.0) -> Iterator[str]:
    """Make sure a Prefect server with a scheduler answers: the one at PREFECT_API_URL if set,
    else `prefect server start` on host:port for the duration of the block (a protected child:
    `spawn_child`). Yields the API URL.

    A temporary (ephemeral) server runs no scheduler, so a deployment on a cron schedule needs
    a real one.
    """
    from prefect.settings import PREFECT_API_URL

    if PREFECT_API_URL.value():
        yield PREFECT_API_URL.value()
        return
    api = f"http://{host}:{port}/api"
    home = Path(os.environ.get("PREFECT_HOME") or Path.cwd() / ".prefect").resolve()
    home.mkdir(parents=True, exist_ok=True)
    cmd = python_module_command("prefect", "server", "start", "--host", host, "--port", str(port))
    env = {**os.environ, "PREFECT_UI_ENABLED": os.environ.get("PREFECT_UI_ENABLED", "true")}
    server = spawn_child(cmd, env=env, cwd=home, log=home / "server.log")
    try:
        deadline = time.monotonic() + timeout
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"prefect server exited with code {server.returncode}; see {home / 'server.log'}")
            if _healthy(api):
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"prefect server did not answer on {api} within {timeout:.0f} s")
            time.sleep(0.3)
        from prefect.settings import temporary_settings

        os.environ["PREFECT_API_URL"] = api  # for the subprocesses that run the flows
        try:
            with temporary_settings(updates={PREFECT_API_URL: api}):
                yield api
        finally:
            os.environ.pop("PREFECT_API_URL", None)
    finally:
        stop_child(server, timeout=15)


def share_api_url() -> str:
    """Make sure child processes reach the same Prefect server as this one; returns its API URL.

    With no PREFECT_API_URL, Prefect would start a temporary server inside the process that first
    needs one; Dask worker processes would each start their own (seconds each, and task runs
    recorded in the wrong place). Start one protected temporary server here instead (the
    prestarted one, if any; stopped at exit, and by the kernel if this process is killed) and
    export its URL.
    """
    url = _api_url_set()
    if not url:
        url = _take_server().wait()
        if "prefect.settings" in sys.modules:  # prefect read its settings at import: update them too
            from prefect.settings import PREFECT_API_URL, temporary_settings

            context = temporary_settings(updates={PREFECT_API_URL: url})
            context.__enter__()  # for the rest of the run
            _exported.append(context)
    os.environ["PREFECT_API_URL"] = url
    return url


_exported: list = []
