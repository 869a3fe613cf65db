"""Loads that never lose data: all or nothing under kill -9, two loads at once, idempotent reloads."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import polars as pl
import pytest

from .conftest import VALID

MARKER = "writing them in one transaction"
BIG = 120_000
ACTIVITIES = 50


def _exe() -> str:
    return str(Path(sys.executable).with_name("sceval"))


def _env(**extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in {"SCEVAL_DB", "SCEVAL_PROJECT"}}
    env.update(extra)
    return env


@pytest.fixture(scope="module")
def big_batch(tmp_path_factory) -> Path:
    """A valid batch: 1 program, 50 training activities, 120,000 participants (Parquet)."""
    out = tmp_path_factory.mktemp("big")
    pl.DataFrame(
        {
            "program_id": ["PB"],
            "name": ["Big"],
            "provider": ["EU"],
            "framework": [None],
            "partner_country": ["MLI"],
            "region": ["Sahel"],
            "start_date": [dt.date(2020, 1, 1)],
            "end_date": [dt.date(2025, 1, 1)],
            "budget": [1.0],
            "currency": ["EUR"],
            "objective": [None],
        },
        schema_overrides={"framework": pl.String, "objective": pl.String},
    ).write_parquet(out / "programs.parquet")
    a = pl.int_range(ACTIVITIES, eager=True)
    pl.DataFrame(
        {
            "activity_id": "AB" + a.cast(pl.String),
            "program_id": pl.repeat("PB", ACTIVITIES, eager=True),
            "kind": pl.repeat("training", ACTIVITIES, eager=True),
            "title": pl.repeat("course", ACTIVITIES, eager=True),
            "planned_start": pl.repeat(dt.date(2021, 1, 1), ACTIVITIES, eager=True),
            "planned_end": pl.repeat(dt.date(2021, 2, 1), ACTIVITIES, eager=True),
            "status": pl.repeat("planned", ACTIVITIES, eager=True),
            "planned_cost": pl.repeat(1.0, ACTIVITIES, eager=True),
            "co_designed": pl.repeat(True, ACTIVITIES, eager=True),
            "partner_cost_share": pl.repeat(0.5, ACTIVITIES, eager=True),
        }
    ).write_parquet(out / "activities.parquet")  # optional columns absent: read as empty
    i = pl.int_range(BIG, eager=True)
    pl.DataFrame(
        {
            "participant_id": "Q" + i.cast(pl.String),
            "activity_id": "AB" + (i % ACTIVITIES).cast(pl.String),
            "unit_id": pl.repeat(None, BIG, dtype=pl.String, eager=True),
            "sex": pl.Series(["F", "M"] * (BIG // 2)),
            "age": 20 + i % 40,
            "rank_group": pl.repeat("nco", BIG, eager=True),
            "completed": i % 3 == 0,
            "pre_score": (i % 100).cast(pl.Float64),
            "post_score": (i % 100).cast(pl.Float64),
            "vetted": pl.repeat(True, BIG, eager=True),
            "posted_within_days": pl.repeat(None, BIG, dtype=pl.Int64, eager=True),
        }
    ).write_parquet(out / "participants.parquet")
    return out


def _counts(db: Path) -> dict[str, int]:
    """Reopen read-write (so DuckDB replays its WAL, as the next user would) and count.
    `sceval` works in a supervised child that dies with it (sceval.supervise): after a
    kill -9 of `sceval`, its lock goes a moment later, as the child ends."""
    deadline = time.monotonic() + 20
    while True:
        try:
            con = duckdb.connect(str(db))
            break
        except duckdb.IOException as exc:
            if "lock" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.1)
    try:
        return {
            t: con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0]
            for t in ("programs", "activities", "participants", "loads")
        }
    finally:
        con.close()


class Load:
    """A real `sceval load` subprocess whose stderr is watched for the write marker."""

    def __init__(self, paths: list[Path], db: Path, **env: str) -> None:
        self.proc = subprocess.Popen(
            [_exe(), "load", *map(str, paths), "--db", str(db)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=_env(**env),
        )
        self.writing = threading.Event()
        self.err: list[str] = []
        threading.Thread(target=self._watch, daemon=True).start()

    def _watch(self) -> None:
        for line in self.proc.stderr:
            self.err.append(line)
            if MARKER in line:
                self.writing.set()

    def wait(self, timeout: float = 240) -> int:
        return self.proc.wait(timeout=timeout)


@pytest.mark.slow
def test_kill_9_leaves_before_or_whole_batch(loaded_template, big_batch, tmp_path):
    before = _counts(loaded_template)
    after = {
        "programs": before["programs"] + 1,
        "activities": before["activities"] + ACTIVITIES,
        "participants": before["participants"] + BIG,
        "loads": before["loads"] + 3,
    }
    outcomes = []
    # (wait for the write to start?, then sleep s): kills while starting up and reading (the
    # whole validation of this batch takes well under a second), at the start of the
    # transaction, inside it, around the commit and the checkpoint on close.
    points = [(False, 0.4), (True, 0.0), (True, 0.05), (True, 0.2), (True, 0.6)]
    for n, (at_write, delay) in enumerate(points):
        db = tmp_path / f"wh{n}.duckdb"
        shutil.copy(loaded_template, db)
        load = Load([big_batch], db)
        if at_write:
            assert load.writing.wait(240), "".join(load.err)
        time.sleep(delay)
        alive = load.proc.poll() is None
        if alive:
            load.proc.send_signal(signal.SIGKILL)
        code = load.wait()
        state = _counts(db)
        assert state in (before, after), (n, state)
        outcomes.append((at_write, alive, code, "after" if state == after else "before"))
    killed_mid_write = [o for o in outcomes if o[0] and o[1] and o[2] == -signal.SIGKILL]
    assert killed_mid_write, outcomes
    assert outcomes[0][3] == "before"  # killed before writing anything


def _small(tmp_path: Path) -> Path:
    small = tmp_path / "small"
    small.mkdir()
    (small / "context.csv").write_text(
        "country,year,indicator,value,source\nNER,2024,arms_embargo,0,test\n"
    )
    return small


def _ner(db: Path) -> int:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("SELECT count(*) FROM context WHERE country = 'NER'").fetchall()[0][0]
    finally:
        con.close()


@pytest.mark.slow
def test_two_loads_at_once_both_land_whole(loaded_template, big_batch, tmp_path):
    """Started together: one waits for the other; both batches end up whole."""
    db = tmp_path / "wh.duckdb"
    shutil.copy(loaded_template, db)
    before = _counts(db)
    first = Load([big_batch], db, SCEVAL_LOCK_TIMEOUT="240")
    second = Load([_small(tmp_path)], db, SCEVAL_LOCK_TIMEOUT="240")
    assert first.wait() == 0, "".join(first.err)
    assert second.wait() == 0, "".join(second.err)
    state = _counts(db)
    assert state["participants"] == before["participants"] + BIG
    assert state["activities"] == before["activities"] + ACTIVITIES
    assert state["loads"] == before["loads"] + 4
    assert _ner(db) == 1


def test_busy_warehouse_waits_or_fails_clearly(loaded_db, tmp_path):
    """Another process holds the warehouse: a load that may not wait fails with a clear
    message and changes nothing; a load that may wait proceeds once it is released."""
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('held', flush=True); "
            "time.sleep(float(sys.argv[2]))",
            str(loaded_db),
            "600",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        small = _small(tmp_path)
        busy = subprocess.run(
            [_exe(), "load", str(small), "--db", str(loaded_db)],
            capture_output=True,
            text=True,
            env=_env(SCEVAL_LOCK_TIMEOUT="0"),
            timeout=240,
        )
        assert busy.returncode == 2, busy.stderr
        assert "in use by another sceval process" in busy.stderr
        assert "nothing was loaded" in busy.stderr and "Traceback" not in busy.stderr
        waiting = Load([small], loaded_db, SCEVAL_LOCK_TIMEOUT="240")
        deadline = time.monotonic() + 240
        while not any("waiting up to 240 s" in line for line in waiting.err):
            assert waiting.proc.poll() is None and time.monotonic() < deadline, waiting.err
            time.sleep(0.1)
    finally:
        holder.kill()
        holder.wait()
    assert waiting.wait() == 0, "".join(waiting.err)
    assert _ner(loaded_db) == 1


def test_same_load_twice_is_idempotent(cli, tmp_path):
    db = tmp_path / "wh.duckdb"
    code, _, err = cli("load", str(VALID), "--db", str(db))
    assert code == 0, err
    once = _counts(db)
    code, _, err = cli("load", str(VALID), "--db", str(db))
    assert code == 0, err
    twice = _counts(db)
    assert {k: v for k, v in twice.items() if k != "loads"} == {
        k: v for k, v in once.items() if k != "loads"
    }
    con = duckdb.connect(str(db), read_only=True)
    # the keyless table too: the same observations loaded twice are stored once
    assert con.execute("SELECT count(*) FROM indicator_observations").fetchall() == [(3,)]
    con.close()


def test_load_in_two_steps_resolves_keys_against_the_warehouse(cli, tmp_path):
    """programs first, then activities alone: the foreign key finds P1 in the warehouse."""
    db = tmp_path / "wh.duckdb"
    for table in ("programs", "units", "activities"):
        code, _, err = cli("load", str(VALID / f"{table}.csv"), "--db", str(db))
        assert code == 0, (table, err)
    assert _counts(db)["activities"] == 5


def test_load_paths_refuses_invalid_batch_with_invalid_data_error(project, tmp_path):
    from sceval.errors import InvalidDataError
    from sceval.load import load_paths
    from sceval.warehouse import open_warehouse

    bad = tmp_path / "programs.csv"
    bad.write_text((VALID / "programs.csv").read_text().replace("1500000,EUR", "-1,EUR"))
    con = open_warehouse(tmp_path / "wh.duckdb", project)
    try:
        with pytest.raises(InvalidDataError) as err:
            load_paths(con, project, [bad])
        assert err.value.exit_code == 1
        assert "programs.csv" in str(err.value) and "budget" in str(err.value)
        assert "row 1" in str(err.value) and "nothing stored" in str(err.value)
        assert con.execute("SELECT count(*) FROM programs").fetchall() == [(0,)]
        assert con.execute("SELECT count(*) FROM loads").fetchall() == [(0,)]
    finally:
        con.close()
