"""Conflict escalation: events or fatalities in each supported area rising after support began
there, beyond the rise in the partner country's other areas over the same windows."""

from __future__ import annotations

import polars as pl

from sceval.adapters.subdivisions import area_key
from sceval.dnh.findings import collect_reduced, complete, finding, fmt_num
from sceval.dnh.inputs import SUPPORT_KINDS, Inputs
from sceval.dnh.spec import CheckSpec

COUNTS = ("sb", "sa", "cb", "ca", "fsb", "fsa", "fcb", "fca")


def keyed(frame: pl.LazyFrame, country: str, name: str) -> pl.LazyFrame:
    """`frame` with `key`: its admin1's ISO 3166-2 code (else the folded name), so that
    "Bago division" in an activity meets "Bago region" in the events."""

    pairs = frame.select(country, name).unique().collect()
    keys = pl.DataFrame(
        {
            country: pairs.get_column(country),
            name: pairs.get_column(name),
            "key": [area_key(c, n) for c, n in pairs.iter_rows()],
        },
        schema={country: pl.String, name: pl.String, "key": pl.String},
    )
    return frame.join(keys.lazy(), on=[country, name], how="left", nulls_equal=True)


def supported_areas(x: Inputs) -> pl.LazyFrame:
    """(program, area key, area name, t0): each area where the program gave support, and
    when it began there.

    The window of an area starts at the first act of support recorded in it, not at the
    program's first activity: support that reached an area in its third year cannot have
    caused what happened there in the first.
    """
    acts = x.activities.filter(
        pl.col("admin1").is_not_null() & pl.col("kind").is_in(SUPPORT_KINDS)
    ).join(x.program_ids, on="program_id", how="inner")
    return (
        keyed(acts, "partner_country", "admin1")
        .group_by("program_id", "key")
        .agg(pl.col("start").min().alias("t0"), pl.col("admin1").min())
    )


def area_windows(x: Inputs, window_days: int) -> pl.LazyFrame:
    """Per (program, supported area): t0 and equal windows before and after it."""
    days = pl.min_horizontal(pl.lit(window_days), (x.day - pl.col("t0")).dt.total_days() + 1).cast(
        pl.Int64
    )
    return (
        supported_areas(x)
        .rename({"admin1": "area"})
        .join(x.program_ids, on="program_id", how="inner")
        .rename({"partner_country": "country"})
        .with_columns(days.alias("days"))
        .with_columns(
            (pl.col("t0") - pl.duration(days=pl.col("days"))).alias("before_start"),
            (pl.col("t0") + pl.duration(days=pl.col("days"))).alias("after_end"),
        )
    )


def running_totals(events: pl.LazyFrame, by: list[str]) -> pl.LazyFrame:
    """Events and fatalities up to and including each date, per `by` (sorted by date)."""
    return (
        events.group_by(*by, "event_date")
        .agg(pl.col("n").sum(), pl.col("fatalities").sum())
        .sort("event_date")
        .with_columns(
            pl.col("n").cum_sum().over(by).alias("cn"),
            pl.col("fatalities").cum_sum().over(by).alias("cf"),
        )
        .select(*by, "event_date", "cn", "cf")
    )


def before(frame: pl.LazyFrame, totals: pl.LazyFrame, by: list[str], date: str) -> pl.LazyFrame:
    """`frame` with `<date>_n`, `<date>_f`: the events and fatalities dated before its
    `date` (the running totals as of the day before), per `by`."""
    day = pl.col(date) - pl.duration(days=1)
    return (
        frame.with_columns(day.alias("_day"))
        .sort("_day")
        .join_asof(
            totals.rename({"event_date": "_day"}),
            on="_day",
            by=by,
            strategy="backward",
            check_sortedness=False,  # both sides are sorted by date (here and in the totals)
        )
        .with_columns(
            pl.col("cn").fill_null(0).alias(f"{date}_n"),
            pl.col("cf").fill_null(0).alias(f"{date}_f"),
        )
        .drop("_day", "cn", "cf")
    )


def window_sums(
    frame: pl.LazyFrame, totals: pl.LazyFrame, by: list[str], name: str
) -> pl.LazyFrame:
    """`frame` (one row per window: before_start, t0, after_end) with the events (`<name>b`,
    `<name>a`) and fatalities (`f<name>b`, `f<name>a`) before and after t0, per `by`."""
    for date in ("before_start", "t0", "after_end"):
        frame = before(frame, totals, by, date)
    return frame.with_columns(
        (pl.col("t0_n") - pl.col("before_start_n")).alias(f"{name}b"),
        (pl.col("after_end_n") - pl.col("t0_n")).alias(f"{name}a"),
        (pl.col("t0_f") - pl.col("before_start_f")).alias(f"f{name}b"),
        (pl.col("after_end_f") - pl.col("t0_f")).alias(f"f{name}a"),
    ).drop("^(before_start|t0|after_end)_[nf]$")


def area_counts(x: Inputs, windows: pl.LazyFrame) -> pl.LazyFrame:
    """Per (program, area): events and fatalities before and after t0 in the area itself and in
    the country's areas the program did not support (the comparison), over the same windows.

    From running totals per area and per country looked up at the windows' ends, never by
    joining every event day of a country to every window in it (at scale that join held
    tens of millions of rows for a few thousand windows): the comparison is the country's
    total less the areas the program supported."""
    events = keyed(x.event_area_days, "country", "admin1").rename({"key": "event_key"})
    # Only the countries of the windows: a run of a few programs (incremental) need not sum
    # every country's area-days (about 0.5 s at 1e7 participants).
    countries = windows.select("country").unique()
    events = events.join(countries, on="country", how="semi", nulls_equal=True)
    by_area = running_totals(events, ["country", "event_key"])
    by_country = running_totals(events, ["country"])
    cols = ["program_id", "key", "country", "before_start", "t0", "after_end"]
    spans = windows.select(cols)
    own = window_sums(
        spans.with_columns(pl.col("key").alias("event_key")), by_area, ["country", "event_key"], "s"
    )
    supported = supported_areas(x).select("program_id", pl.col("key").alias("event_key"))
    in_supported = (
        window_sums(spans.join(supported, on="program_id"), by_area, ["country", "event_key"], "u")
        .group_by("program_id", "key")
        .agg(pl.col("ub", "ua", "fub", "fua").sum())
    )
    country = window_sums(spans, by_country, ["country"], "t")
    return (
        own.join(in_supported, on=["program_id", "key"], how="left")
        .join(
            country.select("program_id", "key", "tb", "ta", "ftb", "fta"), on=["program_id", "key"]
        )
        .select(
            "program_id",
            "key",
            "sb",
            "sa",
            (pl.col("tb") - pl.col("ub").fill_null(0)).alias("cb"),
            (pl.col("ta") - pl.col("ua").fill_null(0)).alias("ca"),
            "fsb",
            "fsa",
            (pl.col("ftb") - pl.col("fub").fill_null(0)).alias("fcb"),
            (pl.col("fta") - pl.col("fua").fill_null(0)).alias("fca"),
        )
    )


def area_evidence(x: Inputs, flagged: pl.DataFrame) -> pl.DataFrame:
    """Per program: the ids of events in its flagged areas after support began there.

    Only flags carry evidence, and at scale the unflagged areas' ids number tens of millions;
    only this small (program, area, window) frame crosses into DuckDB, events stay there.
    """
    names = (
        keyed(x.event_area_days, "country", "admin1").select("country", "admin1", "key").unique()
    )
    targets = (
        flagged.select("program_id", "country", "key", "t0", "after_end")
        .lazy()
        .join(names, on=["country", "key"], how="inner")
        .select("program_id", "country", "admin1", "t0", "after_end")
        .collect()
    )
    if targets.is_empty():
        return pl.DataFrame(schema={"program_id": pl.String, "evidence": pl.List(pl.String)})
    x.con.register("dnh_area_targets", targets)
    try:
        ids = x.reduced(
            "events",
            "SELECT t.program_id, e.event_id FROM events e JOIN dnh_area_targets t "
            "ON e.country = t.country AND e.admin1 = t.admin1 "
            "AND e.event_date >= t.t0 AND e.event_date < t.after_end "
            f"WHERE e.event_date <= {x.as_of_sql}",
        ).collect()
    finally:
        x.con.unregister("dnh_area_targets")
    return ids.group_by("program_id").agg(pl.col("event_id").alias("evidence"))


def ratio(after: str, before: str, c_after: str, c_before: str) -> pl.Expr:
    """Rise in the supported area over the rise in comparison areas (add-one smoothed)."""
    return ((pl.col(after) + 1) / (pl.col(before) + 1)) / (
        (pl.col(c_after) + 1) / (pl.col(c_before) + 1)
    )


def conflict_escalation(x: Inputs, spec: CheckSpec) -> pl.LazyFrame:
    """One finding per program; its message names every supported area with its counts."""
    window = int(spec.threshold("window_days", 365))
    min_days = int(spec.threshold("min_days_after", 180))
    limit = float(spec.threshold("max_ratio", 1.5))
    min_events = float(spec.threshold("min_increase_events", 5))
    min_deaths = float(spec.threshold("min_increase_fatalities", 10))
    windows = area_windows(x, window)
    # Programs that gave support at all (a delivery or a support activity), areas or not.
    supporting = pl.concat(
        [
            x.equipment.select("program_id"),
            x.activities.filter(pl.col("kind").is_in(SUPPORT_KINDS)).select("program_id"),
        ]
    ).unique()
    covered = x.reporting_countries("events").select("country", pl.lit(True).alias("covered"))
    programs = (
        x.program_ids.join(supporting, on="program_id", how="semi")
        .join(covered, left_on="partner_country", right_on="country", how="left")
        .join(
            windows.group_by("program_id").agg(pl.len().alias("n_areas")),
            on="program_id",
            how="left",
        )  # fmt: skip
    )
    areas = windows.join(area_counts(x, windows), on=["program_id", "key"], how="left")
    # Collected here: messages are formatted on these eager frames (see sceval.dnh.findings).
    programs, areas = collect_reduced(programs, areas)
    areas = (
        areas.with_columns(pl.col(c).fill_null(0).cast(pl.Int64) for c in COUNTS)
        .with_columns(
            ratio("sa", "sb", "ca", "cb").alias("r_events"),
            ratio("fsa", "fsb", "fca", "fcb").alias("r_deaths"),
        )
        .with_columns(
            pl.when(pl.col("days") < min_days)
            .then(pl.format("only {} days have passed since support began there", pl.col("days")))
            .when(pl.col("cb") + pl.col("ca") == 0)
            .then(pl.lit("no events are recorded in the comparison areas"))
            .alias("gap"),
            ((pl.col("r_events") > limit) & (pl.col("sa") - pl.col("sb") >= min_events)).alias(
                "hit_events"
            ),
            ((pl.col("r_deaths") > limit) & (pl.col("fsa") - pl.col("fsb") >= min_deaths)).alias(
                "hit_deaths"
            ),
        )
        .with_columns(
            pl.when(pl.col("gap").is_null())
            .then(
                pl.max_horizontal(
                    pl.when(pl.col("hit_events")).then(pl.col("r_events")),
                    pl.when(pl.col("hit_deaths")).then(pl.col("r_deaths")),
                )
            )
            .alias("measured"),
        )
        .with_columns(
            pl.format(
                "{} (support from {}, {} days each side): events {} -> {}, fatalities {} -> {}; "
                "elsewhere events {} -> {}, fatalities {} -> {}; {}",
                "area",
                "t0",
                "days",
                *("sb", "sa", "fsb", "fsa", "cb", "ca", "fcb", "fca"),
                pl.when(pl.col("measured").is_not_null())
                .then(pl.format("escalation {}x", fmt_num("measured", 2)))
                .when(pl.col("gap").is_not_null())
                .then(pl.format("not assessed: {}", pl.col("gap")))
                .otherwise(
                    pl.format(
                        "no escalation ({}x)",
                        fmt_num(pl.max_horizontal("r_events", "r_deaths"), 2),
                    )
                ),
            ).alias("line")
        )
        .sort("program_id", "area")
    )
    per_program = areas.group_by("program_id", maintain_order=True).agg(
        pl.col("line").str.join("; ").alias("lines"),
        pl.col("measured").max().alias("measured"),
        pl.max_horizontal("r_events", "r_deaths").max().alias("ratio"),
        pl.col("gap").is_not_null().any().alias("any_gap"),
        pl.col("area").filter(pl.col("measured").is_not_null()).str.join(", ").alias("hot"),
    )
    rows = programs.join(per_program, on="program_id", how="left").with_columns(
        pl.when(pl.col("covered").is_null())
        .then(pl.lit("no conflict-event reporting covers the partner country"))
        .when(pl.col("n_areas").is_null())
        .then(pl.lit("no support activity records the area (admin1) where it took place"))
        .alias("program_gap")
    )
    gaps = rows.filter(
        pl.col("program_gap").is_not_null()
        | (pl.col("measured").is_null() & pl.col("any_gap").fill_null(False))
    ).select(
        finding(
            spec,
            "insufficient_data",
            threshold=limit,
            message=pl.when(pl.col("program_gap").is_not_null())
            .then(pl.format("Escalation cannot be assessed: {}.", pl.col("program_gap")))
            .otherwise(
                pl.format(
                    "Escalation cannot be assessed in every supported area. Per area: {}.",
                    pl.col("lines"),
                )
            ),
        )
    )
    assessed = rows.filter(pl.col("program_gap").is_null())
    flagged_areas = areas.filter(pl.col("measured").is_not_null())
    evidence = area_evidence(x, flagged_areas)
    flags = (
        assessed.filter(pl.col("measured").is_not_null())
        .join(evidence, on="program_id", how="left")
        .with_columns(pl.col("evidence").fill_null(pl.lit([], dtype=pl.List(pl.String))))
        .select(
            finding(
                spec,
                "flag",
                measured=pl.col("measured").round(3),
                threshold=limit,
                message=pl.format(
                    "Conflict rose {}x faster in supported areas ({}) than in the partner "
                    "country's other areas after support began there. Per area: {}.",
                    fmt_num("measured", 2),
                    pl.col("hot"),
                    pl.col("lines"),
                ),
                evidence=pl.col("evidence"),
                evidence_table="events",
            )
        )
    )
    passes = assessed.filter(pl.col("measured").is_null() & ~pl.col("any_gap")).select(
        finding(
            spec,
            "pass",
            measured=pl.col("ratio").round(3),
            threshold=limit,
            message=pl.format(
                "No escalation beyond comparison areas in any supported area. Per area: {}.",
                pl.col("lines"),
            ),
        )
    )
    return complete(x, spec, pl.concat([flags, gaps, passes]))
