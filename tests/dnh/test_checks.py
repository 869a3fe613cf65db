"""Each check's rule on small edits of the scenario, with hand-computed expectations."""

from __future__ import annotations

import datetime as dt
import itertools

import polars as pl
import pytest

from sceval.dnh import run_checks
from sceval.errors import ProjectError
from sceval.pipeline import Pipeline

from .test_scenarios import rows


def add_rows(frames, table, new_rows):
    frames[table] = pl.concat(
        [frames[table], pl.DataFrame(new_rows, schema=frames[table].schema, orient="row")]
    )


def edit_col(frames, table, key, key_value, column, value):
    df = frames[table]
    frames[table] = df.with_columns(
        pl.when(pl.col(key) == key_value)
        .then(pl.lit(value, dtype=df.schema[column]))
        .otherwise(pl.col(column))
        .alias(column)
    )


_names = itertools.count()


def findings(make_db, project, as_of, edit=None, drop=(), **kw):
    _, con = make_db(f"db{next(_names)}", drop=drop, edit=edit)
    return run_checks(con, project, run_id="t", as_of=as_of, **kw)


def test_violence_against_protesters_after_training_only(make_db, project, as_of):
    def edit(f):
        ev = f["events"]
        add_rows(
            f,
            "events",
            [
                # LU3 trained from 2014-03-01 (LA5): a deadly protest after counts...
                ("E_PRO", "2014-06-01", "LBY", "Tripoli", "protest", 2, "LU3", False),
                # ...one before its training does not, nor one with no deaths and no targeting.
                ("E_PRE", "2014-01-05", "LBY", "Benghazi", "protest", 1, "LU3", True),
                ("E_CALM", "2014-07-01", "LBY", "Benghazi", "riot", 0, "LU3", False),
            ],
        )
        assert f["events"].height == ev.height + 3

    df = findings(make_db, project, as_of, edit)
    pro = rows(df, "violence_against_protesters", "LBY1", "flag")
    assert pro.select("unit_id", "severity", "measured_value", "evidence").rows() == [
        ("LU3", "high", 1.0, ["E_PRO"])
    ]
    # Protest events belong to this check, not to violence against civilians.
    vac = rows(df, "violence_against_civilians", "LBY1", "flag")
    assert vac["evidence"].to_list() == [["E_VAC"]]


def test_end_use_check_missing_and_overdue(make_db, project, as_of):
    df = findings(
        make_db,
        project,
        as_of,
        edit=lambda f: f.update(
            end_use_checks=f["end_use_checks"].filter(pl.col("transfer_id") != "LE1")
        ),
    )
    # LE1 (100 small arms, 2014-01-15) never checked: overdue by (2025-12-31 - 2014-01-15) / (365.25/12).
    over = rows(df, "end_use_check_overdue", "LBY1", "flag")
    assert over.select("unit_id", "measured_value", "threshold", "evidence").rows() == [
        ("LU1", 143.5, 12.0, ["LE1"])
    ]
    gap = rows(df, "end_use_missing_lethal", "LBY1")
    assert gap.select("status", "severity", "evidence").rows() == [
        ("insufficient_data", "critical", ["LE1"])
    ]
    # TUN1's TE1 (2017-02-15) was checked after 9.5 months (TC1, 2017-12-01): a pass.
    assert rows(df, "end_use_check_overdue", "TUN1")["status"].to_list() == ["pass"]


def test_end_use_check_after_the_window_is_overdue(make_db, project, as_of):
    df = findings(
        make_db,
        project,
        as_of,
        edit=lambda f: edit_col(f, "end_use_checks", "check_id", "LC1", "check_date", "2015-02-20"),
    )
    over = rows(df, "end_use_check_overdue", "LBY1", "flag")
    assert over["measured_value"].to_list() == [13.2]


def test_embargo_and_governance_without_context_are_insufficient(make_db, project, as_of):
    df = findings(make_db, project, as_of, drop=("context",))
    for program, transfer in (("LBY1", "LE1"), ("TUN1", "TE1")):
        for check in ("arms_embargo_delivery", "governance_risk"):
            r = rows(df, check, program)
            assert r["status"].to_list() == ["insufficient_data"], (check, program)
            assert r["evidence"].to_list() == [[transfer]]
    # No embargo row for 2014 only: the Libyan transfer is a gap, not a pass.
    df2 = findings(
        make_db,
        project,
        as_of,
        edit=lambda f: f.update(context=f["context"].filter(pl.col("indicator") != "arms_embargo")),
    )
    assert rows(df2, "arms_embargo_delivery", "LBY1")["status"].to_list() == ["insufficient_data"]


def test_governance_risk_alone_stays_medium(make_db, project, as_of):
    df = findings(
        make_db,
        project,
        as_of,
        edit=lambda f: f.update(
            context=f["context"].with_columns(
                pl.when((pl.col("country") == "TUN") & (pl.col("indicator") == "wgi_rule_of_law"))
                .then(-1.0)
                .otherwise(pl.col("value"))
                .alias("value")
            )
        ),
    )
    gov = rows(df, "governance_risk", "TUN1", "flag")
    assert gov.select("severity", "measured_value", "threshold").rows() == [("medium", -1.0, -0.5)]
    assert "Raised" not in gov["message"][0]


def test_substitution_partner_share_falling_while_donor_funding_rises(make_db, project, as_of):
    def edit(f):
        for act, share in (("TA1", 0.5), ("TA4", 0.5), ("TA2", 0.1), ("TA3", 0.1)):
            edit_col(f, "activities", "activity_id", act, "partner_cost_share", share)

    df = findings(make_db, project, as_of, edit)
    # 2016: TA1 200 + TA4 50 at 50% (donor 125); 2017: TA2 200 + TA3 300 at 10% (donor 450).
    sub = rows(df, "substitution", "TUN1", "flag")
    assert sub.select("severity", "measured_value", "threshold").rows() == [("medium", 0.4, 0.05)]
    assert sorted(sub["evidence"][0]) == ["TA1", "TA2", "TA3", "TA4"]


def test_substitution_needs_two_years(make_db, project, as_of):
    df = findings(make_db, project, as_of, program="TUN1")
    assert rows(df, "substitution", "TUN1")["status"].to_list() == ["pass"]
    one_year = findings(
        make_db,
        project,
        dt.date(2016, 12, 31),
        program="TUN1",
    )
    assert rows(one_year, "substitution", "TUN1")["status"].to_list() == ["insufficient_data"]


def test_dialogue_exclusion(make_db, project, as_of):
    df = findings(
        make_db,
        project,
        as_of,
        edit=lambda f: f.update(
            dialogues=f["dialogues"].with_columns(participants_women=pl.lit(0))
        ),
    )
    exc = rows(df, "dialogue_exclusion", "TUN1", "flag")
    assert exc.select("severity", "measured_value", "evidence").rows() == [
        ("medium", 1.0, ["M1", "M2"])
    ]
    assert "2 without women, 0 without youth, 0 without civil society" in exc["message"][0]
    gap = findings(make_db, project, as_of, drop=("dialogues",))
    assert rows(gap, "dialogue_exclusion", "TUN1").select("status", "evidence").rows() == [
        ("insufficient_data", ["TA4"])
    ]


def test_vetting_after_support_began_and_vetting_without_date(make_db, project, as_of):
    def edit(f):
        edit_col(f, "units", "unit_id", "TU1", "vetting_date", "2016-04-01")
        edit_col(f, "units", "unit_id", "TU2", "vetting_date", None)

    df = findings(make_db, project, as_of, edit)
    vet = rows(df, "unvetted_recipients", "TUN1").sort("unit_id", "evidence_table")
    assert vet.select("unit_id", "status", "evidence_table", "evidence").rows() == [
        # TU1 cleared 2016-04-01, after TA1 started (2016-03-01); TA3 and TE1 came later.
        ("TU1", "flag", "activities", ["TA1"]),
        # TU2 "cleared" with no date: timing unknown for TA2 and TE2.
        ("TU2", "insufficient_data", "activities", ["TA2"]),
        ("TU2", "insufficient_data", "equipment", ["TE2"]),
    ]


def test_training_with_no_recipient_on_record_is_insufficient(make_db, project, as_of):
    def edit(f):
        row = (
            f["activities"]
            .filter(pl.col("activity_id") == "TA2")
            .with_columns(activity_id=pl.lit("TA5"), unit_id=pl.lit(None, dtype=pl.String))
        )
        f["activities"] = pl.concat([f["activities"], row])

    df = findings(make_db, project, as_of, edit)
    assert rows(df, "unvetted_recipients", "TUN1").select("status", "evidence").rows() == [
        ("insufficient_data", ["TA5"])
    ]
    # Absorption still judged on the person-level rows of TA1 and TA2.
    assert rows(df, "absorption_failure", "TUN1")["status"].to_list() == ["pass"]


def test_effective_remedy_or_assistance_stopped_is_not_a_flag(make_db, project, as_of):
    remedied = findings(
        make_db,
        project,
        as_of,
        edit=lambda f: edit_col(
            f, "incidents", "incident_id", "I1", "remediation", "effective_steps"
        ),
    )
    assert rows(remedied, "gross_violation_unremedied", "LBY1")["status"].to_list() == ["pass"]
    # Incident on 2015-01-01, after the last support to LU1 (LA3 ended 2014-01-31).
    stopped = findings(
        make_db,
        project,
        as_of,
        edit=lambda f: edit_col(f, "incidents", "incident_id", "I1", "date", "2015-01-01"),
    )
    assert rows(stopped, "gross_violation_unremedied", "LBY1")["status"].to_list() == ["pass"]
    alleged = findings(
        make_db,
        project,
        as_of,
        edit=lambda f: edit_col(f, "incidents", "incident_id", "I1", "credibility", "alleged"),
    )
    assert rows(alleged, "gross_violation_unremedied", "LBY1")["status"].to_list() == ["pass"]


def test_conflict_escalation_needs_areas_and_time(make_db, project, as_of):
    no_area = findings(
        make_db,
        project,
        as_of,
        edit=lambda f: f.update(
            activities=f["activities"].with_columns(admin1=pl.lit(None, dtype=pl.String))
        ),
    )
    msg = rows(no_area, "conflict_escalation", "TUN1", "insufficient_data")["message"][0]
    assert "no support activity records the area" in msg
    early = findings(make_db, project, dt.date(2016, 4, 16), program="TUN1")
    # TA1 started support in Kasserine on 2016-03-01: 47 days of "after" by 2016-04-16.
    msg = rows(early, "conflict_escalation", "TUN1")["message"][0]
    assert "Kasserine (support from 2016-03-01, 47 days each side)" in msg
    assert "not assessed: only 47 days have passed since support began there" in msg


def test_defection_pass_needs_enough_follow_up_but_a_flag_does_not(make_db, project, as_of):
    # Only P05-P07 followed up, all serving: 3 of 20 trainees is too little for a pass.
    df = findings(
        make_db,
        project,
        as_of,
        edit=lambda f: f.update(
            followups=f["followups"].filter(pl.col("participant_id").is_in(["P05", "P06", "P07"]))
        ),
    )
    gap = rows(df, "defection", "LBY1")
    assert gap["status"].to_list() == ["insufficient_data"]
    assert "3 of 20 trainees were followed up" in gap["message"][0]
    # Only P01-P03 followed up, all joined a non-state group: harm seen is a flag at any size.
    df = findings(
        make_db,
        project,
        as_of,
        edit=lambda f: f.update(followups=f["followups"].filter(pl.col("participant_id") <= "P03")),
    )
    flag = rows(df, "defection", "LBY1")
    assert flag.select("status", "measured_value", "evidence").rows() == [
        ("flag", 1.0, ["P01", "P02", "P03"])
    ]


def test_capture_share_is_a_lower_bound_when_units_are_unknown(make_db, own_project, as_of):
    # Require units known for 90% of trainees; LU3's four trainees (LA5) lose their unit, so
    # only 80% are known: still 16 of 20 (80%) went to Misrata, a flag, not a gap.
    path = own_project.path("indicators", "checks", "capture_by_affiliation.yml")
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("min_known_unit_share: 0.5", "min_known_unit_share: 0.9"), encoding="utf-8"
    )

    def edit(f):
        f["participants"] = f["participants"].with_columns(
            pl.when(pl.col("activity_id") == "LA5")
            .then(None)
            .otherwise(pl.col("unit_id"))
            .alias("unit_id")
        )
        edit_col(f, "activities", "activity_id", "LA5", "unit_id", None)

    _, con = make_db("capture", edit=edit)
    df = run_checks(con, own_project, run_id="c", as_of=as_of)
    cap = rows(df, "capture_by_affiliation", "LBY1").sort("measured_value")
    assert cap.select("status", "measured_value").rows() == [("flag", 0.8), ("flag", 1.0)]
    assert rows(df, "capture_by_affiliation", "TUN1")["status"].to_list() == ["pass"]


def test_pipeline_selects_checks(scenario_db, project, as_of):
    _, con = scenario_db
    pipe = Pipeline("p", "today", "all", "all", ["defection", "capture_by_affiliation"], "all", {})
    df = run_checks(con, project, run_id="sel", as_of=as_of, pipeline=pipe)
    assert set(df["check_id"]) == {"defection", "capture_by_affiliation"}
    bad = Pipeline("p", "today", "all", "all", ["no_such_check"], "all", {})
    with pytest.raises(ProjectError, match="no_such_check"):
        run_checks(con, project, run_id="bad", as_of=as_of, pipeline=bad)


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        (("severity: high", "severity: severe"), "severity 'severe'"),
        (("id: defection", "id: defection\nlogic: telepathy"), "logic 'telepathy'"),
        (
            ("data: [participants, activities, followups]", "data: [participants, rumours]"),
            "rumours",
        ),
        (
            ("title: Trainees joining non-state armed groups above a threshold\n", ""),
            "missing field(s) title",
        ),
        (("max_share: 0.05", "max_share: five percent"), "cannot use its thresholds"),
    ],
)
def test_malformed_check_file_is_a_project_error(own_project, scenario_db, as_of, change, needle):
    _, con = scenario_db
    path = own_project.path("indicators", "checks", "defection.yml")
    text = path.read_text(encoding="utf-8")
    assert change[0] in text
    path.write_text(text.replace(change[0], change[1]), encoding="utf-8")
    with pytest.raises(ProjectError, match="defection.yml") as err:
        run_checks(con, own_project, run_id="x", as_of=as_of)
    assert needle in str(err.value)


def test_absorption_counts_no_posting_as_not_posted(make_db, project, as_of):
    # Nobody's posting recorded at all (the Libyan "indefinite leave"): 20 of 20 not posted.
    df = findings(
        make_db,
        project,
        as_of,
        edit=lambda f: f.update(
            participants=f["participants"].with_columns(
                posted_within_days=pl.lit(None, dtype=pl.Int64)
            )
        ),
    )
    assert rows(df, "absorption_failure", "LBY1").select("status", "measured_value").rows() == [
        ("flag", 1.0)
    ]
    # Only T01-T03 completed: 3 completers, all posted, is too few for a pass.
    few = findings(
        make_db,
        project,
        as_of,
        edit=lambda f: f.update(
            participants=f["participants"].with_columns(
                completed=pl.col("participant_id").is_in(["T01", "T02", "T03"])
                | pl.col("participant_id").str.starts_with("P")
            )
        ),
    )
    gap = rows(few, "absorption_failure", "TUN1")
    assert gap["status"].to_list() == ["insufficient_data"]
    assert "3 completer(s) past the 90-day window (needs at least 5)" in gap["message"][0]


def test_institutional_affiliation_is_not_a_faction(make_db, project, as_of):
    def edit(f):
        edit_col(f, "units", "unit_id", "LU1", "affiliation", "Ministry of Interior")
        edit_col(f, "units", "unit_id", "LU2", "affiliation", "State of Law")

    df = findings(make_db, project, as_of, edit)
    # Trainees: LU2 "State of Law" (a faction) 6 of 20, LU3 Zintan 4; LU1's 10 are the ministry's.
    # Equipment: LE2 20,000 of 25,000 to "State of Law" = 80%.
    cap = rows(df, "capture_by_affiliation", "LBY1", "flag")
    assert cap.select("measured_value", "evidence").rows() == [(0.8, ["LU2"])]
    assert "equipment value" in cap["message"][0]


def test_defection_pass_needs_the_whole_interval_within_the_threshold(make_db, own_project, as_of):
    # All 20 LBY1 trainees followed up, none defected: 0 of 20 is within 5%, but the Wilson
    # upper end is 1.959964^2 / (20 + 1.959964^2) = 16.1%, so under `status_rule: interval`
    # a share above 5% cannot be ruled out: inconclusive (insufficient data), not a pass.
    def no_defection(f):
        f["followups"] = f["followups"].with_columns(status=pl.lit("serving_same_unit"))

    df = findings(make_db, own_project, as_of, edit=no_defection)
    got = rows(df, "defection", "LBY1")
    assert got.select("status", "measured_value", "threshold").rows() == [
        ("insufficient_data", 0.0, 0.05)
    ]
    assert got["message"][0].startswith("Inconclusive: 0 of 20 (0%, 95% CI 0%-16%) is within")
    # The same data under the point rule is a pass: the rule is the sheet's, declared.
    path = own_project.path("indicators", "checks", "defection.yml")
    path.write_text(
        path.read_text(encoding="utf-8").replace("status_rule: interval", "status_rule: point"),
        encoding="utf-8",
    )
    df = findings(make_db, own_project, as_of, edit=no_defection)
    assert rows(df, "defection", "LBY1")["status"].to_list() == ["pass"]
