"""Property-based tests (hypothesis): damaged documents never crash, never hang, always validate.

Every input is built from a real fixture document by a list of mutations that hypothesis draws
(and shrinks: a failure is reported as the fixture and the mutations, not as a megabyte of text):

- minutes as text: sections shuffled, headings deleted, lines duplicated, control characters,
  very long lines, random unicode, empty lines, truncation; through `extract_record` directly;
- the same through `build_record` on a temp file (the loader's decoding included);
- FirstAgenda JSON: keys removed, values set to null or a value of another type, lists emptied or
  duplicated, the JSON text truncated;
- SBSYS XML and HTML pages: elements removed, duplicated or emptied, text replaced, the bytes
  truncated;
- PDFs: bytes flipped, truncated.

What must hold for every input: the result is a record that validates against the pydantic model
and the committed JSON Schema, or a `loaders.errors.DocumentError` with a specific code; and it
comes within TIME_BOUND seconds (a SIGALRM ends a hang as a failure of the example).

CI runs a modest, derandomized number of examples (the whole file in about a minute);
`REFERAT_FUZZ_EXAMPLES=2000` runs that many per test (with a random seed unless
`REFERAT_FUZZ_SEED` is set) to look for bugs locally, without shrinking the failure it finds
(`REFERAT_FUZZ_SHRINK=1` to shrink it).
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import json
import os
import random
import signal
import tempfile
import time
from pathlib import Path

import jsonschema
import pytest
from hypothesis import HealthCheck, Phase, example, given, seed, settings
from hypothesis import strategies as st
from lxml import etree

from extractors.document import extract_record
from loaders.errors import DocumentError
from pipeline.process import build_record
from schemas.record import MeetingRecord, Source

FIXTURES = Path(__file__).parent / "fixtures"
# The committed JSON Schema (REFERAT_FUZZ_SCHEMA: another file, e.g. `minutes schema` output while
# the committed one is being regenerated).
SCHEMA_PATH = Path(os.environ.get("REFERAT_FUZZ_SCHEMA")
                   or Path(__file__).parents[1] / "schemas" / "meeting_record.schema.json")
SCHEMA = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)

TEXTS = sorted([*FIXTURES.glob("minutes/*.txt"), *FIXTURES.glob("real/*.txt"), *FIXTURES.glob("variants/*.txt"),
                *FIXTURES.glob("other/*.txt")])
JSONS = sorted(FIXTURES.glob("greve/*.json"))
MARKUP = sorted([*FIXTURES.glob("real/*.xml"), *FIXTURES.glob("real/*.html")])
PDFS = sorted(FIXTURES.glob("real/*.pdf"))

EXAMPLES = int(os.environ.get("REFERAT_FUZZ_EXAMPLES", "0") or 0)
LOCAL = EXAMPLES > 0
# Seconds one example may take: far above what any fixture needs (about 2 s for the largest
# with the spaCy pipeline built), far below a hang.
TIME_BOUND = float(os.environ.get("REFERAT_FUZZ_TIME_BOUND", "30"))
# Error codes a document may fail with: every DocumentError subclass has its own; the base
# class's "error" says nothing and is not accepted.
def _codes(cls: type[DocumentError]) -> set[str]:
    return {code for sub in cls.__subclasses__() for code in {sub.code, *_codes(sub)}}


CODES = _codes(DocumentError) - {DocumentError.code}


def fuzz_settings(ci_examples: int):
    options = dict(max_examples=EXAMPLES or ci_examples, deadline=None, print_blob=True,
                   suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                          HealthCheck.large_base_example],
                   derandomize=not LOCAL or bool(os.environ.get("REFERAT_FUZZ_SEED")), database=None)
    if LOCAL and not os.environ.get("REFERAT_FUZZ_SHRINK"):
        # a failure is printed as the fixture and its mutations: readable unshrunk, and shrinking
        # mutated documents of thousands of lines can take many minutes
        options["phases"] = [Phase.explicit, Phase.reuse, Phase.generate, Phase.target]
    return settings(**options)


def maybe_seed(test):
    value = os.environ.get("REFERAT_FUZZ_SEED")
    return seed(int(value))(test) if value else test


class Hang(Exception):
    pass


@contextlib.contextmanager
def time_bound(seconds: float = TIME_BOUND):
    """Fail the example (Hang) when it runs longer than `seconds`."""
    def expired(signum, frame):
        raise Hang(f"example ran longer than {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    started = time.monotonic()
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert time.monotonic() - started < seconds


def check_record(record: MeetingRecord) -> None:
    """The record validates against the model and the committed JSON Schema."""
    MeetingRecord.model_validate(record.model_dump())
    errors = sorted(VALIDATOR.iter_errors(record.model_dump(mode="json")), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message[:200]}" for e in errors[:5]]
    for item in record.items:
        if item.span is not None:
            assert 1 <= item.span.start_line <= item.span.end_line


def check_error(error: DocumentError) -> None:
    assert type(error) is not DocumentError and error.code in CODES, (type(error), error.code)
    assert error.message


def process_file(name: str, data: bytes) -> MeetingRecord | None:
    """`build_record` on a temp file holding `data`: the record (checked), or None for a DocumentError."""
    with tempfile.TemporaryDirectory(prefix="referat-fuzz-") as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        try:
            with time_bound():
                record = build_record(path)
        except DocumentError as error:
            check_error(error)
            return None
    check_record(record)
    return record


def record_of(text: str, name: str = "fuzz.txt") -> MeetingRecord:
    data = text.encode("utf-8", "surrogatepass")
    source = Source(file_name=name, sha256=hashlib.sha256(data).hexdigest(), media_type="text/plain",
                    size_bytes=len(data))
    with time_bound():
        record = extract_record(text, source=source)
    check_record(record)
    return record


# --- mutations of text ------------------------------------------------------------------------

CONTROL = "".join(chr(c) for c in [*range(0, 9), 11, 12, *range(14, 32), 127, 0x85, 0x2028, 0x2029, 0xFEFF,
                                    0x200B, 0x200E, 0x202E, 0xFFFD])
NOISE = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=40)
DANISH = st.text(alphabet=" abcæøåABCÆØÅ0123456789.,:;-–()/§*|\t", max_size=40)
# Texts with what the extractors' patterns look for, repeated into very long lines.
LONG_UNITS = ["a- b ", "1. ", "Hans Hansen (", "kl. 10.00 ", "SAG-2026-00802 ", "Beslutning: ", "*", " ", "-",
              "1.2.3.4.", "(A) ", "den 12. marts 2025 ", "ÆØÅ æøå ", "Bilag 1. ", "x\t", ".... ", "§ 17, stk. 4 ",
              "Punkt ", "2026-06-16 ", "(", "Afbud: Hans, ", "godkendt. ", "1.259,50 mio. kr. "]

fractions = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)
text_op = st.one_of(
    st.tuples(st.just("shuffle_sections"), st.integers(0, 2**32)),
    st.tuples(st.just("delete_headings"), fractions),
    st.tuples(st.just("delete_line"), fractions),
    st.tuples(st.just("duplicate_lines"), fractions, st.integers(1, 30)),
    st.tuples(st.just("control_chars"), fractions, st.text(alphabet=CONTROL, min_size=1, max_size=8)),
    st.tuples(st.just("long_line"), fractions, st.sampled_from(LONG_UNITS), st.integers(1_000, 30_000)),
    st.tuples(st.just("unicode"), fractions, NOISE),
    st.tuples(st.just("danish"), fractions, DANISH),
    st.tuples(st.just("empty_lines"), fractions, st.integers(1, 200)),
    st.tuples(st.just("truncate"), fractions),
    st.tuples(st.just("cut_line"), fractions, fractions),
)


def _at(lines: list, fraction: float) -> int:
    return min(int(fraction * len(lines)), max(len(lines) - 1, 0))


def _is_heading(line: str) -> bool:
    """A line that looks like an item or part heading: numbered, or a short capitalised line."""
    stripped = line.strip()
    return bool(stripped) and (stripped[0].isdigit() or (len(stripped) < 40 and stripped[0].isupper()))


def mutate_text(text: str, ops: list) -> str:
    lines = text.split("\n")
    for op in ops:
        kind = op[0]
        if kind == "shuffle_sections":
            blocks, current = [], []
            for line in lines:
                if line.strip() and line.strip()[0].isdigit() and current:
                    blocks.append(current)
                    current = []
                current.append(line)
            blocks.append(current)
            random.Random(op[1]).shuffle(blocks)
            lines = [line for block in blocks for line in block]
        elif kind == "delete_headings":
            headings = [i for i, line in enumerate(lines) if _is_heading(line)]
            step = max(1, int(1 / max(op[1], 0.05)))
            drop = set(headings[::step])
            lines = [line for i, line in enumerate(lines) if i not in drop]
        elif kind == "delete_line" and lines:
            del lines[_at(lines, op[1])]
        elif kind == "duplicate_lines" and lines:
            i = _at(lines, op[1])
            lines[i:i] = lines[i:i + op[2]]
        elif kind == "control_chars" and lines:
            i = _at(lines, op[1])
            cut = len(lines[i]) // 2
            lines[i] = lines[i][:cut] + op[2] + lines[i][cut:]
        elif kind == "long_line":
            lines.insert(_at(lines, op[1]), op[2] * (op[3] // len(op[2])))
        elif kind in ("unicode", "danish"):
            lines.insert(_at(lines, op[1]), op[2])
        elif kind == "empty_lines":
            i = _at(lines, op[1])
            lines[i:i] = [""] * op[2]
        elif kind == "duplicate_headings_of_toc":  # every line of the table of contents twice
            lines = [copy for line in lines for copy in ([line, line] if "\t" in line else [line])]
        elif kind == "truncate":
            lines = lines[:_at(lines, op[1]) + 1]
        elif kind == "cut_line" and lines:
            i = _at(lines, op[1])
            lines[i] = lines[i][:int(op[2] * len(lines[i]))]
    return "\n".join(lines)


TEXT_CONTENT = {path.name: path.read_text(encoding="utf-8") for path in TEXTS}
text_cases = st.tuples(st.sampled_from(sorted(TEXT_CONTENT)), st.lists(text_op, min_size=1, max_size=8))


SAMPLE_NAME = "kkr-hovedstaden-2026-06-16.txt"


@maybe_seed
@fuzz_settings(60)
@given(case=text_cases)
# What the fuzzing found (each failed before its fix):
# the TOC in another order than the items: an item twice, once from the TOC and once from the text
@example(case=("glostrup-oekonomiudvalget-2025-11-19-referat.txt", [("shuffle_sections", 58)]))
# control characters in a heading's title: the item twice, the TOC's and the text's
@example(case=(SAMPLE_NAME, [("control_chars", 1.0, "\x08\x0b\x02\u200e\x13\x00\x15\x08"),
                             ("long_line", 0.0, "1. ", 11825), ("cut_line", 1.0, 0.796)]))
# a TOC line repeated: its item twice
@example(case=(SAMPLE_NAME, [("duplicate_headings_of_toc", 0.0)]))
# long lines of dots and spaces (the dot-leader pattern) and of stars and brackets (spaCy's
# tokenizer on a 30,000-character token): time quadratic in the line's length
@example(case=(SAMPLE_NAME, [("long_line", 0.5, ".... ", 30_000)]))
@example(case=(SAMPLE_NAME, [("long_line", 0.5, " ", 30_000)]))
@example(case=(SAMPLE_NAME, [("long_line", 0.5, "*", 30_000)]))
@example(case=(SAMPLE_NAME, [("long_line", 0.5, "(", 30_000)]))
def test_mutated_minutes_give_valid_records(case):
    name, ops = case
    record = record_of(mutate_text(TEXT_CONTENT[name], ops), name)
    numbers = [item.number for item in record.items]
    assert len(numbers) == len(set(numbers)) or record.document_type != "minutes"


@maybe_seed
@fuzz_settings(25)
@given(case=text_cases, encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]))
def test_mutated_minutes_files_give_valid_records_or_document_errors(case, encoding):
    name, ops = case
    data = mutate_text(TEXT_CONTENT[name], ops).encode(encoding, "replace")
    process_file(name, data)


# --- mutations of JSON -------------------------------------------------------------------------

def _paths(value, path=()):
    """Every path into a JSON value (keys and list indexes), the root included."""
    yield path
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _paths(child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _paths(child, (*path, index))


def _get(value, path):
    for step in path:
        value = value[step]
    return value


WRONG_VALUES = [None, 0, 1, -1, 2**70, 1.5, float("inf"), True, False, "", " ", "x", "2025-13-45T99:99",
                "0001-01-01T00:00:00", "9999-12-31T23:59:59Z", "<p>", "<h1>Beslutning</h1><p>Godkendt.</p>",
                [], [None], [{}], {}, {"Html": None}, {"Navn": 3}]
# Pieces of markup, joined at random into the HTML a field holds: unclosed, misnested, empty
# tables, headings without text, character references to nothing.
HTML_PIECES = ["<p>", "</p>", "<h1>", "</h1>", "<h2>Beslutning</h2>", "<table>", "<tr>", "<td>", "</td>", "<th>",
               "</table>", "<ul><li>", "</li>", "<br>", "<b>", "</u>", "<span class=\"sagsforloeb\">",
               "<u>18-03-2024 Økonomiudvalget</u>", "Sagens forløb", "Godkendt.", "Afbud: Hans Hansen (A)",
               "&#0;", "&#xD800;", "&nbsp;", "&amp", "<![CDATA[x]]>", "<!--", "-->", "<script>", "<", ">", "1. ",
               "Beslutning ikke frigivet", "\x00", "\n", " ", "Fraværende", "<td colspan=\"999999\">",
               "<td rowspan=\"0\">", "<img src=x>", "<?xml version=\"1.0\"?>", "<html><body>"]
html_soup = st.lists(st.sampled_from(HTML_PIECES), max_size=30).map("".join)
json_op = st.one_of(
    st.tuples(st.just("delete"), fractions),
    st.tuples(st.just("text"), fractions, html_soup),
    st.tuples(st.just("replace"), fractions, st.sampled_from(range(len(WRONG_VALUES)))),
    st.tuples(st.just("text"), fractions, NOISE),
    st.tuples(st.just("duplicate"), fractions),
    st.tuples(st.just("empty_list"), fractions),
)


def mutate_json(payload, ops: list):
    payload = copy.deepcopy(payload)
    for op in ops:
        paths = [p for p in _paths(payload) if p]
        if not paths:
            break
        path = paths[_at(paths, op[1])]
        parent = _get(payload, path[:-1])
        key = path[-1]
        kind = op[0]
        if kind == "delete":
            del parent[key]
        elif kind == "replace":
            parent[key] = copy.deepcopy(WRONG_VALUES[op[2]])
        elif kind == "text":
            parent[key] = op[2]
        elif kind == "duplicate":
            value = parent[key]
            if isinstance(value, list) and value:
                value.append(copy.deepcopy(value[0]))
            elif isinstance(parent, list):
                parent.append(copy.deepcopy(value))
        elif kind == "empty_list":
            containers = [p for p in paths if isinstance(_get(payload, p), list)]
            if containers:
                _get(payload, containers[_at(containers, op[1])]).clear()
    return payload


JSON_CONTENT = {path.name: json.loads(path.read_text(encoding="utf-8")) for path in JSONS}


@maybe_seed
@fuzz_settings(30)
@given(name=st.sampled_from(sorted(JSON_CONTENT)), ops=st.lists(json_op, min_size=1, max_size=6),
       cut=st.one_of(st.none(), fractions))
def test_mutated_firstagenda_json_gives_valid_records_or_document_errors(name, ops, cut):
    data = json.dumps(mutate_json(JSON_CONTENT[name], ops), ensure_ascii=False).encode("utf-8")
    if cut is not None:
        data = data[:int(cut * len(data))]
    process_file(name, data or b"{")


@pytest.mark.parametrize("number", [":", "2a", "", "٣", "1..2", "-1"])
def test_firstagenda_item_number_that_is_no_number(number):
    """Found by fuzzing: an item numbered ":" made the items' sort raise ValueError."""
    payload = copy.deepcopy(JSON_CONTENT["greve-byraadet-2022-10-27.json"])
    payload["Dagsordenpunkter"][1]["Punktnummer"] = number
    payload["Dagsordenpunkter"][1]["Number"] = number
    record = process_file("greve-byraadet-2022-10-27.json", json.dumps(payload).encode("utf-8"))
    assert record is not None and len(record.items) == len(payload["Dagsordenpunkter"])
    assert [i.order for i in record.items] == list(range(len(record.items)))


# --- mutations of XML and HTML ------------------------------------------------------------------

markup_op = st.one_of(
    st.tuples(st.just("remove"), fractions),
    st.tuples(st.just("duplicate"), fractions),
    st.tuples(st.just("empty"), fractions),
    st.tuples(st.just("text"), fractions, NOISE),
    st.tuples(st.just("text"), fractions, html_soup),
    st.tuples(st.just("long_text"), fractions, st.sampled_from(LONG_UNITS), st.integers(1_000, 30_000)),
    st.tuples(st.just("attribute"), fractions, st.sampled_from(["0", "1", "2", "true", "false", "", "x"])),
)


def mutate_markup(data: bytes, is_xml: bool, ops: list) -> bytes:
    parser = (etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True) if is_xml
              else etree.HTMLParser())
    root = etree.fromstring(data, parser)
    for op in ops:
        elements = [e for e in root.iter() if isinstance(e.tag, str)]
        element = elements[_at(elements, op[1])]
        kind = op[0]
        parent = element.getparent()
        if kind == "remove" and parent is not None:
            parent.remove(element)
        elif kind == "duplicate" and parent is not None:
            parent.insert(parent.index(element), copy.deepcopy(element))
        elif kind == "empty":
            for child in list(element):
                element.remove(child)
            element.text = None
        elif kind == "text":
            element.text = "".join(c for c in op[2] if c.isprintable() or c in "\n\t")
        elif kind == "long_text":
            element.text = op[2] * (op[3] // len(op[2]))
        elif kind == "attribute":
            for child in element.iter():
                if isinstance(child.tag, str) and child.tag.split("}")[-1].endswith(("AsValue", "AsEnum", "IsPublic")):
                    child.text = op[2]
    return etree.tostring(root, encoding="utf-8", xml_declaration=is_xml)


MARKUP_CONTENT = {path.name: path.read_bytes() for path in MARKUP}


@maybe_seed
@fuzz_settings(20)
@given(name=st.sampled_from(sorted(MARKUP_CONTENT)), ops=st.lists(markup_op, min_size=1, max_size=5),
       cut=st.one_of(st.none(), fractions))
def test_mutated_xml_and_html_give_valid_records_or_document_errors(name, ops, cut):
    data = mutate_markup(MARKUP_CONTENT[name], name.endswith(".xml"), ops)
    if cut is not None:
        data = data[:int(cut * len(data))]
    process_file(name, data or b"<")


# --- mutations of PDFs --------------------------------------------------------------------------

PDF_CONTENT = {path.name: path.read_bytes() for path in PDFS}
pdf_op = st.one_of(
    st.tuples(st.just("flip"), fractions, st.integers(1, 255)),
    st.tuples(st.just("flip_run"), fractions, st.binary(min_size=1, max_size=64)),
    st.tuples(st.just("truncate"), fractions),
    st.tuples(st.just("delete"), fractions, st.integers(1, 4096)),
)


def mutate_bytes(data: bytes, ops: list) -> bytes:
    buffer = bytearray(data)
    for op in ops:
        if not buffer:
            break
        i = min(int(op[1] * len(buffer)), len(buffer) - 1)
        if op[0] == "flip":
            buffer[i] ^= op[2]
        elif op[0] == "flip_run":
            buffer[i:i + len(op[2])] = bytes(a ^ b for a, b in zip(buffer[i:i + len(op[2])], op[2]))
        elif op[0] == "truncate":
            del buffer[i:]
        elif op[0] == "delete":
            del buffer[i:i + op[2]]
    return bytes(buffer)


@maybe_seed
@fuzz_settings(12)
@given(name=st.sampled_from(sorted(PDF_CONTENT)), ops=st.lists(pdf_op, min_size=1, max_size=6))
def test_mutated_pdfs_give_valid_records_or_document_errors(name, ops):
    process_file(name, mutate_bytes(PDF_CONTENT[name], ops))


# --- the harness itself -------------------------------------------------------------------------

def test_time_bound_ends_a_hang():
    with pytest.raises(Hang):
        with time_bound(0.2):
            while True:
                time.sleep(0.01)


def test_mutations_change_the_documents():
    sample = TEXT_CONTENT["kkr-hovedstaden-2026-06-16.txt"]
    assert mutate_text(sample, [("truncate", 0.1)]).count("\n") < sample.count("\n") // 5
    assert len(mutate_text(sample, [("long_line", 0.5, "1. ", 3000)])) >= len(sample) + 2999
    payload = JSON_CONTENT[JSONS[0].name]
    assert mutate_json(payload, [("delete", 0.0)]) != payload
    assert mutate_bytes(b"%PDF-1.7 abc", [("flip", 0.0, 1)]) == b"$PDF-1.7 abc"
