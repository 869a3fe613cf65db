"""Gross violation without remedy: assistance continued to a unit after a credible, unremedied violation."""

from __future__ import annotations

import polars as pl

from sceval.dnh.findings import (
    collect_reduced,
    complete,
    coverage_gaps,
    evidence_finding,
    per_program_pass,
    program_list,
    uncovered,
    unit_label,
)
from sceval.dnh.harms import CREDIBILITY, GROSS_KINDS, unremedied_violations
from sceval.dnh.inputs import Inputs
from sceval.dnh.spec import CheckSpec


def gross_violation_unremedied(x: Inputs, spec: CheckSpec) -> pl.LazyFrame:
    """Flags per program and unit; insufficient data where no incident reporting covers the unit."""
    hits = (
        unremedied_violations(x, spec)
        .join(x.support, on="unit_id", how="inner")
        .filter(pl.col("end") > pl.col("incident_date"))
        .group_by("program_id", "unit_id")
        .agg(
            pl.col("incident_id").unique().alias("evidence"),
            pl.col("incident_date").min().alias("first"),
            pl.col("kind").unique().sort().str.join(", ").alias("kinds"),
            pl.col("row_id")
            .filter(pl.col("start") > pl.col("incident_date"))
            .n_unique()
            .alias("after"),
            pl.col("end").max().alias("last"),
        )
        .join(x.units.select("unit_id", "name"), on="unit_id", how="left")
    )
    coverage = x.covered_units("incidents", spec.threshold("coverage_context_series"))
    hits, gaps, programs = collect_reduced(hits, uncovered(coverage), program_list(coverage))
    flags = hits.select(
        evidence_finding(
            spec,
            "flag",
            unit=pl.col("unit_id"),
            threshold=0.0,
            message=pl.format(
                "{} has {} credible or confirmed gross violation(s) ({}) since {} without effective "
                "remedial steps, yet assistance continued after it (until {}; {} new act(s) of "
                "assistance started later).",
                unit_label(),
                pl.col("evidence").list.len(),
                pl.col("kinds"),
                pl.col("first"),
                pl.col("last"),
                pl.col("after"),
            ),
            evidence_table="incidents",
        )
    )
    gaps = coverage_gaps(x, spec, gaps, reporting="incident reporting", what="gross violations")
    found = pl.concat([flags, gaps])
    passes = per_program_pass(spec, programs, found, leahy_pass_message(spec))
    return complete(x, spec, pl.concat([found, passes]))


def leahy_pass_message(spec: CheckSpec) -> str:
    """Exactly what a pass of the Leahy test says was tested, and what it did not test."""
    kinds = ", ".join(spec.threshold("gross_kinds", GROSS_KINDS))
    levels = " or ".join(spec.threshold("credibility", CREDIBILITY))
    return (
        f"Leahy test passed: no assistance to a supported unit continued or started after a "
        f"{levels} gross violation by that unit ({kinds}) without effective remedial steps, "
        "and incident reporting covers every supported unit. Violations by units after "
        "assistance to them ended are judged by harm_by_supported_units."
    )
