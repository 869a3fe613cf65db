"""The generated seed passes every contract rule, checked with plain DuckDB SQL over the CSVs."""

from __future__ import annotations

import duckdb
import pycountry
import pytest

from sceval.project import Project
from sceval.seed import GENERATED, HAND_WRITTEN, generate

from .conftest import ROOT

PROJECT = Project(ROOT)
TYPES = {"str": "VARCHAR", "int": "BIGINT", "float": "DOUBLE", "bool": "BOOLEAN", "date": "DATE"}


@pytest.fixture(scope="module", params=["committed", "generic"])
def con(request, seed_dir, tmp_path_factory):
    """DuckDB with every seed CSV read with the contract's column types (strict).

    Run on the scale-1 seed and on scale 2.5, whose three generic programs are drawn at random.
    """
    if request.param == "generic":
        seed_dir = tmp_path_factory.mktemp("generic")
        generate(seed_dir, seed=11, scale=2.5, fmt="csv")
    c = duckdb.connect()
    for name, contract in PROJECT.contracts.items():
        cols = ", ".join(f"'{col.name}': '{TYPES[col.type]}'" for col in contract.columns)
        path = seed_dir / f"{name}.csv"
        c.execute(
            f"CREATE TABLE {name} AS SELECT * FROM read_csv('{path}', header=true, columns={{{cols}}})"
        )
    yield c
    c.close()


def _count(con, sql: str) -> int:
    return con.execute(sql).fetchone()[0]


def test_every_generated_table_has_rows(con):
    for t in (*GENERATED, *HAND_WRITTEN):
        assert _count(con, f"SELECT count(*) FROM {t}") > 0, t


@pytest.mark.parametrize("table", sorted(PROJECT.contracts))
def test_columns_follow_the_contract(con, table):
    contract = PROJECT.contract(table)
    header = [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()]
    assert header == contract.column_names
    if contract.key:
        key = ", ".join(contract.key)
        assert _count(con, f"SELECT count(*) - count(DISTINCT ({key})) FROM {table}") == 0
    for col in contract.columns:
        c = col.name
        bad = []
        if not col.nullable:
            bad.append(f"{c} IS NULL")
        if col.unique:
            assert _count(con, f"SELECT count({c}) - count(DISTINCT {c}) FROM {table}") == 0, c
        if col.values:
            allowed = ", ".join(f"'{v}'" for v in col.values)
            bad.append(f"{c} NOT IN ({allowed})")
        if col.min is not None:
            bad.append(f"{c} < {col.min}")
        if col.max is not None:
            bad.append(f"{c} > {col.max}")
        if col.min_column:
            bad.append(f"{c} < {col.min_column}")
        if col.max_column:
            bad.append(f"{c} > {col.max_column}")
        if col.references:
            rt, rc = col.references.split(".")
            bad.append(f"{c} IS NOT NULL AND {c} NOT IN (SELECT {rc} FROM {rt})")
        if col.format:
            codes = pycountry.countries if col.format == "iso3166_alpha3" else pycountry.currencies
            allowed = ", ".join(f"'{x.alpha_3}'" for x in codes)
            bad.append(f"{c} NOT IN ({allowed})")
        for cond in bad:
            assert _count(con, f"SELECT count(*) FROM {table} WHERE {cond}") == 0, (
                f"{table}: {cond}"
            )


def test_cross_table_rules(con):
    # Participants only attend training, education or exercise activities.
    assert (
        _count(
            con,
            """SELECT count(*) FROM participants p JOIN activities a USING (activity_id)
                          WHERE a.kind NOT IN ('training', 'education', 'exercise')""",
        )
        == 0
    )
    # End-use checks never find more items than were transferred.
    assert (
        _count(
            con,
            """SELECT count(*) FROM end_use_checks c JOIN equipment e USING (transfer_id)
                          WHERE c.quantity_verified + c.quantity_missing > e.quantity""",
        )
        == 0
    )
    # A follow-up of a person comes after the person's first completion.
    assert (
        _count(
            con,
            """SELECT count(*) FROM followups f JOIN (
                            SELECT participant_id, min(a.actual_end) AS done FROM participants p
                            JOIN activities a USING (activity_id) WHERE completed GROUP BY 1) d
                          USING (participant_id) WHERE f.check_date <= d.done""",
        )
        == 0
    )


def test_nothing_is_dated_after_the_snapshot(con, seed_settings):
    as_of = str(seed_settings["as_of"])
    for table, col in [
        ("activities", "actual_end"),
        ("followups", "check_date"),
        ("events", "event_date"),
        ("incidents", "date"),
        ("dialogues", "date"),
        ("equipment", "delivered_date"),
        ("end_use_checks", "check_date"),
    ]:
        assert _count(con, f"SELECT count(*) FROM {table} WHERE {col} > DATE '{as_of}'") == 0, table


def test_activity_status_matches_its_dates(con, seed_settings):
    as_of = str(seed_settings["as_of"])
    rows = con.execute(f"""SELECT status, count(*) FILTER (WHERE NOT (
            (status = 'delivered' AND actual_end <= DATE '{as_of}')
         OR (status = 'ongoing' AND actual_start <= DATE '{as_of}' AND actual_end IS NULL)
         OR (status = 'planned' AND actual_start IS NULL)
         OR (status = 'cancelled' AND actual_start IS NULL))), count(*)
        FROM activities GROUP BY 1 ORDER BY 1""").fetchall()
    assert {r[0] for r in rows} == {"cancelled", "delivered", "ongoing", "planned"}
    assert all(r[1] == 0 for r in rows), rows
