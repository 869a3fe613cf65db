"""Indicators: the catalogue in `indicators/*.yml` and the engine that computes it.

`compute_indicators` is what `sceval run` calls; `sceval catalogue` lists and checks the
catalogue (`sceval.catalogue_cli`); `sceval.indicators.export` writes a run's results.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import duckdb
    import polars as pl

    from sceval.periods import Period
    from sceval.project import Project
    from sceval.rundef import Pipeline

__all__ = ["compute_indicators", "run_periods", "store_indicators"]


def run_periods(
    con: duckdb.DuckDBPyConnection,
    pipeline: Pipeline | None,
    as_of: dt.date,
    program: str | None = None,
    period: Period | None = None,
) -> tuple[bool, list[Period]]:
    """(whether the run computes cumulative figures, the periods it computes): `period`
    alone if given, else the pipeline's `periods` resolved up to the as-of date."""
    if period is not None:
        return False, [period]
    if pipeline is None:
        return True, []
    from sceval.indicators.engine import first_start

    spec = pipeline.periods
    first = first_start(con, program) if spec.kinds else None
    return spec.cumulative, spec.resolve(first, as_of)


def period_labels(cumulative: bool, periods: list[Period]) -> list[str]:
    """How `runs.periods` records what a run computed: `cumulative`, then period labels."""
    return ["cumulative"] * cumulative + [p.label for p in periods]


def _run_args(
    con: duckdb.DuckDBPyConnection,
    as_of: dt.date,
    program: str | None,
    pipeline: Pipeline | None,
    period: Period | None,
    programs: list[str] | None,
) -> dict:
    cumulative, periods = run_periods(con, pipeline, as_of, program, period)
    return {
        "program": programs if programs is not None else program,
        "indicator_ids": pipeline.indicators if pipeline is not None else "all",
        "periods": periods,
        "cumulative": cumulative,
        # One period is disaggregated like the cumulative figures; a series is totals only
        # unless the run definition asks (`period_disaggregations: true`).
        "period_dims": period is not None
        or (pipeline is not None and pipeline.periods.disaggregate),
    }


def _storable(results: pl.DataFrame) -> pl.DataFrame:
    import polars as pl

    # A statistic with no defined value (a ratio's interval, 0/0) is NULL in SQL, never NaN.
    return results.with_columns(pl.col(pl.Float64).fill_nan(None))


def compute_indicators(
    con: duckdb.DuckDBPyConnection,
    project: Project,
    *,
    run_id: str,
    as_of: dt.date,
    program: str | None = None,
    pipeline: Pipeline | None = None,
    period: Period | None = None,
    programs: list[str] | None = None,
) -> pl.DataFrame:
    """Compute the pipeline's indicators as of a date, store them under run_id, return them.
    `programs`: only these (an incremental run), over the periods of the whole portfolio.

    The pipeline's `periods` say which: cumulative (program start to as-of) and/or each
    quarter, year, month or custom period up to as-of. `period` computes only that one.
    """
    from sceval.indicators.engine import compute, store

    args = _run_args(con, as_of, program, pipeline, period, programs)
    results = _storable(compute(con, project, run_id=run_id, as_of=as_of, **args))
    store(con, results)
    return results


def store_indicators(
    con: duckdb.DuckDBPyConnection,
    project: Project,
    *,
    run_id: str,
    as_of: dt.date,
    program: str | None = None,
    pipeline: Pipeline | None = None,
    period: Period | None = None,
    programs: list[str] | None = None,
) -> int:
    """`compute_indicators` for a run: each batch of programs is stored before the next is
    computed and none is held (the results of 1e8 participations are gigabytes); the number
    of rows stored."""
    from sceval.indicators.engine import computed_batches, store

    args = _run_args(con, as_of, program, pipeline, period, programs)
    stored = 0
    for results in computed_batches(con, project, run_id=run_id, as_of=as_of, **args):
        store(con, _storable(results))
        stored += results.height
    return stored
