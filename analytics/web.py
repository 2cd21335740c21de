"""`minutes browse`: a small server-rendered web view of the store (Starlette, Jinja2, uvicorn).

Pages: the start page (bodies, recent meetings, search), meetings, one meeting, one item (every
decision, votes, attachments, its case numbers linking to their history, and a link to its source
at its lines or page), a case's history, decisions by outcome, cases, and full-text search over
item titles, recommendations, decisions and case texts (SQLite FTS5, the index the SQLite export
has, built in memory and rebuilt when the store changes). Every request reads the analytics
database read-only after the cheap refresh check, so the view follows ingests without a restart.
"""

from __future__ import annotations

import hashlib
import html
import json
import mimetypes
import os
import re
import socket
import sqlite3
import stat
import threading
import time
from pathlib import Path
from urllib.parse import quote

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup
from starlette.applications import Starlette
from starlette.datastructures import MutableHeaders
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response
from starlette.routing import Route

from analytics import warehouse
from analytics.cases import history
from analytics.export import FTS_COLUMNS, FTS_SELECT, FTS_TABLE, create_fts
from analytics.store import read_record, source_paths, store_root

PAGE = 200  # rows per list page
# A search reads at most this much of the query, this many different words, and runs this long.
MAX_QUERY = 200
MAX_TERMS = 8
SEARCH_SECONDS = 2.0
# Every page: no script at all, nothing loaded from elsewhere, never framed. Sources: sandboxed too
# (no script, no same origin), whatever they hold.
PAGE_POLICY = ("default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; "
               "frame-ancestors 'none'; base-uri 'none'")
SOURCE_POLICY = "sandbox; default-src 'none'; frame-ancestors 'none'"
PDF_POLICY = "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"


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
        """Items matching every word of `text` (as prefixes): the words once each, at most
        MAX_TERMS of them from the first MAX_QUERY characters, one-letter words only where nothing
        else is asked; a search that runs longer than SEARCH_SECONDS is stopped (no hits)."""
        words = list(dict.fromkeys(w.casefold() for w in re.findall(r"\w+", text[:MAX_QUERY])))
        words = [w for w in words if len(w) > 1] or words[:1]
        words = words[:MAX_TERMS]
        if not words:
            return []
        match = " ".join(f'"{w}"*' for w in words)
        deadline = time.monotonic() + SEARCH_SECONDS
        with self.lock:
            self.db.set_progress_handler(lambda: int(time.monotonic() > deadline), 10_000)
            try:
                return self.db.execute(
                    f"SELECT item_key, snippet({FTS_TABLE}, -1, char(2), char(3), ' … ', 16) FROM {FTS_TABLE} "
                    f"WHERE {FTS_TABLE} MATCH ? ORDER BY rank LIMIT ?", (match, limit)).fetchall()
            except sqlite3.OperationalError as err:
                if "interrupt" in str(err).lower():
                    return []
                raise
            finally:
                self.db.set_progress_handler(None, 0)


def _snippet(text: str) -> Markup:
    escaped = html.escape(text)
    return Markup(escaped.replace("\x02", "<mark>").replace("\x03", "</mark>"))


def make_app(out: str | os.PathLike, hosts: tuple[str, ...] = ()):
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
        found = fetch("""SELECT i.*, m.body, m.date, coalesce(i.document_file, m.source_file) AS source_file,
                                m.source_system, m.document_type
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
                      attachments=attachments, source_url=f"/source?key={quote(key, safe='')}"
                      + (f"#L{found[0]['start_line']}" if found[0]["start_line"] else ""))

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
                                i.source_pointer, coalesce(i.document_file, m.source_file) AS source_file,
                                coalesce(i.document_sha256, m.source_sha256) AS source_sha256,
                                coalesce(i.document_media_type, m.source_media_type) AS source_media_type
                         FROM items i JOIN meetings m USING (record_id) WHERE i.item_key = ?""", [key])
        if not found:
            return render("missing.html", 404, what=f"item {key}")
        it = found[0]
        data = source_bytes(root, it["source_sha256"])
        context = {"i": it, "key": key, "path": data is not None, "lines": [], "fragment": None, "raw_url": None}
        if data is None:
            return render("source.html", **context)
        media = it["source_media_type"] or ""
        if media == "application/pdf":
            page = it["start_page"] or 1
            context["raw_url"] = f"/source/raw?key={quote(key, safe='')}#page={page}"
        elif it["source_pointer"] and media == "application/json":
            context["fragment"] = _json_pointer(data, it["source_pointer"])
        elif media.startswith("text/plain"):
            text = data.decode("utf-8", errors="replace")
            start, end = it["start_line"] or 0, it["end_line"] or 0
            context["lines"] = [(n, line, start <= n <= end)
                                for n, line in enumerate(text.split("\n"), 1)]
        else:
            context["raw_url"] = f"/source/raw?key={quote(key, safe='')}"
        return render("source.html", **context)

    def source_raw(request: Request) -> Response:
        """The source file as it was ingested, never as active content on this origin: a PDF for the
        browser's viewer, text (HTML, XML, JSON) as plain text, anything else as a download."""
        key = request.query_params.get("key", "")
        found = fetch("""SELECT coalesce(i.document_file, m.source_file) AS source_file,
                                coalesce(i.document_sha256, m.source_sha256) AS source_sha256,
                                coalesce(i.document_media_type, m.source_media_type) AS source_media_type
                         FROM items i JOIN meetings m USING (record_id) WHERE i.item_key = ?""", [key])
        data = source_bytes(root, found[0]["source_sha256"]) if found else None
        if data is None:
            return render("missing.html", 404, what="source file")
        name = Path(found[0]["source_file"] or "source").name
        media = found[0]["source_media_type"] or mimetypes.guess_type(name)[0] or "application/octet-stream"
        headers = {"Content-Security-Policy": SOURCE_POLICY}
        if media == "application/pdf":  # the browser's own viewer, which a sandbox or `object-src` would block
            headers["Content-Security-Policy"] = PDF_POLICY
            headers["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(name)}"
        elif media.startswith("text/") or media.endswith(("/json", "/xml", "+xml")):
            media = "text/plain; charset=utf-8"
            data = data.decode(_charset(data), errors="replace").encode("utf-8")
            headers["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(name)}"
        else:
            media = "application/octet-stream"
            headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
        return Response(data, media_type=media, headers=headers)

    def record_json(request: Request) -> Response:
        rid = request.path_params["record_id"]
        try:
            record = read_record(root, rid)
        except (OSError, ValueError):
            return render("missing.html", 404, what=f"record {rid}")
        return Response(json.dumps(record, ensure_ascii=False, indent=2), media_type="application/json")

    app = Starlette(routes=[
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
    # Only the names this server is reached by on this machine: a page of another site that
    # resolves its own name to 127.0.0.1 (DNS rebinding) gets 400, not the records.
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=sorted({"127.0.0.1", "localhost", "::1", *hosts}))
    return _Secured(app)


class _Secured:
    """Security headers on every response: the page policy unless the route set its own, no type
    sniffing, no referrer sent to the sites that attachments link to."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def secured(message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("content-security-policy", PAGE_POLICY)
                headers["x-content-type-options"] = "nosniff"
                headers["referrer-policy"] = "no-referrer"
            await send(message)

        await self.app(scope, receive, secured)


def source_bytes(root: Path, sha256: str | None) -> bytes | None:
    """The source document exactly as it was ingested: the bytes at a path the manifest names whose
    sha256 is the record's, read without following a symbolic link anywhere in the path. A file
    edited or replaced since (by a link to something else, say) is not served."""
    if not sha256:
        return None
    for candidate in source_paths(root).get(sha256, []):
        path = Path(candidate).absolute()
        try:
            if path.resolve() != path:  # a link in the path
                continue
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_NONBLOCK", 0))
            with os.fdopen(fd, "rb") as handle:
                if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                    continue
                data = handle.read()
        except OSError:
            continue
        if hashlib.sha256(data).hexdigest() == sha256:
            return data
    return None


def _charset(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        return "cp1252"


def _json_pointer(data: bytes, pointer: str) -> str | None:
    try:
        node = json.loads(data)
        for token in pointer.strip("/").split("/"):
            token = token.replace("~1", "/").replace("~0", "~")
            node = node[int(token)] if isinstance(node, list) else node[token]
    except (ValueError, KeyError, IndexError, TypeError, RecursionError):
        return None
    return json.dumps(node, ensure_ascii=False, indent=2)


def serve(out: str | os.PathLike, host: str = "127.0.0.1", port: int = 8750) -> None:
    import uvicorn

    warehouse.refresh(store_root(out))
    uvicorn.run(make_app(out, (host,)), host=host, port=port, log_level="warning")


class Running:
    """A browse server in a thread (for tests and benchmarks): `url`, then `stop()`."""

    def __init__(self, out: str | os.PathLike, host: str = "127.0.0.1", port: int = 0) -> None:
        import uvicorn

        if port == 0:
            with socket.socket() as s:
                s.bind((host, 0))
                port = s.getsockname()[1]
        self.url = f"http://{host}:{port}"
        self.server = uvicorn.Server(uvicorn.Config(make_app(out, (host,)), host=host, port=port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        while not self.server.started:
            if not self.thread.is_alive():
                raise RuntimeError("browse server did not start")
            threading.Event().wait(0.02)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)
