"""End to end through the CLI: `sceval load` the world's CSV files, `sceval run --as-of` on two
dates, `--export`: byte-identical files for the same inputs, spreadsheet formulas neutralised."""

from __future__ import annotations

import zipfile

import duckdb
import polars as pl
import pytest
import world
from world import pick

from sceval.indicators.export import export_results
from sceval.safe_text import neutralise


@pytest.fixture(scope="module")
def loaded(tmp_path_factory, project):
    """A warehouse filled by `sceval load` from the world's CSV files."""
    from conftest_cli import run_sceval

    base = tmp_path_factory.mktemp("cli")
    data = world.write_csvs(project, base / "data")
    db = base / "cli.duckdb"
    res = run_sceval("load", str(data), "--db", str(db))
    assert res.returncode == 0, res.stderr
    return db


def _run(db, as_of, *extra):
    from conftest_cli import run_sceval

    res = run_sceval("run", "--db", str(db), "--as-of", as_of, *extra)
    assert res.returncode == 0, res.stderr
    with duckdb.connect(str(db)) as con:
        rid = con.execute(
            "SELECT run_id FROM runs WHERE as_of = ? ORDER BY started_at DESC LIMIT 1", [as_of]
        ).fetchall()[0][0]
        return rid, con.sql("SELECT * FROM indicator_results WHERE run_id = $1", params=[rid]).pl()


def test_run_on_two_dates_through_the_cli(loaded, tmp_path):
    _, early = _run(loaded, "2021-06-30")
    _, late = _run(loaded, "2024-06-30", "--export", str(tmp_path / "a"))
    assert pick(early, "activity_delivery_rate", "P2")["value"] == 1.0
    assert pick(late, "activity_delivery_rate", "P2")["value"] == 0.5
    assert pick(early, "women_share_participants", "P2")["value"] == 0.25  # B1 only: 2 of 8
    assert pick(late, "women_share_participants", "P2")["value"] == 0.25  # 3 of 12
    assert pick(early, "women_share_participants", "P2")["denominator"] == 8
    assert pick(late, "training_completion_rate", "P1")["value"] == pytest.approx(0.94)
    # Same inputs, second run: byte-identical exports (the run id stays in the warehouse).
    _run(loaded, "2024-06-30", "--export", str(tmp_path / "b"))
    names = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert {"indicator_results.csv", "indicator_results.parquet", "indicator_results.json",
            "results.xlsx", "provenance.json"} <= set(names)  # fmt: skip
    for name in names:
        a, b = (tmp_path / "a" / name).read_bytes(), (tmp_path / "b" / name).read_bytes()
        assert a == b, name
    csv = pl.read_csv(tmp_path / "a" / "indicator_results.csv")
    assert "run_id" not in csv.columns and csv.height == late.height


def test_export_neutralises_formulas(loaded, tmp_path):
    with duckdb.connect(str(loaded)) as con:
        rid = con.execute("SELECT max(run_id) FROM indicator_results").fetchall()[0][0]
        con.execute(
            "UPDATE indicator_results SET note = '=HYPERLINK(\"http://x\")' "
            "WHERE run_id = ? AND indicator_id = 'learning_gain' AND dimension IS NULL "
            "AND program_id = 'P1'",
            [rid],
        )
        con.execute(
            "UPDATE indicator_results SET dimension_value = '@SUM(A1)' WHERE run_id = ? "
            "AND indicator_id = 'learning_gain' AND dimension = 'sex' AND dimension_value = 'F'",
            [rid],
        )
        files = export_results(con, rid, tmp_path / "x")
    text = (tmp_path / "x" / "indicator_results.csv").read_text(encoding="utf-8")
    assert "'=HYPERLINK" in text and "'@SUM(A1)" in text
    assert ",=HYPERLINK" not in text
    with zipfile.ZipFile(tmp_path / "x" / "results.xlsx") as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
        shared = z.read("xl/sharedStrings.xml").decode()
    assert "<f>" not in sheet  # no formula cell anywhere
    assert "=HYPERLINK" in shared  # kept as text
    assert len(files) == 11


@pytest.mark.parametrize(
    ("text", "expected"),
    [("=1+1", "'=1+1"), ("+31 6", "'+31 6"), ("-x", "'-x"), ("@a", "'@a"), ("ok", "ok"),
     (None, None), ("\tx", "'\tx")],
)  # fmt: skip
def test_neutralise(text, expected):
    assert neutralise(text) == expected
