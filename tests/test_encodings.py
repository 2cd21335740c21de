"""Text decoding (loaders.text): byte order marks, UTF-8, UTF-16/32 with and without BOM, the
single-byte code pages with the detector, the encoding in the record, mojibake repaired, and no
control character in any text of any record, whatever the format."""

from __future__ import annotations

import codecs
import json
import re
from pathlib import Path

import pytest

from loaders.errors import DocumentError
from pipeline.process import build_record
from tests.helpers import FIXTURES, SAMPLE

GREVE_JSON = FIXTURES / "greve" / "greve-byraadet-2022-10-27.json"
# what must never be in a record: C0 controls but tab, LF, CR and FF; DEL; C1
CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")


def strings(value, path="$"):
    """Every string in a JSON-like value, with where it is."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from strings(key, f"{path}.<key>")
            yield from strings(item, f"{path}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from strings(item, f"{path}[{i}]")


def assert_no_controls(record) -> None:
    bad = [(where, text[:60]) for where, text in strings(record.model_dump(mode="json")) if CONTROL.search(text)]
    assert not bad, bad[:5]


@pytest.fixture(scope="module")
def reference():
    return build_record(SAMPLE)


def _view(record):
    return (record.record_id, record.document_type, record.meeting.model_dump(),
            [(i.number, i.title, i.decision.outcome if i.decision else None) for i in record.items],
            [p.name for p in record.participants])


SAMPLE_TEXT = SAMPLE.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (codecs.BOM_UTF16_LE + SAMPLE_TEXT.encode("utf-16-le"), "utf-16-le"),
        (SAMPLE_TEXT.encode("utf-16-le"), "utf-16-le"),  # as Windows tools write it, no BOM
        (codecs.BOM_UTF16_BE + SAMPLE_TEXT.encode("utf-16-be"), "utf-16-be"),
        (SAMPLE_TEXT.encode("utf-16-be"), "utf-16-be"),
        (codecs.BOM_UTF32_LE + SAMPLE_TEXT.encode("utf-32-le"), "utf-32-le"),
        (SAMPLE_TEXT.encode("utf-32-be"), "utf-32-be"),
        (codecs.BOM_UTF8 + SAMPLE_TEXT.encode("utf-8"), "utf-8"),
        (SAMPLE_TEXT.replace("\n", "\r\n").encode("utf-16"), "utf-16-le"),  # Notepad: BOM and CRLF
    ],
    ids=["utf16le-bom", "utf16le", "utf16be-bom", "utf16be", "utf32le-bom", "utf32be", "utf8-bom", "notepad"],
)
def test_unicode_text_in_any_form_gives_the_same_record(tmp_path, reference, data, encoding):
    path = tmp_path / "kkr-hovedstaden.txt"
    path.write_bytes(data)
    record = build_record(path)
    assert record.source.encoding == encoding
    assert _view(record) == _view(reference)
    assert_no_controls(record)


@pytest.mark.parametrize("codec", ["cp1252", "latin-1"])
def test_single_byte_danish_text_is_detected(tmp_path, reference, codec):
    path = tmp_path / "kkr-hovedstaden.txt"
    path.write_bytes(SAMPLE_TEXT.encode(codec, errors="replace"))
    record = build_record(path)
    assert record.source.encoding in ("cp1252", "latin-1", "iso8859-15", "iso8859-1")
    assert _view(record) == _view(reference)
    assert "ø" in " ".join(p.name for p in record.participants) + record.meeting.place


def test_utf8_is_recorded_as_utf8(reference):
    assert reference.source.encoding == "utf-8"


def test_control_characters_anywhere_never_reach_the_record(tmp_path, reference):
    """NUL bytes after the first 4 KiB used to pass into record texts."""
    lines = SAMPLE_TEXT.split("\n")
    for k in range(5, len(lines), 7):
        lines[k] = lines[k][:3] + "\x00\x01\x1b\x7f" + lines[k][3:] + "\x08"
    path = tmp_path / "kkr-hovedstaden.txt"
    path.write_text("\n".join(lines), encoding="utf-8")
    assert b"\x00" in path.read_bytes()[8192:]
    record = build_record(path)
    assert_no_controls(record)
    assert record.record_id == reference.record_id
    assert len(record.items) == len(reference.items)
    assert "control_characters" in [w.code for w in record.warnings]


def test_control_characters_in_a_structured_export_never_reach_the_record(tmp_path):
    data = json.loads(GREVE_JSON.read_text(encoding="utf-8"))
    data["Udvalg"]["Navn"] = "Byr\u0000åd\u0007 2022-2025"
    data["Moede"]["Sted"] = "Byr\u001bådssalen"
    for item in data["Dagsordenpunkter"]:
        if isinstance(item, dict) and isinstance(item.get("Navn"), str):
            item["Navn"] = "\u0001" + item["Navn"] + "\u0000"
    path = tmp_path / "meeting.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    record = build_record(path)
    assert_no_controls(record)
    assert record.meeting.place == "Byrådssalen"


def test_mojibake_is_repaired_with_a_warning(tmp_path, reference):
    """UTF-8 read as Windows-1252 and saved again as UTF-8: 'KÃ¸benhavn'."""
    double = SAMPLE_TEXT.encode("utf-8").decode("cp1252", errors="replace").encode("utf-8")
    path = tmp_path / "kkr-hovedstaden.txt"
    path.write_bytes(double)
    assert "Ã¸".encode("utf-8") in double
    record = build_record(path)
    text = json.dumps(record.model_dump(mode="json", exclude={"warnings"}), ensure_ascii=False)
    assert "Ã¸" not in text and "Ã¥" not in text and "TÃ" not in text
    assert "mojibake_repaired" in [w.code for w in record.warnings]
    assert [p.name for p in record.participants] == [p.name for p in reference.participants]


def test_clean_text_is_not_touched_by_the_mojibake_repair():
    from loaders.text import decode

    text = "Mødet i Økonomiudvalget: Â-kasse er ikke mojibake, heller ikke 'Ã' alene. «citat» – tankestreg"
    decoded = decode(text.encode("utf-8"), "x.txt")
    assert decoded.text == text and decoded.warnings == []


def test_binary_data_is_not_text(tmp_path):
    path = tmp_path / "image.txt"
    path.write_bytes(bytes(range(32)) * 2000)
    with pytest.raises(DocumentError) as err:
        build_record(path)
    assert err.value.code == "undecodable_text"


def test_control_characters_in_an_html_page_never_reach_the_record(tmp_path):
    lines = [line for line in SAMPLE_TEXT.split("\n") if line.strip()][:200]
    body = "\n".join(f"<p>\x01{line}\x1b</p>" for line in lines)
    path = tmp_path / "referat.html"
    path.write_text(f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>Referat\x07</title></head>"
                    f"<body>{body}</body></html>", encoding="utf-8")
    record = build_record(path)
    assert record.source.media_type == "text/html"
    assert_no_controls(record)


def test_ligatures_are_spelt_out_so_headings_and_search_read_the_word(tmp_path):
    """Minutes typeset with ligatures ("ﬁnansiering", "eﬀekt", "ﬂere") give the record of the same
    minutes without them: no ligature reaches a record, and every heading, name and pattern reads."""
    text = SAMPLE.read_text(encoding="utf-8")
    typeset = text.replace("ffi", "\ufb03").replace("fi", "\ufb01").replace("ff", "\ufb00").replace("fl", "\ufb02")
    assert typeset.count("\ufb01") >= 10
    path = tmp_path / "ligatures.txt"
    path.write_text(typeset, encoding="utf-8")
    plain = tmp_path / "plain.txt"
    plain.write_text(text, encoding="utf-8")
    record, expected = build_record(path), build_record(plain)
    assert not [where for where, s in strings(record.model_dump(mode="json")) if re.search("[\ufb00-\ufb06]", s)]
    assert record.model_dump(exclude={"source"}) == expected.model_dump(exclude={"source"})
