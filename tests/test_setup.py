"""The set-up says what it installs: scripts/system-packages.sh, which `make run` and `make test`
call, installs the missing system packages with apt-get where it can and otherwise stops with the
command to run. Run here against stand-in commands (a Tesseract without Danish, apt-get, id, sudo)
placed first on PATH, so that nothing is installed for real."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "system-packages.sh"


def _bin(tmp_path: Path, *, uid: int, sudo_ok: bool, apt: bool = True) -> Path:
    fake = tmp_path / "bin"
    fake.mkdir()
    tools = {
        "tesseract": 'if [ "$1" = --list-langs ]; then echo "List of available languages (1):"; echo eng; fi',
        "id": f"echo {uid}",
        "sudo": ('[ "$1" = -n ] && shift; exec "$@"' if sudo_ok else "exit 1"),
    }
    if apt:
        tools["apt-get"] = f'echo "$@" >> {tmp_path / "apt.log"}'
    for name, body in tools.items():
        path = fake / name
        path.write_text(f"#!/bin/sh\n{body}\n")
        path.chmod(0o755)
    return fake


def _run(tmp_path: Path, fake: Path, purpose: str = "run", *, only: bool = False, **env: str):
    """The script with the stand-ins first on PATH (`only`: nothing else on it but grep)."""
    if only:
        (fake / "grep").symlink_to(shutil.which("grep"))
    environ = {k: v for k, v in os.environ.items() if k != "REFERAT_NO_SYSTEM"}
    environ.update(PATH=str(fake) if only else f"{fake}:/usr/bin:/bin", **env)
    return subprocess.run([shutil.which("bash"), str(SCRIPT), purpose], env=environ, capture_output=True,
                          text=True, timeout=30)


def test_without_rights_it_stops_with_the_command_to_run(tmp_path):
    done = _run(tmp_path, _bin(tmp_path, uid=1000, sudo_ok=False))
    assert done.returncode == 1
    assert "missing system packages: tesseract-ocr tesseract-ocr-dan" in done.stderr
    assert "sudo apt-get update && sudo apt-get install -y --no-install-recommends tesseract-ocr tesseract-ocr-dan" \
        in done.stderr
    assert "REFERAT_NO_SYSTEM=1 make run" in done.stderr
    assert not (tmp_path / "apt.log").exists()


def test_as_root_or_with_sudo_it_installs_what_is_missing(tmp_path):
    root = tmp_path / "root"
    root.mkdir()
    done = _run(root, _bin(root, uid=0, sudo_ok=False))
    assert done.returncode == 0, done.stderr
    assert (root / "apt.log").read_text().splitlines() == [
        "update -q", "install -y -q --no-install-recommends tesseract-ocr tesseract-ocr-dan"]
    user = tmp_path / "user"
    user.mkdir()
    done = _run(user, _bin(user, uid=1000, sudo_ok=True))
    assert done.returncode == 0, done.stderr
    assert "installing them with apt-get" in done.stderr
    assert (user / "apt.log").read_text().splitlines()[-1].endswith("tesseract-ocr tesseract-ocr-dan")


def test_without_apt_get_it_names_what_to_install_and_can_go_on_without(tmp_path):
    fake = _bin(tmp_path, uid=1000, sudo_ok=False, apt=False)
    done = _run(tmp_path, fake, "test", only=True)
    assert done.returncode == 1
    assert "missing system packages: tesseract-ocr tesseract-ocr-dan" in done.stderr
    assert "no apt-get here: install Tesseract with Danish language data" in done.stderr
    assert "REFERAT_NO_SYSTEM=1 make test" in done.stderr
    going_on = _run(tmp_path, fake, REFERAT_NO_SYSTEM="1")
    assert going_on.returncode == 0
    assert "going on without tesseract-ocr tesseract-ocr-dan" in going_on.stderr
