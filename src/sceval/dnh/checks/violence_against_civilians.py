"""Violence against civilians attributed to supported units after support began."""

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


def violence_against_civilians(x: Inputs, spec: CheckSpec) -> pl.LazyFrame:
    """Events of violence against civilians (or targeting civilians) by supported units."""
    protests = spec.threshold("protest_types", PROTEST_TYPES)
    events = x.unit_events.filter(
        (pl.col("event_type") == "violence_against_civilians")
        | (pl.col("civilian_targeting") & ~pl.col("event_type").is_in(protests))
    )
    return unit_violence(
        x,
        spec,
        events=events,
        since="first_support",
        what="violence against civilians",
        pass_message="Event reporting covers every supported unit, and none is named in violence "
        "against civilians after support began.",
    )
