"""`sceval load` with source files, as a user runs it: exit codes, reports, rejects, Myanmar."""

from __future__ import annotations

import json

import duckdb
import pytest
from adapter_paths import REAL

ROOT = REAL.parents[2]
GED = REAL / "ucdp_ged_myanmar_excerpt.csv"
MAP = ROOT / "seeds" / "mappings" / "ucdp_actors_myanmar.yml"


def test_plain_load_detects_the_source(sceval_cli, tmp_path):
    db = tmp_path / "wh.duckdb"
    r = sceval_cli("load", str(GED), "--db", str(db), "--report-json", str(tmp_path / "r.json"))
    assert r.returncode == 0, r.stderr
    assert "ucdp-ged" in r.stdout and "loaded" in r.stdout
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["status"] == "loaded"
    assert report["files"][0]["source"] == "ucdp-ged"
    with duckdb.connect(str(db), read_only=True) as con:
        n = con.execute("SELECT count(*) FROM events").fetchone()[0]
        fmt = con.execute("SELECT DISTINCT source_format FROM loads").fetchone()[0]
    assert n == report["files"][0]["loaded"]["events"] > 0
    assert fmt == "ucdp-ged"


def test_fmtr_exit_codes_and_rejects_file(sceval_cli, tmp_path):
    db = tmp_path / "wh.duckdb"
    fmtr = str(REAL / "fmtr_fy2020_excerpt.csv")
    r = sceval_cli("load", "--from", "fmtr", fmtr, "--db", str(db))
    assert r.returncode == 1
    assert "nothing stored" in r.stderr and "--accept-partial" in r.stderr
    assert "Traceback" not in r.stderr
    assert "end_date before start_date" in r.stdout
    rejects = tmp_path / "rej.csv"
    r = sceval_cli(
        "load",
        "--from",
        "fmtr",
        fmtr,
        "--accept-partial",
        "--rejects",
        str(rejects),
        "--db",
        str(db),
    )
    assert r.returncode == 0, r.stderr
    assert rejects.is_file() and "end_date before start_date" in rejects.read_text()


def test_usage_errors(sceval_cli, tmp_path):
    db = str(tmp_path / "wh.duckdb")
    r = sceval_cli("load", "--from", "nope", str(GED), "--db", db)
    assert r.returncode == 2 and "unknown source" in r.stderr
    r = sceval_cli("load", "--from", "iati", str(GED), "--db", db)
    assert r.returncode == 1 and "not well-formed XML" in r.stderr
    r = sceval_cli(
        "load", "--from", "ucdp-ged", str(GED), "--map", str(tmp_path / "no.yml"), "--db", db
    )
    assert r.returncode == 2 and "no such file" in r.stderr


@pytest.mark.slow
def test_myanmar_example_end_to_end(sceval_cli, tmp_path):
    """docs/sources.md: program file + UCDP events + WGI -> check flags the Tatmadaw.

    (`sceval run` is left out here to keep the test short: `sceval check` records its own run.)
    """
    db = str(tmp_path / "mm.duckdb")
    steps = [
        ("load", str(ROOT / "docs" / "examples" / "myanmar"), "--db", db),
        ("load", str(GED), "--map", str(MAP), "--db", db),
        ("load", str(REAL / "wgi_excerpt.csv"), "--db", db),
    ]
    for args in steps:
        r = sceval_cli(*args)
        assert r.returncode == 0, (args, r.stderr)
    r = sceval_cli("check", "--as-of", "2018-12-31", "--fail-on", "critical", "--db", db)
    assert r.returncode == 1, r.stderr
    expected = duckdb.sql(
        f"SELECT list(DISTINCT 'ucdp-ged-' || id ORDER BY 'ucdp-ged-' || id) FROM read_csv('{GED}', all_varchar=true) "
        "WHERE type_of_violence = '3' AND side_a = 'Government of Myanmar (Burma)' "
        "AND date_start::DATE BETWEEN DATE '2014-03-03' AND DATE '2018-12-31'"
    ).fetchall()[0][0]
    assert expected
    with duckdb.connect(db, read_only=True) as con:
        rows = con.execute(
            "SELECT status, severity, unit_id, list_sort(evidence) FROM dnh_findings "
            "WHERE check_id = 'violence_against_civilians' "
            "AND run_id = (SELECT run_id FROM runs ORDER BY started_at DESC LIMIT 1)"
        ).fetchall()
    assert rows == [("flag", "critical", "mmr-tatmadaw", sorted(expected))]


def test_plain_load_of_a_folder_of_iati_files(sceval_cli, tmp_path):
    folder = tmp_path / "iati"
    folder.mkdir()
    for name in ("iati203_gdihub_GB-COH-11126312.xml", "iati203_worldbank_44000-P175662.xml"):
        (folder / name).write_bytes((REAL / "iati" / name).read_bytes())
    db = tmp_path / "wh.duckdb"
    r = sceval_cli("load", str(folder), "--db", str(db))
    assert r.returncode == 0, r.stderr
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM programs").fetchall() == [(5,)]
        assert con.execute("SELECT count(*) FROM indicator_observations").fetchall() == [(34 + 14,)]
