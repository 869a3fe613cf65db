"""Results frameworks: a theory of change per program, rolled up from a run's indicators.

`frameworks/<program_id>.yml` (or a family file with `programs:` patterns) declares the goal,
SMART objectives, the results chain by level and the assumptions on its links (`spec.py`);
`rollup.py` judges them; `compute_results_chain` is the step `sceval run` calls after the
indicators, writing `results_chain` rows under the same run id.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from sceval.framework.rollup import chain_rows
from sceval.framework.spec import Framework, framework_for, load_frameworks
from sceval.indicators.catalogue import load_catalogue

if TYPE_CHECKING:
    import duckdb
    import polars as pl

    from sceval.project import Project

__all__ = ["Framework", "compute_results_chain", "load_frameworks"]

COLUMNS = (
    "run_id",
    "program_id",
    "framework_id",
    "element",
    "element_id",
    "level",
    "text",
    "rule",
    "status",
    "indicators",
    "measured",
    "threshold",
    "target_date",
    "link_from",
    "link_to",
    "message",
)


def program_totals(results: pl.DataFrame) -> dict[str, dict[str, dict[str, Any]]]:
    """{program: {indicator: {status, value}}} from a run's cumulative program-total rows."""
    import polars as pl

    rows = results.filter(pl.col("dimension").is_null())
    if "period" in rows.columns:
        rows = rows.filter(pl.col("period").is_null() | (pl.col("period") == "cumulative"))
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for r in rows.select("program_id", "indicator_id", "status", "value").iter_rows(named=True):
        out.setdefault(r["program_id"], {})[r["indicator_id"]] = r
    return out


def context_values(
    con: duckdb.DuckDBPyConnection, series: list[str], as_of: dt.date
) -> dict[str, dict[str, float | None]]:
    """{program: {series: latest value for its country by the as-of year}}, in one query."""
    if not series:
        return {}
    rows = con.execute(
        """
        SELECT p.program_id, c.indicator, arg_max(c.value, c.year)
        FROM context c JOIN programs p ON p.partner_country = c.country
        WHERE c.year <= ? AND list_contains(?, c.indicator)
        GROUP BY ALL
        """,
        [as_of.year, series],
    ).fetchall()
    out: dict[str, dict[str, float | None]] = {}
    for program_id, name, value in rows:
        out.setdefault(program_id, {})[name] = None if value is None else float(value)
    return out


def compute_results_chain(
    con: duckdb.DuckDBPyConnection,
    project: Project,
    *,
    run_id: str,
    as_of: dt.date,
    results: pl.DataFrame,
) -> int:
    """Roll the run's indicators up each program's results chain; store and count the rows."""
    import polars as pl

    catalogue = load_catalogue(project)
    frameworks = load_frameworks(project, set(catalogue))
    if not frameworks:
        return 0
    directions = {i: ind.direction for i, ind in catalogue.items()}
    totals = program_totals(results)
    series = sorted({a.series for f in frameworks for a in f.assumptions if a.source == "context"})
    contexts = context_values(con, series, as_of)
    rows: list[dict[str, Any]] = []
    for program_id in sorted(set(results["program_id"].to_list())):
        fw = framework_for(frameworks, program_id)
        if fw is None:
            continue
        context = contexts.get(program_id, {})
        for row in chain_rows(
            fw, program_id, totals.get(program_id, {}), context, directions, as_of
        ):
            rows.append({c: row.get(c) for c in COLUMNS} | {"run_id": run_id})
    if not rows:
        return 0
    frame = pl.DataFrame(
        rows,
        schema={
            **dict.fromkeys(COLUMNS, pl.String),
            "indicators": pl.List(pl.String),
            "measured": pl.Float64,
            "threshold": pl.Float64,
            "target_date": pl.Date,
        },
        orient="row",
    )
    con.register("_sceval_chain_rows", frame.to_arrow())
    try:
        con.execute("INSERT INTO results_chain BY NAME SELECT * FROM _sceval_chain_rows")
    finally:
        con.unregister("_sceval_chain_rows")
    return frame.height
