"""End-use monitoring: lethal transfers with no end-use check within the window (12 months)."""

from __future__ import annotations

import polars as pl

from sceval.dnh.findings import (
    collect_reduced,
    complete,
    finding,
    fmt_num,
    per_program_pass,
    program_list,
)
from sceval.dnh.harms import lethal_deliveries
from sceval.dnh.inputs import Inputs
from sceval.dnh.spec import CheckSpec

DAYS_PER_MONTH = 365.25 / 12


def end_use_check_overdue(x: Inputs, spec: CheckSpec) -> pl.LazyFrame:
    """Flags per program and unit for lethal transfers whose check window closed without a check."""
    months = int(spec.threshold("window_months", 12))
    verified = x.end_use_checks.filter(pl.col("finding") != "not_accessible")
    first_check = verified.group_by("transfer_id").agg(
        pl.col("check_date").min().alias("first_check")
    )
    rows = (
        lethal_deliveries(x)
        .with_columns(pl.col("delivered_date").dt.offset_by(f"{months}mo").alias("deadline"))
        .filter(pl.col("deadline") < x.day)
        .join(first_check, on="transfer_id", how="left")
        .with_columns(
            (
                (pl.coalesce("first_check", x.day) - pl.col("delivered_date")).dt.total_days()
                / DAYS_PER_MONTH
            ).alias("months_unchecked")
        )
    )
    overdue = rows.filter(
        pl.col("first_check").is_null() | (pl.col("first_check") > pl.col("deadline"))
    )
    overdue = overdue.group_by("program_id", "unit_id").agg(
        pl.col("transfer_id").alias("evidence"),
        pl.col("months_unchecked").max(),
        pl.col("delivered_date").min().alias("first"),
    )
    overdue, programs = collect_reduced(overdue, program_list(rows))
    flags = overdue.select(
        finding(
            spec,
            "flag",
            unit=pl.col("unit_id"),
            measured=pl.col("months_unchecked").round(1),
            threshold=float(months),
            message=pl.format(
                "{} lethal transfer(s) delivered from {} had no end-use check within {} months "
                "(longest gap {} months).",
                pl.col("evidence").list.len(),
                pl.col("first"),
                pl.lit(months),
                fmt_num("months_unchecked", 1),
            ),
            evidence=pl.col("evidence"),
            evidence_table="equipment",
        )
    )
    passes = per_program_pass(
        spec,
        programs,
        flags,
        f"Every lethal transfer delivered more than {months} months before the as-of date had an "
        f"end-use check within {months} months.",
        threshold=float(months),
    )
    return complete(x, spec, pl.concat([flags, passes]))
