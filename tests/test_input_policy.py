"""The input policy (loaders.policy): every format is read under size, page, character, time and
memory limits, each with its own quarantine code, in a child process that is isolated from the
current directory and never outlives its parent; content decides the format; record ids fit any
file system."""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import pipeline.process as process_mod
from loaders import load
from loaders.errors import DocumentError
from pipeline.process import build_record
from pipeline.store import write_record_file
from tests import pdf_fixtures as fx
from tests.helpers import FIXTURES, SAMPLE

ROOT = Path(__file__).resolve().parents[1]
GREVE_JSON = FIXTURES / "greve" / "greve-byraadet-2022-10-27.json"


def _code(path: Path) -> str:
    with pytest.raises(DocumentError) as err:
        build_record(path)
    assert path.name in err.value.message
    return err.value.code


@pytest.fixture
def sample_copy(tmp_path) -> Path:
    path = tmp_path / "kkr-hovedstaden.txt"
    path.write_bytes(SAMPLE.read_bytes())
    return path


# --- limits, each its own code ---------------------------------------------------------------------


def test_text_over_the_character_limit_is_refused(tmp_path, monkeypatch):
    """16 MB of text once ran for minutes and took gigabytes: now refused by its length."""
    path = tmp_path / "long.txt"
    path.write_bytes(SAMPLE.read_bytes() * 4)  # ~290,000 characters
    monkeypatch.setenv("REFERAT_MAX_CHARS", "100000")
    assert _code(path) == "too_many_chars"
    monkeypatch.setenv("REFERAT_MAX_CHARS", "1000000")
    assert build_record(path).record_id == "kkr-hovedstaden-2026-06-16"


def test_far_too_many_bytes_of_text_are_refused_before_decoding(tmp_path, monkeypatch):
    path = tmp_path / "huge.txt"
    path.write_bytes(b"Referat\n" * 100_000)  # 800 kB; 200,000 bytes / 4 > 100,000 characters
    monkeypatch.setenv("REFERAT_MAX_CHARS", "100000")
    import loaders.text

    monkeypatch.setattr(loaders.text, "decode", lambda *a, **k: pytest.fail("decoded"))
    assert _code(path) == "too_many_chars"


def test_a_file_over_the_byte_limit_is_too_large_in_every_format(tmp_path, monkeypatch, sample_copy):
    monkeypatch.setenv("REFERAT_MAX_BYTES", "10000")
    pdf = tmp_path / "big.pdf"
    pdf.write_bytes(fx.many_pages_pdf(200))
    page = tmp_path / "page.json"
    page.write_bytes(GREVE_JSON.read_bytes())
    for path in (sample_copy, pdf, page):
        assert len(path.read_bytes()) > 10000
        assert _code(path) == "too_large", path


def test_a_pdf_over_the_page_limit_is_too_many_pages(tmp_path, monkeypatch):
    monkeypatch.setenv("REFERAT_MAX_PAGES", "20")
    path = tmp_path / "long.pdf"
    path.write_bytes(fx.many_pages_pdf(30))
    assert _code(path) == "too_many_pages"
    with pytest.raises(DocumentError) as err:  # the loader on its own, too
        load(path, path.read_bytes())
    assert err.value.code == "too_many_pages" and "30 pages" in err.value.message


def _sleep(*args, **kwargs):
    time.sleep(60)


def test_slow_extraction_of_a_text_is_stopped_by_the_time_limit(sample_copy, monkeypatch):
    """Text had no time limit: the extractors now run in the child the limit is held on."""
    monkeypatch.setenv("REFERAT_DOC_TIMEOUT", "2")
    monkeypatch.setattr(process_mod, "extract_record", _sleep)
    started = time.monotonic()
    assert _code(sample_copy) == "timeout"
    assert time.monotonic() - started < 30


def _hog(*args, **kwargs):
    hog = [bytearray(64 * 1024 * 1024) for _ in range(32)]  # 2 GiB
    return len(hog)


def test_an_extraction_that_takes_too_much_memory_is_out_of_memory(sample_copy, monkeypatch):
    monkeypatch.setenv("REFERAT_MAX_MEMORY_MB", "300")
    monkeypatch.setattr(process_mod, "extract_record", _hog)
    with pytest.raises(DocumentError) as err:
        build_record(sample_copy)
    assert err.value.code == "out_of_memory" and "300 MB" in err.value.message


def test_limits_hold_for_structured_formats_too(tmp_path, monkeypatch):
    page = tmp_path / "meeting.json"
    page.write_bytes(GREVE_JSON.read_bytes())
    monkeypatch.setenv("REFERAT_MAX_CHARS", "2000")
    assert _code(page) == "too_many_chars"


def test_a_read_error_in_the_child_stays_a_retryable_os_error(sample_copy, monkeypatch):
    def unreadable(path, policy):
        raise OSError(errno.EIO, "Input/output error", str(path))

    monkeypatch.setattr(process_mod, "read_limited", unreadable)
    with pytest.raises(OSError) as err:
        build_record(sample_copy)
    assert err.value.errno == errno.EIO and not isinstance(err.value, DocumentError)


def test_an_extractor_bug_in_the_child_keeps_its_name_and_message(sample_copy, monkeypatch):
    def buggy(*args, **kwargs):
        raise KeyError("no such part")

    monkeypatch.setattr(process_mod, "extract_record", buggy)
    with pytest.raises(Exception) as err:
        build_record(sample_copy)
    assert type(err.value).__name__ == "KeyError" and "no such part" in str(err.value)
    assert not isinstance(err.value, DocumentError)


def test_in_process_mode_gives_the_same_record(sample_copy, monkeypatch):
    isolated = build_record(sample_copy)
    monkeypatch.setenv("REFERAT_ISOLATION", "inprocess")
    assert build_record(sample_copy) == isolated
    monkeypatch.setenv("REFERAT_MAX_CHARS", "1000")  # the limits hold in-process too
    assert _code(sample_copy) == "too_many_chars"


# --- children: isolated from the current directory, never orphaned --------------------------------


def _minutes(*args: str, cwd: Path, env: dict | None = None, **kw) -> subprocess.Popen:
    return subprocess.Popen([str(ROOT / ".venv" / "bin" / "minutes"), *args], cwd=cwd,
                            env={**os.environ, **(env or {})}, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, **kw)


def test_children_do_not_import_modules_from_the_current_directory(tmp_path):
    marker = tmp_path / "imported"
    work = tmp_path / "cwd"
    work.mkdir()
    for module in ("json", "selectors", "socket", "pickle"):
        (work / f"{module}.py").write_text(f"open({str(marker)!r}, 'a').write('{module}\\n')\n")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "a.txt").write_bytes(SAMPLE.read_bytes())
    (inbox / "b.pdf").write_bytes(fx.small_pdf())
    proc = _minutes("process", str(inbox), "--out", str(tmp_path / "out"), cwd=work, env={"PREFECT_API_URL": ""})
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, out + err
    assert not marker.exists(), marker.read_text()
    assert (tmp_path / "out" / "records" / "kkr-hovedstaden-2026-06-16.json").exists()


def _gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/status").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return True
    return "\nState:\tZ" in state  # a zombie has ended; only its exit status waits to be read


def _run_with_sleeping_child(tmp_path: Path) -> tuple[subprocess.Popen, int]:
    """A parent processing the sample whose child sleeps in the extractor; returns (parent, child pid)."""
    pid_file = tmp_path / "child.pid"
    script = textwrap.dedent(f"""
        import os, sys, time
        from pathlib import Path
        import pipeline.process as process_mod
        def sleeping(*args, **kwargs):
            Path({str(pid_file)!r}).write_text(str(os.getpid()))
            time.sleep(120)
        process_mod.warm_up = lambda: None
        process_mod.extract_record = sleeping
        process_mod.build_record(Path({str(SAMPLE)!r}))
    """)
    parent = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, env={**os.environ, "REFERAT_DOC_TIMEOUT": "600"})
    deadline = time.monotonic() + 120
    while not pid_file.exists() or not pid_file.read_text():
        assert time.monotonic() < deadline and parent.poll() is None, "the child never started"
        time.sleep(0.05)
    return parent, int(pid_file.read_text())


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_the_child_dies_with_its_parent(tmp_path, sig):
    parent, child = _run_with_sleeping_child(tmp_path)
    assert not _gone(child)
    assert os.getpgid(child) == child  # a process group of its own: a terminal's Ctrl-C reaches the parent
    parent.send_signal(sig)
    parent.wait(30)
    deadline = time.monotonic() + 10
    while not _gone(child):
        assert time.monotonic() < deadline, f"child {child} outlived its parent"
        time.sleep(0.05)


def test_a_timed_out_child_is_killed(sample_copy, monkeypatch, tmp_path):
    pid_file = tmp_path / "pid"

    def sleeping(*args, **kwargs):
        pid_file.write_text(str(os.getpid()))
        time.sleep(60)

    monkeypatch.setenv("REFERAT_DOC_TIMEOUT", "3")
    monkeypatch.setattr(process_mod, "extract_record", sleeping)
    assert _code(sample_copy) == "timeout"
    assert _gone(int(pid_file.read_text()))


# --- content decides the format --------------------------------------------------------------------


def _warning_codes(record) -> list[str]:
    return [w.code for w in record.warnings]


def test_a_txt_that_starts_with_pdf_but_is_text_is_read_as_text(tmp_path):
    path = tmp_path / "notat.txt"
    path.write_bytes(b"%PDF-filer skal vedlaegges som bilag.\n" + SAMPLE.read_bytes())
    record = build_record(path)
    assert record.source.media_type == "text/plain"
    assert record.record_id == "kkr-hovedstaden-2026-06-16"
    assert "extension_mismatch" in _warning_codes(record)


def test_a_pdf_named_txt_is_read_as_a_pdf_with_a_warning(tmp_path):
    path = tmp_path / "referat.txt"
    path.write_bytes(fx.small_pdf())
    record = build_record(path)
    assert record.source.media_type == "application/pdf" and record.source.page_count == 1
    warning = next(w for w in record.warnings if w.code == "extension_mismatch")
    assert "is a PDF" in warning.message


def test_text_named_pdf_is_read_as_text_with_a_warning(tmp_path):
    path = tmp_path / "kkr-hovedstaden.pdf"
    path.write_bytes(SAMPLE.read_bytes())
    record = build_record(path)
    assert record.source.media_type == "text/plain"
    assert record.record_id == "kkr-hovedstaden-2026-06-16"
    assert "extension_mismatch" in _warning_codes(record)


def test_binary_junk_named_pdf_is_still_corrupt(tmp_path):
    path = tmp_path / "junk.pdf"
    path.write_bytes(bytes(range(256)) * 64)
    assert _code(path) == "corrupt"


def test_utf16_json_is_sniffed_as_json(tmp_path):
    path = tmp_path / "meeting.json"
    path.write_bytes(GREVE_JSON.read_text(encoding="utf-8").encode("utf-16"))
    record = build_record(path)
    assert record.source.system == "firstagenda"


# --- record ids ---------------------------------------------------------------------------------


def _long_body_json(tmp_path: Path, name: str, body: str) -> Path:
    data = json.loads(GREVE_JSON.read_text(encoding="utf-8"))
    data["Udvalg"]["Navn"] = body
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_a_very_long_body_name_gives_a_bounded_unique_record_id_that_can_be_stored(tmp_path):
    common = "Udvalget for " + " og ".join(["Klima, Miljø, Natur, Teknik, Plan, Byudvikling, Erhverv"] * 4)
    assert len(common) > 240
    a = build_record(_long_body_json(tmp_path, "a.json", common + " (A)"))
    b = build_record(_long_body_json(tmp_path, "b.json", common + " (B)"))
    assert a.meeting.body.endswith("(A)")  # the body itself is kept whole
    for record in (a, b):
        assert len(record.record_id) <= 120
        assert record.record_id.endswith("-2022-10-27")
        assert record.record_id.startswith("greve-udvalget-for-klima-miljoe")
    assert a.record_id != b.record_id
    out = tmp_path / "store"
    (out / "records").mkdir(parents=True)
    write_record_file(out, a)  # OSError "File name too long" before
    assert (out / "records" / f"{a.record_id}.json").exists()


def test_a_very_long_file_name_gives_a_bounded_record_id(tmp_path):
    path = tmp_path / (("nyhedsbrev-" * 22) + ".txt")
    path.write_text("Nyt fra kommunen: vejarbejde på Hovedgaden i uge 12.\n", encoding="utf-8")
    record = build_record(path)
    assert record.document_type == "not_minutes"
    assert len(record.record_id) <= 120
    assert record.record_id.endswith("-" + record.source.sha256[:8])


def test_a_web_page_saved_as_pdf_is_read_as_html_with_a_warning(tmp_path):
    """It was `corrupt` before; the content decides: an HTML page, here not minutes."""
    path = tmp_path / "webpage.pdf"
    path.write_bytes(b"<!DOCTYPE html>\n<html><body><p>Vejarbejde i uge 12.</p></body></html>\n")
    record = build_record(path)
    assert record.source.media_type == "text/html" and record.document_type == "not_minutes"
    assert "extension_mismatch" in _warning_codes(record)
