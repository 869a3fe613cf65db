"""The warehouse: every SPEC table typed and keyed; loads all-or-nothing with SHA-256 provenance."""

from __future__ import annotations

import datetime as dt
import hashlib
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
    pk = con.execute(
        "SELECT constraint_column_names FROM duckdb_constraints() "
        "WHERE table_name = 'participants' AND constraint_type = 'PRIMARY KEY'"
    ).fetchone()[0]
    assert pk == ["participant_id", "activity_id"]
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
