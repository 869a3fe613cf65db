"""The floor for the catalogue: one hand-written, fused Polars query of the same aggregates.

It reads only the columns it needs from the warehouse (DuckDB -> Arrow -> Polars), computes
every indicator of the catalogue per program and per disaggregation in as few passes as the
data allow (all participant indicators, at as-of and at the trend date, in one group-by per
dimension; both event outcomes in one pass over the events), and collects everything once
with `pl.collect_all`. It skips what the engine adds after aggregation (settings, targets,
statuses, intervals, notes, storage), so it is a floor, not a competitor.
"""

from __future__ import annotations

import datetime as dt
import os
import time

import duckdb
import polars as pl

TREND_DAYS = 182
TEE = ["training", "education", "exercise"]
DID_KINDS = ["training", "exercise", "education", "equipment", "advisory"]
PERSON_DIMS = ["sex", "age_band", "rank_group", "activity_kind", "country", "provider"]
PROGRAM_DIMS = ["country", "provider"]
SERVING = ["serving_same_unit", "serving_other_unit"]
TERMINAL = ["left_service", "joined_non_state_group", "deceased"]
GRACE = dt.timedelta(days=92)


def _read(con: duckdb.DuckDBPyConnection, sql: str) -> pl.LazyFrame:
    return con.sql(sql).pl().lazy()


def _by(lf: pl.LazyFrame, dims: list[str], aggs: list[pl.Expr]) -> pl.LazyFrame:
    """Per program, then per program and each dimension, in one frame."""
    parts = [lf.group_by("program_id").agg(aggs).with_columns(dimension=pl.lit(None, pl.String))]
    for d in dims:
        parts.append(
            lf.group_by("program_id", pl.col(d).cast(pl.String).fill_null("unknown"))
            .agg(aggs)
            .rename({d: "dimension_value"})
            .with_columns(dimension=pl.lit(d))
        )
    return pl.concat(parts, how="diagonal")


def _distinct_persons(cells: pl.LazyFrame, dims: list[str], masks: list[str]) -> pl.LazyFrame:
    """Distinct persons under each mask per program and dimension value: (cell, person) once."""
    parts = []
    for d in [None, *dims]:
        keys = ["program_id"] if d is None else ["program_id", d]
        lf = (
            cells
            if d is None
            else cells.with_columns(pl.col(d).cast(pl.String).fill_null("unknown"))
        )
        g = (
            lf.group_by(*keys, "person")
            .agg([pl.col(m).any() for m in masks])
            .group_by(keys)
            .agg([pl.col(m).sum().alias(m[2:] + ":persons") for m in masks])
        )
        if d is None:
            g = g.with_columns(dimension=pl.lit(None, pl.String))
        else:
            g = g.rename({d: "dimension_value"}).with_columns(dimension=pl.lit(d))
        parts.append(g)
    return pl.concat(parts, how="diagonal")


def _months(c: pl.Expr, months: int) -> pl.Expr:
    return c.dt.offset_by(f"{months}mo")


def fused_catalogue(con: duckdb.DuckDBPyConnection, as_of: dt.date) -> dict[str, pl.DataFrame]:
    """Every catalogue aggregate per program (and disaggregation), collected once."""
    days = {"now": as_of, "prev": as_of - dt.timedelta(days=TREND_DAYS)}
    prog = _read(
        con,
        "SELECT program_id, provider, partner_country AS program_country, start_date AS program_start,"
        " end_date AS program_end, budget FROM programs",
    )
    acts = _read(
        con,
        "SELECT activity_id, program_id, kind, planned_start, planned_end, actual_start, actual_end,"
        " status, planned_cost, actual_cost, admin1, unit_id AS activity_unit_id, co_designed,"
        " partner_cost_share, trainees_reported FROM activities",
    ).join(prog, on="program_id", how="left")
    units = _read(con, "SELECT unit_id, partner_country AS unit_country FROM units")
    part = (
        _read(
            con,
            "SELECT participant_id, activity_id, unit_id, sex, age, rank_group, completed,"
            " pre_score, post_score, vetted, posted_within_days FROM participants",
        )
        .join(acts, on="activity_id", how="left")
        .join(units, on="unit_id", how="left")
        .with_columns(
            activity_kind=pl.col("kind"),
            country=pl.coalesce("unit_country", "program_country"),
            age_band=pl.when(pl.col("age").is_null())
            .then(pl.lit("unknown"))
            .when(pl.col("age") < 25)
            .then(pl.lit("16-24"))
            .when(pl.col("age") < 35)
            .then(pl.lit("25-34"))
            .when(pl.col("age") < 45)
            .then(pl.lit("35-44"))
            .otherwise(pl.lit("45+")),
        )
    )
    out: dict[str, pl.LazyFrame] = {}

    # 1. The participant indicators, both dates, one group-by per dimension. Distinct persons
    #    per indicator come from one more group-by per dimension on (cell, person), with the
    #    masks OR-ed, instead of one distinct count of string ids per indicator and cell.
    masks: dict[str, pl.Expr] = {}
    values: dict[str, pl.Expr] = {}
    for tag, d in days.items():
        ended = pl.col("actual_end").is_not_null() & (pl.col("actual_end") <= d)
        started = pl.col("actual_start").is_not_null() & (pl.col("actual_start") <= d)
        masks[f"training_completion_rate:{tag}"] = ended & pl.col("kind").is_in(TEE)
        values[f"training_completion_rate:{tag}"] = pl.col("completed")
        masks[f"women_share_participants:{tag}"] = started & pl.col("sex").is_in(["F", "M", "X"])
        values[f"women_share_participants:{tag}"] = pl.col("sex") == "F"
        masks[f"vetting_coverage:{tag}"] = started
        values[f"vetting_coverage:{tag}"] = pl.col("vetted")
        masks[f"absorption_rate:{tag}"] = (
            ended & pl.col("completed") & (pl.col("actual_end") <= d - dt.timedelta(days=30))
        )
        values[f"absorption_rate:{tag}"] = pl.col("posted_within_days").is_not_null() & (
            pl.col("posted_within_days") <= 30
        )
        masks[f"learning_gain:{tag}"] = (
            ended & pl.col("pre_score").is_not_null() & pl.col("post_score").is_not_null()
        )
    cells = part.with_columns(
        person=pl.col("participant_id").rank("dense"),
        **{f"m:{k}": m.fill_null(False) for k, m in masks.items()},
        gain=pl.col("post_score") - pl.col("pre_score"),
    )
    aggs: list[pl.Expr] = []
    for k in masks:
        m = pl.col(f"m:{k}")
        aggs.append(m.sum().alias(f"{k}:n"))
        if k.startswith("learning_gain"):
            aggs += [
                pl.col("gain").filter(m).sum().alias(f"{k}:numerator"),
                pl.col("gain").filter(m).std().alias(f"{k}:sd"),
            ]
        else:
            aggs.append((m & values[k].fill_null(False)).sum().alias(f"{k}:numerator"))
    rows = _by(cells, PERSON_DIMS, aggs)
    persons = _distinct_persons(cells, PERSON_DIMS, [f"m:{k}" for k in masks])
    out["participant_indicators"] = rows.join(
        persons, on=["program_id", "dimension", "dimension_value"], nulls_equal=True
    )

    # 2. Persons trained (first completion per person and program), at both dates.
    for tag, d in days.items():
        done = (
            part.filter(pl.col("completed") & (pl.col("actual_end") <= d))
            .sort("participant_id", "program_id", "actual_end", "activity_id")
            .unique(["participant_id", "program_id"], keep="first", maintain_order=True)
        )
        out[f"personnel_trained:{tag}"] = _by(
            done,
            ["sex", "rank_group", "activity_kind", "country", "provider"],
            [pl.len().alias("n")],
        )
    with_rows = part.select("activity_id").unique().with_columns(has_rows=pl.lit(True))
    out["personnel_reported"] = (
        acts.join(with_rows, on="activity_id", how="left")
        .filter(pl.col("has_rows").is_null() & (pl.col("actual_end") <= as_of))
        .group_by("program_id")
        .agg(pl.col("trainees_reported").sum())
    )

    # 3. Follow-up outcomes of completers: retention 12 and 24 months, defection, cost.
    comp = (
        part.filter(pl.col("completed") & (pl.col("actual_end") <= as_of))
        .sort("participant_id", "program_id", "actual_end", "activity_id")
        .unique(["participant_id", "program_id"], keep="first", maintain_order=True)
        .select(
            "participant_id",
            "program_id",
            "activity_id",
            *PERSON_DIMS,
            pl.col("actual_end").alias("completion"),
            pl.coalesce("unit_id", "activity_unit_id").alias("trained_unit"),
        )
    )
    fu = _read(con, "SELECT participant_id, check_date, status FROM followups")
    seen = comp.join(fu, on="participant_id", how="inner").filter(
        (pl.col("check_date") > pl.col("completion"))
        & (pl.col("check_date") <= as_of)
        & (pl.col("status") != "unknown")
    )
    for months in (12, 24):
        end = _months(pl.col("completion"), months)
        horizon = pl.min_horizontal(end + GRACE, pl.lit(as_of))
        last = (
            seen.filter(pl.col("check_date") <= horizon)
            .sort("check_date")
            .group_by("participant_id", "program_id")
            .agg(
                pl.col("status").last().alias("last"),
                pl.col("check_date").last().alias("last_check"),
                (pl.col("status") == "joined_non_state_group").any().alias("defected"),
            )
        )
        o = (
            comp.filter(end <= as_of)
            .join(last, on=["participant_id", "program_id"], how="left")
            .with_columns(
                known=pl.col("last").is_not_null()
                & (pl.col("last").is_in(TERMINAL) | (pl.col("last_check") >= end - GRACE))
            )
        )
        counted = pl.col("known") & (pl.col("last") != "deceased")
        out[f"followups_{months}m"] = _by(
            o,
            PERSON_DIMS,
            [
                pl.len().alias("eligible"),
                pl.col("known").sum().alias("ascertained"),
                counted.sum().alias("counted"),
                (pl.col("known") & pl.col("last").is_in(SERVING)).sum().alias("kept"),
                pl.col("last").is_not_null().sum().alias("seen"),
                (pl.col("defected").fill_null(False) & pl.col("last").is_not_null())
                .sum()
                .alias("defected"),
            ],
        )
        if months == 12:
            trained_acts = o.select("program_id", "activity_id").unique()
            out["cost_per_retained_cost"] = (
                acts.join(trained_acts, on=["program_id", "activity_id"], how="inner")
                .group_by("program_id")
                .agg(pl.coalesce("actual_cost", "planned_cost").sum().alias("cost"))
            )

    # 4. Events: both difference-in-differences outcomes in one pass; protester violence.
    delivered = acts.filter(pl.col("kind").is_in(DID_KINDS) & (pl.col("actual_end") <= as_of))
    t0 = delivered.group_by("program_id").agg(
        pl.col("actual_end").min().alias("t0"), pl.col("program_country").first().alias("pc")
    )
    treated = (
        delivered.filter(pl.col("admin1").is_not_null())
        .select("program_id", "admin1")
        .unique()
        .with_columns(treated=pl.lit(True))
    )
    ev = _read(
        con,
        "SELECT country, admin1, event_date, event_type, fatalities, actor_unit_id,"
        f" civilian_targeting FROM events WHERE event_date <= DATE '{as_of}'",
    )
    harm = pl.col("civilian_targeting") | (pl.col("event_type") == "violence_against_civilians")
    conflict = pl.col("event_type").is_in(["battle", "explosion", "violence_against_civilians"])
    before = (pl.col("event_date") >= _months(pl.col("t0"), -24)) & (
        pl.col("event_date") < pl.col("t0")
    )
    after = (pl.col("event_date") >= pl.col("t0")) & (
        pl.col("event_date") < _months(pl.col("t0"), 24)
    )
    # Events are reduced to counts per area and day first: the program join then touches at
    # most areas x days rows, however many events there are.
    per_day = (
        ev.filter(pl.col("admin1").is_not_null())
        .group_by("country", "admin1", "event_date")
        .agg(harm.sum().alias("harm"), conflict.sum().alias("conflict"))
    )
    areas = (
        t0.join(per_day, left_on="pc", right_on="country")
        .group_by("program_id", "admin1")
        .agg(
            (
                pl.col("harm").filter(after).sum().cast(pl.Int64)
                - pl.col("harm").filter(before).sum()
            ).alias("harm_change"),
            (
                pl.col("conflict").filter(after).sum().cast(pl.Int64)
                - pl.col("conflict").filter(before).sum()
            ).alias("conflict_change"),
        )
        .join(treated, on=["program_id", "admin1"], how="full", coalesce=True)
        .with_columns(
            pl.col("treated").fill_null(False),
            pl.col("harm_change").fill_null(0) * 0.5,
            pl.col("conflict_change").fill_null(0) * 0.5,
        )
        .join(t0, on="program_id")
        .filter(_months(pl.col("t0"), 24) <= as_of)
    )
    out["area_did"] = areas.group_by("program_id").agg(
        *[
            getattr(pl.col(f"{o}_change").filter(pl.col("treated") == t), a)().alias(f"{o}_{a}_{t}")
            for o in ("harm", "conflict")
            for t in (True, False)
            for a in ("mean", "var")
        ],
        pl.col("treated").sum().alias("nt"),
        (~pl.col("treated")).sum().alias("nc"),
    )
    units_trained = (
        comp.filter(pl.col("trained_unit").is_not_null())
        .group_by("program_id", "trained_unit")
        .agg(
            pl.col("completion").min().alias("t0"),
            pl.col("participant_id").n_unique().alias("trained"),
            pl.col("country").first(),
            pl.col("provider").first(),
        )
        .rename({"trained_unit": "unit_id"})
    )
    violent = pl.col("event_type").is_in(["protest", "riot"]) & (
        pl.col("civilian_targeting") | (pl.col("fatalities") > 0)
    )
    out["protester_violence"] = _by(
        units_trained.join(
            ev.filter(violent).select(
                pl.col("actor_unit_id").alias("unit_id"), "event_date", "fatalities"
            ),
            on="unit_id",
            how="left",
        )
        .group_by("program_id", "unit_id")
        .agg(
            pl.col("country").first(),
            pl.col("provider").first(),
            (pl.col("event_date") > pl.col("t0")).sum().alias("events"),
        ),
        PROGRAM_DIMS,
        [pl.col("events").sum(), pl.len().alias("units")],
    )
    inc = _read(
        con,
        "SELECT unit_id, date FROM incidents WHERE credibility IN ('credible', 'confirmed')",
    )
    out["hr_incidents"] = _by(
        units_trained.join(inc, on="unit_id", how="left")
        .group_by("program_id", "unit_id")
        .agg(
            pl.col("country").first(),
            pl.col("provider").first(),
            pl.col("trained").first(),
            ((pl.col("date") > pl.col("t0")) & (pl.col("date") <= _months(pl.col("t0"), 24)))
            .sum()
            .alias("after"),
            ((pl.col("date") <= pl.col("t0")) & (pl.col("date") > _months(pl.col("t0"), -24)))
            .sum()
            .alias("before"),
        ),
        PROGRAM_DIMS,
        [pl.col("after").sum(), pl.col("before").sum(), pl.col("trained").sum()],
    )

    # 5. Activities: delivery, ownership, cost share, slippage, budget, at both dates.
    a = acts.with_columns(country=pl.col("program_country"), activity_kind=pl.col("kind"))
    act_aggs: list[pl.Expr] = []
    for tag, d in days.items():
        live = pl.col("status") != "cancelled"
        delivered_d = pl.col("actual_end").is_not_null() & (pl.col("actual_end") <= d)
        due = pl.col("planned_end") <= d
        slip = (
            pl.when(delivered_d)
            .then((pl.col("actual_end") - pl.col("planned_end")).dt.total_days())
            .otherwise((pl.lit(d) - pl.col("planned_end")).dt.total_days())
        )
        span = (pl.col("actual_end") - pl.col("actual_start")).dt.total_days()
        frac = (
            pl.when(pl.col("actual_end").is_null() | (pl.col("actual_end") <= d))
            .then(1.0)
            .when(span > 0)
            .then(((pl.lit(d) - pl.col("actual_start")).dt.total_days() / span).clip(0.0, 1.0))
            .otherwise(1.0)
        )
        act_aggs += [
            due.sum().alias(f"delivery:{tag}:n"),
            (due & delivered_d).sum().alias(f"delivery:{tag}:numerator"),
            (live & (pl.col("planned_start") <= d)).sum().alias(f"co_designed:{tag}:n"),
            (live & pl.col("co_designed") & (pl.col("planned_start") <= d))
            .sum()
            .alias(f"co_designed:{tag}:numerator"),
            (pl.col("partner_cost_share") * pl.col("planned_cost"))
            .filter(live & (pl.col("planned_start") <= d))
            .sum()
            .alias(f"partner_cost_share:{tag}:numerator"),
            pl.col("planned_cost")
            .filter(live & (pl.col("planned_start") <= d))
            .sum()
            .alias(f"partner_cost_share:{tag}:denominator"),
            slip.filter(live & (delivered_d | due)).median().alias(f"slippage:{tag}:median"),
            (pl.col("actual_cost").fill_null(0.0) * frac)
            .filter(pl.col("actual_start") <= d)
            .sum()
            .alias(f"budget:{tag}:spent"),
        ]
    x = (pl.col("planned_start") - pl.col("program_start")).dt.total_days() / 365.25
    w = pl.when(pl.col("planned_cost") > 0).then(pl.col("planned_cost")).otherwise(1.0)
    trend = (pl.col("status") != "cancelled") & (pl.col("planned_start") <= as_of)
    act_aggs += [
        (w * x).filter(trend).sum().alias("trend_sx"),
        (w * pl.col("partner_cost_share")).filter(trend).sum().alias("trend_sy"),
        (w * x * x).filter(trend).sum().alias("trend_sxx"),
        (w * x * pl.col("partner_cost_share")).filter(trend).sum().alias("trend_sxy"),
        w.filter(trend).sum().alias("trend_sw"),
    ]
    out["activities"] = _by(a, ["activity_kind", *PROGRAM_DIMS], act_aggs)

    # 6. Dialogues, equipment and end-use checks, reported results, context.
    dlg = _read(con, "SELECT * FROM dialogues").join(prog, on="program_id", how="left")
    dlg_aggs: list[pl.Expr] = []
    for tag, d in days.items():
        m = pl.col("date") <= d
        recent = m & (pl.col("date") > d - dt.timedelta(days=1095))
        dlg_aggs += [
            m.sum().alias(f"dialogues:{tag}:n"),
            (m & pl.col("civil_society_present")).sum().alias(f"civil_society:{tag}:numerator"),
            recent.sum().alias(f"seniority:{tag}:n"),
            (recent & pl.col("level").is_in(["ministerial", "chiefs_of_defence"]))
            .sum()
            .alias(f"seniority:{tag}:numerator"),
            pl.col("participants_women").filter(m).sum().alias(f"women:{tag}:numerator"),
            pl.col("participants_youth").filter(m).sum().alias(f"youth:{tag}:numerator"),
            pl.col("participants_total").filter(m).sum().alias(f"dialogue:{tag}:denominator"),
            (m & (pl.col("date") > d - dt.timedelta(days=365))).sum().alias(f"frequency:{tag}"),
        ]
    out["dialogues"] = _by(dlg.rename({"program_country": "country"}), PROGRAM_DIMS, dlg_aggs)
    eq = _read(con, "SELECT * FROM equipment").join(prog, on="program_id", how="left")
    checks = _read(con, "SELECT * FROM end_use_checks").filter(pl.col("check_date") <= as_of)
    latest = checks.sort("transfer_id", "check_date", "check_id").group_by("transfer_id").last()
    checked_ids = checks.select("transfer_id").unique().with_columns(checked=pl.lit(True))
    eq_rows = (
        eq.filter(pl.col("delivered_date") <= as_of)
        .join(checked_ids, on="transfer_id", how="left")
        .join(latest, on="transfer_id", how="left")
        .rename({"program_country": "country"})
    )
    ok = (
        pl.col("lethal") & pl.col("finding").is_not_null() & (pl.col("finding") != "not_accessible")
    )
    out["equipment"] = _by(
        eq_rows,
        PROGRAM_DIMS,
        [
            pl.len().alias("delivered"),
            pl.col("checked").fill_null(False).sum().alias("checked"),
            pl.col("quantity_missing").filter(ok).sum().alias("missing"),
            (pl.col("quantity_verified") + pl.col("quantity_missing"))
            .filter(ok)
            .sum()
            .alias("items"),
        ],
    )
    obs = (
        _read(con, "SELECT * FROM indicator_observations")
        .filter(pl.col("dimension").is_null() & (pl.col("period_end") <= as_of))
        .join(prog, on="program_id", how="left")
        .select("program_id", "provider", "baseline", "target", "actual", country="program_country")
    )
    met = (
        (pl.col("target") >= pl.coalesce("baseline", "target"))
        & (pl.col("actual") >= pl.col("target"))
    ) | (
        (pl.col("target") < pl.coalesce("baseline", "target"))
        & (pl.col("actual") <= pl.col("target"))
    )
    reported = pl.col("target").is_not_null() & pl.col("actual").is_not_null()
    moved = reported & pl.col("baseline").is_not_null() & (pl.col("target") != pl.col("baseline"))
    out["observations"] = _by(
        obs,
        PROGRAM_DIMS,
        [
            reported.sum().alias("reported"),
            (reported & met).sum().alias("met"),
            ((pl.col("actual") - pl.col("baseline")) / (pl.col("target") - pl.col("baseline")))
            .filter(moved)
            .mean()
            .alias("progress"),
        ],
    )
    ctx = _read(con, "SELECT * FROM context").join(
        prog, left_on="country", right_on="program_country", how="inner"
    )
    last_year = pl.min_horizontal(pl.col("program_end").dt.year(), pl.lit(as_of.year - 1))
    ctx = ctx.filter(pl.col("year") <= last_year).sort("year")
    first = pl.col("year") <= pl.col("program_start").dt.year()
    out["context"] = ctx.group_by("program_id", "indicator").agg(
        pl.col("value").filter(first).last().alias("v0"),
        pl.col("value").filter(~first).last().alias("v1"),
    )
    names = list(out)
    if os.environ.get("SCEVAL_FUSED_TIMINGS"):  # one part at a time, to see what costs
        for k in names:
            t = time.perf_counter()
            out[k].collect()
            print(f"{time.perf_counter() - t:7.2f} {k}")
    return dict(zip(names, pl.collect_all([out[k] for k in names]), strict=True))


def disagreements(floor: dict[str, pl.DataFrame], engine: pl.DataFrame) -> list[str]:
    """Program totals where the floor and the engine differ (they must compute the same).

    Three indicators changed their method after this floor was written (issue 16), so their
    totals are not compared, while the floor still does comparable work for them: learning
    gain is now a mean over persons (`floor.py` checks it), defection counts only completers
    whose status is known, and the area DiD is Gardner's two-stage estimator on area-year
    panels (the floor computes the panels' means, not the fit; `tests/indicators` check it).
    """
    tot = engine.filter(pl.col("dimension").is_null() & ~pl.col("suppressed"))
    pi = floor["participant_indicators"].filter(pl.col("dimension").is_null())
    f12 = floor["followups_12m"].filter(pl.col("dimension").is_null())
    f24 = floor["followups_24m"].filter(pl.col("dimension").is_null())
    acts = floor["activities"].filter(pl.col("dimension").is_null())
    pairs = {
        **{
            ind: pi.select("program_id", pl.col(f"{ind}:now:numerator").alias("num"))
            for ind in (
                "training_completion_rate",
                "women_share_participants",
                "vetting_coverage",
                "absorption_rate",
            )
        },
        "retention_12m": f12.select("program_id", pl.col("kept").alias("num")),
        "retention_24m": f24.select("program_id", pl.col("kept").alias("num")),
        "activity_delivery_rate": acts.select(
            "program_id", pl.col("delivery:now:numerator").alias("num")
        ),
    }
    out = []
    for ind, mine in pairs.items():
        theirs = tot.filter(pl.col("indicator_id") == ind).select("program_id", "numerator")
        j = theirs.join(mine, on="program_id", how="inner").filter(
            (pl.col("numerator") - pl.col("num").cast(pl.Float64)).abs() > 1e-6
        )
        if theirs.height == 0:
            out.append(f"{ind}: no engine rows")
        out += [f"{ind} {r['program_id']}: {r['numerator']} vs {r['num']}" for r in j.to_dicts()]
    return out
