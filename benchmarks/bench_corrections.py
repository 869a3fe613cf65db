"""A correction load with history against the same load without it (issue 15).

The warehouse holds N participants (the largest fact table, keyed by sceval, not by a DuckDB
index). The correction is a file of 1% of them with a changed post_score: every row of it
replaces a stored row. The engine is `sceval.load.insert_batch`, which keeps every replaced
row's old version in `participants_history`; the baseline is the same write without history,
as sceval did it before (DELETE the stored rows the batch names, INSERT the batch, in one
transaction). Validation is the same for both and is not timed. Target: within 2x.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import polars as pl
import pytest

from benchlib import DATA, label, measure, scales_among

pytestmark = pytest.mark.scales(lambda: scales_among(10**6, 10**7))

SHARE = 0.01  # of the stored rows corrected by the load


def _warehouse(n: int, project) -> Path:
    """A warehouse with N participants (made once per scale and kept in benchmarks/data)."""
    from sceval.warehouse import open_warehouse

    path = DATA / f"corrections-{label(n)}.duckdb"
    if path.exists():
        return path
    DATA.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    con = open_warehouse(tmp, project)
    con.execute(
        f"""INSERT INTO participants
            SELECT 'P' || lpad(CAST(i // 3 AS VARCHAR), 9, '0'),
                   'A' || lpad(CAST(i % 3 + (i // 3000) * 3 AS VARCHAR), 8, '0'),
                   NULL, CASE i % 2 WHEN 0 THEN 'F' ELSE 'M' END, 20 + i % 40,
                   'enlisted', i % 5 <> 0, 40.0 + i % 30, 50.0 + i % 40, true, i % 90
            FROM range({n}) t(i)"""
    )
    con.execute(
        "INSERT INTO loads (load_id, loaded_at, table_name, file, sha256, rows) "
        "VALUES ('bench', now()::TIMESTAMP - INTERVAL 1 DAY, 'participants', 'x', 'x', ?)",
        [n],
    )
    con.close()
    tmp.rename(path)
    return path


def _correction(db: Path, n: int) -> pl.DataFrame:
    """Every 100th stored row with post_score + 1 (1% of the table, all existing keys)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        df = con.sql(
            "SELECT * REPLACE (post_score + 1 AS post_score) FROM participants "
            f"USING SAMPLE {int(n * SHARE)} ROWS (reservoir, 42)"
        ).pl()
    finally:
        con.close()
    return df


def _copy(src: Path, tmp: Path) -> Path:
    dst = tmp / "wh.duckdb"
    dst.unlink(missing_ok=True)
    shutil.copyfile(src, dst)
    return dst


def with_history(db: Path, project, frame: pl.DataFrame) -> int:
    from sceval.load import InputFile, insert_batch
    from sceval.warehouse import connect

    con = connect(db)
    try:
        result = insert_batch(con, project, [(InputFile(db, "participants"), frame)])
        return result.changes["participants"].replaced
    finally:
        con.close()


def without_history(db: Path, project, frame: pl.DataFrame) -> int:
    """The replace-by-key write sceval made before it kept history."""
    from sceval.warehouse import arrow, connect

    con = connect(db)
    try:
        con.register("_batch", arrow(frame))
        con.execute("BEGIN TRANSACTION")
        con.execute(
            "DELETE FROM participants t USING _batch b "
            "WHERE t.participant_id = b.participant_id AND t.activity_id = b.activity_id"
        )
        con.execute("INSERT INTO participants BY NAME SELECT * FROM _batch")
        con.execute("COMMIT")
        return frame.height
    finally:
        con.close()


@pytest.mark.parametrize("history", [True, False], ids=["history", "no-history"])
def test_correction_load(benchmark, n_participants, project, tmp_path, history):
    src = _warehouse(n_participants, project)
    frame = _correction(src, n_participants)
    fn = with_history if history else without_history
    replaced = measure(
        benchmark,
        fn,
        group=f"correction-1pct-{label(n_participants)}",
        role="engine" if history else "baseline",
        n=n_participants,
        setup=lambda: ((_copy(src, tmp_path), project, frame), {}),
    )
    assert replaced == frame.height
