"""A cache of compiled data files: built once, then opened in milliseconds by every process.

Each entry is a file named after what it was built from: the entry's name, a format version, the
SHA-256 of every source file and the versions of the packages that shaped it. A changed source, a
new spacy-lookups-data or a new format gives a new name, so a stale entry is never read (old ones
are removed when a new one is written). Entries are written to a temporary file in the same
folder and renamed into place (atomic: a reader sees the old entry, the new one or none, never half
of one), so concurrent processes may build the same entry at the same time.

Where: `$REFERAT_CACHE_DIR` if set (only there), else the user cache folder
(`$XDG_CACHE_HOME/referat`, `~/.cache/referat`), else `__cache__` next to this package. A folder that cannot be written is
skipped; with none writable, `cached_path` returns None and the caller computes in memory as
before (slower, never wrong).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import sys
import tempfile
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

FORMAT = "1"


def cache_dirs() -> list[Path]:
    """Candidate cache folders, most preferred first."""
    if os.environ.get("REFERAT_CACHE_DIR"):
        return [Path(os.environ["REFERAT_CACHE_DIR"])]  # configured: that folder and no other
    dirs = []
    xdg = os.environ.get("XDG_CACHE_HOME")
    with contextlib.suppress(RuntimeError):  # no home directory
        dirs.append(Path(xdg) / "referat" if xdg else Path.home() / ".cache" / "referat")
    dirs.append(Path(__file__).resolve().parent / "__cache__")
    return dirs


def file_digest(path: Path) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def entry_key(name: str, sources: Iterable[Path], versions: Iterable[str] = ()) -> str:
    """`name-<hash>`: the hash of the format, the sources' contents and the versions."""
    h = hashlib.sha256(f"{FORMAT}\0{name}".encode())
    for source in sources:
        h.update(b"\0" + file_digest(Path(source)).encode())
    for version in versions:
        h.update(b"\0" + str(version).encode())
    return f"{name}-{h.hexdigest()[:24]}"


def cached_path(
    name: str, suffix: str, sources: Iterable[Path], versions: Iterable[str], build: Callable[[Path], None]
) -> Path | None:
    """The path of the cache entry for `name` built from `sources` (and `versions`): an existing
    one, or one that `build(tmp_path)` writes now. None when no cache folder can be written (or
    the build fails there): the caller then works from the sources directly."""
    key = entry_key(name, list(sources), list(versions)) + suffix
    dirs = cache_dirs()
    for folder in dirs:  # an entry anywhere will do (a read-only folder may hold a good one)
        path = folder / key
        if path.is_file():
            return path
    for folder in dirs:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{key}.", suffix=".tmp", dir=folder)
        except OSError:
            continue  # read-only or missing: try the next folder
        os.close(fd)
        try:
            os.unlink(tmp)  # build() creates the file itself (sqlite wants to)
            build(Path(tmp))
            _readable(tmp)
            os.replace(tmp, folder / key)
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            continue
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        _remove_stale(folder, name, key)
        return folder / key
    return None


def _readable(path: str | Path) -> None:
    """Readable as the umask allows (mkstemp makes 0600): a shared cache serves every user."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, 0o644 & ~umask)


def _remove_stale(folder: Path, name: str, keep: str) -> None:
    """Entries of `name` under other keys (older sources or versions); best effort."""
    for other in folder.glob(f"{name}-*"):
        if other.name != keep and not other.name.startswith("."):
            with contextlib.suppress(OSError):
                other.unlink()


# Compiled regular expressions of the profile (extractors/profile.py). The `regex` module compiles
# a pattern in Python, ~20 ms each for the profile's long alternations: a second per process. Its
# patterns pickle with their compiled code, so they are kept here, keyed by (pattern, flags), in
# one file per regex and Python version, and unpickled (~25 ms for all of them) instead. New
# patterns are added as they are met (the file is rewritten atomically; concurrent writers may
# drop each other's additions, which are then added again). Only `_regex.compile` may be called
# while unpickling: the file cannot run anything else.

_REGEX_LIMIT = 2000  # patterns kept at most; past it, new ones are compiled but not kept


class _RegexUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str):  # noqa: ANN201
        if (module, name) in (("_regex", "compile"), ("regex._regex", "compile")):
            from regex import _regex

            return _regex.compile
        if (module, name) == ("regex._regex_core", "RegexFlag"):
            from regex._regex_core import RegexFlag

            return RegexFlag
        if module == "builtins" and name in ("set", "frozenset"):
            return getattr(__import__("builtins"), name)
        raise pickle.UnpicklingError(f"{module}.{name} is not allowed in the regex cache")


class RegexCache:
    def __init__(self) -> None:
        self.patterns: dict[tuple[str, int], object] | None = None
        self.name = ""
        self.writable = True
        self.lock = threading.Lock()

    def _load(self) -> dict:
        import regex

        h = hashlib.sha256(f"{FORMAT}\0{regex.__version__}\0{sys.version}".encode()).hexdigest()[:24]
        self.name = f"regex-{h}.pickle"
        for folder in cache_dirs():
            try:
                with open(folder / self.name, "rb") as handle:
                    patterns = _RegexUnpickler(handle).load()
                if isinstance(patterns, dict):
                    return patterns
            except FileNotFoundError:
                continue
            except Exception:  # noqa: BLE001 - a damaged entry is only a slower start
                continue
        return {}

    def compile(self, pattern: str, flags: int):  # noqa: ANN201
        import regex

        flags = int(flags)
        with self.lock:
            if self.patterns is None:
                self.patterns = self._load()
            hit = self.patterns.get((pattern, flags))
        if hit is not None:
            return hit
        compiled = regex.compile(pattern, flags)
        with self.lock:
            if len(self.patterns) < _REGEX_LIMIT:
                self.patterns[(pattern, flags)] = compiled
                self._save()
        return compiled

    def _save(self) -> None:
        if not self.writable:
            return
        data = pickle.dumps(self.patterns, protocol=pickle.HIGHEST_PROTOCOL)
        for folder in cache_dirs():
            try:
                folder.mkdir(parents=True, exist_ok=True)
                fd, tmp = tempfile.mkstemp(prefix=f".{self.name}.", suffix=".tmp", dir=folder)
            except OSError:
                continue
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(data)
                _readable(tmp)
                os.replace(tmp, folder / self.name)
                return
            except OSError:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
        self.writable = False  # no folder can be written: compile in memory from now on


REGEX = RegexCache()


def compiled_regex(pattern: str, flags: int):  # noqa: ANN201
    """`regex.compile(pattern, flags)`, from the cache when it was compiled before."""
    return REGEX.compile(pattern, flags)
