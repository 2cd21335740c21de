"""analytics/: the flat tables derived from the records, their exports, SQL, case histories,
agenda <-> minutes links, OParl and Popolo, on a store ingested from a Greve slice and fixtures."""

from __future__ import annotations

import csv
import json
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from analytics import warehouse
from analytics.dictionary import markdown, uncovered_leaves
from analytics.export import FTS_TABLE, after_ingest, export
from analytics.links import LINK_COLUMNS
from analytics.query import run
from analytics.tables import TABLES, item_keys, resolved
from pipeline.cli import app
from tests.analytics_store import CASE, records, shared_store
from tests.oparl_schema import validate_folder, validate_object

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DICTIONARY = ROOT / "docs" / "data-dictionary.md"
OPARL_SCHEMAS = ROOT / "tests" / "fixtures" / "oparl-1.1-schema"
runner = CliRunner()


@pytest.fixture(scope="module")
def store(prefect_api, tmp_path_factory) -> Path:
    return shared_store(tmp_path_factory)


@pytest.fixture(scope="module")
def exported(store, tmp_path_factory) -> dict[str, Path]:
    """Every format written once, to folders of their own (not remembered by the store)."""
    base = tmp_path_factory.mktemp("exports")
    out = {}
    for fmt, name in (("parquet", "parquet"), ("ndjson", "ndjson"), ("csv", "csv"), ("duckdb", "x.duckdb"),
                      ("sqlite", "x.sqlite"), ("oparl", "oparl"), ("popolo", "popolo.json")):
        result = export(store, fmt, base / name, follow=False)
        assert result.path == base / name
        out[fmt] = base / name
    return out


# -- reading every format back, independently of the code that wrote it ------------------------------


def read_back(fmt: str, path: Path, table: str) -> list[dict]:
    if fmt == "parquet":
        return pq.read_table(path / f"{table}.parquet").to_pylist()
    if fmt == "ndjson":
        text = (path / f"{table}.ndjson").read_text(encoding="utf-8")
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    if fmt == "csv":
        with open(path / f"{table}.csv", newline="", encoding="utf-8") as handle:
            return list(csv.DictReader(handle))
    if fmt == "duckdb":
        con = duckdb.connect(str(path), read_only=True)
        try:
            cursor = con.execute(f'SELECT * FROM "{table}"')
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, row)) for row in cursor.fetchall()]
        finally:
            con.close()
    if fmt == "sqlite":
        con = sqlite3.connect(path)
        try:
            cursor = con.execute(f'SELECT * FROM "{table}"')
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, row)) for row in cursor.fetchall()]
        finally:
            con.close()
    raise AssertionError(fmt)


def canon(value, type_: str):
    """One form for a value however a format wrote it (CSV: text; SQLite: 0/1, JSON lists)."""
    if value is None or value == "":
        return None
    if type_ == "VARCHAR[]":
        return json.loads(value) if isinstance(value, str) else list(value)
    if type_ == "BIGINT":
        return int(value)
    if type_ == "DOUBLE":
        return float(value)
    if type_ == "BOOLEAN":
        return value in (True, 1, "true", "True", "1")
    if type_ == "DATE":
        return str(value)[:10]
    return str(value)


def get(obj, path: str):
    for name in path.split("."):
        obj = None if obj is None else obj.get(name)
    return obj


def locate(record: dict, spec, row: dict):
    """The object a row was made from, found by the row's index columns along its row path."""
    if spec.name == "tables":
        table = record["items"][row["item_index"]]["tables"][row["table_index"]]
        cells = (table["header_rows"] + table["rows"])[row["row"]][row["column"]]
        return cells, table
    obj = record
    for name, index in re.findall(r"(\w+)\[(\w+)\]", spec.row_path):
        obj = obj[name][row[index]]
    return obj, None


def _decision_rule(row, record, obj, table):
    item = record["items"][row["item_index"]]
    return obj == item["decision"]


# Derived columns: what each must equal, computed here from the JSON record.
DERIVED = {
    "record_id": lambda row, record, obj, table: record["record_id"],
    "item_key": lambda row, record, obj, table: item_keys(record)[row["item_index"]],
    "item_count": lambda row, record, obj, table: len(record["items"]),
    "participant_count": lambda row, record, obj, table: len(record["participants"]),
    "ocr_page_count": lambda row, record, obj, table: len((record["source"].get("ocr") or {}).get("pages") or []),
    "ocr_min_confidence": lambda row, record, obj, table: min(
        (p["mean_confidence"] for p in (record["source"].get("ocr") or {}).get("pages") or []
         if p["mean_confidence"] is not None), default=None),
    "case_count": lambda row, record, obj, table: len(obj["case_numbers"]),
    "decision_count": lambda row, record, obj, table: len(obj["decisions"]),
    "protocol_note_count": lambda row, record, obj, table: len(obj["protocol_notes"]),
    "is_current": _decision_rule,
    "body": lambda row, record, obj, table: obj["by"] or (
        record["meeting"]["body"] if _decision_rule(row, record, obj, table) else None),
    "decided_on": lambda row, record, obj, table: obj["date"] or (
        record["meeting"]["date"] if _decision_rule(row, record, obj, table) else None),
    "text": lambda row, record, obj, table: obj if isinstance(obj, str) else obj["text"],
    "header": lambda row, record, obj, table: row["row"] < len(table["header_rows"]),
    "value": lambda row, record, obj, table: obj.get("value"),
    "unit": lambda row, record, obj, table: obj.get("unit"),
    "caption": lambda row, record, obj, table: table.get("caption"),
    "table_start_line": lambda row, record, obj, table: table["span"]["start_line"],
    "table_end_line": lambda row, record, obj, table: table["span"]["end_line"],
    "table_start_page": lambda row, record, obj, table: table["span"].get("start_page"),
    "table_end_page": lambda row, record, obj, table: table["span"].get("end_page"),
}
INDEXES = {"item_index", "row", "column"}  # positions: checked by locating the row's object with them


def expected_counts(recs: dict[str, dict]) -> dict[str, int]:
    """Row counts of every table, counted straight from the JSON records."""
    items = [i for r in recs.values() for i in r["items"]]
    decisions = [d for i in items for d in i["decisions"]]
    return {
        "meetings": len(recs),
        "participants": sum(len(r["participants"]) for r in recs.values()),
        "sections": sum(len(r["sections"]) for r in recs.values()),
        "warnings": sum(len(r["warnings"]) for r in recs.values()),
        "items": len(items),
        "parts": sum(len(i["parts"]) for i in items),
        "cases": sum(len(i["case_numbers"]) for i in items),
        "decisions": len(decisions),
        "protocol_notes": sum(len(d["protocol_notes"]) for d in decisions),
        "votes": sum(len(i["votes"]) for i in items),
        "attachments": sum(len(i["attachments"]) for i in items),
        "tables": sum(len(c) for i in items for t in i["tables"] for c in t["header_rows"] + t["rows"]),
        "entities": sum(len(i["entities"]) for i in items),
        "party_links": sum(len(i["party_links"]) for i in items),
    }


FLAT = ("parquet", "ndjson", "csv", "duckdb", "sqlite")


@pytest.mark.parametrize("fmt", FLAT)
def test_every_value_of_every_table_is_in_the_record_it_came_from(store, exported, fmt):
    recs = records(store)
    counts = expected_counts(recs)
    assert counts["votes"] and counts["protocol_notes"] and counts["tables"] and counts["entities"]
    for spec in TABLES:
        rows = read_back(fmt, exported[fmt], spec.name)
        assert len(rows) == counts[spec.name], (fmt, spec.name)
        columns = resolved(spec.name)
        assert [c.name for c in columns] == list(rows[0]) if rows else True
        for raw in rows:
            row = {c.name: canon(raw[c.name], c.type) for c in columns}
            record = recs[row["record_id"]]
            obj, table = locate(record, spec, row)
            for col in columns:
                if col.column.derive is not None or col.column.path == "":
                    if col.name in INDEXES or col.name.endswith("_index"):
                        continue
                    expected = DERIVED[col.name](row, record, obj, table)
                elif col.column.path.startswith("$"):
                    expected = get(record, col.column.path[1:])
                else:
                    expected = get(obj, col.column.path)
                assert row[col.name] == canon(expected, col.type), (fmt, spec.name, col.name, row)
        keys = [tuple(v for k, v in r.items() if k == "record_id" or k.endswith("_index") or k in ("row", "column"))
                for r in rows]
        assert len(set(keys)) == len(keys), (fmt, spec.name)  # one row per place in the JSON


def test_link_tables_and_search_index_in_every_database_export(store, exported):
    for fmt in ("duckdb", "sqlite"):
        for name, columns in LINK_COLUMNS.items():
            rows = read_back(fmt, exported[fmt], name)
            assert rows and list(rows[0]) == columns
    con = sqlite3.connect(exported["sqlite"])
    try:
        hits = con.execute(f"SELECT item_key FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH ?",
                           ('"Seniorrådets"',)).fetchall()
    finally:
        con.close()
    # the committee's decision, in its own minutes and repeated by every later record of the case
    assert sorted(h for (h,) in hits) == ["greve-byraadet-2022-01-31#16", "greve-klima-teknik-og-miljoeudvalget-2022-01-17#13",
                                          "greve-oekonomiudvalget-2022-01-24#14",
                                          "greve-oekonomiudvalget-2022-01-24-dagsorden#14",
                                          "greve-sundheds-og-omsorgsudvalget-2022-01-10#7"]


def test_the_ingest_flow_built_the_analytics_database(store):
    assert (store / warehouse.DB_FILE).exists()
    again = warehouse.refresh(store)
    assert again.touched == 0 and not again.rebuilt  # ingest left it in step with records/


def test_data_dictionary_is_generated_from_the_schema_and_committed():
    assert uncovered_leaves() == [], "every field of the record is a column or listed as not flattened"
    for spec in TABLES:
        for col in resolved(spec.name):
            assert col.doc, (spec.name, col.name)
            assert col.example is not None or col.values, (spec.name, col.name)
    assert DICTIONARY.read_text(encoding="utf-8") == markdown(), \
        "run `python -m analytics.dictionary > docs/data-dictionary.md` and commit the result"


def test_every_documented_table_is_in_the_database(store):
    con = warehouse.connect(store)
    try:
        tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'").fetchall()}
    finally:
        con.close()
    documented = set(re.findall(r"^## `(\w+)`", markdown(), re.M))
    assert tables == documented == {s.name for s in TABLES} | set(LINK_COLUMNS)


# -- the README's questions --------------------------------------------------------------------------


def readme_questions() -> dict[str, str]:
    """The SQL of each example question in the README, by the id in its `<!-- question: id -->`."""
    text = README.read_text(encoding="utf-8")
    found = dict(re.findall(r"<!-- question: ([\w-]+) -->\s*```sql\n(.*?)```", text, re.S))
    assert set(found) == {"not-plain-approvals", "case-path", "attendance", "closed-items"}
    return found


def test_readme_questions_return_the_expected_rows(store):
    recs = records(store)
    questions = readme_questions()

    rows = run(store, questions["not-plain-approvals"]).to_pylist()
    voted = {i["number"] for r in recs.values() if r["record_id"].startswith("gribskov") for i in r["items"] if i["votes"]}
    got = {(r["body"], r["number"], r["outcome"]) for r in rows}
    assert {("Kommunalbestyrelsen", "147", "referred"), ("Kommunalbestyrelsen", "148", "postponed"),
            ("Sundheds- og Omsorgsudvalget", "5", "postponed")} <= got
    assert {("Økonomiudvalget", n, "approved") for n in voted} <= got  # approved, but by a vote
    expected = sum(1 for r in recs.values() for i in r["items"] if i["decision"] and (
        i["decision"]["outcome"] != "approved" or i["decision"]["protocol_notes"] or i["votes"]))
    assert len(rows) == expected

    path = run(store, questions["case-path"]).to_pylist()
    assert [(str(r["decided_on"]), r["body"], r["own_minutes"]) for r in path] == [
        ("2022-01-10", "Sundheds- og Omsorgsudvalget", True),
        ("2022-01-11", "Plan-, Trygheds- og Integrationsudvalget", False),  # known only from later records
        ("2022-01-17", "Klima-, Teknik- og Miljøudvalget", True),
        ("2022-01-24", "Økonomiudvalget", True),
        ("2022-01-31", "Byrådet", True),
    ]

    attendance = run(store, questions["attendance"]).to_pylist()
    egedal = {r["name"]: (r["meetings"], r["present"], r["attendance_pct"])
              for r in attendance if r["body"] == "Kommunalbestyrelsen"}
    assert egedal == {"Karsten Søndergaard": (1, 1, 100.0), "Pia Lund": (1, 1, 100.0), "Anders Hansen": (1, 1, 100.0),
                      "Jørgen Holm": (1, 0, 0.0), "Mette Dahl": (1, 1, 100.0), "Ib Kjær": (1, 1, 100.0)}
    assert all(r["body"] and 0 <= r["attendance_pct"] <= 100 for r in attendance)

    closed = run(store, questions["closed-items"]).to_pylist()
    expected = sorted((int(r["meeting"]["date"][:4]), r["meeting"]["date"], r["meeting"]["body"], i["number"], i["title"])
                      for r in recs.values() if r["document_type"] == "minutes" for i in r["items"]
                      if i["access"] == "closed")
    assert sorted((r["year"], str(r["date"]), r["body"], r["number"], r["title"]) for r in closed) == expected
    assert {r["year"] for r in closed} == {2022, 2025}


# -- the commands ----------------------------------------------------------------------------------


def test_case_shows_committee_then_oekonomiudvalget_then_byraadet(store):
    result = runner.invoke(app, ["case", CASE, "--out", str(store), "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert [(r["date"], r["body"], r["own_record"]) for r in rows] == [
        ("2022-01-10", "Sundheds- og Omsorgsudvalget", True),  # a theme meeting on the case ...
        ("2022-01-10", "Sundheds- og Omsorgsudvalget", True),  # ... and its recommendation
        ("2022-01-11", "Plan-, Trygheds- og Integrationsudvalget", False),
        ("2022-01-17", "Klima-, Teknik- og Miljøudvalget", True),
        ("2022-01-24", "Økonomiudvalget", True),
        ("2022-01-31", "Byrådet", True),
    ]
    assert rows[-1]["decision"] == "Byrådet godkendte Økonomiudvalgets indstilling." and rows[-1]["outcome"] == "approved"
    assert rows[-1]["item_key"] == "greve-byraadet-2022-01-31#16"
    assert rows[-2]["decision"].startswith("Økonomiudvalget anbefaler overfor Byrådet")
    assert rows[1]["recommendation"].startswith("Center for Teknik & Miljø og Center for Sundhed & Pleje indstiller")
    # the agenda of the Økonomiudvalget meeting also carries the case: its item has no decision of its own,
    # and the committees' decisions it repeats are not shown twice
    assert sum(r["body"] == "Klima-, Teknik- og Miljøudvalget" for r in rows) == 1

    table = runner.invoke(app, ["case", "82.00.00-G01-4-24", "--out", str(store)], env={"COLUMNS": "200"})
    assert table.exit_code == 0
    bodies = [table.output.index(b) for b in ("Børne- og Skoleudvalget", "Økonomiudvalget", "Kommunalbestyrelsen")]
    assert bodies == sorted(bodies)  # committee -> Økonomiudvalget -> council, read from one record
    assert "2025-03-11" in table.output and "Anbefales." in table.output

    missing = runner.invoke(app, ["case", "00-000000", "--out", str(store)])
    assert missing.exit_code == 1


def test_query_prints_a_table_csv_or_json(store):
    sql = "SELECT body, count(*) AS meetings FROM meetings WHERE body IS NOT NULL GROUP BY body ORDER BY body"
    as_json = runner.invoke(app, ["query", sql, "--out", str(store), "--format", "json"])
    assert as_json.exit_code == 0
    rows = json.loads(as_json.output)
    assert {"body": "Økonomiudvalget", "meetings": 3} in rows  # Greve's minutes and agenda, Gribskov's
    piped = runner.invoke(app, ["query", sql, "--out", str(store)])  # not a terminal: CSV
    assert piped.output.splitlines()[0] == '"body","meetings"'
    assert '"Økonomiudvalget",3' in piped.output.splitlines()
    table = runner.invoke(app, ["query", "SELECT parties, count FROM votes ORDER BY vote_index LIMIT 1",
                                "--out", str(store), "--format", "table"], env={"COLUMNS": "120"})
    assert "parties" in table.output and '["V", "C", "A"]' in table.output
    bad = runner.invoke(app, ["query", "SELECT nope FROM meetings", "--out", str(store)])
    assert bad.exit_code == 1 and "query failed" in bad.output
    write = runner.invoke(app, ["query", "DELETE FROM meetings", "--out", str(store)])
    assert write.exit_code == 1  # read-only: the tables are derived from the records


def test_agenda_and_minutes_of_a_meeting_are_linked(store):
    links = run(store, "SELECT * FROM agenda_links").to_pylist()
    assert [(r["minutes_record_id"], r["agenda_record_id"], r["items_added"], r["items_removed"],
             r["recommendations_changed"]) for r in links] == [
        ("greve-oekonomiudvalget-2022-01-24", "greve-oekonomiudvalget-2022-01-24-dagsorden", 1, 1, 1)]
    changes = run(store, "SELECT change, number, title, matched_by FROM agenda_changes ORDER BY change").to_pylist()
    assert [(c["change"], c["number"]) for c in changes] == [
        ("added", "15"), ("recommendation_changed", "14"), ("removed", "12")]
    changed = run(store, "SELECT * FROM agenda_changes WHERE change = 'recommendation_changed'").to_pylist()[0]
    assert "fra 30 til 35" in changed["agenda_recommendation"] and "fra 30 til 40" in changed["minutes_recommendation"]
    assert changed["matched_by"] == "case_number"


def test_oparl_export_validates_against_the_oparl_schemas(exported):
    folder = exported["oparl"]
    counts = validate_folder(folder, OPARL_SCHEMAS)
    assert counts["Meeting"] == 8 and counts["Paper"] > 10 and counts["Person"] > 50
    paper = json.loads(next((folder / "paper").glob(f"*{CASE}.json")).read_text(encoding="utf-8"))
    assert paper["reference"] == CASE
    treated = [c["agendaItem"].rsplit("/", 1)[-1] for c in paper["consultation"]]
    assert treated == ["greve-sundheds-og-omsorgsudvalget-2022-01-10.json#item-2",
                       "greve-sundheds-og-omsorgsudvalget-2022-01-10.json#item-7",
                       "greve-klima-teknik-og-miljoeudvalget-2022-01-17.json#item-13",
                       "greve-oekonomiudvalget-2022-01-24.json#item-14",
                       "greve-byraadet-2022-01-31.json#item-16"]
    meeting = json.loads((folder / "meeting" / "greve-byraadet-2022-01-31.json").read_text(encoding="utf-8"))
    item = next(i for i in meeting["agendaItem"] if i["number"] == "16")
    assert item["resolutionText"] == "Byrådet godkendte Økonomiudvalgets indstilling." and item["result"] == "approved"
    assert item["consultation"].startswith(paper["id"])
    assert next(i for i in meeting["agendaItem"] if i["number"] == "4")["public"] is False
    assert meeting["start"] == "2022-01-31T19:00:00+01:00"
    # the check is real: a broken object fails it
    broken = dict(item, order="sixteen")
    assert validate_object(broken, "AgendaItem.json", OPARL_SCHEMAS)
    assert validate_object({**meeting, "start": "31-01-2022"}, "Meeting.json", OPARL_SCHEMAS)


def test_popolo_export(exported):
    data = json.loads(exported["popolo"].read_text(encoding="utf-8"))
    assert set(data) == {"persons", "organizations", "memberships", "events", "vote_events"}
    ids = {o["id"] for o in data["organizations"]} | {p["id"] for p in data["persons"]}
    assert all(m["person_id"] in ids and m["organization_id"] in ids for m in data["memberships"])
    vote = next(v for v in data["vote_events"] if v["id"].startswith("vote_event/gribskov"))
    assert vote["counts"] == [{"option": "yes", "value": 5}, {"option": "no", "value": 1}]
    assert {"group": {"name": "F"}, "result": "abstain"} in vote["group_results"]
    assert vote["legislative_session_id"] in {e["id"] for e in data["events"]}


def test_refresh_rewrites_only_the_records_that_changed(store, tmp_path):
    """After an ingest the database and every remembered export follow the records: the record
    that changed is rewritten, the others are not read again, a record that is gone is dropped."""
    copy = tmp_path / "store"
    shutil.copytree(store, copy)
    shutil.rmtree(copy / "analytics")  # a fresh database in the copy (the original's has its paths)
    for fmt in ("parquet", "sqlite", "duckdb"):
        export(copy, fmt)
    egedal = copy / "records" / "egedal-kommunalbestyrelsen-2025-03-26.json"
    record = json.loads(egedal.read_text(encoding="utf-8"))
    record["items"][0]["decision"]["text"] = record["items"][0]["decisions"][-1]["text"] = "Godkendt med en ændring."
    egedal.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    (copy / "records" / "byraadet-2025-03-25.json").unlink()

    report = after_ingest(copy)
    assert report.splitlines()[0].startswith("analytics: 2 of ")
    assert "(0 added, 1 changed, 1 removed)" in report.splitlines()[0]
    assert len(report.splitlines()) == 4  # the three remembered exports rewritten
    assert "1 records rewritten" not in report and "2 records rewritten" in report  # sqlite, duckdb: only those
    sql = "SELECT text FROM decisions WHERE item_key = 'egedal-kommunalbestyrelsen-2025-03-26#145'"
    assert [r["text"] for r in run(copy, sql).to_pylist()] == ["Godkendt med en ændring."]
    for fmt, path in (("sqlite", "export/referat.sqlite"), ("duckdb", "export/referat.duckdb")):
        rows = read_back(fmt, copy / path, "decisions")
        assert {r["text"] for r in rows if r["item_key"].endswith("#145")} == {"Godkendt med en ændring."}
        assert not any(r["record_id"] == "byraadet-2025-03-25" for r in rows)
    parquet = pq.read_table(copy / "export" / "parquet" / "meetings.parquet").column("record_id").to_pylist()
    assert "byraadet-2025-03-25" not in parquet and len(parquet) == len(list((copy / "records").glob("*.json")))
    assert warehouse.refresh(copy).touched == 0
    assert "0 of" in after_ingest(copy) and len(after_ingest(copy).splitlines()) == 1  # nothing behind


def test_analytics_reads_the_store_and_schemas_only_and_the_cli_loads_it_lazily():
    probe = ("import sys, analytics.web, analytics.export, analytics.oparl, analytics.popolo, analytics.cases, "
             "analytics.dictionary, analytics.query; "
             "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('pipeline', 'extractors', 'loaders')); "
             "assert not bad, bad")
    subprocess.run([sys.executable, "-c", probe], cwd=ROOT, check=True)
    lazy = ("import sys, pipeline.cli; bad = sorted(m for m in sys.modules if m.split('.')[0] in "
            "('analytics', 'duckdb', 'pyarrow')); assert not bad, bad")
    subprocess.run([sys.executable, "-c", lazy], cwd=ROOT, check=True)
