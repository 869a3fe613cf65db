"""Targets and trends of the results: targets to date (pro rata), per period and from the
reported observations, and the projected end value (least squares over a year of quarterly
points, with a 95% interval from the slope's standard error; see docs/methods.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

import polars as pl

from sceval.indicators import capability, functions, simple, sources, stats  # noqa: F401
from sceval.periods import CUMULATIVE, Period

# How far back the trend of an on-the-fly indicator is read to project its end value: the
# value now and at these earlier days (a year, quarterly) give a least-squares line.
TREND_DAYS = 182


TREND_LAGS = (91, 182, 273, 364)


# The columns that place a raw row in a reporting period (see `with_period`).
PERIOD_SCHEMA = {"period": pl.String, "p_start": pl.Date, "p_end": pl.Date, "_day": pl.Date}


PERIOD_TARGET_SCHEMA = {
    "indicator_id": pl.String,
    "program_id": pl.String,
    "period": pl.String,
    "pt_target": pl.Float64,
    "pt_baseline": pl.Float64,
}


def trend_fit(
    raw: pl.DataFrame,
    previous: pl.DataFrame,
    programs: pl.DataFrame,
    settings: pl.DataFrame,
    as_of: dt.date,
) -> pl.DataFrame:
    """Per (indicator, program): least-squares slope per day of the totals over time, its
    standard error and the number of points m (`_slope`, `_se`, `_m`).

    Points: the value now (x = 0), the values `lag` days before (x = -lag; a frame without a
    `lag` column is TREND_DAYS before) while the program was running, and for a cumulative
    (pro-rated) indicator its baseline at the program's start.
    """
    if "lag" not in previous.columns:
        previous = previous.with_columns(lag=pl.lit(TREND_DAYS, dtype=pl.Int64))
    keys = ["indicator_id", "program_id"]
    now = raw.filter(pl.col("dimension").is_null()).select(*keys, x=pl.lit(0.0), y="value")
    before = previous.filter(pl.col("dimension").is_null()).select(
        *keys, x=-pl.col("lag").cast(pl.Float64), y="value"
    )
    start = (
        settings.filter(pl.col("pro_rata"))
        .join(programs, on="program_id")
        .select(
            *keys,
            x=-(pl.lit(as_of, dtype=pl.Date) - pl.col("program_start"))
            .dt.total_days()
            .cast(pl.Float64),
            y=pl.coalesce("ov_baseline", "cat_baseline"),
        )
    )
    days = programs.select(
        "program_id",
        _since=(pl.lit(as_of, dtype=pl.Date) - pl.col("program_start"))
        .dt.total_days()
        .cast(pl.Float64),
    )
    pts = (
        pl.concat([now, before, start], how="vertical")
        .join(days, on="program_id")
        .filter(pl.col("y").is_not_null() & (-pl.col("x") <= pl.col("_since")))
        .unique(subset=[*keys, "x"], keep="first", maintain_order=True)
        # Points in a fixed order: the sums below then do not depend on thread scheduling
        # (a rerun on the same data gave projections differing in the tenth decimal).
        .sort([*keys, "x"])
    )
    xm, ym = pl.col("x").mean(), pl.col("y").mean()
    sxx = ((pl.col("x") - xm) ** 2).sum()
    sxy = ((pl.col("x") - xm) * (pl.col("y") - ym)).sum()
    b = sxy / sxx
    ssr = (((pl.col("y") - ym) - b * (pl.col("x") - xm)) ** 2).sum()
    m = pl.len().cast(pl.Int64)
    return pts.group_by(keys).agg(
        _m=m,
        _slope=pl.when(sxx > 0).then(b),
        _se=pl.when((sxx > 0) & (m >= 3)).then((ssr / (m - 2) / sxx).sqrt()),
    )


def with_period(raw: pl.DataFrame, period: Period | None, day: dt.date) -> pl.DataFrame:
    """Raw rows tagged with their reporting period (None: cumulative) and computing date."""
    return raw.with_columns(
        period=pl.lit(period.label if period else CUMULATIVE, dtype=pl.String),
        p_start=pl.lit(period.start if period else None, dtype=pl.Date),
        p_end=pl.lit(period.end if period else None, dtype=pl.Date),
        _day=pl.lit(day, dtype=pl.Date),
    )


def days_between(a: pl.Expr, b: pl.Expr) -> pl.Expr:
    return (a - b).dt.total_days().cast(pl.Float64)


def targets_to_date(lf: pl.LazyFrame, as_of: dt.date) -> pl.LazyFrame:
    """baseline, target, elapsed and target_to_date of every row, cumulative or per period.

    Cumulative rows keep the program's path: target_to_date is the target pro-rated to the
    share of the program elapsed by as-of. A period row takes the period's own target where
    one is given (overrides' period_targets, or an indicator_observations row for exactly
    the period); otherwise a pro-rated flow's target is the program target's share for the
    days of the program in the period, and a stock's is the program path at the period's end.
    A period still running is pro-rated to the days elapsed in it.
    """
    cum = pl.col("period") == CUMULATIVE
    flow = ~cum & (pl.col("measure") == "flow")
    day = pl.lit(as_of, dtype=pl.Date)
    span = days_between(pl.col("program_end"), pl.col("program_start"))
    done = days_between(day, pl.col("program_start"))
    elapsed = pl.when(span > 0).then((done / span).clip(0.0, 1.0)).otherwise(1.0)
    # A period clipped to its program; `upto` is the last day counted in it.
    eff_start = pl.max_horizontal("p_start", "program_start")
    eff_end = pl.min_horizontal("p_end", "program_end")
    upto = pl.min_horizontal(eff_end, pl.col("_day"))
    in_days = days_between(eff_end, eff_start) + 1.0
    prog_days = span + 1.0
    run_share = ((days_between(upto, eff_start) + 1.0) / in_days).clip(0.0, 1.0)
    p_elapsed = pl.when(span > 0).then(
        (days_between(upto, pl.col("program_start")) / span).clip(0.0, 1.0)
    )
    p_elapsed_end = pl.when(span > 0).then(
        (days_between(eff_end, pl.col("program_start")) / span).clip(0.0, 1.0)
    )
    otf = pl.col("kind") == "on_the_fly"
    pro = otf & pl.col("pro_rata")
    b0 = pl.col("baseline").fill_null(0.0)
    lf = lf.with_columns(
        baseline=pl.coalesce("pt_baseline", "ov_baseline", "ref_baseline", "cat_baseline"),
        _general_target=pl.coalesce("ov_target", "ref_target", "cat_target"),
        elapsed=elapsed,
    )
    # The target of the period: its own, else (pro-rated flows) the program's share for it.
    lf = lf.with_columns(
        target=pl.when(cum | pl.col("pt_target").is_not_null() | ~(flow & pro))
        .then(pl.coalesce("pt_target", "_general_target"))
        .otherwise((pl.col("_general_target") - b0) * in_days / prog_days)
    )
    cum_path = b0 + (pl.col("target") - b0) * pl.col("elapsed")
    stock_path = (
        pl.when(pl.col("pt_target").is_not_null() & (p_elapsed_end > 0))
        # The program's line from its baseline to the period's own target at the period's end.
        .then(b0 + (pl.col("target") - b0) * p_elapsed / p_elapsed_end)
        .when(pl.col("pt_target").is_not_null())
        .then(pl.col("target"))
        .otherwise(b0 + (pl.col("target") - b0) * pl.coalesce(p_elapsed, pl.lit(1.0)))
    )
    return lf.with_columns(
        target_to_date=pl.when(~otf)
        .then(None)
        .when(~pro)
        .then(pl.col("target"))
        .when(cum)
        .then(cum_path)
        .when(flow)
        .then(pl.col("target") * run_share)
        .otherwise(stock_path),
        _eff_start=pl.when(cum).then(pl.col("program_start")).otherwise(eff_start),
        _eff_end=pl.when(cum).then(pl.col("program_end")).otherwise(eff_end),
    ).drop("_general_target")


def observation_targets(
    tables: dict[str, pl.LazyFrame], periods: Sequence[Period], ids: Iterable[str]
) -> pl.DataFrame:
    """Period targets reported in `indicator_observations` (as IATI results carry them): a
    total row (no dimension) of a catalogue indicator whose dates are exactly the period's."""
    if not periods:
        return pl.DataFrame(schema=PERIOD_TARGET_SCHEMA)
    bounds = pl.DataFrame(
        {
            "period": [p.label for p in periods],
            "period_start": [p.start for p in periods],
            "period_end": [p.end for p in periods],
        },
        schema={"period": pl.String, "period_start": pl.Date, "period_end": pl.Date},
    )
    obs = (
        tables["indicator_observations"]
        .filter(
            pl.col("indicator_id").is_in(list(ids))
            & pl.col("dimension").is_null()
            & (pl.col("target").is_not_null() | pl.col("baseline").is_not_null())
        )
        .join(bounds.lazy(), on=["period_start", "period_end"], how="inner")
        .group_by("indicator_id", "program_id", "period")
        .agg(
            pl.col("target").drop_nulls().last().alias("pt_target"),
            pl.col("baseline").drop_nulls().last().alias("pt_baseline"),
        )
    )
    return obs.select([pl.col(c).cast(t) for c, t in PERIOD_TARGET_SCHEMA.items()]).collect()


def period_targets_frame(
    overrides: dict[tuple[str, str], dict],
    observed: pl.DataFrame,
    periods: Sequence[Period],
) -> pl.DataFrame:
    """Per-period targets: overrides' `period_targets` first, then the observed ones."""
    labels = {p.label for p in periods}
    rows = [
        {
            "indicator_id": ind,
            "program_id": prog,
            "period": str(label),
            "pt_target": float(value),
            "pt_baseline": None,
        }
        for (prog, ind), ov in overrides.items()
        for label, value in (ov.get("period_targets") or {}).items()
        if str(label) in labels
    ]
    given = pl.DataFrame(rows, schema=PERIOD_TARGET_SCHEMA)
    keys = ["indicator_id", "program_id", "period"]
    both = pl.concat([given, observed], how="vertical")
    # The override's target wins; an observed baseline is kept beside it.
    return both.group_by(keys, maintain_order=True).agg(
        pl.col("pt_target").drop_nulls().first(), pl.col("pt_baseline").drop_nulls().first()
    )
