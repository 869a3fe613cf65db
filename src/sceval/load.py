"""Loading input files into the warehouse: all-or-nothing per call, with SHA-256 provenance.

A file maps to the table it is named after (`programs.csv` -> `programs`). Files are read
into typed frames, checked against the contracts, and written in one DuckDB transaction:
a load that fails for any reason leaves the warehouse exactly as it was.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from sceval.contracts.files import POLARS_TYPES, ROW, SUPPORTED, InputFile, read_typed
from sceval.contracts.files import discover as find_files
from sceval.contracts.validate import check_batch, read_batch, row_checks
from sceval.cycle import locks_hit, refuse_locked
from sceval.errors import InvalidDataError, ScevalError
from sceval.history import (
    BATCH,
    OLD,
    TableChange,
    approved_runs_using,
    current_user,
    finish_replace,
    refuse_unreasoned,
    replace_by_key,
)
from sceval.project import Project, sha256_file
from sceval.version import __version__
from sceval.warehouse import arrow, ensure_schema, open_warehouse, resolve_db_path, rollback

__all__ = ["POLARS_TYPES", "SUPPORTED", "InputFile", "LoadResult", "insert_batch", "load_paths"]
LOCK_TIMEOUT_S = 30.0  # how long a load waits for another process to release the warehouse


@dataclass
class LoadResult:
    """What a load wrote: rows per table and the files' hashes."""

    load_id: str
    rows: dict[str, int] = field(default_factory=dict)
    files: list[dict] = field(default_factory=list)
    changes: dict = field(default_factory=dict)  # table -> sceval.history.TableChange


def discover(paths: Sequence[str | os.PathLike[str]], project: Project) -> list[InputFile]:
    """The input files named by PATH arguments, each mapped to its table; refuse unknown names."""
    files, problems = find_files(paths, project)
    if problems:
        raise InvalidDataError(problems[0].line())
    return files


def read_frame(f: InputFile, project: Project) -> pl.DataFrame:
    """A typed frame with exactly the contract's columns, in order; refuse cells that do not type."""
    t = read_typed(f, project)
    bad = [p for p in t.problems if p.severity == "error"]
    if bad or t.frame is None:
        raise InvalidDataError(bad[0].line() if bad else f"{f.label}: unreadable")
    return t.frame.drop(ROW)


def insert_batch(
    con: duckdb.DuckDBPyConnection,
    project: Project,
    frames: Iterable[tuple[InputFile, pl.DataFrame]],
    *,
    source_format: str | None = None,
    digests: Mapping[Path, Future[str]] | None = None,
    by: str | None = None,
    reason: str | None = None,
    unlock_reason: str | None = None,
) -> LoadResult:
    """Write every frame in one transaction; on any error, roll back and re-raise.
    `digests` are SHA-256s already being computed (see `hash_in_background`).

    Rows replace stored rows of the same key; a replaced row that differs keeps its old
    version in `<table>_history` (sceval.history). The load is recorded in `loads` with
    `by` (default the OS user) and its `reason`. It is refused (InvalidDataError, nothing
    stored) when it changes rows that an approved run used and gives no `reason`, or rows
    dated in a locked period without an `unlock_reason`."""

    result = LoadResult(load_id=uuid.uuid4().hex[:12])
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    by = by or current_user()
    ensure_schema(con, project)
    # What the warehouse holds decides, not the contract: a warehouse made before a table's
    # `key_index: false` still has its index and keeps INSERT OR REPLACE.
    indexed = {
        r[0]
        for r in con.execute(
            "SELECT table_name FROM duckdb_constraints() "
            "WHERE constraint_type = 'PRIMARY KEY' AND schema_name = 'main' "
            "AND database_name = current_database()"
        ).fetchall()
    }
    con.execute("BEGIN TRANSACTION")
    try:
        for f, df in frames:
            contract = project.contract(f.table)
            con.register(BATCH, arrow(df))
            table = f'"{f.table}"'
            if not contract.has_key:
                # A project's table without a key: loading the same rows again must not
                # duplicate them (no row is replaced, so there is no history to keep).
                cols = ", ".join(f'"{c}"' for c in contract.column_names)
                con.execute(
                    f"INSERT INTO {table} BY NAME SELECT {cols} FROM {BATCH} "
                    f"EXCEPT ALL SELECT {cols} FROM {table}"
                )
                change = TableChange(inserted=df.height)
            elif not con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]:
                # The first load of a table: nothing to replace, no history to keep. (A DELETE,
                # even of nothing, makes DuckDB log the inserted rows at commit instead of
                # writing them straight to the file: twice the commit time.)
                if not unlock_reason and (
                    hit := locks_hit(con, contract, f"SELECT * FROM {BATCH}")
                ):
                    refuse_locked(f.table, hit)
                con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM {BATCH}")
                change = TableChange(inserted=df.height)
            else:
                change = replace_by_key(
                    con, contract, load_id=result.load_id, now=now, indexed=f.table in indexed
                )
                if (
                    change.replaced
                    and not reason
                    and (used := approved_runs_using(con, contract, result.load_id))
                ):
                    refuse_unreasoned(f.table, used)
                if not unlock_reason and (change.replaced or change.inserted):
                    written = (
                        f"SELECT b.* FROM {BATCH} b ANTI JOIN "
                        f"(SELECT * FROM {OLD} WHERE NOT _sceval_changed) u "
                        f"ON {contract.key_match('b', 'u')}"
                    )
                    cols = ", ".join(f'"{c}"' for c in contract.column_names)
                    old = f"SELECT {cols} FROM {OLD} WHERE _sceval_changed"
                    if hit := locks_hit(con, contract, f"{written} UNION ALL BY NAME {old}"):
                        refuse_locked(f.table, hit)
                finish_replace(con)
            con.unregister(BATCH)
            result.rows[f.table] = result.rows.get(f.table, 0) + df.height
            result.changes[f.table] = change
            pending = (digests or {}).get(f.path)
            digest = pending.result() if pending is not None else sha256_file(f.path)
            result.files.append(
                {"table": f.table, "file": str(f.path), "sha256": digest, "rows": df.height}
            )
            con.execute(
                "INSERT INTO loads VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    result.load_id,
                    now,
                    f.table,
                    str(f.path.resolve()),
                    digest,
                    df.height,
                    source_format,
                    __version__,
                ],
            )
        con.execute(
            "INSERT INTO load_notes VALUES (?, ?, ?, ?)",
            [result.load_id, by, reason, unlock_reason],
        )
        con.execute("COMMIT")
    except BaseException:
        rollback(con)
        raise
    return result


@contextmanager
def rules_transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """The contract rules (project SQL) run inside a transaction that is always rolled back:
    whatever a rule could do to the warehouse, nothing of it is kept. Rules only read; the
    batch is written afterwards by `insert_batch`, under the same process lock."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield
    finally:
        rollback(con)


def hash_in_background(typed) -> dict[Path, Future[str]]:
    """Start the SHA-256 of every input file on a thread while the batch is validated
    (hashlib releases the GIL: 1.7 s of a 1e7-row CSV load no longer adds to it)."""
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sceval-sha256")
    out = {}
    for t in typed:
        if t.file.path not in out:
            out[t.file.path] = pool.submit(sha256_file, t.file.path)
    pool.shutdown(wait=False)
    return out


def _refuse(report, console) -> None:
    """Show the failed rules and stop: nothing is written."""
    if console is not None:
        report.render(console, failures_only=True)
    if report.engine_error:
        raise ScevalError(
            f"validation engine error, nothing stored: {report.first_failure()}", exit_code=3
        )
    raise InvalidDataError(f"load refused, nothing stored: {report.first_failure()}")


def _frames(typed) -> list[tuple[InputFile, pl.DataFrame]]:
    return [(t.file, t.frame.drop(ROW)) for t in typed]


def load_paths(
    con: duckdb.DuckDBPyConnection,
    project: Project,
    paths: Sequence[str | os.PathLike[str]],
    *,
    console=None,
    by: str | None = None,
    reason: str | None = None,
    unlock_reason: str | None = None,
) -> LoadResult:
    """Discover, read and validate files (GX row rules, keys and foreign keys against the batch
    plus this warehouse); load them in one transaction only if every rule passes."""

    typed, report = read_batch(paths, project)
    digests = hash_in_background(typed)
    ensure_schema(con, project)
    with rules_transaction(con):
        report = check_batch(project, typed, con=con, report=report)
    if not report.ok:
        _refuse(report, console)
    try:
        return insert_batch(
            con,
            project,
            _frames(typed),
            digests=digests,
            by=by,
            reason=reason,
            unlock_reason=unlock_reason,
        )
    except duckdb.ConstraintException as exc:
        raise InvalidDataError(
            f"load refused, nothing stored: {str(exc).splitlines()[0]}"
        ) from None


def open_waiting(
    db: str | os.PathLike[str] | None,
    project: Project,
    timeout: float | None = None,
    *,
    console=None,
) -> duckdb.DuckDBPyConnection:
    """Open the warehouse, waiting up to `timeout` s ($SCEVAL_LOCK_TIMEOUT) while another load holds it."""
    import time

    if timeout is None:
        timeout = float(os.environ.get("SCEVAL_LOCK_TIMEOUT", LOCK_TIMEOUT_S))
    deadline = time.monotonic() + timeout
    while True:
        try:
            return open_warehouse(db, project)
        except ScevalError as exc:
            if "in use" not in str(exc) or time.monotonic() >= deadline:
                if "in use" in str(exc):
                    raise ScevalError(
                        f"{resolve_db_path(db)}: the warehouse is in use by another sceval process "
                        f"(waited {timeout:g} s); nothing was loaded, try again when it has finished"
                    ) from None
                raise
            if console is not None:
                console.print(
                    f"{resolve_db_path(db)}: in use by another sceval process; "
                    f"waiting up to {timeout:g} s"
                )
                console = None  # say it once
            time.sleep(0.2)


def load_tables(
    paths: Sequence[str | os.PathLike[str]],
    *,
    db: str | os.PathLike[str] | None,
    project: Project,
    stamp: dict,
    console,
) -> LoadResult:
    """Table files (named after their contract) validated whole, then written in one
    transaction; `stamp`: the load's by / reason / unlock_reason."""
    from rich.console import Console

    err = Console(stderr=True, highlight=False, soft_wrap=True)
    # Read and run the row rules before taking the warehouse's lock: another load can proceed
    # meanwhile, and a batch with bad rows never touches the file.
    typed, report = read_batch(paths, project)
    digests = hash_in_background(typed)
    row_checks(project, typed, report)
    if not report.ok:
        _refuse(report, err)
    con = open_waiting(db, project, console=err)
    try:
        with rules_transaction(con):
            check_batch(project, typed, con=con, report=report, rows_done=True)
        if not report.ok:
            _refuse(report, err)
        for w in report.warnings:
            err.print(f"warning: {w.line()}", markup=False)
        total = sum(t.frame.height for t in typed)
        err.print(
            f"validated {len(typed)} file(s), {total:,} rows; writing them in one transaction"
        )
        try:
            result = insert_batch(con, project, _frames(typed), digests=digests, **stamp)
        except duckdb.ConstraintException as exc:
            raise InvalidDataError(
                f"load refused, nothing stored: {str(exc).splitlines()[0]}"
            ) from None
    finally:
        con.close()
    console.print(
        "loaded " + ", ".join(f"{n} rows into {t}" for t, n in result.rows.items()), soft_wrap=True
    )
    corrected = {t: c for t, c in result.changes.items() if c.replaced}
    if corrected:
        console.print(
            "replaced "
            + ", ".join(f"{c.replaced} row(s) of {t}" for t, c in corrected.items())
            + f" (earlier versions kept: `sceval history TABLE KEY...`; load {result.load_id})"
        )
    return result
