"""Follow-up: actions past their due date on recommendations that answer a critical finding."""

from __future__ import annotations

import polars as pl

from sceval.dnh.findings import (
    collect_reduced,
    complete,
    evidence_finding,
    per_program_pass,
    program_list,
)
from sceval.dnh.inputs import Inputs
from sceval.dnh.spec import CheckSpec

OPEN = ("planned", "in_progress")


def critical_actions(x: Inputs) -> pl.LazyFrame:
    """Actions on recommendations that answer a critical finding of a program in scope, with
    the program (a recommendation may answer findings of several programs: one row each)."""
    critical = (
        x.table("findings", ("finding_id", "program_id", "severity"))
        .filter(pl.col("severity") == "critical")
        .join(x.program_ids.select("program_id"), on="program_id", how="semi")
    )
    # The id lists are split eagerly (a few rows): string expressions stay out of streamed plans.
    recs = x.table("recommendations", ("recommendation_id", "finding_ids")).collect()
    links = (
        recs.with_columns(pl.col("finding_ids").str.split(";").alias("finding_id"))
        .explode("finding_id")
        .with_columns(pl.col("finding_id").str.strip_chars())
        .select("recommendation_id", "finding_id")
        .lazy()
        .join(critical, on="finding_id")
        .select("recommendation_id", "program_id")
        .unique()
    )
    return x.table("actions").join(links, on="recommendation_id")


def overdue_critical_action(x: Inputs, spec: CheckSpec) -> pl.LazyFrame:
    """Flags per program with open actions past due (plus grace) on a critical finding."""
    grace = int(spec.threshold("grace_days", 0))
    actions = critical_actions(x)
    late = actions.filter(
        pl.col("status").is_in(OPEN) & (pl.col("due_date") < x.day - pl.duration(days=grace))
    )
    late = late.group_by("program_id").agg(
        pl.col("action_id").alias("evidence"),
        pl.col("due_date").min().alias("oldest"),
    )
    late, programs = collect_reduced(late, program_list(actions))
    flags = late.select(
        evidence_finding(
            spec,
            "flag",
            threshold=float(grace),
            message=pl.format(
                "{} follow-up action(s) on a critical finding are overdue (oldest due {}): {}.",
                pl.col("evidence").list.len(),
                pl.col("oldest"),
                pl.col("evidence").list.sort().list.join(", "),
            ),
            evidence_table="actions",
        )
    )
    passes = per_program_pass(
        spec,
        programs,
        flags,
        "Every follow-up action on the program's critical findings is completed, cancelled or "
        "not yet due.",
        threshold=float(grace),
    )
    return complete(x, spec, pl.concat([flags, passes]))
