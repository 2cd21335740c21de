"""Shared test setup. Prefect: a throw-away PREFECT_HOME per test run, offline, set before anything
imports prefect; `prefect_api` starts one temporary Prefect server for the whole session."""

from __future__ import annotations

import os
import tempfile

import pytest

os.environ["PREFECT_HOME"] = tempfile.mkdtemp(prefix="referat-test-prefect-")
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ["DO_NOT_TRACK"] = "1"
os.environ["PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"] = "60"
os.environ.pop("PREFECT_API_URL", None)  # never a real server from the developer's shell


@pytest.fixture(scope="session")
def prefect_api() -> str:
    """URL of a temporary Prefect server (prefect_test_harness) for the whole test session."""
    from prefect.settings import PREFECT_API_URL
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=60):
        yield PREFECT_API_URL.value()
