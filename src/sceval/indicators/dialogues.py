"""Engine functions on partnership dialogues: frequency and seniority of meetings against
the baseline, with exact Poisson intervals.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from sceval.indicators.registry import _days, _poisson_bounds, indicator_function


@indicator_function(dims=(), params=("window_days", "levels"))
def dialogue_frequency(dialogues: pl.LazyFrame, as_of: dt.date, params: dict) -> pl.LazyFrame:
    """Meetings per year in the window to as-of (optionally only some levels) vs the rate before."""
    window = int(params.get("window_days", 365))
    levels = params.get("levels")
    d = dialogues.filter(pl.col("date") <= pl.col("as_of"))
    last_min = (
        d.filter(pl.col("level") == "ministerial")
        .group_by("program_id")
        .agg(pl.col("date").max().cast(pl.String).alias("_last_min"))
    )
    counted = d.filter(pl.col("level").is_in(list(levels))) if levels else d
    recent = pl.col("date") > pl.col("as_of") - pl.duration(days=window)
    prior_days = _days(pl.col("as_of") - pl.duration(days=window), pl.col("program_start"))
    out = (
        d.group_by("program_id")
        .agg(prior_days.first().cast(pl.Float64).alias("_prior_days"))
        .join(
            counted.group_by("program_id").agg(
                recent.sum().cast(pl.Float64).alias("numerator"),
                (~recent).sum().cast(pl.Float64).alias("_prior"),
                pl.len().cast(pl.Int64).alias("n"),
            ),
            on="program_id",
            how="left",
        )
        .join(last_min, on="program_id", how="left")
        .with_columns(pl.col("numerator", "_prior").fill_null(0.0), pl.col("n").fill_null(0))
    )
    per_year = 365.0 / window
    before = pl.col("_prior") / pl.col("_prior_days") * 365.0
    # Meetings are counts: an exact Poisson (Garwood) 95% interval of the window's count.
    low, high = _poisson_bounds(pl.col("numerator"), pl.lit(per_year))
    return out.with_columns(
        dimension=pl.lit(None, dtype=pl.String),
        dimension_value=pl.lit(None, dtype=pl.String),
        value=pl.col("numerator") * per_year,
        ci_low=low,
        ci_high=high,
        denominator=pl.lit(window / 365.0),
        ref_baseline=pl.when(pl.col("_prior_days") >= 365).then(before),
        note=pl.when(pl.col("_prior_days") >= 365)
        .then(
            pl.format(
                "{} meetings in the last {} days; {} per year before that; last ministerial: {}",
                pl.col("numerator").cast(pl.Int64),
                pl.lit(window),
                before.round(2),
                pl.col("_last_min").fill_null("never"),
            )
        )
        .otherwise(pl.lit("less than a year of earlier meetings to compare with")),
    ).drop("_prior", "_prior_days", "_last_min")
