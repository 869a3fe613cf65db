"""Reporting periods: a per-quarter run against the cumulative run (issue 15: within 2x).

Group `periods-quarter-<scale>`: the baseline is the cumulative run of the whole catalogue
(what `sceval run` computes by default); the engine side is `sceval run --period 2026Q2`
(the on-the-fly indicators of one quarter: flows in the quarter, stocks at its end, targets
per period). Group `periods-series-<scale>` times a run of the cumulative figures plus the
four quarters to the as-of date (`periods: [cumulative, quarter]`), for the record: its
quarters are extra work on top of the cumulative run, collected in the same pass.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from benchlib import AS_OF, label, measure


@pytest.fixture
def con(warehouse):
    c = duckdb.connect(str(warehouse))
    yield c
    c.close()


def _pipeline(periods):
    from sceval.pipeline import Pipeline

    return Pipeline(
        name="bench",
        as_of=AS_OF.isoformat(),
        indicators="all",
        partnership_models=[],
        dnh_checks=[],
        reports=[],
        raw={},
        periods=periods,
    )


def _run(benchmark, con, project, n, group, role, pipeline, period=None):
    from sceval.indicators import compute_indicators
    from sceval.runs import start_run

    def setup():
        return ((start_run(con, project, command="run", as_of=AS_OF),), {})

    return measure(
        benchmark,
        lambda run_id: compute_indicators(
            con, project, run_id=run_id, as_of=AS_OF, pipeline=pipeline, period=period
        ),
        group=group,
        role=role,
        n=n,
        setup=setup,
    )


def test_periods_cumulative_run(benchmark, n_participants, con, project):
    from sceval.indicators.periods import parse_spec

    out = _run(
        benchmark,
        con,
        project,
        n_participants,
        f"periods-quarter-{label(n_participants)}",
        "baseline",
        _pipeline(parse_spec(None)),
    )
    assert set(out["period"].unique()) == {"cumulative"}


def test_periods_one_quarter_run(benchmark, n_participants, con, project):
    from sceval.indicators.periods import parse_label, parse_spec

    out = _run(
        benchmark,
        con,
        project,
        n_participants,
        f"periods-quarter-{label(n_participants)}",
        "engine",
        _pipeline(parse_spec(None)),
        period=parse_label("2026Q2"),
    )
    assert set(out["period"].unique()) == {"2026Q2"}
    assert out.filter(out["indicator_id"] == "personnel_trained").height > 0


def test_periods_quarterly_series_run(benchmark, n_participants, con, project):
    from sceval.indicators.periods import parse_spec

    spec = parse_spec(["cumulative", "quarter"], since=dt.date(2025, 7, 1))
    out = _run(
        benchmark,
        con,
        project,
        n_participants,
        f"periods-series-{label(n_participants)}",
        "series",
        _pipeline(spec),
    )
    assert set(out["period"].unique()) == {"cumulative", "2025Q3", "2025Q4", "2026Q1", "2026Q2"}
