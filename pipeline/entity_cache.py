"""A store's cache of the entity layer's first step: parsed texts, shared by every process of a run.

Meeting minutes repeat themselves: in the Greve corpus half of the characters of the item texts
are texts seen before (the same boilerplate in many meetings). The entity layer's first step, the
spaCy pipeline over one text, depends on nothing but that text and the code and data of the
extractors (``extractors.entities.annotate``: the record's context enters only in the second
step). So what it made of a text is kept, as the layer's packed bytes, in an SQLite file of the
store (``cache/entities.sqlite``), keyed by the SHA-256 of the text and of the **fingerprint**:
every source and data file of ``extractors/``, the format and the versions of spaCy and
spacy-lookups-data. A change to any of them gives other keys, so a stale entry is never read;
the file is dropped and started afresh when its fingerprint is not the current one.

Each document's child opens the file itself (connections never cross a fork), reads what it
has, and adds what it parsed in one transaction; SQLite's write-ahead log lets the children of a
run read and write at once. Trouble with the file (locked too long, corrupt, read-only) never
fails a document: the layer then parses as if there were no cache.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sqlite3
import threading
from functools import lru_cache
from pathlib import Path

FORMAT = "1"
FILE = Path("cache") / "entities.sqlite"
_EXTRACTORS = Path(__file__).resolve().parents[1] / "extractors"


@lru_cache(maxsize=None)
def fingerprint(root: Path = _EXTRACTORS) -> str:
    """The SHA-256 of what a parse depends on: every file under `root` (the extractors' code and
    data, caches left out), the cache's format, and the versions of spaCy and its lookup data."""
    from importlib import metadata

    h = hashlib.sha256(f"referat-entity-cache\0{FORMAT}".encode())
    for name in ("spacy", "spacy-lookups-data", "numpy"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            h.update(f"\0{name}={metadata.version(name)}".encode())
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        rel = path.relative_to(root)
        if any(part in ("__pycache__", "__cache__") for part in rel.parts) or path.suffix in (".pyc", ".tmp"):
            continue
        h.update(b"\0" + rel.as_posix().encode() + b"\0")
        h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


class EntityCache:
    """`get(texts)` -> {text: bytes} of what is cached, `put({text: bytes})`: the interface the entity
    layer takes (``annotate(..., cache=)``); the bytes are the layer's own."""

    def __init__(self, path: str | os.PathLike, fingerprint: str | None = None, timeout: float = 30.0,
                 readonly: bool = False) -> None:
        self.path = Path(path)
        self.fingerprint = fingerprint or globals()["fingerprint"]()
        self.timeout = timeout
        self.readonly = readonly  # only reads, and never checkpoints the log when it closes
        self._db: sqlite3.Connection | None = None

    def _key(self, text: str) -> bytes:
        h = hashlib.sha256(self.fingerprint.encode())
        h.update(b"\0")
        h.update(text.encode("utf-8", "surrogatepass"))
        return h.digest()[:20]

    def _connect(self) -> sqlite3.Connection:
        if self._db is None and self.readonly:
            db = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True, timeout=self.timeout)
            try:
                row = db.execute("SELECT value FROM meta WHERE name = 'fingerprint'").fetchone()
            except BaseException:
                db.close()
                raise
            if row is None or row[0] != self.fingerprint:
                db.close()
                raise sqlite3.OperationalError("the cache holds entries of other code or data")
            self._db = db
        if self._db is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None)
            try:
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA synchronous=NORMAL")
                db.execute("CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT)")
                db.execute("CREATE TABLE IF NOT EXISTS parsed (key BLOB PRIMARY KEY, value BLOB) WITHOUT ROWID")
                db.execute("CREATE TABLE IF NOT EXISTS chunks (id INTEGER PRIMARY KEY, chunk TEXT UNIQUE)")
                row = db.execute("SELECT value FROM meta WHERE name = 'fingerprint'").fetchone()
                if row is None or row[0] != self.fingerprint:
                    # Entries of other code or data are never read again (other keys): drop them.
                    db.execute("BEGIN IMMEDIATE")
                    row = db.execute("SELECT value FROM meta WHERE name = 'fingerprint'").fetchone()
                    if row is None or row[0] != self.fingerprint:
                        db.execute("DELETE FROM parsed")
                        db.execute("DELETE FROM chunks")
                        db.execute("INSERT OR REPLACE INTO meta VALUES ('fingerprint', ?)", (self.fingerprint,))
                    db.execute("COMMIT")
            except BaseException:
                db.close()
                raise
            self._db = db
        return self._db

    def get(self, texts: list[str]) -> dict[str, bytes]:
        """What the cache holds for `texts` ({} when the file cannot be read)."""
        keys = {self._key(t): t for t in dict.fromkeys(texts)}
        found: dict[str, bytes] = {}
        try:
            db = self._connect()
            items = list(keys)
            for n in range(0, len(items), 500):
                chunk = items[n:n + 500]
                rows = db.execute(f"SELECT key, value FROM parsed WHERE key IN ({','.join('?' * len(chunk))})", chunk)
                for key, value in rows:
                    found[keys[key]] = value
        except sqlite3.Error:
            return {}
        return found

    def put(self, entries: dict[str, bytes]) -> None:
        """Keep `entries` (text -> bytes); an entry already there stays as it is. The chunks of their
        texts that this process was not primed with are noted for `prime` (the texts were just
        parsed: they are new to the cache)."""
        if not entries:
            return
        chunks = {c for text in entries for c in text.split()}
        chunks.difference_update(_PRIMED)
        try:
            db = self._connect()
            db.execute("BEGIN IMMEDIATE")
            try:
                db.executemany("INSERT OR IGNORE INTO parsed VALUES (?, ?)",
                               [(self._key(t), v) for t, v in entries.items()])
                db.executemany("INSERT OR IGNORE INTO chunks (chunk) VALUES (?)", ((c,) for c in sorted(chunks)))
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        except sqlite3.Error:
            pass  # a cache that cannot be written is only slower

    def chunks_after(self, last: int) -> tuple[list[str], int]:
        """The chunks noted after id `last`, and the last id."""
        try:
            rows = self._connect().execute("SELECT id, chunk FROM chunks WHERE id > ? ORDER BY id", (last,)).fetchall()
        except sqlite3.Error:
            return [], last
        return [chunk for _, chunk in rows], (rows[-1][0] if rows else last)

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


# The chunks this process was primed with (`prime`), inherited by the children it forks: what
# they need not note again.
_PRIMED: set[str] = set()
_primed_upto: dict[Path, int] = {}
_priming = threading.Lock()


@contextlib.contextmanager
def primed(path: str | os.PathLike):
    """Prime this process's entity pipeline (extractors.entities.nlp.prime) with the chunks of text
    that the children of the run, parsing texts new to the cache at `path`, met and it has not
    learnt yet, and hold other threads off priming until the block is left: fork the document's
    child in it. Every child forked so finds the tokenizations, lexemes, norms and lemmas of what
    the children before it met made, instead of making them again for itself (never half made:
    no thread primes during a fork). Only a head start: the records are the same. Quick when
    there is nothing new."""
    with _priming:
        try:
            path = Path(path)
            if path.exists():
                cache = EntityCache(path, readonly=True)
                try:
                    chunks, last = cache.chunks_after(_primed_upto.get(path, 0))
                finally:
                    cache.close()
                chunks = [c for c in chunks if c not in _PRIMED]
                if chunks:
                    from extractors.entities.nlp import get_nlp, prime

                    prime(get_nlp(), chunks)
                    _PRIMED.update(chunks)
                _primed_upto[path] = last
        except Exception:  # noqa: BLE001 - only a head start
            pass
        yield


def store_cache_path(store) -> Path | None:
    """Where the entity cache of a local store lives; None for a remote store (no cache)."""
    if not getattr(store, "is_local", False):
        return None
    return Path(store.root) / FILE
