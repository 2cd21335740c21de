"""The input policy: the limits every document is read under, whatever its format.

Each limit is read from an environment variable when a document is processed (so an operator can
change it per run) and has a default; a value that is missing, not a number or not positive means
the default. Going over a limit fails the document with its own quarantine code
(loaders.errors), never the run.

| variable | default | limit | code |
| --- | --- | --- | --- |
| `REFERAT_MAX_BYTES` | 268435456 (256 MiB) | size of the file in bytes | `too_large` |
| `REFERAT_MAX_PAGES` | 2000 | pages of a PDF | `too_many_pages` |
| `REFERAT_MAX_CHARS` | 5000000 | characters of the text the extractors read (after decoding; a PDF's or a structured export's text too) | `too_many_chars` |
| `REFERAT_DOC_TIMEOUT` | 120 | seconds to read and extract one document (wall clock) | `timeout` |
| `REFERAT_MAX_MEMORY_MB` | 2048 | MiB of address space the document's child process may add | `out_of_memory` |

How documents are isolated (`REFERAT_ISOLATION`): `fork` (the default on Linux) reads and
extracts every document in a child forked from the process that runs referat, with the memory
cap (RLIMIT_AS) and a hard timeout (the parent kills it); the child starts no new interpreter, so
nothing of the current directory is imported, it has a process group of its own and dies with its
parent. `inprocess` reads in the calling process (debugging: only the cooperative time limit
between PDF pages and the size, page and character limits apply). `REFERAT_PDF_INPROCESS=1` (the
older switch) means `inprocess`; `REFERAT_PDF_MAX_MEMORY_MB` is read where `REFERAT_MAX_MEMORY_MB`
is not set.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

DEFAULT_MAX_BYTES = 256 * 1024 * 1024
DEFAULT_MAX_PAGES = 2000
# Minutes are rarely over ~3 million characters (a 239-page PDF is ~0.7 million); a text over
# the limit is refused before the extractors see it.
DEFAULT_MAX_CHARS = 5_000_000
DEFAULT_TIMEOUT = 120.0
DEFAULT_MAX_MEMORY_MB = 2048

ISOLATION_MODES = ("fork", "inprocess")


@dataclass(frozen=True)
class InputPolicy:
    max_bytes: int = DEFAULT_MAX_BYTES
    max_pages: int = DEFAULT_MAX_PAGES
    max_chars: int = DEFAULT_MAX_CHARS
    timeout: float = DEFAULT_TIMEOUT
    max_memory_mb: int = DEFAULT_MAX_MEMORY_MB
    isolation: str = "fork"


def env_number(name: str, default: float) -> float:
    """A positive number from the environment variable `name`, else `default`."""
    raw = os.environ.get(name, "").strip()
    try:
        value = float(raw) if raw else default
    except ValueError:
        return default
    return value if value > 0 else default


def isolation_mode() -> str:
    mode = os.environ.get("REFERAT_ISOLATION", "").strip().lower()
    if os.environ.get("REFERAT_PDF_INPROCESS") == "1":
        return "inprocess"
    if mode in ISOLATION_MODES:
        return mode
    return "fork" if hasattr(os, "fork") else "inprocess"


def current_policy() -> InputPolicy:
    """The policy the environment sets now."""
    memory = os.environ.get("REFERAT_MAX_MEMORY_MB") and "REFERAT_MAX_MEMORY_MB" or "REFERAT_PDF_MAX_MEMORY_MB"
    return InputPolicy(
        max_bytes=int(env_number("REFERAT_MAX_BYTES", DEFAULT_MAX_BYTES)),
        max_pages=int(env_number("REFERAT_MAX_PAGES", DEFAULT_MAX_PAGES)),
        max_chars=int(env_number("REFERAT_MAX_CHARS", DEFAULT_MAX_CHARS)),
        timeout=env_number("REFERAT_DOC_TIMEOUT", DEFAULT_TIMEOUT),
        max_memory_mb=int(env_number(memory, DEFAULT_MAX_MEMORY_MB)),
        isolation=isolation_mode(),
    )


def check_chars(text: str, name: str, policy: InputPolicy | None = None) -> None:
    """Raise TooManyChars when `text` is longer than the policy allows."""
    from loaders.errors import TooManyChars

    limit = (policy or current_policy()).max_chars
    if len(text) > limit:
        raise TooManyChars(f"{name}: {len(text):,} characters of text, more than the limit of {limit:,} "
                           "(REFERAT_MAX_CHARS)")
