"""Incremental runs: which programs a run must recompute, and which it may copy.

A run may copy a program's indicator results and do-no-harm findings from the previous run
of the same run definition when nothing it reads has changed since: same as-of date, same
periods, same engine version, same project files (catalogue, overrides, checks, waivers,
models: `catalogue_hash`), and no input row linked to the program loaded or replaced since
that run started. Rows are linked to programs through the contracts' references (a
participant through its activity, a follow-up through its participant, an end-use check
through its transfer); rows of a unit (units, incidents, unit assessments) reach every
program that supported the unit. Rows read by country (events, context) reach the programs
of that country and the programs that supported a unit of that country (or, for an event,
the unit named as its actor): every figure reads events and context series of its program's
country or of its units' countries (comparison areas lie in the same country). A change in a
table linked by a list of ids (recommendations, responses, actions) recomputes every program:
exact, never guessed. Partnership scores and results chains are always recomputed (they are
cheap and span programs). `sceval run --full` recomputes everything.

Changes are read from what loads record: `loads` (which tables were written, when) and each
table's `<table>_history` (the keys a load replaced or inserted, with the old versions).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import duckdb

from sceval.project import Project
from sceval.warehouse import history_table

UNIT_REFERENCE = "units.unit_id"
PROGRAM_REFERENCE = "programs.program_id"
# Tables that feed no indicator or check: a change recomputes nothing per program.
SCORES_ONLY = {"partnership_ratings"}
# Tables read by country (comparison areas, context series): a change reaches the programs of
# the rows' countries, and those that supported a unit there.
BY_COUNTRY = {"events", "context"}
COUNTRY = "country"
CHANGED = "_sceval_changed_rows"


@dataclass
class Plan:
    """What a run computes: `programs` None = every program; else only these (copying the
    others from `copy_from`). `reasons` say why each recomputed program was chosen."""

    programs: list[str] | None
    copy_from: str | None = None
    reasons: dict[str, str] = field(default_factory=dict)
    note: str = ""


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def previous_run(
    con: duckdb.DuckDBPyConnection,
    *,
    pipeline: str,
    as_of: dt.date,
    catalogue_hash: str,
    engine_version: str,
    periods: list[str],
) -> tuple[str, dt.datetime] | None:
    """The latest finished full run of the same definition, as-of date, periods and project."""
    row = con.execute(
        """SELECT run_id, started_at FROM runs
           WHERE command = 'run' AND pipeline = ? AND as_of = ? AND catalogue_hash = ?
             AND engine_version = ? AND program_filter IS NULL AND as_known_at IS NULL
             AND status IN ('draft', 'approved') AND coalesce(periods, []) = ?::VARCHAR[]
           ORDER BY started_at DESC, run_id DESC LIMIT 1""",
        [pipeline, as_of, catalogue_hash, engine_version, periods],
    ).fetchall()
    return (row[0][0], row[0][1]) if row else None


def _program_path(project: Project, table: str) -> list[tuple[str, str, str]] | None:
    """The references from `table` up to programs: [(table, column, referenced table), ...]."""
    path: list[tuple[str, str, str]] = []
    seen = {table}
    while True:
        contract = project.contracts.get(table)
        if contract is None:
            return None
        refs = {c.name: c.references for c in contract.columns if c.references}
        direct = [c for c, r in refs.items() if r == PROGRAM_REFERENCE]
        if direct:
            path.append((table, direct[0], "programs"))
            return path
        # Follow the one reference that is not a unit (units are shared between programs).
        up = [(c, r.split(".")[0]) for c, r in refs.items() if r != UNIT_REFERENCE]
        if len(up) != 1 or up[0][1] in seen:
            return None
        path.append((table, up[0][0], up[0][1]))
        table = up[0][1]
        seen.add(table)


def _unit_columns(project: Project, table: str) -> list[str]:
    contract = project.contracts[table]
    return [c.name for c in contract.columns if c.references == UNIT_REFERENCE]


def _changed_rows_sql(project: Project, table: str, since: dt.datetime) -> tuple[str, list]:
    """Rows of `table` touched since `since`: the current version of every key a load
    replaced or inserted, and the replaced (old) versions themselves."""
    contract = project.contract(table)
    cols = ", ".join(_q(c) for c in contract.column_names)
    hist = _q(history_table(table))
    match = " AND ".join(f"t.{_q(k)} IS NOT DISTINCT FROM h.{_q(k)}" for k in contract.key)
    sql = (
        f"SELECT {', '.join('t.' + _q(c) for c in contract.column_names)} FROM {_q(table)} t "
        f"SEMI JOIN (SELECT * FROM {hist} WHERE changed_at > ?) h ON {match} "
        f"UNION ALL SELECT {cols} FROM {hist} WHERE changed_at > ? AND change_kind = 'replaced'"
    )
    return sql, [since, since]


def _supporting_programs(units: str) -> str:
    """SQL of the programs that supported any of the units (`units`: SQL of unit ids): through
    an activity, a participant or a transfer."""
    return (
        f"SELECT program_id FROM activities WHERE unit_id IN ({units}) "
        f"UNION SELECT a.program_id FROM participants p JOIN activities a USING (activity_id) "
        f"WHERE p.unit_id IN ({units}) "
        f"UNION SELECT program_id FROM equipment WHERE unit_id IN ({units})"
    )


def _programs_of(project: Project, table: str, rows_sql: str) -> str | None:
    """SQL of the program ids the rows (`rows_sql`, columns of `table`) belong to."""
    if table == "programs":
        return f"SELECT program_id FROM ({rows_sql})"
    if table in BY_COUNTRY:
        if COUNTRY not in project.contract(table).column_names:
            return None
        countries = f"SELECT {COUNTRY} FROM ({rows_sql}) WHERE {COUNTRY} IS NOT NULL"
        units = f"SELECT unit_id FROM units WHERE partner_country IN ({countries})"
        for col in _unit_columns(project, table):  # an event's actor
            units += f" UNION SELECT {_q(col)} FROM ({rows_sql})"
        return (
            f"SELECT program_id FROM programs WHERE partner_country IN ({countries}) "
            f"UNION {_supporting_programs(units)}"
        )
    if table == "units" or (
        _program_path(project, table) is None and _unit_columns(project, table)
    ):
        col = "unit_id" if table == "units" else _unit_columns(project, table)[0]
        return _supporting_programs(f"SELECT {_q(col)} AS unit_id FROM ({rows_sql})")
    path = _program_path(project, table)
    if path is None:
        return None
    sql = f"SELECT * FROM ({rows_sql})"
    for i, (_, column, parent) in enumerate(path):
        if parent == "programs":
            return f"SELECT {_q(column)} AS program_id FROM ({sql})"
        key = project.contract(parent).key
        # The reference names the parent's key column of the same name (activity_id, ...).
        ref_col = next(c for c in key if c == column) if column in key else column
        sql = (
            f"SELECT p{i}.* FROM {_q(parent)} p{i} "
            f"WHERE p{i}.{_q(ref_col)} IN (SELECT {_q(column)} FROM ({sql}))"
        )
    return None


def plan_run(
    con: duckdb.DuckDBPyConnection,
    project: Project,
    *,
    pipeline: str,
    as_of: dt.date,
    engine_version: str,
    periods: list[str],
) -> Plan:
    """Which programs this run recomputes, from what changed since the previous run."""
    prev = previous_run(
        con,
        pipeline=pipeline,
        as_of=as_of,
        catalogue_hash=project.catalogue_hash,
        engine_version=engine_version,
        periods=periods,
    )
    if prev is None:
        return Plan(None, note="no earlier run of this definition, as-of date and project")
    run_id, since = prev
    unowned = con.execute(
        "SELECT count(*) FROM dnh_findings WHERE run_id = ? AND program_id IS NULL", [run_id]
    ).fetchall()[0][0]
    if unowned:
        return Plan(None, note=f"run {run_id} has findings of no program")
    tables = [
        r[0]
        for r in con.execute(
            "SELECT DISTINCT table_name FROM loads WHERE loaded_at > ? ORDER BY 1", [since]
        ).fetchall()
    ]
    changed: dict[str, set[str]] = {}
    for table in tables:
        if table in SCORES_ONLY:
            continue
        if table not in project.contracts:
            return Plan(None, note=f"{table} was loaded and is not a contract table")
        marks = con.execute(
            f"SELECT count(*) FROM {_q(history_table(table))} WHERE changed_at > ?", [since]
        ).fetchall()[0][0]
        if not marks:
            earlier = con.execute(
                "SELECT count(*) FROM loads WHERE table_name = ? AND loaded_at <= ?",
                [table, since],
            ).fetchall()[0][0]
            if earlier:
                continue  # reloaded with the same rows: nothing changed
            return Plan(None, note=f"{table} was first loaded after run {run_id}")
        programs_sql = _programs_of(project, table, f"SELECT * FROM {CHANGED}")
        if programs_sql is None:
            return Plan(None, note=f"{table} changed and is linked to programs by a list of ids")
        rows_sql, params = _changed_rows_sql(project, table, since)
        con.execute(f"CREATE OR REPLACE TEMP TABLE {CHANGED} AS {rows_sql}", params)
        found = con.execute(programs_sql).fetchall()
        con.execute(f"DROP TABLE {CHANGED}")
        for (pid,) in found:
            if pid is not None:
                changed.setdefault(pid, set()).add(table)
    reasons = {p: "changed: " + ", ".join(sorted(t)) for p, t in sorted(changed.items())}
    return Plan(sorted(changed), copy_from=run_id, reasons=reasons)


def copy_results(
    con: duckdb.DuckDBPyConnection, *, run_id: str, copy_from: str, recomputed: list[str]
) -> dict[str, int]:
    """Copy the previous run's rows of the programs not recomputed into this run."""
    copied = {}
    for table in ("indicator_results", "dnh_findings"):
        cols = [
            r[0]
            for r in con.execute(
                "SELECT column_name FROM duckdb_columns() WHERE table_name = ? "
                "AND schema_name = 'main' AND database_name = current_database() "
                "ORDER BY column_index",
                [table],
            ).fetchall()
        ]
        rest = ", ".join(_q(c) for c in cols if c != "run_id")
        copied[table] = con.execute(
            f"INSERT INTO {_q(table)} ({rest}, run_id) SELECT {rest}, ? FROM {_q(table)} "
            "WHERE run_id = ? AND NOT list_contains(?, program_id)",
            [run_id, copy_from, recomputed],
        ).fetchall()[0][0]
    return copied
