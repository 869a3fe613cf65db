"""Intervals and statuses: the honest-numbers rules shared by every indicator.

Expressions only: they run inside the one Polars query that builds a run's result rows.
"""

from __future__ import annotations

import polars as pl

Z95 = 1.959963984540054


def wilson_bounds(num: pl.Expr, n: pl.Expr, z: float = Z95) -> tuple[pl.Expr, pl.Expr]:
    """Wilson score 95% interval of a proportion num/n (null when n is 0)."""
    p = num / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * ((p * (1 - p) / n + z * z / (4 * n * n)).sqrt()) / denom
    ok = n > 0
    low = pl.when(ok).then((centre - half).clip(0.0, 1.0))
    high = pl.when(ok).then((centre + half).clip(0.0, 1.0))
    return low, high


def _t_quantiles(n: pl.Series) -> pl.Series:
    """97.5% Student-t quantiles for n - 1 degrees of freedom (null below n = 2)."""
    if n.len() == 0 or n.max() is None or n.max() < 2:
        return pl.Series([None] * n.len(), dtype=pl.Float64)
    import numpy as np
    from scipy.special import stdtrit  # scipy.special, not scipy.stats: 2x faster to import

    k = n.cast(pl.Float64).fill_null(np.nan).to_numpy()
    # One vectorised call for the whole batch; df < 1 is NaN here and null below.
    q = stdtrit(np.where(k >= 2, k - 1, np.nan), 0.975)
    return pl.Series(q, dtype=pl.Float64).fill_nan(None)


def t_bounds(mean: pl.Expr, sd: pl.Expr, n: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """Student-t 95% interval of a mean (null when n < 2)."""
    q = n.map_batches(_t_quantiles, return_dtype=pl.Float64)
    half = q * sd / n.cast(pl.Float64).sqrt()
    ok = n >= 2
    return pl.when(ok).then(mean - half), pl.when(ok).then(mean + half)


STATUSES = ("green", "amber", "red", "inconclusive", "insufficient_data")
STATUS_RULES = ("point", "interval")


def status_expr(
    value: pl.Expr,
    reference: pl.Expr,
    green: pl.Expr,
    amber: pl.Expr,
    direction: pl.Expr,
    usable: pl.Expr,
    *,
    low: pl.Expr | None = None,
    high: pl.Expr | None = None,
    rule: pl.Expr | None = None,
    tolerance: pl.Expr | None = None,
) -> pl.Expr:
    """green/amber/red against thresholds (scaled by reference when given), else insufficient_data.

    `tolerance` (in the thresholds' own units, 0 when null) moves both cut-offs towards the
    worse side: a value within it of a line counts as on the line. Under rule `interval` (and
    when the row has an interval) red needs the whole 95% interval on the red side of the amber
    cut-off; an interval that straddles that cut-off is `inconclusive`; an interval wholly on
    the good side is green or amber by the point value. Rule `point` (or no interval) judges
    the point value alone.
    """
    higher = direction == "higher"
    tol = pl.lit(0.0) if tolerance is None else tolerance.fill_null(0.0)
    shift = pl.when(higher).then(-tol).otherwise(tol)
    g = (green + shift) * reference
    a = (amber + shift) * reference
    is_green = pl.when(higher).then(value >= g).otherwise(value <= g)
    is_amber = pl.when(higher).then(value >= a).otherwise(value <= a)
    point = (
        pl.when(is_green)
        .then(pl.lit("green"))
        .when(is_amber)
        .then(pl.lit("amber"))
        .otherwise(pl.lit("red"))
    )
    judged = point
    if low is not None and high is not None and rule is not None:
        has_ci = (rule == "interval") & low.is_not_null() & high.is_not_null()
        all_red = pl.when(higher).then(high < a).otherwise(low > a)
        straddles = pl.when(higher).then((low < a) & (high >= a)).otherwise((low <= a) & (high > a))
        judged = (
            pl.when(has_ci & all_red)
            .then(pl.lit("red"))
            .when(has_ci & straddles)
            .then(pl.lit("inconclusive"))
            .otherwise(point)
        )
    return (
        pl.when(~usable | value.is_null() | g.is_null() | a.is_null())
        .then(pl.lit("insufficient_data"))
        .otherwise(judged)
    )
