"""Engine functions on events and comparison areas: human-rights incidents per 1,000 trained,
the area difference-in-differences (Gardner's two-stage DiD, `sceval.indicators.did`), violence against
protesters, and the change in context indicators.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import polars as pl

from sceval.indicators import panels
from sceval.indicators.cohorts import trained_units
from sceval.indicators.registry import (
    PROGRAM_DIMS,
    _months_after,
    _poisson_bounds,
    indicator_function,
    rollup,
)

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


_NO_DAYS = pl.DataFrame(
    schema={"admin1": pl.String, "event_date": pl.Date, "civilian_harm": pl.Int64,
            "conflict": pl.Int64, "events": pl.Int64, "country": pl.String}
)  # fmt: skip


def did_panel(
    starts: pl.DataFrame,
    area_days: pl.DataFrame | dict[str, pl.DataFrame],
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
    year before the as-of date. Area-years without events count 0. `area_days` may be given
    split by country.
    """
    if isinstance(area_days, dict):
        area_days = pl.concat(list(area_days.values())) if area_days else _NO_DAYS
    panel = panels.program_panel(
        start_years(starts),
        panels.country_events(area_days, as_of, outcome),
        first_event,
        as_of,
        pre_years=pre_years,
        post_years=post_years,
    )
    return panel.to_frame()


def start_years(starts: pl.DataFrame) -> dict[str, dict[str, int]]:
    """{country: {admin1: year of the first delivery}} of one program's `starts`."""
    out: dict[str, dict[str, int]] = {}
    for country, admin1, start in starts.select("country", "admin1", "start").iter_rows():
        out.setdefault(country, {})[admin1] = start.year
    return out


def did_estimate(panel: pl.DataFrame, *, pre_years: int, min_pre_years: int) -> dict[str, Any]:
    """Gardner's two-stage DiD (pyfixest's `did2s` estimator, in numpy: `sceval.indicators.did`) with
    area and country-by-year fixed effects, clustered by area, and the pre-trend test on
    untreated area-years.

    Returns the ATT with its 95% interval, the observed and imputed means of treated area-years
    after their start, the pre-period (lead) coefficients and the joint test of the leads.
    """
    return panels.estimate(
        panels.Panel.from_frame(panel), pre_years=pre_years, min_pre_years=min_pre_years
    )


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
    activities: pl.LazyFrame,
    tables: dict[str, pl.LazyFrame],
    as_of: dt.date,
    params: dict,
    cache: dict | None = None,
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
    # Events counted per area and year once per country, each program's panel in numpy:
    # Polars frames per program cost 17 ms each (2,000 programs at 1e7 participants).
    events = panels.country_events(area_days, as_of, outcome)
    program_starts = {
        prog: start_years(grp)
        for (prog,), grp in starts.partition_by("program_id", as_dict=True).items()
    }
    # Both outcomes have the same panels (areas, years, starts): the fits' decompositions made
    # for one are kept for the other (`cache` is shared by the catalogue's queries of a run).
    memos = ({} if cache is None else cache).setdefault(
        ("area_did", as_of, kinds, pre_years, post_years), {}
    )
    for prog in progs:
        mine = program_starts.get(prog)
        if not mine:
            note = f"no area where the program delivered {', '.join(kinds)} by the as-of date"
            rows.append({"program_id": prog, "usable": False, "note": note, "n": 0})
            continue
        panel = panels.program_panel(
            mine, events, first_event, as_of, pre_years=pre_years, post_years=post_years
        )
        r = panels.estimate(
            panel,
            pre_years=pre_years,
            min_pre_years=min_pre,
            memo=memos.setdefault((prog, None), {}),
        )
        rows.append(_did_row(prog, None, None, r, alpha))
        for k, c, lo, hi in r["leads"]:
            rows.append(
                {"program_id": prog, "dimension": "event_time", "dimension_value": str(k),
                 "value": c, "ci_low": lo, "ci_high": hi, "stat": "did", "usable": False,
                 "note": "event-study pre-period coefficient (year -1 = 0); not judged"}
            )  # fmt: skip
        if by_country:
            for country in sorted(mine):
                one = panel.take(panel.country == country)
                rc = panels.estimate(
                    one,
                    pre_years=pre_years,
                    min_pre_years=min_pre,
                    memo=memos.setdefault((prog, country), {}),
                )
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
