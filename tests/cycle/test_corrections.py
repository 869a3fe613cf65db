"""Keys and corrections with history, approval and locks (issue 15, points 2 and 3)."""

from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl
import pytest

from sceval.cycle import parse_period
from sceval.errors import UsageError
from sceval.load import InputFile, insert_batch
from sceval.warehouse import open_warehouse

from .conftest import AS_OF, CORRECTION, Q3


def test_a_correction_replaces_the_observation_without_double_counting(cycle):
    before = cycle.run()
    assert cycle.targets_met(before) == (3.0, 4, "insufficient_data")

    cycle("load", str(cycle.fix), "--by", "alice", "--reason", "Q3 head count was misread")
    # 5 rows before, 5 after: the reload by key is a correction, not a sixth observation
    assert cycle.sql("SELECT count(*) FROM indicator_observations") == [(5,)]
    assert cycle.sql(
        "SELECT actual FROM indicator_observations WHERE period_start = DATE '2024-07-01'"
    ) == [(105.0,)]
    after = cycle.run()
    assert cycle.targets_met(after) == (4.0, 4, "insufficient_data")

    r = cycle("history", "indicator_observations", *Q3)
    lines = r.stdout.splitlines()
    assert "2 version(s)" in lines[0]
    assert "v1 replaced" in lines[1] and "by alice" in lines[1]
    assert "reason: Q3 head count was misread" in lines[1] and "actual=90.0" in lines[1]
    assert (
        lines[2].strip() == "v2 current: baseline=0.0, target=100.0, actual=105.0, ascending=None"
    )


def test_reloading_identical_rows_keeps_no_history(cycle):
    cycle("load", str(cycle.inputs / "indicator_observations.csv"))
    assert cycle.sql("SELECT count(*) FROM indicator_observations_history") == [(0,)]
    assert cycle.sql("SELECT count(*) FROM indicator_observations") == [(5,)]


def test_history_marks_rows_a_later_load_inserts(cycle):
    extra = cycle.tmp / "more" / "indicator_observations.csv"
    extra.parent.mkdir()
    extra.write_text(CORRECTION.replace("2024-07-01,2024-09-30", "2025-01-01,2025-03-31"))
    cycle("load", str(extra), "--by", "bob")
    r = cycle(
        "history",
        "indicator_observations",
        "P1",
        "personnel_trained",
        "2025-01-01",
        "2025-03-31",
        "",
        "",
    )
    assert "first loaded" in r.stdout and "by bob" in r.stdout
    assert "1 version(s)" in r.stdout


def test_history_of_an_unknown_key_and_table(cycle):
    r = cycle("history", "indicator_observations", "P9", "x", "2024-01-01", "2024-03-31", "", "")
    assert "no row" in r.stdout
    r = cycle("history", "nosuch", "a", ok=False)
    assert r.returncode == 2 and "unknown table 'nosuch'" in r.stderr
    r = cycle("history", "indicator_observations", "P1", ok=False)
    assert r.returncode == 2 and "the key is 6 value(s)" in r.stderr


def test_a_change_to_rows_an_approved_run_used_needs_a_reason(cycle):
    run_id = cycle.run()
    cycle("approve", run_id, "--by", "Dr. Reviewer", "--note", "2024 annual review")
    r = cycle("load", str(cycle.fix), ok=False)
    assert r.returncode == 1
    assert f"approved run {run_id} (approved by Dr. Reviewer)" in r.stderr
    assert "--reason" in r.stderr and "Traceback" not in r.stderr
    assert cycle.sql(
        "SELECT actual FROM indicator_observations WHERE period_start = '2024-07-01'"
    ) == [(90.0,)]
    cycle("load", str(cycle.fix), "--reason", "audit finding 7")
    assert cycle.sql("SELECT reason FROM load_notes WHERE reason IS NOT NULL") == [
        ("audit finding 7",)
    ]


def test_a_load_into_a_locked_period_is_refused_unless_an_unlock_reason_is_given(cycle):
    r = cycle("lock", "2024Q3", "--program", "P1", "--by", "chief")
    assert "locked period 2024Q3 for program P1: 2024-07-01 to 2024-09-30" in r.stdout
    r = cycle("load", str(cycle.fix), ok=False)
    assert r.returncode == 1
    assert "locked period 2024Q3 for program P1" in r.stderr and "--unlock-reason" in r.stderr
    assert cycle.sql("SELECT count(*) FROM indicator_observations_history") == [(0,)]
    assert cycle.sql(
        "SELECT actual FROM indicator_observations WHERE period_start = '2024-07-01'"
    ) == [(90.0,)]

    cycle("load", str(cycle.fix), "--unlock-reason", "auditor's correction", "--by", "alice")
    assert cycle.sql(
        "SELECT actual FROM indicator_observations WHERE period_start = '2024-07-01'"
    ) == [(105.0,)]
    assert cycle.sql(
        "SELECT loaded_by, unlock_reason FROM load_notes WHERE unlock_reason IS NOT NULL"
    ) == [("alice", "auditor's correction")]
    r = cycle("history", "indicator_observations", *Q3)
    assert "unlock reason: auditor's correction" in r.stdout


def test_locks_of_other_periods_and_programs_do_not_refuse(cycle):
    cycle("lock", "2024Q4")  # all programs, but the correction is dated in Q3
    cycle("lock", "2024-08")  # a month inside Q3, for all programs: this one applies
    r = cycle("load", str(cycle.fix), ok=False)
    assert r.returncode == 1 and "locked period 2024-08 (all programs)" in r.stderr
    r = cycle("lock", "2024-08", ok=False)
    assert r.returncode == 2 and "already locked" in r.stderr
    r = cycle("lock", "2024Q3", "--program", "P9", ok=False)
    assert r.returncode == 2 and "no such program" in r.stderr


def test_runs_lists_status_and_approved_runs_cannot_be_deleted(cycle):
    first = cycle.run()
    second = cycle.run("--program", "P1")
    cycle("approve", first, "--by", "Dr. Reviewer")
    out = cycle("runs").stdout.splitlines()
    assert out[0].startswith(second) and "draft" in out[0] and "program P1" in out[0]
    assert out[1].startswith(first) and "approved by Dr. Reviewer on" in out[1]
    assert f"as-of {AS_OF}" in out[1] and "periods cumulative" in out[1]
    assert "indicator_results" in out[1]
    r = cycle("runs", "--delete", first, ok=False)
    assert r.returncode == 1 and "approved runs cannot be deleted" in r.stderr
    cycle("runs", "--delete", second)
    assert cycle.sql("SELECT count(*) FROM indicator_results WHERE run_id = ?", [second]) == [(0,)]
    assert [r[0] for r in cycle.sql("SELECT run_id FROM runs")] == [first]
    r = cycle("approve", first, "--by", "X", ok=False)
    assert r.returncode == 2 and "already approved" in r.stderr
    assert cycle.sql("SELECT status, approver FROM runs") == [("approved", "Dr. Reviewer")]


def test_as_known_at_reproduces_an_earlier_run_byte_for_byte(cycle):
    before = cycle.run("--export", str(cycle.tmp / "before"))
    cycle("load", str(cycle.fix), "--reason", "correction")
    now = cycle.run("--export", str(cycle.tmp / "now"))
    again = cycle.run("--as-known-at", before, "--export", str(cycle.tmp / "again"))
    stamp = cycle.sql("SELECT started_at FROM runs WHERE run_id = ?", [before])[0][0]
    by_time = cycle.run("--as-known-at", stamp.isoformat(), "--export", str(cycle.tmp / "t"))
    for name in ("indicator_results.csv", "dnh_findings.csv", "indicator_results.json"):
        old = (cycle.tmp / "before" / name).read_bytes()
        assert (cycle.tmp / "again" / name).read_bytes() == old, name
        assert (cycle.tmp / "t" / name).read_bytes() == old, name
    assert (cycle.tmp / "now" / "indicator_results.csv").read_bytes() != (
        cycle.tmp / "before" / "indicator_results.csv"
    ).read_bytes()
    assert cycle.targets_met(again) == (3.0, 4, "insufficient_data")
    assert cycle.targets_met(now) == (4.0, 4, "insufficient_data")
    assert cycle.sql("SELECT as_known_at FROM runs WHERE run_id = ?", [by_time]) == [(stamp,)]
    # before the first load, every table was empty
    early = cycle.run("--as-known-at", "2000-01-01T00:00:00")
    assert cycle.sql("SELECT count(*) FROM indicator_results WHERE run_id = ?", [early]) == [(0,)]
    r = cycle("run", "--as-known-at", "last tuesday", ok=False)
    assert r.returncode == 2 and "--as-known-at 'last tuesday'" in r.stderr


def test_as_known_at_sees_versions_between_corrections(project, db_path):
    """Three versions of one row and a row added later: each time reads its own state."""
    con = open_warehouse(db_path, project)
    stamps = []

    def load(actual: float, period_start: str = "2024-07-01") -> None:
        df = pl.DataFrame(
            {
                "program_id": ["P1"],
                "indicator_id": ["personnel_trained"],
                "period_start": [dt.date.fromisoformat(period_start)],
                "period_end": [dt.date(2024, 9, 30)],
                "baseline": [0.0],
                "target": [100.0],
                "actual": [actual],
                "dimension": pl.Series([None], dtype=pl.String),
                "dimension_value": pl.Series([None], dtype=pl.String),
            }
        )
        insert_batch(con, project, [(InputFile(db_path, "indicator_observations"), df)])
        stamps.append(con.execute("SELECT max(loaded_at) FROM loads").fetchall()[0][0])

    load(90.0)
    load(95.0)
    load(105.0)
    load(50.0, "2024-08-01")
    from sceval.history import KnownAt

    seen = []
    for at in [stamps[0] - dt.timedelta(seconds=1), *stamps]:
        with KnownAt(con, project, at):
            seen.append(
                con.execute(
                    "SELECT period_start::VARCHAR, actual FROM indicator_observations ORDER BY 1"
                ).fetchall()
            )
    assert seen == [
        [],
        [("2024-07-01", 90.0)],
        [("2024-07-01", 95.0)],
        [("2024-07-01", 105.0)],
        [("2024-07-01", 105.0), ("2024-08-01", 50.0)],
    ]
    # the views are gone afterwards: the stored table again
    assert con.execute("SELECT count(*) FROM indicator_observations").fetchall() == [(2,)]
    con.close()


def test_partnership_ratings_keep_each_rater_and_round(project, db_path):
    con = open_warehouse(db_path, project)
    rows = {
        "model_id": ["attina2005"] * 3,
        "case_id": ["europe"] * 3,
        "item_id": ["awareness_interdependence"] * 3,
        "rating_text": ["High", "Medium", "High"],
        "evidence": [None, None, None],
        "rated_by": ["Attina", "Attina", "Second rater"],
        "rated_on": [dt.date(2005, 7, 1), dt.date(2025, 7, 1), dt.date(2025, 7, 1)],
    }
    f = InputFile(db_path, "partnership_ratings")
    insert_batch(con, project, [(f, pl.DataFrame(rows))])
    assert con.execute("SELECT count(*) FROM partnership_ratings").fetchall() == [(3,)]
    # a re-rating of one round by one rater replaces only that rating
    again = pl.DataFrame(rows).head(1).with_columns(pl.lit("Medium").alias("rating_text"))
    insert_batch(con, project, [(f, again)])
    assert con.execute(
        "SELECT rated_by, rated_on::VARCHAR, rating_text FROM partnership_ratings ORDER BY ALL"
    ).fetchall() == [
        ("Attina", "2005-07-01", "Medium"),
        ("Attina", "2025-07-01", "Medium"),
        ("Second rater", "2025-07-01", "High"),
    ]
    assert con.execute(
        "SELECT rating_text, change_kind FROM partnership_ratings_history"
    ).fetchall() == [("High", "replaced")]
    con.close()


def test_an_older_warehouse_opens_and_gains_the_new_columns(project, db_path):
    con = duckdb.connect(str(db_path))
    con.execute(
        """CREATE TABLE runs (run_id VARCHAR PRIMARY KEY, started_at TIMESTAMP NOT NULL,
           finished_at TIMESTAMP, as_of DATE NOT NULL, command VARCHAR NOT NULL, pipeline VARCHAR,
           program_filter VARCHAR, engine_version VARCHAR NOT NULL, catalogue_hash VARCHAR NOT NULL,
           project_root VARCHAR, input_files JSON NOT NULL, status VARCHAR NOT NULL)"""
    )
    con.execute(
        "INSERT INTO runs VALUES ('r1', '2026-01-01', '2026-01-01', '2026-01-01', 'run', NULL, "
        "NULL, '0.1', 'h', NULL, '[]', 'ok')"
    )
    con.execute(
        """CREATE TABLE partnership_ratings (model_id VARCHAR NOT NULL, case_id VARCHAR NOT NULL,
           item_id VARCHAR NOT NULL, rating_text VARCHAR NOT NULL, evidence VARCHAR,
           rated_by VARCHAR, rated_on DATE, PRIMARY KEY (model_id, case_id, item_id))"""
    )
    con.execute(
        "INSERT INTO partnership_ratings VALUES ('m', 'c', 'i', 'High', NULL, 'A', '2005-07-01')"
    )
    con.close()
    con = open_warehouse(db_path, project)
    assert con.execute("SELECT status, approver, periods FROM runs").fetchall() == [
        ("draft", None, None)
    ]
    pks = con.execute(
        "SELECT count(*) FROM duckdb_constraints() WHERE table_name = 'partnership_ratings' "
        "AND constraint_type = 'PRIMARY KEY'"
    ).fetchall()
    assert pks == [(0,)]
    assert con.execute("SELECT rating_text FROM partnership_ratings").fetchall() == [("High",)]
    con.close()


@pytest.mark.parametrize(
    ("label", "start", "end", "canonical"),
    [
        ("2026Q2", "2026-04-01", "2026-06-30", "2026Q2"),
        ("2024q1", "2024-01-01", "2024-03-31", "2024Q1"),
        ("2026", "2026-01-01", "2026-12-31", "2026"),
        ("2024-02", "2024-02-01", "2024-02-29", "2024-02"),
    ],
)
def test_periods_parse(label, start, end, canonical):
    p = parse_period(label)
    assert (p.label, p.start.isoformat(), p.end.isoformat()) == (canonical, start, end)


@pytest.mark.parametrize("label", ["2026Q5", "2026-13", "Q2 2026", ""])
def test_bad_periods_are_usage_errors(label):
    with pytest.raises(UsageError):
        parse_period(label)
