"""The independent floor of the benchmarks (`benchmarks/floor.py`, issue 20) computes the same
numbers as the engine: every row of the five core indicators on the seed data (program
totals and every disaggregation at as-of, program totals at the four trend dates), so that
the benchmark's floor cannot drift from what the engine computes."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import polars as pl
import pytest

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "seeds" / "data"
sys.path.insert(0, str(ROOT / "benchmarks"))

import floor  # noqa: E402

AS_OF = dt.date(2025, 12, 31)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory, project):
    if not (SEEDS / "participants.csv").is_file():
        pytest.skip("no seed data in this checkout")
    from sceval.load import load_paths
    from sceval.warehouse import open_warehouse

    con = open_warehouse(tmp_path_factory.mktemp("floor") / "wh.duckdb", project)
    load_paths(con, project, sorted(SEEDS.glob("*.csv")))
    yield con
    con.close()


def test_sheets_are_the_ones_the_floor_was_written_for():
    assert floor.sheet_drift() == []


def test_floor_equals_the_engine_row_for_row(seeded, project):
    got, engine = floor.check_against_engine(seeded, project, AS_OF)
    at_as_of = got.filter(pl.col("lag") == 0)
    # Every indicator, with totals and disaggregations, and some cells suppressed or not.
    assert set(at_as_of["indicator_id"]) == set(floor.CORE5)
    assert at_as_of["dimension"].null_count() > 0
    assert at_as_of["dimension"].n_unique() == len(floor.DIMS) + 1
    assert at_as_of.height == engine.height
    assert set(got["lag"].unique()) == {0, *floor.TREND_LAGS}


def test_a_difference_fails_loudly(seeded, project):
    got, engine = floor.check_against_engine(seeded, project, AS_OF)
    shown = engine.filter(~pl.col("suppressed") & (pl.col("indicator_id") == "learning_gain"))
    target = shown.filter(pl.col("dimension") == "sex").row(0, named=True)
    wrong = got.with_columns(
        numerator=pl.when(
            (pl.col("lag") == 0)
            & (pl.col("indicator_id") == "learning_gain")
            & (pl.col("program_id") == target["program_id"])
            & (pl.col("dimension") == "sex")
            & (pl.col("dimension_value") == target["dimension_value"])
        )
        .then(pl.col("numerator") + 0.5)
        .otherwise(pl.col("numerator"))
    )
    diff = floor.disagreements(wrong, engine, project.suppression_threshold)
    assert len(diff) == 1 and "learning_gain" in diff[0] and "numerator" in diff[0]
    missing = got.filter(pl.col("dimension").is_null() | (pl.col("dimension") != "country"))
    assert any("only in the engine" in d for d in floor.disagreements(missing, engine))


def test_polars_floor_equals_the_engine_row_for_row(seeded, project):
    got, engine = floor.check_against_engine(seeded, project, AS_OF, polars=True)
    duck = floor.floor_core5(seeded, AS_OF)
    assert got.height == duck.height
