"""Danish word forms and their lemmas: the lookup table that ships in spacy-lookups-data.

Shared by normalisation (is this a Danish word?) and the spaCy layer's lemmatizer. Reading the
gzipped JSON (550,000 forms) and building a set of every form takes about two seconds, more than a
whole document; so it is compiled once into an SQLite file in referat's data cache
(`extractors.cache`: keyed by the table's SHA-256 and the package versions, written atomically)
that every later process opens in well under a millisecond and queries a word at a time. Where no
cache folder can be written, the table is read into memory as before.
"""

from __future__ import annotations

import gzip
import json
import os
import sqlite3
import threading
from functools import lru_cache
from pathlib import Path

from extractors import cache


def _source() -> Path:
    import spacy_lookups_data

    return Path(spacy_lookups_data.__file__).parent / "data" / "da_lemma_lookup.json.gz"


def _read_source() -> dict[str, str]:
    with gzip.open(_source(), "rt", encoding="utf-8") as handle:
        return json.load(handle)


def _forms(table: dict[str, str]) -> set[str]:
    return {word.lower() for pair in table.items() for word in pair}


def _build(path: Path) -> None:
    table = _read_source()
    db = sqlite3.connect(path)
    try:
        db.execute("CREATE TABLE lemma (form TEXT PRIMARY KEY, lemma TEXT NOT NULL) WITHOUT ROWID")
        db.execute("CREATE TABLE word (form TEXT PRIMARY KEY) WITHOUT ROWID")
        db.executemany("INSERT INTO lemma VALUES (?, ?)", table.items())
        db.executemany("INSERT INTO word VALUES (?)", ((w,) for w in sorted(_forms(table))))
        db.commit()
    finally:
        db.close()


class _Table:
    """The compiled table, read-only; a connection per thread (and per process after a fork)."""

    def __init__(self, path: Path) -> None:
        self.uri = f"{path.resolve().as_uri()}?mode=ro&immutable=1"
        self.local = threading.local()

    def db(self) -> sqlite3.Connection:
        local = self.local
        if getattr(local, "pid", None) != os.getpid():
            local.db = sqlite3.connect(self.uri, uri=True, check_same_thread=False)
            local.pid = os.getpid()
        return local.db


class LemmaTable:
    """Word form -> lemma, as a read-only mapping (`get`, `in`, `[]`) over the compiled table."""

    def __init__(self, table: _Table) -> None:
        self.table = table

    def get(self, form: str, default: str | None = None) -> str | None:
        row = self.table.db().execute("SELECT lemma FROM lemma WHERE form = ?", (form,)).fetchone()
        return default if row is None else row[0]

    def __contains__(self, form: object) -> bool:
        return isinstance(form, str) and self.get(form) is not None

    def __getitem__(self, form: str) -> str:
        lemma = self.get(form)
        if lemma is None:
            raise KeyError(form)
        return lemma

    def __len__(self) -> int:
        return self.table.db().execute("SELECT count(*) FROM lemma").fetchone()[0]


class WordForms:
    """Every lowercased form and lemma, as a read-only set (`in`) over the compiled table."""

    def __init__(self, table: _Table) -> None:
        self.table = table

    def __contains__(self, word: object) -> bool:
        if not isinstance(word, str):
            return False
        return self.table.db().execute("SELECT 1 FROM word WHERE form = ?", (word,)).fetchone() is not None

    def __len__(self) -> int:
        return self.table.db().execute("SELECT count(*) FROM word").fetchone()[0]


@lru_cache(maxsize=1)
def _compiled() -> _Table | None:
    import spacy_lookups_data

    version = getattr(spacy_lookups_data, "__version__", "")
    path = cache.cached_path("da-lemmas", ".sqlite", [_source()], [version, sqlite3.sqlite_version], _build)
    return _Table(path) if path is not None else None


@lru_cache(maxsize=1)
def danish_lemmas() -> LemmaTable | dict[str, str]:
    """Word form -> lemma (lowercase forms; the table is case-sensitive)."""
    table = _compiled()
    return LemmaTable(table) if table is not None else _read_source()


@lru_cache(maxsize=1)
def danish_word_forms() -> WordForms | frozenset[str]:
    """Every lowercased form and lemma in the table."""
    table = _compiled()
    if table is not None:
        return WordForms(table)
    lemmas = danish_lemmas()
    return frozenset(_forms(lemmas if isinstance(lemmas, dict) else _read_source()))
