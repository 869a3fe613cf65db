"""Kosovo: a declared user-assigned country code (XKX) in the project, accepted by the
contracts and reached from every source's spelling (KSV, XK, Gleditsch-Ward 347, "Kosovo");
and the training report's per-program subtotal lines read as subtotals and checked."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import polars as pl
import pytest
from adapter_paths import REAL

from sceval.adapters.countries import (
    iso3_from_alpha2,
    iso3_from_alpha3,
    iso3_from_gw,
    iso3_from_name,
    iso3_from_numeric,
)
from sceval.errors import ProjectError
from sceval.project import Project

VALID = Path(__file__).resolve().parents[1] / "fixtures" / "valid"


def test_every_source_spelling_of_kosovo_maps_to_xkx():
    assert iso3_from_alpha3("KSV") == "XKX"  # WGI's legacy World Bank code
    assert iso3_from_alpha3("XKX") == "XKX"  # V-Dem, the World Bank API
    assert iso3_from_alpha2("XK") == "XKX"  # IATI recipient-country
    assert iso3_from_gw(347) == iso3_from_gw("347") == "XKX"  # UCDP, coups, V-Dem
    assert iso3_from_name("Kosovo") == iso3_from_name(" KOSOVO ") == "XKX"  # SIPRI, FMTR, ACLED
    assert iso3_from_numeric("0") is None  # ACLED's iso 0: its country name decides
    # Neighbours are untouched, and a historic state still maps to nothing.
    assert (iso3_from_gw(345), iso3_from_alpha2("RS"), iso3_from_gw(265)) == ("SRB", "SRB", None)


def _project(tmp_path: Path, project: Project, declared: str | None) -> Project:
    """A copy of the default project's contracts with `declared` as its country list."""
    root = tmp_path / "proj"
    root.mkdir(parents=True)
    text = project.path("sceval_project.yml").read_text(encoding="utf-8")
    head = text.split("user_assigned_countries:")[0]
    (root / "sceval_project.yml").write_text(head + (declared or ""), encoding="utf-8")
    shutil.copytree(project.path("schemas"), root / "schemas")
    return Project(root)


def _data(tmp_path: Path, country: str) -> Path:
    """The valid fixture set with program P1 (and its unit U1) in `country`."""
    data = tmp_path / f"data-{country}"
    if data.is_dir():
        return data
    shutil.copytree(VALID, data)
    for name in ("programs.csv", "units.csv"):
        path = data / name
        path.write_text(path.read_text().replace(",TUN,", f",{country},"), encoding="utf-8")
    return data


def test_the_default_project_declares_xkx_kosovo(project):
    assert project.user_countries == {"XKX": "Kosovo"}
    assert project.country_name("XKX") == "Kosovo"
    assert project.country_name("TUN") == "Tunisia"
    assert project.contract("programs").user_countries == ("XKX",)


def test_contracts_accept_declared_codes_only(tmp_path, project):
    from sceval.contracts import validate_paths

    report = validate_paths([_data(tmp_path, "XKX")], project)
    assert report.ok, report.first_failure()
    # A project that extends the list accepts its own code too, with its name.
    extended = _project(
        tmp_path, project, "user_assigned_countries:\n  XKX: Kosovo\n  XSM: Somaliland\n"
    )
    assert extended.country_name("XSM") == "Somaliland"
    xsm = _data(tmp_path, "XSM")
    assert validate_paths([xsm], extended).ok
    # The default project does not know XSM; a project that declares nothing refuses XKX.
    refused = validate_paths([xsm / "programs.csv"], project)
    assert not refused.ok and "XSM" in refused.first_failure()
    bare = _project(tmp_path / "bare", project, "user_assigned_countries: {}\n")
    assert bare.user_countries == {}
    failure = validate_paths([_data(tmp_path, "XKX") / "programs.csv"], bare).first_failure()
    assert "partner_country" in failure and "XKX" in failure


@pytest.mark.parametrize(
    ("declared", "message"),
    [
        ("user_assigned_countries:\n  KOS: Kosovo\n", "'KOS' is not a user-assigned alpha-3 code"),
        ("user_assigned_countries:\n  XKX: ''\n", "XKX needs the name reports use"),
        ("user_assigned_countries: [XKX]\n", "maps codes to names"),
    ],
)
def test_a_bad_country_list_names_the_file_and_the_code(tmp_path, project, declared, message):
    bad = _project(tmp_path, project, declared)
    with pytest.raises(ProjectError, match="sceval_project.yml: user_assigned_countries") as err:
        bad.contracts  # noqa: B018 - reading the contracts reads the list
    assert message in str(err.value)


def test_iati_xk_and_ucdp_gw_347_map_to_xkx(adapter_load, tmp_path):
    iati = tmp_path / "kosovo.xml"
    text = (REAL / "iati" / "iati1x_globalfund_47045-ARM-202-G05-H-00.xml").read_text()
    assert text.count('<recipient-country code="AM"') == 1
    iati.write_text(text.replace('<recipient-country code="AM"', '<recipient-country code="XK"'))
    got = adapter_load(iati, source="iati", db=tmp_path / "iati.duckdb")
    assert got.sql("SELECT DISTINCT partner_country FROM programs") == [("XKX",)]
    assert (
        got.file()["normalised"]["recipient-country code XK (Kosovo) to the user-assigned code XKX"]
        == 1
    )
    ged = tmp_path / "ged.csv"
    rows = pl.read_csv(REAL / "ucdp_ged_myanmar_excerpt.csv", infer_schema=False).head(3)
    rows.with_columns(country=pl.lit("Kosovo"), country_id=pl.lit("347")).write_csv(ged)
    got = adapter_load(ged, source="ucdp-ged", db=tmp_path / "ged.duckdb")
    assert got.sql("SELECT country, count(*) FROM events GROUP BY ALL") == [("XKX", 3)]
    assert got.file()["normalised"]["country Kosovo to the user-assigned code XKX"] == 3


def test_coups_gw_347_maps_and_unmapped_states_are_named(adapter_load, tmp_path):
    path = tmp_path / "coups.csv"
    path.write_text(
        "gwcode,year,pt_attempt_num,pt_coup_num,pt_failed_num\n"
        "347,2019,0,0,0\n347,2020,0,0,0\n396,2020,0,0,0\n775,2021,1,1,0\n"
    )
    got = adapter_load(path, source="coups", accept_partial=True)
    assert got.sql(
        "SELECT country, year, value FROM context WHERE indicator = 'coup_attempts' ORDER BY ALL"
    ) == [("MMR", 2021, 1.0), ("XKX", 2019, 0.0), ("XKX", 2020, 0.0)]
    report = got.file()
    assert (
        report["normalised"]["Gleditsch-Ward code 347 (Kosovo) to the user-assigned code XKX"] == 2
    )
    # Abkhazia (GW 396) is a disputed territory with no code: listed by name, not loaded.
    assert report["codes_not_recognised"] == {"Gleditsch-Ward code": {"396 Abkhazia": 1}}


def _excerpt_with_total(tmp_path: Path, old: str, new: str) -> Path:
    """The training report excerpt with Burma's Regional Centers subtotal changed."""
    text = (REAL / "fmtr_fy2020_excerpt.csv").read_text(encoding="utf-8")
    lines = [
        line
        for line in text.splitlines()
        if line.startswith("FY2020-2021,")
        and ",Burma,Regional Centers" in line
        and "Totals" in line
    ]
    assert len(lines) == 1 and old in lines[0]
    path = tmp_path / "fmtr_changed.csv"
    path.write_text(text.replace(lines[0], lines[0].replace(old, new)), encoding="utf-8")
    return path


def test_fmtr_subtotal_that_differs_from_its_lines_is_a_warning(adapter_load, tmp_path):
    # The excerpt's subtotal for Burma's Regional Centers is $195,385, the sum of its lines.
    path = _excerpt_with_total(tmp_path, '"$195,385"', '"$200,000"')
    got = adapter_load(path, source="fmtr", accept_partial=True)
    report = got.file()
    assert report["details"]["programs_total_differs_from_lines"] == 1
    [warning] = report["warnings"]
    assert warning.startswith("Regional Centers - Fiscal Year 2020")
    assert "(Burma)" in warning and "$200,000.00" in warning and "$195,385.00" in warning
    assert "difference $4,615.00" in warning
    assert "warning: Regional Centers" in got.out  # printed with the mapping report
    # Still a subtotal, not a reject; the budget is the report's own figure.
    assert report["rejected_by_reason"] == {"end_date before start_date": 15}
    assert (
        got.one("SELECT budget FROM programs WHERE program_id = 'fmtr-fy2020-MMR-regional-centers'")
        == 200000.0
    )


def test_a_kosovo_program_loads_runs_and_is_named_in_its_scorecard(tmp_path, project):
    from sceval.load import load_paths
    from sceval.pipeline import execute, load_pipeline
    from sceval.reports import write_reports
    from sceval.warehouse import open_warehouse

    data = _data(tmp_path, "XKX")
    (data / "partnership_ratings.csv").unlink()  # item codes of another model
    con = open_warehouse(tmp_path / "wh.duckdb", project)
    try:
        load_paths(con, project, [data])
        run_id = execute(
            con, project, pipeline=load_pipeline(project, None), as_of=dt.date(2025, 6, 30)
        )
        n = con.execute(
            "SELECT count(*) FROM indicator_results WHERE run_id = ? AND program_id = 'P1'",
            [run_id],
        ).fetchall()[0][0]
        files = write_reports(con, project, tmp_path / "out", formats=["html"], run_id=run_id)
    finally:
        con.close()
    assert n > 0
    page = next(p for p in files if p.name == "scorecard-P1.html").read_text(encoding="utf-8")
    assert "Coastal Guard Capacity" in page
    assert "partner country Kosovo (XKX)" in page
