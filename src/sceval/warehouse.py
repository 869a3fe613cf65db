"""The DuckDB warehouse: input tables from the project's contracts, result tables, provenance.

Input tables are created from `schemas/*.yml`; result tables (SPEC §4) are the engine's own
and fixed here. Every result row carries its `run_id`; `runs` says what produced it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import duckdb

from sceval.errors import ScevalError
from sceval.project import Project, TableContract

DEFAULT_DB = "sceval.duckdb"

# The result tables of SPEC §4 and the engine's bookkeeping. Totals (no disaggregation) have
# dimension and dimension_value NULL.
RESULT_DDL = {
    "loads": """
        CREATE TABLE IF NOT EXISTS loads (
            load_id VARCHAR NOT NULL,
            loaded_at TIMESTAMP NOT NULL,
            table_name VARCHAR NOT NULL,
            file VARCHAR NOT NULL,
            sha256 VARCHAR NOT NULL,
            rows BIGINT NOT NULL,
            source_format VARCHAR,
            engine_version VARCHAR
        )""",
    "runs": """
        CREATE TABLE IF NOT EXISTS runs (
            run_id VARCHAR PRIMARY KEY,
            started_at TIMESTAMP NOT NULL,
            finished_at TIMESTAMP,
            as_of DATE NOT NULL,
            command VARCHAR NOT NULL,
            pipeline VARCHAR,
            program_filter VARCHAR,
            engine_version VARCHAR NOT NULL,
            catalogue_hash VARCHAR NOT NULL,
            project_root VARCHAR,
            input_files JSON NOT NULL,
            status VARCHAR NOT NULL
        )""",
    "indicator_results": """
        CREATE TABLE IF NOT EXISTS indicator_results (
            run_id VARCHAR NOT NULL,
            indicator_id VARCHAR NOT NULL,
            kind VARCHAR,
            program_id VARCHAR NOT NULL,
            period VARCHAR NOT NULL DEFAULT 'cumulative',
            period_start DATE,
            period_end DATE,
            dimension VARCHAR,
            dimension_value VARCHAR,
            numerator DOUBLE,
            denominator DOUBLE,
            value DOUBLE,
            n BIGINT,
            ci_low DOUBLE,
            ci_high DOUBLE,
            unit VARCHAR,
            direction VARCHAR,
            baseline DOUBLE,
            target DOUBLE,
            target_to_date DOUBLE,
            projected_value DOUBLE,
            projected_status VARCHAR,
            status VARCHAR NOT NULL,
            suppressed BOOLEAN NOT NULL,
            note VARCHAR
        )""",
    "partnership_scores": """
        CREATE TABLE IF NOT EXISTS partnership_scores (
            run_id VARCHAR NOT NULL,
            model_id VARCHAR NOT NULL,
            case_id VARCHAR NOT NULL,
            level VARCHAR NOT NULL,
            dimension_id VARCHAR,
            item_id VARCHAR,
            score DOUBLE,
            max_score DOUBLE,
            weight DOUBLE,
            rank INTEGER,
            rating_text VARCHAR,
            rating_base VARCHAR,
            qualifier VARCHAR,
            source VARCHAR,
            note VARCHAR,
            rating_round DATE
        )""",
    # Inter-rater agreement of partnership ratings (docs/partnership.md): per model and round,
    # Krippendorff's alpha (ordinal) for the model and each item, and the disagreements.
    "partnership_agreement": """
        CREATE TABLE IF NOT EXISTS partnership_agreement (
            run_id VARCHAR NOT NULL,
            model_id VARCHAR NOT NULL,
            rating_round DATE,
            level VARCHAR NOT NULL,
            case_id VARCHAR,
            item_id VARCHAR,
            alpha DOUBLE,
            ci_low DOUBLE,
            ci_high DOUBLE,
            raters INTEGER,
            units INTEGER,
            pairable_values INTEGER,
            steps_apart DOUBLE,
            ratings VARCHAR,
            note VARCHAR
        )""",
    "dnh_findings": """
        CREATE TABLE IF NOT EXISTS dnh_findings (
            run_id VARCHAR NOT NULL,
            check_id VARCHAR NOT NULL,
            program_id VARCHAR,
            unit_id VARCHAR,
            severity VARCHAR NOT NULL,
            status VARCHAR NOT NULL,
            measured_value DOUBLE,
            threshold DOUBLE,
            message VARCHAR NOT NULL,
            evidence VARCHAR[],
            evidence_table VARCHAR,
            waived BOOLEAN NOT NULL DEFAULT false,
            waiver_id VARCHAR
        )""",
    # One row per element of a program's results framework (issue 17): goal, objective,
    # result, assumption or link, with the status rolled up from the run's indicators.
    "results_chain": """
        CREATE TABLE IF NOT EXISTS results_chain (
            run_id VARCHAR NOT NULL,
            program_id VARCHAR NOT NULL,
            framework_id VARCHAR NOT NULL,
            element VARCHAR NOT NULL,
            element_id VARCHAR NOT NULL,
            level VARCHAR,
            text VARCHAR,
            rule VARCHAR,
            status VARCHAR NOT NULL,
            indicators VARCHAR[],
            measured DOUBLE,
            threshold DOUBLE,
            target_date DATE,
            link_from VARCHAR,
            link_to VARCHAR,
            message VARCHAR
        )""",
}

RESULT_TABLES = ("runs", "indicator_results", "partnership_scores", "dnh_findings", "results_chain")


def arrow(frame: Any) -> Any:
    """A Polars frame as Arrow without copying its strings (string views, which DuckDB reads);
    the default conversion rewrites every string column (1.4 s per 1e7 participants)."""
    import polars as pl

    return frame.to_arrow(compat_level=pl.CompatLevel.newest())


def resolve_db_path(db: str | os.PathLike[str] | None = None) -> Path:
    """--db, else $SCEVAL_DB, else ./sceval.duckdb."""
    return Path(db or os.environ.get("SCEVAL_DB") or DEFAULT_DB)


def input_table_ddl(contract: TableContract) -> str:
    """CREATE TABLE for one input table, typed and keyed from its contract."""
    cols = []
    for c in contract.columns:
        null = "" if c.nullable else " NOT NULL"
        cols.append(f'"{c.name}" {c.sql_type}{null}')
    if contract.indexed_key:
        cols.append("PRIMARY KEY (" + ", ".join(f'"{k}"' for k in contract.key) + ")")
    return f'CREATE TABLE IF NOT EXISTS "{contract.name}" (\n  ' + ",\n  ".join(cols) + "\n)"


def connect(
    db: str | os.PathLike[str] | None = None, *, read_only: bool = False
) -> duckdb.DuckDBPyConnection:
    """Open the warehouse file, with a clear message when another process holds it."""
    path = resolve_db_path(db)
    if read_only and not path.exists():
        raise ScevalError(
            f"{path}: no warehouse here; load data first (`sceval load`) or run `sceval demo`"
        )
    if path.parent and not path.parent.exists():
        raise ScevalError(f"{path}: folder {path.parent} does not exist")
    try:
        con = duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as exc:
        msg = str(exc)
        if "lock" in msg.lower():
            raise ScevalError(
                f"{path}: the warehouse is in use by another sceval process; try again when it has finished"
            ) from None
        raise ScevalError(f"{path}: cannot open the warehouse ({msg.splitlines()[0]})") from None
    except duckdb.Error as exc:
        raise ScevalError(
            f"{path}: not a readable DuckDB warehouse ({str(exc).splitlines()[0]})"
        ) from None
    quiet(con)
    return con


def quiet(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """No DuckDB progress bar: sceval prints its own progress, and bars clutter CI logs."""
    con.execute("SET enable_progress_bar = false")
    return con


def ensure_schema(con: duckdb.DuckDBPyConnection, project: Project) -> None:
    """Create every input and result table that is missing (idempotent)."""
    for contract in project.contracts.values():
        con.execute(input_table_ddl(contract))
    for ddl in RESULT_DDL.values():
        con.execute(ddl)
    # A warehouse made before reporting periods: its results were all cumulative.
    con.execute(
        "ALTER TABLE indicator_results ADD COLUMN IF NOT EXISTS period VARCHAR DEFAULT 'cumulative'"
    )
    con.execute("ALTER TABLE partnership_scores ADD COLUMN IF NOT EXISTS rating_round DATE")


def open_warehouse(
    db: str | os.PathLike[str] | None, project: Project
) -> duckdb.DuckDBPyConnection:
    """Connect and make sure every table exists."""
    con = connect(db)
    ensure_schema(con, project)
    return con


def table_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Row count of every table in the warehouse."""
    names = [
        r[0]
        for r in con.execute(
            "SELECT table_name FROM duckdb_tables() ORDER BY table_name"
        ).fetchall()
    ]
    return {n: con.execute(f'SELECT count(*) FROM "{n}"').fetchall()[0][0] for n in names}
