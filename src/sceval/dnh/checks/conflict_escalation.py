"""Conflict escalation: events or fatalities in supported areas rising after delivery beyond comparison areas."""

from __future__ import annotations

import polars as pl

from sceval.dnh.findings import collect_reduced, complete, finding, fmt_num
from sceval.dnh.inputs import SUPPORT_KINDS, Inputs
from sceval.dnh.spec import CheckSpec


def program_windows(x: Inputs, window_days: int) -> pl.LazyFrame:
    """Per program: the start of support (first delivery, else first activity) and the two windows."""
    deliveries = x.equipment.group_by("program_id").agg(
        pl.col("delivered_date").min().alias("t_del")
    )
    starts = (
        x.activities.filter(pl.col("kind").is_in(SUPPORT_KINDS))
        .group_by("program_id")
        .agg(pl.col("start").min().alias("t_act"))
    )
    after_days = pl.min_horizontal(
        pl.lit(window_days), (x.day - pl.col("t0")).dt.total_days() + 1
    ).cast(pl.Int64)
    return (
        x.program_ids.join(deliveries, on="program_id", how="left")
        .join(starts, on="program_id", how="left")
        .with_columns(pl.coalesce("t_del", "t_act").alias("t0"))
        .filter(pl.col("t0").is_not_null())
        .with_columns(after_days.alias("days"))
        .with_columns(
            (pl.col("t0") - pl.duration(days=pl.col("days"))).alias("before_start"),
            (pl.col("t0") + pl.duration(days=pl.col("days"))).alias("after_end"),
        )
    )


def supported_areas(x: Inputs) -> pl.LazyFrame:
    """(program, admin1) where the program's activities took place."""
    return (
        x.activities.filter(pl.col("admin1").is_not_null())
        .select("program_id", "admin1")
        .unique()
        .with_columns(pl.lit(True).alias("supported"))
    )


def area_windows(x: Inputs, windows: pl.LazyFrame) -> pl.LazyFrame:
    """Per program: its partner country, t0 and the before/after window bounds."""
    return windows.select(
        "program_id",
        pl.col("partner_country").alias("country"),
        "t0",
        "before_start",
        "after_end",
    )


def area_evidence(x: Inputs, windows: pl.LazyFrame, programs: pl.Series) -> pl.LazyFrame:
    """Per flagged program: the ids of events in its supported areas after t0 (from DuckDB).

    Only flags carry evidence, and at scale the unflagged programs' ids number tens of millions.
    """
    targets = (
        area_windows(x, windows)
        .filter(pl.col("program_id").is_in(programs.implode()))
        .join(supported_areas(x), on="program_id", how="inner")
        .select("program_id", "country", "admin1", "t0", "after_end")
        .collect()
    )
    if targets.is_empty():
        return pl.LazyFrame(schema={"program_id": pl.String, "evidence": pl.List(pl.String)})
    # Only this small (program, area, window) frame crosses into DuckDB; events stay there.
    x.con.register("dnh_area_targets", targets)
    try:
        ids = x.reduced(
            "events",
            "SELECT t.program_id, e.event_id FROM events e JOIN dnh_area_targets t "
            "ON e.country = t.country AND e.admin1 = t.admin1 "
            "AND e.event_date >= t.t0 AND e.event_date < t.after_end "
            f"WHERE e.event_date <= {x.as_of_sql}",
        )
    finally:
        x.con.unregister("dnh_area_targets")
    return ids.group_by("program_id").agg(pl.col("event_id").alias("evidence"))


def area_counts(x: Inputs, windows: pl.LazyFrame) -> pl.LazyFrame:
    """Events and fatalities before and after t0, in supported and comparison areas, per program."""
    ev = (
        x.event_area_days.join(area_windows(x, windows), on="country", how="inner")
        .filter(
            (pl.col("event_date") >= pl.col("before_start"))
            & (pl.col("event_date") < pl.col("after_end"))
        )
        .join(supported_areas(x), on=["program_id", "admin1"], how="left")
        .with_columns(
            pl.col("supported").fill_null(False),
            (pl.col("event_date") >= pl.col("t0")).alias("after"),
        )
    )

    def n(supported: bool, after: bool, col: str = "n") -> pl.Expr:
        cond = (pl.col("supported") == supported) & (pl.col("after") == after)
        return pl.col(col).filter(cond).sum().cast(pl.Float64)

    return ev.group_by("program_id").agg(
        n(True, False).alias("sb"),
        n(True, True).alias("sa"),
        n(False, False).alias("cb"),
        n(False, True).alias("ca"),
        n(True, False, "fatalities").alias("fsb"),
        n(True, True, "fatalities").alias("fsa"),
        n(False, False, "fatalities").alias("fcb"),
        n(False, True, "fatalities").alias("fca"),
        pl.col("admin1").filter(pl.col("supported")).unique().sort().str.join(", ").alias("areas"),
    )


def ratio(after: str, before: str, c_after: str, c_before: str) -> pl.Expr:
    """Rise in supported areas over the rise in comparison areas (add-one smoothed)."""
    return ((pl.col(after) + 1) / (pl.col(before) + 1)) / (
        (pl.col(c_after) + 1) / (pl.col(c_before) + 1)
    )


def conflict_escalation(x: Inputs, spec: CheckSpec) -> pl.LazyFrame:
    """Flags per program where the supported areas' rise beats the comparison areas' by the threshold."""
    window = int(spec.threshold("window_days", 365))
    min_days = int(spec.threshold("min_days_after", 180))
    limit = float(spec.threshold("max_ratio", 1.5))
    min_events = float(spec.threshold("min_increase_events", 5))
    min_deaths = float(spec.threshold("min_increase_fatalities", 10))
    windows = program_windows(x, window)
    areas = supported_areas(x).group_by("program_id").agg(pl.len().alias("n_areas"))
    covered = x.reporting_countries("events").with_columns(pl.lit(True).alias("covered"))
    rows = (
        windows.join(areas, on="program_id", how="left")
        .join(area_counts(x, windows), on="program_id", how="left")
        .join(covered, left_on="partner_country", right_on="country", how="left")
        .with_columns(
            ratio("sa", "sb", "ca", "cb").alias("r_events"),
            ratio("fsa", "fsb", "fca", "fcb").alias("r_deaths"),
        )
        .with_columns(
            ((pl.col("r_events") > limit) & (pl.col("sa") - pl.col("sb") >= min_events)).alias(
                "hit_events"
            ),
            ((pl.col("r_deaths") > limit) & (pl.col("fsa") - pl.col("fsb") >= min_deaths)).alias(
                "hit_deaths"
            ),
        )
        .with_columns(
            pl.max_horizontal(
                pl.when(pl.col("hit_events")).then(pl.col("r_events")),
                pl.when(pl.col("hit_deaths")).then(pl.col("r_deaths")),
            ).alias("measured")
        )
    )
    # One row per program, collected here so that only flagged programs fetch evidence; its
    # messages (the gap's too) are formatted on this eager frame (see `sceval.dnh.findings`).
    (rows,) = collect_reduced(rows)
    rows = rows.with_columns(
        pl.when(pl.col("covered").is_null())
        .then(pl.lit("no conflict-event reporting covers the partner country"))
        .when(pl.col("n_areas").is_null())
        .then(pl.lit("no activity records the area (admin1) where it took place"))
        .when(pl.col("days") < min_days)
        .then(pl.format("only {} days have passed since support began", pl.col("days")))
        .when((pl.col("cb") + pl.col("ca")).fill_null(0) == 0)
        .then(pl.lit("no events are recorded in comparison areas of the partner country"))
        .alias("gap"),
    )
    gaps = rows.filter(pl.col("gap").is_not_null()).select(
        finding(
            spec,
            "insufficient_data",
            threshold=limit,
            message=pl.format(
                "Escalation after support began on {} cannot be assessed: {}.",
                pl.col("t0"),
                pl.col("gap"),
            ),
        )
    )
    assessed = rows.filter(pl.col("gap").is_null())
    detail = pl.format(
        "events {} -> {} and fatalities {} -> {} in supported areas ({}), against events {} -> {} "
        "and fatalities {} -> {} elsewhere, in the {} days before and after {}",
        *(pl.col(c).cast(pl.Int64) for c in ("sb", "sa", "fsb", "fsa")),
        pl.col("areas"),
        *(pl.col(c).cast(pl.Int64) for c in ("cb", "ca", "fcb", "fca")),
        pl.col("days"),
        pl.col("t0"),
    )
    flagged = assessed.filter(pl.col("measured").is_not_null())
    (evidence,) = collect_reduced(area_evidence(x, windows, flagged.get_column("program_id")))
    flags = (
        flagged.join(evidence, on="program_id", how="left")
        .with_columns(pl.col("evidence").fill_null(pl.lit([], dtype=pl.List(pl.String))))
        .select(
            finding(
                spec,
                "flag",
                measured=pl.col("measured").round(3),
                threshold=limit,
                message=pl.format(
                    "Conflict rose {}x faster in supported areas than in comparison areas: {}.",
                    fmt_num("measured", 2),
                    detail,
                ),
                evidence=pl.col("evidence"),
                evidence_table="events",
            )
        )
    )
    passes = assessed.filter(pl.col("measured").is_null()).select(
        finding(
            spec,
            "pass",
            measured=pl.max_horizontal("r_events", "r_deaths").round(3),
            threshold=limit,
            message=pl.format("No escalation beyond comparison areas: {}.", detail),
        )
    )
    return complete(x, spec, pl.concat([flags, gaps, passes]))
