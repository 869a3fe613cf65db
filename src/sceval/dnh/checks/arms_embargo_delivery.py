"""Arms embargo: lethal equipment delivered into a country under an embargo in force that year."""

from __future__ import annotations

import polars as pl

from sceval.dnh.findings import (
    collect_reduced,
    complete,
    evidence_finding,
    per_program_pass,
    program_list,
)
from sceval.dnh.harms import lethal_deliveries
from sceval.dnh.inputs import Inputs
from sceval.dnh.spec import CheckSpec


def context_value(x: Inputs, series: str, name: str) -> pl.LazyFrame:
    """One context series as (country, year, <name>)."""
    return x.context.filter(pl.col("indicator") == series).select(
        "country", pl.col("year").cast(pl.Int64), pl.col("value").alias(name)
    )


def arms_embargo_delivery(x: Inputs, spec: CheckSpec) -> pl.LazyFrame:
    """Flags per program and unit; insufficient data where the delivery year has no embargo row."""
    series = spec.threshold("context_series", "arms_embargo")
    rows = lethal_deliveries(x).join(
        context_value(x, series, "embargo"), on=["country", "year"], how="left"
    )
    grouped = (
        rows.with_columns(
            pl.when(pl.col("embargo").is_null())
            .then(pl.lit("insufficient_data"))
            .when(pl.col("embargo") >= 1)
            .then(pl.lit("flag"))
            .otherwise(pl.lit("pass"))
            .alias("verdict")
        )
        .filter(pl.col("verdict") != "pass")
        .group_by("program_id", "unit_id", "verdict", "country")
        .agg(
            pl.col("transfer_id").alias("evidence"),
            pl.col("year").unique().sort().cast(pl.String).str.join(", ").alias("years"),
            pl.col("quantity").sum(),
        )
    )
    grouped, programs = collect_reduced(grouped, program_list(rows))
    flags = grouped.filter(pl.col("verdict") == "flag").select(
        evidence_finding(
            spec,
            "flag",
            unit=pl.col("unit_id"),
            threshold=0.0,
            message=pl.format(
                "{} lethal transfer(s) ({} items) were delivered to {} in {} while an arms embargo "
                "was in force ({} = 1).",
                pl.col("evidence").list.len(),
                pl.col("quantity"),
                pl.col("country"),
                pl.col("years"),
                pl.lit(series),
            ),
            evidence_table="equipment",
        )
    )
    gaps = grouped.filter(pl.col("verdict") == "insufficient_data").select(
        evidence_finding(
            spec,
            "insufficient_data",
            unit=pl.col("unit_id"),
            message=pl.format(
                "{} lethal transfer(s) were delivered to {} in {}, a year with no `{}` context "
                "row, so an embargo in force cannot be ruled out.",
                pl.col("evidence").list.len(),
                pl.col("country"),
                pl.col("years"),
                pl.lit(series),
            ),
            evidence_table="equipment",
        )
    )
    found = pl.concat([flags, gaps])
    passes = per_program_pass(
        spec,
        programs,
        found,
        "No lethal transfer was delivered in a year with an arms embargo in force on the recipient country.",
    )
    return complete(x, spec, pl.concat([found, passes]))
