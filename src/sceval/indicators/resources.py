"""Engine functions on resources and delivery: schedule slippage, budget execution, end-use
check coverage, reported targets (met, progress), lethal diversion and the partner's cost share.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from sceval.indicators.registry import PROGRAM_DIMS, _days, indicator_function, rollup


@indicator_function(dims=("activity_kind", "country", "provider"), params=())
def schedule_slippage(activities: pl.LazyFrame, as_of: dt.date, params: dict) -> pl.LazyFrame:
    """Median days between planned and actual end of activities due or delivered by as-of."""
    a = activities.filter(pl.col("status") != "cancelled")
    delivered = pl.col("actual_end").is_not_null() & (pl.col("actual_end") <= pl.col("as_of"))
    due = pl.col("planned_end") <= pl.col("as_of")
    rows = a.filter(delivered | due).with_columns(
        slip=pl.when(delivered)
        .then(_days(pl.col("actual_end"), pl.col("planned_end")))
        .otherwise(_days(pl.col("as_of"), pl.col("planned_end")))
        .cast(pl.Float64),
        overdue=~delivered,
    )
    return rollup(
        rows,
        params.get("_dims", ()),
        [
            pl.col("slip").median().alias("value"),
            pl.len().cast(pl.Int64).alias("n"),
            pl.concat_str(
                pl.lit("median over "),
                pl.len().cast(pl.String),
                pl.lit(" activities, "),
                pl.col("overdue").sum().cast(pl.String),
                pl.lit(" still overdue counted at days overdue so far (a lower bound)"),
            ).alias("note"),
        ],
    )


@indicator_function(dims=PROGRAM_DIMS, params=("ceiling_amber", "ceiling_red"))
def budget_execution(activities: pl.LazyFrame, as_of: dt.date, params: dict) -> pl.LazyFrame:
    """Cost incurred by as-of as a share of the program budget; overspending above a ceiling."""
    ceil_amber = float(params.get("ceiling_amber", 1.0))
    ceil_red = float(params.get("ceiling_red", 1.1))
    started = pl.col("actual_start").is_not_null() & (pl.col("actual_start") <= pl.col("as_of"))
    ended = pl.col("actual_end").is_not_null() & (pl.col("actual_end") <= pl.col("as_of"))
    # A running activity (started, not ended by as-of) has spent its cost pro rata to the days
    # elapsed of its span: actual start to actual end, else to planned end.
    stop = pl.coalesce("actual_end", "planned_end")
    span = _days(stop, pl.col("actual_start")).cast(pl.Float64)
    done = _days(pl.col("as_of"), pl.col("actual_start")).cast(pl.Float64)
    frac = pl.when(ended).then(1.0).when(span > 0).then((done / span).clip(0.0, 1.0)).otherwise(1.0)
    rows = activities.filter(started).with_columns(
        spent=pl.col("actual_cost").fill_null(0.0) * frac,
        running=~ended,
    )
    progs = activities.select("program_id", "program_budget").unique()
    out = rollup(
        rows,
        params.get("_dims", ()),
        [
            pl.col("spent").sum().alias("numerator"),
            pl.len().cast(pl.Int64).alias("n"),
            pl.col("running").sum().cast(pl.Int64).alias("_running"),
        ],
    ).join(progs, on="program_id", how="left")
    value = pl.col("numerator") / pl.col("program_budget")
    over = (
        pl.when(value > ceil_red).then(pl.lit("red")).when(value > ceil_amber).then(pl.lit("amber"))
    )
    return out.with_columns(
        denominator=pl.col("program_budget"),
        value=pl.when(pl.col("program_budget") > 0).then(value),
        force_status=pl.when(pl.col("program_budget") > 0).then(over),
        note=pl.concat_str(
            pl.format("{} running activities counted pro rata", pl.col("_running")),
            pl.when(pl.col("program_budget") > 0).then(
                pl.when(value > ceil_red)
                .then(
                    pl.format(
                        "overspent: {} of the budget, above the red ceiling {}",
                        value.round(3),
                        pl.lit(ceil_red),
                    )
                )
                .when(value > ceil_amber)
                .then(
                    pl.format(
                        "overspent: {} of the budget, above the amber ceiling {}",
                        value.round(3),
                        pl.lit(ceil_amber),
                    )
                )
            ),
            separator="; ",
            ignore_nulls=True,
        ),
    ).drop("program_budget", "_running")


@indicator_function(dims=PROGRAM_DIMS, params=("lethal_only",))
def end_use_coverage(
    equipment: pl.LazyFrame, end_use_checks: pl.LazyFrame, as_of: dt.date, params: dict
) -> pl.LazyFrame:
    """Share of delivered transfers with at least one end-use check since delivery."""
    delivered = equipment.filter(
        pl.col("delivered_date").is_not_null() & (pl.col("delivered_date") <= pl.col("as_of"))
    )
    if params.get("lethal_only"):
        delivered = delivered.filter(pl.col("lethal"))
    checked = (
        end_use_checks.filter(
            (pl.col("check_date") <= pl.col("as_of"))
            & (pl.col("check_date") >= pl.col("transfer_delivered_date"))
        )
        .select("transfer_id")
        .unique()
        .with_columns(checked=pl.lit(True))
    )
    rows = delivered.join(checked, on="transfer_id", how="left").with_columns(
        pl.col("checked").fill_null(False)
    )
    return rollup(
        rows,
        params.get("_dims", ()),
        [
            pl.col("checked").sum().cast(pl.Float64).alias("numerator"),
            pl.len().cast(pl.Float64).alias("denominator"),
            pl.col("checked").mean().alias("value"),
            pl.len().cast(pl.Int64).alias("n"),
            pl.lit("proportion").alias("stat"),
        ],
    )


@indicator_function(dims=PROGRAM_DIMS, params=("measure",))
def reported_targets(
    indicator_observations: pl.LazyFrame, directions: dict, as_of: dt.date, params: dict
) -> pl.LazyFrame:
    """Reported totals: share that met their target, or mean progress baseline -> target (capped)."""
    measure = params.get("measure", "met")
    if measure not in ("met", "progress"):
        raise ValueError(f"measure {measure!r} is neither met nor progress")
    # The direction is declared, never inferred from target < baseline: the row's own
    # `ascending` (IATI), else the evaluator's `observed_directions`, else the catalogue's.
    declared = pl.LazyFrame(
        {
            "indicator_id": list(directions),
            "_declared": [d == "higher" for d in directions.values()],
        },
        schema={"indicator_id": pl.String, "_declared": pl.Boolean},
    )
    o = (
        indicator_observations.filter(
            pl.col("dimension").is_null()
            & pl.col("target").is_not_null()
            & pl.col("actual").is_not_null()
            & (pl.col("period_end") <= pl.col("as_of"))
        )
        .join(declared, on="indicator_id", how="left")
        .with_columns(higher=pl.coalesce("ascending", "_declared"))
    )
    known = pl.col("higher").is_not_null()
    if measure == "met":
        met = pl.when(pl.col("higher")).then(pl.col("actual") >= pl.col("target"))
        met = met.otherwise(pl.col("actual") <= pl.col("target"))
        rows = o.with_columns(met=known & met, known=known)
        out = rollup(
            rows,
            params.get("_dims", ()),
            [
                pl.col("met").sum().cast(pl.Float64).alias("numerator"),
                pl.col("known").sum().cast(pl.Float64).alias("denominator"),
                pl.col("known").sum().cast(pl.Int64).alias("n"),
                (~pl.col("known")).sum().cast(pl.Int64).alias("_undeclared"),
            ],
        )
        return out.with_columns(
            value=pl.when(pl.col("denominator") > 0).then(
                pl.col("numerator") / pl.col("denominator")
            ),
            stat=pl.lit("proportion"),
            note=pl.when(pl.col("_undeclared") > 0).then(
                pl.format(
                    "{} observation(s) without a declared direction not counted",
                    pl.col("_undeclared"),
                )
            ),
        ).drop("_undeclared")
    # Progress is defined only when the target lies on the better side of the baseline; a
    # target on the worse side is a floor to hold (judged by targets met, not here).
    gap = pl.col("target") - pl.col("baseline")
    toward = pl.when(pl.col("higher")).then(gap > 0).otherwise(gap < 0)
    ok = known & pl.col("baseline").is_not_null() & toward.fill_null(False)
    raw = (pl.col("actual") - pl.col("baseline")) / gap
    rows = o.with_columns(
        p=pl.when(ok).then(raw.clip(upper_bound=1.0)),
        over=ok & (raw > 1.0),
        raw=pl.when(ok).then(raw),
        floor=known & pl.col("baseline").is_not_null() & ~toward.fill_null(True),
        undeclared=~known,
    )
    out = rollup(
        rows,
        params.get("_dims", ()),
        [
            pl.col("p").sum().alias("numerator"),
            pl.col("p").count().cast(pl.Float64).alias("denominator"),
            pl.col("p").mean().alias("value"),
            pl.col("p").std().alias("sd"),
            pl.col("p").count().cast(pl.Int64).alias("n"),
            pl.col("over").sum().cast(pl.Int64).alias("_over"),
            pl.col("raw").mean().alias("_uncapped"),
            pl.col("floor").sum().cast(pl.Int64).alias("_floor"),
            pl.col("undeclared").sum().cast(pl.Int64).alias("_undeclared"),
        ],
    )
    return out.with_columns(
        stat=pl.lit("mean"),
        note=pl.format(
            "progress capped at the target: {} of {} over-achieved (uncapped mean {}); "
            "{} with a target on the worse side of the baseline and {} without a declared "
            "direction not counted",
            pl.col("_over"),
            pl.col("n"),
            pl.col("_uncapped").round(3),
            pl.col("_floor"),
            pl.col("_undeclared"),
        ),
    ).drop("_over", "_uncapped", "_floor", "_undeclared")


@indicator_function(dims=PROGRAM_DIMS, params=())
def lethal_diversion(
    equipment: pl.LazyFrame, end_use_checks: pl.LazyFrame, as_of: dt.date, params: dict
) -> pl.LazyFrame:
    """Share of checked lethal items found missing or diverted at the latest check by as-of."""
    latest = (
        end_use_checks.filter(
            (pl.col("check_date") <= pl.col("as_of")) & pl.col("transfer_lethal").fill_null(False)
        )
        .sort("transfer_id", "check_date", "check_id")
        .group_by("transfer_id")
        .agg(pl.all().last())
    )
    delivered = equipment.filter(
        pl.col("lethal")
        & pl.col("delivered_date").is_not_null()
        & (pl.col("delivered_date") <= pl.col("as_of"))
    ).select("transfer_id", "program_id", "country", "provider")
    rows = delivered.join(
        latest.select("transfer_id", "quantity_verified", "quantity_missing", "finding"),
        on="transfer_id",
        how="left",
    )
    accessible = pl.col("finding").is_not_null() & (pl.col("finding") != "not_accessible")
    items = pl.when(accessible).then(pl.col("quantity_verified") + pl.col("quantity_missing"))
    missing = pl.when(accessible).then(pl.col("quantity_missing"))
    out = rollup(
        rows,
        params.get("_dims", ()),
        [
            missing.sum().cast(pl.Float64).alias("numerator"),
            items.sum().cast(pl.Float64).alias("denominator"),
            accessible.sum().cast(pl.Int64).alias("n"),
            pl.len().cast(pl.Float64).alias("_delivered"),
            accessible.sum().cast(pl.Float64).alias("_checked"),
            (pl.col("finding") == "diverted").sum().cast(pl.Int64).alias("_diverted"),
        ],
    )
    return out.with_columns(
        value=pl.when(pl.col("denominator") > 0).then(pl.col("numerator") / pl.col("denominator")),
        stat=pl.lit("proportion"),
        note=pl.format(
            "{} of {} delivered lethal transfers checked; {} found diverted; "
            "items are clustered by transfer, so the interval is too narrow",
            pl.col("_checked").cast(pl.Int64),
            pl.col("_delivered").cast(pl.Int64),
            pl.col("_diverted"),
        ),
    ).drop("_delivered", "_checked", "_diverted")


@indicator_function(dims=(), params=())
def partner_cost_share_trend(
    activities: pl.LazyFrame, as_of: dt.date, params: dict
) -> pl.LazyFrame:
    """Cost-weighted least-squares slope of partner cost share per year of the program."""
    a = activities.filter(
        (pl.col("status") != "cancelled") & (pl.col("planned_start") <= pl.col("as_of"))
    ).with_columns(
        x=_days(pl.col("planned_start"), pl.col("program_start")).cast(pl.Float64) / 365.25,
        y=pl.col("partner_cost_share"),
        w=pl.when(pl.col("planned_cost") > 0).then(pl.col("planned_cost")).otherwise(1.0),
    )
    g = a.group_by("program_id").agg(
        pl.len().cast(pl.Int64).alias("n"),
        (pl.col("w") * pl.col("x")).sum().alias("sx"),
        (pl.col("w") * pl.col("y")).sum().alias("sy"),
        (pl.col("w") * pl.col("x") * pl.col("x")).sum().alias("sxx"),
        (pl.col("w") * pl.col("x") * pl.col("y")).sum().alias("sxy"),
        pl.col("w").sum().alias("sw"),
        pl.col("x").max().alias("xmax"),
        pl.col("x").min().alias("xmin"),
    )
    var = pl.col("sxx") / pl.col("sw") - (pl.col("sx") / pl.col("sw")) ** 2
    cov = pl.col("sxy") / pl.col("sw") - pl.col("sx") * pl.col("sy") / pl.col("sw") ** 2
    slope = cov / var
    start = pl.col("sy") / pl.col("sw") - slope * pl.col("sx") / pl.col("sw")
    spread = (pl.col("xmax") - pl.col("xmin")) >= 1.0
    return g.with_columns(
        dimension=pl.lit(None, dtype=pl.String),
        dimension_value=pl.lit(None, dtype=pl.String),
        value=pl.when(spread & (var > 0)).then(slope),
        ref_baseline=pl.when(spread & (var > 0)).then(start),
        usable=spread,
        note=pl.when(spread)
        .then(
            pl.format(
                "fitted share {} at start, change {} per year",
                start.round(3),
                slope.round(4),
            )
        )
        .otherwise(pl.lit("activities span less than a year: no trend")),
    ).select(
        "program_id", "dimension", "dimension_value", "value", "ref_baseline", "n", "usable", "note"
    )
