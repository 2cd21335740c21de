"""The entity layer on a big record (issue 11): it does not keep every parsed doc at once, and
what it finds is what the one-pass layer (every doc kept) finds."""

from __future__ import annotations

import importlib
import weakref
from pathlib import Path

import pytest

import extractors.document as document
from extractors.entities import get_nlp
from schemas.record import Source

layer = importlib.import_module("extractors.entities.annotate")  # the module, not the function

FIXTURES = Path(__file__).parent / "fixtures"
SAMPLE = FIXTURES / "minutes" / "kkr-hovedstaden-2026-06-16.txt"


def bare_record(text: str, monkeypatch=None):
    """The record of `text` without its entities (the layer not run)."""
    source = Source(file_name="big.txt", sha256="0" * 64, media_type="text/plain", size_bytes=len(text))
    return document.extract_record(text, source=source, entities=False)


def dumped(results) -> list[str]:
    return [r.model_dump_json() for r in results]


def test_big_record_keeps_no_parsed_doc_and_finds_the_same(monkeypatch):
    """The sample minutes nine times (~0.65 MB): more text in its items than COMPACT_CHARS."""
    sample = SAMPLE.read_text(encoding="utf-8")
    record = bare_record("\n".join([sample] * 9), monkeypatch)
    texts = layer._texts(record)
    assert sum(len(t.text) for t in texts) > getattr(layer, "COMPACT_CHARS", 0)
    nlp = get_nlp()
    parsed = []
    pipe = nlp.pipe

    def watched_pipe(*args, **kwargs):
        for doc in pipe(*args, **kwargs):
            parsed.append(weakref.ref(doc))
            yield doc

    alive_when_used = []
    entity = layer._entity

    def watched_entity(*args, **kwargs):
        if not alive_when_used:  # the second step has begun: how many parsed docs are still alive?
            alive_when_used.append(sum(ref() is not None for ref in parsed))
        return entity(*args, **kwargs)

    with monkeypatch.context() as m:
        m.setattr(nlp, "pipe", watched_pipe)
        m.setattr(layer, "_entity", watched_entity)
        results = layer.annotate_items(record)
    assert len(parsed) == len(texts) > 1000
    # The one-pass layer kept all of them (list(nlp.pipe(...))) until the end; the two-step
    # layer keeps none: the second step reads docs rebuilt one at a time from packed arrays.
    assert alive_when_used and alive_when_used[0] <= 1
    assert sum(len(r.entities) for r in results) > 4000
    monkeypatch.setattr(layer, "COMPACT_CHARS", 10 ** 12)  # every doc kept, as the one-pass layer did
    assert dumped(layer.annotate_items(record)) == dumped(results)


@pytest.mark.parametrize("path", [
    FIXTURES / "real" / "glostrup-oekonomiudvalget-2025-11-19-referat.txt",
    FIXTURES / "variants" / "egedal-kommunalbestyrelsen-2025-03-26.txt",
    SAMPLE,
], ids=lambda p: p.stem)
def test_packed_path_is_the_same_on_fixtures(path, monkeypatch):
    """A small record forced through the packed path: the same entities, presenters, party links."""
    record = bare_record(path.read_text(encoding="utf-8"), monkeypatch)
    kept = dumped(layer.annotate_items(record))
    assert any(r.entities for r in layer.annotate_items(record))
    monkeypatch.setattr(layer, "COMPACT_CHARS", -1)
    assert dumped(layer.annotate_items(record)) == kept


def test_pack_round_trip_keeps_every_annotation():
    nlp = get_nlp()
    texts = [
        "Borgmester Maja Højgaard, Gribskov Kommune, præsenterede sagen. SF ønskede protokolleret, at "
        "Strategisk Partnerskab om Uddannelse (SPU) får 4,6 mio. kr. den 14. maj 2026.",
        "", "   ", "jan. og feb.\n\nKL's direktør",
    ]
    from spacy.attrs import ENT_ID, ENT_IOB, ENT_TYPE, LEMMA, NORM, ORTH, SENT_START, SPACY

    attrs = [ORTH, SPACY, NORM, LEMMA, SENT_START, ENT_IOB, ENT_TYPE, ENT_ID]
    for doc in nlp.pipe(texts):
        again = layer._unpack(nlp.vocab, layer._pack(doc))
        assert again.text == doc.text
        assert (again.to_array(attrs) == doc.to_array(attrs)).all()
        assert [(e.start, e.end, e.label_, e.ent_id_) for e in again.ents] == \
            [(e.start, e.end, e.label_, e.ent_id_) for e in doc.ents]
        if len(doc):
            assert [s.start for s in again.sents] == [s.start for s in doc.sents]


def test_a_big_record_parsed_in_two_processes_finds_the_same():
    """Half of a big record's texts parsed in a second process (forked as every document child
    is): the words that process learnt come back with its docs, and the entities, presenters and
    party links are those of one process. A name only the second half holds must be found."""
    from loaders import isolation

    sample = SAMPLE.read_text(encoding="utf-8")
    # the second half of the text names a person and an organisation the first half never does
    tail = sample.replace("præsenterede", "Kirstine Vølund-Abildgaard præsenterede", 1).replace(
        "Region Hovedstaden", "Zybrandt Consulting A/S", 1)
    record = bare_record("\n".join([sample] * 5 + [tail] * 4))
    assert sum(len(t.text) for t in layer._texts(record)) > layer.PARALLEL_CHARS
    started = []

    def concurrently(func, *args):
        started.append(func.__name__)
        return isolation.start_isolated(func, *args, name="test")

    # in two processes first: this process has never seen the new names when the docs come back
    assert "Zybrandt" not in get_nlp().vocab.strings
    two = dumped(layer.annotate_items(record, concurrently))
    assert started == ["_parse_elsewhere"]
    assert two == dumped(layer.annotate_items(record))
    assert any("Vølund-Abildgaard" in r for r in two[len(two) // 2:])
