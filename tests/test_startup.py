"""Start-up of the manual rerun (issue 11): no Prefect on the direct path, data files compiled once
into a cache and read from it afterwards, the spaCy pipeline built once per process. (How fast:
benchmarks/bench_startup.py.)"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from extractors import cache

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "tests" / "fixtures" / "minutes" / "kkr-hovedstaden-2026-06-16.txt"


def _run(code: str, env: dict[str, str] | None = None) -> dict:
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_direct_rerun_imports_no_prefect(tmp_path):
    report = _run(f"""
        import json, sys
        from pipeline.cli import app
        try:
            app(["process", {str(SAMPLE)!r}, "--out", {str(tmp_path / "out")!r}, "--direct"])
        except SystemExit as exit:
            code = exit.code
        print(json.dumps({{"code": code, "prefect": sorted(m for m in sys.modules if m.split(".")[0] == "prefect")[:5]}}))
    """)
    assert report["code"] == 0
    assert report["prefect"] == []
    assert list((tmp_path / "out" / "records").glob("*.json"))


@pytest.fixture(scope="module")
def lexicon_cache(tmp_path_factory) -> Path:
    """A fresh cache folder with the lexicon compiled into it (by a process of its own)."""
    folder = tmp_path_factory.mktemp("referat-cache")
    _run("""
        import json
        from extractors.lexicon import danish_lemmas
        print(json.dumps({"kind": type(danish_lemmas()).__name__}))
    """, env={"REFERAT_CACHE_DIR": str(folder)})
    return folder


def test_the_lexicon_is_compiled_once_and_then_read_without_its_source(lexicon_cache):
    entries = list(lexicon_cache.glob("da-lemmas-*.sqlite"))
    assert len(entries) == 1
    # A new process reads the compiled entry: the gzipped JSON is never opened again.
    report = _run("""
        import gzip, json
        def refuse(*args, **kwargs):
            raise AssertionError("the lexicon source was read again")
        gzip.open = refuse
        from extractors.lexicon import danish_lemmas, danish_word_forms
        lemmas, words = danish_lemmas(), danish_word_forms()
        print(json.dumps({"kind": type(lemmas).__name__, "kommunerne": lemmas.get("kommunerne"),
                          "missing": lemmas.get("xqzzy", "-"), "words": ["udpegninger" in words, "xqzzy" in words],
                          "size": len(lemmas)}))
    """, env={"REFERAT_CACHE_DIR": str(lexicon_cache)})
    assert report["kind"] == "LemmaTable"
    assert report["kommunerne"] == "kommune"
    assert report["missing"] == "-"
    assert report["words"] == [True, False]
    assert report["size"] > 500_000
    assert list(lexicon_cache.glob("da-lemmas-*.sqlite")) == entries  # not rebuilt


def test_the_compiled_lexicon_answers_as_the_source_does(lexicon_cache, monkeypatch):
    from extractors import lexicon

    monkeypatch.setenv("REFERAT_CACHE_DIR", str(lexicon_cache))
    source = lexicon._read_source()
    monkeypatch.setattr(lexicon, "_build", lambda path: pytest.fail("compiled again"))
    table = lexicon._compiled.__wrapped__()  # the entry in lexicon_cache
    assert Path(table.uri.split("?")[0].removeprefix("file://")).parent == lexicon_cache
    lemmas, words = lexicon.LemmaTable(table), lexicon.WordForms(table)
    forms = sorted(source)[::97]
    assert [lemmas.get(f) for f in forms] == [source[f] for f in forms]
    every = lexicon._forms(source)
    assert all(w in words for w in sorted(every)[::97])
    assert len(words) == len(every)
    assert "Kommunerne".lower() in words and "KOMMUNERNE" not in words  # lower-case forms, as before


def test_a_changed_source_gets_a_new_entry_and_the_old_one_goes(tmp_path, monkeypatch):
    monkeypatch.setenv("REFERAT_CACHE_DIR", str(tmp_path / "cache"))
    source = tmp_path / "words.txt"
    source.write_text("a\n", encoding="utf-8")
    builds = []

    def build(path: Path) -> None:
        builds.append(source.read_text(encoding="utf-8"))
        path.write_text(source.read_text(encoding="utf-8").upper(), encoding="utf-8")

    first = cache.cached_path("words", ".txt", [source], ["1.0"], build)
    again = cache.cached_path("words", ".txt", [source], ["1.0"], build)
    assert first == again and first.read_text(encoding="utf-8") == "A\n"
    assert builds == ["a\n"]
    source.write_text("b\n", encoding="utf-8")
    second = cache.cached_path("words", ".txt", [source], ["1.0"], build)
    assert second != first and second.read_text(encoding="utf-8") == "B\n"
    assert not first.exists()
    third = cache.cached_path("words", ".txt", [source], ["2.0"], build)  # a new package version
    assert third != second and len(builds) == 3
    assert sorted(p.name for p in (tmp_path / "cache").iterdir()) == [third.name]  # no temporary files left


def test_a_failed_build_leaves_nothing_behind(tmp_path, monkeypatch):
    monkeypatch.setenv("REFERAT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(cache, "cache_dirs", lambda: [tmp_path / "cache"])
    source = tmp_path / "words.txt"
    source.write_text("a\n", encoding="utf-8")

    def broken(path: Path) -> None:
        path.write_text("half", encoding="utf-8")
        raise ValueError("bad data")

    with pytest.raises(ValueError):
        cache.cached_path("words", ".txt", [source], [], broken)
    assert list((tmp_path / "cache").iterdir()) == []


def test_an_unwritable_cache_falls_back_to_reading_the_source(tmp_path, monkeypatch):
    """No cache folder can be written (here: folders under /proc, which even root cannot create):
    the lexicon is read into memory as before, with the same answers."""
    from extractors import lexicon

    monkeypatch.setattr(cache, "cache_dirs", lambda: [Path("/proc/referat-cache"), Path("/proc/self/referat")])
    source = tmp_path / "words.txt"
    source.write_text("a\n", encoding="utf-8")
    assert cache.cached_path("words", ".txt", [source], [], lambda p: p.write_text("x")) is None
    for f in (lexicon._compiled, lexicon.danish_lemmas, lexicon.danish_word_forms):
        f.cache_clear()
    try:
        lemmas, words = lexicon.danish_lemmas(), lexicon.danish_word_forms()
        assert isinstance(lemmas, dict) and isinstance(words, frozenset)
        assert lemmas.get("kommunerne") == "kommune" and "udpegninger" in words
    finally:
        for f in (lexicon._compiled, lexicon.danish_lemmas, lexicon.danish_word_forms):
            f.cache_clear()


def test_the_spacy_pipeline_is_built_once_per_process(monkeypatch):
    import spacy

    from extractors.entities.nlp import get_nlp
    from pipeline.process import build_record

    build_record(SAMPLE)  # builds the pipeline if no test did yet
    nlp = get_nlp()
    built = []
    monkeypatch.setattr(spacy, "blank", lambda *a, **k: built.append(a) or pytest.fail("spaCy built again"))
    first = build_record(SAMPLE)
    second = build_record(SAMPLE)
    assert get_nlp() is nlp and built == []
    assert first.model_dump(exclude={"source"}) == second.model_dump(exclude={"source"})


def test_the_tokenizer_built_in_one_go_splits_as_the_one_built_step_by_step():
    """get_nlp builds its tokenizer with every special case at once (create_tokenizer); the
    tokens must be those of spaCy's tokenizer with the special cases added one by one."""
    from extractors.entities.nlp import _reference_tokenizer, get_nlp

    text = SAMPLE.read_text(encoding="utf-8") + (
        "\nBl.a. COWI A/S. og PV Greve A/S, 64 mio.kr. i døgnet, 0,59 kr./indbygger, jf. pkt. 3, ca. 12 t.kr."
    )
    reference = _reference_tokenizer().tokenizer
    built = get_nlp().tokenizer
    assert [t.text for t in built(text)] == [t.text for t in reference(text)]


def test_the_profile_patterns_are_compiled_once_and_then_unpickled(tmp_path):
    """The profile's regular expressions (a second of `regex` compiling per process) are kept in
    the cache: a second process compiles none of them, and finds the same matches."""
    code = """
        import json, regex, sys
        compiled = []  # the profile's patterns compiled by regex (not modules' own at import)
        real = regex.compile
        def counting(*a, **k):
            if sys._getframe(1).f_globals.get("__name__") == "extractors.cache":
                compiled.append(a[0])
            return real(*a, **k)
        regex.compile = counting
        from pathlib import Path
        from extractors.document import extract_record
        from schemas.record import Source
        text = Path(%r).read_text(encoding="utf-8")
        record = extract_record(text, source=Source(file_name="s.txt", sha256="0" * 64, media_type="text/plain",
                                                      size_bytes=len(text)))
        print(json.dumps({"compiled": len(compiled), "items": len(record.items),
                          "record": record.model_dump_json(exclude={"source"})}))
    """ % str(SAMPLE)
    env = {"REFERAT_CACHE_DIR": str(tmp_path / "cache")}
    first = _run(code, env)
    second = _run(code, env)
    assert first["compiled"] >= 20 and first["items"] > 10
    assert second["compiled"] == 0
    assert second["record"] == first["record"]


def test_the_regex_cache_unpickles_nothing_but_patterns(tmp_path, monkeypatch):
    import pickle

    monkeypatch.setenv("REFERAT_CACHE_DIR", str(tmp_path))
    store = cache.RegexCache()
    store.compile(r"\bfoo\b", 0)
    (tmp_path / store.name).write_bytes(pickle.dumps({("x", 0): os.system}))
    fresh = cache.RegexCache()
    assert fresh.compile(r"\bbar\b", 0).search("a bar") is not None  # the bad file is ignored


# --- the first document: read and extracted while the entity layer is built ----------------------

AARHUS_PDF = ROOT / "tests" / "fixtures" / "real" / "aarhus-kommune-moedesystemgruppen-2016-10-06-referat.pdf"


def test_reading_and_extracting_all_but_the_entities_imports_no_spacy():
    """What lets the first document's reading overlap the entity layer's build: the child that
    reads it and extracts all but the entities never imports spaCy."""
    report = _run(f"""
        import json, sys
        from pathlib import Path
        from loaders.policy import current_policy
        from pipeline import process
        record = json.loads(process._record_json(Path({str(AARHUS_PDF)!r}), current_policy(), False))
        print(json.dumps({{"spacy": "spacy" in sys.modules, "items": len(record["items"]),
                           "entities": sum(len(i["entities"]) for i in record["items"])}}))
    """)
    assert report == {"spacy": False, "items": report["items"], "entities": 0}
    assert report["items"] >= 3


@pytest.mark.parametrize("document", [SAMPLE, AARHUS_PDF], ids=["text", "pdf"])
def test_the_first_document_gets_the_same_record_from_two_children(document, monkeypatch):
    from loaders import isolation
    from pipeline import process

    started = []
    start = isolation.start_isolated
    monkeypatch.setattr(isolation, "start_isolated", lambda func, *a, **k: started.append(func.__name__) or start(func, *a, **k))
    monkeypatch.setattr(process, "_warm", False)
    monkeypatch.setattr(process, "_entities_warm", False)
    two = process.build_record(document)
    # read and extracted in a child while this process built the entity layer; the entities in a second one
    assert started == ["_record_json", "_with_entities"]
    assert sum(len(i.entities) for i in two.items) > 0
    monkeypatch.setenv("REFERAT_ISOLATION", "inprocess")
    assert process.build_record(document).model_dump() == two.model_dump()


def test_a_started_child_can_be_cancelled_and_is_gone():
    import time

    from loaders import isolation

    run = isolation.start_isolated(time.sleep, 60, name="sleeper")
    run.cancel()
    with pytest.raises(ProcessLookupError):
        os.kill(run.pid, 0)
    with pytest.raises(RuntimeError):
        run.result()


def test_the_first_document_waits_for_no_extractor_import_and_a_second_finds_them_warm(tmp_path):
    """The process that reads the first document imports spaCy, not the extractors (its first
    child does); the second document is extracted in one child of the fully warm process."""
    second = tmp_path / "second.txt"
    second.write_text(SAMPLE.read_text(encoding="utf-8").replace("2026", "2027"), encoding="utf-8")
    report = _run(f"""
        import json, sys
        from pathlib import Path
        from loaders import isolation
        from pipeline import process
        started = []
        start = isolation.start_isolated
        isolation.start_isolated = lambda func, *a, **k: started.append(func.__name__) or start(func, *a, **k)
        process.build_record(Path({str(SAMPLE)!r}))
        first = {{"extractors": "extractors.document" in sys.modules, "spacy": "spacy" in sys.modules,
                  "children": list(started)}}
        started.clear()
        process.build_record(Path({str(second)!r}))
        print(json.dumps({{"first": first, "second": started}}))
    """)
    assert report["first"] == {"extractors": False, "spacy": True, "children": ["_record_json", "_with_entities"]}
    assert report["second"] == ["_record_json"]


def _slow_first_child(path, policy, entities=True):
    """The first child of a scan: it asks for more time (as OCR does) and takes longer than the
    document's base time limit."""
    import time

    from loaders import isolation
    from pipeline import process

    isolation.progress.send(("more_time", 8.0))
    time.sleep(4)
    source = process.Source(file_name="slow.txt", sha256="0" * 64, media_type="text/plain", size_bytes=9)
    return process.to_json(process._extract_record()("Slow scan", source=source, entities=entities))


def _slow_entities(record_json):
    import time

    time.sleep(2)
    return record_json


def test_the_entities_of_a_first_document_get_the_time_its_reading_was_granted(monkeypatch):
    """A scan's first child asks for more time than the base limit (OCR); the second child, which
    adds the entities, gets what is left of that, not of the base limit."""
    from pipeline import process

    monkeypatch.setenv("REFERAT_DOC_TIMEOUT", "3")
    monkeypatch.setattr(process, "_warm", False)
    monkeypatch.setattr(process, "_entities_warm", False)
    monkeypatch.setattr(process, "_record_json", _slow_first_child)
    monkeypatch.setattr(process, "_with_entities", _slow_entities)
    assert process.build_record(SAMPLE).source.file_name == "slow.txt"
