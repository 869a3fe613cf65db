"""The engine against the independent floor (`benchmarks/floor.py`), core five indicators.

Group `floor-core5-<scale>`: `compute_indicators` for the five core participant indicators
(at as-of with every disaggregation, and the program totals at the four earlier dates of the
trend line) against one DuckDB SQL query of the same numbers, written from the reference
sheets, and against the second floor in the same group, one Polars query shaped the other
way (one row per participation and dimension value); the summary reports the engine against
the faster of the two. The floor's rows are checked against the engine's rows of the same run (numerator,
denominator, n and value per program, dimension and value); any difference fails the
benchmark.
"""

from __future__ import annotations

import duckdb
import pytest

from benchlib import AS_OF, label, measure
from floor import CORE5, check_against_engine, floor_core5, floor_core5_polars
from sceval.pipeline import Pipeline

ENGINE: dict[int, object] = {}


@pytest.fixture
def con(warehouse):
    c = duckdb.connect(str(warehouse))
    yield c
    c.close()


def test_floor_core5_sceval(benchmark, n_participants, con, project):
    from sceval.indicators import compute_indicators
    from sceval.runs import start_run

    pipeline = Pipeline(
        name="bench-floor",
        as_of=AS_OF.isoformat(),
        indicators=list(CORE5),
        partnership_models=[],
        dnh_checks=[],
        reports=[],
        raw={},
    )

    def setup():
        return ((start_run(con, project, command="run", as_of=AS_OF),), {})

    results = measure(
        benchmark,
        lambda run_id: compute_indicators(
            con, project, run_id=run_id, as_of=AS_OF, pipeline=pipeline
        ),
        group=f"floor-core5-{label(n_participants)}",
        role="engine",
        n=n_participants,
        setup=setup,
    )
    assert set(results["indicator_id"].unique()) == set(CORE5)
    ENGINE[n_participants] = results


def test_floor_core5_duckdb(benchmark, n_participants, con, project):
    out = measure(
        benchmark,
        lambda: floor_core5(con, AS_OF),
        group=f"floor-core5-{label(n_participants)}",
        role="baseline",
        n=n_participants,
    )
    # Row for row against the engine (its rows of this run, or computed now, untimed).
    floor, engine = check_against_engine(con, project, AS_OF, engine=ENGINE.get(n_participants))
    assert floor.height == out.height
    benchmark.extra_info["rows_checked"] = int(engine.height)


def test_floor_core5_polars(benchmark, n_participants, con, project):
    """The second floor, in the same group (the summary takes the faster floor)."""
    out = measure(
        benchmark,
        lambda: floor_core5_polars(con, AS_OF),
        group=f"floor-core5-{label(n_participants)}",
        role="baseline",
        n=n_participants,
    )
    floor, engine = check_against_engine(
        con, project, AS_OF, engine=ENGINE.get(n_participants), polars=True
    )
    assert floor.height == out.height
