"""Load with validation (`sceval.load.load_paths`) against DuckDB's own readers into a table."""

from __future__ import annotations

import pytest

from baselines import raw_load
from benchlib import dataset_rows, ensure_csv, label, measure, table_files

FORMATS = ["parquet", "csv"]


def _files(dataset, n: int, fmt: str):
    return table_files(dataset if fmt == "parquet" else ensure_csv(n), fmt)


@pytest.mark.parametrize("fmt", FORMATS)
def test_load_sceval(benchmark, n_participants, dataset, project, fresh_db, fmt):
    from sceval.load import load_paths
    from sceval.warehouse import open_warehouse

    files = _files(dataset, n_participants, fmt)

    def load(db):
        con = open_warehouse(db, project)
        try:
            return load_paths(con, project, files).rows
        finally:
            con.close()

    rows = measure(
        benchmark,
        load,
        group=f"load-{fmt}-{label(n_participants)}",
        role="engine",
        n=n_participants,
        setup=lambda: ((fresh_db(),), {}),
    )
    assert rows.get("participants") == dataset_rows(dataset)["participants"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_load_duckdb(benchmark, n_participants, dataset, fresh_db, fmt):
    files = _files(dataset, n_participants, fmt)
    rows = measure(
        benchmark,
        raw_load,
        group=f"load-{fmt}-{label(n_participants)}",
        role="baseline",
        n=n_participants,
        setup=lambda: ((fresh_db(), files), {}),
    )
    assert rows["participants"] == dataset_rows(dataset)["participants"]
