"""Substitution: the partner's cost share falling while donor funding rises."""

from __future__ import annotations

import polars as pl

from sceval.dnh.findings import collect_reduced, complete, fmt_num, fmt_pct, verdicts
from sceval.dnh.inputs import Inputs
from sceval.dnh.spec import CheckSpec


def yearly_funding(x: Inputs) -> pl.LazyFrame:
    """Per program and year of activity start: cost, partner share (cost-weighted), donor funding."""
    return (
        x.activities.filter(pl.col("cost").is_not_null() & (pl.col("cost") > 0))
        .group_by("program_id", pl.col("start").dt.year().alias("year"))
        .agg(
            pl.col("cost").sum(),
            (pl.col("cost") * pl.col("partner_cost_share")).sum().alias("partner"),
            pl.col("activity_id"),
        )
        .with_columns(
            (pl.col("partner") / pl.col("cost")).alias("share"),
            (pl.col("cost") - pl.col("partner")).alias("donor"),
        )
    )


def substitution(x: Inputs, spec: CheckSpec) -> pl.LazyFrame:
    """Flags per program where the partner share dropped by the threshold while donor funding rose."""
    min_drop = float(spec.threshold("min_share_drop", 0.05))
    rows = (
        yearly_funding(x)
        .sort("program_id", "year")
        .group_by("program_id")
        .agg(
            pl.len().alias("years"),
            pl.col("year").first().alias("y0"),
            pl.col("year").last().alias("y1"),
            pl.col("share").first().alias("s0"),
            pl.col("share").last().alias("s1"),
            pl.col("donor").first().alias("d0"),
            pl.col("donor").last().alias("d1"),
            pl.concat_list(pl.col("activity_id").first(), pl.col("activity_id").last())
            .first()
            .alias("evidence"),
        )
        .with_columns((pl.col("s0") - pl.col("s1")).alias("drop"))
    )
    (rows,) = collect_reduced(rows)
    detail = pl.format(
        "the partner's cost share went from {} in {} to {} in {} while donor funding went from {} to {}",
        fmt_pct("s0"),
        pl.col("y0"),
        fmt_pct("s1"),
        pl.col("y1"),
        fmt_num("d0", 0),
        fmt_num("d1", 0),
    )
    assessed = pl.col("years") >= 2
    found = verdicts(
        spec,
        rows,
        harm=assessed & (pl.col("drop") >= min_drop) & (pl.col("d1") > pl.col("d0")),
        enough=assessed,
        measured=pl.col("drop").round(4),
        threshold=min_drop,
        flag_message=pl.format("Substitution: {}.", detail),
        pass_message=pl.format("No substitution: {}.", detail),
        gap_message=pl.format(
            "Substitution cannot be assessed: activities with a cost started in one year only ({}).",
            pl.col("y0"),
        ),
        evidence_table="activities",
        gap_evidence=True,
    )
    return complete(x, spec, found)
