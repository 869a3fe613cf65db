"""Harm by supported units: credible, unremedied gross violations by units the program trained
or equipped, from the first support until a declared look-back window after the last."""

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
from sceval.dnh.harms import unremedied_violations
from sceval.dnh.inputs import Inputs
from sceval.dnh.spec import CheckSpec


def harm_by_supported_units(x: Inputs, spec: CheckSpec) -> pl.LazyFrame:
    """Flags per program and unit; insufficient data where no incident reporting covers it.

    The Leahy test (`gross_violation_unremedied`) asks whether assistance went on after a
    violation; a do-no-harm evaluation also asks whether the units the program built up went
    on to commit violations ("the program's trainees later committed ..."), whether or not
    the assistance had ended by then. The program answers for a unit from its first support
    until `lookback_months` after its last.
    """
    months = int(spec.threshold("lookback_months", 60))
    spans = x.support.group_by("program_id", "unit_id").agg(
        pl.col("start").min().alias("first_support"),
        pl.col("end").max().alias("last_support"),
    )
    hits = (
        unremedied_violations(x, spec)
        .join(spans, on="unit_id", how="inner")
        .filter(
            (pl.col("incident_date") >= pl.col("first_support"))
            & (pl.col("incident_date") <= pl.col("last_support").dt.offset_by(f"{months}mo"))
        )
        .group_by("program_id", "unit_id")
        .agg(
            pl.col("incident_id").unique().alias("evidence"),
            pl.col("kind").unique().sort().str.join(", ").alias("kinds"),
            pl.col("incident_date").min().alias("first"),
            pl.col("incident_date").max().alias("last"),
            pl.col("first_support").first(),
            pl.col("last_support").first(),
            (pl.col("incident_date") > pl.col("last_support")).sum().alias("after_end"),
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
                "{}, which the program supported from {} to {}, committed {} credible or "
                "confirmed gross violation(s) ({}) without effective remedial steps between {} "
                "and {}, {} of them after the support ended (look-back window: {} months after "
                "the last support).",
                unit_label(),
                pl.col("first_support"),
                pl.col("last_support"),
                pl.col("evidence").list.len(),
                pl.col("kinds"),
                pl.col("first"),
                pl.col("last"),
                pl.col("after_end"),
                pl.lit(months),
            ),
            evidence_table="incidents",
        )
    )
    gaps = coverage_gaps(x, spec, gaps, reporting="incident reporting", what="gross violations")
    found = pl.concat([flags, gaps])
    passes = per_program_pass(
        spec,
        programs,
        found,
        f"No supported unit committed a credible or confirmed gross violation without "
        f"effective remedial steps from its first support until {months} months after its "
        "last, and incident reporting covers every supported unit.",
    )
    return complete(x, spec, pl.concat([found, passes]))
