"""Findings, recommendations, management responses and actions: contracts, the follow-up
pages (hand-computed rates, ageing, order), and the gate on overdue actions of a critical
finding. The fixture (tests/fixtures/followup) as of 2026-06-30:

  F1 (P1, critical) <- R1 (accepted): A1 in_progress due 2025-06-30 (365 days late),
                                      A2 completed
  F2 (P2, high)     <- R2 (rejected): A3 planned due 2025-12-31 (181 days late)
  F1 and F2         <- R3 (no response): A4 planned due 2026-12-31, A5 cancelled
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import duckdb
import polars as pl
import pytest

from sceval.reports.followup import actions_frame, ageing, load_followup, summary
from sceval.reports.followup import recommendations_frame as recs_frame

DATA = Path(__file__).resolve().parents[1] / "fixtures" / "followup"
DAY = dt.date(2026, 6, 30)


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    from tests.conftest import run_sceval

    db = tmp_path_factory.mktemp("fu") / "wh.duckdb"
    r = run_sceval("load", str(DATA), "--db", str(db))
    assert r.returncode == 0, r.stderr
    return db


@pytest.fixture
def tables(loaded):
    con = duckdb.connect(str(loaded), read_only=True)
    try:
        return load_followup(con)
    finally:
        con.close()


def test_portfolio_rates_ageing_and_order(tables):
    recs, acts = recs_frame(tables, None), actions_frame(tables, None, DAY)
    assert summary(recs, acts) == {
        "recommendations": "3",
        "with a management response": "2 of 3 (67%)",
        "accepted or partially accepted (of those answered)": "1 of 2 (50%)",
        "actions completed (cancelled ones left out)": "1 of 4 (25%)",
        "actions overdue": "2",
    }
    # overdue first, the longest overdue at the top; then open; then completed or cancelled
    assert acts["action_id"].to_list() == ["A1", "A3", "A4", "A2", "A5"]
    assert acts["days_past_due"].to_list()[:3] == [365, 181, -184]
    assert acts["overdue"].to_list() == [True, True, False, False, False]
    assert dict(ageing(acts).iter_rows()) == {
        "not yet due": 1,
        "overdue up to 90 days": 0,
        "overdue 91-365 days": 2,
        "overdue more than a year": 0,
    }


def test_program_page_counts_only_its_recommendations(tables):
    recs, acts = recs_frame(tables, "P1"), actions_frame(tables, "P1", DAY)
    assert recs["recommendation_id"].to_list() == ["R1", "R3"]
    assert acts["action_id"].to_list() == ["A1", "A4", "A2", "A5"]
    assert summary(recs, acts)["actions completed (cancelled ones left out)"] == "1 of 3 (33%)"
    assert summary(recs, acts)["accepted or partially accepted (of those answered)"] == (
        "1 of 1 (100%)"
    )
    # nothing to divide by: said so, never 0%
    empty = summary(pl.DataFrame(), pl.DataFrame())
    assert empty["accepted or partially accepted (of those answered)"].startswith("- ")


def test_gate_fails_on_an_overdue_action_of_a_critical_finding(loaded, tmp_path, sceval_cli):
    db = tmp_path / "wh.duckdb"
    shutil.copyfile(loaded, db)
    r = sceval_cli("check", "--db", str(db), "--as-of", "2026-06-30")
    assert r.returncode == 0, r.stderr  # without the option, reported only
    assert "overdue_critical_action program=P1" in r.stdout
    r = sceval_cli("check", "--db", str(db), "--as-of", "2026-06-30", "--fail-on", "critical")
    assert r.returncode == 1
    con = duckdb.connect(str(db), read_only=True)
    rows = con.execute(
        "SELECT program_id, status, measured_value, evidence FROM dnh_findings "
        "WHERE check_id = 'overdue_critical_action' AND run_id = "
        "(SELECT run_id FROM runs ORDER BY started_at DESC LIMIT 1) ORDER BY program_id"
    ).fetchall()
    con.close()
    # P1: A1 is overdue on critical F1 (A4 on R3 is not yet due); P2's finding is high.
    # (P2 has no critical finding: nothing to check, a pass with no measured value)
    assert rows == [("P1", "flag", 1.0, ["A1"]), ("P2", "pass", None, None)]
    # the same data a year earlier: A1 was not yet due, the gate passes
    r = sceval_cli("check", "--db", str(db), "--as-of", "2025-06-30", "--fail-on", "critical")
    assert r.returncode == 0, r.stdout + r.stderr


def test_follow_up_pages_in_the_report(loaded, tmp_path, sceval_cli):
    db = tmp_path / "wh.duckdb"
    shutil.copyfile(loaded, db)
    assert sceval_cli("check", "--db", str(db), "--as-of", "2026-06-30").returncode == 0
    out = tmp_path / "rep"
    r = sceval_cli("report", "--db", str(db), "--out", str(out), "--format", "html")
    assert r.returncode == 0, r.stderr
    page = (out / "followup.html").read_text(encoding="utf-8")
    assert "Recommendations and follow-up" in page and "Overdue actions first" in page
    assert page.index(">A1<") < page.index(">A3<") < page.index(">A4<") < page.index(">A2<")
    assert "1 of 4 (25%)" in page and "1 of 2 (50%)" in page
    p1 = (out / "followup-P1.html").read_text(encoding="utf-8")
    assert "1 of 3 (33%)" in p1 and ">A3<" not in p1
    assert "followup-P2.html" in (out / "index.html").read_text(encoding="utf-8")


def test_contract_rules_for_links_and_completion(tmp_path, sceval_cli):
    bad = tmp_path / "bad"
    shutil.copytree(DATA, bad)
    recs = (bad / "recommendations.csv").read_text(encoding="utf-8")
    (bad / "recommendations.csv").write_text(recs.replace("F1;F2", "F1;F9"), encoding="utf-8")
    acts = (bad / "actions.csv").read_text(encoding="utf-8")
    (bad / "actions.csv").write_text(
        acts.replace("2026-01-31,completed,2026-01-15", "2026-01-31,completed,"), encoding="utf-8"
    )
    r = sceval_cli("validate", str(bad))
    assert r.returncode == 1
    assert "recommendations.finding_ids_exist" in r.stdout and "'F9'" in r.stdout
    assert "actions.completed_has_date" in r.stdout and "row 2" in r.stdout


def test_public_profile_withholds_unit_names_and_incident_ids_in_texts(tables):
    # Free texts naming a unit (by name or id) or an incident: the public profile replaces each
    # name with "[withheld]", whole words only (U7 inside "U70" and "U7x" stays), and leaves
    # ids, severities, statuses and dates as they are, so the rates are unchanged.
    from sceval.reports.followup import public_followup

    t = dict(tables)
    t["findings"] = t["findings"].with_columns(
        text=pl.lit("The 166th Misrata Brigade (U7) beat detainees (incident I-3); U70 did not.")
    )
    t["actions"] = t["actions"].with_columns(description=pl.lit("Re-vet U7 and U7x after I-3."))
    out = public_followup(t, ["166th Misrata Brigade", "U7", "I-3", "X"])
    assert set(out["findings"]["text"]) == {
        "The [withheld] ([withheld]) beat detainees (incident [withheld]); U70 did not."
    }
    assert set(out["actions"]["description"]) == {"Re-vet [withheld] and U7x after [withheld]."}
    assert out["actions"].drop("description").equals(t["actions"].drop("description"))
    recs, acts = recs_frame(out, None), actions_frame(out, None, DAY)
    assert summary(recs, acts) == summary(recs_frame(t, None), actions_frame(t, None, DAY))
