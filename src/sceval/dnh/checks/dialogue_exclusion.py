"""Exclusion: dialogue meetings without women, young people or civil society ("old men's clubs")."""

from __future__ import annotations

import polars as pl

from sceval.dnh.findings import (
    collect_reduced,
    complete,
    finding,
    fmt_pct,
    share_message,
    verdicts,
)
from sceval.dnh.inputs import Inputs
from sceval.dnh.spec import CheckSpec


def dialogue_exclusion(x: Inputs, spec: CheckSpec) -> pl.LazyFrame:
    """Flags per program where too many meetings lacked women, youth or civil society."""
    limit = float(spec.threshold("max_share", 0.5))
    no_women = pl.col("participants_women") == 0
    no_youth = pl.col("participants_youth") == 0
    no_cso = ~pl.col("civil_society_present")
    lacking = no_women | no_youth | no_cso
    rows = (
        x.dialogues.group_by("program_id")
        .agg(
            pl.len().alias("n"),
            lacking.sum().alias("lacking"),
            no_women.sum().alias("no_women"),
            no_youth.sum().alias("no_youth"),
            no_cso.sum().alias("no_cso"),
            pl.col("meeting_id").filter(lacking).alias("evidence"),
        )
        .with_columns((pl.col("lacking") / pl.col("n")).alias("share"))
    )
    meetings = (
        x.activities.filter(pl.col("kind") == "dialogue")
        .group_by("program_id")
        .agg(pl.col("activity_id").alias("evidence"))
    )
    rows, meetings = collect_reduced(rows, meetings)
    detail = pl.format(
        "{} meetings lacked women, youth or civil society ({} without women, {} without youth, "
        "{} without civil society)",
        share_message("lacking", "n"),
        pl.col("no_women"),
        pl.col("no_youth"),
        pl.col("no_cso"),
    )
    judged = verdicts(
        spec,
        rows,
        harm=pl.col("share") > limit,
        measured=pl.col("share").round(4),
        interval=("lacking", "n"),
        threshold=limit,
        flag_message=pl.format("{}, above the {} threshold.", detail, fmt_pct(pl.lit(limit))),
        pass_message=pl.format("{}, within the {} threshold.", detail, fmt_pct(pl.lit(limit))),
        evidence_table="dialogues",
    )
    unrecorded = meetings.join(rows.select("program_id"), on="program_id", how="anti").select(
        finding(
            spec,
            "insufficient_data",
            threshold=limit,
            message=pl.format(
                "The program held {} dialogue activity(ies) but no meeting records show who "
                "took part, so exclusion cannot be ruled out.",
                pl.col("evidence").list.len(),
            ),
            evidence=pl.col("evidence"),
            evidence_table="activities",
        )
    )
    return complete(x, spec, pl.concat([judged, unrecorded]))
