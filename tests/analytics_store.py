"""The store the analytics tests share: a slice of the Greve corpus (four meetings that one case
went through, committee -> Økonomiudvalget -> Byrådet, and the agenda of the Økonomiudvalget
meeting; tests/fixtures/analytics/) and text fixtures of other bodies (votes, earlier treatment
by three bodies in one record, closed items, the sample's tables and entities, a non-minutes
document), ingested once per test session through the `ingest` flow, which also builds the
analytics database at its end."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"
GREVE = FIXTURES / "analytics" / "greve"
TEXTS = [
    FIXTURES / "variants" / "oekonomiudvalget-gribskov-2025-03-12.txt",  # votes with counts, a table
    FIXTURES / "variants" / "egedal-kommunalbestyrelsen-2025-03-26.txt",  # three bodies in one record
    FIXTURES / "variants" / "byraadet-overview-and-closed-run.txt",  # closed items
    FIXTURES / "minutes" / "kkr-hovedstaden-2026-06-16.txt",  # sections, tables, entities, protocol note
    FIXTURES / "other" / "kl-netvaerk-groen-mobilitet.txt",  # not minutes
]
CASE = "21-014347"  # Sundheds- og Omsorgsudvalget, (Plan-, ...), Klima-, Teknik- og Miljøudvalget, ØU, Byrådet

_built: dict[str, Path] = {}


def inbox(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for path in [*sorted(GREVE.glob("*.json")), *TEXTS]:
        shutil.copy(path, folder / path.name)
    return folder


def shared_store(tmp_path_factory) -> Path:
    """Ingest the inbox once per session (the caller holds a Prefect test server)."""
    if "store" not in _built:
        from pipeline.flows import ingest
        from pipeline.prefect_env import fast_flow_runs

        base = tmp_path_factory.mktemp("analytics")
        raw = inbox(base / "raw")
        out = base / "store"
        with fast_flow_runs():
            summary = ingest(raw=str(raw), out=str(out))
        assert summary["failed"] == 0, summary
        _built["store"] = out
    return _built["store"]


def records(store: Path) -> dict[str, dict]:
    return {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted((store / "records").glob("*.json"))}
