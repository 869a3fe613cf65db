"""Unvetted recipients: units or participants trained or equipped without vetting cleared first."""

from __future__ import annotations

import polars as pl

from sceval.dnh.findings import (
    collect_reduced,
    complete,
    evidence_finding,
    finding,
    per_program_pass,
    program_list,
    unit_label,
)
from sceval.dnh.inputs import TRAINING_KINDS, Inputs
from sceval.dnh.spec import CheckSpec


def unit_support_vetting(x: Inputs, validity_days: int = 365) -> pl.LazyFrame:
    """Each act of assistance to a unit, with whether a clearance in force covered its start.

    A clearance is valid for `validity_days` from its vetting date: a unit vetted once is not
    cleared for ever (what was known of it then says little about it years later).
    """
    cleared = (pl.col("vetting_status") == "cleared") & pl.col("vetting_date").is_not_null()
    expires = pl.col("vetting_date") + pl.duration(days=validity_days)
    return x.support.join(x.units, on="unit_id", how="left").with_columns(
        (cleared & (pl.col("vetting_date") <= pl.col("start")) & (pl.col("start") < expires)).alias(
            "cleared_before"
        ),
        (cleared & (pl.col("start") >= expires)).alias("expired"),
        ((pl.col("vetting_status") == "cleared") & pl.col("vetting_date").is_null()).alias(
            "date_unknown"
        ),
    )


def unvetted_unit_rows(x: Inputs, validity_days: int = 365) -> pl.LazyFrame:
    """Per program, unit and table: the acts of assistance given before vetting cleared the
    unit, or after its clearance expired."""
    rows = unit_support_vetting(x, validity_days).filter(~pl.col("cleared_before"))
    return rows.group_by("program_id", "unit_id", "table", "date_unknown", "expired").agg(
        pl.col("row_id").alias("evidence"),
        pl.len().alias("n"),
        pl.col("start").min().alias("first"),
        pl.col("name").first(),
        pl.col("vetting_status").first(),
        pl.col("vetting_date").first(),
    )


def unvetted_units(spec: CheckSpec, grouped: pl.DataFrame, validity_days: int) -> pl.DataFrame:
    """Flags (not cleared, or clearance expired) and insufficient-data rows (cleared, date
    unknown) per unit and table."""
    what = (
        pl.when(pl.col("table") == "equipment")
        .then(pl.lit("transfer(s)"))
        .otherwise(pl.lit("activity(ies)"))
    )
    flag_msg = (
        pl.when(pl.col("expired"))
        .then(
            pl.format(
                "{} received {} {} from {} on an expired clearance: vetted on {}, valid for {} "
                "days.",
                unit_label(),
                pl.col("n"),
                what,
                pl.col("first"),
                pl.col("vetting_date").cast(pl.String),
                pl.lit(validity_days),
            )
        )
        .otherwise(
            pl.format(
                "{} received {} {} from {} without human-rights vetting cleared before support "
                "began (vetting status {}, vetting date {}).",
                unit_label(),
                pl.col("n"),
                what,
                pl.col("first"),
                pl.col("vetting_status").fill_null("unknown (unit not in units table)"),
                pl.col("vetting_date").cast(pl.String).fill_null("none"),
            )
        )
    )
    unknown_msg = pl.format(
        "{} is recorded as cleared but without a vetting date, so clearance before its {} {} "
        "from {} cannot be established.",
        unit_label(),
        pl.col("n"),
        what,
        pl.col("first"),
    )
    out = []
    for table in ("activities", "equipment"):
        per_table = grouped.filter(pl.col("table") == table)
        out.append(
            per_table.filter(~pl.col("date_unknown")).select(
                finding(
                    spec,
                    "flag",
                    unit=pl.col("unit_id"),
                    measured=pl.col("n"),
                    threshold=0.0,
                    message=flag_msg,
                    evidence=pl.col("evidence"),
                    evidence_table=table,
                )
            )
        )
        out.append(
            per_table.filter(pl.col("date_unknown")).select(
                finding(
                    spec,
                    "insufficient_data",
                    unit=pl.col("unit_id"),
                    measured=pl.col("n"),
                    threshold=0.0,
                    message=unknown_msg,
                    evidence=pl.col("evidence"),
                    evidence_table=table,
                )
            )
        )
    return pl.concat(out)


def unvetted_participant_rows(x: Inputs) -> pl.LazyFrame:
    """Per program and unit: the participants without individual vetting, and their activities."""
    return (
        x.participants.filter(~pl.col("vetted"))
        .group_by("program_id", "unit_id")
        .agg(pl.col("participant_id").unique().alias("evidence"), pl.col("activity_id").n_unique())
    )


def unvetted_participants(spec: CheckSpec, rows: pl.DataFrame) -> pl.DataFrame:
    """Flags for participants trained without individual vetting, per program and unit."""
    return rows.select(
        evidence_finding(
            spec,
            "flag",
            unit=pl.col("unit_id"),
            threshold=0.0,
            message=pl.format(
                "{} participant(s){} attended {} activity(ies) without individual vetting "
                "before the activity.",
                pl.col("evidence").list.len(),
                pl.when(pl.col("unit_id").is_null())
                .then(pl.lit(" of unrecorded units"))
                .otherwise(pl.format(" of unit {}", pl.col("unit_id"))),
                pl.col("activity_id"),
            ),
            evidence_table="participants",
        )
    )


def unknown_recipient_rows(x: Inputs) -> pl.LazyFrame:
    """Per program and table: training or equipment with no recipient unit or participant on record."""
    # Equipment activities are judged through their transfers, unless the program has none.
    no_transfers = x.program_ids.join(x.equipment, on="program_id", how="anti").select("program_id")
    acts = pl.concat(
        [
            x.activities.filter(pl.col("kind").is_in(TRAINING_KINDS)),
            x.activities.filter(pl.col("kind") == "equipment").join(
                no_transfers, on="program_id", how="semi"
            ),
        ]
    ).filter(pl.col("unit_id").is_null())
    acts = acts.join(x.participants.select("activity_id").unique(), on="activity_id", how="anti")
    transfers = x.equipment.filter(pl.col("unit_id").is_null())
    rows = pl.concat(
        [
            acts.select(
                "program_id",
                pl.lit("activities").alias("table"),
                pl.col("activity_id").alias("row_id"),
            ),
            transfers.select(
                "program_id",
                pl.lit("equipment").alias("table"),
                pl.col("transfer_id").alias("row_id"),
            ),
        ]
    )
    return rows.group_by("program_id", "table").agg(pl.col("row_id").alias("evidence"))


def unknown_recipients(spec: CheckSpec, rows: pl.DataFrame) -> pl.DataFrame:
    """Insufficient data: training or equipment delivered with no recipient unit or participant on record."""
    return rows.select(
        evidence_finding(
            spec,
            "insufficient_data",
            message=pl.format(
                "{} {} delivered with no recipient unit or participant on record, so their "
                "vetting cannot be checked.",
                pl.col("evidence").list.len(),
                pl.when(pl.col("table") == "equipment")
                .then(pl.lit("transfer(s)"))
                .otherwise(pl.lit("activity(ies)")),
            ),
            evidence_table=pl.col("table"),
        )
    )


def unvetted_recipients(x: Inputs, spec: CheckSpec) -> pl.LazyFrame:
    """Units and participants supported without vetting cleared before the activity started."""
    applicable = pl.concat([x.support.select("program_id"), x.participants.select("program_id")])
    validity = int(spec.threshold("validity_days", 365))
    units, participants, unknown, programs = collect_reduced(
        unvetted_unit_rows(x, validity),
        unvetted_participant_rows(x),
        unknown_recipient_rows(x),
        program_list(applicable),
    )
    found = pl.concat(
        [
            unvetted_units(spec, units, validity),
            unvetted_participants(spec, participants),
            unknown_recipients(spec, unknown),
        ]
    )
    passes = per_program_pass(
        spec,
        programs,
        found,
        f"Every supported unit on record was cleared by vetting before each act of support and "
        f"within the {validity} days its clearance is valid, and every participant on record "
        "was vetted.",
    )
    return complete(x, spec, pl.concat([found, passes]))
