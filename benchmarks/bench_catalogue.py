"""The indicator engine (`sceval.indicators.compute_indicators`) against its baselines:

- the whole catalogue against one hand-written fused Polars query of the same aggregates
  (group `catalogue-<scale>`; the floor of what the engine could do on this machine);
- the five core participant indicators against a plain pandas implementation (`core5-<scale>`).

Both sides read the same warehouse and compute as of the same date, including the values
TREND_DAYS earlier that the engine uses to project on-the-fly indicators.
"""

from __future__ import annotations

import os

import duckdb
import pytest

from baselines import CORE5, pandas_core5
from benchlib import AS_OF, label, measure
from fused import disagreements, fused_catalogue

# The engine's results per scale, to check that a baseline computed the same numbers.
ENGINE: dict[tuple[str, int], object] = {}


def _pipeline(indicators):
    from sceval.pipeline import Pipeline

    return Pipeline(
        name="bench",
        as_of=AS_OF.isoformat(),
        indicators=indicators,
        partnership_models=[],
        dnh_checks=[],
        reports=[],
        raw={},
    )


@pytest.fixture
def con(warehouse):
    c = duckdb.connect(str(warehouse))
    yield c
    c.close()


def _engine(benchmark, con, project, n, group, indicators):
    from sceval.indicators import compute_indicators
    from sceval.runs import start_run

    pipeline = _pipeline(indicators)

    def setup():
        return ((start_run(con, project, command="run", as_of=AS_OF),), {})

    return measure(
        benchmark,
        lambda run_id: compute_indicators(
            con, project, run_id=run_id, as_of=AS_OF, pipeline=pipeline
        ),
        group=group,
        role="engine",
        n=n,
        setup=setup,
    )


def test_catalogue_sceval(benchmark, n_participants, con, project):
    results = _engine(
        benchmark, con, project, n_participants, f"catalogue-{label(n_participants)}", "all"
    )
    assert results["indicator_id"].n_unique() >= 24
    ENGINE[("catalogue", n_participants)] = results


def test_catalogue_fused_polars(benchmark, n_participants, con):
    floor = measure(
        benchmark,
        lambda: fused_catalogue(con, AS_OF),
        group=f"catalogue-{label(n_participants)}",
        role="baseline",
        n=n_participants,
    )
    engine = ENGINE.get(("catalogue", n_participants))
    if engine is None:
        pytest.skip("the engine's side did not run: nothing to compare with")
    assert disagreements(floor, engine) == []


def test_core5_sceval(benchmark, n_participants, con, project):
    results = _engine(
        benchmark, con, project, n_participants, f"core5-{label(n_participants)}", list(CORE5)
    )
    assert set(results["indicator_id"].unique()) == set(CORE5)
    ENGINE[("core5", n_participants)] = results


def test_core5_pandas(benchmark, n_participants, con, project):
    out = measure(
        benchmark,
        lambda: pandas_core5(con, AS_OF),
        group=f"core5-{label(n_participants)}",
        role="baseline",
        n=n_participants,
        # ~5 minutes a round at 1e7, 16x the engine: more rounds would not move the verdict
        rounds=1
        if n_participants >= 10_000_000 and not os.environ.get("SCEVAL_BENCH_ROUNDS")
        else None,
    )
    # Same numbers as the engine: the totals of every core indicator at as-of.
    engine = ENGINE.get(("core5", n_participants))
    if engine is None:
        pytest.skip("the engine's side did not run: nothing to compare with")

    mine = out[(out["as_of"] == AS_OF) & out["dimension"].isna()]
    totals = engine.filter(engine["dimension"].is_null()).select(
        "indicator_id", "program_id", "numerator", "n"
    )
    merged = mine.merge(totals.to_pandas(), on=["indicator_id", "program_id"], suffixes=("", "_e"))
    assert len(merged) == len(mine) > 0
    assert (merged["n"] == merged["n_e"]).all()
    assert ((merged["numerator"] - merged["numerator_e"]).abs() < 1e-6).all()
