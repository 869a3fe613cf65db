"""The analyst API on the small world: errors, catalogue, totals, export."""

from __future__ import annotations

import polars as pl
import pytest
import world

import sceval
from sceval.errors import UsageError


def test_api_on_a_fresh_warehouse(tmp_path, project):
    db = tmp_path / "api.duckdb"
    world.warehouse(project, db).close()
    wh = sceval.open(db, project=project.root)
    with pytest.raises(UsageError, match="no finished run yet"):
        wh.results()
    cat = wh.catalogue()
    assert cat.height >= 24 and {"id", "kind", "dac_criterion", "source"} <= set(cat.columns)
    rid = wh.run(as_of="2024-06-30", steps=("indicators",))
    assert wh.latest_run() == rid
    totals = wh.indicators(program="P1")
    assert totals["dimension"].null_count() == totals.height
    assert set(totals["program_id"]) == {"P1"}
    row = totals.filter(pl.col("indicator_id") == "training_completion_rate").row(0, named=True)
    assert row["value"] == pytest.approx(0.94)
    assert wh.results(rid).indicator_results.height > totals.height
    assert wh.runs()["run_id"].to_list() == [rid]
    files = wh.export(tmp_path / "out")
    assert (tmp_path / "out" / "indicator_results.parquet") in files
    with pytest.raises(UsageError, match="expected a date"):
        wh.run(as_of="30/06/2024")
