"""Defection: trainees later found in non-state armed groups, above a threshold share."""

from __future__ import annotations

import polars as pl

from sceval.dnh.findings import collect_reduced, complete, fmt_pct, share_message, verdicts
from sceval.dnh.inputs import TRAINING_KINDS, Inputs
from sceval.dnh.spec import CheckSpec


def followed_trainees(x: Inputs) -> pl.LazyFrame:
    """Per program and trainee: whether followed up, and whether found in a non-state group."""
    trainees = (
        x.participants.filter(pl.col("kind").is_in(TRAINING_KINDS))
        .group_by("program_id", "participant_id")
        .agg(pl.col("start").min())
    )
    status = x.followup_status
    return trainees.join(status, on="participant_id", how="left").with_columns(
        pl.col("checks").fill_null(0), pl.col("defected").fill_null(False)
    )


def defection(x: Inputs, spec: CheckSpec) -> pl.LazyFrame:
    """Flags per program where the share of followed-up trainees who defected exceeds the threshold."""
    limit = float(spec.threshold("max_share", 0.05))
    min_followed = int(spec.threshold("min_followed", 5))
    min_coverage = float(spec.threshold("min_coverage", 0.1))
    rows = (
        followed_trainees(x)
        .group_by("program_id")
        .agg(
            pl.len().alias("trainees"),
            (pl.col("checks") > 0).sum().alias("followed"),
            pl.col("defected").sum().alias("defected"),
            pl.col("participant_id").filter(pl.col("defected")).alias("evidence"),
        )
        .with_columns(
            (pl.col("defected") / pl.col("followed")).alias("share"),
            (pl.col("followed") / pl.col("trainees")).alias("coverage"),
        )
    )
    (rows,) = collect_reduced(rows)
    detail = share_message("defected", "followed")
    found = verdicts(
        spec,
        rows,
        harm=(pl.col("followed") > 0) & (pl.col("share") > limit),
        enough=(pl.col("followed") >= min_followed) & (pl.col("coverage") >= min_coverage),
        measured=pl.col("share").round(4),
        interval=("defected", "followed"),
        threshold=limit,
        flag_message=pl.format(
            "{} followed-up trainees joined a non-state armed group, above the {} threshold.",
            detail,
            fmt_pct(pl.lit(limit)),
        ),
        pass_message=pl.format(
            "{} followed-up trainees joined a non-state armed group, within the {} threshold.",
            detail,
            fmt_pct(pl.lit(limit)),
        ),
        gap_message=pl.format(
            "Defection cannot be assessed: {} of {} trainees were followed up by {} "
            "(needs at least {} and {}).",
            pl.col("followed"),
            pl.col("trainees"),
            pl.lit(str(x.as_of)),
            pl.lit(min_followed),
            fmt_pct(pl.lit(min_coverage)),
        ),
        evidence_table="participants",
    )
    return complete(x, spec, found)
