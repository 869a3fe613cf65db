"""Issue 16: a header without rows is a table of zero rows (SPEC §6), `min_rows` says where it
is an error, a file of zero bytes stays invalid, and a skipped rule says why it was skipped."""

from __future__ import annotations

import duckdb

from sceval.contracts.validate import validate_paths

PROGRAMS = (
    "program_id,name,provider,framework,partner_country,region,start_date,end_date,budget,"
    "currency,objective\n"
    "P1,Coastal Guard,NATO,DCB,TUN,MENA,2022-01-01,2025-12-31,1500000,EUR,\n"
)
UNITS = (
    "unit_id,partner_country,name,service,command,affiliation,vetting_status,vetting_date\n"
    "U1,TUN,Coast Guard North,coast_guard,state,,cleared,2021-11-15\n"
)
INCIDENTS_HEADER = "incident_id,unit_id,date,kind,credibility,remediation,source\n"


def write(folder, **tables):
    folder.mkdir(exist_ok=True)
    for name, text in tables.items():
        (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    return folder


def rule(report, name):
    (found,) = [r for r in report.results if r.rule == name]
    return found


def test_header_only_file_is_a_valid_table_of_zero_rows(tmp_path, cli, project):
    folder = write(tmp_path / "q", programs=PROGRAMS, units=UNITS, incidents=INCIDENTS_HEADER)
    report = validate_paths([folder], project)
    assert report.ok
    assert {f.table: f.rows for f in report.files}["incidents"] == 0
    db = tmp_path / "w.duckdb"
    code, out, err = cli("load", str(folder), "--db", str(db))
    assert code == 0, err
    assert "loaded 0 rows into incidents, 1 rows into programs, 1 rows into units" in out
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM incidents").fetchall() == [(0,)]


def test_min_rows_makes_a_header_only_programs_file_an_error(tmp_path, project):
    header = PROGRAMS.splitlines()[0] + "\n"
    folder = write(tmp_path / "q", programs=header)
    report = validate_paths([folder], project)
    assert not report.ok
    r = rule(report, "programs.rows.present")
    assert r.status == "failed"
    assert r.message == (
        "header only: the file has no data rows; the contract of programs needs at least 1 "
        "(min_rows)"
    )


def test_zero_byte_file_is_invalid(tmp_path, project):
    folder = write(tmp_path / "q", incidents="")
    report = validate_paths([folder], project)
    assert not report.ok
    assert rule(report, "incidents.file.readable").message == "empty file (no header, no rows)"


def test_rule_skipped_because_the_referenced_table_failed_says_so(tmp_path, project):
    # units.csv lacks its `command` column: the file fails a presence rule, so the foreign key
    # of incidents.unit_id cannot be checked, and the reason is that failure, not absence.
    units = UNITS.replace(",command", "").replace(",state", "")
    incidents = INCIDENTS_HEADER + "I1,U1,2023-04-11,torture,credible,none,\n"
    folder = write(tmp_path / "q", programs=PROGRAMS, units=units, incidents=incidents)
    report = validate_paths([folder], project)
    r = rule(report, "incidents.unit_id.references")
    assert r.status == "skipped"
    assert r.message.startswith("not checked: table units (")
    assert r.message.endswith(
        "units.csv) is in this batch but failed its own rules (see above); fix it and check again"
    )
    assert "not in this batch" not in r.message


def test_min_rows_must_be_a_whole_number(tmp_path):
    import pytest

    from sceval.errors import ProjectError
    from sceval.project import parse_contract

    p = tmp_path / "t.yml"
    p.write_text("table: t\nmin_rows: -1\ncolumns:\n- {name: a, type: str}\n", encoding="utf-8")
    with pytest.raises(ProjectError, match="min_rows must be a whole number >= 0"):
        parse_contract(p)
