"""The US training report excerpt: refused when dirty, partial load on request, row-by-row rejects."""

from __future__ import annotations

import csv

import duckdb
import pytest
from adapter_paths import REAL

from sceval.errors import InvalidDataError

FMTR = REAL / "fmtr_fy2020_excerpt.csv"
LOADABLE = (
    "start_date IS NOT NULL AND end_date IS NOT NULL "
    "AND strptime(end_date, '%m/%d/%Y') >= strptime(start_date, '%m/%d/%Y')"
)


def csv_sql(q: str):
    return duckdb.sql(q.replace("{F}", f"read_csv('{FMTR}', all_varchar=true)")).fetchall()


def test_dirty_file_is_refused_and_nothing_stored(adapter_load, tmp_path):
    with pytest.raises(InvalidDataError, match="nothing stored.*--accept-partial"):
        adapter_load(FMTR, source="fmtr")
    assert not (tmp_path / "wh.duckdb").exists()
    report = (tmp_path / "report.json").read_text()
    assert '"status": "refused"' in report


def test_accept_partial_loads_valid_lines_and_writes_each_rejected_row(adapter_load, tmp_path):
    rejects = tmp_path / "rejects.csv"
    got = adapter_load(FMTR, source="fmtr", accept_partial=True, rejects=rejects)
    n, trainees, cost = csv_sql(
        "SELECT count(*), sum(quantity::INT), sum(replace(replace(total_cost, '$', ''), ',', '')::DOUBLE) "
        f"FROM {{F}} WHERE {LOADABLE}"
    )[0]
    assert got.one("SELECT count(*) FROM activities") == n
    assert got.one("SELECT sum(trainees_reported) FROM activities") == trainees
    assert got.one("SELECT sum(actual_cost) FROM activities") == cost
    backwards = csv_sql(
        "SELECT count(*) FROM {F} WHERE strptime(end_date, '%m/%d/%Y') < strptime(start_date, '%m/%d/%Y')"
    )[0][0]
    totals = csv_sql("SELECT count(*) FROM {F} WHERE course_title LIKE '%Program Totals%'")[0][0]
    kosovo = csv_sql("SELECT count(*) FROM {F} WHERE country = 'Kosovo'")[0][0]
    assert (totals, kosovo) == (30, 100)
    # The rejects are the broken lines only: subtotals are read as subtotals, Kosovo loads.
    by_reason = got.file()["rejected_by_reason"]
    assert by_reason == {"end_date before start_date": backwards} and backwards == 15
    assert got.file()["details"]["program_subtotals"] == totals
    assert got.file()["rows_read"] == n + backwards + totals
    assert got.one("SELECT count(*) FROM programs WHERE partner_country = 'XKX'") == 8
    with rejects.open() as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == backwards
    assert all(r["reason"] for r in rows)
    djibouti = [
        r for r in rows if r["country"] == "Djibouti" and r["reason"].startswith("end_date")
    ]
    assert djibouti[0]["start_date"] == "7/4/2020" and djibouti[0]["end_date"] == "6/26/2020"


def test_programs_units_and_spelling_variants(adapter_load):
    got = adapter_load(FMTR, source="fmtr", accept_partial=True)
    # Panama's "Police/SENAN", "Police / SENAN" and "Police/ Senan" are one unit.
    spellings = {
        r[0]
        for r in csv_sql("SELECT DISTINCT student_unit FROM {F} WHERE country='Panama'")
        if r[0] and r[0].replace(" ", "").casefold() == "police/senan"
    }
    assert len(spellings) == 3
    assert got.sql(
        "SELECT count(DISTINCT unit_id) FROM activities a JOIN units u USING (unit_id) "
        "WHERE u.name = 'Police/SENAN'"
    ) == [(1,)]
    assert got.one("SELECT service FROM units WHERE name = 'Police/SENAN'") == "police"
    assert got.one("SELECT DISTINCT vetting_status FROM units") == "not_vetted"
    # Burma's Regional Centers program: the report's own total, fiscal-year dates, MMR.
    total = csv_sql(
        "SELECT replace(replace(total_cost, '$', ''), ',', '')::DOUBLE FROM {F} "
        "WHERE country='Burma' AND program LIKE 'Regional Centers %' AND course_title LIKE '%Totals%'"
    )
    row = got.sql(
        "SELECT partner_country, framework, start_date::VARCHAR, end_date::VARCHAR, budget, currency "
        "FROM programs WHERE program_id = 'fmtr-fy2020-MMR-regional-centers'"
    )
    assert total == [(195385.0,)]
    assert row == [("MMR", "Regional Centers", "2019-10-01", "2020-09-30", 195385.0, "USD")]
    assert (
        got.one(
            "SELECT count(*) FROM activities WHERE program_id NOT IN (SELECT program_id FROM programs)"
        )
        == 0
    )


def test_reload_keeps_units_an_evaluator_updated(adapter_load, tmp_path):
    db = tmp_path / "wh.duckdb"
    adapter_load(FMTR, source="fmtr", accept_partial=True, db=db)
    with duckdb.connect(str(db)) as con:
        con.execute(
            "UPDATE units SET vetting_status = 'cleared', vetting_date = DATE '2019-09-01' "
            "WHERE name = 'Police/SENAN'"
        )
        n_units = con.execute("SELECT count(*) FROM units").fetchall()[0][0]
    got = adapter_load(FMTR, source="fmtr", accept_partial=True, db=db)
    assert got.one("SELECT vetting_status FROM units WHERE name = 'Police/SENAN'") == "cleared"
    assert got.one("SELECT count(*) FROM units") == n_units
    assert got.file()["loaded"]["units"] == 0
    assert (
        got.file()["normalised"]["unit already in the warehouse: kept as it is, not overwritten"]
        == n_units
    )
