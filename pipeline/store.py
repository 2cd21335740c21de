"""The output store: records, their history, a manifest of every document seen, quarantine, a lock.

Layout under the store root (a local folder by default, any fsspec URL otherwise):

    records/<record_id>.json                 the current record of each meeting
    history/<record_id>/<stamp>-<sha12>.json  every earlier version a rerun replaced
    manifest.jsonl                           one JSON line per event (processed, failed, seen, skipped,
                                             duplicate_source, retired, run)
    quarantine/<sha12>-<file>.error.json     why a document failed (code, message, when)
    quarantine/<sha12>-<file>                a copy of the failed document (a long <file> is cut
                                             and ends in a hash of the whole name: fits any file system)
    .lock                                    held by the one run allowed to write

Writes are atomic: a temporary file in the same folder, then a rename, so readers and killed
writers never leave or see half a file. Files are created with the process's umask (0666 &
~umask, as `open` would), so a shared store is readable by the analysts' group. No Prefect here:
flows call these functions.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import socket
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import fsspec
from fsspec.implementations.local import LocalFileSystem

from schemas.record import MeetingRecord

MANIFEST = "manifest.jsonl"
TMP_SUFFIX = ".tmp"


def now_iso() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds")


def atomic_write_text(target: Path, text: str) -> None:
    """Write `target` so that it holds either its old content or all of `text`, never a part."""
    atomic_write_bytes(target, text.encode("utf-8"))


def current_umask() -> int:
    """The process's umask, read without changing it (Linux: /proc; elsewhere set and restore)."""
    try:
        with open("/proc/self/status", "rb") as handle:
            for line in handle:
                if line.startswith(b"Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def atomic_write_bytes(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    # mkstemp's 0600 would leave every stored file unreadable to the group of a shared store.
    # The temporary name is cut to fit NAME_MAX whatever the target's name.
    prefix = "." + os.fsencode(target.name)[:100].decode("utf-8", "ignore") + "."
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=prefix, suffix=TMP_SUFFIX)
    try:
        os.fchmod(fd, 0o666 & ~current_umask())
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_dir(target.parent)


def _fsync_dir(folder: Path) -> None:
    # Make the rename itself durable (the directory entry), not only the file's bytes.
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_record_file(out: Path, record: MeetingRecord) -> Path:
    """Write DIR/records/<record_id>.json atomically, keeping an earlier version in history/."""
    Store(out).commit_record(record)
    return Path(out) / "records" / f"{record.record_id}.json"


QUARANTINE_NAME_BYTES = 120  # of the file's own name; + "<sha12>-" + ".error.json" stays far below 255


def quarantine_stem(sha256: str, file_name: str) -> str:
    """`<sha12>-<file name>` for quarantine/, short enough for any file system: a name longer
    than QUARANTINE_NAME_BYTES (UTF-8) keeps its start and its extension with a hash of the
    whole name between them; a name that is not UTF-8 has its bad bytes replaced."""
    raw = os.fsencode(file_name)
    name = raw.decode("utf-8", "replace").replace("/", "_")
    if len(name.encode("utf-8")) > QUARANTINE_NAME_BYTES or name != raw.decode("utf-8", "ignore"):
        digest = hashlib.sha256(raw).hexdigest()[:10]
        suffix = Path(name).suffix if len(Path(name).suffix.encode("utf-8")) <= 16 else ""
        room = QUARANTINE_NAME_BYTES - len(suffix.encode("utf-8")) - len(digest) - 2
        head = name[: len(name) - len(suffix)] if suffix else name
        head = head.encode("utf-8")[:room].decode("utf-8", "ignore")
        name = f"{head}~{digest}{suffix}"
    return f"{sha256[:12]}-{name}"


def _same_source(text: str, record: MeetingRecord) -> bool:
    try:
        data = json.loads(text)
        return (data["source"]["sha256"] == record.source.sha256
                and data["extractor_version"] == record.extractor_version)
    except (ValueError, KeyError, TypeError):
        return False


class StoreLocked(RuntimeError):
    """Another run holds the store's lock and did not release it in time."""


@dataclass
class DocState:
    """What the manifest knows about one document (one sha256), folded over its events."""

    sha256: str
    status: str  # "ok" | "failed"
    record_id: str | None
    extractor_version: str | None
    retryable: bool = False
    paths: list[str] = field(default_factory=list)
    last: dict[str, Any] = field(default_factory=dict)
    # Runs in a row that failed with a retryable (I/O) error at this extractor version: a
    # document is retried by later runs only up to MAX_IO_RETRIES of them (pipeline.ingest).
    io_failures: int = 0


@dataclass
class CommitResult:
    record_id: str
    path: str
    changed: bool  # False: the same record was already there, nothing written
    previous: str | None = None  # where the replaced version was kept


class Store:
    """An output store at a local path or an fsspec URL (memory://, s3://, ...)."""

    def __init__(self, url: str | os.PathLike[str]):
        self.url = os.fspath(url)
        self.fs, root = fsspec.core.url_to_fs(self.url)
        self.root = root.rstrip("/") or "/"
        self.is_local = isinstance(self.fs, LocalFileSystem)

    def __repr__(self) -> str:
        return f"Store({self.url!r})"

    # -- paths and atomic I/O -------------------------------------------------------------
    def path(self, *parts: str) -> str:
        return "/".join([self.root, *parts])

    def exists(self, *parts: str) -> bool:
        return self.fs.exists(self.path(*parts))

    def read_text(self, *parts: str) -> str | None:
        try:
            with self.fs.open(self.path(*parts), "rb") as handle:
                return handle.read().decode("utf-8")
        except FileNotFoundError:
            return None

    def write_bytes(self, rel: str, data: bytes) -> None:
        target = self.path(rel)
        if self.is_local:
            atomic_write_bytes(Path(target), data)
            return
        # Object stores write an object in one PUT (atomic already); for file-like remote
        # systems the temporary name plus move keeps readers from seeing a partial file.
        parent, name = target.rsplit("/", 1)
        self.fs.makedirs(parent, exist_ok=True)
        tmp = f"{parent}/.{name}.{uuid.uuid4().hex}{TMP_SUFFIX}"
        self.fs.pipe_file(tmp, data)
        try:
            self.fs.mv(tmp, target)
        finally:
            with contextlib.suppress(FileNotFoundError):
                if self.fs.exists(tmp):
                    self.fs.rm(tmp)

    def write_text(self, rel: str, text: str) -> None:
        self.write_bytes(rel, text.encode("utf-8"))

    # -- records and their history --------------------------------------------------------
    def record_path(self, record_id: str) -> str:
        return self.path("records", f"{record_id}.json")

    def read_record(self, record_id: str) -> MeetingRecord | None:
        text = self.read_text("records", f"{record_id}.json")
        return None if text is None else MeetingRecord.model_validate_json(text)

    def record_ids(self) -> list[str]:
        folder = self.path("records")
        if not self.fs.exists(folder):
            return []
        names = (p.rsplit("/", 1)[-1] for p in self.fs.ls(folder, detail=False))
        return sorted(n[: -len(".json")] for n in names if n.endswith(".json") and not n.startswith("."))

    def history(self, record_id: str) -> list[str]:
        """Paths of the earlier versions of a record, oldest first."""
        folder = self.path("history", record_id)
        if not self.fs.exists(folder):
            return []
        return sorted(p for p in self.fs.ls(folder, detail=False) if p.endswith(".json"))

    def commit_record(self, record: MeetingRecord, same_source_in_place: bool = False) -> CommitResult:
        """Make `record` the current version of its record_id; keep the version it replaces.

        The new text is validated against the schema before anything is written, the old
        version is copied into history/ before the new one is renamed over it: at every moment
        the store holds a complete, valid current record and every earlier one.
        `same_source_in_place`: a current version made from the same document by the same
        extractor version (only the provenance of other files differs) is replaced, not kept.
        """
        text = record.model_dump_json(indent=2) + "\n"
        MeetingRecord.model_validate_json(text)  # what we write is what the contract says
        rid = record.record_id
        rel = f"records/{rid}.json"
        current = self.read_text(rel)
        if current == text:
            return CommitResult(rid, self.path(rel), changed=False)
        previous = None
        if current is not None and not (same_source_in_place and _same_source(current, record)):
            previous = self._keep_version(rid, current)
        self.write_text(rel, text)
        return CommitResult(rid, self.path(rel), changed=True, previous=previous)

    def retire_record(self, record_id: str, sha256: str) -> str | None:
        """Move the current record `record_id` into history/ if it was made from the document
        `sha256`: that document now has a record under another id (a new extractor version can
        change an id), and one document must not stand in records/ twice. Returns the history
        path, or None when there was nothing of this document to retire."""
        rel = f"records/{record_id}.json"
        current = self.read_text(rel)
        if current is None:
            return None
        try:
            made_from = json.loads(current)["source"]["sha256"]
        except (ValueError, KeyError, TypeError):
            return None
        if made_from != sha256:
            return None  # another document has that id now: leave it alone
        kept = self._keep_version(record_id, current)
        self.fs.rm(self.path(rel))
        return kept

    def _keep_version(self, record_id: str, text: str) -> str:
        try:
            sha = json.loads(text)["source"]["sha256"][:12]
        except (ValueError, KeyError, TypeError):
            sha = "unknown"
        stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
        rel = f"history/{record_id}/{stamp}-{sha}.json"
        self.write_text(rel, text)
        return self.path(rel)

    # -- quarantine -----------------------------------------------------------------------
    def quarantine(
        self,
        source: Path,
        sha256: str,
        code: str,
        message: str,
        *,
        extractor_version: str,
        retryable: bool = False,
    ) -> str:
        """File a failed document with the reason; returns the path of the reason file."""
        stem = quarantine_stem(sha256, source.name)
        reason = {
            "sha256": sha256,
            "file_name": source.name,
            "path": str(source),
            "code": code,
            "message": message,
            "retryable": retryable,
            "extractor_version": extractor_version,
            "at": now_iso(),
        }
        with contextlib.suppress(OSError):  # the copy is a courtesy; the reason is what counts
            self.write_bytes(f"quarantine/{stem}", source.read_bytes())
        # ASCII JSON: a file name that is not valid UTF-8 (surrogate escapes) must not break the write.
        self.write_text(f"quarantine/{stem}.error.json", json.dumps(reason, ensure_ascii=True, indent=2) + "\n")
        return self.path("quarantine", f"{stem}.error.json")

    def release_quarantine(self, sha256: str) -> None:
        """Drop the quarantine entries of a document that has now been processed."""
        folder = self.path("quarantine")
        if not self.fs.exists(folder):
            return
        for p in self.fs.glob(f"{folder}/{sha256[:12]}-*"):
            with contextlib.suppress(FileNotFoundError):
                self.fs.rm(p)

    def quarantined(self) -> list[dict[str, Any]]:
        folder = self.path("quarantine")
        if not self.fs.exists(folder):
            return []
        out = []
        for p in sorted(self.fs.glob(f"{folder}/*.error.json")):
            with contextlib.suppress(FileNotFoundError, ValueError):
                with self.fs.open(p, "rb") as handle:
                    out.append(json.loads(handle.read()))
        return out

    # -- manifest -------------------------------------------------------------------------
    def append_manifest(self, *entries: dict[str, Any]) -> None:
        """Append events to manifest.jsonl. Call only while holding the lock (one writer)."""
        if not entries:
            return
        # ASCII JSON lines: no raw U+2028 or undecodable file name can break a line or the write.
        lines = "".join(json.dumps(e, ensure_ascii=True, sort_keys=True) + "\n" for e in entries)
        target = self.path(MANIFEST)
        if self.is_local:
            Path(self.root).mkdir(parents=True, exist_ok=True)
            with open(target, "a+b") as handle:
                # A writer killed mid-line leaves a fragment without "\n": end it first so the
                # next event starts on a line of its own (the reader skips the fragment).
                handle.seek(0, os.SEEK_END)
                if handle.tell():
                    handle.seek(-1, os.SEEK_END)
                    if handle.read(1) != b"\n":
                        handle.write(b"\n")
                handle.write(lines.encode("utf-8"))
                handle.flush()
                os.fsync(handle.fileno())
            return
        old = self.read_text(MANIFEST) or ""
        if old and not old.endswith("\n"):
            old += "\n"
        self.write_text(MANIFEST, old + lines)

    def manifest_entries(self) -> list[dict[str, Any]]:
        text = self.read_text(MANIFEST)
        if not text:
            return []
        entries = []
        for line in text.split("\n"):  # not splitlines(): it also splits on U+2028, U+0085 ...
            if not line.strip():
                continue
            try:
                entries.append(json.loads(line))
            except ValueError:
                continue  # a line cut short by a killed writer: never complete, never counted
        return entries

    def manifest_state(self) -> dict[str, DocState]:
        """Fold the manifest into the latest state of every document, keyed by sha256."""
        state: dict[str, DocState] = {}
        for e in self.manifest_entries():
            sha = e.get("sha256")
            event = e.get("event")
            if not sha or event not in {"processed", "failed", "seen"}:
                continue
            doc = state.get(sha)
            if event == "seen":
                if doc is not None and e.get("path") not in doc.paths:
                    doc.paths.append(e["path"])
                continue
            paths = doc.paths if doc else []
            if e.get("path") and e["path"] not in paths:
                paths = [*paths, e["path"]]
            retryable = bool((e.get("error") or {}).get("retryable"))
            io_failures = 0
            if event == "failed" and retryable:
                same = doc is not None and doc.extractor_version == e.get("extractor_version")
                io_failures = (doc.io_failures if same else 0) + 1
            state[sha] = DocState(
                sha256=sha,
                status="ok" if event == "processed" else "failed",
                record_id=e.get("record_id"),
                extractor_version=e.get("extractor_version"),
                retryable=retryable,
                paths=paths,
                last=e,
                io_failures=io_failures,
            )
        return state

    def runs(self) -> list[dict[str, Any]]:
        return [e for e in self.manifest_entries() if e.get("event") == "run"]

    def remove_stale_temp_files(self) -> int:
        """Delete temporary files left by writers that were killed before their rename."""
        if not self.fs.exists(self.root):
            return 0
        removed = 0
        for p in self.fs.glob(f"{self.root}/**/.*{TMP_SUFFIX}"):
            with contextlib.suppress(FileNotFoundError):
                self.fs.rm(p)
                removed += 1
        return removed

    # -- the lock -------------------------------------------------------------------------
    @contextlib.contextmanager
    def lock(self, timeout: float = 600.0, poll: float = 0.2, stale_after: float = 6 * 3600) -> Iterator[None]:
        """Hold the store's writer lock: one ingest or rerun at a time writes to the store.

        Local folders use flock(2): the kernel releases it when the holder dies, even by kill -9,
        so there is never a stale lock. Other fsspec stores get a lease file created exclusively;
        a lease older than `stale_after` seconds is taken to be left by a dead run and broken.
        """
        owner = {"host": socket.gethostname(), "pid": os.getpid(), "since": now_iso()}
        if self.is_local:
            with _flock(Path(self.root) / ".lock", owner, timeout, poll):
                yield
            return
        with _lease(self, owner, timeout, poll, stale_after):
            yield


@contextlib.contextmanager
def _flock(path: Path, owner: dict[str, Any], timeout: float, poll: float) -> Iterator[None]:
    import fcntl

    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = path.read_text(errors="replace").strip() or "unknown"
                    raise StoreLocked(f"{path.parent} is locked by another run ({holder})") from None
                time.sleep(poll)
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(owner).encode(), 0)
        try:
            yield
        finally:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


@contextlib.contextmanager
def _lease(store: Store, owner: dict[str, Any], timeout: float, poll: float, stale_after: float) -> Iterator[None]:
    lease = store.path(".lock")
    token = uuid.uuid4().hex
    body = json.dumps({**owner, "token": token, "at": time.time()}).encode()
    deadline = time.monotonic() + timeout
    store.fs.makedirs(store.root, exist_ok=True)
    while True:
        try:
            try:
                with store.fs.open(lease, "xb") as handle:
                    handle.write(body)
            except (NotImplementedError, ValueError):
                # No exclusive create on this filesystem: check, write, read back the token.
                if store.fs.exists(lease):
                    raise FileExistsError(lease) from None
                store.fs.pipe_file(lease, body)
        except FileExistsError:
            held = store.read_text(".lock")
            try:
                at = json.loads(held or "{}").get("at", 0)
            except ValueError:
                at = 0
            if held is not None and time.time() - at > stale_after:
                with contextlib.suppress(FileNotFoundError):
                    store.fs.rm(lease)
                continue
            if time.monotonic() >= deadline:
                raise StoreLocked(f"{store.url} is locked by another run ({held})") from None
            time.sleep(poll)
            continue
        if json.loads(store.read_text(".lock") or "{}").get("token") == token:
            break
    try:
        yield
    finally:
        with contextlib.suppress(FileNotFoundError):
            store.fs.rm(lease)


def max_io_retries() -> int:
    """Runs in a row a document failing with an I/O error is tried again (REFERAT_MAX_IO_RETRIES,
    default 3); after that it is failed for good until its content or the extractor changes."""
    try:
        return max(1, int(os.environ.get("REFERAT_MAX_IO_RETRIES", "3")))
    except ValueError:
        return 3


class NotAStore(FileNotFoundError):
    """The folder or URL given as a store does not exist or holds no store."""


def store_status(store: Store, version: str | None = None) -> dict[str, Any]:
    """What the manifest says about a store: documents by status, records, last run, failures,
    and the files the last run skipped with their reasons."""
    if version is None:
        import extractors

        version = extractors.EXTRACTOR_VERSION
    if not store.fs.exists(store.root):
        raise NotAStore(f"no store at {store.url}: the folder does not exist")
    if not store.exists(MANIFEST) and not store.exists("records"):
        raise NotAStore(f"no store at {store.url}: no {MANIFEST} and no records/ in it")
    entries = store.manifest_entries()
    state = store.manifest_state()
    runs = [e for e in entries if e.get("event") == "run"]
    record_ids = store.record_ids()
    cap = max_io_retries()
    failures = [
        {
            "sha256": d.sha256,
            "file_name": d.last.get("file_name"),
            "paths": d.paths,
            "code": (d.last.get("error") or {}).get("code"),
            "message": (d.last.get("error") or {}).get("message"),
            "at": d.last.get("at"),
            "retryable": d.retryable and d.io_failures < cap,
            "io_failures": d.io_failures,
        }
        for d in state.values()
        if d.status == "failed"
    ]
    last = runs[-1] if runs else None
    skipped = []
    if last is not None and last.get("run_id"):
        skipped = [
            {k: e.get(k) for k in ("path", "reason", "message", "sha256", "record_id")}
            for e in entries
            if e.get("event") == "skipped" and e.get("run_id") == last["run_id"]
        ]
    try:  # the records the analytics tables leave out (they do not validate): analytics/ writes it
        left_out = json.loads(store.read_text("analytics/left_out.json") or "{}")
    except ValueError:
        left_out = {}
    return {
        "store": store.url,
        "extractor_version": version,
        "left_out": left_out,
        "documents": len(state),
        "ok": sum(d.status == "ok" for d in state.values()),
        "failed": len(failures),
        "outdated": sum(d.extractor_version != version for d in state.values()),
        "records": len(record_ids),
        "history_versions": sum(len(store.history(r)) for r in record_ids),
        "quarantined": len(store.quarantined()),
        "runs": len(runs),
        "last_run": last,
        "failures": failures,
        "skipped": skipped,
    }
