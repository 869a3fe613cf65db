"""User-facing errors: one clear line, an exit code, never a traceback."""

from __future__ import annotations


class ScevalError(Exception):
    """An error the user can act on; the CLI prints it as one line and exits with `exit_code`."""

    exit_code = 2

    def __init__(self, message: str, *, exit_code: int | None = None) -> None:
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code


class UsageError(ScevalError):
    """Bad flag, missing file, unknown id: exit 2."""

    exit_code = 2


class InvalidDataError(ScevalError):
    """Input data broke the contract: exit 1, nothing stored."""

    exit_code = 1


class ProjectError(ScevalError):
    """A project file (catalogue, contract, model, check) is malformed: exit 2."""

    exit_code = 2


class WarehouseDamaged(ScevalError):
    """The warehouse file is corrupt, truncated or not a DuckDB file: exit 4, nothing written."""

    exit_code = 4


class DiskFull(ScevalError):
    """No space left where sceval writes: exit 5; a load rolls back, nothing half-written."""

    exit_code = 5


class OutOfMemory(ScevalError):
    """The process ran out of memory: exit 6; a load rolls back, nothing half-written."""

    exit_code = 6


# Exit codes, documented in README and docs/security.md.
EXIT_CODES = {
    0: "success",
    1: "invalid data (nothing loaded), or a --fail-on gate tripped",
    2: "usage or project error (bad flag, missing file or key, refused project SQL)",
    3: "internal or engine error (a bug: please report it)",
    4: "the warehouse file is damaged: corrupt, truncated or not a DuckDB file",
    5: "disk full",
    6: "out of memory",
    130: "interrupted",
}

_DAMAGED = (
    "corrupt database file",
    "not a valid duckdb database file",
    "could not read enough bytes",
    "does not match stored checksum",
    "checksum mismatch",
    "failed to read database header",
    "the database file is corrupt",
)
_DISK_FULL = ("no space left on device", "disk quota exceeded", "file too large")
_MEMORY = (
    "out of memory",
    "memory allocation of",
    "failed to allocate",
    "std::bad_alloc",
    "can't start new thread",
    "cannot allocate memory",
    "failed to map segment",
)


def classify(exc: BaseException) -> ScevalError | None:
    """The user-facing error for a failure of the machine rather than of sceval: a damaged
    warehouse, a full disk, memory exhausted. None when `exc` is none of these."""
    import errno

    if isinstance(exc, ScevalError):
        return exc
    msg = str(exc)
    first = msg.strip().splitlines()[0] if msg.strip() else type(exc).__name__
    low = msg.lower()
    name = type(exc).__name__
    # A Rust panic because a thread could not be started (EAGAIN: its stack cannot be mapped
    # under a memory limit) is the Rust side of Python's "can't start new thread".
    no_thread = name == "PanicException" and "resource temporarily unavailable" in low
    if (
        isinstance(exc, MemoryError)
        or name == "OutOfMemoryException"
        or no_thread
        or any(m in low for m in _MEMORY)
    ):
        if name == "OutOfMemoryException":  # DuckDB's own limit (warehouse.memory_settings)
            return OutOfMemory(
                f"out of memory in DuckDB ({first}); nothing half-written was kept. Raise "
                "duckdb_memory_limit in sceval_project.yml (or free memory), or set "
                "duckdb_temp_directory to a folder with room to spill"
            )
        return OutOfMemory(
            f"out of memory ({first}); nothing half-written was kept. Free memory, raise the "
            "limit, or load the files in smaller parts"
        )
    if (isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)) or any(
        m in low for m in _DISK_FULL
    ):
        where = f" writing {exc.filename}" if getattr(exc, "filename", None) else ""
        return DiskFull(
            f"disk full{where} ({first}); nothing half-written was kept. Free space and run "
            "the command again"
        )
    if any(m in low for m in _DAMAGED):
        return WarehouseDamaged(
            f"the warehouse file is damaged ({first}); nothing was written to it. Restore it "
            "from a backup, or load the data again into a new warehouse"
        )
    return None
