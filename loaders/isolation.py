"""Run one document's work in a child process under the input policy's hard limits.

`run_isolated(func, *args, name=..., policy=...)` forks a child that runs `func(*args)` and sends
back what it returns (pickled, through a pipe): a DocumentError raised in the child is raised
again in the parent (same class, same message), an OSError stays an OSError (retryable), any
other exception comes back as an exception of the same class name. The child

- is forked from this process: no new interpreter starts, so nothing is imported from the current
  directory (a stray `json.py` there is never run), and what the parent has built (the spaCy
  pipeline, the profile) is shared copy-on-write instead of built again;
- has a process group of its own and a parent-death signal (SIGKILL): it never outlives the
  process that started it, and a Ctrl-C at the terminal reaches only the parent, which kills it;
- has an address-space cap: what it had at the fork plus `policy.max_memory_mb` (RLIMIT_AS);
  going over it is `out_of_memory`, however it shows: a MemoryError, an abort (pdfium aborts when
  an allocation fails), or any other failure after the child's address space came near the cap;
- is killed when it runs longer than `policy.timeout` seconds: `timeout`.

`start_isolated(...)` forks the same child and returns at once; `.result()` takes its outcome later
(the caller works meanwhile: `minutes process` builds the extractors while a PDF is read).

`in_child()` tells code that may isolate itself (the PDF loader) that it already runs isolated.
In the child, `progress.send(("more_time", seconds))` asks the parent for more time (OCR'ing a
page: loaders.ocr): the parent's deadline moves to at least `seconds` from then.

Messages are frames on the pipe: 8 bytes of length, then a pickle; the last frame is the result.
"""

from __future__ import annotations

import ctypes
import errno as _errno
import gc
import importlib
import os
import pickle
import select
import signal
import sys
import time
import traceback

from loaders.errors import CorruptDocument, DocumentError, DocumentTimeout, OutOfMemory
from loaders.policy import InputPolicy, current_policy

PR_SET_PDEATHSIG = 1
_IN_CHILD = False
_MEMORY_HINT = 0.5  # a child that crashed after using this share of its memory budget ran out of it


def in_child() -> bool:
    """True in a child started by run_isolated (its limits are already in force)."""
    return _IN_CHILD


def child_started() -> float | None:
    """When (time.monotonic) this isolated child started, None outside one."""
    return _STARTED if _IN_CHILD else None


_STARTED = 0.0
progress = None  # in the child: where to send ("more_time", seconds)


class _Progress:
    def __init__(self, fd: int):
        self.fd = fd

    def send(self, message) -> None:
        _write_frame(self.fd, pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL), kind=b"P")


def _write_frame(fd: int, payload: bytes, kind: bytes = b"R") -> None:
    """One frame: 8 bytes of length, a kind (P: progress, R: the result), the pickle."""
    head = (len(payload) + 1).to_bytes(8, "big") + kind
    if len(payload) < (1 << 20):
        _write_all(fd, memoryview(head + payload))
    else:
        _write_all(fd, memoryview(head))
        _write_all(fd, memoryview(payload))


def _write_all(fd: int, view: memoryview) -> None:
    while view:
        written = os.write(fd, view[: 1 << 20])
        view = view[written:]


class ChildError(Exception):
    """An unexpected exception in the child that could not be sent back as itself."""


def _vm_size(field: bytes = b"VmSize:") -> int:
    """Bytes of address space this process has now (`VmPeak:`: at most so far; 0 where /proc does
    not tell)."""
    try:
        with open("/proc/self/status", "rb") as handle:
            for line in handle:
                if line.startswith(field):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _set_parent_death_signal() -> None:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: the parent's kill on timeout/exit still holds
        pass


def _set_memory_cap(budget_mb: int) -> tuple[int, int] | None:
    """Cap this process's address space at what it has now plus `budget_mb`: (what it had, the
    limit) in bytes, None where no cap was set."""
    if not budget_mb:
        return None
    try:
        import resource

        start = _vm_size()
        limit = start + budget_mb * 1024 * 1024
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
        return start, limit
    except (ImportError, ValueError, OSError):
        return None


# What a reader can report when an allocation failed under the cap: a library that returns nothing
# (pdfium: no page, no document), a MemoryError that the interpreter or a library turned into
# another exception (an import cut short: a NameError later), a parser's catch-all ("corrupt").
_MEMORY_SYMPTOMS = ("corrupt", "empty")


def _ran_out(cap: tuple[int, int] | None) -> bool:
    """Whether this child's address space came near its cap: at its peak (VmPeak, which starts
    afresh at the fork) it had used at least _MEMORY_HINT of the budget. RLIMIT_AS caps address
    space, not resident memory: a big allocation that fails may never have been touched."""
    if cap is None:
        return False
    start, limit = cap
    try:
        peak = _vm_size(b"VmPeak:")
    except MemoryError:  # not even room to read /proc
        return True
    return peak > 0 and limit > start and peak - start >= _MEMORY_HINT * (limit - start)


def _child(write_fd: int, parent: int, func, args, name: str, policy: InputPolicy) -> None:
    global _IN_CHILD, _STARTED, progress
    _IN_CHILD = True
    progress = _Progress(write_fd)
    _STARTED = time.monotonic()
    try:
        os.setpgid(0, 0)
    except OSError:
        pass
    _set_parent_death_signal()
    if os.getppid() != parent:  # the parent died before the signal was armed
        os._exit(1)
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.SIG_DFL)  # never the parent's handlers (cleanup of its own)
    # fresh stream objects: another thread of the parent may have held the old ones' locks
    try:
        sys.stdout = open(os.devnull, "w")
        sys.stderr = open(2, "w", closefd=False)
    except OSError:
        pass
    try:  # a crash (a C library out of memory under the cap) is reported by the parent, once
        import faulthandler

        faulthandler.disable()
    except (ImportError, RuntimeError):
        pass
    gc.freeze()  # what the parent made stays shared: the collector never touches (copies) it
    reserve = bytearray(1 << 20)  # room to report running out of memory
    cap = _set_memory_cap(policy.max_memory_mb)
    # A failure after the child came near its memory cap is out of memory, whatever it surfaced as.
    try:
        message = ("ok", func(*args))
    except DocumentError as err:
        reserve = None
        message = ("document", type(err).__module__, type(err).__qualname__, err.code, err.message)
        if err.code in _MEMORY_SYMPTOMS and _ran_out(cap):
            message = ("memory",)
    except MemoryError:
        reserve = None
        message = ("memory",)
    except OSError as err:
        reserve = None
        if cap is not None and err.errno == _errno.ENOMEM:
            message = ("memory",)
        else:
            message = ("os", err.errno, err.strerror or str(err), err.filename)
    except BaseException as err:  # noqa: BLE001 - everything goes back to the parent
        reserve = None
        if _ran_out(cap):
            message = ("memory",)
        else:
            message = ("exception", type(err).__name__, str(err), traceback.format_exc(limit=20))
    try:
        payload = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    except MemoryError:
        reserve = None
        payload = pickle.dumps(("memory",))
    except Exception as err:  # noqa: BLE001 - an unpicklable result
        payload = pickle.dumps(("exception", type(err).__name__, f"result could not be sent: {err}", ""))
    del message
    try:
        _write_frame(write_fd, payload)
    except OSError:
        os._exit(3)
    os._exit(0)


def run_isolated(func, *args, name: str, policy: InputPolicy | None = None, what: str = "reading"):
    """`func(*args)` in a child process under `policy` (default: the environment's). See the
    module docstring. `what` words the timeout message ("PDF parsing", "reading")."""
    return start_isolated(func, *args, name=name, policy=policy, what=what).result()


def start_isolated(func, *args, name: str, policy: InputPolicy | None = None,
                   what: str = "reading") -> IsolatedRun:
    """Fork the child of `run_isolated` now and return at once: the caller does other work (the
    child's time limit runs from now) and then takes the outcome with `.result()`, or stops the
    child with `.cancel()`."""
    return IsolatedRun(func, args, name, policy or current_policy(), what)


class IsolatedRun:
    """One child started by start_isolated."""

    def __init__(self, func, args, name: str, policy: InputPolicy, what: str) -> None:
        self.name, self.policy, self.what = name, policy, what
        read_fd, write_fd = os.pipe()
        parent = os.getpid()
        self.start_kb = _rss_kb()  # the child starts with what the parent has resident
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError, AttributeError):
                pass
        pid = os.fork()
        if pid == 0:  # the child
            try:
                os.close(read_fd)
                _child(write_fd, parent, func, args, name, policy)
            finally:
                os._exit(4)
        os.close(write_fd)
        try:
            os.setpgid(pid, pid)  # the child does so too: whichever runs first, no window without it
        except OSError:
            pass
        self.pid, self.read_fd = pid, read_fd
        self.deadline = time.monotonic() + policy.timeout  # later, if the child asks for more time
        self.done = False

    def cancel(self) -> None:
        """Stop the child (if it still runs) and reap it."""
        if self.done:
            return
        self.done = True
        os.close(self.read_fd)
        _kill(self.pid)

    def result(self):
        """What the child's function returned; its DocumentError (or OSError, or other exception)
        raised here; a timeout, a crash or running out of memory as their DocumentErrors."""
        if self.done:
            raise RuntimeError(f"{self.name}: the isolated run's result was taken or cancelled")
        self.done = True
        pid, read_fd, policy, name = self.pid, self.read_fd, self.policy, self.name
        buffer = bytearray()
        payload = b""
        deadline = self.deadline
        status = None
        usage = None
        try:
            # Until the result frame is whole (not until EOF: a sibling child forked by another
            # thread meanwhile may hold a copy of the pipe's write end), or the child is gone.
            exited = None
            while not payload:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise DocumentTimeout(f"{name}: {self.what} took longer than {policy.timeout:g} s "
                                          "(REFERAT_DOC_TIMEOUT)")
                ready, _, _ = select.select([read_fd], [], [], min(left, 0.25))
                if not ready:
                    if exited is not None:  # gone, and nothing more came
                        break
                    got, wait_status, wait_usage = os.wait4(pid, os.WNOHANG)
                    if got:
                        exited = (wait_status, wait_usage)  # read what it left in the pipe, then stop
                    continue
                chunk = os.read(read_fd, 1 << 20)
                if not chunk:
                    break
                buffer += chunk
                while len(buffer) >= 8:  # whole frames: progress messages, then the result
                    size = int.from_bytes(buffer[:8], "big")
                    if len(buffer) < 8 + size:
                        break
                    kind, frame = buffer[8:9], bytes(buffer[9:8 + size])
                    del buffer[:8 + size]
                    if kind == b"P":
                        deadline = self.deadline = max(deadline, time.monotonic() + _more_time(frame))
                    else:
                        payload = frame
            del buffer
            if exited is not None:
                status, usage = exited
            else:
                _, status, usage = _wait(pid, time.monotonic() + 10)
        finally:
            os.close(read_fd)
            if status is None:  # timed out or interrupted: the child goes, now
                _kill(pid)
        if not payload:
            return _crashed(name, status, usage, policy, self.start_kb)
        try:
            message = pickle.loads(payload)
        except Exception:  # noqa: BLE001 - a message cut short: the child died writing it
            return _crashed(name, status, usage, policy, self.start_kb)
        del payload
        kind = message[0]
        if kind == "ok":
            return message[1]
        if kind == "document":
            raise _document_error(*message[1:])
        if kind == "memory":
            raise OutOfMemory(f"{name}: needed more memory than allowed ({policy.max_memory_mb} MB, "
                              "REFERAT_MAX_MEMORY_MB)")
        if kind == "os":
            raise OSError(message[1] or _errno.EIO, message[2], message[3])
        cls = type(message[1], (ChildError,), {})
        err = cls(message[2])
        err.child_traceback = message[3]
        raise err


def _kill(pid: int) -> None:
    """Kill the child's process group (or the child) and reap it."""
    try:
        os.killpg(pid, signal.SIGKILL)
    except OSError:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass


def _more_time(frame: bytes) -> float:
    try:
        message = pickle.loads(frame)
        if message[0] == "more_time":
            return float(message[1])
    except Exception:  # noqa: BLE001
        pass
    return 0.0


def _document_error(module: str, qualname: str, code: str, text: str) -> DocumentError:
    """The child's DocumentError again: its own class where it can be found, else one with its code."""
    try:
        cls = getattr(sys.modules.get(module) or importlib.import_module(module), qualname)
    except (ImportError, AttributeError):
        cls = None
    if isinstance(cls, type) and issubclass(cls, DocumentError):
        try:
            return cls(text)
        except TypeError:  # a constructor of its own
            pass
    err = DocumentError(text)
    err.code = code
    return err


def _wait(pid: int, deadline: float):
    """The child's exit (it has sent its result and is exiting); killed if it lingers."""
    while time.monotonic() < deadline:
        got, status, usage = os.wait4(pid, os.WNOHANG)
        if got:
            return got, status, usage
        time.sleep(0.005)
    try:
        os.killpg(pid, signal.SIGKILL)
    except OSError:
        pass
    return os.wait4(pid, 0)


def _rss_kb() -> int:
    try:
        with open("/proc/self/status", "rb") as handle:
            for line in handle:
                if line.startswith(b"VmRSS:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _crashed(name: str, status: int | None, usage, policy: InputPolicy, start_kb: int = 0):
    how = "was killed" if status is None else (
        f"was killed by signal {os.WTERMSIG(status)}" if os.WIFSIGNALED(status)
        else f"exited with code {os.WEXITSTATUS(status)}")
    # Under the cap an abort is a failed allocation: pdfium ends the process with abort() when one
    # fails (FX_OutOfMemoryTerminate), as C++ and CPython do, long before resident memory nears the
    # cap (RLIMIT_AS counts address space: the failed block was never touched).
    if policy.max_memory_mb and status is not None and os.WIFSIGNALED(status) \
            and os.WTERMSIG(status) == signal.SIGABRT:
        raise OutOfMemory(f"{name}: out of memory: the reading process {how} (abort), as a failed allocation "
                          f"ends it, under its memory limit of {policy.max_memory_mb} MB (REFERAT_MAX_MEMORY_MB)")
    # what the child added to what it started with (ru_maxrss: KiB on Linux)
    peak_mb = max(0, usage.ru_maxrss - start_kb) / 1024 if usage is not None else 0
    if policy.max_memory_mb and peak_mb >= _MEMORY_HINT * policy.max_memory_mb:
        raise OutOfMemory(f"{name}: out of memory: the reading process {how} after using {peak_mb:.0f} MB, near "
                          f"its memory limit of {policy.max_memory_mb} MB (REFERAT_MAX_MEMORY_MB)")
    hint = f", possibly out of memory (limit {policy.max_memory_mb} MB)" if policy.max_memory_mb else ""
    raise CorruptDocument(f"{name}: the reading process crashed ({how}){hint}")
