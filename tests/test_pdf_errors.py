"""Bad and odd PDFs: each gets a record or a specific error, never a traceback, never a hang."""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from loaders import pdf as pdf_module
from pipeline.cli import app
from loaders.errors import DocumentError
from loaders import load
from tests import pdf_fixtures as fx
from tests.helpers import SAMPLE


@pytest.fixture(scope="module")
def sample_pdf_bytes(tmp_path_factory) -> bytes:
    path = tmp_path_factory.mktemp("pdf") / "sample.pdf"
    fx.render_sample(path)
    return path.read_bytes()


def bad_pdfs(sample: bytes) -> dict[str, tuple[bytes, str]]:
    """file name -> (bytes, expected error code)"""
    return {
        "zero.pdf": (b"", "empty"),
        "truncated.pdf": (sample[: len(sample) // 2], "corrupt"),
        "truncated-with-eof.pdf": (sample[: len(sample) // 2] + b"\n%%EOF\n", "corrupt"),
        "locked.pdf": (fx.encrypted_pdf("hemmelig"), "encrypted"),
        "no-copy.pdf": (fx.encrypted_pdf("", allow_extraction=False), "encrypted"),
        "scan.pdf": (fx.image_only_pdf(), "no_text_layer"),
        "blank.pdf": (fx.garbage_stream_pdf(), "empty"),
    }


@pytest.mark.parametrize(
    "name",
    ["zero.pdf", "truncated.pdf", "truncated-with-eof.pdf", "locked.pdf", "no-copy.pdf",
     "scan.pdf", "blank.pdf"],
)
def test_bad_pdf_gets_its_specific_error(name, sample_pdf_bytes):
    data, code = bad_pdfs(sample_pdf_bytes)[name]
    with pytest.raises(DocumentError) as err:
        load(Path(name), data)
    assert err.value.code == code, err.value.message
    assert name in err.value.message or not data


def test_scan_is_reported_as_needing_ocr():
    with pytest.raises(DocumentError) as err:
        load(Path("scan.pdf"), fx.image_only_pdf(pages=3))
    assert err.value.code == "no_text_layer" and "OCR" in err.value.message


def test_thousands_of_pages_are_too_large(monkeypatch):
    monkeypatch.setenv("REFERAT_MAX_PAGES", "1000")
    with pytest.raises(DocumentError) as err:
        load(Path("huge.pdf"), fx.many_pages_pdf(3000))
    assert err.value.code == "too_many_pages" and "3000" in err.value.message


def test_owner_password_only_pdf_that_permits_extraction_is_read():
    loaded = load(Path("owner-only.pdf"), fx.encrypted_pdf("", allow_extraction=True))
    assert "Referat af mødet i KKR Hovedstaden" in loaded.text


@pytest.mark.parametrize(
    "make",
    [fx.broken_xref_pdf, fx.rotated_pdf, lambda: fx.rotated_pdf(rotation=270), fx.duplicate_chars_pdf,
     fx.annotated_pdf],
    ids=["broken-xref", "rotated-90", "rotated-270", "duplicate-chars", "annotations"],
)
def test_odd_but_readable_pdfs_give_their_text(make):
    loaded = load(Path("odd.pdf"), make())
    assert loaded.page_count == 1
    assert len(loaded.line_pages) == len(loaded.text.split("\n"))
    assert "Beslutning" in loaded.text or "Referat" in loaded.text
    assert "BBeess" not in loaded.text  # duplicate glyphs of fake bold are not doubled


def _hang(*args, **kwargs):
    time.sleep(600)


def _crash(*args, **kwargs):
    os._exit(139)


def test_a_hanging_parse_is_stopped_by_the_time_limit(monkeypatch):
    monkeypatch.setenv("REFERAT_DOC_TIMEOUT", "1")
    monkeypatch.setattr(pdf_module, "parse_pdf", _hang)
    started = time.monotonic()
    with pytest.raises(DocumentError) as err:
        load(Path("slow.pdf"), fx.small_pdf())
    assert err.value.code == "timeout"
    assert time.monotonic() - started < 30


def test_a_crashing_parser_is_a_corrupt_document(monkeypatch):
    monkeypatch.setattr(pdf_module, "parse_pdf", _crash)
    with pytest.raises(DocumentError) as err:
        load(Path("crash.pdf"), fx.small_pdf())
    assert err.value.code == "corrupt" and "crashed" in err.value.message


def test_minutes_process_quarantines_bad_pdfs_and_touches_no_other_record(tmp_path, sample_pdf_bytes, monkeypatch):
    monkeypatch.setenv("REFERAT_MAX_PAGES", "1000")
    out = tmp_path / "out"
    runner = CliRunner()
    first = runner.invoke(app, ["process", str(SAMPLE), "--out", str(out)])
    assert first.exit_code == 0, first.output
    existing = out / "records" / "kkr-hovedstaden-2026-06-16.json"
    before = existing.read_bytes(), existing.stat().st_mtime_ns

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    cases = bad_pdfs(sample_pdf_bytes)
    cases["huge.pdf"] = (fx.many_pages_pdf(3000), "too_many_pages")
    for name, (data, _) in cases.items():
        (inbox / name).write_bytes(data)
    result = runner.invoke(app, ["process", str(inbox), "--out", str(out)])
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    for name, (_, code) in cases.items():
        assert f"FAILED {name}: {code}:" in result.output, result.output
    reasons = {}
    for path in (out / "quarantine").glob("*.error.json"):
        reason = json.loads(path.read_text(encoding="utf-8"))
        reasons[path.name] = reason
    codes = sorted(json.dumps(r, ensure_ascii=False) for r in reasons.values())
    for name, (_, code) in cases.items():
        assert any(name in r and f'"{code}"' in r for r in codes), (name, code)
    assert (existing.read_bytes(), existing.stat().st_mtime_ns) == before
    assert sorted(p.name for p in (out / "records").glob("*.json")) == ["kkr-hovedstaden-2026-06-16.json"]


def test_justified_text_is_one_paragraph_without_false_columns():
    """Stretched word spaces and lines ending in numbers are not column gaps (no tabs)."""
    loaded = load(Path("justified.pdf"), fx.justified_pdf())
    assert "\t" not in loaded.text
    assert loaded.text == " ".join(fx.JUSTIFIED_TEXT.split())


def test_two_text_columns_are_read_left_then_right():
    loaded = load(Path("columns.pdf"), fx.two_column_pdf())
    text = " ".join(loaded.text.split())
    assert "\t" not in loaded.text
    assert text.startswith("Referat fra kommunalbestyrelsens møde")
    left, right = " ".join(fx.TWO_COLUMN_LEFT.split()), " ".join(fx.TWO_COLUMN_RIGHT.split())
    assert left in text and right in text and text.index(left) < text.index(right)


def test_time_limit_holds_on_the_default_path(monkeypatch):
    monkeypatch.setenv("REFERAT_DOC_TIMEOUT", "0.0001")
    with pytest.raises(DocumentError) as err:
        load(Path("sample.pdf"), fx.small_pdf())
    assert err.value.code == "timeout"


def test_a_decompression_bomb_hits_the_memory_cap_not_the_machine(monkeypatch):
    monkeypatch.setenv("REFERAT_MAX_MEMORY_MB", "160")  # over what the parser starts with
    with pytest.raises(DocumentError) as err:
        load(Path("bomb.pdf"), fx.bomb_pdf(100))
    assert err.value.code == "out_of_memory"
    assert "memory" in err.value.message


def _abort(*args, **kwargs):
    os.abort()  # what pdfium does when an allocation fails (FX_OutOfMemoryTerminate)


def _fill_then_fail(*args, **kwargs):
    """Take the address space up to the cap (mapped, never touched), then fail as a parser does
    when a swallowed MemoryError resurfaces as something else."""
    import mmap

    maps = []
    try:
        while True:
            maps.append(mmap.mmap(-1, 4 << 20))
    except (OSError, MemoryError):
        pass
    for m in maps:
        m.close()
    raise NameError("name 'regex' is not defined")


def test_a_parser_that_aborts_under_the_memory_cap_is_out_of_memory(monkeypatch):
    """However little it had touched: the cap counts address space, the failed block never was."""
    monkeypatch.setattr(pdf_module, "parse_pdf", _abort)
    with pytest.raises(DocumentError) as err:
        load(Path("abort.pdf"), fx.small_pdf())
    assert err.value.code == "out_of_memory" and "memory" in err.value.message


def test_a_parser_that_fails_otherwise_near_the_memory_cap_is_out_of_memory(monkeypatch):
    monkeypatch.setenv("REFERAT_MAX_MEMORY_MB", "160")
    monkeypatch.setattr(pdf_module, "_parse", _fill_then_fail)
    with pytest.raises(DocumentError) as err:
        load(Path("full.pdf"), fx.small_pdf())
    assert err.value.code == "out_of_memory" and "memory" in err.value.message


def test_a_parser_failure_far_from_the_memory_cap_stays_corrupt(monkeypatch):
    monkeypatch.setattr(pdf_module, "_parse", _fail)
    with pytest.raises(DocumentError) as err:
        load(Path("bug.pdf"), fx.small_pdf())
    assert err.value.code == "corrupt" and "NameError" in err.value.message


def _fail(*args, **kwargs):
    raise NameError("name 'regex' is not defined")


def _mutations(data: bytes, n: int, seed: int = 20260616):
    """Damaged copies of a PDF: bytes overwritten here and there, chunks cut out."""
    import random

    rng = random.Random(seed)
    for k in range(n):
        buf = bytearray(data)
        if k % 2:
            for _ in range(rng.randint(1, 40)):
                buf[rng.randrange(len(buf))] = rng.randrange(256)
        else:
            start = rng.randrange(len(buf) // 2)
            del buf[start : start + rng.randint(10, 4000)]
        yield bytes(buf)


def test_damaged_pdfs_give_a_record_text_or_a_specific_error(sample_pdf_bytes):
    """Whatever the damage: text with a consistent page map, or a DocumentError; nothing else. A
    damaged page or stray control characters cost their own text, not the whole document."""
    readable = 0
    for k, data in enumerate(_mutations(sample_pdf_bytes, 16)):
        try:
            loaded = load(Path(f"damaged-{k}.pdf"), data)
        except DocumentError as err:
            assert "internal error" not in err.message
            continue
        readable += 1
        assert len(loaded.line_pages) == len(loaded.text.split("\n"))
        assert not re.search("[\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]", loaded.text)  # no other line breaks
        assert all(1 <= p <= loaded.page_count for p in loaded.line_pages)
    assert readable >= 8


def test_a_scanned_page_inside_a_text_pdf_is_a_warning_on_the_record(tmp_path):
    """The text pages give the record; the picture page is named in a warning, not lost silently."""
    from PIL import Image

    from fpdf import FPDF

    from pipeline.process import build_record

    pdf = FPDF(unit="pt", format="A4")
    pdf.set_font("Helvetica", "", 11)
    text = SAMPLE.read_text(encoding="utf-8").split("\n")[:120]
    pdf.add_page()
    for k, line in enumerate(t for t in text if t.strip() and len(t) < 90):
        if k and k % 45 == 0:
            pdf.add_page()
        pdf.set_xy(56, 60 + 15 * (k % 45))
        pdf.cell(0, 11, line.encode("cp1252", "replace").decode("cp1252"))
    pdf.add_page()
    pdf.image(Image.new("L", (300, 400), 128), x=40, y=40, w=500)
    path = tmp_path / "with-scan.pdf"
    path.write_bytes(bytes(pdf.output()))
    record = build_record(path)
    scan_page = record.source.page_count
    warning = next(w for w in record.warnings if w.code == "image_only_pages")
    assert f"page(s) {scan_page} " in warning.message and "OCR" in warning.message
    assert len([p for p in record.participants if p.status == "present"]) > 20
