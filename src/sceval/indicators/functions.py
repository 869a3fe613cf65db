"""Indicators that need real logic: named Polars functions, Hamilton style.

Each function is named after what it computes; its parameters name what it needs: enriched
source tables (`participants`, `followups`, ...; see `sources.enriched`), `as_of` and the
indicator's `params`. It returns a lazy frame of result rows: `program_id`, `dimension`,
`dimension_value` and any of numerator, denominator, value, n, persons, sd, stat, ci_low,
ci_high, note, usable (False forces insufficient_data), ref_baseline, ref_target (defaults
used when the catalogue and overrides give none). The engine adds statuses, intervals for
proportions and means, targets, suppression and provenance.

Every function applies the as-of date itself: nothing dated after it is used.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

import polars as pl

SERVING = ("serving_same_unit", "serving_other_unit")
TERMINAL = ("left_service", "joined_non_state_group", "deceased")
PERSON_DIMS = ("sex", "age_band", "rank_group", "activity_kind", "country", "provider")
PROGRAM_DIMS = ("country", "provider")

REGISTRY: dict[str, Callable[..., pl.LazyFrame]] = {}
DIMS: dict[str, tuple[str, ...]] = {}
PARAMS: dict[str, tuple[str, ...]] = {}


def indicator_function(dims: Sequence[str] = (), params: Sequence[str] = ()):
    """Register an engine function: its name, the dimensions it can split by, its params."""

    def wrap(fn: Callable[..., pl.LazyFrame]) -> Callable[..., pl.LazyFrame]:
        REGISTRY[fn.__name__] = fn
        DIMS[fn.__name__] = tuple(dims)
        PARAMS[fn.__name__] = tuple(params)
        return fn

    return wrap


def rollup(lf: pl.LazyFrame, dims: Sequence[str], aggs: Sequence[pl.Expr]) -> pl.LazyFrame:
    """Aggregate per program, then per program and each dimension (dimension, dimension_value)."""
    parts = [
        lf.group_by("program_id")
        .agg(aggs)
        .with_columns(
            dimension=pl.lit(None, dtype=pl.String), dimension_value=pl.lit(None, dtype=pl.String)
        )
    ]
    for d in dims:
        parts.append(
            lf.with_columns(pl.col(d).cast(pl.String).fill_null("unknown"))
            .group_by("program_id", d)
            .agg(aggs)
            .rename({d: "dimension_value"})
            .with_columns(dimension=pl.lit(d))
        )
    cols = None
    out = []
    for p in parts:
        cols = cols or p.collect_schema().names()
        out.append(p.select(cols))
    return pl.concat(out, how="vertical")


def _months_after(col: str | pl.Expr, months: int) -> pl.Expr:
    c = pl.col(col) if isinstance(col, str) else col
    return c.dt.offset_by(f"{int(months)}mo")


def _days(a: pl.Expr, b: pl.Expr) -> pl.Expr:
    return (a - b).dt.total_days()


# --- on the fly -------------------------------------------------------------------------


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


@indicator_function(dims=(), params=("window_days", "levels"))
def dialogue_frequency(dialogues: pl.LazyFrame, as_of: dt.date, params: dict) -> pl.LazyFrame:
    """Meetings per year in the window to as-of (optionally only some levels) vs the rate before."""
    window = int(params.get("window_days", 365))
    levels = params.get("levels")
    d = dialogues.filter(pl.col("date") <= pl.col("as_of"))
    last_min = (
        d.filter(pl.col("level") == "ministerial")
        .group_by("program_id")
        .agg(pl.col("date").max().cast(pl.String).alias("_last_min"))
    )
    counted = d.filter(pl.col("level").is_in(list(levels))) if levels else d
    recent = pl.col("date") > pl.col("as_of") - pl.duration(days=window)
    prior_days = _days(pl.col("as_of") - pl.duration(days=window), pl.col("program_start"))
    out = (
        d.group_by("program_id")
        .agg(prior_days.first().cast(pl.Float64).alias("_prior_days"))
        .join(
            counted.group_by("program_id").agg(
                recent.sum().cast(pl.Float64).alias("numerator"),
                (~recent).sum().cast(pl.Float64).alias("_prior"),
                pl.len().cast(pl.Int64).alias("n"),
            ),
            on="program_id",
            how="left",
        )
        .join(last_min, on="program_id", how="left")
        .with_columns(pl.col("numerator", "_prior").fill_null(0.0), pl.col("n").fill_null(0))
    )
    per_year = 365.0 / window
    before = pl.col("_prior") / pl.col("_prior_days") * 365.0
    # Meetings are counts: an exact Poisson (Garwood) 95% interval of the window's count.
    low, high = _poisson_bounds(pl.col("numerator"), pl.lit(per_year))
    return out.with_columns(
        dimension=pl.lit(None, dtype=pl.String),
        dimension_value=pl.lit(None, dtype=pl.String),
        value=pl.col("numerator") * per_year,
        ci_low=low,
        ci_high=high,
        denominator=pl.lit(window / 365.0),
        ref_baseline=pl.when(pl.col("_prior_days") >= 365).then(before),
        note=pl.when(pl.col("_prior_days") >= 365)
        .then(
            pl.format(
                "{} meetings in the last {} days; {} per year before that; last ministerial: {}",
                pl.col("numerator").cast(pl.Int64),
                pl.lit(window),
                before.round(2),
                pl.col("_last_min").fill_null("never"),
            )
        )
        .otherwise(pl.lit("less than a year of earlier meetings to compare with")),
    ).drop("_prior", "_prior_days", "_last_min")


@indicator_function(dims=("sex", "rank_group", "activity_kind", "country", "provider"), params=())
def personnel_trained(
    participants: pl.LazyFrame, activities: pl.LazyFrame, as_of: dt.date, params: dict
) -> pl.LazyFrame:
    """Distinct persons who completed training by as-of, plus head counts reported without rows."""
    ended = pl.col("activity_actual_end").is_not_null() & (
        pl.col("activity_actual_end") <= pl.col("as_of")
    )
    persons = (
        participants.filter(ended & pl.col("completed"))
        .sort("participant_id", "program_id", "activity_actual_end", "activity_id")
        .unique(["participant_id", "program_id"], keep="first", maintain_order=True)
        .select(
            "program_id",
            "sex",
            "rank_group",
            "activity_kind",
            "country",
            "provider",
            pl.lit(1, dtype=pl.Int64).alias("heads"),
            pl.lit(1, dtype=pl.Int64).alias("person_rows"),
        )
    )
    with_rows = participants.select("activity_id").unique().with_columns(has_rows=pl.lit(True))
    reported = (
        activities.join(with_rows, on="activity_id", how="left")
        .filter(
            pl.col("has_rows").is_null()
            & pl.col("trainees_reported").is_not_null()
            & pl.col("actual_end").is_not_null()
            & (pl.col("actual_end") <= pl.col("as_of"))
        )
        .select(
            "program_id",
            pl.lit(None, dtype=pl.String).alias("sex"),
            pl.lit(None, dtype=pl.String).alias("rank_group"),
            pl.col("kind").alias("activity_kind"),
            "country",
            "provider",
            pl.col("trainees_reported").cast(pl.Int64).alias("heads"),
            pl.lit(0, dtype=pl.Int64).alias("person_rows"),
        )
    )
    rows = pl.concat([persons, reported], how="vertical")
    return rollup(
        rows,
        params.get("_dims", ()),
        [
            pl.col("heads").sum().cast(pl.Float64).alias("value"),
            pl.col("heads").sum().cast(pl.Float64).alias("numerator"),
            pl.col("heads").sum().cast(pl.Int64).alias("n"),
            pl.col("person_rows").sum().cast(pl.Int64).alias("persons"),
            pl.format(
                "{} persons with rows, {} from reported head counts",
                pl.col("person_rows").sum(),
                pl.col("heads").sum() - pl.col("person_rows").sum(),
            ).alias("note"),
        ],
    )


# --- ex post ------------------------------------------------------------------------------


def completions(participants: pl.LazyFrame, cache: dict | None = None) -> pl.LazyFrame:
    """First completion of each person in each program, with the person's dimensions."""
    if cache is not None:
        if "completions" not in cache:
            cache["completions"] = completions(participants).cache()
        return cache["completions"]
    done = pl.col("completed") & pl.col("activity_actual_end").is_not_null()
    return (
        participants.filter(done & (pl.col("activity_actual_end") <= pl.col("as_of")))
        .sort("participant_id", "program_id", "activity_actual_end", "activity_id")
        .unique(["participant_id", "program_id"], keep="first", maintain_order=True)
        .select(
            "participant_id",
            "program_id",
            "activity_id",
            "sex",
            "age_band",
            "rank_group",
            "activity_kind",
            "country",
            "provider",
            "as_of",
            pl.col("activity_actual_end").alias("completion"),
            pl.coalesce("unit_id", "activity_unit_id").alias("trained_unit"),
        )
    )


def followup_outcomes(
    participants: pl.LazyFrame,
    tables: dict[str, pl.LazyFrame],
    months: int,
    grace_days: int,
    cache: dict | None = None,
) -> pl.LazyFrame:
    """Per completer: window passed?, status found at the window, ever joined a non-state group."""
    key = ("followup_outcomes", months, grace_days)
    if cache is not None and key in cache:
        return cache[key]  # the same plan object: collected once for every indicator using it
    comp = completions(participants, cache).with_columns(
        window_end=_months_after("completion", months)
    )
    comp = comp.with_columns(eligible=pl.col("window_end") <= pl.col("as_of"))
    fu = tables["followups"].select("participant_id", "check_date", "status")
    horizon = pl.min_horizontal(
        pl.col("window_end") + pl.duration(days=grace_days), pl.col("as_of")
    )
    keys = ["participant_id", "program_id"]
    last = (
        comp.select(*keys, "completion", "as_of", "window_end")
        .join(fu, on="participant_id", how="inner")
        .filter(
            (pl.col("check_date") > pl.col("completion"))
            & (pl.col("check_date") <= horizon)
            & (pl.col("status") != "unknown")
        )
        .group_by(keys)
        .agg(
            pl.col("status").sort_by("check_date").last().alias("last_status"),
            pl.col("check_date").max().alias("last_check"),
            (pl.col("status") == "joined_non_state_group").any().alias("defected"),
        )
    )
    out = comp.join(last, on=keys, how="left")
    near = pl.col("last_check") >= pl.col("window_end") - pl.duration(days=grace_days)
    out = out.with_columns(
        pl.col("defected").fill_null(False),
        ascertained=pl.col("last_status").is_not_null()
        & (pl.col("last_status").is_in(TERMINAL) | near),
    ).cache()
    if cache is not None:
        cache[key] = out
    return out


def _coverage_note(num: str, den: str, what: str) -> pl.Expr:
    return pl.format(
        "{} of {} " + what,
        pl.col(num).cast(pl.Int64),
        pl.col(den).cast(pl.Int64),
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


@indicator_function(dims=PERSON_DIMS, params=("months", "grace_days", "min_coverage"))
def retention(
    participants: pl.LazyFrame,
    tables: dict[str, pl.LazyFrame],
    cache: dict,
    as_of: dt.date,
    params: dict,
) -> pl.LazyFrame:
    """Share of completers still serving `months` after completion (window passed, status known)."""
    months = int(params.get("months", 12))
    min_cov = float(params.get("min_coverage", 0.2))
    o = followup_outcomes(participants, tables, months, int(params.get("grace_days", 92)), cache)
    o = o.filter(pl.col("eligible")).with_columns(
        counted=pl.col("ascertained") & (pl.col("last_status") != "deceased"),
        kept=pl.col("ascertained") & pl.col("last_status").is_in(SERVING),
    )
    out = rollup(
        o,
        params.get("_dims", ()),
        [
            pl.col("kept").sum().cast(pl.Float64).alias("numerator"),
            pl.col("counted").sum().cast(pl.Float64).alias("denominator"),
            pl.col("counted").sum().cast(pl.Int64).alias("n"),
            pl.col("counted").sum().cast(pl.Int64).alias("persons"),
            pl.len().cast(pl.Float64).alias("_eligible"),
            pl.col("ascertained").sum().cast(pl.Float64).alias("_ascertained"),
        ],
    )
    return out.with_columns(
        value=pl.when(pl.col("denominator") > 0).then(pl.col("numerator") / pl.col("denominator")),
        stat=pl.lit("proportion"),
        usable=pl.col("_ascertained") >= min_cov * pl.col("_eligible"),
        note=_coverage_note(
            "_ascertained",
            "_eligible",
            f"completers past the {months}-month window have a follow-up status",
        ),
    ).drop("_eligible", "_ascertained")


@indicator_function(dims=PERSON_DIMS, params=("months", "grace_days"))
def defection(
    participants: pl.LazyFrame,
    tables: dict[str, pl.LazyFrame],
    cache: dict,
    as_of: dt.date,
    params: dict,
) -> pl.LazyFrame:
    """Share of completers past the window ever found in a non-state armed group, among those whose status is known."""
    months = int(params.get("months", 24))
    grace = int(params.get("grace_days", 92))
    comp = completions(participants, cache).with_columns(
        window_end=_months_after("completion", months)
    )
    comp = comp.filter(pl.col("window_end") <= pl.col("as_of"))
    keys = ["participant_id", "program_id"]
    fu = tables["followups"].select("participant_id", "check_date", "status")
    # Every follow-up after completion up to the as-of date: "ever found" is not cut at the
    # window's end.
    seen = (
        comp.select(*keys, "completion", "as_of", "window_end")
        .join(fu, on="participant_id", how="inner")
        .filter(
            (pl.col("check_date") > pl.col("completion"))
            & (pl.col("check_date") <= pl.col("as_of"))
            & (pl.col("status") != "unknown")
        )
        .group_by(keys)
        .agg(
            (pl.col("status") == "joined_non_state_group").any().alias("defected"),
            (pl.col("status") == "deceased").any().alias("dead"),
            pl.col("check_date").max().alias("last_check"),
            pl.col("window_end").first(),
        )
    )
    # Known: found in a group at any time, or dead, or seen (in any status) at or after the
    # window's end less the grace days. Someone seen only early is unknown, not a non-defector.
    known = (
        pl.col("defected")
        | pl.col("dead")
        | (pl.col("last_check") >= pl.col("window_end") - pl.duration(days=grace))
    )
    o = comp.join(seen.drop("window_end"), on=keys, how="left").with_columns(
        defected=pl.col("defected").fill_null(False),
        known=known.fill_null(False),
    )
    out = rollup(
        o,
        params.get("_dims", ()),
        [
            (pl.col("defected") & pl.col("known")).sum().cast(pl.Float64).alias("numerator"),
            pl.col("known").sum().cast(pl.Float64).alias("denominator"),
            pl.col("known").sum().cast(pl.Int64).alias("n"),
            pl.col("known").sum().cast(pl.Int64).alias("persons"),
            pl.len().cast(pl.Float64).alias("_eligible"),
        ],
    )
    return out.with_columns(
        value=pl.when(pl.col("denominator") > 0).then(pl.col("numerator") / pl.col("denominator")),
        stat=pl.lit("proportion"),
        note=pl.format(
            "{} of {} completers past the {}-month window have a known status (found in a "
            "group by {}, or seen from {} days before the window's end)",
            pl.col("denominator").cast(pl.Int64),
            pl.col("_eligible").cast(pl.Int64),
            pl.lit(months),
            pl.lit(str(as_of)),
            pl.lit(grace),
        ),
    ).drop("_eligible")


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


def trained_units(participants: pl.LazyFrame, cache: dict | None = None) -> pl.LazyFrame:
    """Per program and unit: first completion date (t0) and distinct completers."""
    return (
        completions(participants, cache)
        .filter(pl.col("trained_unit").is_not_null())
        .group_by("program_id", "trained_unit")
        .agg(
            pl.col("completion").min().alias("t0"),
            pl.col("participant_id").n_unique().cast(pl.Int64).alias("trained"),
            pl.col("country").first(),
            pl.col("provider").first(),
            pl.col("as_of").first(),
        )
        .rename({"trained_unit": "unit_id"})
    )


def _garwood(s: pl.Series, upper: bool) -> pl.Series:
    """Exact 95% Poisson bound of each count (Garwood), via the inverse incomplete gamma."""
    if s.drop_nulls().len() == 0:
        return pl.Series([None] * s.len(), dtype=pl.Float64)
    from scipy.special import gammaincinv

    if upper:
        return pl.Series([None if k is None else float(gammaincinv(k + 1, 0.975)) for k in s])
    return pl.Series(
        [None if k is None else (0.0 if k == 0 else float(gammaincinv(k, 0.025))) for k in s]
    )


def _poisson_bounds(count: pl.Expr, scale: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """Exact 95% Poisson interval of a count, times scale."""
    low = count.map_batches(lambda s: _garwood(s, False), return_dtype=pl.Float64) * scale
    high = count.map_batches(lambda s: _garwood(s, True), return_dtype=pl.Float64) * scale
    return low, high


# Gross violations of human rights and other human-rights violations by security forces;
# `corruption` and `other` incidents are not human-rights incidents (issue 16).
HR_KINDS = (
    "unlawful_killing",
    "torture",
    "enforced_disappearance",
    "arbitrary_detention",
    "sexual_violence",
    "excessive_force",
)


@indicator_function(dims=PROGRAM_DIMS, params=("months", "credibility", "kinds"))
def hr_incidents(
    participants: pl.LazyFrame,
    incidents: pl.LazyFrame,
    cache: dict,
    as_of: dt.date,
    params: dict,
) -> pl.LazyFrame:
    """Credible incidents per 1,000 trained in the `months` after training; before as baseline."""
    months = int(params.get("months", 24))
    levels = list(params.get("credibility", ["credible", "confirmed"]))
    kinds = list(params.get("kinds", HR_KINDS))
    units = trained_units(participants, cache).with_columns(
        window_end=_months_after("t0", months),
        window_start=_months_after("t0", -months),
    )
    units = units.filter(pl.col("window_end") <= pl.col("as_of"))
    inc = incidents.filter(
        pl.col("credibility").is_in(levels)
        & pl.col("kind").is_in(kinds)
        & (pl.col("date") <= pl.col("as_of"))
    ).select("unit_id", "program_id", pl.col("date").alias("inc_date"))
    # Any report at all about the partner country's units, to tell "none found" from "no data".
    reported = (
        incidents.filter(pl.col("date") <= pl.col("as_of"))
        .select("program_id", pl.lit(True).alias("has_reports"))
        .unique()
    )
    per_unit = (
        units.join(inc, on=["unit_id", "program_id"], how="left")
        .group_by("program_id", "unit_id")
        .agg(
            pl.col("trained").first(),
            pl.col("country").first(),
            pl.col("provider").first(),
            ((pl.col("inc_date") > pl.col("t0")) & (pl.col("inc_date") <= pl.col("window_end")))
            .sum()
            .alias("after"),
            ((pl.col("inc_date") >= pl.col("window_start")) & (pl.col("inc_date") <= pl.col("t0")))
            .sum()
            .alias("before"),
        )
    )
    out = rollup(
        per_unit,
        params.get("_dims", ()),
        [
            pl.col("after").sum().cast(pl.Float64).alias("numerator"),
            pl.col("trained").sum().cast(pl.Float64).alias("denominator"),
            pl.col("trained").sum().cast(pl.Int64).alias("n"),
            pl.col("trained").sum().cast(pl.Int64).alias("persons"),
            pl.col("before").sum().cast(pl.Float64).alias("_before"),
            pl.len().cast(pl.Int64).alias("_units"),
        ],
    ).join(reported, on="program_id", how="left")
    per_k = 1000.0 / pl.col("denominator")
    low, high = _poisson_bounds(pl.col("numerator"), per_k)
    return out.with_columns(
        value=pl.col("numerator") * per_k,
        ref_baseline=pl.col("_before") * per_k,
        ci_low=low,
        ci_high=high,
        usable=pl.col("has_reports").fill_null(False),
        note=pl.when(pl.col("has_reports").fill_null(False))
        .then(
            pl.format(
                "{} units trained; {} incidents in the {} months after vs {} before",
                pl.col("_units"),
                pl.col("numerator").cast(pl.Int64),
                pl.lit(months),
                pl.col("_before").cast(pl.Int64),
            )
        )
        .otherwise(
            pl.lit("no incident reports at all for these units: absence is not evidence of no harm")
        ),
    ).drop("_before", "_units", "has_reports")


DID_KINDS = ("training", "exercise")


def area_start_years(
    activities: pl.LazyFrame, units: pl.LazyFrame, kinds: Sequence[str]
) -> pl.LazyFrame:
    """Per program, country and admin1 area: the first delivery of the named kinds there.

    The area's country is its unit's (a multi-country program works in several), else the
    program's partner country.
    """
    unit_country = units.select("unit_id", pl.col("partner_country").alias("_unit_country"))
    return (
        activities.filter(
            pl.col("kind").is_in(list(kinds))
            & pl.col("admin1").is_not_null()
            & pl.col("actual_end").is_not_null()
            & (pl.col("actual_end") <= pl.col("as_of"))
        )
        .join(unit_country, on="unit_id", how="left")
        .with_columns(country=pl.coalesce("_unit_country", "program_country"))
        .group_by("program_id", "country", "admin1")
        .agg(pl.col("actual_end").min().alias("start"))
    )


def did_panel(
    starts: pl.DataFrame,
    area_days: pl.DataFrame,
    first_event: dict[str, dt.date],
    as_of: dt.date,
    *,
    outcome: str,
    pre_years: int,
    post_years: int,
) -> pl.DataFrame:
    """Area-year panel of one program: every admin1 area of each country it worked in.

    Treated areas (in `starts`) carry g, the calendar year of their own first delivery, and
    their years up to g + post_years - 1; comparison areas are the other areas of the same
    country with any event on record. Years run from the earliest g - pre_years (not before
    the country's first recorded event: earlier years are missing, not zero) to the last full
    year before the as-of date. Area-years without events count 0.
    """
    last = as_of.year if as_of.month == 12 and as_of.day == 31 else as_of.year - 1
    parts = []
    for country, grp in starts.sort("country", "admin1").group_by("country", maintain_order=True):
        country = country[0]
        g = {a: s.year for a, s in zip(grp["admin1"], grp["start"], strict=True)}
        first = first_event.get(country)
        if first is None:
            continue
        y0 = max(min(g.values()) - pre_years, first.year)
        y1 = min(max(g.values()) + post_years - 1, last)
        ev = area_days.filter((pl.col("country") == country) & (pl.col("event_date") <= as_of))
        areas = sorted(set(ev["admin1"].unique().to_list()) | set(g))
        counts = (
            ev.with_columns(year=pl.col("event_date").dt.year())
            .group_by("admin1", "year")
            .agg(pl.col(outcome).sum().cast(pl.Float64).alias("y"))
        )
        grid = pl.DataFrame(
            {
                "admin1": [a for a in areas for _ in range(y0, y1 + 1)],
                "year": [y for _ in areas for y in range(y0, y1 + 1)],
            },
            schema={"admin1": pl.String, "year": pl.Int32},
        )
        gdf = pl.DataFrame(
            {"admin1": list(g), "g": list(g.values())},
            schema={"admin1": pl.String, "g": pl.Int32},
        )
        panel = (
            grid.join(
                counts.with_columns(pl.col("year").cast(pl.Int32)),
                on=["admin1", "year"],
                how="left",
            )
            .join(gdf, on="admin1", how="left")
            .with_columns(pl.col("y").fill_null(0.0), country=pl.lit(country))
        )
        parts.append(panel)
    if not parts:
        return pl.DataFrame(
            schema={"admin1": pl.String, "year": pl.Int32, "y": pl.Float64, "g": pl.Int32,
                    "country": pl.String, "rel": pl.Int32, "treat": pl.Int64}
        )  # fmt: skip
    panel = pl.concat(parts, how="vertical").with_columns(rel=pl.col("year") - pl.col("g"))
    # A treated area's years after its post window are neither treated nor comparison.
    panel = panel.filter(pl.col("rel").is_null() | (pl.col("rel") < post_years))
    # pyfixest's demeaning iterates to a tolerance, so its last digits depend on row order:
    # a fixed order makes two runs on the same data agree to the bit.
    return panel.with_columns(treat=(pl.col("rel").fill_null(-1) >= 0).cast(pl.Int64)).sort(
        "country", "admin1", "year"
    )


def did_estimate(panel: pl.DataFrame, *, pre_years: int, min_pre_years: int) -> dict[str, Any]:
    """Gardner's two-stage DiD (pyfixest `did2s`) with area and country-by-year fixed effects,
    clustered by area, and the pre-trend test on untreated area-years.

    Returns the ATT with its 95% interval, the observed and imputed means of treated area-years
    after their start, the pre-period (lead) coefficients and the joint test of the leads.
    """
    treated = panel.filter(pl.col("g").is_not_null())
    countries = panel.filter(pl.col("g").is_null())["country"].unique().to_list()
    out: dict[str, Any] = {
        "nt": treated.filter(pl.col("treat") == 1)["admin1"].n_unique(),
        "nc": panel.filter(pl.col("g").is_null()).select("country", "admin1").n_unique(),
        "countries": sorted(panel["country"].unique().to_list()),
        "leads": [],
        "p_pre": None,
        "why": None,
    }
    # A country without comparison areas cannot say what would have happened there.
    panel = panel.filter(pl.col("country").is_in(countries))
    nt = panel.filter(pl.col("treat") == 1).select("country", "admin1").n_unique()
    out["nt_fit"] = nt
    if nt < 2 or out["nc"] < 2:
        out["why"] = "needs 2 treated areas with years after their start and 2 comparison areas"
        return out
    pre_seen = (
        panel.filter(pl.col("g").is_not_null())
        .group_by("country", "admin1")
        .agg((pl.col("rel") < 0).sum().alias("k"))["k"]
        .min()
    )
    import warnings

    import pyfixest as pf

    with warnings.catch_warnings():
        # pyfixest 0.60 calls pandas APIs that pandas 3 deprecates; nothing to act on here.
        warnings.simplefilter("ignore", FutureWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        return _did_fit(pf, panel, out, pre_seen, pre_years=pre_years, min_pre_years=min_pre_years)


def _r6(x: Any) -> float:
    """A fitted figure to 6 decimals: the fixed-effects demeaning iterates to a tolerance whose
    last digits vary between processes, and a rerun on the same data must give the same row."""
    return round(float(x), 6)


def _did_fit(pf, panel, out, pre_seen, *, pre_years: int, min_pre_years: int) -> dict[str, Any]:
    """The two pyfixest fits of `did_estimate` (ATT, then the pre-trend leads)."""
    df = panel.with_columns(
        area=pl.col("country") + "|" + pl.col("admin1"),
        cy=pl.col("country") + "|" + pl.col("year").cast(pl.String),
    )
    # ATT: the untreated outcome model (area + country-year effects) fitted on untreated
    # area-years only, then imputed for treated ones (Gardner 2021; Borusyak et al. 2024).
    fit = pf.did2s(
        df.to_pandas(),
        yname="y",
        first_stage="~ 0 | area + cy",
        second_stage="~ treat",
        treatment="treat",
        cluster="area",
    )
    tidy = fit.tidy()
    att = float(tidy.loc["treat", "Estimate"])
    post = df.filter(pl.col("treat") == 1)
    out.update(
        att=_r6(att),
        low=_r6(tidy.loc["treat", "2.5%"]),
        high=_r6(tidy.loc["treat", "97.5%"]),
        observed=float(post["y"].mean()),
        imputed=float(post["y"].mean()) - att,
        nt=out.pop("nt_fit"),
    )
    if pre_seen is None or pre_seen < min_pre_years:
        out["why"] = (
            f"pre-period too short: a treated area has {pre_seen or 0} year(s) of event data "
            f"before its start (needs {min_pre_years})"
        )
        return out
    # Pre-trends: on untreated area-years only, leads k = -pre_years..-2 of treated areas
    # against the year before their start (k = -1 and earlier years are the reference).
    leads = [k for k in range(-pre_years, -1) if (df["rel"] == k).any()]
    pre = df.filter(pl.col("treat") == 0).with_columns(
        [(pl.col("rel") == k).fill_null(False).cast(pl.Int8).alias(f"lead{-k}") for k in leads]
    )
    names = [f"lead{-k}" for k in leads]
    es = pf.feols(
        "y ~ " + " + ".join(names) + " | area + cy",
        data=pre.to_pandas(),
        vcov={"CRV1": "area"},
        fixef_tol=1e-12,
    )
    et = es.tidy()
    out["leads"] = [
        (k, _r6(et.loc[n, "Estimate"]), _r6(et.loc[n, "2.5%"]), _r6(et.loc[n, "97.5%"]))
        for k, n in zip(leads, names, strict=True)
        if n in et.index
    ]
    wald = es.wald_test()
    out["p_pre"] = float(wald["pvalue"])
    return out


DID_COLUMNS = {
    "program_id": pl.String,
    "dimension": pl.String,
    "dimension_value": pl.String,
    "value": pl.Float64,
    "numerator": pl.Float64,
    "denominator": pl.Float64,
    "n": pl.Int64,
    "ci_low": pl.Float64,
    "ci_high": pl.Float64,
    "stat": pl.String,
    "usable": pl.Boolean,
    "force_status": pl.String,
    "note": pl.String,
}


def _did_row(prog: str, dim: str | None, dv: str | None, r: dict, alpha: float) -> dict:
    """One result row from `did_estimate`: value, interval, note and the pre-trend verdict."""
    row = {"program_id": prog, "dimension": dim, "dimension_value": dv, "stat": "did"}
    row["n"] = r["nt"] + r["nc"]
    where = ", ".join(r["countries"])
    if "att" not in r:
        return {**row, "usable": False, "note": f"{r['why']} ({where})"}
    leads = "; ".join(f"{k}: {c:.3g} ({lo:.3g} to {hi:.3g})" for k, c, lo, hi in r["leads"])
    parts = [
        f"did2s (Gardner), area and country-by-year effects: {r['nt']} areas with trained "
        f"units, each from its own start year, vs {r['nc']} other areas of the same "
        f"countries ({where}); after the start {r['observed']:.3g} events per area-year vs "
        f"{r['imputed']:.3g} imputed; 95% interval clustered by area",
    ]
    force = None
    usable = True
    if r["p_pre"] is None:
        usable = False
        parts.append(f"parallel trends not supported: {r['why']}")
    else:
        parts.append(f"pre-period coefficients (year -1 = 0): {leads}")
        parts.append(f"pre-trend test p = {r['p_pre']:.3g}")
        if r["p_pre"] < alpha:
            force = "inconclusive"
            parts.append(f"parallel trends not supported (p < {alpha:g})")
    if r["low"] <= 0 <= r["high"]:
        parts.append("the interval includes 0: no clear difference")
    parts.append("a comparison, not proof of cause")
    return {
        **row,
        "value": r["att"],
        "numerator": r["observed"],
        "denominator": r["imputed"],
        "ci_low": r["low"],
        "ci_high": r["high"],
        "usable": usable,
        "force_status": force,
        "note": "; ".join(parts),
    }


@indicator_function(
    dims=("country",),
    params=(
        "outcome",
        "activity_kinds",
        "pre_years",
        "post_years",
        "min_pre_years",
        "pretrend_alpha",
    ),
)
def area_did(
    activities: pl.LazyFrame, tables: dict[str, pl.LazyFrame], as_of: dt.date, params: dict
) -> pl.LazyFrame:
    """Staggered difference-in-differences of events per admin1 area-year: areas with trained units vs the other areas of their country."""
    outcome = params.get("outcome", "civilian_harm")
    if outcome not in ("civilian_harm", "conflict"):
        raise ValueError(f"outcome {outcome!r} is neither civilian_harm nor conflict")
    kinds = tuple(params.get("activity_kinds", DID_KINDS))
    pre_years = int(params.get("pre_years", 5))
    post_years = int(params.get("post_years", 2))
    min_pre = int(params.get("min_pre_years", 3))
    alpha = float(params.get("pretrend_alpha", 0.05))
    if min(pre_years, post_years, min_pre) < 1 or min_pre > pre_years:
        raise ValueError("pre_years, post_years, min_pre_years must be >= 1, min <= pre_years")
    starts = area_start_years(activities, tables["units"], kinds).collect()
    progs = activities.filter(pl.col("actual_end") <= pl.col("as_of")).select("program_id")
    progs = progs.unique().collect()["program_id"].sort().to_list()
    if not progs:
        return pl.LazyFrame(schema=DID_COLUMNS)
    countries = starts["country"].unique().to_list()
    area_days = (
        tables["event_area_days"]
        .filter(pl.col("country").is_in(countries) & (pl.col("event_date") <= as_of))
        .collect()
    )
    first_event = dict(
        tables["event_countries"]
        .filter(pl.col("first_event") <= as_of)
        .select("country", "first_event")
        .collect()
        .iter_rows()
    )
    by_country = "country" in params.get("_dims", ())
    rows = []
    for prog in progs:
        mine = starts.filter(pl.col("program_id") == prog).sort("country", "admin1")
        panel = did_panel(
            mine, area_days, first_event, as_of,
            outcome=outcome, pre_years=pre_years, post_years=post_years,
        )  # fmt: skip
        if mine.is_empty():
            note = f"no area where the program delivered {', '.join(kinds)} by the as-of date"
            rows.append({"program_id": prog, "usable": False, "note": note, "n": 0})
            continue
        r = did_estimate(panel, pre_years=pre_years, min_pre_years=min_pre)
        rows.append(_did_row(prog, None, None, r, alpha))
        for k, c, lo, hi in r["leads"]:
            rows.append(
                {"program_id": prog, "dimension": "event_time", "dimension_value": str(k),
                 "value": c, "ci_low": lo, "ci_high": hi, "stat": "did", "usable": False,
                 "note": "event-study pre-period coefficient (year -1 = 0); not judged"}
            )  # fmt: skip
        if by_country:
            for country in mine["country"].unique().sort().to_list():
                one = panel.filter(pl.col("country") == country)
                rc = did_estimate(one, pre_years=pre_years, min_pre_years=min_pre)
                rows.append(_did_row(prog, "country", country, rc, alpha))
    return pl.LazyFrame(rows, schema=DID_COLUMNS)


@indicator_function(dims=PROGRAM_DIMS, params=())
def protester_violence(
    participants: pl.LazyFrame,
    events: pl.LazyFrame,
    tables: dict[str, pl.LazyFrame],
    cache: dict,
    as_of: dt.date,
    params: dict,
) -> pl.LazyFrame:
    """Events of violence against protesters by trained units after their training."""
    units = trained_units(participants, cache)
    # Any event data at all for the units' country, to tell "none found" from "no data".
    covered = (
        units.select("program_id", "country")
        .unique()
        .join(
            tables["event_countries"].filter(pl.col("first_event") <= as_of).select("country"),
            on="country",
        )
        .select("program_id", pl.lit(True).alias("has_events"))
        .unique()
    )
    violent = pl.col("event_type").is_in(["protest", "riot"]) & (
        pl.col("civilian_targeting") | (pl.col("fatalities") > 0)
    )
    ev = events.filter(violent & (pl.col("event_date") <= pl.col("as_of"))).select(
        pl.col("actor_unit_id").alias("unit_id"), "program_id", "event_date", "fatalities"
    )
    per_unit = (
        units.join(ev, on=["unit_id", "program_id"], how="left")
        .group_by("program_id", "unit_id")
        .agg(
            pl.col("country").first(),
            pl.col("provider").first(),
            (pl.col("event_date") > pl.col("t0")).sum().alias("events"),
            pl.col("fatalities").filter(pl.col("event_date") > pl.col("t0")).sum().alias("dead"),
        )
    )
    out = rollup(
        per_unit,
        params.get("_dims", ()),
        [
            pl.col("events").sum().cast(pl.Float64).alias("numerator"),
            pl.len().cast(pl.Float64).alias("denominator"),
            pl.len().cast(pl.Int64).alias("n"),
            pl.col("dead").sum().cast(pl.Int64).alias("_dead"),
        ],
    ).join(covered, on="program_id", how="left")
    has = pl.col("has_events").fill_null(False)
    return out.with_columns(
        value=pl.col("numerator"),
        usable=has,
        note=pl.when(has)
        .then(
            pl.format(
                "{} events by {} trained units after training, {} deaths",
                pl.col("numerator").cast(pl.Int64),
                pl.col("n"),
                pl.col("_dead"),
            )
        )
        .otherwise(
            pl.lit("no event data on these units: absence of reports is not evidence of no harm")
        ),
    ).drop("_dead", "has_events")


@indicator_function(dims=(), params=("months", "grace_days"))
def cost_per_retained(
    participants: pl.LazyFrame,
    activities: pl.LazyFrame,
    tables: dict[str, pl.LazyFrame],
    cache: dict,
    as_of: dt.date,
    params: dict,
) -> pl.LazyFrame:
    """Cost of training whose follow-up window has passed, per trainee estimated retained."""
    months = int(params.get("months", 12))
    o = followup_outcomes(participants, tables, months, int(params.get("grace_days", 92)), cache)
    o = o.filter(pl.col("eligible"))
    counted = pl.col("ascertained") & (pl.col("last_status") != "deceased")
    kept = pl.col("ascertained") & pl.col("last_status").is_in(SERVING)
    people = o.group_by("program_id").agg(
        pl.len().cast(pl.Float64).alias("completers"),
        counted.sum().cast(pl.Float64).alias("counted"),
        kept.sum().cast(pl.Float64).alias("kept"),
    )
    acts = o.select("program_id", "activity_id").unique()
    cost = (
        activities.join(acts, on=["program_id", "activity_id"], how="inner")
        .group_by("program_id")
        .agg(
            pl.coalesce("actual_cost", "planned_cost").sum().alias("cost"),
            pl.col("planned_cost").sum().alias("planned"),
        )
    )
    out = people.join(cost, on="program_id", how="inner")
    retained = pl.col("completers") * pl.col("kept") / pl.col("counted")
    return out.with_columns(
        dimension=pl.lit(None, dtype=pl.String),
        dimension_value=pl.lit(None, dtype=pl.String),
        numerator=pl.col("cost"),
        denominator=retained,
        value=pl.when(retained > 0).then(pl.col("cost") / retained),
        n=pl.col("counted").cast(pl.Int64),
        persons=pl.col("counted").cast(pl.Int64),
        ref_target=pl.col("planned") / pl.col("completers"),
        note=pl.format(
            "retained estimated as completers x retention among the {} with a known status; "
            "reference: planned cost per completer {}",
            pl.col("counted").cast(pl.Int64),
            (pl.col("planned") / pl.col("completers")).round(2),
        ),
    ).drop("completers", "counted", "kept", "cost", "planned")


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


@indicator_function(dims=(), params=("headline", "rated_series"))
def context_change(context: pl.LazyFrame, as_of: dt.date, params: dict) -> pl.LazyFrame:
    """Change of each context series for the partner country from program start to end (or as-of)."""
    headline = params.get("headline", "wgi_rule_of_law")
    rated = list(params.get("rated_series", [headline]))
    c = context.with_columns(
        last_year=pl.min_horizontal(pl.col("program_end").dt.year(), pl.col("as_of").dt.year() - 1),
        first_year=pl.col("program_start").dt.year(),
    ).filter(pl.col("year") <= pl.col("last_year"))
    start = (
        c.filter(pl.col("year") <= pl.col("first_year"))
        .sort("year")
        .group_by("program_id", "indicator")
        .agg(pl.col("value").last().alias("v0"), pl.col("year").last().alias("y0"))
    )
    end = (
        c.filter(pl.col("year") > pl.col("first_year"))
        .sort("year")
        .group_by("program_id", "indicator")
        .agg(pl.col("value").last().alias("v1"), pl.col("year").last().alias("y1"))
    )
    s = start.join(end, on=["program_id", "indicator"], how="inner").with_columns(
        value=pl.col("v1") - pl.col("v0"),
        usable=pl.col("indicator").is_in(rated),
        note=pl.format(
            "context, not attribution: {} {} in {} -> {} in {}",
            pl.col("indicator"),
            pl.col("v0").round(3),
            pl.col("y0"),
            pl.col("v1").round(3),
            pl.col("y1"),
        ),
    )
    series = s.select(
        "program_id",
        pl.lit("series").alias("dimension"),
        pl.col("indicator").alias("dimension_value"),
        "value",
        pl.col("v0").alias("ref_baseline"),
        pl.lit(2, dtype=pl.Int64).alias("n"),
        "usable",
        "note",
    )
    total = series.filter(pl.col("dimension_value") == headline).with_columns(
        dimension=pl.lit(None, dtype=pl.String),
        dimension_value=pl.lit(None, dtype=pl.String),
    )
    return pl.concat([total, series], how="vertical")


def call(name: str, frames: dict[str, Any]) -> pl.LazyFrame:
    """Call a registered function with the frames and values its parameters name."""
    import inspect

    fn = REGISTRY[name]
    kwargs = {p: frames[p] for p in inspect.signature(fn).parameters}
    return fn(**kwargs)
