"""The registry of engine functions (`python:<name>` in a sheet) and what they share:
registration with their dimensions and params, the roll-up per program and dimension, and
the Poisson (Garwood) bounds. The families register themselves on import (`functions`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import polars as pl

SERVING = ("serving_same_unit", "serving_other_unit")


TERMINAL = ("left_service", "joined_non_state_group", "deceased")


PERSON_DIMS = ("sex", "age_band", "rank_group", "activity_kind", "country", "provider")


PROGRAM_DIMS = ("country", "provider")


REGISTRY: dict[str, Callable[..., pl.LazyFrame]] = {}


DIMS: dict[str, tuple[str, ...]] = {}


PARAMS: dict[str, tuple[str, ...]] = {}


def indicator_function(dims: Sequence[str] = (), params: Sequence[str] = ()):
    """Register an engine function: its name, the dimensions it can split by, its params."""

    def wrap(fn: Callable[..., pl.LazyFrame]) -> Callable[..., pl.LazyFrame]:
        REGISTRY[fn.__name__] = fn
        DIMS[fn.__name__] = tuple(dims)
        PARAMS[fn.__name__] = tuple(params)
        return fn

    return wrap


def rollup(lf: pl.LazyFrame, dims: Sequence[str], aggs: Sequence[pl.Expr]) -> pl.LazyFrame:
    """Aggregate per program, then per program and each dimension (dimension, dimension_value)."""
    if dims:
        # Computed once for every grouping, not once per grouping.
        lf = lf.cache()
    parts = [
        lf.group_by("program_id")
        .agg(aggs)
        .with_columns(
            dimension=pl.lit(None, dtype=pl.String), dimension_value=pl.lit(None, dtype=pl.String)
        )
    ]
    for d in dims:
        parts.append(
            lf.with_columns(pl.col(d).cast(pl.String).fill_null("unknown"))
            .group_by("program_id", d)
            .agg(aggs)
            .rename({d: "dimension_value"})
            .with_columns(dimension=pl.lit(d))
        )
    cols = None
    out = []
    for p in parts:
        cols = cols or p.collect_schema().names()
        out.append(p.select(cols))
    return pl.concat(out, how="vertical")


def _months_after(col: str | pl.Expr, months: int) -> pl.Expr:
    c = pl.col(col) if isinstance(col, str) else col
    return c.dt.offset_by(f"{int(months)}mo")


def _days(a: pl.Expr, b: pl.Expr) -> pl.Expr:
    return (a - b).dt.total_days()


def _coverage_note(num: str, den: str, what: str) -> pl.Expr:
    return pl.format(
        "{} of {} " + what,
        pl.col(num).cast(pl.Int64),
        pl.col(den).cast(pl.Int64),
    )


def _garwood(s: pl.Series, upper: bool) -> pl.Series:
    """Exact 95% Poisson bound of each count (Garwood), via the inverse incomplete gamma."""
    if s.drop_nulls().len() == 0:
        return pl.Series([None] * s.len(), dtype=pl.Float64)
    from scipy.special import gammaincinv

    if upper:
        return pl.Series([None if k is None else float(gammaincinv(k + 1, 0.975)) for k in s])
    return pl.Series(
        [None if k is None else (0.0 if k == 0 else float(gammaincinv(k, 0.025))) for k in s]
    )


def _poisson_bounds(count: pl.Expr, scale: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """Exact 95% Poisson interval of a count, times scale."""
    low = count.map_batches(lambda s: _garwood(s, False), return_dtype=pl.Float64) * scale
    high = count.map_batches(lambda s: _garwood(s, True), return_dtype=pl.Float64) * scale
    return low, high


def call(name: str, frames: dict[str, Any]) -> pl.LazyFrame:
    """Call a registered function with the frames and values its parameters name."""
    import inspect

    fn = REGISTRY[name]
    kwargs = {p: frames[p] for p in inspect.signature(fn).parameters}
    return fn(**kwargs)
