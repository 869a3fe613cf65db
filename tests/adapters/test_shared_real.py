"""Every file of ../shared/data/real loads through its adapter (skipped without the folder).

These read the shared files in place (they are not copied into the repository); expected
counts come from DuckDB over the same files.
"""

from __future__ import annotations

import json

import duckdb
import pytest
from adapter_paths import SHARED_REAL

pytestmark = pytest.mark.skipif(not SHARED_REAL.is_dir(), reason="../shared/data/real absent")

FILES = {
    "iati/iati203_activity-standard-example-annotated.xml": "iati",
    "iati/iati203_gdihub_GB-COH-11126312.xml": "iati",
    "iati/iati203_worldbank_44000-P175662.xml": "iati",
    "iati/iati1x_globalfund_47045-ARM-202-G05-H-00.xml": "iati",
    "conflict/ucdp_ged_myanmar.csv": "ucdp-ged",
    "conflict/ucdp_acd_conflict_years.csv": "ucdp-acd",
    "conflict/powell_thyne_coups_gw_years.csv": "coups",
    "conflict/sipri_tiv_dyad_year_1950_2021.csv": "sipri-tiv",
    "conflict/gw_states.csv": "gw-states",
    "governance/wgi_1996_2021.csv": "wgi",
    "governance/vdem_demspaces_6indices_1968_on.csv": "vdem",
    "training/fmtr_fy2020_2021_trainings.csv": "fmtr",
}


def all_files():
    """Every data file but the training report (its own test below loads it in full)."""
    return sorted(
        p.relative_to(SHARED_REAL).as_posix()
        for p in SHARED_REAL.rglob("*")
        if p.is_file() and p.suffix in {".csv", ".xml"} and not p.name.startswith("fmtr_")
    )


@pytest.mark.parametrize("name", all_files() if SHARED_REAL.is_dir() else [])
def test_every_real_file_is_recognised_and_loads(name, adapter_load):
    from sceval.adapters import detect_source

    path = SHARED_REAL / name
    expected = FILES.get(name, "iati-codelist" if name.startswith("codelists/") else None)
    assert detect_source(path) == expected
    got = adapter_load(path, accept_partial=(expected == "fmtr"))
    report = got.file()
    assert report["source"] == expected
    assert report["rows_read"] > 0
    if expected in ("gw-states", "iati-codelist"):
        assert report["loaded"] == {} and any("nothing stored" in n for n in report["notes"])
    else:
        assert sum(report["loaded"].values()) > 0
        assert report["rejected_invalid"] == 0 or expected == "fmtr"


def test_ucdp_myanmar_full_counts(adapter_load):
    path = SHARED_REAL / "conflict/ucdp_ged_myanmar.csv"
    got = adapter_load(path, source="ucdp-ged")
    expected = dict(
        duckdb.sql(
            "SELECT CASE WHEN type_of_violence = 3 THEN 'violence_against_civilians' ELSE 'battle' END, "
            f"count(*) FROM '{path}' GROUP BY ALL"
        ).fetchall()
    )
    assert expected == {"battle": 4966 + 78, "violence_against_civilians": 2330}
    assert dict(got.sql("SELECT event_type, count(*) FROM events GROUP BY ALL")) == expected


def test_fmtr_fy2020_loads_with_accept_partial_and_reports_each_rejected_row(
    adapter_load, tmp_path
):
    """The full FY2020 report: 10,455 lines = 684 'Program Totals' subtotals (one per program,
    each equal to the sum of its lines, so no warning) + 9,756 training lines loaded + the 15
    lines ending before they start, the only rejects. Kosovo's 100 lines (8 subtotals, 92
    training lines) load under XKX."""
    path = SHARED_REAL / "training/fmtr_fy2020_2021_trainings.csv"
    rejects = tmp_path / "rejects.csv"
    got = adapter_load(path, source="fmtr", accept_partial=True, rejects=rejects)
    src = f"read_csv('{path}', all_varchar=true)"
    loadable, subtotals, backwards, kosovo = duckdb.sql(
        "SELECT count(*) FILTER (WHERE start_date IS NOT NULL "
        "AND strptime(end_date, '%m/%d/%Y') >= strptime(start_date, '%m/%d/%Y')), "
        "count(*) FILTER (WHERE course_title LIKE '%Program Totals%'), "
        "count(*) FILTER (WHERE strptime(end_date, '%m/%d/%Y') < strptime(start_date, '%m/%d/%Y')), "
        f"count(*) FILTER (WHERE country = 'Kosovo') FROM {src}"
    ).fetchall()[0]
    assert (loadable, subtotals, backwards, kosovo) == (9756, 684, 15, 100)
    report = got.file()
    assert report["rows_read"] == 10455 == loadable + subtotals + backwards
    assert report["loaded"]["activities"] == got.one("SELECT count(*) FROM activities") == 9756
    assert report["loaded"]["programs"] == 684
    assert report["rejected"] == 15
    assert report["rejected_by_reason"] == {"end_date before start_date": 15}
    assert len(report["rejected_rows"]) == 15
    assert len(rejects.read_text().strip().splitlines()) == 15 + 1
    # Every subtotal was checked against its program's lines: none differs by more than $1.
    assert report["details"]["program_subtotals"] == 684
    assert report["details"]["programs_total_differs_from_lines"] == 0
    assert report["warnings"] == []
    # Kosovo: 8 programs (their budgets the report's subtotals), 92 training lines.
    assert report["normalised"]["country Kosovo to the user-assigned code XKX"] == 100
    assert "country" not in report["codes_not_recognised"]
    assert got.one("SELECT count(*) FROM programs WHERE partner_country = 'XKX'") == 8
    assert (
        got.one(
            "SELECT count(*) FROM activities JOIN programs USING (program_id) "
            "WHERE partner_country = 'XKX'"
        )
        == 92
    )
    kosovo_budget = duckdb.sql(
        "SELECT sum(replace(replace(total_cost, '$', ''), ',', '')::DOUBLE) "
        f"FROM {src} WHERE country = 'Kosovo' AND course_title LIKE '%Program Totals%'"
    ).fetchall()[0][0]
    assert got.one("SELECT sum(budget) FROM programs WHERE partner_country = 'XKX'") == (
        kosovo_budget
    )
    assert kosovo_budget == 1691133.0


@pytest.mark.parametrize(
    ("name", "source", "message", "rows", "years"),
    [
        # WGI writes Kosovo as the World Bank's legacy KSV; 23 country-years (1996-2021,
        # 1997, 1999 and 2001 absent).
        (
            "governance/wgi_1996_2021.csv",
            "wgi",
            "WGI country code KSV (Kosovo) to the user-assigned code XKX",
            23,
            23,
        ),
        # Powell & Thyne code it as Gleditsch-Ward 347, from independence in 2008: 18 years.
        (
            "conflict/powell_thyne_coups_gw_years.csv",
            "coups",
            "Gleditsch-Ward code 347 (Kosovo) to the user-assigned code XKX",
            18,
            18,
        ),
        # SIPRI names the recipient "Kosovo": deliveries in 2014, 2018, 2020 and 2021.
        (
            "conflict/sipri_tiv_dyad_year_1950_2021.csv",
            "sipri-tiv",
            "SIPRI recipient Kosovo to the user-assigned code XKX",
            4,
            4,
        ),
    ],
)
def test_kosovo_rows_of_the_real_files_map_to_xkx(adapter_load, name, source, message, rows, years):
    got = adapter_load(SHARED_REAL / name, source=source, accept_partial=True)
    assert got.file()["normalised"][message] == rows
    assert got.one("SELECT count(DISTINCT year) FROM context WHERE country = 'XKX'") == years
    unrecognised = json.dumps(got.file()["codes_not_recognised"])
    assert "Kosovo" not in unrecognised and "KSV" not in unrecognised
