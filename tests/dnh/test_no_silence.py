"""Issue 16, no pass by silence: a gate with nothing to judge fails, every command says what it
computed (zeros included), and no raw `nan` reaches the check output."""

from __future__ import annotations

import duckdb

from sceval.dnh.gate import _number
from sceval.warehouse import open_warehouse

from .scenario import AS_OF, build_warehouse, write_scenario


def empty_warehouse(tmp_path, project):
    db = tmp_path / "empty.duckdb"
    open_warehouse(db, project).close()
    return db


def test_gate_on_a_warehouse_without_programs_fails(tmp_path, project, sceval_cli):
    db = empty_warehouse(tmp_path, project)
    r = sceval_cli("check", "--fail-on", "high", "--db", str(db))
    assert r.returncode == 1, (r.stdout, r.stderr)
    assert "nothing to check: no programs in the warehouse" in r.stderr
    assert "gate --fail-on high: FAILED: nothing was judged" in r.stderr
    assert "passed" not in r.stderr


def test_allow_empty_lets_the_gate_pass_and_says_so(tmp_path, project, sceval_cli):
    db = empty_warehouse(tmp_path, project)
    r = sceval_cli("check", "--fail-on", "high", "--allow-empty", "--db", str(db))
    assert r.returncode == 0, r.stderr
    assert "nothing to check: no programs in the warehouse" in r.stderr
    assert "do-no-harm: 0 flag(s), 0 insufficient-data finding(s), 0 pass(es)" in r.stdout


def test_run_says_what_it_computed_including_zero(tmp_path, project, sceval_cli):
    db = empty_warehouse(tmp_path, project)
    r = sceval_cli("run", "--db", str(db), "--as-of", "2025-12-31")
    assert r.returncode == 0, r.stderr
    assert "0 indicator_results, 0 partnership_scores, 0 dnh_findings" in r.stdout
    assert "(no programs in the warehouse: load programs first)" in r.stdout
    out = tmp_path / "reports"
    r = sceval_cli("report", "--db", str(db), "--out", str(out), "--format", "html")
    assert r.returncode == 0, r.stderr
    written = len([p for p in out.rglob("*") if p.is_file()])
    assert r.stdout.startswith(f"wrote {written} file(s) to {out}: reports of run ")
    assert "DRAFT — not approved" in r.stdout
    assert r.stdout.rstrip().endswith("(no programs in the warehouse: the pages hold no figures)")


def test_no_raw_nan_in_check_output(tmp_path, project, sceval_cli):
    # Without follow-ups the defection share is 0 of 0: no value, and the reason is given.
    db = tmp_path / "w.duckdb"
    build_warehouse(db, project, write_scenario(tmp_path / "d", drop=("followups",))).close()
    r = sceval_cli("check", "--db", str(db), "--as-of", AS_OF, "--program", "TUN1")
    assert r.returncode == 0, r.stderr
    line = next(ln for ln in r.stdout.splitlines() if " defection " in ln)
    assert "measured/threshold=no value (insufficient data) / 0.05" in line
    assert "nan" not in r.stdout.lower().replace("financ", "")
    with duckdb.connect(str(db), read_only=True) as con:
        stored = con.execute(
            "SELECT count(*) FROM dnh_findings WHERE isnan(measured_value) OR isnan(threshold)"
        ).fetchall()
    assert stored == [(0,)]


def test_number_formatting():
    assert _number(0.25, "flag") == "0.25"
    assert _number(float("nan"), "insufficient_data") == "no value (insufficient data)"
    assert _number(None, "flag") == "no value (not measured)"
