"""Fixtures for the indicator tests: the small world in a real warehouse, computed once."""

from __future__ import annotations

import sys
from pathlib import Path

import polars as pl
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import world


@pytest.fixture(scope="module")
def world_db(tmp_path_factory, project):
    """A warehouse file holding the world (plain DuckDB inserts)."""
    db = tmp_path_factory.mktemp("world") / "world.duckdb"
    con = world.warehouse(project, db)
    yield con
    con.close()


@pytest.fixture(scope="module")
def results(world_db, project) -> pl.DataFrame:
    """Every catalogue indicator on the world as of 2024-06-30."""
    from sceval.indicators import compute_indicators

    return compute_indicators(world_db, project, run_id="r-main", as_of=world.AS_OF)
