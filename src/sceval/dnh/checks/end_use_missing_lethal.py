"""End-use monitoring: lethal items missing or diverted at end-use checks."""

from __future__ import annotations

import polars as pl

from sceval.dnh.findings import (
    collect_reduced,
    complete,
    evidence_finding,
    finding,
    per_program_pass,
    program_list,
)
from sceval.dnh.harms import lethal_deliveries
from sceval.dnh.inputs import Inputs
from sceval.dnh.spec import CheckSpec


def transfer_checks(x: Inputs) -> pl.LazyFrame:
    """Each delivered lethal transfer with its end-use checks summarised (dated by the as-of date)."""
    problem = (pl.col("quantity_missing") > 0) | (pl.col("finding") == "diverted")
    lost = pl.max_horizontal(
        "quantity_missing",
        pl.when(pl.col("finding") == "diverted")
        .then(pl.col("quantity") - pl.col("quantity_verified"))
        .otherwise(0),
    )
    checks = (
        x.end_use_checks.join(
            x.equipment.select("transfer_id", "quantity"), on="transfer_id", how="inner"
        )
        .group_by("transfer_id")
        .agg(
            (pl.col("finding") != "not_accessible").sum().alias("verified_checks"),
            pl.col("check_id").filter(problem).alias("problem_checks"),
            lost.max().alias("lost"),
            pl.col("finding").filter(problem).unique().sort().str.join(", ").alias("findings"),
        )
    )
    return lethal_deliveries(x).join(checks, on="transfer_id", how="left")


def end_use_missing_lethal(x: Inputs, spec: CheckSpec) -> pl.LazyFrame:
    """Flags where checks found lethal items missing or diverted; insufficient data where none verified."""
    critical = spec.threshold("critical_categories", ["small_arms"])
    rows = transfer_checks(x).with_columns(
        pl.when(pl.col("category").is_in(critical))
        .then(pl.lit(spec.threshold("severity_critical_categories", "critical")))
        .otherwise(pl.lit(spec.severity))
        .alias("sev"),
        pl.col("category").cast(pl.String),
    )
    flagged = (
        rows.filter(pl.col("problem_checks").list.len() > 0)
        .group_by("program_id", "unit_id", "sev")
        .agg(
            pl.col("problem_checks")
            .list.explode(keep_nulls=False, empty_as_null=False)
            .alias("evidence"),
            pl.col("lost").sum(),
            pl.col("category").unique().sort().str.join(", ").alias("categories"),
            pl.col("findings").unique().sort().str.join(", "),
            pl.len().alias("n"),
        )
    )
    unchecked = (
        rows.filter(pl.col("verified_checks").fill_null(0) == 0)
        .group_by("program_id", "unit_id", "sev")
        .agg(pl.col("transfer_id").alias("evidence"), pl.col("quantity").sum())
    )
    flagged, unchecked, programs = collect_reduced(flagged, unchecked, program_list(rows))
    flagged = flagged.select(
        finding(
            spec,
            "flag",
            unit=pl.col("unit_id"),
            severity=pl.col("sev"),
            measured=pl.col("lost"),
            threshold=float(spec.threshold("max_missing", 0)),
            message=pl.format(
                "End-use checks found {} lethal item(s) ({}) missing or diverted from {} "
                "transfer(s) (findings: {}).",
                pl.col("lost"),
                pl.col("categories"),
                pl.col("n"),
                pl.col("findings"),
            ),
            evidence=pl.col("evidence"),
            evidence_table="end_use_checks",
        )
    )
    unchecked = unchecked.select(
        evidence_finding(
            spec,
            "insufficient_data",
            unit=pl.col("unit_id"),
            severity=pl.col("sev"),
            message=pl.format(
                "{} delivered lethal transfer(s) ({} items) have no end-use check that could "
                "verify them by {}, so missing or diverted items cannot be ruled out.",
                pl.col("evidence").list.len(),
                pl.col("quantity"),
                pl.lit(str(x.as_of)),
            ),
            evidence_table="equipment",
        )
    )
    found = pl.concat([flagged, unchecked])
    passes = per_program_pass(
        spec,
        programs,
        found,
        "Every delivered lethal transfer was verified at end-use checks with nothing missing or diverted.",
    )
    return complete(x, spec, pl.concat([found, passes]))
