"""An incremental run after a correction of 1% of the programs, against a full run (issue 20).

A copy of the loaded warehouse gets a full run (the previous run of the definition), then a
correction load (through `sceval.load.insert_batch`, with history) that changes one
participant's post_score in 1% of the programs. The engine is `sceval run` as a user runs it
(`pipeline.execute`: the changed programs recomputed, the rest copied); the baseline is the
same run with `full=True`. Both start from the same state each round (the incremental round's
previous run is the full run made before the correction). Target: under 10% of a full run.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from benchlib import AS_OF, label, measure, one_percent_correction

SHARE = 0.01  # of the programs whose participants the correction touches


@pytest.fixture(scope="module")
def corrected(warehouse: Path, project, tmp_path_factory) -> Path:
    """The warehouse after a full run and a 1%-of-programs correction (made once per scale)."""
    from sceval.load import InputFile, insert_batch
    from sceval.pipeline import execute
    from sceval.rundef import load_pipeline
    from sceval.warehouse import connect

    db = tmp_path_factory.mktemp("incremental") / "wh.duckdb"
    shutil.copyfile(warehouse, db)
    con = connect(db)
    try:
        execute(con, project, pipeline=load_pipeline(project), as_of=AS_OF, full=True)
        frame, _ = one_percent_correction(con, SHARE)
        path = db.with_name("participants.csv")
        frame.write_csv(path)
        insert_batch(
            con,
            project,
            [(InputFile(path, "participants"), frame)],
            by="bench",
            reason="1% of programs corrected",
        )
    finally:
        con.close()
    return db


def _copy(src: Path, tmp: Path) -> Path:
    dst = tmp / "round.duckdb"
    dst.unlink(missing_ok=True)
    shutil.copyfile(src, dst)
    return dst


def _round(src: Path, tmp: Path):
    from sceval.warehouse import connect

    return ((connect(_copy(src, tmp)),), {})


def _run(con: duckdb.DuckDBPyConnection, project, *, full: bool) -> str:
    from sceval.pipeline import execute
    from sceval.rundef import load_pipeline

    try:
        return execute(con, project, pipeline=load_pipeline(project), as_of=AS_OF, full=full)
    finally:
        con.close()


@pytest.mark.parametrize("full", [False, True], ids=["incremental", "full"])
def test_run_after_a_one_percent_correction(
    benchmark, n_participants, corrected, project, tmp_path, full
):
    run_id = measure(
        benchmark,
        lambda con: _run(con, project, full=full),
        group=f"incremental-run-{label(n_participants)}",
        role="baseline" if full else "engine",
        n=n_participants,
        setup=lambda: _round(corrected, tmp_path),
        rounds=3,
    )
    assert run_id
