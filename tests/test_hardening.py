"""Issue 17's defects of the analysts' side and the loaders, each as a regression test that failed
before its fix: exports that deleted what was at their path, sources served as active content on
the browse origin, attachment links with script schemes, sources served through links or after
they changed, databases of others overwritten, tracebacks instead of messages, an export missing
for a moment while it was swapped."""

from __future__ import annotations

import html
import json
import os
import shutil
import sqlite3
from pathlib import Path

import duckdb
import httpx
import pytest
from typer.testing import CliRunner

from analytics import targets
from analytics.export import after_ingest, export
from analytics.tables import item_keys
from analytics.targets import ExportRefused
from analytics.web import Running
from extractors.structure import web_url
from pipeline.cli import app
from tests.analytics_store import shared_store

FIXTURES = Path(__file__).parent / "fixtures"
GREVE = FIXTURES / "greve" / "greve-social-og-handicapudvalget-2025-06-02.json"
PAGE = FIXTURES / "real" / "aarhus-byraad-2025-10-08-dagsorden.html"
runner = CliRunner()


@pytest.fixture(scope="module")
def store(prefect_api, tmp_path_factory) -> Path:
    """A copy of the shared analytics store: these tests try to make exports destroy things."""
    copy_of = tmp_path_factory.mktemp("hardening") / "store"
    shutil.copytree(shared_store(tmp_path_factory), copy_of)
    return copy_of


def files_under(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# -- 1. an export writes only into a folder it created or one with its marker -----------------------


def test_export_into_a_folder_of_other_files_is_refused_and_touches_nothing(store, tmp_path):
    mine = tmp_path / "thesis"
    (mine / "chapters").mkdir(parents=True)
    (mine / "chapters" / "one.md").write_text("Kapitel 1")
    (mine / "notes.txt").write_text("noter")
    before = files_under(mine)
    for fmt in ("parquet", "csv", "ndjson", "oparl"):
        with pytest.raises(ExportRefused, match="did not write"):
            export(store, fmt, mine, follow=False)
        assert files_under(mine) == before
    result = runner.invoke(app, ["export", "--format", "csv", "--to", str(mine), "--out", str(store)])
    assert result.exit_code == 2 and "did not write" in result.output
    assert files_under(mine) == before


def test_export_over_an_existing_file_is_refused(store, tmp_path):
    file = tmp_path / "report.docx"
    file.write_bytes(b"PK\x03\x04 a document")
    with pytest.raises(ExportRefused, match="is a file"):
        export(store, "parquet", file, follow=False)
    assert file.read_bytes() == b"PK\x03\x04 a document"
    with pytest.raises(ExportRefused, match="not a referat popolo export"):
        export(store, "popolo", file, follow=False)
    assert file.read_bytes() == b"PK\x03\x04 a document"


def test_export_never_writes_over_the_store_or_inside_it(store):
    before = sorted(p.name for p in (store / "records").iterdir())
    for target in (store, store / "records", store / "history", store.parent):
        with pytest.raises(ExportRefused, match="store"):
            export(store, "ndjson", target, follow=False)
    assert sorted(p.name for p in (store / "records").iterdir()) == before


def test_a_planted_remembered_export_is_refused_on_the_next_ingest(store, tmp_path):
    victim = tmp_path / "home"
    victim.mkdir()
    (victim / "photo.jpg").write_bytes(b"\xff\xd8 a photo")
    registry = store / "analytics" / "exports.json"
    saved = registry.read_bytes() if registry.exists() else None
    registry.parent.mkdir(exist_ok=True)
    registry.write_text(json.dumps([{"format": "parquet", "path": str(victim), "base_url": None, "generation": -1}]))
    try:
        report = after_ingest(store)
    finally:
        if saved is None:
            registry.unlink()
        else:
            registry.write_bytes(saved)
    assert "FAILED" in report and "did not write" in report
    assert files_under(victim) == {"photo.jpg": b"\xff\xd8 a photo"}


def test_an_export_of_its_own_is_rewritten_and_an_empty_folder_taken(store, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    export(store, "parquet", empty, follow=False)
    assert (empty / targets.MARKER).read_text().strip() == "parquet"
    assert (empty / "meetings.parquet").is_file()
    export(store, "parquet", empty, follow=False)  # again: its own folder
    with pytest.raises(ExportRefused, match="holds a parquet export, not csv"):
        export(store, "csv", empty, follow=False)


def test_a_symbolic_link_is_never_written_through(store, tmp_path):
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "link").symlink_to(real)
    with pytest.raises(ExportRefused, match="symbolic link"):
        export(store, "csv", tmp_path / "link", follow=False)
    assert not any(real.iterdir())


# -- 10. databases that are not referat exports keep their tables; 16. messages, not tracebacks ---


def test_an_unrelated_database_is_refused_not_emptied(store, tmp_path):
    lite = tmp_path / "accounts.sqlite"
    db = sqlite3.connect(lite)
    db.execute("CREATE TABLE ledger (amount INTEGER)")
    db.execute("INSERT INTO ledger VALUES (42)")
    db.commit()
    db.close()
    with pytest.raises(ExportRefused, match="not a referat sqlite export"):
        export(store, "sqlite", lite, follow=False)
    assert sqlite3.connect(lite).execute("SELECT amount FROM ledger").fetchall() == [(42,)]

    duck = tmp_path / "accounts.duckdb"
    con = duckdb.connect(str(duck))
    con.execute("CREATE TABLE ledger AS SELECT 42 AS amount")
    con.close()
    with pytest.raises(ExportRefused, match="not a referat duckdb export"):
        export(store, "duckdb", duck, follow=False)
    con = duckdb.connect(str(duck), read_only=True)
    assert con.execute("SELECT amount FROM ledger").fetchall() == [(42,)]
    con.close()


def test_export_errors_are_messages(store, tmp_path):
    folder = tmp_path / "a-folder.sqlite"
    folder.mkdir()
    (tmp_path / "text.sqlite").write_text("not a database at all")
    for target, words in ((folder, "is a folder"), (tmp_path / "text.sqlite", "not a referat sqlite export")):
        result = runner.invoke(app, ["export", "--format", "sqlite", "--to", str(target), "--out", str(store)])
        assert result.exit_code == 2, result.output
        assert words in result.output and "Traceback" not in result.output


# -- 17. the export at its path is never missing, not even when killed half-way through a swap -------


def test_a_swap_killed_half_way_leaves_an_export_in_place(tmp_path, monkeypatch):
    target = tmp_path / "parquet"
    target.mkdir()
    (target / targets.MARKER).write_text("parquet\n")
    (target / "old.parquet").write_text("old")
    tmp = targets.partial_folder(target, "parquet")
    (tmp / "new.parquet").write_text("new")
    calls = []
    real_replace, real_rmtree = os.replace, shutil.rmtree

    def killed(*args, **kwargs):  # the process dies at the first step after one rename
        calls.append(args)
        if len(calls) > 1:
            raise KeyboardInterrupt
        return real_replace(*args, **kwargs)

    monkeypatch.setattr(targets.os, "replace", killed)
    monkeypatch.setattr(targets.shutil, "rmtree", lambda *a, **k: (_ for _ in ()).throw(KeyboardInterrupt()))
    with pytest.raises(KeyboardInterrupt):
        targets.swap_in(tmp, target)
    monkeypatch.setattr(targets.os, "replace", real_replace)
    monkeypatch.setattr(targets.shutil, "rmtree", real_rmtree)
    assert (target / "new.parquet").read_text() == "new"  # exchanged in one step
    assert not (target / "old.parquet").exists()


# -- 3. attachment links are web addresses only ------------------------------------------------------


def test_web_url_keeps_http_and_resolves_relative_links():
    assert web_url("https://dagsordener.eksempel.dk/bilag/1.pdf", None) == "https://dagsordener.eksempel.dk/bilag/1.pdf"
    assert web_url("/bilag/1.pdf", "https://dagsordener.eksempel.dk/mode/7") == "https://dagsordener.eksempel.dk/bilag/1.pdf"
    for bad in ("javascript:alert(1)", " JaVaScRiPt:alert(1)", "java\tscript:alert(1)", "data:text/html,<script>x</script>",
                "file:///etc/passwd", "vbscript:msgbox", "//evil.example/x"):
        assert web_url(bad, None) is None, bad
    assert web_url("javascript:alert(1)", "https://dagsordener.eksempel.dk/") is None
    assert web_url("bilag/1.pdf", None) is None  # nowhere to resolve it
    assert web_url("bilag/1.pdf", "file:///tmp/x.html") is None


def test_script_links_of_attachments_are_dropped_with_a_warning(tmp_path):
    data = json.loads(GREVE.read_text(encoding="utf-8"))
    planted = 0
    for item in data["Dagsordenpunkter"] if "Dagsordenpunkter" in data else data["Dagsorden"]["Dagsordenpunkter"]:
        for bilag in item.get("Bilag") or []:
            bilag["Link"] = ["javascript:fetch('/record/x.json')", "data:text/html,<script>1</script>"][planted % 2]
            planted += 1
    assert planted >= 2
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / GREVE.name).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    result = runner.invoke(app, ["process", str(raw), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    record = json.loads(next((tmp_path / "out" / "records").glob("*.json")).read_text(encoding="utf-8"))
    urls = [a["url"] for i in record["items"] for a in i["attachments"]]
    assert len(urls) == planted and set(urls) == {None}
    dropped = [w for w in record["warnings"] if w["code"] == "attachment_url_dropped"]
    assert dropped and "javascript:" in dropped[0]["message"]


def test_an_old_record_with_a_script_link_gets_no_live_link(store, tmp_path):
    """Records written before the fix may hold such links: the contract (1.3.0) refuses them, so the
    tables leave such a record out, name it, and no page or OParl object shows the link."""
    shadow = tmp_path / "store"
    shutil.copytree(store, shadow)
    path = next(p for p in sorted((shadow / "records").glob("*.json"))
                if any(i["attachments"] for i in json.loads(p.read_text(encoding="utf-8")).get("items", [])))
    record = json.loads(path.read_text(encoding="utf-8"))
    item = next(i for i in record["items"] if i["attachments"])
    item["attachments"][0]["url"] = "javascript:alert(document.domain)"
    path.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    export(shadow, "oparl", tmp_path / "oparl", follow=False)
    assert "javascript:" not in "".join(p.read_text(encoding="utf-8") for p in (tmp_path / "oparl").rglob("*.json"))
    from analytics.warehouse import left_out

    assert "url" in left_out(shadow)[record["record_id"]]
    server = Running(shadow)
    try:
        key = item_keys(record)[record["items"].index(item)]
        page = httpx.get(f"{server.url}/item", params={"key": key}).text
        assert "javascript:" not in page
    finally:
        server.stop()


# -- 2. and 9. sources: never active content, only as ingested, never through a link --------------


@pytest.fixture(scope="module")
def page_store(tmp_path_factory):
    """A store of one HTML page whose text carries a script, as an ingested page might."""
    base = tmp_path_factory.mktemp("page-store")
    raw = base / "raw"
    raw.mkdir()
    html = PAGE.read_text(encoding="utf-8")
    html = html.replace("</body>", "<script>fetch('/record/x.json').then(r => r.text())</script></body>", 1)
    (raw / PAGE.name).write_text(html, encoding="utf-8")
    result = runner.invoke(app, ["process", str(raw), "--out", str(base / "out")])
    assert result.exit_code == 0, result.output
    server = Running(base / "out")
    yield base, server.url
    server.stop()


def _first_item_key(base: Path) -> str:
    record = json.loads(next((base / "out" / "records").glob("*.json")).read_text(encoding="utf-8"))
    return item_keys(record)[0]


def test_an_html_source_is_plain_text_in_a_sandbox(page_store):
    base, url = page_store
    key = _first_item_key(base)
    raw = httpx.get(f"{url}/source/raw", params={"key": key})
    assert raw.status_code == 200
    assert raw.headers["content-type"].startswith("text/plain")
    assert "sandbox" in raw.headers["content-security-policy"]
    assert raw.headers["x-content-type-options"] == "nosniff"
    assert "<script>fetch(" in raw.text  # shown, not run
    for path in ("/", "/meetings", f"/item?key={key}", f"/source?key={key}", "/search?q=byr%C3%A5d"):
        page = httpx.get(url + path)
        assert "script-src" not in page.headers["content-security-policy"]  # default-src 'none' forbids scripts
        assert "default-src 'none'" in page.headers["content-security-policy"]
        assert "<script" not in page.text.lower()


def test_a_source_changed_or_replaced_by_a_link_is_not_served(page_store, tmp_path):
    base, url = page_store
    key = _first_item_key(base)
    source = base / "raw" / PAGE.name
    original = source.read_bytes()
    secret = tmp_path / "secret.txt"
    secret.write_text("password=hunter2")
    try:
        source.unlink()
        source.symlink_to(secret)
        assert httpx.get(f"{url}/source/raw", params={"key": key}).status_code == 404
        source.unlink()
        source.write_bytes(original.replace(b"Byr", b"XXX", 1))  # edited after ingest
        assert httpx.get(f"{url}/source/raw", params={"key": key}).status_code == 404
        assert "no longer where it was ingested" in httpx.get(f"{url}/source", params={"key": key}).text
    finally:
        source.unlink()
        source.write_bytes(original)
    assert httpx.get(f"{url}/source/raw", params={"key": key}).status_code == 200


# -- 15. only the names the server is reached by ---------------------------------------------------


def test_a_foreign_host_name_is_refused(page_store):
    _, url = page_store
    assert httpx.get(url + "/", headers={"Host": "attacker.example"}).status_code == 400
    assert httpx.get(url + "/", headers={"Host": "localhost:8750"}).status_code == 200


# -- 4. and 5. a query reads the tables and nothing else: no file written, no network ----------------


@pytest.mark.parametrize("sql", [
    "COPY meetings TO '{target}'", "EXPORT DATABASE '{folder}'", "ATTACH '{target}.duckdb' AS other",
    "SELECT * FROM read_csv('{store}/manifest.jsonl')", "INSTALL httpfs", "LOAD httpfs",
    "SELECT * FROM 'https://example.invalid/x.csv'", "SET enable_external_access = true",
])
def test_a_query_cannot_write_read_files_or_reach_the_network(store, tmp_path, sql):
    import duckdb

    from analytics.query import run

    target, folder = tmp_path / "leak.csv", tmp_path / "dump"
    manifest = (store / "manifest.jsonl").read_bytes()
    with pytest.raises(duckdb.Error):
        run(store, sql.format(target=target, folder=folder, store=store))
    assert not target.exists() and not folder.exists() and not Path(f"{target}.duckdb").exists()
    assert (store / "manifest.jsonl").read_bytes() == manifest
    assert run(store, "SELECT count(*) AS n FROM meetings").to_pylist()[0]["n"] > 0  # the tables still read


def test_the_query_command_says_why_a_write_is_refused(store, tmp_path):
    result = runner.invoke(app, ["query", f"COPY meetings TO '{tmp_path / 'x.csv'}'", "--out", str(store)])
    assert result.exit_code == 1 and "query failed" in result.output and "disabled" in result.output


# -- 6. a record that does not validate is left out and named, never fatal -------------------------


def test_a_record_of_the_wrong_shape_is_left_out_and_named_everywhere(store, tmp_path):
    shadow = tmp_path / "store"
    shutil.copytree(store, shadow)
    good = sorted((shadow / "records").glob("*.json"))
    wrong = json.loads(good[0].read_text(encoding="utf-8"))
    wrong["meeting"] = "x"
    good[0].write_text(json.dumps(wrong), encoding="utf-8")
    good[1].write_text(good[1].read_text(encoding="utf-8")[:200], encoding="utf-8")  # truncated
    renamed = json.loads(good[2].read_text(encoding="utf-8"))
    (shadow / "records" / "another-name.json").write_text(json.dumps(renamed), encoding="utf-8")  # same id twice
    names = {good[0].stem, good[1].stem, "another-name"}
    result = runner.invoke(app, ["query", "SELECT record_id FROM meetings", "--out", str(shadow), "--format", "json"])
    assert result.exit_code == 0
    ids = [r["record_id"] for r in json.loads(result.stdout)]
    assert len(ids) == len(set(ids)) == len(good) - 2  # the two bad ones out, the copy not twice
    for command in (["query", "SELECT 1"], ["export", "--format", "csv", "--once", "--to", str(tmp_path / "csv")],
                    ["case", "21-014347"], ["status"]):
        out = runner.invoke(app, [*command, "--out", str(shadow)])
        assert all(name in out.output for name in names), (command, out.output)


# -- 7. HTML nested deep is read whole or refused, never cut -----------------------------------------


def _page(depth: int) -> str:
    nested = "<div>" * depth + "<p>Indledning</p>" + "</div>" * depth
    return ('<html><head><meta charset="utf-8"><title>Referat</title></head><body><h1>Referat</h1><p>Byrådet</p>'
            f"<p>Dato: 3. marts 2026</p>{nested}"
            "<h2>1. Godkendelse af dagsorden</h2><p>Sagsnr.: 26/1</p><h3>Beslutning</h3><p>Godkendt.</p>"
            "<h2>2. Salg af grund</h2><p>Sagsnr.: 26/2</p><h3>Beslutning</h3><p>Udsat.</p></body></html>")


def test_html_nested_past_the_parsers_limit_is_read_whole(tmp_path):
    from pipeline.process import build_record

    path = tmp_path / "dyb.html"
    path.write_text(_page(300), encoding="utf-8")  # libxml2 stops at 256 levels by default
    record = build_record(path)
    assert [(i.number, i.decision.outcome) for i in record.items] == [("1", "approved"), ("2", "postponed")]


def test_html_nested_beyond_any_page_is_refused_with_a_reason(tmp_path):
    from loaders.errors import CorruptDocument
    from pipeline.process import build_record

    path = tmp_path / "dybere.html"
    path.write_text(_page(5000), encoding="utf-8")
    with pytest.raises(CorruptDocument, match="nested more than 1000 levels"):
        build_record(path)


# -- 12. HTML encodings: a declared charset, a stray byte, UTF-16 without a byte-order mark ------------


@pytest.mark.parametrize("data", [
    '<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1252"></head><body>'
    "<p>Miljøudvalget</p></body></html>".encode("cp1252"),
    "<html><body><p>Miljøudvalget</p><p>Ét ødelagt tegn: \udcff</p></body></html>".encode("utf-8", "surrogateescape"),
    "<html><body><p>Miljøudvalget</p></body></html>".encode("utf-16-le"),
])
def test_html_encodings_are_read_as_the_page_means_them(data):
    from loaders.html import parse_page

    text = "".join(parse_page("side.html", data).itertext())
    assert "Miljøudvalget" in text and "Ã" not in text


# -- 13. JSON nested too deep is corrupt, not an internal error; 14. frames counted first -------------


def test_json_nested_too_deep_is_corrupt(tmp_path):
    from loaders.errors import CorruptDocument
    from pipeline.process import build_record

    path = tmp_path / "dyb.json"
    path.write_text("[" * 200_000 + "]" * 200_000, encoding="utf-8")
    with pytest.raises(CorruptDocument, match="nested deeper"):
        build_record(path)


def test_an_image_of_more_frames_than_pages_allowed_is_refused_before_it_is_built(tmp_path, monkeypatch):
    from PIL import Image

    from loaders.errors import DocumentTooLarge
    from loaders.image import image_pdf

    frames = [Image.new("L", (8, 8), 255) for _ in range(30)]
    path = tmp_path / "mange.tif"
    frames[0].save(path, save_all=True, append_images=frames[1:])
    built = []
    monkeypatch.setattr("pypdfium2.PdfDocument.new", lambda: built.append(1))  # no page may be built
    with pytest.raises(DocumentTooLarge, match="30 pages"):
        image_pdf(path.name, path.read_bytes(), max_pages=20)
    assert built == []


# -- 11. invisible characters never cut a name --------------------------------------------------------


def test_zero_width_and_format_characters_do_not_cut_names(tmp_path):
    from pipeline.process import build_record

    text = ("Referat\n\nByrådet\n\nDato: 3. marts 2026\n\nDeltagere:\nCarl\u200bJensen (A)\nAnne\u00adHolm (V)\n"
            "Bo\ufeffDahl (C)\nSø\u00adren Kri\u200bstensen (F)\nMia\u200f Berg (Ø)\n\n1. Godkendelse af dagsorden\n\n"
            "Sagsnr.: 26/1\n\nBeslutning\nGodkendt.\n")
    path = tmp_path / "usynlig.txt"
    path.write_text(text, encoding="utf-8")
    assert [p.name for p in build_record(path).participants] == [
        "Carl Jensen", "Anne Holm", "Bo Dahl", "Søren Kristensen", "Mia Berg"]
    data = json.loads(GREVE.read_text(encoding="utf-8"))
    for person in data["Moede"].get("Deltagere") or []:
        if isinstance(person, dict) and person.get("Navn"):
            person["Navn"] = person["Navn"].replace(" ", "\u200b ", 1)
    path = tmp_path / GREVE.name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    assert not [p.name for p in build_record(path).participants if "\u200b" in p.name]


# -- 8. search: repeated and many words cost nothing, a long search is stopped ------------------------


def test_search_takes_each_word_once_and_few_of_them():
    import time as clock

    from analytics.web import Search

    search = Search()
    search.db.execute("CREATE VIRTUAL TABLE items_fts USING fts5(item_key UNINDEXED, record_id UNINDEXED, title, "
                      "recommendation, decisions, body)")
    search.db.executemany("INSERT INTO items_fts VALUES (?, ?, ?, ?, ?, ?)",
                          [(f"r#{n}", "r", f"Punkt {n} om a og b", "", "Godkendt.", "a " * 50) for n in range(300)])
    started = clock.perf_counter()
    assert len(search.find("a " * 50)) == 100
    assert search.find("x" * 1000 + " " + "a b c d e f g h i j k l m n o p " * 40) == []
    assert clock.perf_counter() - started < 5
