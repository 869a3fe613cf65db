"""The warehouse's tables as DDL: the result tables of SPEC section 4 and the engine's bookkeeping,
the columns added since their first release, and the input and history tables made from the
contracts. `sceval.warehouse` creates and upgrades them.
"""

from __future__ import annotations

from sceval.project import TableContract

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
    # Who made each load and why (`sceval load --by --reason --unlock-reason`): one row per
    # load id, beside `loads` (whose columns stay as older tools and warehouses know them).
    "load_notes": """
        CREATE TABLE IF NOT EXISTS load_notes (
            load_id VARCHAR NOT NULL,
            loaded_by VARCHAR NOT NULL,
            reason VARCHAR,
            unlock_reason VARCHAR
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
            status VARCHAR NOT NULL,
            include_person_ids BOOLEAN NOT NULL DEFAULT false,
            periods VARCHAR[],
            as_known_at TIMESTAMP,
            approver VARCHAR,
            approved_at TIMESTAMP,
            note VARCHAR
        )""",
    # `sceval lock PERIOD [--program ID]`: loads that would change rows dated inside the
    # period (for that program, or any program when program_id is NULL) are refused.
    "period_locks": """
        CREATE TABLE IF NOT EXISTS period_locks (
            lock_id VARCHAR NOT NULL,
            period VARCHAR NOT NULL,
            period_start DATE NOT NULL,
            period_end DATE NOT NULL,
            program_id VARCHAR,
            locked_by VARCHAR NOT NULL,
            locked_at TIMESTAMP NOT NULL,
            note VARCHAR
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
            projected_low DOUBLE,
            projected_high DOUBLE,
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


# Columns added to engine tables after their first release: a warehouse made by an older
# sceval gains them when it is next opened for writing (ALTER TABLE ... ADD COLUMN IF NOT EXISTS).
ADDED_COLUMNS = {
    # no run of a warehouse made before the column let person ids out
    "runs": {
        "include_person_ids": "BOOLEAN DEFAULT false",
        "periods": "VARCHAR[]",
        "as_known_at": "TIMESTAMP",
        "approver": "VARCHAR",
        "approved_at": "TIMESTAMP",
        "note": "VARCHAR",
        # an incremental run: the run it copied unchanged programs from, and per recomputed
        # program why ({"P1": "changed: participants"}); the note says full or incremental
        "copied_from": "VARCHAR",
        "recomputed": "JSON",
        "incremental_note": "VARCHAR",
    },
    # a warehouse made before reporting periods: its results were all cumulative
    "indicator_results": {
        "projected_low": "DOUBLE",
        "projected_high": "DOUBLE",
        "period": "VARCHAR DEFAULT 'cumulative'",
    },
    "partnership_scores": {"rating_round": "DATE"},
}


# A run's status: 'running' while it computes, 'failed' if it stopped, then 'draft' until
# `sceval approve` makes it 'approved'. Older warehouses said 'ok' for a finished draft.
FINISHED = ("draft", "approved")


FINISHED_SQL = "('draft', 'approved')"


# Metadata columns of `<table>_history` (after the contract's columns). A row is either an
# earlier version of a stored row ('replaced': valid until `changed_at`, replaced by load
# `change_load_id`) or the mark that load `change_load_id` first inserted this key
# ('inserted': key columns only) into a table that already held rows.
HISTORY_COLUMNS = {
    "change_kind": "VARCHAR NOT NULL",
    "change_load_id": "VARCHAR NOT NULL",
    "changed_at": "TIMESTAMP NOT NULL",
}


def history_table(table: str) -> str:
    """The name of an input table's history of replaced rows."""
    return f"{table}_history"


def input_table_ddl(contract: TableContract) -> str:
    """CREATE TABLE for one input table, typed and keyed from its contract."""
    cols = []
    for c in contract.columns:
        null = "" if c.nullable else " NOT NULL"
        cols.append(f'"{c.name}" {c.sql_type}{null}')
    if contract.indexed_key:
        cols.append("PRIMARY KEY (" + ", ".join(f'"{k}"' for k in contract.key) + ")")
    return f'CREATE TABLE IF NOT EXISTS "{contract.name}" (\n  ' + ",\n  ".join(cols) + "\n)"


def history_ddl(contract: TableContract) -> str:
    """CREATE TABLE for an input table's history: its columns, all nullable, plus metadata."""
    cols = [f'"{c.name}" {c.sql_type}' for c in contract.columns]
    cols += [f'"{k}" {v}' for k, v in HISTORY_COLUMNS.items()]
    return (
        f'CREATE TABLE IF NOT EXISTS "{history_table(contract.name)}" (\n  '
        + ",\n  ".join(cols)
        + "\n)"
    )
