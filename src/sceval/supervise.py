"""Running a command in a child process so that even a crash ends with one clear line.

Polars (Rust) and DuckDB (C++) do not raise when an allocation fails under a memory limit:
the process aborts (SIGABRT, exit 134) after printing allocator noise, or the kernel's
out-of-memory killer ends it (SIGKILL). Python cannot catch either from inside. So the console
script forks before any engine is imported: the child runs the command, the parent waits and
turns a death by signal into one line and an exit code (6: out of memory). When stderr is not a
terminal (CI), the child's stderr passes through the parent, which drops the allocator's lines
and a Rust panic's report (sceval's own line after it repeats the panic's message; run with
SCEVAL_NO_SUPERVISOR=1 to see where it panicked).

The child dies with its parent (PR_SET_PDEATHSIG on Linux): `kill -9` of `sceval` stops the
work too, as before, and a load killed mid-way leaves nothing half-written (DuckDB's commit is
atomic). Set SCEVAL_NO_SUPERVISOR=1 to run in one process.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable

from sceval.errors import EXIT_CODES

# glibc's dynamic loader, failing to load a library under a memory limit, prints this and ends
# the process with _LOADER_EXIT (no signal).
_LOADER_OOM = b"cannot allocate memory for thread-local data"
_LOADER_EXIT = 127
# What the Rust allocator, Rust's abort path, the C++ runtime and the loader print as they die.
_NOISE = (
    b"memory allocation of ",
    b"stack backtrace:",
    b"skipping backtrace printing",
    b"fatal runtime error",
    b"terminate called after throwing",
    b"  what():  std::bad_alloc",
    b"note: run with `RUST_BACKTRACE",
    b"<jemalloc>: ",  # Polars' allocator, failing to start its background threads
    _LOADER_OOM,
)
_ALLOC = (
    b"memory allocation of ",
    b"std::bad_alloc",
    b"Out of Memory",
    b"out of memory",
    _LOADER_OOM,
)


def _die_with_parent(parent: int) -> None:
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


def _child(run: Callable[[], None], parent: int, write_fd: int | None) -> None:
    """Run the command; never return into the parent's stack."""
    code = 3
    try:
        _die_with_parent(parent)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        if write_fd is not None:
            os.dup2(write_fd, 2)
            os.close(write_fd)
        os.environ["SCEVAL_NO_SUPERVISOR"] = "1"
        run()
        code = 0
    except SystemExit as exc:
        c = exc.code
        code = c if isinstance(c, int) else (0 if c is None else 1)
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        os._exit(code)


def _relay(read_fd: int) -> bool:
    """Copy the child's stderr to ours without the allocator's dying words; True if it ran
    out of memory."""
    out = sys.stderr.buffer if hasattr(sys.stderr, "buffer") else None
    saw_alloc = False
    in_trace = in_panic = False
    pending = b""
    with os.fdopen(read_fd, "rb", buffering=0) as pipe:
        while True:
            chunk = pipe.read(65536)
            if not chunk:
                break
            pending += chunk
            *lines, pending = pending.split(b"\n")
            for line in lines:
                if any(a in line for a in _ALLOC):
                    saw_alloc = True
                # A Rust panic's report (header, message, hint) before sceval's own line,
                # which repeats the message: the report is dropped up to its hint.
                if line.startswith(b"thread '") and b" panicked at " in line:
                    in_panic = True
                    continue
                if in_panic and not line.startswith(b"sceval: "):
                    in_panic = not line.startswith(b"note: ")
                    continue
                in_panic = False
                if line.startswith(_NOISE):
                    in_trace = line.startswith(b"stack backtrace:")
                    continue
                if in_trace and (line.startswith(b" ") or not line.strip()):
                    continue
                in_trace = False
                if out is not None:
                    out.write(line + b"\n")
                    out.flush()
    if pending and not pending.startswith(_NOISE) and out is not None:
        out.write(pending)
        out.flush()
    return saw_alloc


def _out_of_memory(why: str) -> int:
    print(
        f"sceval: error: out of memory ({why}); nothing half-written was kept. Free memory, "
        "raise the limit, or load the files in smaller parts",
        file=sys.stderr,
    )
    return 6


def run_supervised(run: Callable[[], None]) -> int:
    """Run `run` in a child process; the exit code to leave with (see errors.EXIT_CODES)."""
    pipe = None if sys.stderr.isatty() else os.pipe()
    parent = os.getpid()
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        if pipe is not None:
            os.close(pipe[0])
        _child(run, parent, pipe[1] if pipe is not None else None)
    # Ctrl-C reaches the child too (same process group): it says "interrupted" and exits 130.
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def forward(signum, _frame):
        try:
            os.kill(pid, signum)
        except ProcessLookupError:
            pass

    signal.signal(signal.SIGTERM, forward)
    saw_alloc = False
    if pipe is not None:
        os.close(pipe[1])
        saw_alloc = _relay(pipe[0])
    while True:
        try:
            _, status = os.waitpid(pid, 0)
            break
        except InterruptedError:
            continue
    if os.WIFEXITED(status):
        code = os.WEXITSTATUS(status)
        if code == _LOADER_EXIT and saw_alloc:
            return _out_of_memory("a library could not be loaded")
        return code
    sig = os.WTERMSIG(status)
    if sig == signal.SIGINT:
        print("sceval: interrupted; nothing half-written was kept", file=sys.stderr)
        return 130
    if sig == signal.SIGTERM:
        print("sceval: stopped (SIGTERM); nothing half-written was kept", file=sys.stderr)
        return 143
    if (sig == signal.SIGABRT and saw_alloc) or sig == signal.SIGKILL:
        return _out_of_memory(
            "a memory allocation failed"
            if sig == signal.SIGABRT
            else "the process was killed (SIGKILL), most likely by the system's out-of-memory killer"
        )
    name = signal.Signals(sig).name if sig in signal.Signals._value2member_map_ else str(sig)
    print(
        f"sceval: internal error: the engine crashed ({name}); nothing half-written was kept "
        f"(exit 3: {EXIT_CODES[3]})",
        file=sys.stderr,
    )
    return 3
