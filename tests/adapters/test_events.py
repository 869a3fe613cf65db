"""UCDP GED (real excerpt) and ACLED (hand-made layout) into events; counts from DuckDB."""

from __future__ import annotations

import duckdb
import polars as pl
import pytest
from adapter_paths import DATA, REAL

from sceval.errors import InvalidDataError
from sceval.load import POLARS_TYPES, InputFile, insert_batch
from sceval.warehouse import open_warehouse

GED = REAL / "ucdp_ged_myanmar_excerpt.csv"
ACLED = DATA / "acled_sample.csv"
MAP = REAL.parents[2] / "seeds" / "mappings" / "ucdp_actors_myanmar.yml"
EXAMPLE = REAL.parents[2] / "docs" / "examples" / "myanmar"


def csv_sql(q: str):
    return duckdb.sql(q.replace("GED", f"read_csv('{GED}', all_varchar=true)")).fetchall()


def with_units(project, db):
    """The Myanmar example's program and unit, written straight into a fresh warehouse."""
    con = open_warehouse(db, project)
    try:
        frames = []
        for table in ("programs", "units"):
            schema = {c.name: POLARS_TYPES[c.type] for c in project.contract(table).columns}
            df = pl.read_csv(EXAMPLE / f"{table}.csv", schema_overrides=schema)
            frames.append((InputFile(EXAMPLE / f"{table}.csv", table), df.select(list(schema))))
        insert_batch(con, project, frames)
    finally:
        con.close()


def test_ucdp_events_per_type_match_duckdb_over_the_csv(adapter_load):
    got = adapter_load(GED, source="ucdp-ged")
    expected = dict(
        csv_sql(
            "SELECT CASE WHEN type_of_violence = '3' THEN 'violence_against_civilians' "
            "ELSE 'battle' END, count(*) FROM GED GROUP BY ALL"
        )
    )
    assert dict(got.sql("SELECT event_type, count(*) FROM events GROUP BY ALL")) == expected
    assert got.file()["details"]["events_by_type"] == expected
    assert got.one("SELECT count(*) FROM events") == got.file()["rows_read"]
    # UCDP has no targeting column: derived from one-sided violence.
    assert (
        got.one("SELECT count(*) FROM events WHERE civilian_targeting")
        == expected["violence_against_civilians"]
    )
    assert (
        got.one("SELECT sum(fatalities) FROM events")
        == csv_sql("SELECT sum(best::INT) FROM GED")[0][0]
    )
    assert got.one("SELECT DISTINCT country FROM events") == "MMR"


def test_ucdp_precision_kept_and_imprecise_locations_lose_admin1(adapter_load):
    got = adapter_load(GED, source="ucdp-ged")
    coarse = csv_sql("SELECT count(*) FROM GED WHERE where_prec::INT >= 5")[0][0]
    no_adm = csv_sql("SELECT count(*) FROM GED WHERE where_prec::INT >= 5 OR adm_1 IS NULL")[0][0]
    assert coarse > 0
    assert got.one("SELECT count(*) FROM events WHERE admin1 IS NULL") == no_adm
    assert got.file()["details"]["imprecise_locations"] == coarse
    month = csv_sql("SELECT count(*) FROM GED WHERE date_prec::INT >= 4")[0][0]
    assert got.file()["details"]["imprecise_dates"] == month
    marked = got.file()["details"]["imprecise_event_ids"]
    assert sorted(marked["location"]) == sorted(
        "ucdp-ged-" + r[0] for r in csv_sql("SELECT id FROM GED WHERE where_prec::INT >= 5")
    )
    assert len(marked["date"]) == month
    assert got.file()["details"]["where_prec"] == dict(
        csv_sql("SELECT where_prec, count(*) FROM GED GROUP BY ALL")
    )


def test_actor_mapping_ties_the_government_to_its_unit(adapter_load, project, tmp_path):
    db = tmp_path / "wh.duckdb"
    with_units(project, db)
    got = adapter_load(GED, source="ucdp-ged", actor_map=MAP, db=db)
    expected = csv_sql(
        "SELECT count(*) FROM GED WHERE side_a = 'Government of Myanmar (Burma)' "
        "OR side_b = 'Government of Myanmar (Burma)'"
    )[0][0]
    assert got.one("SELECT count(*) FROM events WHERE actor_unit_id = 'mmr-tatmadaw'") == expected
    assert got.file()["details"]["events_by_unit"] == {"mmr-tatmadaw": expected}


def test_mapping_to_a_unit_not_loaded_stores_nothing(adapter_load, tmp_path):
    with pytest.raises(InvalidDataError, match="mmr-tatmadaw .*load units first"):
        adapter_load(GED, source="ucdp-ged", actor_map=MAP)
    with duckdb.connect(str(tmp_path / "wh.duckdb")) as con:
        assert con.execute("SELECT count(*) FROM events").fetchone()[0] == 0


def test_acled_refused_when_dirty_then_partial(adapter_load, project, tmp_path):
    with pytest.raises(InvalidDataError, match="2 row\\(s\\) rejected.*--accept-partial"):
        adapter_load(ACLED, source="acled")
    db = tmp_path / "wh.duckdb"
    with_units(project, db)
    got = adapter_load(ACLED, source="acled", accept_partial=True, actor_map=MAP, db=db)
    rows = dict(
        got.sql("SELECT event_id, (event_type, civilian_targeting, actor_unit_id) FROM events")
    )
    assert rows["TST1"] == ("violence_against_civilians", True, "mmr-tatmadaw")
    # Blank civilian_targeting derived: excessive force against protesters targets civilians.
    assert rows["TST2"] == ("protest", True, "mmr-tatmadaw")
    assert rows["TST3"] == ("battle", False, "mmr-tatmadaw")
    assert rows["TST4"] == ("explosion", True, "mmr-tatmadaw")
    assert rows["TST5"] == ("riot", False, None)
    assert rows["TST6"] == ("strategic", False, None)
    assert rows["TST7"] == ("protest", False, None)
    # Blank event_type: taken from sub_event_type "Attack".
    assert rows["TST11"] == ("violence_against_civilians", True, None)
    # Blank targeting on shelling with civilians as the other side: derived; an IED against
    # the army is not civilian targeting (its actor2 is mapped to the unit).
    assert rows["TST12"] == ("explosion", True, "mmr-tatmadaw")
    assert rows["TST13"] == ("explosion", False, "mmr-tatmadaw")
    # Kosovo (ACLED's iso 0, country "Kosovo") is the project's user-assigned XKX.
    assert rows["TST8"] == ("protest", False, None)
    assert got.one("SELECT country FROM events WHERE event_id = 'TST8'") == "XKX"
    assert set(rows) == {f"TST{i}" for i in (1, 2, 3, 4, 5, 6, 7, 8, 11, 12, 13)}
    assert got.one("SELECT country FROM events WHERE event_id = 'TST7'") == "THA"
    assert got.one("SELECT event_date::VARCHAR FROM events WHERE event_id = 'TST2'") == "2021-03-27"
    by_reason = got.file()["rejected_by_reason"]
    assert by_reason == {
        "event_date is not a date": 1,
        "event_type and sub_event_type not recognised": 1,
    }
    assert "country" not in got.file()["codes_not_recognised"]
    assert got.file()["normalised"]["country Kosovo to the user-assigned code XKX"] == 1


def test_csv_mapping_file_and_bad_mapping_files(adapter_load, project, tmp_path):
    db = tmp_path / "wh.duckdb"
    with_units(project, db)
    mapping = tmp_path / "actors.csv"
    mapping.write_text("actor,unit_id\nGovernment of Myanmar (Burma),mmr-tatmadaw\n")
    got = adapter_load(GED, source="ucdp-ged", actor_map=mapping, db=db)
    assert got.one("SELECT count(actor_unit_id) FROM events") > 0
    from sceval.errors import UsageError

    bad = tmp_path / "bad.yml"
    bad.write_text("patterns:\n  - {regex: '(', unit_id: x}\n")
    with pytest.raises(UsageError, match="bad regex"):
        adapter_load(GED, source="ucdp-ged", actor_map=bad, db=db)
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("name,unit\nA,B\n")
    with pytest.raises(UsageError, match="actor,unit_id"):
        adapter_load(GED, source="ucdp-ged", actor_map=wrong, db=db)
