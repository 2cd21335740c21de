"""The store's cache of parsed texts (pipeline.entity_cache, issue 17): a text read from it gives
the entities a fresh parse gives, in this process and in a fresh one, and a change to the
extractors' code or data makes every entry unreadable."""

from __future__ import annotations

import importlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

import extractors.document as document
from extractors.entities import get_nlp
from loaders import load
from pipeline.entity_cache import EntityCache, fingerprint
from schemas.record import Source

layer = importlib.import_module("extractors.entities.annotate")  # the module, not the function

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures"
SAMPLE = FIXTURES / "minutes" / "kkr-hovedstaden-2026-06-16.txt"
GREVE = sorted((FIXTURES / "greve").glob("greve-*.json"))


def bare_record(text: str, name: str = "doc.txt", **kwargs):
    source = Source(file_name=name, sha256="0" * 64, media_type="text/plain", size_bytes=len(text))
    return document.extract_record(text, source=source, entities=False, **kwargs)


def greve_record(path: Path):
    data = path.read_bytes()
    loaded = load(path, data)
    source = Source(file_name=path.name, sha256="0" * 64, media_type=loaded.media_type, size_bytes=len(data))
    return document.extract_record(loaded.text, source=source, layout_tables=loaded.tables,
                                   structure=loaded.structure, entities=False)


def dumped(results) -> list[str]:
    return [r.model_dump_json() for r in results]


class Counting:
    """Counts the texts the layer parses itself."""

    def __init__(self, monkeypatch):
        self.texts = 0
        entries_of = layer._entries_of

        def counted(nlp, texts, *args):
            self.texts += len(texts)
            return entries_of(nlp, texts, *args)

        monkeypatch.setattr(layer, "_entries_of", counted)


@pytest.fixture(scope="module")
def records():
    return [bare_record(SAMPLE.read_text(encoding="utf-8"), SAMPLE.name)] + [greve_record(p) for p in GREVE[:3]]


def test_a_hit_gives_the_entities_of_a_miss(records, tmp_path, monkeypatch):
    counting = Counting(monkeypatch)
    cache = EntityCache(tmp_path / "entities.sqlite")
    for record in records:
        plain = dumped(layer.annotate_items(record))
        assert any(r.entities for r in layer.annotate_items(record))
        parsed = counting.texts
        assert dumped(layer.annotate_items(record, cache=cache)) == plain  # misses, then stored
        distinct = len({layer._tokenizable(t.text) for t in layer._texts(record)})
        assert 0 < counting.texts - parsed <= distinct  # a text twice in a record is parsed once
        parsed = counting.texts
        assert dumped(layer.annotate_items(record, cache=cache)) == plain  # all hits
        assert counting.texts == parsed
    cache.close()


def test_the_cache_is_shared_between_records(records, tmp_path, monkeypatch):
    """A record whose texts another record's run stored is parsed only for what is new in it."""
    counting = Counting(monkeypatch)
    cache = EntityCache(tmp_path / "entities.sqlite")
    record = records[0]
    layer.annotate_items(record, cache=cache)
    first = counting.texts
    again = bare_record(SAMPLE.read_text(encoding="utf-8") + "\n\n2. Eventuelt\nNavne: Mette Frederiksen sagde det.\n",
                        SAMPLE.name)
    assert dumped(layer.annotate_items(again, cache=cache)) == dumped(layer.annotate_items(again))
    distinct = len({layer._tokenizable(t.text) for t in layer._texts(again)})
    assert 0 < counting.texts - first <= 3 < distinct  # the new item's texts only


def test_a_big_record_in_two_processes_with_the_cache(tmp_path, monkeypatch):
    """Texts the cache lacks, parsed half in a 'second process' (here a call): the same record."""
    record = bare_record("\n".join([SAMPLE.read_text(encoding="utf-8")] * 3), "big.txt")
    plain = dumped(layer.annotate_items(record))

    class Done:
        def __init__(self, value):
            self.value = value

        def result(self):
            return self.value

        def cancel(self):
            pass

    calls = []

    def concurrently(func, *args):
        calls.append(len(args[1]))
        return Done(func(*args))

    monkeypatch.setattr(layer, "PARALLEL_CHARS", 1000)
    cache = EntityCache(tmp_path / "entities.sqlite")
    assert dumped(layer.annotate_items(record, concurrently, cache)) == plain
    assert calls and calls[0] > 0
    assert dumped(layer.annotate_items(record, concurrently, cache)) == plain
    assert len(calls) == 1  # all hits the second time: nothing to parse elsewhere


def test_a_fresh_process_reads_the_cache(records, tmp_path):
    """A process whose vocabulary never saw the texts (strings come with the entries) finds the
    same entities, without parsing any text."""
    cache_file = tmp_path / "entities.sqlite"
    cache = EntityCache(cache_file)
    expected = {}
    for n, record in enumerate(records):
        (tmp_path / f"{n}.json").write_text(record.model_dump_json(), encoding="utf-8")
        expected[n] = dumped(layer.annotate_items(record, cache=cache))
    cache.close()
    script = r"""
import json, sys
from pathlib import Path
import importlib
layer = importlib.import_module("extractors.entities.annotate")
from pipeline.entity_cache import EntityCache
from schemas.record import MeetingRecord

def refuse(nlp, texts, *args):
    raise AssertionError(f"parsed {len(texts)} texts")

layer._entries_of = refuse
cache = EntityCache(Path(sys.argv[1]) / "entities.sqlite")
out = {}
for path in sorted(Path(sys.argv[1]).glob("*.json")):
    record = MeetingRecord.model_validate_json(path.read_text(encoding="utf-8"))
    out[path.stem] = [r.model_dump_json() for r in layer.annotate_items(record, cache=cache)]
print(json.dumps(out))
"""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    got = json.loads(done.stdout)
    assert got == {str(n): v for n, v in expected.items()}


def test_a_change_to_the_extractors_data_invalidates(tmp_path, records):
    root = tmp_path / "extractors"
    shutil.copytree(ROOT / "extractors", root, ignore=shutil.ignore_patterns("__pycache__", "__cache__"))
    before = fingerprint(root)
    assert fingerprint(root) == before
    data = next(p for p in sorted((root / "data").iterdir()) if p.suffix == ".txt")
    data.write_text(data.read_text(encoding="utf-8") + "\nNyt ord\n", encoding="utf-8")
    fingerprint.cache_clear()
    after = fingerprint(root)
    assert after != before
    (root / "entities" / "nlp.py").write_text("# changed\n", encoding="utf-8")
    fingerprint.cache_clear()
    assert fingerprint(root) not in (before, after)

    path = tmp_path / "entities.sqlite"
    old = EntityCache(path, fingerprint=before)
    record = records[0]
    layer.annotate_items(record, cache=old)
    texts = [layer._tokenizable(t.text) for t in layer._texts(record)]
    assert len(old.get(texts)) == len(set(texts))
    old.close()
    new = EntityCache(path, fingerprint=after)
    assert new.get(texts) == {}  # nothing of the old data is read
    new.close()
    with sqlite3.connect(path) as db:  # and the old entries are gone from the file
        assert db.execute("SELECT count(*) FROM parsed").fetchone()[0] == 0


def test_a_broken_cache_file_is_only_slower(records, tmp_path):
    path = tmp_path / "entities.sqlite"
    path.write_bytes(b"this is not a database" * 100)
    cache = EntityCache(path, timeout=0.1)
    record = records[0]
    assert dumped(layer.annotate_items(record, cache=cache)) == dumped(layer.annotate_items(record))


def test_nlp_is_untouched_by_the_cache(records, tmp_path):
    """Reading entries adds strings to the vocabulary, nothing else: a parse afterwards is the same."""
    nlp = get_nlp()
    text = layer._texts(records[0])[5].text
    before = [(t.text, t.norm_, t.lemma_, t.ent_type_) for t in nlp(text)]
    cache = EntityCache(tmp_path / "entities.sqlite")
    layer.annotate_items(records[0], cache=cache)
    layer.annotate_items(records[0], cache=cache)
    assert [(t.text, t.norm_, t.lemma_, t.ent_type_) for t in nlp(text)] == before


def test_priming_changes_no_parse(records):
    """extractors.entities.nlp.prime learns chunks ahead: a parse afterwards is the same."""
    from extractors.entities.nlp import prime

    nlp = get_nlp()
    texts = [t.text for t in layer._texts(records[2])][:40] + ["Kørselsordningen (KØR) koster 1.200 kr./md. i 2026."]
    columns = layer._PACKED
    before = [nlp(t).to_array(columns).tolist() for t in texts]
    prime(nlp, sorted({c for t in texts + [SAMPLE.read_text(encoding="utf-8")] for c in t.split()}))
    assert [nlp(t).to_array(columns).tolist() for t in texts] == before


def test_documents_read_with_the_cache_are_the_same(tmp_path, monkeypatch):
    """build_record as ingest calls it (a child forked per document, the forking process primed
    from what the children before noted): the records of a build without the cache."""
    from loaders.policy import isolation_mode
    from pipeline import entity_cache
    from pipeline.process import build_record

    if isolation_mode() != "fork":
        pytest.skip("documents are read in-process here")
    monkeypatch.setattr(entity_cache, "_PRIMED", set())
    monkeypatch.setattr(entity_cache, "_primed_upto", {})
    path = tmp_path / "cache" / "entities.sqlite"
    for doc in GREVE[:3] * 2:
        assert build_record(doc, entity_cache=path).model_dump_json() == build_record(doc).model_dump_json()
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT count(*) FROM chunks").fetchone()[0] > 1000
    assert len(entity_cache._PRIMED) > 1000  # this process was primed from them
