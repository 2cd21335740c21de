"""Prefect settings for referat: offline, a PREFECT_HOME of our own, no per-run heartbeat wait.

Call `configure()` before `prefect` is imported (the CLI, the tests and the benchmark do). Every
value is a default: an environment variable set by the user (for example PREFECT_API_URL pointing
at a team server) wins.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

OFFLINE_DEFAULTS = {
    # No telemetry, no calls home: these machines have no network beyond package registries.
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    # The first start of a temporary server migrates its database; give it time on slow disks.
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "60",
    # Per-task INFO lines flood both the terminal and the server's log table on 500-document runs.
    "PREFECT_LOGGING_LEVEL": "WARNING",
}


def configure(home: Path | str | None = None) -> None:
    """Set referat's Prefect defaults in the environment (before `import prefect`)."""
    os.environ.setdefault("PREFECT_HOME", str(Path(home) if home else Path.cwd() / ".prefect"))
    for key, value in OFFLINE_DEFAULTS.items():
        os.environ.setdefault(key, value)


@contextlib.contextmanager
def fast_flow_runs() -> Iterator[None]:
    """Run flows called inside this block without the flow-run heartbeat thread.

    A synchronous flow run joins its heartbeat thread on exit, which sleeps in 1 s steps: about
    one second per flow run, more than the work of a single document. `None` cannot be given
    through an environment variable, only in code. Deployed runs (`minutes serve`, workers) keep
    heartbeats, where crash detection matters more than a second per scheduled run.
    """
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        yield


@contextlib.contextmanager
def local_server(port: int = 4200, host: str = "127.0.0.1", timeout: float = 90.0) -> Iterator[str]:
    """Make sure a Prefect server with a scheduler answers: the one at PREFECT_API_URL if set,
    else `prefect server start` on host:port for the duration of the block. Yields the API URL.

    A temporary (ephemeral) server runs no scheduler, so a deployment on a cron schedule needs
    a real one.
    """
    import subprocess
    import sys
    import time
    import urllib.request

    from prefect.settings import PREFECT_API_URL

    if PREFECT_API_URL.value():
        yield PREFECT_API_URL.value()
        return
    api = f"http://{host}:{port}/api"
    cmd = [sys.executable, "-m", "prefect", "server", "start", "--host", host, "--port", str(port)]
    server = subprocess.Popen(cmd, env={**os.environ, "PREFECT_UI_ENABLED": os.environ.get("PREFECT_UI_ENABLED", "true")})
    try:
        deadline = time.monotonic() + timeout
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"prefect server exited with code {server.returncode}")
            try:
                with urllib.request.urlopen(f"{api}/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
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
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def share_api_url() -> str:
    """Make sure child processes reach the same Prefect server as this one; returns its API URL.

    With no PREFECT_API_URL, Prefect starts a temporary server inside the process that first
    needs one; Dask worker processes would each start their own (seconds each, and task runs
    recorded in the wrong place). Start it here instead and export its URL.
    """
    from prefect.settings import PREFECT_API_URL

    url = PREFECT_API_URL.value()
    if not url:
        from prefect.server.api.server import SubprocessASGIServer

        server = SubprocessASGIServer()  # the same instance Prefect's own client would start
        server.start()
        url = server.api_url
    os.environ["PREFECT_API_URL"] = url
    return url
