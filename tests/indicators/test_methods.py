"""The methods of issue 22, each against numbers worked out by hand: declared directions,
defection "ever found", budget execution, the projection interval, the area DiD."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from sceval.indicators import functions

D = dt.date.fromisoformat
AS_OF = D("2026-06-30")


def _observations(rows: list[tuple]) -> pl.LazyFrame:
    """indicator_observations as the engine's functions see them (enriched: as_of, dims)."""
    return pl.LazyFrame(
        [
            {"program_id": "MD", "indicator_id": i, "period_end": D(end), "baseline": b,
             "target": t, "actual": a, "dimension": None, "ascending": asc, "as_of": AS_OF,
             "country": "XXX", "provider": "NATO"}
            for i, end, b, t, a, asc in rows
        ],
        schema={"program_id": pl.String, "indicator_id": pl.String, "period_end": pl.Date,
                "baseline": pl.Float64, "target": pl.Float64, "actual": pl.Float64,
                "dimension": pl.String, "ascending": pl.Boolean, "as_of": pl.Date,
                "country": pl.String, "provider": pl.String},
    )  # fmt: skip


# The Mediterranean Dialogue's reported meetings: baseline 12, target 10, actuals falling.
MEETINGS = [12, 12, 11, 10, 10, 9, 8, 8, 7, 7, 6, 6, 5, 5, 4, 4, 3, 3, 3, 2, 2, 2]


def _meetings(ascending: bool | None) -> list[tuple]:
    return [
        ("meetings_held", f"{2004 + k}-12-31", 12.0, 10.0, float(a), ascending)
        for k, a in enumerate(MEETINGS)
    ]


def _run(rows: list[tuple], measure: str, directions: dict) -> dict:
    lf = functions.reported_targets(
        _observations(rows), directions, AS_OF, {"measure": measure, "_dims": ()}
    )
    return lf.collect().row(0, named=True)


def test_targets_met_follow_the_declared_direction():
    # Declared higher (more meetings are better): met when actual >= 10: 12, 12, 11, 10, 10.
    r = _run(_meetings(None), "met", {"meetings_held": "higher"})
    assert (r["numerator"], r["denominator"], r["n"]) == (5, 22, 22)
    assert r["value"] == pytest.approx(5 / 22)
    # The old inference (target < baseline, so lower is better) counted 19 of 22 as met:
    # 10, 10, 9, ..., 2 are all <= 10. Declared lower gives exactly that, and only then.
    low = _run(_meetings(None), "met", {"meetings_held": "lower"})
    assert low["numerator"] == 19
    # The row's own `ascending` (IATI) comes before the evaluator's declaration.
    assert _run(_meetings(True), "met", {"meetings_held": "lower"})["numerator"] == 5


def test_undeclared_direction_is_not_counted():
    rows = _meetings(None) + [("other", "2010-12-31", 0.0, 5.0, 6.0, None)]
    r = _run(rows, "met", {"meetings_held": "higher"})
    assert (r["numerator"], r["denominator"]) == (5, 22)
    assert r["note"] == "1 observation(s) without a declared direction not counted"


def test_progress_is_capped_and_a_floor_target_is_not_progress():
    rows = [
        ("trained", "2020-12-31", 0.0, 100.0, 150.0, True),  # 1.5 -> capped 1, over-achieved
        ("trained", "2021-12-31", 0.0, 100.0, 60.0, True),  # 0.6
        ("incidents", "2021-12-31", 10.0, 5.0, 8.0, False),  # (8-10)/(5-10) = 0.4
    ]
    r = _run(rows + _meetings(True), "progress", {})
    # Meetings: higher is better but the target (10) is below the baseline (12): a floor to
    # hold, not progress (the old code gave (2-12)/(10-12) = 5 for the collapse to 2).
    assert r["n"] == 3
    assert r["value"] == pytest.approx((1.0 + 0.6 + 0.4) / 3)
    assert "1 of 3 over-achieved (uncapped mean 0.833)" in r["note"]
    assert "22 with a target on the worse side of the baseline" in r["note"]


# --- difference-in-differences on a hand-made multi-country program ---------------------
#
# Program PX works in AAA (its partner country) and BBB (through unit UB, based there).
# Conflict events per area and year (one dated row per area-year):
#   AAA 2012..2016: A1, A2 trained from 2015 (first training ends 2015-03-01 / 2015-09-01);
#                   A3, A4, A5 the other areas (A5 had only an advisory visit: not treated).
#   BBB 2013..2017: B1, B2 trained from 2016; B3, B4 the other areas.
AAA = {"A1": [3, 4, 3, 9, 8], "A2": [5, 4, 6, 7, 9], "A3": [2, 3, 2, 3, 4],
       "A4": [6, 5, 7, 6, 7], "A5": [1, 2, 1, 2, 1]}  # fmt: skip
BBB = {"B1": [4, 5, 4, 6, 8], "B2": [2, 1, 3, 3, 2], "B3": [3, 3, 4, 4, 3],
       "B4": [5, 6, 5, 5, 7]}  # fmt: skip
DID_AS_OF = D("2018-06-30")  # last full year 2017
DID_PARAMS = {"outcome": "conflict", "activity_kinds": ["training", "exercise"], "pre_years": 3,
              "post_years": 2, "min_pre_years": 3, "pretrend_alpha": 0.05}  # fmt: skip


def _did_world(aaa: dict = AAA, bbb: dict = BBB) -> tuple[pl.LazyFrame, dict]:
    acts = [
        ("PX", "training", "A1", "2015-03-01", None), ("PX", "training", "A1", "2016-05-01", None),
        ("PX", "training", "A2", "2015-09-01", None), ("PX", "advisory", "A5", "2014-01-01", None),
        ("PX", "training", "B1", "2016-02-01", "UB"), ("PX", "exercise", "B2", "2016-07-01", "UB"),
        # Planned, not delivered by the as-of date: not a start.
        ("PX", "training", "A3", "2019-01-01", None),
        # Another program in CCC, whose area names repeat AAA's.
        ("PY", "training", "A1", "2015-01-01", None),
    ]  # fmt: skip
    country = {"PX": "AAA", "PY": "CCC"}
    activities = pl.LazyFrame(
        [{"program_id": p, "kind": k, "admin1": a, "actual_end": D(e), "unit_id": u,
          "program_country": country[p], "as_of": DID_AS_OF} for p, k, a, e, u in acts],
        schema={"program_id": pl.String, "kind": pl.String, "admin1": pl.String,
                "actual_end": pl.Date, "unit_id": pl.String, "program_country": pl.String,
                "as_of": pl.Date},
    )  # fmt: skip
    rows = []
    for c, d, y0 in (("AAA", aaa, 2012), ("BBB", bbb, 2013)):
        for area, counts in d.items():
            rows += [(c, area, f"{y0 + k}-06-15", n) for k, n in enumerate(counts)]
    rows += [
        ("AAA", "A1", "2017-06-15", 50),  # after A1's two post years and AAA's panel: out
        ("AAA", "A3", "2010-01-10", 1),  # AAA's first event; before the panel
        ("BBB", "B3", "2010-01-10", 1),
        ("BBB", "B1", "2018-09-01", 99),  # after the as-of date
        ("CCC", "A1", "2015-06-15", 100),  # the other country's "A1": never AAA's
        ("CCC", "C2", "2015-06-15", 1),
    ]
    days = pl.DataFrame(
        [{"country": c, "admin1": a, "event_date": D(d), "events": n, "civilian_harm": 0,
          "conflict": n} for c, a, d, n in rows],
        schema={"country": pl.String, "admin1": pl.String, "event_date": pl.Date,
                "events": pl.Int64, "civilian_harm": pl.Int64, "conflict": pl.Int64},
    )  # fmt: skip
    tables = {
        "units": pl.LazyFrame({"unit_id": ["UB"], "partner_country": ["BBB"]}),
        "event_area_days": days.lazy(),
        "event_countries": days.group_by("country")
        .agg(pl.col("event_date").min().alias("first_event"))
        .lazy(),
    }
    return activities, tables


def _two_group_did(d: dict, treated: list[str], n_pre: int) -> float:
    """The simple two-group DiD: (treated after - before) - (comparison after - before)."""
    t = [v for a in treated for v in d[a][:n_pre]], [v for a in treated for v in d[a][n_pre:]]
    others = [a for a in d if a not in treated]
    c = [v for a in others for v in d[a][:n_pre]], [v for a in others for v in d[a][n_pre:]]
    mean = lambda xs: sum(xs) / len(xs)  # noqa: E731
    return (mean(t[1]) - mean(t[0])) - (mean(c[1]) - mean(c[0]))


def test_did_treated_and_comparison_sets_per_country():
    acts, tables = _did_world()
    starts = functions.area_start_years(acts, tables["units"], ("training", "exercise")).collect()
    px = starts.filter(pl.col("program_id") == "PX").sort("country", "admin1")
    # Each treated area with its own start, in its own country; A5 (advisory) and A3
    # (not yet delivered) are not treated.
    assert px.select("country", "admin1", pl.col("start").dt.year()).rows() == [
        ("AAA", "A1", 2015), ("AAA", "A2", 2015), ("BBB", "B1", 2016), ("BBB", "B2", 2016),
    ]  # fmt: skip
    days = tables["event_area_days"].collect()
    first = dict(tables["event_countries"].collect().iter_rows())
    panel = functions.did_panel(
        px, days, first, DID_AS_OF, outcome="conflict", pre_years=3, post_years=2
    )
    comparison = panel.filter(pl.col("g").is_null()).select("country", "admin1").unique()
    assert sorted(comparison.rows()) == [
        ("AAA", "A3"), ("AAA", "A4"), ("AAA", "A5"), ("BBB", "B3"), ("BBB", "B4"),
    ]  # fmt: skip
    # Years: AAA 2012 (2015 - 3) .. 2016 (2015 + 2 - 1); BBB 2013 .. 2017; CCC never.
    years = panel.group_by("country").agg(pl.col("year").min().alias("a"), pl.col("year").max())
    assert sorted(years.rows()) == [("AAA", 2012, 2016), ("BBB", 2013, 2017)]
    # Treated area-years: A1, A2 in 2015-16 and B1, B2 in 2016-17; the 50 events of A1 in
    # 2017 and CCC's "A1" are not in the panel.
    treated = panel.filter(pl.col("treat") == 1).sort("country", "admin1", "year")
    assert treated.select("admin1", "year", "y").rows() == [
        ("A1", 2015, 9.0), ("A1", 2016, 8.0), ("A2", 2015, 7.0), ("A2", 2016, 9.0),
        ("B1", 2016, 6.0), ("B1", 2017, 8.0), ("B2", 2016, 3.0), ("B2", 2017, 2.0),
    ]  # fmt: skip


def test_did_estimate_of_a_multi_country_program():
    acts, tables = _did_world()
    params = {**DID_PARAMS, "_dims": ("country",)}
    out = functions.area_did(acts, tables, DID_AS_OF, params).collect()
    px = out.filter(pl.col("program_id") == "PX")
    total = px.filter(pl.col("dimension").is_null()).row(0, named=True)
    # With one start year per country and every area observed every year, Gardner's imputation
    # estimate with area and country-by-year effects is each country's two-group DiD,
    # weighted by its treated area-years (4 and 4):
    # AAA: treated (25/6 -> 33/4) minus comparison (29/9 -> 23/6) = 4.0833 - 0.6111 = 3.4722
    # BBB: treated (19/6 -> 19/4) minus comparison (26/6 -> 19/4) = 1.5833 - 0.4167 = 1.1667
    aaa = _two_group_did(AAA, ["A1", "A2"], 3)
    bbb = _two_group_did(BBB, ["B1", "B2"], 3)
    assert aaa == pytest.approx(125 / 36) and bbb == pytest.approx(7 / 6)
    assert total["value"] == pytest.approx((4 * aaa + 4 * bbb) / 8)  # 2.3194
    assert total["value"] == pytest.approx(167 / 72)
    # Observed after the start: (9+8+7+9+6+8+3+2)/8 = 6.5; imputed = observed - ATT.
    assert total["numerator"] == pytest.approx(6.5)
    assert total["denominator"] == pytest.approx(6.5 - 167 / 72)
    assert total["n"] == 9  # 4 treated + 5 comparison areas
    assert total["ci_low"] < total["value"] < total["ci_high"]
    assert total["usable"] is True
    assert "4 areas with trained units" in total["note"]
    assert "5 other areas of the same countries (AAA, BBB)" in total["note"]
    assert "pre-trend test p = " in total["note"]
    # Per country: each country on its own.
    by = {
        r["dimension_value"]: r
        for r in px.filter(pl.col("dimension") == "country").iter_rows(named=True)
    }
    assert by["AAA"]["value"] == pytest.approx(aaa) and by["BBB"]["value"] == pytest.approx(bbb)
    # Event-study leads -3 and -2 (year -1 the reference), not judged.
    leads = px.filter(pl.col("dimension") == "event_time")
    assert sorted(leads["dimension_value"].to_list()) == ["-2", "-3"]
    assert not leads["usable"].any()
    # PY has one treated area and no comparison area in CCC: no estimate.
    py = out.filter((pl.col("program_id") == "PY") & pl.col("dimension").is_null()).row(
        0, named=True
    )
    assert py["usable"] is False and py["value"] is None


def test_did_failed_pre_trends_are_never_green():
    # Treated areas rising steeply before their start while the others stay flat.
    aaa = {"A1": [1, 5, 9, 13, 17], "A2": [2, 6, 11, 14, 18], "A3": [4, 4, 5, 4, 4],
           "A4": [6, 6, 6, 7, 6], "A5": [3, 2, 3, 3, 2]}  # fmt: skip
    bbb = {"B1": [1, 6, 9, 13, 17], "B2": [2, 5, 10, 14, 18], "B3": [3, 3, 4, 4, 3],
           "B4": [5, 6, 5, 5, 6]}  # fmt: skip
    acts, tables = _did_world(aaa=aaa, bbb=bbb)
    out = functions.area_did(acts, tables, DID_AS_OF, {**DID_PARAMS, "_dims": ()}).collect()
    total = out.filter((pl.col("program_id") == "PX") & pl.col("dimension").is_null()).row(
        0, named=True
    )
    assert total["force_status"] == "inconclusive"
    assert "parallel trends not supported" in total["note"]
    # Too short a pre-period: 6 years asked, but AAA's events start in 2010, 5 years before
    # A1's start in 2015 (earlier years are missing, not zero): no status at all.
    short = {**DID_PARAMS, "pre_years": 6, "min_pre_years": 6, "_dims": ()}
    acts, tables = _did_world()
    out = functions.area_did(acts, tables, DID_AS_OF, short).collect()
    total = out.filter((pl.col("program_id") == "PX") & pl.col("dimension").is_null()).row(
        0, named=True
    )
    assert total["usable"] is False
    assert "parallel trends not supported: pre-period too short" in total["note"]


# --- budget execution --------------------------------------------------------------------


def _budget(budget: float) -> dict:
    acts = pl.LazyFrame(
        {
            "program_id": ["P", "P", "P"],
            "actual_start": [D("2024-01-01"), D("2024-01-01"), None],
            "actual_end": [D("2024-03-01"), None, None],
            "planned_end": [D("2024-03-01"), D("2024-12-31"), D("2025-06-30")],
            "actual_cost": [50.0, 40.0, None],
            "as_of": [D("2024-07-01")] * 3,
            "program_budget": [budget] * 3,
            "country": ["IRQ"] * 3,
            "provider": ["NATO"] * 3,
        }
    )
    params = {"ceiling_amber": 1.0, "ceiling_red": 1.1, "_dims": ()}
    return functions.budget_execution(acts, D("2024-07-01"), params).collect().row(0, named=True)


def test_budget_running_activity_counts_pro_rata():
    # Ended: 50 in full. Running (no actual end): 40 x 182 days elapsed of its 365-day span
    # to the planned end = 19.945. Not started: nothing. Of 100: 0.69945.
    r = _budget(100.0)
    assert r["numerator"] == pytest.approx(50 + 40 * 182 / 365)
    assert r["value"] == pytest.approx((50 + 40 * 182 / 365) / 100)
    assert r["force_status"] is None
    assert r["note"] == "1 running activities counted pro rata"


def test_budget_overspending_is_its_own_status():
    spent = 50 + 40 * 182 / 365  # 69.945
    amber = _budget(68.0)  # 1.029 of the budget: above the amber ceiling 1.0
    assert amber["value"] == pytest.approx(spent / 68) and amber["force_status"] == "amber"
    assert "overspent: 1.029 of the budget, above the amber ceiling 1.0" in amber["note"]
    red = _budget(60.0)  # 1.166: above the red ceiling 1.1
    assert red["force_status"] == "red" and "above the red ceiling 1.1" in red["note"]
