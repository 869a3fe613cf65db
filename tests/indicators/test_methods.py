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
