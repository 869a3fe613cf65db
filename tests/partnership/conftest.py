"""Fixtures: Attinà's Table 1 loaded and scored in a real warehouse, once per module."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from partnership_helpers import ratings_warehouse, score_run, table1_file


@pytest.fixture(scope="module")
def table1_path(tmp_path_factory) -> Path:
    return table1_file(tmp_path_factory.mktemp("table1"))


@pytest.fixture(scope="module")
def attina(tmp_path_factory, project, table1_path):
    """(connection, run id) for Table 1 scored with the attina2005 model."""
    db = tmp_path_factory.mktemp("attina") / "wh.duckdb"
    con = ratings_warehouse(project, db, table1_path)
    yield con, score_run(con, project, "attina2005")
    con.close()
