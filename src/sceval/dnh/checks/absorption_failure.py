"""Absorption failure: completers not posted to a unit that uses the training within 90 days."""

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
from sceval.dnh.inputs import TRAINING_KINDS, Inputs
from sceval.dnh.spec import CheckSpec


def absorption_failure(x: Inputs, spec: CheckSpec) -> pl.LazyFrame:
    """Flags per program where the share of completers not posted within the window exceeds the threshold."""
    days = int(spec.threshold("posting_days", 90))
    limit = float(spec.threshold("max_share", 0.25))
    min_n = int(spec.threshold("min_completers", 5))
    completers = x.participants.filter(
        pl.col("kind").is_in(TRAINING_KINDS)
        & pl.col("completed")
        & pl.col("end").is_not_null()
        & (pl.col("end") + pl.duration(days=days) <= x.day)
    )
    rows = (
        completers.group_by("program_id")
        .agg(
            pl.len().alias("n"),
            (pl.col("posted_within_days").is_null() | (pl.col("posted_within_days") > days))
            .sum()
            .alias("unposted"),
            pl.col("participant_id")
            .filter(pl.col("posted_within_days").is_null() | (pl.col("posted_within_days") > days))
            .unique()
            .alias("evidence"),
        )
        .with_columns((pl.col("unposted") / pl.col("n")).alias("share"))
    )
    training = (
        x.activities.filter(pl.col("kind").is_in(TRAINING_KINDS))
        .join(x.participants.select("activity_id").unique(), on="activity_id", how="anti")
        .group_by("program_id")
        .agg(pl.col("activity_id").alias("evidence"))
    )
    rows, training = collect_reduced(rows, training)
    training = training.join(rows.select("program_id"), on="program_id", how="anti")
    # `posted_within_days` stays empty until a person is posted, so an empty value past the
    # window is "not posted". A pass needs at least `min_completers`; a share of unposted
    # completers above the limit is a flag at any size (harm seen is evidence).
    detail = share_message("unposted", "n")
    judged = verdicts(
        spec,
        rows,
        harm=pl.col("share") > limit,
        enough=pl.col("n") >= min_n,
        measured=pl.col("share").round(4),
        interval=("unposted", "n"),
        threshold=limit,
        flag_message=pl.format(
            "{} completers were not posted to a unit using the training within {} days "
            "(no posting recorded counts as not posted), above the {} threshold.",
            detail,
            pl.lit(days),
            fmt_pct(pl.lit(limit)),
        ),
        pass_message=pl.format(
            "{} completers were not posted within {} days, within the {} threshold.",
            detail,
            pl.lit(days),
            fmt_pct(pl.lit(limit)),
        ),
        gap_message=pl.format(
            "Absorption cannot be assessed: {} completer(s) past the {}-day window "
            "(needs at least {}).",
            pl.col("n"),
            pl.lit(days),
            pl.lit(min_n),
        ),
        evidence_table="participants",
    )
    no_people = training.select(
        finding(
            spec,
            "insufficient_data",
            threshold=limit,
            message=pl.format(
                "Absorption cannot be assessed: {} training activity(ies) have no "
                "person-level participant rows with posting dates.",
                pl.col("evidence").list.len(),
            ),
            evidence=pl.col("evidence"),
            evidence_table="activities",
        )
    )
    return complete(x, spec, pl.concat([judged, no_people]))
