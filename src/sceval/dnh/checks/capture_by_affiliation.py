"""Capture: more than a set share of trainees or equipment value going to units of one affiliation."""

from __future__ import annotations

import re

import polars as pl

from sceval.dnh.findings import collect_reduced, complete, finding, fmt_pct
from sceval.dnh.inputs import TRAINING_KINDS, Inputs
from sceval.dnh.spec import CheckSpec
from sceval.errors import ProjectError


def trainee_units(x: Inputs) -> pl.LazyFrame:
    """(program, unit, weight) per trainee: person-level rows, else reported head counts."""
    people = (
        x.participants.filter(pl.col("kind").is_in(TRAINING_KINDS))
        .group_by("program_id", "participant_id")
        .agg(pl.col("unit_id").drop_nulls().first())
        .select("program_id", "unit_id", pl.lit(1.0).alias("weight"))
    )
    reported = (
        x.activities.filter(
            pl.col("kind").is_in(TRAINING_KINDS) & (pl.col("trainees_reported").fill_null(0) > 0)
        )
        .join(x.participants.select("activity_id").unique(), on="activity_id", how="anti")
        .select(
            "program_id", "unit_id", pl.col("trainees_reported").cast(pl.Float64).alias("weight")
        )
    )
    return pl.concat([people, reported])


def equipment_units(x: Inputs) -> pl.LazyFrame:
    """(program, unit, weight) per delivered transfer with a value."""
    return x.equipment.filter(pl.col("value").is_not_null() & (pl.col("value") > 0)).select(
        "program_id", "unit_id", pl.col("value").alias("weight")
    )


def shares(x: Inputs, spec: CheckSpec, rows: pl.LazyFrame, measure: str) -> pl.LazyFrame:
    """Per program: total, known-unit share, and the largest factional affiliation's share."""
    # Institutional affiliations (a ministry, "national") are the state's own chain, not a
    # faction: regular expressions matched, case-insensitively, against the whole name.
    patterns = spec.threshold("non_factional", ["national", "none", "state", "ministry( of .*)?"])
    neutral = "(?i)^(?:" + "|".join(f"(?:{p})" for p in patterns) + ")$"
    try:
        re.compile(neutral)
    except re.error as exc:
        raise ProjectError(
            f"{spec.path}: non_factional is not a list of regular expressions ({exc})"
        ) from None
    tagged = rows.join(
        x.units.select("unit_id", "affiliation"), on="unit_id", how="left"
    ).with_columns(
        pl.when(pl.col("affiliation").str.contains(neutral))
        .then(None)
        .otherwise(pl.col("affiliation"))
        .alias("faction")
    )
    totals = tagged.group_by("program_id").agg(
        pl.col("weight").sum().alias("total"),
        pl.col("weight").filter(pl.col("unit_id").is_not_null()).sum().alias("known"),
    )
    per_faction = (
        tagged.filter(pl.col("faction").is_not_null())
        .group_by("program_id", "faction")
        .agg(
            pl.col("weight").sum().alias("amount"),
            pl.col("unit_id").unique().sort().alias("evidence"),
        )
    )
    top = (
        per_faction.sort("amount", "faction", descending=[True, False])
        .group_by("program_id")
        .first()
    )
    return (
        totals.join(top, on="program_id", how="left")
        .with_columns(
            (pl.col("amount").fill_null(0) / pl.col("total")).alias("share"),
            (pl.col("known") / pl.col("total")).alias("known_share"),
            pl.lit(measure).alias("measure"),
        )
        .filter(pl.col("total") > 0)
    )


def capture_by_affiliation(x: Inputs, spec: CheckSpec) -> pl.LazyFrame:
    """Flags per program and measure (trainees, equipment value) above the share threshold."""
    limit = float(spec.threshold("max_share", 0.6))
    min_known = float(spec.threshold("min_known_unit_share", 0.5))
    min_trainees = float(spec.threshold("min_trainees", 5))
    rows = pl.concat(
        [
            shares(x, spec, trainee_units(x), "trainees"),
            shares(x, spec, equipment_units(x), "equipment value"),
        ]
    )
    gap = (
        pl.when((pl.col("measure") == "trainees") & (pl.col("total") < min_trainees))
        .then(pl.format("only {} trainee(s) on record", pl.col("total").cast(pl.Int64)))
        .when(pl.col("known_share") < min_known)
        .then(
            pl.format(
                "the recipient unit is known for only {} of the {}",
                fmt_pct("known_share"),
                pl.col("measure"),
            )
        )
    )
    # One row per program and measure, collected once: flags, gaps and passes all read it, and
    # re-planning the participant aggregation three times cost 1 s at scale 10. The messages
    # (the gap's too) are formatted on this eager frame, never in the streamed plan: a lazy
    # filter over the collected frame followed by `pl.format` panicked in Polars 2.1's
    # streaming engine on the 1e8 warehouse (see `sceval.dnh.findings`).
    (rows,) = collect_reduced(rows)
    rows = rows.with_columns(gap.alias("gap"))
    # The share is over all trainees or value, unknown units included, so it is a lower bound:
    # above the limit it is a flag whatever the gaps; a pass needs the gaps closed.
    flags = rows.filter(pl.col("share") > limit).select(
        finding(
            spec,
            "flag",
            measured=pl.col("share").round(4),
            threshold=limit,
            message=pl.format(
                "{} of the program's {} ({} of {}) went to units affiliated with {}, above the {} limit.",
                fmt_pct("share"),
                pl.col("measure"),
                pl.col("amount").round(0).cast(pl.Int64),
                pl.col("total").round(0).cast(pl.Int64),
                pl.col("faction"),
                fmt_pct(pl.lit(limit)),
            ),
            evidence=pl.col("evidence"),
            evidence_table="units",
        )
    )
    gaps = rows.filter(pl.col("gap").is_not_null() & (pl.col("share") <= limit)).select(
        finding(
            spec,
            "insufficient_data",
            measured=pl.col("share").round(4),
            threshold=limit,
            message=pl.format("Capture by one affiliation cannot be assessed: {}.", pl.col("gap")),
        )
    )
    found = pl.concat([flags, gaps])
    clean = (
        rows.join(found.select("program_id").unique(), on="program_id", how="anti")
        .group_by("program_id")
        .agg(pl.col("share").max(), pl.col("faction").sort_by("share").last())
        .select(
            finding(
                spec,
                "pass",
                measured=pl.col("share").round(4),
                threshold=limit,
                message=pl.format(
                    "No affiliation received more than {} of the trainees or equipment value (largest: {} {}).",
                    fmt_pct(pl.lit(limit)),
                    pl.col("faction").fill_null("none recorded"),
                    fmt_pct("share"),
                ),
            )
        )
    )
    return complete(x, spec, pl.concat([found, clean]))
