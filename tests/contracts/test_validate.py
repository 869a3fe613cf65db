"""`sceval validate`: every format through the same contracts, the summary, JSON and JUnit."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree as ET

import polars as pl
import pytest

from sceval.contracts.files import InputFile, read_typed
from sceval.contracts.suites import render_suite, suite_path

from .conftest import BAD, VALID

TABLES = 13


def _typed(project, table: str) -> pl.DataFrame:
    return read_typed(InputFile(VALID / f"{table}.csv", table), project).frame.drop("__row")


def test_valid_fixture_set_passes(cli):
    code, out, err = cli("validate", str(VALID))
    assert code == 0, out + err
    assert f"VALID: {TABLES} file(s)" in out
    assert "0 failed" in out


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_csv_dialects_validate_the_same(cli, tmp_path, delimiter):
    """Any common delimiter, a UTF-8 BOM, CRLF line ends and a quoted newline."""
    for p in VALID.glob("*.csv"):
        df = pl.read_csv(p, infer_schema=False)
        if p.stem == "programs":
            df = df.with_columns(pl.col("objective").fill_null("line one\nline two, with comma"))
        target = tmp_path / p.name
        df.write_csv(target, separator=delimiter, line_terminator="\r\n")
        target.write_bytes(b"\xef\xbb\xbf" + target.read_bytes())
    code, out, err = cli("validate", str(tmp_path))
    assert code == 0, out + err
    assert f"VALID: {TABLES} file(s)" in out


def test_parquet_and_xlsx_validate_the_same(cli, tmp_path, project):
    pq, book, single = tmp_path / "pq", tmp_path / "book", tmp_path / "single"
    for d in (pq, book, single):
        d.mkdir()
    import xlsxwriter

    wb = xlsxwriter.Workbook(book / "all_tables.xlsx")
    for p in sorted(VALID.glob("*.csv")):
        df = _typed(project, p.stem)
        df.write_parquet(pq / f"{p.stem}.parquet")
        df.write_excel(workbook=wb, worksheet=p.stem)  # one sheet per table, named after it
        df.write_excel(single / f"{p.stem}.xlsx", worksheet="Sheet1")  # file named after the table
    wb.close()
    for d in (pq, book, single):
        code, out, err = cli("validate", str(d))
        assert code == 0, (d, out + err)
        assert f"VALID: {TABLES} file(s)" in out


def test_same_defect_found_in_every_format(cli, tmp_path, project):
    """A kind outside its value set, row 2, whether CSV, Parquet or XLSX."""
    df = _typed(project, "activities").with_columns(
        pl.when(pl.int_range(pl.len()) == 1).then(pl.lit("picnic")).otherwise("kind").alias("kind")
    )
    for fmt in ("csv", "parquet", "xlsx"):
        d = tmp_path / fmt
        d.mkdir()
        getattr(df, f"write_{'excel' if fmt == 'xlsx' else fmt}")(d / f"activities.{fmt}")
        code, out, _ = cli("validate", str(d))
        assert code == 1
        assert f"activities.{fmt}" in out
        assert "activities.kind.in_set: column kind: 1 of 5 bad row(s): row 2: 'picnic'" in out


def test_report_json_and_junit(cli, tmp_path):
    d = tmp_path / "in"
    shutil.copytree(VALID, d)
    text = (d / "programs.csv").read_text()
    (d / "programs.csv").write_text(text.replace(",USD,", ",DOL,").replace("250000,", "-5,"))
    js, junit = tmp_path / "r.json", tmp_path / "r.xml"
    code, out, err = cli("validate", str(d), "--json", str(js), "--junit", str(junit))
    assert code == 1, err
    data = json.loads(js.read_text())
    assert data["ok"] is False
    failed = {r["rule"]: r for r in data["results"] if r["status"] == "failed"}
    assert set(failed) == {"programs.currency.iso4217", "programs.budget.range"}
    assert failed["programs.budget.range"]["examples"] == [{"row": 3, "value": -5.0}]
    assert failed["programs.budget.range"]["unexpected_count"] == 1
    assert failed["programs.budget.range"]["engine"] == "great_expectations"
    assert data["summary"]["failed"] == 2
    # JUnit: parses, one testcase per rule, the two failures named
    root = ET.parse(junit).getroot()
    cases = root.findall(".//testcase")
    assert len(cases) == data["summary"]["rules"]
    bad = {c.get("name") for c in cases if c.find("failure") is not None}
    assert bad == {"programs.currency.iso4217", "programs.budget.range"}
    assert root.get("failures") == "2"
    msg = next(c for c in cases if c.get("name") == "programs.budget.range").find("failure")
    assert "programs.csv" in msg.get("message") and "row 3" in msg.get("message")


def test_warning_does_not_fail(cli, tmp_path):
    d = tmp_path / "in"
    shutil.copytree(VALID, d)
    ev = d / "events.csv"
    ev.write_text(ev.read_text().replace(",12,U2,", ",1500,U2,"))
    js = tmp_path / "r.json"
    code, out, _ = cli("validate", str(d), "--json", str(js))
    assert code == 0
    assert "warning events.fatalities.unusual" in out and "row 1: 1500" in out
    data = json.loads(js.read_text())
    assert data["ok"] is True and data["summary"]["warnings"] == 1


def test_foreign_key_to_a_table_absent_from_the_batch_is_skipped(cli, tmp_path):
    shutil.copy(VALID / "activities.csv", tmp_path / "activities.csv")
    js = tmp_path / "r.json"
    code, out, _ = cli("validate", str(tmp_path / "activities.csv"), "--json", str(js))
    assert code == 0
    res = {r["rule"]: r for r in json.loads(js.read_text())["results"]}
    assert res["activities.program_id.references"]["status"] == "skipped"
    assert "programs is not in this batch" in res["activities.program_id.references"]["message"]
    assert "skipped" in out


def test_usage_errors_exit_2(cli, tmp_path):
    code, _, err = cli("validate", str(tmp_path / "nope.csv"))
    assert code == 2 and "no such file" in err
    (tmp_path / "x.json").write_text("{}")
    code, _, err = cli("validate", str(tmp_path / "x.json"))
    assert code == 2 and "unsupported file type" in err
    code, _, err = cli("validate", str(VALID), "--junit", str(tmp_path / "no" / "dir" / "r.xml"))
    assert code == 2 and "does not exist" in err


def test_engine_error_is_not_reported_as_bad_data(cli, tmp_path):
    """An expectation whose metric crashes (a column that does not exist) is an engine error."""
    proj = tmp_path / "proj"
    shutil.copytree(Path(__file__).resolve().parents[2] / "schemas", proj / "schemas")
    (proj / "sceval_project.yml").write_text("name: t\n")
    y = proj / "schemas" / "context.yml"
    y.write_text(
        y.read_text()
        + "expectations:\n- {type: expect_column_values_to_be_between, column: no_such_column, min_value: 0}\n"
    )
    js = tmp_path / "r.json"
    code, out, _ = cli(
        "validate", str(VALID / "context.csv"), "--project", str(proj), "--json", str(js)
    )
    assert code == 3
    errs = [r for r in json.loads(js.read_text())["results"] if r["status"] == "error"]
    assert len(errs) == 1 and "no_such_column" in errs[0]["message"]
    assert "engine error" in out


def test_committed_suites_match_the_yaml_contracts(project):
    """`schemas/<table>.suite.json` is the GX suite generated from `schemas/<table>.yml`."""
    import great_expectations as gx

    for c in project.contracts.values():
        p = suite_path(c)
        assert p.read_text(encoding="utf-8") == render_suite(c), f"regenerate {p}"
        suite = gx.ExpectationSuite(**json.loads(p.read_text()))
        assert len(suite.expectations) == len(json.loads(p.read_text())["expectations"])


def test_suites_cover_every_rule_of_the_contract(project):
    """Spot checks against SPEC §3, by hand."""
    rules = {
        t: {e["meta"]["rule"]: e for e in json.loads(suite_path(c).read_text())["expectations"]}
        for t, c in project.contracts.items()
    }
    assert rules["programs"]["programs.currency.iso4217"]["kwargs"]["value_set"].count("EUR") == 1
    assert "TUN" in rules["units"]["units.partner_country.iso3166_alpha3"]["kwargs"]["value_set"]
    assert rules["programs"]["programs.end_date.not_before_start_date"]["kwargs"] == {
        "column_A": "end_date",
        "column_B": "start_date",
        "or_equal": True,
        "ignore_row_if": "either_value_is_missing",
    }
    assert rules["participants"]["participants.key.unique"]["kwargs"]["column_list"] == [
        "participant_id",
        "activity_id",
    ]
    assert rules["participants"]["participants.age.range"]["kwargs"] == {
        "column": "age",
        "min_value": 16,
        "max_value": 80,
    }
    assert rules["dialogues"]["dialogues.participants_youth.at_most_participants_total"]
    assert rules["activities"]["activities.partner_cost_share.range"]["kwargs"]["max_value"] == 1
    assert "activities.actual_cost.not_null" not in rules["activities"]  # nullable
    assert rules["programs"]["programs.program_id.unique"]["meta"]["engine"] == "duckdb"


def test_help_does_not_import_great_expectations():
    code = (
        "import sys\nfrom sceval.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "print('GX' if 'great_expectations' in sys.modules else 'clean', file=sys.stderr)"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.stderr.strip().endswith("clean")


def test_bad_corpus_has_at_least_30_cases():
    cases = [d for d in BAD.iterdir() if (d / "case.yml").is_file()]
    assert len(cases) >= 30


def test_validation_opens_no_network_connection(tmp_path):
    """GX imported and run on every rule with every socket connection refused and recorded."""
    code = f"""
import os, socket, sys
os.environ["SCEVAL_ROW_ENGINE"] = "gx"
attempts = []
def refuse(self, *a, **k):
    attempts.append(a)
    raise OSError("network disabled in this test")
socket.socket.connect = refuse
socket.socket.connect_ex = refuse
from sceval.project import Project
from sceval.contracts import validate_paths
report = validate_paths([{str(VALID)!r}], Project({str(Path(__file__).resolve().parents[2])!r}))
assert "great_expectations" in sys.modules
print("ok" if report.ok else "invalid", len(attempts))
"""
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["ok", "0"]


def test_clean_data_is_validated_without_importing_great_expectations():
    """Compiled row rules that pass need no GX (its import alone is ~4 s); a failing rule
    brings GX in to report it."""
    root = Path(__file__).resolve().parents[2]
    code = f"""
import sys
from sceval.project import Project
from sceval.contracts import validate_paths
report = validate_paths([{str(VALID)!r}], Project({str(root)!r}))
print(report.ok, "great_expectations" in sys.modules)
"""
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["True", "False"]
    bad = str(BAD / "negative_budget")
    r = subprocess.run(
        [sys.executable, "-c", code.replace(repr(str(VALID)), repr(bad))],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["False", "True"]


def test_check_frames_validates_typed_frames(project):
    """The adapters' path: frames already typed, same rules, row numbers are frame positions."""
    from sceval.contracts.validate import check_frames

    units = _typed(project, "units").with_columns(
        pl.when(pl.col("unit_id") == "U3")
        .then(pl.lit("ZZZ"))
        .otherwise("partner_country")
        .alias("partner_country")
    )
    report = check_frames(project, [(InputFile(VALID / "units.csv", "units"), units)])
    assert not report.ok
    (bad,) = report.failures
    assert bad.rule == "units.partner_country.iso3166_alpha3"
    assert bad.examples == [{"row": 3, "value": "ZZZ"}]
