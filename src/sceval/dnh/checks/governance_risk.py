"""Governance risk: lethal aid to a partner whose rule of law or control of corruption is weak."""

from __future__ import annotations

import polars as pl

from sceval.dnh.findings import collect_reduced, complete, finding, fmt_num
from sceval.dnh.harms import lethal_deliveries
from sceval.dnh.inputs import Inputs
from sceval.dnh.spec import CheckSpec

SERIES = ["wgi_rule_of_law", "wgi_control_of_corruption"]


def governance_scores(x: Inputs, spec: CheckSpec) -> pl.LazyFrame:
    """Each lethal delivery with the latest score of each series at most `lookback_years` older."""
    series = spec.threshold("series", SERIES)
    lookback = int(spec.threshold("lookback_years", 3))
    ctx = x.context.filter(pl.col("indicator").is_in(series)).select(
        "country",
        pl.col("year").cast(pl.Int64).alias("ctx_year"),
        "indicator",
        pl.col("value").alias("score"),
    )
    in_window = (pl.col("ctx_year") <= pl.col("year")) & (
        pl.col("ctx_year") >= pl.col("year") - lookback
    )
    return (
        lethal_deliveries(x)
        .join(ctx, on="country", how="left")
        .with_columns(
            pl.when(in_window).then(pl.col("score")).alias("score"),
            pl.when(in_window).then(pl.col("ctx_year")).alias("ctx_year"),
        )
        .sort("ctx_year", nulls_last=False)
        .group_by("program_id", "transfer_id", "country", "year", "indicator")
        .agg(pl.col("score").drop_nulls().last(), pl.col("ctx_year").drop_nulls().last())
    )


def governance_risk(x: Inputs, spec: CheckSpec) -> pl.LazyFrame:
    """Flags per program whose lethal deliveries went to a partner scoring below the threshold."""
    limit = float(spec.threshold("min_score", -0.5))
    scores = governance_scores(x, spec)
    per_transfer = scores.group_by("program_id", "transfer_id", "country", "year").agg(
        pl.col("score").min().alias("worst"),
        # Ties on the score break on the series name, so a run names the same series every time.
        pl.col("indicator")
        .sort_by(["score", "indicator"], nulls_last=True)
        .first()
        .alias("worst_series"),
        pl.col("ctx_year").sort_by(["score", "indicator"], nulls_last=True).first(),
    )
    # One row per transfer: the messages are formatted on it eagerly (see `sceval.dnh.findings`).
    (per_transfer,) = collect_reduced(per_transfer)
    flagged = (
        per_transfer.filter(pl.col("worst") < limit)
        # Equal worst scores name the latest year, then the first transfer: the same every run.
        .sort(
            ["worst", "ctx_year", "transfer_id"], descending=[False, True, False], nulls_last=True
        )
        .group_by("program_id", maintain_order=True)
        .agg(
            pl.col("transfer_id").alias("evidence"),
            pl.col("worst").first(),
            pl.col("worst_series").first(),
            pl.col("ctx_year").first(),
            pl.col("country").first(),
        )
        .select(
            finding(
                spec,
                "flag",
                measured=pl.col("worst").round(3),
                threshold=limit,
                message=pl.format(
                    "{} lethal transfer(s) went to {}, whose {} was {} in {}, below {}.",
                    pl.col("evidence").list.len(),
                    pl.col("country"),
                    pl.col("worst_series"),
                    fmt_num("worst", 2),
                    pl.col("ctx_year"),
                    pl.lit(limit),
                ),
                evidence=pl.col("evidence"),
                evidence_table="equipment",
            )
        )
    )
    gaps = (
        per_transfer.filter(pl.col("worst").is_null())
        .join(flagged.select("program_id"), on="program_id", how="anti")
        .group_by("program_id", "country")
        .agg(pl.col("transfer_id").alias("evidence"))
        .select(
            finding(
                spec,
                "insufficient_data",
                threshold=limit,
                message=pl.format(
                    "{} lethal transfer(s) went to {} in years with no rule-of-law or "
                    "control-of-corruption score, so governance risk cannot be assessed.",
                    pl.col("evidence").list.len(),
                    pl.col("country"),
                ),
                evidence=pl.col("evidence"),
                evidence_table="equipment",
            )
        )
    )
    found = pl.concat([flagged, gaps])
    passes = (
        per_transfer.join(found.select("program_id").unique(), on="program_id", how="anti")
        .group_by("program_id")
        .agg(pl.col("worst").min())
        .select(
            finding(
                spec,
                "pass",
                measured=pl.col("worst").round(3),
                threshold=limit,
                message=pl.format(
                    "Every lethal transfer went to a partner scoring at or above {} on rule of law "
                    "and control of corruption (lowest {}).",
                    pl.lit(limit),
                    fmt_num("worst", 2),
                ),
            )
        )
    )
    return complete(x, spec, pl.concat([found, passes]))
