"""Records built while Prefect starts (pipeline.ingest.Prefetch, issue 17): `process_file` takes
the prefetched record (or its error) instead of building it again, builds what was not prefetched
or was taken before (a retry), and once the flow has taken a document nothing more is started."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from loaders.errors import DocumentError
from pipeline import ingest, process
from pipeline.store import Store

FIXTURES = Path(__file__).parent / "fixtures"
GREVE = sorted((FIXTURES / "greve").glob("greve-*.json"))


class Counting:
    def __init__(self, monkeypatch, gate: threading.Event | None = None):
        self.calls: list[str] = []
        self.gate = gate
        build = process.build_record

        def counted(path, entity_cache=None):
            self.calls.append(Path(path).name)
            if self.gate is not None:
                self.gate.wait(10)
            return build(path, entity_cache=entity_cache)

        monkeypatch.setattr(process, "build_record", counted)


@pytest.fixture
def fork(monkeypatch):
    monkeypatch.setenv("REFERAT_ISOLATION", "fork")
    monkeypatch.delenv("REFERAT_PDF_INPROCESS", raising=False)


def test_process_file_takes_the_prefetched_record(tmp_path, monkeypatch, fork):
    store = Store(tmp_path / "out")
    todo = [(path, ingest.file_sha256(path)) for path in GREVE[:2]]
    counting = Counting(monkeypatch)
    prefetch = ingest.start_prefetch(todo, store, 2)
    try:
        assert prefetch is not None
        for future in list(prefetch.futures.values()):
            future.result(timeout=300)
        assert counting.calls == [p.name for p, _ in todo]
        outcomes = [ingest.process_file(path, sha, store) for path, sha in todo]
        assert counting.calls == [p.name for p, _ in todo]  # nothing built twice
        assert [o["event"] for o in outcomes] == ["processed", "processed"]
        # a second call (a retry) builds afresh: the same record
        again = ingest.process_file(todo[0][0], todo[0][1], store)
        assert counting.calls[-1] == todo[0][0].name and again["changed"] is False
    finally:
        ingest.stop_prefetch()
    # the records are those a build without prefetching makes
    for path, _ in todo:
        record = json.loads((tmp_path / "out" / "records" / f"{outcomes[todo.index((path, _))]['record_id']}.json").read_text())
        assert record == json.loads(process.build_record(path).model_dump_json(indent=2))


def test_a_prefetched_error_is_the_documents_outcome(tmp_path, monkeypatch, fork):
    store = Store(tmp_path / "out")
    bad = tmp_path / "empty.txt"
    bad.write_bytes(b"")
    prefetch = ingest.start_prefetch([(bad, "0" * 64)], store, 2)
    try:
        with pytest.raises(DocumentError):
            prefetch.futures[(str(bad), "0" * 64)].result(timeout=60)
        outcome = ingest.process_file(bad, "0" * 64, store)
    finally:
        ingest.stop_prefetch()
    assert outcome["event"] == "failed" and outcome["error"]["code"] == "empty"


def test_nothing_more_starts_once_the_flow_takes_a_document(tmp_path, monkeypatch, fork):
    store = Store(tmp_path / "out")
    todo = [(path, ingest.file_sha256(path)) for path in GREVE[:3]]
    gate = threading.Event()
    counting = Counting(monkeypatch, gate)
    prefetch = ingest.start_prefetch(todo, store, 2)  # one builder: a core is left to Prefect
    try:
        first = prefetch.take(*todo[0])  # the flow begins: the others are never started here
        gate.set()
        assert first is not None and first.result(timeout=300).record_id
        assert prefetch.take(*todo[1]) is None and prefetch.take(*todo[2]) is None
        outcome = ingest.process_file(todo[1][0], todo[1][1], store)  # built by the flow itself
        assert outcome["event"] == "processed"
    finally:
        ingest.stop_prefetch()
    assert counting.calls == [todo[0][0].name, todo[1][0].name]


def test_no_prefetch_where_documents_are_read_in_process(tmp_path, monkeypatch):
    monkeypatch.setenv("REFERAT_ISOLATION", "inprocess")
    assert ingest.start_prefetch([(GREVE[0], "0" * 64)], Store(tmp_path / "out"), 2) is None
