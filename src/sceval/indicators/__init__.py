"""Indicators: the catalogue in `indicators/*.yml` and the engine that computes it.

`compute_indicators` is what `sceval run` calls; `sceval catalogue` lists and checks the
catalogue (`sceval.indicators.cli`); `sceval.indicators.export` writes a run's results.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import duckdb
    import polars as pl

    from sceval.indicators.periods import Period
    from sceval.pipeline import Pipeline
    from sceval.project import Project

__all__ = ["compute_indicators"]


def compute_indicators(
    con: duckdb.DuckDBPyConnection,
    project: Project,
    *,
    run_id: str,
    as_of: dt.date,
    program: str | None = None,
    pipeline: Pipeline | None = None,
    period: Period | None = None,
) -> pl.DataFrame:
    """Compute the pipeline's indicators as of a date, store them under run_id, return them.

    The pipeline's `periods` say which: cumulative (program start to as-of) and/or each
    quarter, year, month or custom period up to as-of. `period` computes only that one.
    """
    import polars as pl

    from sceval.indicators.engine import compute, first_start, store

    if period is not None:
        cumulative, periods = False, [period]
    elif pipeline is not None:
        spec = pipeline.periods
        first = first_start(con, program) if spec.kinds else None
        cumulative, periods = spec.cumulative, spec.resolve(first, as_of)
    else:
        cumulative, periods = True, []
    results = compute(
        con,
        project,
        run_id=run_id,
        as_of=as_of,
        program=program,
        indicator_ids=pipeline.indicators if pipeline is not None else "all",
        periods=periods,
        cumulative=cumulative,
    )
    # A statistic with no defined value (a ratio's interval, 0/0) is NULL in SQL, never NaN.
    results = results.with_columns(pl.col(pl.Float64).fill_nan(None))
    store(con, results)
    return results
