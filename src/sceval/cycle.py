"""The evaluation cycle's bookkeeping: approving runs, locking periods, listing runs.

A run is 'draft' when it finishes and 'approved' once a reviewer says so (`sceval approve`):
the reviewer, the time and a note are stored on its `runs` row, and an approved run can no
longer be deleted. A locked period (`sceval lock 2026Q2 [--program P]`) refuses any load
that would change rows dated inside it, unless the load gives `--unlock-reason`, which is
recorded with the load. See docs/evaluation-cycle.md.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import uuid
from dataclasses import dataclass

import duckdb

from sceval.errors import InvalidDataError, UsageError
from sceval.project import TableContract


@dataclass(frozen=True)
class Period:
    """A reporting period: its label and first and last day."""

    label: str
    start: dt.date
    end: dt.date


_QUARTER = re.compile(r"^(\d{4})-?Q([1-4])$", re.IGNORECASE)
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_YEAR = re.compile(r"^(\d{4})$")


def parse_period(label: str, flag: str = "PERIOD") -> Period:
    """`2026Q2` (a quarter), `2026` (a year) or `2026-05` (a month)."""
    text = label.strip()
    if m := _QUARTER.match(text):
        year, q = int(m[1]), int(m[2])
        start = dt.date(year, 3 * q - 2, 1)
        end_month = 3 * q
        return Period(
            f"{year}Q{q}", start, dt.date(year, end_month, calendar.monthrange(year, end_month)[1])
        )
    if (m := _MONTH.match(text)) and 1 <= int(m[2]) <= 12:
        year, month = int(m[1]), int(m[2])
        return Period(
            f"{year}-{month:02d}",
            dt.date(year, month, 1),
            dt.date(year, month, calendar.monthrange(year, month)[1]),
        )
    if m := _YEAR.match(text):
        year = int(m[1])
        return Period(str(year), dt.date(year, 1, 1), dt.date(year, 12, 31))
    raise UsageError(
        f"{flag} {label!r}: expected a quarter (2026Q2), a year (2026) or a month (2026-05)"
    )


def run_row(con: duckdb.DuckDBPyConnection, run_id: str) -> dict:
    """A run's `runs` row as a dict; a clear error when there is no such run."""
    cur = con.execute("SELECT * FROM runs WHERE run_id = ?", [run_id])
    names = [d[0] for d in cur.description]
    found = cur.fetchall()
    if not found:
        raise UsageError(f"no run {run_id!r} in this warehouse; `sceval runs` lists them")
    return dict(zip(names, found[0], strict=True))


def approve_run(
    con: duckdb.DuckDBPyConnection, run_id: str, *, by: str, note: str | None = None
) -> dict:
    """Mark a finished run as approved by `by` now (UTC); return its row."""
    if not by.strip():
        raise UsageError("--by NAME: the reviewer's name must not be empty")
    run = run_row(con, run_id)
    if run["status"] == "approved":
        raise UsageError(
            f"run {run_id} is already approved by {run['approver']} on {run['approved_at']:%Y-%m-%d}"
        )
    if run["status"] not in ("draft", "ok"):
        raise UsageError(f"run {run_id} is {run['status']}: only a finished run can be approved")
    con.execute(
        "UPDATE runs SET status = 'approved', approver = ?, approved_at = ?, note = ? "
        "WHERE run_id = ?",
        [by.strip(), utcnow(), note, run_id],
    )
    return run_row(con, run_id)


def delete_run(con: duckdb.DuckDBPyConnection, run_id: str) -> None:
    """Delete a draft or failed run and its results; an approved run cannot be deleted."""
    run = run_row(con, run_id)
    if run["status"] == "approved":
        raise InvalidDataError(
            f"run {run_id} is approved (by {run['approver']} on {run['approved_at']:%Y-%m-%d}): "
            "approved runs cannot be deleted"
        )
    con.execute("BEGIN TRANSACTION")
    try:
        for table in ("indicator_results", "partnership_scores", "dnh_findings", "runs"):
            con.execute(f"DELETE FROM {table} WHERE run_id = ?", [run_id])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def utcnow() -> dt.datetime:
    """Now in UTC, without a zone: every time sceval stores is UTC."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def lock_period(
    con: duckdb.DuckDBPyConnection,
    period: str,
    *,
    program: str | None,
    by: str,
    note: str | None = None,
) -> dict:
    """Record a lock of `period` (for one program, or all); return it."""
    p = parse_period(period)
    if program is not None:
        found = con.execute(
            "SELECT count(*) FROM programs WHERE program_id = ?", [program]
        ).fetchall()[0][0]
        if not found:
            raise UsageError(f"--program {program!r}: no such program in the warehouse")
    same = con.execute(
        "SELECT lock_id FROM period_locks WHERE period = ? AND program_id IS NOT DISTINCT FROM ?",
        [p.label, program],
    ).fetchall()
    if same:
        raise UsageError(f"{lock_label(p.label, program)} is already locked ({same[0][0]})")
    lock = {
        "lock_id": "lock-" + uuid.uuid4().hex[:8],
        "period": p.label,
        "period_start": p.start,
        "period_end": p.end,
        "program_id": program,
        "locked_by": by,
        "locked_at": utcnow(),
        "note": note,
    }
    con.execute(
        "INSERT INTO period_locks BY NAME SELECT " + ", ".join(f"? AS {k}" for k in lock),
        list(lock.values()),
    )
    return lock


def lock_label(period: str, program: str | None) -> str:
    return f"period {period}" + (f" for program {program}" if program else " (all programs)")


def locks_hit(
    con: duckdb.DuckDBPyConnection, contract: TableContract, rows_sql: str
) -> list[tuple[str, str, str | None, str]]:
    """Locks that rows of `rows_sql` (the table's columns) fall in: rows dated inside a
    locked period, for the lock's program when it names one. (lock_id, period, program,
    an example row's key)."""
    span = contract.period_columns
    if span is None:
        return []
    start, end = (f'r."{c}"' for c in span)
    has_program = "program_id" in contract.column_names
    program = (
        "(l.program_id IS NULL OR l.program_id = r.program_id)"
        if has_program
        else "l.program_id IS NULL"
    )
    key = " || ', ' || ".join(f"coalesce(CAST(r.\"{k}\" AS VARCHAR), '')" for k in contract.key)
    return con.execute(
        f"""SELECT l.lock_id, l.period, l.program_id, any_value({key or "''"})
            FROM ({rows_sql}) r JOIN period_locks l
              ON {start} <= l.period_end AND {end} >= l.period_start AND {program}
            GROUP BY ALL ORDER BY l.period, l.program_id NULLS FIRST"""
    ).fetchall()


def refuse_locked(table: str, hits: list[tuple]) -> None:
    lock_id, period, program, example = hits[0]
    raise InvalidDataError(
        f"load refused, nothing stored: {table}: the load changes rows in locked "
        f"{lock_label(period, program)} (lock {lock_id}; e.g. row {example}); "
        "give --unlock-reason TEXT to load it anyway (the reason is recorded)"
    )


RUNS_COLUMNS = (
    "run_id",
    "started_at",
    "as_of",
    "periods",
    "as_known_at",
    "command",
    "program_filter",
    "status",
    "approver",
    "approved_at",
    "note",
)


def list_runs(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Every run, newest first, with what it computed (rows per result table)."""
    cur = con.execute(
        f"""SELECT {", ".join("r." + c for c in RUNS_COLUMNS)},
                 (SELECT count(*) FROM indicator_results i WHERE i.run_id = r.run_id) AS indicator_results,
                 (SELECT count(*) FROM partnership_scores s WHERE s.run_id = r.run_id) AS partnership_scores,
                 (SELECT count(*) FROM dnh_findings d WHERE d.run_id = r.run_id) AS dnh_findings
            FROM runs r ORDER BY r.started_at DESC, r.run_id DESC"""
    )
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
