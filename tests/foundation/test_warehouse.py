"""The warehouse: every SPEC table typed and keyed; loads all-or-nothing with SHA-256 provenance."""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
from pathlib import Path

import duckdb
import polars as pl
import pytest

from sceval.load import InputFile, insert_batch
from sceval.warehouse import RESULT_TABLES, open_warehouse, table_counts

INPUT_TABLES = {
    "programs",
    "activities",
    "units",
    "participants",
    "followups",
    "dialogues",
    "equipment",
    "end_use_checks",
    "events",
    "incidents",
    "indicator_observations",
    "context",
    "partnership_ratings",
}


def test_every_table_exists_typed_and_keyed(project, db_path):
    con = open_warehouse(db_path, project)
    tables = set(table_counts(con))
    assert INPUT_TABLES | set(RESULT_TABLES) | {"loads"} <= tables
    types = dict(
        con.execute(
            "SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = 'programs'"
        ).fetchall()
    )
    assert types["start_date"] == "DATE"
    assert types["budget"] == "DOUBLE"
    assert types["program_id"] == "VARCHAR"
    pks = dict(
        con.execute(
            "SELECT table_name, constraint_column_names FROM duckdb_constraints() "
            "WHERE constraint_type = 'PRIMARY KEY'"
        ).fetchall()
    )
    assert pks["programs"] == ["program_id"]
    assert pks["activities"] == ["activity_id"]
    # high-volume tables keep their key in sceval's checks, not in a DuckDB index
    assert project.contract("participants").key == ("participant_id", "activity_id")
    assert not {"participants", "followups", "events"} & set(pks)
    nullable = dict(
        con.execute(
            "SELECT column_name, is_nullable FROM duckdb_columns() WHERE table_name = 'activities'"
        ).fetchall()
    )
    assert nullable["actual_start"] is True and nullable["kind"] is False
    con.close()


def _programs(ids: list[str]) -> pl.DataFrame:
    n = len(ids)
    return pl.DataFrame(
        {
            "program_id": ids,
            "name": [f"P {i}" for i in ids],
            "provider": ["NATO"] * n,
            "framework": [None] * n,
            "partner_country": ["TUN"] * n,
            "region": ["MENA"] * n,
            "start_date": [dt.date(2020, 1, 1)] * n,
            "end_date": [dt.date(2022, 1, 1)] * n,
            "budget": [1.0] * n,
            "currency": ["EUR"] * n,
            "objective": [None] * n,
        },
        schema_overrides={"framework": pl.String, "objective": pl.String},
    )


def test_insert_batch_is_all_or_nothing(project, db_path, tmp_path):
    f1 = tmp_path / "programs.csv"
    f1.write_text("stand-in bytes for the hash\n")
    con = open_warehouse(db_path, project)
    insert_batch(con, project, [(InputFile(f1, "programs"), _programs(["A"]))])
    before = table_counts(con)
    assert before["programs"] == 1 and before["loads"] == 1
    # The second frame of the batch breaks a NOT NULL column: the first, already inserted
    # within the same transaction, must be rolled back with it.
    bad = _programs(["Z"]).with_columns(pl.lit(None, dtype=pl.String).alias("name"))
    with pytest.raises(duckdb.ConstraintException):
        insert_batch(
            con,
            project,
            [(InputFile(f1, "programs"), _programs(["B", "C"])), (InputFile(f1, "programs"), bad)],
        )
    assert table_counts(con) == before
    assert [r[0] for r in con.execute("SELECT program_id FROM programs").fetchall()] == ["A"]
    con.close()
    # and the file on disk, reopened, says the same
    con = duckdb.connect(str(db_path), read_only=True)
    assert con.execute("SELECT count(*) FROM programs").fetchone()[0] == 1
    con.close()


def test_load_records_sha256_of_each_file(project, db_path, tmp_path):
    f1 = tmp_path / "programs.csv"
    f1.write_bytes(b"any bytes\n")
    con = open_warehouse(db_path, project)
    insert_batch(con, project, [(InputFile(f1, "programs"), _programs(["A", "B"]))])
    sha, rows = con.execute("SELECT sha256, rows FROM loads").fetchone()
    assert sha == hashlib.sha256(b"any bytes\n").hexdigest()
    assert rows == 2
    con.close()


def test_reload_replaces_rows_by_key(project, db_path, tmp_path):
    f1 = tmp_path / "programs.csv"
    f1.write_bytes(b"x")
    con = open_warehouse(db_path, project)
    insert_batch(con, project, [(InputFile(f1, "programs"), _programs(["A", "B"]))])
    insert_batch(
        con,
        project,
        [(InputFile(f1, "programs"), _programs(["B"]).with_columns(pl.lit(9.0).alias("budget")))],
    )
    assert con.execute("SELECT program_id, budget FROM programs ORDER BY 1").fetchall() == [
        ("A", 1.0),
        ("B", 9.0),
    ]
    con.close()


def test_accept_partial_on_a_table_file_is_a_usage_error(tmp_path, sceval_cli):
    src = Path(__file__).resolve().parents[1] / "fixtures" / "valid" / "programs.csv"
    db = tmp_path / "w.duckdb"
    r = sceval_cli("load", "--accept-partial", str(src), "--db", str(db))
    assert r.returncode == 2
    assert "--accept-partial applies to source formats" in r.stderr
    assert "Traceback" not in r.stderr
    assert not db.exists()


def _participants(rows: list[tuple[str, str, int]]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "participant_id": [r[0] for r in rows],
            "activity_id": [r[1] for r in rows],
            "unit_id": [None] * len(rows),
            "sex": ["F"] * len(rows),
            "age": [r[2] for r in rows],
            "rank_group": ["nco"] * len(rows),
            "completed": [True] * len(rows),
            "pre_score": [None] * len(rows),
            "post_score": [None] * len(rows),
            "vetted": [True] * len(rows),
            "posted_within_days": [None] * len(rows),
        },
        schema_overrides={
            "unit_id": pl.String,
            "pre_score": pl.Float64,
            "post_score": pl.Float64,
            "posted_within_days": pl.Int64,
        },
    )


def test_reload_replaces_by_key_without_an_index(project, db_path, tmp_path):
    """participants has `key_index: false`: a reload still replaces rows by the whole key."""
    f1 = tmp_path / "participants.csv"
    f1.write_bytes(b"x")
    con = open_warehouse(db_path, project)
    first = _participants([("P1", "A1", 20), ("P1", "A2", 21), ("P2", "A1", 30)])
    insert_batch(con, project, [(InputFile(f1, "participants"), first)])
    again = _participants([("P1", "A2", 99), ("P3", "A1", 40)])
    insert_batch(con, project, [(InputFile(f1, "participants"), again)])
    insert_batch(con, project, [(InputFile(f1, "participants"), again)])  # same file twice
    got = con.execute(
        "SELECT participant_id, activity_id, age FROM participants ORDER BY 1, 2"
    ).fetchall()
    assert got == [("P1", "A1", 20), ("P1", "A2", 99), ("P2", "A1", 30), ("P3", "A1", 40)]
    con.close()


def test_duplicate_key_in_a_batch_is_refused_without_an_index(project, tmp_path, sceval_cli):
    valid = Path(__file__).resolve().parents[1] / "fixtures" / "valid"
    d = tmp_path / "in"
    shutil.copytree(valid, d)
    lines = (d / "participants.csv").read_text().splitlines()
    (d / "participants.csv").write_text("\n".join([*lines, lines[1]]) + "\n")
    db = tmp_path / "w.duckdb"
    r = sceval_cli("load", str(d), "--db", str(db))
    assert r.returncode == 1, r.stderr
    assert "participants.key.unique" in r.stderr and "nothing stored" in r.stderr
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT count(*) FROM participants").fetchall() == [(0,)]
    con.close()


def test_every_loaded_file_is_recorded_with_its_sha256(project, db_path, sceval_cli):
    """Through `sceval load` (hashes computed beside validation): each file's own SHA-256."""
    valid = Path(__file__).resolve().parents[1] / "fixtures" / "valid"
    r = sceval_cli("load", str(valid), "--db", str(db_path))
    assert r.returncode == 0, r.stderr
    con = duckdb.connect(str(db_path), read_only=True)
    rows = con.execute("SELECT file, sha256, rows FROM loads").fetchall()
    con.close()
    files = sorted(valid.glob("*.csv"))
    assert len(rows) == len(files) == 13
    for file, sha, _ in rows:
        assert sha == hashlib.sha256(Path(file).read_bytes()).hexdigest(), file
