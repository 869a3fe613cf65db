"""Corrections with history: every input row's earlier versions, and inputs as known at a time.

A load replaces stored rows by key (see docs/evaluation-cycle.md). Before a stored row is
replaced by a row that differs from it, its old version goes to `<table>_history` with the
load that replaced it and the time; a key that a load adds to a table which already held
rows leaves an 'inserted' mark there (key columns only). The first load into an empty table
and a reload of identical rows write no history at all. With those two kinds of row, the
table as it stood at any time T can be rebuilt without a per-load copy of the table:

- a key exists at T if it was inserted at or before T (its mark, or, without a mark, the
  table's first load);
- its value at T is the oldest version replaced after T, or the stored row when none was.
"""

from __future__ import annotations

import datetime as dt
import getpass
import os
from dataclasses import dataclass

import duckdb

from sceval.errors import InvalidDataError, UsageError
from sceval.project import Project, TableContract
from sceval.warehouse import HISTORY_COLUMNS, history_table

BATCH = "_sceval_batch"
OLD = "_sceval_old"  # stored rows whose key the batch names (temp table, one load's life)


def current_user() -> str:
    """The OS user, the default of `--by` (a load records who made it)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry for the uid in some containers
        return os.environ.get("USER") or os.environ.get("USERNAME") or "unknown"


@dataclass
class TableChange:
    """What one file's rows did to the stored table."""

    replaced: int = 0  # stored rows replaced by a different version (kept in history)
    inserted: int = 0  # new keys
    unchanged: int = 0  # rows identical to the stored ones (nothing written)


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _differs(contract: TableContract, a: str, b: str, present: set[str] | None = None) -> str:
    # An optional column the file left out is stored as NULL: compare with that.
    values = [c for c in contract.column_names if c not in contract.key]
    if not values:
        return "false"
    return " OR ".join(
        f"{a}.{_q(c)} IS DISTINCT FROM "
        + (f"{b}.{_q(c)}" if present is None or c in present else "NULL")
        for c in values
    )


def replace_by_key(
    con: duckdb.DuckDBPyConnection,
    contract: TableContract,
    *,
    load_id: str,
    now: dt.datetime,
    indexed: bool,
) -> TableChange:
    """Write the registered batch `_sceval_batch` into a non-empty table, keeping the old
    version of every row it changes. Runs inside the caller's transaction; leaves the temp
    table `_sceval_old` (changed rows' old versions, `_sceval_changed`) for the checks that
    follow (locks, approved runs) and `finish_replace` drops it."""
    table, hist = _q(contract.name), _q(history_table(contract.name))
    cols = ", ".join(_q(c) for c in contract.column_names)
    key = ", ".join(_q(k) for k in contract.key)
    present = {d[0] for d in con.execute(f"SELECT * FROM {BATCH} LIMIT 0").description}
    bcols = ", ".join(_q(c) for c in contract.column_names if c in present)
    # One join of the (large) stored table with the (small) batch finds every stored row
    # the batch names; the rest of the work is on those few rows.
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {OLD} AS SELECT t.rowid AS _sceval_rid, t.*, "
        f"({_differs(contract, 't', 'b', present)}) AS _sceval_changed "
        f"FROM {table} t JOIN {BATCH} b ON {contract.key_match('t', 'b')}"
    )
    matched, changed = con.execute(
        f"SELECT count(*), count(*) FILTER (_sceval_changed) FROM {OLD}"
    ).fetchall()[0]
    meta = ", ".join(f"? AS {_q(k)}" for k in HISTORY_COLUMNS)
    if changed:
        con.execute(
            f"INSERT INTO {hist} BY NAME SELECT {cols}, {meta} FROM {OLD} WHERE _sceval_changed",
            ["replaced", load_id, now],
        )
    new_rows = f"SELECT b.* FROM {BATCH} b ANTI JOIN {OLD} o ON {contract.key_match('b', 'o')}"
    inserted = con.execute(
        f"INSERT INTO {hist} BY NAME SELECT {key}, {meta} FROM ({new_rows})",
        ["inserted", load_id, now],
    ).fetchall()[0][0]
    changed_rows = (
        f"SELECT b.* FROM {BATCH} b SEMI JOIN (SELECT * FROM {OLD} WHERE _sceval_changed) o "
        f"ON {contract.key_match('b', 'o')}"
    )
    if indexed:
        # A DuckDB primary key: the index replaces the row of the same key.
        con.execute(
            f"INSERT OR REPLACE INTO {table} BY NAME "
            f"SELECT {bcols} FROM ({changed_rows} UNION ALL {new_rows})"
        )
    else:
        if changed:
            con.execute(
                f"DELETE FROM {table} WHERE rowid IN "
                f"(SELECT _sceval_rid FROM {OLD} WHERE _sceval_changed)"
            )
        con.execute(
            f"INSERT INTO {table} BY NAME SELECT {bcols} FROM ({changed_rows} UNION ALL {new_rows})"
        )
    return TableChange(replaced=changed, inserted=inserted, unchanged=matched - changed)


def finish_replace(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"DROP TABLE IF EXISTS temp.main.{OLD}")


def approved_runs_using(
    con: duckdb.DuckDBPyConnection, contract: TableContract, load_id: str
) -> list[tuple[str, str]]:
    """Approved runs that read a version of a row load `load_id` replaces (each run read
    every row as it stood when it ran, or at its `--as-known-at` time). A stored version
    dates from the key's last earlier change, else from the table's first load.
    `(run_id, approver)`."""
    hist = _q(history_table(contract.name))
    created = con.execute(
        f"""SELECT min(coalesce(h.made, l.t0)) FROM {OLD} o
            LEFT JOIN (SELECT {", ".join(_q(k) for k in contract.key)}, max(changed_at) AS made
                       FROM {hist} WHERE change_load_id <> ? GROUP BY ALL) h
              ON {contract.key_match("o", "h")}
            CROSS JOIN (SELECT min(loaded_at) AS t0 FROM loads WHERE table_name = ?) l
            WHERE o._sceval_changed""",
        [load_id, contract.name],
    ).fetchall()[0][0]
    if created is None:
        return []
    return con.execute(
        """SELECT run_id, approver FROM runs WHERE status = 'approved'
           AND coalesce(as_known_at, started_at) >= ? ORDER BY started_at""",
        [created],
    ).fetchall()


def as_known_at_sql(contract: TableContract, at: dt.datetime, catalog: str) -> str:
    """A query for the table as it stood at `at` (UTC), from the stored rows and history.
    Names are qualified with the warehouse's `catalog`: a view of the same name shadows
    the plain table name."""
    table = f"{_q(catalog)}.main.{_q(contract.name)}"
    hist = f"{_q(catalog)}.main.{_q(history_table(contract.name))}"
    cols = ", ".join(_q(c) for c in contract.column_names)
    key = ", ".join(_q(k) for k in contract.key)
    ts = f"TIMESTAMP '{at.isoformat(sep=' ')}'"
    name = contract.name.replace("'", "''")
    first = f"(SELECT min(loaded_at) FROM loads WHERE table_name = '{name}')"
    later = (
        f"(SELECT * FROM {hist} WHERE change_kind = 'replaced' AND changed_at > {ts} "
        f"QUALIFY row_number() OVER (PARTITION BY {key} ORDER BY changed_at) = 1)"
    )
    unborn = f"(SELECT {key} FROM {hist} WHERE change_kind = 'inserted' AND changed_at > {ts})"
    return (
        f"SELECT {cols} FROM (SELECT {cols} FROM {later} v UNION ALL "
        f"SELECT c.* FROM {table} c ANTI JOIN {later} l ON {contract.key_match('c', 'l')}) r "
        f"ANTI JOIN {unborn} u ON {contract.key_match('r', 'u')} "
        f"WHERE {first} <= {ts}"
    )


class KnownAt:
    """Temporary views that make every input table read as it stood at a time, on this
    connection only (they shadow the stored tables of the same names; results tables are
    untouched, so a run writes its results as usual)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, project: Project, at: dt.datetime):
        self.con, self.project, self.at = con, project, at
        self.views: list[str] = []

    def __enter__(self) -> KnownAt:
        catalog = self.con.execute("SELECT current_database()").fetchall()[0][0]
        try:
            for contract in self.project.contracts.values():
                self.con.execute(
                    f"CREATE OR REPLACE TEMP VIEW {_q(contract.name)} AS "
                    + as_known_at_sql(contract, self.at, catalog)
                )
                self.views.append(contract.name)
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        for v in self.views:
            self.con.execute(f"DROP VIEW IF EXISTS temp.main.{_q(v)}")
        self.views = []


def parse_timestamp(value: str, flag: str = "--as-known-at") -> dt.datetime:
    """An ISO 8601 date or time; with an offset it is converted to UTC, without one it is
    taken as UTC (the zone `sceval runs` and `sceval history` print)."""
    try:
        stamp = dt.datetime.fromisoformat(value.strip().replace(" ", "T", 1))
    except ValueError:
        raise UsageError(
            f"{flag} {value!r}: expected a time as YYYY-MM-DDTHH:MM[:SS[.ffffff]] (UTC), "
            "a date, or a run id"
        ) from None
    if stamp.tzinfo is not None:
        stamp = stamp.astimezone(dt.UTC).replace(tzinfo=None)
    return stamp


def resolve_known_at(con: duckdb.DuckDBPyConnection, value: str) -> dt.datetime:
    """`--as-known-at` accepts a time or the id of a run (the time that run read its inputs)."""
    found = con.execute(
        "SELECT coalesce(as_known_at, started_at) FROM runs WHERE run_id = ?", [value]
    ).fetchall()
    if found:
        return found[0][0]
    return parse_timestamp(value)


def _key_where(contract: TableContract, key: list[str], alias: str) -> tuple[str, list]:
    """`alias.k = ?` for each key value typed as its column ('' is NULL in a nullable column)."""
    conds, params = [], []
    for k, v in zip(contract.key, key, strict=True):
        col = contract.column(k)
        if v == "" and col.nullable:
            conds.append(f"{alias}.{_q(k)} IS NULL")
        else:
            conds.append(f"{alias}.{_q(k)} = ?::{col.sql_type}")
            params.append(v)
    return " AND ".join(conds), params


def history_rows(
    con: duckdb.DuckDBPyConnection, project: Project, table: str, key: list[str]
) -> tuple[list[str], list[tuple]]:
    """Every version of the row `key` of `table`, oldest first: earlier versions with the load
    that replaced each (time, user, reason), then the stored row. Columns and rows."""
    if table not in project.contracts:
        raise UsageError(f"unknown table {table!r}; tables: {', '.join(sorted(project.contracts))}")
    contract = project.contract(table)
    if len(key) != len(contract.key):
        raise UsageError(
            f"{table}: the key is {len(contract.key)} value(s) ({', '.join(contract.key)}); "
            f"got {len(key)}. An empty key column is given as ''"
        )
    where_h, params = _key_where(contract, key, "h")
    where_c, _ = _key_where(contract, key, "c")
    cols = ", ".join(_q(c) for c in contract.column_names)
    hcols = ", ".join("h." + _q(c) for c in contract.column_names)
    hist = _q(history_table(table))
    try:
        rows = con.execute(
            f"""SELECT * FROM (
                  SELECT 'replaced' AS version, h.changed_at AS valid_until,
                         h.change_load_id AS replaced_by_load, l.loaded_by AS replaced_by,
                         l.reason, l.unlock_reason, {hcols}
                  FROM {hist} h LEFT JOIN load_notes l ON l.load_id = h.change_load_id
                  WHERE h.change_kind = 'replaced' AND {where_h}
                  UNION ALL
                  SELECT 'current', NULL, NULL, NULL, NULL, NULL, {cols} FROM {_q(table)} c
                  WHERE {where_c}
                ) ORDER BY valid_until NULLS LAST""",
            params + params,
        )
    except duckdb.ConversionException as exc:
        raise UsageError(f"{table}: key value does not type ({str(exc).splitlines()[0]})") from None
    names = [d[0] for d in rows.description]
    return names, rows.fetchall()


def inserted_by(
    con: duckdb.DuckDBPyConnection, project: Project, table: str, key: list[str]
) -> tuple | None:
    """The load that first inserted the key (time, load id, user), when history knows it."""
    contract = project.contract(table)
    where, params = _key_where(contract, key, "h")
    found = con.execute(
        f"""SELECT h.changed_at, h.change_load_id, l.loaded_by FROM {_q(history_table(table))} h
            LEFT JOIN load_notes l
            ON l.load_id = h.change_load_id WHERE h.change_kind = 'inserted' AND {where}""",
        params,
    ).fetchall()
    return found[0] if found else None


def refuse_unreasoned(table: str, runs: list[tuple[str, str]]) -> None:
    run_id, approver = runs[-1]
    raise InvalidDataError(
        f"load refused, nothing stored: {table}: the load changes rows that approved run "
        f"{run_id} (approved by {approver}) used; say why with --reason TEXT"
    )
