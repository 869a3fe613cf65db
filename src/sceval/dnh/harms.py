"""Frames of harm that several do-no-harm checks read (lethal deliveries, unremedied gross
violations, violence by supported units): kept here so that each check stays independent of
the others (an import-linter contract)."""

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
from sceval.dnh.inputs import Inputs
from sceval.dnh.spec import CheckSpec


def lethal_deliveries(x: Inputs) -> pl.LazyFrame:
    """Delivered lethal transfers with the recipient country (the unit's, else the program's)."""
    return (
        x.equipment.filter(pl.col("lethal"))
        .join(x.program_ids, on="program_id", how="inner")
        .join(
            x.units.select("unit_id", pl.col("partner_country").alias("unit_country")),
            on="unit_id",
            how="left",
        )
        .with_columns(
            pl.coalesce("unit_country", "partner_country").alias("country"),
            pl.col("delivered_date").dt.year().cast(pl.Int64).alias("year"),
        )
    )


GROSS_KINDS = [
    "unlawful_killing",
    "torture",
    "enforced_disappearance",
    "sexual_violence",
    "arbitrary_detention",
]


CREDIBILITY = ["credible", "confirmed"]


def unremedied_violations(x: Inputs, spec: CheckSpec) -> pl.LazyFrame:
    """Credible or confirmed gross violations on record without effective remedial steps."""
    return x.incidents.filter(
        pl.col("kind").is_in(spec.threshold("gross_kinds", GROSS_KINDS))
        & pl.col("credibility").is_in(spec.threshold("credibility", CREDIBILITY))
        & (pl.col("remediation") != "effective_steps")
    ).select("incident_id", "unit_id", pl.col("date").alias("incident_date"), "kind")


PROTEST_TYPES = ["protest", "riot"]


def unit_violence(
    x: Inputs, spec: CheckSpec, *, events: pl.LazyFrame, since: str, what: str, pass_message: str
) -> pl.LazyFrame:
    """Flags for `events` by a unit on or after its `since` date; insufficient data without coverage."""
    units = x.covered_units("events").filter(pl.col(since).is_not_null())
    hits = (
        events.join(units, left_on="actor_unit_id", right_on="unit_id", how="inner")
        .filter(pl.col("event_date") >= pl.col(since))
        .group_by("program_id", pl.col("actor_unit_id").alias("unit_id"))
        .agg(
            pl.col("event_id").alias("evidence"),
            pl.col("fatalities").sum(),
            pl.col("event_date").min().alias("first"),
            pl.col(since).first().alias("since"),
            pl.col("name").first(),
        )
    )
    hits, gaps, programs = collect_reduced(hits, uncovered(units), program_list(units))
    flags = hits.select(
        evidence_finding(
            spec,
            "flag",
            unit=pl.col("unit_id"),
            threshold=float(spec.threshold("max_events", 0)),
            message=pl.format(
                "{} is named as actor in {} event(s) of {} from {} ({} fatalities), after support "
                "began on {}.",
                unit_label(),
                pl.col("evidence").list.len(),
                pl.lit(what),
                pl.col("first"),
                pl.col("fatalities"),
                pl.col("since"),
            ),
            evidence_table="events",
        )
    )
    gaps = coverage_gaps(x, spec, gaps, reporting="conflict-event reporting", what=what)
    found = pl.concat([flags, gaps])
    return complete(
        x, spec, pl.concat([found, per_program_pass(spec, programs, found, pass_message)])
    )
