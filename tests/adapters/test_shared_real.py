"""Every file of ../shared/data/real loads through its adapter (skipped without the folder).

These read the shared files in place (they are not copied into the repository); expected
counts come from DuckDB over the same files.
"""

from __future__ import annotations

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
    path = SHARED_REAL / "training/fmtr_fy2020_2021_trainings.csv"
    rejects = tmp_path / "rejects.csv"
    got = adapter_load(path, source="fmtr", accept_partial=True, rejects=rejects)
    src = f"read_csv('{path}', all_varchar=true)"
    loadable, no_dates, backwards, kosovo = duckdb.sql(
        "SELECT count(*) FILTER (WHERE country <> 'Kosovo' AND start_date IS NOT NULL "
        "AND strptime(end_date, '%m/%d/%Y') >= strptime(start_date, '%m/%d/%Y')), "
        "count(*) FILTER (WHERE country <> 'Kosovo' AND start_date IS NULL), "
        "count(*) FILTER (WHERE country <> 'Kosovo' AND strptime(end_date, '%m/%d/%Y') < strptime(start_date, '%m/%d/%Y')), "
        f"count(*) FILTER (WHERE country = 'Kosovo') FROM {src}"
    ).fetchall()[0]
    assert (no_dates, backwards) == (676, 15)  # 684 undated lines, 8 of them Kosovo's
    assert got.one("SELECT count(*) FROM activities") == loadable
    report = got.file()
    assert report["rejected"] == no_dates + backwards + kosovo
    assert len(report["rejected_rows"]) == report["rejected"]
    assert len(rejects.read_text().strip().splitlines()) == report["rejected"] + 1
