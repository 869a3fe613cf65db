"""No local ownership: no activity co-designed with the partner and no partner cost share."""

from __future__ import annotations

import polars as pl

from sceval.dnh.findings import collect_reduced, complete, fmt_pct, verdicts
from sceval.dnh.inputs import Inputs
from sceval.dnh.spec import CheckSpec


def no_local_ownership(x: Inputs, spec: CheckSpec) -> pl.LazyFrame:
    """Flags per program where the share of activities owned by the partner is at or below the threshold."""
    limit = float(spec.threshold("max_owned_share", 0.0))
    owned = pl.col("co_designed") | (pl.col("partner_cost_share") > 0)
    rows = (
        x.activities.group_by("program_id")
        .agg(
            pl.len().alias("n"),
            owned.sum().alias("owned"),
            pl.col("activity_id").alias("evidence"),
        )
        .with_columns((pl.col("owned") / pl.col("n")).alias("share"))
    )
    (rows,) = collect_reduced(rows)
    message = pl.format(
        "{} of the program's {} activities were co-designed with the partner or carried a "
        "partner cost share ({}).",
        pl.col("owned"),
        pl.col("n"),
        fmt_pct("share"),
    )
    found = verdicts(
        spec,
        rows,
        harm=pl.col("share") <= limit,
        measured=pl.col("share").round(4),
        threshold=limit,
        flag_message=message,
        pass_message=message,
        evidence_table="activities",
    )
    return complete(x, spec, found)
