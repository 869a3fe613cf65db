"""Assistance to units outside a state chain of command (non-state or mixed command)."""

from __future__ import annotations

import polars as pl

from sceval.dnh.findings import (
    collect_reduced,
    complete,
    evidence_finding,
    per_program_pass,
    program_list,
    unit_label,
)
from sceval.dnh.inputs import Inputs
from sceval.dnh.spec import CheckSpec


def non_state_recipient(x: Inputs, spec: CheckSpec) -> pl.LazyFrame:
    """Flags per program, unit and evidence table for support to non-state or mixed-command units."""
    commands = spec.threshold("commands", ["non_state", "mixed"])
    rows = x.support.join(x.units, on="unit_id", how="left")
    flags = (
        rows.filter(pl.col("command").is_in(commands))
        .group_by("program_id", "unit_id", "table")
        .agg(
            pl.col("row_id").alias("evidence"),
            pl.col("start").min().alias("first"),
            pl.col("name").first(),
            pl.col("command").first(),
            pl.col("affiliation").first(),
        )
    )
    flags, programs = collect_reduced(flags, program_list(rows))
    flags = flags.select(
        evidence_finding(
            spec,
            "flag",
            unit=pl.col("unit_id"),
            threshold=0.0,
            message=pl.format(
                "{}, under {} command (affiliation {}), received {} {} from {}.",
                unit_label(),
                pl.col("command").str.replace("_", "-"),
                pl.col("affiliation").fill_null("unknown"),
                pl.col("evidence").list.len(),
                pl.when(pl.col("table") == "equipment")
                .then(pl.lit("transfer(s)"))
                .otherwise(pl.lit("activity(ies)")),
                pl.col("first"),
            ),
            evidence_table=pl.col("table"),
        )
    )
    passes = per_program_pass(
        spec, programs, flags, "Every supported unit is under a state chain of command."
    )
    return complete(x, spec, pl.concat([flags, passes]))
