"""`minutes browse`: a small server-rendered web view of the store (Starlette, Jinja2, uvicorn).

Pages: the start page (bodies, recent meetings, search), meetings, one meeting, one item (every
decision, votes, attachments, its case numbers linking to their history, and a link to its source
at its lines or page), a case's history, decisions by outcome, cases, and full-text search over
item titles, recommendations, decisions and case texts (SQLite FTS5, the index the SQLite export
has, built in memory and rebuilt when the store changes). Every request reads the analytics
database read-only after the cheap refresh check, so the view follows ingests without a restart.
"""

from __future__ import annotations

import html
import json
import mimetypes
import os
import re
import socket
import sqlite3
import threading
from pathlib import Path
from urllib.parse import quote

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response
from starlette.routing import Route

from analytics import warehouse
from analytics.cases import history
from analytics.export import FTS_COLUMNS, FTS_SELECT, FTS_TABLE, create_fts
from analytics.store import read_record, source_paths, store_root

PAGE = 200  # rows per list page


def _env() -> Environment:
    env = Environment(loader=PackageLoader("analytics", "templates"), autoescape=select_autoescape(["html"]))
    env.filters["q"] = lambda value: quote(str(value), safe="")
    env.filters["item_url"] = lambda key: f"/item?key={quote(str(key), safe='')}"
    env.filters["case_url"] = lambda number: f"/case/{quote(str(number), safe='')}"
    env.filters["meeting_url"] = lambda rid: f"/meeting/{quote(str(rid), safe='')}"
    env.filters["lines"] = lambda text: Markup("<br>".join(html.escape(line) for line in (text or "").split("\n")))
    return env


class Search:
    """An FTS5 index of the items in memory, rebuilt when the analytics database changes."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.generation = -1
        self.db = sqlite3.connect(":memory:", check_same_thread=False)

    def ensure(self, con, generation: int) -> None:
        with self.lock:
            if generation == self.generation:
                return
            self.db.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")
            create_fts(self.db)
            rows = con.execute(FTS_SELECT.format(where="")).fetchall()
            marks = ", ".join("?" * len(FTS_COLUMNS))
            self.db.executemany(f"INSERT INTO {FTS_TABLE} VALUES ({marks})", rows)
            self.generation = generation

    def find(self, text: str, limit: int = 100) -> list[tuple[str, str]]:
        words = re.findall(r"\w+", text)
        if not words:
            return []
        match = " ".join(f'"{w}"*' for w in words)
        with self.lock:
            return self.db.execute(
                f"SELECT item_key, snippet({FTS_TABLE}, -1, char(2), char(3), ' … ', 16) FROM {FTS_TABLE} "
                f"WHERE {FTS_TABLE} MATCH ? ORDER BY rank LIMIT ?", (match, limit)).fetchall()


def _snippet(text: str) -> Markup:
    escaped = html.escape(text)
    return Markup(escaped.replace("\x02", "<mark>").replace("\x03", "</mark>"))


def make_app(out: str | os.PathLike) -> Starlette:
    root = store_root(out)
    env = _env()
    search = Search()

    def render(name: str, status: int = 200, **context) -> HTMLResponse:
        return HTMLResponse(env.get_template(name).render(**context), status_code=status)

    # One database access at a time in this process: a refresh (read-write) must not meet a
    # reading connection of another request (DuckDB opens a file one way per process).
    db_lock = threading.Lock()

    def fetch(sql: str, params: list | None = None) -> list[dict]:
        with db_lock:
            con = warehouse.connect(root)
            try:
                cursor = con.execute(sql, params or [])
                names = [d[0] for d in cursor.description]
                return [dict(zip(names, row)) for row in cursor.fetchall()]
            finally:
                con.close()

    def home(request: Request) -> Response:
        counts = fetch("""SELECT (SELECT count(*) FROM meetings) AS meetings, (SELECT count(*) FROM items) AS items,
                          (SELECT count(*) FROM decisions WHERE is_current) AS decisions,
                          (SELECT count(DISTINCT case_number) FROM cases) AS cases""")[0]
        bodies = fetch("""SELECT coalesce(body, '(none)') AS body, authority, count(*) AS meetings, min(date) AS first,
                          max(date) AS last FROM meetings GROUP BY ALL ORDER BY meetings DESC, body, authority""")
        recent = fetch("""SELECT record_id, body, date, document_type, item_count FROM meetings
                          ORDER BY date DESC NULLS LAST, record_id LIMIT 15""")
        return render("home.html", counts=counts, bodies=bodies, recent=recent)

    def meetings(request: Request) -> Response:
        body = request.query_params.get("body")
        authority = request.query_params.get("authority")
        year = request.query_params.get("year")
        where, params = [], []
        if body:
            where.append("coalesce(body, '(none)') = ?")
            params.append(body)
        if authority:
            where.append("authority = ?")
            params.append(authority)
        if year and year.isdigit():
            where.append("year(date) = ?")
            params.append(int(year))
        rows = fetch(f"""SELECT record_id, body, authority, date, document_type, item_count, participant_count
                         FROM meetings {'WHERE ' + ' AND '.join(where) if where else ''}
                         ORDER BY date DESC NULLS LAST, record_id""", params)
        return render("meetings.html", rows=rows, body=body, authority=authority, year=year)

    def meeting(request: Request) -> Response:
        rid = request.path_params["record_id"]
        found = fetch("SELECT * FROM meetings WHERE record_id = ?", [rid])
        if not found:
            return render("missing.html", 404, what=f"meeting {rid}")
        items = fetch("""SELECT i.item_key, i.number, i.title, i.access, i.outcome,
                                list(c.case_number ORDER BY c.case_index) FILTER (WHERE c.case_number IS NOT NULL) AS cases
                         FROM items i LEFT JOIN cases c USING (item_key) WHERE i.record_id = ?
                         GROUP BY i.item_key, i.number, i.title, i.access, i.outcome, i.item_index ORDER BY i.item_index""", [rid])
        people = fetch("""SELECT name, party, role, position, substitute_for, status FROM participants
                          WHERE record_id = ? ORDER BY participant_index""", [rid])
        links = fetch("""SELECT * FROM agenda_links WHERE minutes_record_id = ? OR agenda_record_id = ?""", [rid, rid])
        changes = fetch("""SELECT * FROM agenda_changes WHERE minutes_record_id = ? OR agenda_record_id = ?
                           ORDER BY change, number""", [rid, rid])
        return render("meeting.html", m=found[0], items=items, people=people, links=links, changes=changes)

    def item(request: Request) -> Response:
        key = request.query_params.get("key", "")
        found = fetch("""SELECT i.*, m.body, m.date, m.source_file, m.source_system, m.document_type
                         FROM items i JOIN meetings m USING (record_id) WHERE i.item_key = ?""", [key])
        if not found:
            return render("missing.html", 404, what=f"item {key}")
        decisions = fetch("SELECT * FROM decisions WHERE item_key = ? ORDER BY decision_index", [key])
        notes = fetch("SELECT decision_index, text FROM protocol_notes WHERE item_key = ? ORDER BY decision_index, "
                      "note_index", [key])
        for d in decisions:
            d["notes"] = [n["text"] for n in notes if n["decision_index"] == d["decision_index"]]
        cases = fetch("SELECT case_number, handlers FROM cases WHERE item_key = ? ORDER BY case_index", [key])
        votes = fetch("SELECT position, parties, count, text FROM votes WHERE item_key = ? ORDER BY vote_index", [key])
        attachments = fetch("SELECT title, url FROM attachments WHERE item_key = ? ORDER BY attachment_index", [key])
        return render("item.html", i=found[0], decisions=decisions, cases=cases, votes=votes,
                      attachments=attachments, source_url=f"/source?key={quote(key, safe='')}")

    def case(request: Request) -> Response:
        number = request.path_params["number"]
        with db_lock:
            rows = history(root, number)
        if not rows:
            return render("missing.html", 404, what=f"case {number}")
        return render("case.html", number=number, rows=rows)

    def cases(request: Request) -> Response:
        text = request.query_params.get("q", "").strip()
        params: list = []
        where = ""
        if text:
            where = "WHERE c.case_number ILIKE ? OR i.title ILIKE ?"
            params = [f"%{text}%", f"%{text}%"]
        rows = fetch(f"""SELECT c.case_number, count(DISTINCT c.item_key) AS items, min(m.date) AS first,
                                max(m.date) AS last, arg_min(i.title, m.date) AS title
                         FROM cases c JOIN items i USING (item_key) JOIN meetings m ON m.record_id = c.record_id
                         {where} GROUP BY c.case_number ORDER BY items DESC, last DESC LIMIT {PAGE}""", params)
        return render("cases.html", rows=rows, q=text)

    def decisions(request: Request) -> Response:
        outcome = request.query_params.get("outcome", "")
        body = request.query_params.get("body", "")
        where, params = ["d.is_current"], []
        if outcome:
            where.append("d.outcome = ?")
            params.append(outcome)
        if body:
            where.append("d.body = ?")
            params.append(body)
        rows = fetch(f"""SELECT d.item_key, d.body, d.decided_on, d.outcome, d.text, i.title, i.number
                         FROM decisions d JOIN items i USING (item_key) WHERE {' AND '.join(where)}
                         ORDER BY d.decided_on DESC NULLS LAST, d.item_key LIMIT {PAGE}""", params)
        outcomes = fetch("SELECT outcome, count(*) AS n FROM decisions WHERE is_current GROUP BY 1 ORDER BY 2 DESC")
        return render("decisions.html", rows=rows, outcome=outcome, body=body, outcomes=outcomes)

    def do_search(request: Request) -> Response:
        text = request.query_params.get("q", "").strip()
        results = []
        if text:
            with db_lock:
                con = warehouse.connect(root)
                try:
                    search.ensure(con, warehouse.generation(con))
                finally:
                    con.close()
            hits = search.find(text)
            if hits:
                keys = [k for k, _ in hits]
                info = {r["item_key"]: r for r in fetch(
                    """SELECT i.item_key, i.number, i.title, i.outcome, m.body, m.date, m.document_type FROM items i
                       JOIN meetings m USING (record_id) WHERE i.item_key IN (SELECT unnest(?))""", [keys])}
                results = [{**info[k], "snippet": _snippet(s)} for k, s in hits if k in info]
        return render("search.html", q=text, results=results)

    def source(request: Request) -> Response:
        key = request.query_params.get("key", "")
        found = fetch("""SELECT i.record_id, i.number, i.title, i.start_line, i.end_line, i.start_page, i.end_page,
                                i.source_pointer, m.source_file, m.source_sha256, m.source_media_type
                         FROM items i JOIN meetings m USING (record_id) WHERE i.item_key = ?""", [key])
        if not found:
            return render("missing.html", 404, what=f"item {key}")
        it = found[0]
        path = _source_file(root, it["source_sha256"])
        context = {"i": it, "key": key, "path": path, "lines": [], "fragment": None, "raw_url": None}
        if path is None:
            return render("source.html", **context)
        media = it["source_media_type"] or ""
        if media == "application/pdf":
            page = it["start_page"] or 1
            context["raw_url"] = f"/source/raw?key={quote(key, safe='')}#page={page}"
        elif it["source_pointer"] and media == "application/json":
            context["fragment"] = _json_pointer(path, it["source_pointer"])
        elif media.startswith("text/plain"):
            text = path.read_text(encoding="utf-8", errors="replace")
            start, end = it["start_line"] or 0, it["end_line"] or 0
            context["lines"] = [(n, line, start <= n <= end)
                                for n, line in enumerate(text.split("\n"), 1)]
        else:
            context["raw_url"] = f"/source/raw?key={quote(key, safe='')}"
        return render("source.html", **context)

    def source_raw(request: Request) -> Response:
        key = request.query_params.get("key", "")
        found = fetch("""SELECT m.source_sha256, m.source_media_type FROM items i JOIN meetings m USING (record_id)
                         WHERE i.item_key = ?""", [key])
        path = _source_file(root, found[0]["source_sha256"]) if found else None
        if path is None:
            return render("missing.html", 404, what="source file")
        media = found[0]["source_media_type"] or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return FileResponse(path, media_type=media)

    def record_json(request: Request) -> Response:
        rid = request.path_params["record_id"]
        try:
            record = read_record(root, rid)
        except (OSError, ValueError):
            return render("missing.html", 404, what=f"record {rid}")
        return Response(json.dumps(record, ensure_ascii=False, indent=2), media_type="application/json")

    return Starlette(routes=[
        Route("/", home),
        Route("/meetings", meetings),
        Route("/meeting/{record_id}", meeting),
        Route("/record/{record_id}.json", record_json),
        Route("/item", item),
        Route("/case/{number:path}", case),
        Route("/cases", cases),
        Route("/decisions", decisions),
        Route("/search", do_search),
        Route("/source", source),
        Route("/source/raw", source_raw),
    ])


def _source_file(root: Path, sha256: str | None) -> Path | None:
    """The source document as the manifest last saw it, if it is still there."""
    if not sha256:
        return None
    for candidate in source_paths(root).get(sha256, []):
        path = Path(candidate)
        if path.is_file():
            return path
    return None


def _json_pointer(path: Path, pointer: str) -> str | None:
    try:
        node = json.loads(path.read_bytes())
        for token in pointer.strip("/").split("/"):
            token = token.replace("~1", "/").replace("~0", "~")
            node = node[int(token)] if isinstance(node, list) else node[token]
    except (OSError, ValueError, KeyError, IndexError, TypeError):
        return None
    return json.dumps(node, ensure_ascii=False, indent=2)


def serve(out: str | os.PathLike, host: str = "127.0.0.1", port: int = 8750) -> None:
    import uvicorn

    warehouse.refresh(store_root(out))
    uvicorn.run(make_app(out), host=host, port=port, log_level="warning")


class Running:
    """A browse server in a thread (for tests and benchmarks): `url`, then `stop()`."""

    def __init__(self, out: str | os.PathLike, host: str = "127.0.0.1", port: int = 0) -> None:
        import uvicorn

        if port == 0:
            with socket.socket() as s:
                s.bind((host, 0))
                port = s.getsockname()[1]
        self.url = f"http://{host}:{port}"
        self.server = uvicorn.Server(uvicorn.Config(make_app(out), host=host, port=port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        while not self.server.started:
            if not self.thread.is_alive():
                raise RuntimeError("browse server did not start")
            threading.Event().wait(0.02)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)
