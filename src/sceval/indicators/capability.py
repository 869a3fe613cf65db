"""Capability and sustainment indicators: the upper links of a results chain.

Trained units (first completion of a person in the unit, `cohorts.trained_units`) are
followed in `unit_assessments`; transfers in `equipment_status`. A unit's state on a date is
the mean level over the capability areas assessed on that date. Registered in the same
registry as the other engine functions (`registry.py`), so the catalogue names them as `python:<name>`.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from sceval.indicators import stats
from sceval.indicators.cohorts import trained_units
from sceval.indicators.registry import PROGRAM_DIMS, indicator_function, rollup


def unit_states(unit_assessments: pl.LazyFrame) -> pl.LazyFrame:
    """Per program, unit and assessment date: mean level, employment and performance."""
    return (
        unit_assessments.filter(pl.col("assessed_on") <= pl.col("as_of"))
        .group_by("program_id", "unit_id", "assessed_on")
        .agg(
            pl.col("level").cast(pl.Float64).mean().alias("mean_level"),
            pl.col("employed_in_operations").drop_nulls().any().alias("_employed_any"),
            pl.col("employed_in_operations").is_not_null().any().alias("_employed_known"),
            pl.col("performance").drop_nulls().first().alias("performance"),
        )
        .with_columns(
            employed=pl.when(pl.col("_employed_known")).then(pl.col("_employed_any")),
        )
        .drop("_employed_any", "_employed_known")
    )


def trained_unit_states(
    participants: pl.LazyFrame, unit_assessments: pl.LazyFrame, cache: dict | None
) -> pl.LazyFrame:
    """Per trained unit: baseline (last assessment on or before its first completion) and
    latest state (last assessment after it, by as-of)."""
    units = trained_units(participants, cache).select("program_id", "unit_id", "t0")
    states = unit_states(unit_assessments).join(units, on=["program_id", "unit_id"], how="inner")
    before = (
        states.filter(pl.col("assessed_on") <= pl.col("t0"))
        .sort("assessed_on")
        .group_by("program_id", "unit_id")
        .agg(pl.col("mean_level").last().alias("baseline_level"))
    )
    after = (
        states.filter(pl.col("assessed_on") > pl.col("t0"))
        .sort("assessed_on")
        .group_by("program_id", "unit_id")
        .agg(
            pl.col("assessed_on").last().alias("latest_on"),
            pl.col("mean_level").last().alias("latest_level"),
            pl.col("employed").last().alias("employed"),
            pl.col("performance").last().alias("performance"),
        )
    )
    # One country per program, the same every run (a multi-country program has several).
    programs = (
        participants.select("program_id", "country", "provider")
        .sort("program_id", "country", nulls_last=True)
        .unique("program_id", keep="first", maintain_order=True)
    )
    return (
        units.join(before, on=["program_id", "unit_id"], how="left")
        .join(after, on=["program_id", "unit_id"], how="left")
        .join(programs, on="program_id", how="left")
    )


def _share(numerator: pl.Expr, denominator: pl.Expr) -> list[pl.Expr]:
    return [
        numerator.sum().cast(pl.Float64).alias("numerator"),
        denominator.sum().cast(pl.Float64).alias("denominator"),
        denominator.sum().cast(pl.Int64).alias("n"),
    ]


def _proportion(lf: pl.LazyFrame, note: str) -> pl.LazyFrame:
    return lf.with_columns(
        value=pl.when(pl.col("denominator") > 0).then(pl.col("numerator") / pl.col("denominator")),
        stat=pl.lit("proportion"),
        note=pl.format(note, pl.col("n")),
    )


@indicator_function(dims=PROGRAM_DIMS, params=("ready_level",))
def unit_readiness(
    participants: pl.LazyFrame, unit_assessments: pl.LazyFrame, cache: dict, params: dict
) -> pl.LazyFrame:
    """Share of trained units whose latest assessment after training is at the ready level."""
    ready = float(params.get("ready_level", 4))
    u = trained_unit_states(participants, unit_assessments, cache)
    assessed = pl.col("latest_level").is_not_null()
    out = rollup(
        u, params.get("_dims", ()), _share(assessed & (pl.col("latest_level") >= ready), assessed)
    )
    return _proportion(
        out, f"{{}} trained units assessed after training; ready = mean level >= {ready:g}"
    )


@indicator_function(dims=PROGRAM_DIMS, params=())
def capability_growth(
    participants: pl.LazyFrame, unit_assessments: pl.LazyFrame, cache: dict, params: dict
) -> pl.LazyFrame:
    """Mean change in a trained unit's level from its baseline to its latest assessment."""
    u = trained_unit_states(participants, unit_assessments, cache).with_columns(
        growth=pl.col("latest_level") - pl.col("baseline_level")
    )
    # Every trained unit stays in the frame (a program without assessments gets its row, n 0).
    measured = pl.col("growth").is_not_null()
    out = rollup(
        u,
        params.get("_dims", ()),
        [
            pl.col("growth").mean().alias("value"),
            pl.col("growth").std().alias("sd"),
            measured.sum().cast(pl.Int64).alias("n"),
            pl.col("baseline_level").filter(measured).mean().alias("ref_baseline_level"),
        ],
    )
    return out.with_columns(
        stat=pl.lit("mean"),
        note=pl.format(
            "{} trained units with a baseline and a later assessment (baseline mean level {})",
            pl.col("n"),
            pl.col("ref_baseline_level").round(2),
        ),
    ).drop("ref_baseline_level")


@indicator_function(dims=PROGRAM_DIMS, params=())
def trained_units_employed(
    participants: pl.LazyFrame, unit_assessments: pl.LazyFrame, cache: dict, params: dict
) -> pl.LazyFrame:
    """Share of trained units employed in operations, by their latest assessment after training."""
    u = trained_unit_states(participants, unit_assessments, cache)
    known = pl.col("employed").is_not_null()
    out = rollup(u, params.get("_dims", ()), _share(known & pl.col("employed"), known))
    return _proportion(out, "{} trained units with a known employment after training")


def status_near(equipment_status: pl.LazyFrame, months: int, grace_days: int) -> pl.LazyFrame:
    """Per delivered transfer past the window: the status report nearest to delivery + months."""
    mark = pl.col("transfer_delivered_date").dt.offset_by(f"{months}mo")
    rows = equipment_status.filter(pl.col("transfer_delivered_date").is_not_null()).with_columns(
        _mark=mark,
        _dist=(pl.col("status_date") - mark).dt.total_days().abs(),
    )
    near = rows.filter((pl.col("_dist") <= grace_days) & (pl.col("status_date") <= pl.col("as_of")))
    return (
        near.sort("_dist", "status_date")
        .group_by("program_id", "transfer_id")
        .agg(
            pl.col("serviceable").first(),
            pl.col("transfer_quantity").first(),
        )
    )


def delivered_transfers(equipment: pl.LazyFrame, months: int, grace_days: int) -> pl.LazyFrame:
    """Transfers delivered long enough before as-of for their `months` window to have closed."""
    return equipment.filter(
        pl.col("delivered_date").is_not_null()
        & (
            pl.col("delivered_date").dt.offset_by(f"{months}mo").dt.offset_by(f"{grace_days}d")
            <= pl.col("as_of")
        )
    ).select("program_id", "transfer_id", "country", "provider")


@indicator_function(dims=PROGRAM_DIMS, params=("months", "grace_days", "min_coverage"))
def equipment_serviceability(
    equipment: pl.LazyFrame, equipment_status: pl.LazyFrame, as_of: dt.date, params: dict
) -> pl.LazyFrame:
    """Mean share of a transfer's items serviceable `months` after delivery (per transfer)."""
    months = int(params.get("months", 12))
    grace = int(params.get("grace_days", 92))
    min_cov = float(params.get("min_coverage", 0.5))
    due = delivered_transfers(equipment, months, grace)
    rates = status_near(equipment_status, months, grace).with_columns(
        rate=(pl.col("serviceable") / pl.col("transfer_quantity")).clip(0.0, 1.0)
    )
    t = due.join(
        rates.select("program_id", "transfer_id", "rate"),
        on=["program_id", "transfer_id"],
        how="left",
    )
    out = rollup(
        t,
        params.get("_dims", ()),
        [
            pl.col("rate").mean().alias("value"),
            pl.col("rate").std().alias("sd"),
            pl.col("rate").is_not_null().sum().cast(pl.Int64).alias("n"),
            pl.len().cast(pl.Int64).alias("_due"),
        ],
    )
    low, high = stats.t_bounds(pl.col("value"), pl.col("sd"), pl.col("n"))
    return out.with_columns(
        stat=pl.lit("mean"),
        # A share cannot leave [0, 1]: the t interval of the transfers' mean is clipped.
        ci_low=low.clip(0.0, 1.0),
        ci_high=high.clip(0.0, 1.0),
        usable=pl.col("n") >= min_cov * pl.col("_due"),
        note=pl.format(
            "{} of {} transfers past the {}-month mark have a status report within {} days of it",
            pl.col("n"),
            pl.col("_due"),
            pl.lit(months),
            pl.lit(grace),
        ),
    ).drop("_due")


@indicator_function(dims=PROGRAM_DIMS, params=())
def partner_funded_sustainment(
    equipment: pl.LazyFrame, equipment_status: pl.LazyFrame, params: dict
) -> pl.LazyFrame:
    """Share of reported transfers whose latest status says the partner funds maintenance."""
    reports = (
        equipment_status.filter(pl.col("status_date") <= pl.col("as_of"))
        .sort("status_date")
        .group_by("program_id", "transfer_id")
        .agg(pl.col("partner_funded_maintenance").last().alias("funded"))
    )
    # Every delivered transfer keeps its program's row, with or without a report.
    latest = (
        equipment.filter(
            pl.col("delivered_date").is_not_null() & (pl.col("delivered_date") <= pl.col("as_of"))
        )
        .select("program_id", "transfer_id", "country", "provider")
        .join(reports, on=["program_id", "transfer_id"], how="left")
    )
    known = pl.col("funded").is_not_null()
    out = rollup(latest, params.get("_dims", ()), _share(known & pl.col("funded"), known))
    return _proportion(out, "{} transfers whose latest status report states who funds maintenance")
