"""The do-no-harm checks on the hand-made scenario: a Libya-like program and a clean one.

Expected values are worked out by hand from tests/dnh/scenario.py (see its comments).
"""

from __future__ import annotations

import polars as pl
import pytest

from sceval.dnh import run_checks
from sceval.dnh.spec import SEVERITY_RANK, load_checks

KEYS = {
    "activities": "activity_id",
    "equipment": "transfer_id",
    "end_use_checks": "check_id",
    "events": "event_id",
    "incidents": "incident_id",
    "units": "unit_id",
    "participants": "participant_id",
    "dialogues": "meeting_id",
    "actions": "action_id",
}


def rows(df: pl.DataFrame, check: str, program: str, status: str | None = None) -> pl.DataFrame:
    out = df.filter((pl.col("check_id") == check) & (pl.col("program_id") == program))
    return out if status is None else out.filter(pl.col("status") == status)


@pytest.fixture
def findings(scenario_db, project, as_of) -> pl.DataFrame:
    _, con = scenario_db
    return run_checks(con, project, run_id="r1", as_of=as_of)


def test_every_check_file_is_run_for_every_program(findings, project):
    checks = set(load_checks(project))
    assert len(checks) == 18
    for program in ("LBY1", "TUN1"):
        assert set(findings.filter(pl.col("program_id") == program)["check_id"]) == checks


def test_libya_like_program_is_flagged_for_vetting_capture_defection_absorption(findings):
    # Unit LU1 is not_vetted: activities LA1, LA3 and transfer LE1; P01-P03 not individually vetted.
    vet = rows(findings, "unvetted_recipients", "LBY1", "flag")
    by_table = {r["evidence_table"]: sorted(r["evidence"]) for r in vet.iter_rows(named=True)}
    assert by_table == {
        "activities": ["LA1", "LA3"],
        "equipment": ["LE1"],
        "participants": ["P01", "P02", "P03"],
    }
    assert set(vet["unit_id"]) == {"LU1"} and set(vet["severity"]) == {"critical"}
    # Capture: 16 of 20 trainees (LU1 10 + LU2 6) and all 25,000 of equipment value are Misrata.
    cap = rows(findings, "capture_by_affiliation", "LBY1", "flag").sort("measured_value")
    assert cap["measured_value"].to_list() == [0.8, 1.0]
    assert cap["threshold"].to_list() == [0.6, 0.6]
    assert cap["severity"].to_list() == ["high", "high"]
    assert sorted(cap["evidence"][0]) == ["LU1", "LU2"]
    # Defection: P01-P04 of 20 followed up joined a non-state group.
    dfc = rows(findings, "defection", "LBY1", "flag")
    assert dfc["measured_value"].to_list() == [0.2]
    assert sorted(dfc["evidence"][0]) == ["P01", "P02", "P03", "P04"]
    assert "4 of 20 (20%" in dfc["message"][0]
    # Absorption: P01-P08 never posted, P11-P12 posted after 200 days: 10 of 20.
    absn = rows(findings, "absorption_failure", "LBY1", "flag")
    assert absn["measured_value"].to_list() == [0.5]
    assert absn["severity"].to_list() == ["medium"]
    assert len(absn["evidence"][0]) == 10


def test_libya_like_program_other_harms(findings):
    flagged = {
        (r["check_id"], r["unit_id"]): r
        for r in findings.filter(
            (pl.col("program_id") == "LBY1") & (pl.col("status") == "flag")
        ).iter_rows(named=True)
    }
    # Torture by LU1 on 2013-05-01, no remedy, LA1 ran to 2013-06-30 and LA3/LE1 came later.
    gv = flagged[("gross_violation_unremedied", "LU1")]
    assert gv["evidence"] == ["I1"] and gv["severity"] == "critical"
    # LE1 (small arms) delivered 2014-01-15; LBY arms_embargo 2014 = 1.
    assert flagged[("arms_embargo_delivery", "LU1")]["evidence"] == ["LE1"]
    # LC1 found 20 of LE1's small arms missing: critical because small arms.
    eu = flagged[("end_use_missing_lethal", "LU1")]
    assert (eu["measured_value"], eu["severity"], eu["evidence"]) == (20.0, "critical", ["LC1"])
    assert flagged[("violence_against_civilians", "LU1")]["evidence"] == ["E_VAC"]
    # LU2 is under mixed command: one activity row and one transfer row.
    assert ("non_state_recipient", "LU2") in flagged
    # Tripoli events 2 -> 9, fatalities 2 -> 18; elsewhere 5 -> 5 and 5 -> 5:
    # fatalities ratio (19/3)/(6/6) = 6.333 (events (10/3)/(6/6) = 3.333).
    esc = flagged[("conflict_escalation", None)]
    assert esc["measured_value"] == pytest.approx(6.333, abs=1e-3)
    assert len(esc["evidence"]) == 9
    # Every activity has co_designed false and share 0.
    assert flagged[("no_local_ownership", None)]["measured_value"] == 0.0
    # Governance: LBY rule of law -1.5 in 2014 < -0.5; raised to high next to other flags.
    gov = flagged[("governance_risk", None)]
    assert (gov["measured_value"], gov["severity"]) == (-1.5, "high")
    assert "Raised to high" in gov["message"]


def test_clean_program_triggers_nothing_at_high_or_above(findings):
    tun = findings.filter(pl.col("program_id") == "TUN1")
    assert tun.filter(pl.col("status") == "flag").is_empty()
    # Measured, not silent: defection 0 of 20 followed up, but 20 persons cannot show a share
    # under 5% (Wilson upper end 3.8415 / 23.8415 = 16.1%), so the sheet's interval rule
    # makes it inconclusive; so are 0 of 2 meetings lacking women, youth or civil society
    # against 50% (upper end 65.8%). Every other check passes.
    gaps = tun.filter(pl.col("status") == "insufficient_data").sort("check_id")
    assert gaps["check_id"].to_list() == ["defection", "dialogue_exclusion"]
    assert gaps["message"][0].startswith("Inconclusive: 0 of 20 (0%, 95% CI 0%-16%)")
    assert gaps["message"][1].startswith("Inconclusive: 0 of 2 (0%, 95% CI 0%-66%)")
    assert set(tun.filter(~pl.col("check_id").is_in(gaps["check_id"].implode()))["status"]) == {
        "pass"
    }
    assert rows(findings, "defection", "TUN1")["measured_value"].to_list() == [0.0]


def test_evidence_ids_point_at_real_rows(findings, scenario_db):
    _, con = scenario_db
    problems = findings.filter(pl.col("status") != "pass")
    assert not problems.is_empty()
    for r in problems.iter_rows(named=True):
        if r["evidence"] is None:
            continue
        key = KEYS[r["evidence_table"]]
        found = con.execute(
            f"SELECT count(DISTINCT {key}) FROM {r['evidence_table']} WHERE {key} IN (SELECT unnest(?))",
            [r["evidence"]],
        ).fetchone()[0]
        assert found == len(r["evidence"]), r
    flags = findings.filter(pl.col("status") == "flag")
    assert flags["evidence"].list.len().min() >= 1
    assert flags["message"].str.ends_with(".").all()


def test_findings_are_stored_in_the_warehouse_sorted_by_severity(findings, scenario_db):
    _, con = scenario_db
    stored = con.sql("SELECT * FROM dnh_findings WHERE run_id = 'r1'").pl()
    assert stored.height == findings.height
    assert not stored["waived"].any()
    flags = findings.filter(pl.col("status") == "flag")["severity"].to_list()
    assert flags == sorted(flags, key=SEVERITY_RANK.__getitem__)


def test_removing_incidents_turns_pass_into_insufficient_data(make_db, project, as_of):
    _, con = make_db("no-incidents", drop=("incidents",))
    df = run_checks(con, project, run_id="r2", as_of=as_of)
    tun = rows(df, "gross_violation_unremedied", "TUN1")
    assert tun["status"].to_list() == ["insufficient_data"]
    assert tun["severity"].to_list() == ["critical"]
    assert sorted(tun["evidence"][0]) == ["TU1", "TU2"]
    assert "No incident reporting covers TUN" in tun["message"][0]
    # The Libya-like flag disappears with its evidence, and becomes a gap, not a pass.
    assert rows(df, "gross_violation_unremedied", "LBY1")["status"].to_list() == [
        "insufficient_data"
    ]


def test_removing_events_turns_violence_checks_into_insufficient_data(make_db, project, as_of):
    _, con = make_db("no-events", drop=("events",))
    df = run_checks(con, project, run_id="r3", as_of=as_of)
    for check in (
        "violence_against_civilians",
        "violence_against_protesters",
        "conflict_escalation",
    ):
        assert rows(df, check, "TUN1")["status"].to_list() == ["insufficient_data"], check


def test_as_of_only_sees_data_dated_before_it(make_db, project):
    import datetime as dt

    _, con = make_db()
    # On 2013-12-31 nothing had been delivered, nobody had been followed up, TUN1 had not started.
    df = run_checks(con, project, run_id="early", as_of=dt.date(2013, 12, 31))
    assert set(df["program_id"]) == {"LBY1"}
    assert rows(df, "arms_embargo_delivery", "LBY1")["status"].to_list() == ["pass"]
    assert "Nothing to check" in rows(df, "arms_embargo_delivery", "LBY1")["message"][0]
    # 16 trainees had started (LA1, LA2), none followed up yet: a gap, not a pass.
    dfc = rows(df, "defection", "LBY1")
    assert dfc["status"].to_list() == ["insufficient_data"]
    assert "0 of 16 trainees were followed up" in dfc["message"][0]
    # The torture incident (2013-05-01) and LA1 running past it are already known.
    assert rows(df, "gross_violation_unremedied", "LBY1", "flag")["evidence"].to_list() == [["I1"]]
    # Unit vetting: only LA1 had started (LA3 starts 2014-01-01).
    vet = rows(df, "unvetted_recipients", "LBY1", "flag").filter(
        pl.col("evidence_table") == "activities"
    )
    assert vet["evidence"].to_list() == [["LA1"]]


def test_program_filter(scenario_db, project, as_of):
    _, con = scenario_db
    df = run_checks(con, project, run_id="one", as_of=as_of, program="TUN1")
    assert set(df["program_id"]) == {"TUN1"}


def test_as_of_does_not_leak_later_end_dates(make_db, project):
    import datetime as dt

    _, con = make_db()
    # On the day of the torture report LA1 was running, but its end (2013-06-30) was future:
    # nothing yet shows assistance continuing after the incident.
    df = run_checks(con, project, run_id="day", as_of=dt.date(2013, 5, 1))
    assert rows(df, "gross_violation_unremedied", "LBY1")["status"].to_list() == ["pass"]
    df = run_checks(con, project, run_id="next", as_of=dt.date(2013, 5, 2))
    assert rows(df, "gross_violation_unremedied", "LBY1", "flag")["evidence"].to_list() == [["I1"]]


def test_empty_warehouse_gives_no_findings_and_an_open_gate(tmp_path, project, as_of):
    import duckdb

    from sceval.dnh import gate

    con = duckdb.connect(str(tmp_path / "bare.duckdb"))
    df = run_checks(con, project, run_id="bare", as_of=as_of)
    assert df.is_empty()
    assert con.execute("SELECT count(*) FROM dnh_findings").fetchone()[0] == 0
    assert gate(con, "bare", "low") == 0
    con.close()
