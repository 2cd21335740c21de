"""One document from disk to a validated record: read, extract, validate. No orchestration here.

Every document is read and extracted under the input policy (loaders.policy): in a child process
forked for it (loaders.isolation) with a memory cap and a hard time limit, so that a document too
big, too slow or too hungry fails alone with its own code (`too_large`, `too_many_pages`,
`too_many_chars`, `timeout`, `out_of_memory`) and never takes the run or the machine with it. The
child sends the record back as JSON; the parent validates it against the schema.

For the first document of a process (`minutes process`, on its main thread) the entity layer is
not built yet: spaCy's import and pipeline take about a second and a half. Then one child reads
the document and extracts all but its entities, which needs no spaCy, while this process builds
the layer; a second child, forked from the warm process, adds the entities. The two costs overlap
instead of adding up: on a long PDF the whole start-up is hidden. Hence neither spaCy nor the
extractors are imported with this module: the first child imports the extractors itself, while
this process imports spaCy.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import threading
import time
from pathlib import Path

import pydantic_core

from extractors import EXTRACTOR_VERSION
from loaders import isolation, load, prepare, sha256_of
from loaders.errors import DocumentTooLarge
from loaders.policy import InputPolicy, current_policy
from schemas.record import MeetingRecord, RecordWarning, Source


def build_record(path: Path, entity_cache: Path | None = None) -> MeetingRecord:
    """Read `path` and return its validated record. Raises loaders.errors.DocumentError (a bad
    document), OSError (reading failed: worth a retry). `entity_cache`: the file of a store's
    cache of parsed texts (pipeline.entity_cache), shared by every document of a run; the record
    is the same with it or without."""
    policy = current_policy()
    if entity_cache is not None:
        from pipeline.entity_cache import fingerprint

        fingerprint()  # computed here once, inherited by every child
    if policy.isolation == "inprocess" or isolation.in_child():
        record_json = _record_json(path, policy, entity_cache=entity_cache)
    elif not _warm and not _entities_warm and threading.current_thread() is threading.main_thread():
        # The first document only (a second one finds the warm-up below worth it), and not from a
        # task runner's thread: there the fork would come before the warm-up, while other threads
        # of the run may be importing.
        record_json = _extract_while_warming_up(path, policy, entity_cache)
    else:
        warm_up()  # what every child needs is built once, here, and shared with each of them
        prepare(path)  # and the loader of its kind
        with _primed(entity_cache):  # and the words the documents before it met
            run = isolation.start_isolated(_record_json, path, policy, True, entity_cache, name=path.name,
                                           policy=policy, what="reading and extracting the document")
        record_json = run.result()
    # Round-trip through the schema so that what we store is what the contract says.
    return MeetingRecord.model_validate_json(record_json)


def _primed(entity_cache: Path | None):
    """pipeline.entity_cache.primed, or nothing without a cache."""
    if entity_cache is None:
        return contextlib.nullcontext()
    from pipeline.entity_cache import primed

    return primed(entity_cache)


def read_limited(path: Path, policy: InputPolicy) -> bytes:
    """The bytes of `path`, refused (too_large) past the policy's size without reading them all."""
    with open(path, "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        if size > policy.max_bytes:
            raise DocumentTooLarge(f"{path.name}: {size:,} bytes, more than the limit of {policy.max_bytes:,} "
                                   "(REFERAT_MAX_BYTES)")
        data = handle.read(min(size, policy.max_bytes) + 1)  # no buffer of the limit's size
    if len(data) > policy.max_bytes:
        raise DocumentTooLarge(f"{path.name}: more than the limit of {policy.max_bytes:,} bytes (REFERAT_MAX_BYTES)")
    return data


def _extract_while_warming_up(path: Path, policy: InputPolicy, entity_cache: Path | None = None) -> bytes:
    """`_record_json` in two children: one reads the document and extracts all but the entities
    while this process builds the entity layer; one forked from the warm process adds them. The
    time limit covers both."""
    first = isolation.start_isolated(_record_json, path, policy, False, name=path.name, policy=policy,
                                     what="reading and extracting the document")
    try:
        _warm_entities()
    except BaseException:
        first.cancel()
        raise
    record_json = first.result()
    # what is left of the document's time limit, with the time the first child was granted (OCR)
    left = dataclasses.replace(policy, timeout=max(1.0, first.deadline - time.monotonic()))
    extra = () if entity_cache is None else (entity_cache,)
    return isolation.run_isolated(_with_entities, record_json, *extra, name=path.name, policy=left,
                                  what="finding the entities of the document")


def _with_entities(record_json: bytes, entity_cache: Path | None = None) -> bytes:
    """The record with its entity layer added, as extract_record adds it (a record that is not
    minutes gets none)."""
    record = MeetingRecord.model_validate_json(record_json)
    if record.document_type == "not_minutes":
        return record_json
    from extractors.entities import annotate

    with _opened(entity_cache) as cache:
        return to_json(annotate(record, _second_process(), cache))


@contextlib.contextmanager
def _opened(entity_cache: Path | None):
    """The entity cache at `entity_cache` for the time of one document, or None."""
    if entity_cache is None:
        yield None
        return
    from pipeline.entity_cache import EntityCache

    cache = EntityCache(entity_cache)
    try:
        yield cache
    finally:
        if isolation.in_child():
            # The child ends without closing it: the last connection to close a database in
            # write-ahead-log mode checkpoints the whole log first (~15 ms a document); the log
            # is checkpointed as it grows instead, by whichever process commits.
            _LEFT_OPEN.append(cache)
        else:
            cache.close()


_LEFT_OPEN: list = []  # (in a document's child) what its exit closes


def _record_json(path: Path, policy: InputPolicy, entities: bool = True, entity_cache: Path | None = None) -> bytes:
    """The record of `path` as JSON, not yet validated again (what the isolated child returns);
    without the entity layer when `entities` is false (see _with_entities)."""
    data = read_limited(path, policy)
    loaded = load(path, data, policy)
    source = Source(
        # A name that is not UTF-8 (raw bytes on Linux) is shown with U+FFFD rather than failing.
        file_name=os.fsencode(path.name).decode("utf-8", "replace"),
        sha256=sha256_of(data),
        media_type=loaded.media_type,
        system=loaded.system,
        meeting_id=loaded.structure.meeting_id if loaded.structure else None,
        page_count=loaded.page_count,
        size_bytes=len(data),
        encoding=loaded.encoding,
        ocr=loaded.ocr,
    )
    del data
    with _opened(entity_cache if entities else None) as cache:
        record = _extract_record()(
            loaded.text,
            source=source,
            line_pages=loaded.line_pages,
            line_end_pages=loaded.line_end_pages,
            layout_tables=loaded.tables,
            furniture=loaded.furniture,
            structure=loaded.structure,
            entities=entities,
            concurrently=_second_process() if entities else None,
            **({"entity_cache": cache} if cache is not None else {}),
        )
    record.warnings.extend(RecordWarning(code=code, message=message) for code, message in loaded.warnings)
    record.warnings.extend(low_confidence_items(record, loaded.ocr))
    del loaded
    return to_json(record)


def _second_process():
    """How the entity layer may parse half of a big record in a second process (a child isolated
    as this one is), or None: not when documents are read in-process, nor when the machine has
    one core, nor when REFERAT_ENTITY_PROCESSES is 1 (`ingest --workers N` sets it: its workers
    use the cores already)."""
    wanted = os.environ.get("REFERAT_ENTITY_PROCESSES", "auto").strip().lower()
    if wanted in ("", "auto"):
        wanted = "2" if (os.cpu_count() or 1) >= 2 else "1"
    policy = current_policy()
    if wanted == "1" or policy.isolation == "inprocess":
        return None

    def concurrently(func, *args):
        return isolation.start_isolated(func, *args, name="the entity layer's second process", policy=policy,
                                        what="parsing half of the document's text")

    return concurrently


def to_json(record: MeetingRecord) -> bytes:
    """`record.model_dump_json()` as UTF-8 bytes, without the `str` in between (which takes two or
    four bytes a character as soon as one character is past U+00FF: a big record's JSON twice)."""
    return pydantic_core.to_json(record)


_WARM = """REFERAT
Økonomiudvalget, Gribskov Kommune
Mødedato: 12. marts 2025 kl. 16.00

1. Godkendelse af dagsorden
Sagsnr.: 25/1234
Indstilling
Det indstilles, at dagsordenen godkendes.
Beslutning
Godkendt.
"""
_warm = False
_entities_warm = False
_warming = threading.Lock()


def _extract_record():
    """extractors.document.extract_record, imported on first use (and then a module attribute,
    `extract_record`, as if imported at the top: tests replace it)."""
    found = globals().get("extract_record")
    if found is None:
        from extractors.document import extract_record as found

        globals()["extract_record"] = found
    return found


def __getattr__(name: str):
    if name == "extract_record":
        return _extract_record()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _warm_entities() -> None:
    """Build what adding the entities needs (spaCy's pipeline, the lexicon), and nothing else: what
    the first document's second child shares."""
    global _entities_warm
    try:
        from extractors.entities.nlp import get_nlp

        get_nlp()
    except Exception:  # noqa: BLE001 - only a warm-up: the child builds what it needs itself
        pass
    _entities_warm = True


def warm_up() -> None:
    """Build once per process what extracting any document needs (the spaCy pipeline, the
    gazetteer, the profile, compiled patterns), so that forked children share it."""
    global _warm
    if _warm:
        return
    with _warming:  # other threads (a Prefect task runner) wait for it rather than fork half-built
        if _warm:
            return
        _warm_up()
        _warm = True


def _warm_up() -> None:
    try:
        source = Source(file_name="warm-up.txt", sha256="0" * 64, media_type="text/plain", size_bytes=len(_WARM))
        _extract_record()(_WARM, source=source)
    except Exception:  # noqa: BLE001 - only a warm-up: a document that needs it builds it itself
        pass
    _warm_entities()


def low_confidence_items(record: MeetingRecord, ocr: dict | None) -> list[RecordWarning]:
    """A warning on every item whose text came (in part) from a page OCR read with a mean word
    confidence under the bar (loaders.ocr.LOW_CONFIDENCE): its fields may hold misread words."""
    if not ocr:
        return []
    from loaders.ocr import LOW_CONFIDENCE

    low = {p["page"]: p["mean_confidence"] for p in ocr["pages"]
           if p["mean_confidence"] is not None and p["mean_confidence"] < LOW_CONFIDENCE}
    warnings = []
    for item in record.items if low else []:
        span = item.span
        if span is None or span.start_page is None:
            continue
        pages = [p for p in range(span.start_page, (span.end_page or span.start_page) + 1) if p in low]
        if pages:
            shown = ", ".join(f"page {p} ({low[p]:g})" for p in pages)
            warnings.append(RecordWarning(
                code="low_ocr_confidence", line=span.start_line,
                message=f"item {item.number}: its text was read by OCR with a low mean word confidence "
                        f"({shown}, under {LOW_CONFIDENCE:g}); check it against the scan"))
    return warnings


__all__ = ["build_record", "EXTRACTOR_VERSION"]
