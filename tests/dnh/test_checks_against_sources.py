"""Issue 16: do-no-harm checks read against their sources, on hand-made edits of the scenario
(tests/dnh/scenario.py); every expected value is worked out in the comments."""

from __future__ import annotations

import glob
import os
import re
from pathlib import Path

import polars as pl
import pytest
import yaml

from sceval.dnh import run_checks

from .test_checks import edit_col, findings
from .test_scenarios import rows

ROOT = Path(__file__).resolve().parents[2]
# ../shared/papers beside the checkout; SCEVAL_SHARED points elsewhere (a worktree, CI)
PAPERS = Path(os.environ.get("SCEVAL_SHARED") or ROOT.parent / "shared") / "papers"
needs_papers = pytest.mark.skipif(
    not PAPERS.is_dir(), reason=f"the papers are not at {PAPERS} (set SCEVAL_SHARED)"
)


def add(frames, table, **values):
    """One row, every column the frame has (unnamed ones empty)."""
    schema = frames[table].schema
    row = pl.DataFrame([{c: values.get(c) for c in schema}], schema=schema)
    frames[table] = pl.concat([frames[table], row])


def sfax(frames):
    """TUN1 gets support in a second area, Sfax, from 2018-01-01; Tunisia's events replaced."""
    add(frames, "activities", activity_id="TA5", program_id="TUN1", kind="training",
        title="TA5", planned_start="2018-01-01", planned_end="2018-02-28",
        actual_start="2018-01-01", actual_end="2018-02-28", status="delivered",
        planned_cost=100.0, actual_cost=100.0, admin1="Sfax", co_designed=True,
        partner_cost_share=0.4)  # fmt: skip
    ev = frames["events"].filter(pl.col("country") != "TUN")
    frames["events"] = ev
    for i in range(6):  # Sfax, before support there began (2018-01-01): 6 events, 2 deaths each
        add(frames, "events", event_id=f"S{i}", event_date=f"2017-{i + 7:02d}-10", country="TUN",
            admin1="Sfax", event_type="battle", fatalities=2, civilian_targeting=False)  # fmt: skip
    for i, day in enumerate(("2015-06-01", "2016-06-01", "2017-06-01", "2018-06-01")):
        add(frames, "events", event_id=f"T{i}", event_date=day, country="TUN", admin1="Tunis",
            event_type="protest", fatalities=0, civilian_targeting=False)  # fmt: skip


def test_conflict_escalation_windows_start_per_area_and_name_every_area(make_db, project, as_of):
    # Kasserine: first support TA1 2016-03-01, windows [2015-03-02, 2016-03-01) and
    #   [2016-03-01, 2017-03-01): no event there (0 -> 0); Tunis T0 before, T1 after (1 -> 1).
    #   Ratio (0+1)/(0+1) / ((1+1)/(1+1)) = 1.0 for events and for deaths.
    # Sfax: first support TA5 2018-01-01, windows [2017-01-01, 2018-01-01) and
    #   [2018-01-01, 2019-01-01): S0-S5 all before (6 -> 0, deaths 12 -> 0); Tunis T2, T3
    #   (1 -> 1). Events (0+1)/(6+1) = 0.14, deaths 1/13 = 0.08: no escalation.
    # From the program's first delivery (TE1, 2017-02-15) instead, Sfax would read 0 -> 6
    # events against 1 -> 1 elsewhere: a ratio of 7 and a false flag.
    df = findings(make_db, project, as_of, edit=sfax, program="TUN1")
    esc = rows(df, "conflict_escalation", "TUN1")
    assert esc.select("status", "measured_value").rows() == [("pass", 1.0)]
    assert esc["message"][0] == (
        "No escalation beyond comparison areas in any supported area. Per area: "
        "Kasserine (support from 2016-03-01, 365 days each side): events 0 -> 0, fatalities "
        "0 -> 0; elsewhere events 1 -> 1, fatalities 0 -> 0; no escalation (1.0x); "
        "Sfax (support from 2018-01-01, 365 days each side): events 6 -> 0, fatalities "
        "12 -> 0; elsewhere events 1 -> 1, fatalities 0 -> 0; no escalation (0.14x)."
    )


def disappearance_after_support(frames):
    # TU2 was supported from TA2 (2017-03-01) to TE2 (2017-07-01). Two years after the
    # support ended it abducts a protester: credible, no remedy. TU1's torture in 2024 is
    # more than 60 months after its last support (TA3 ended 2017-02-28): outside the window.
    add(frames, "incidents", incident_id="I3", unit_id="TU2", date="2019-05-01",
        kind="enforced_disappearance", credibility="credible", remediation="none")  # fmt: skip
    add(frames, "incidents", incident_id="I4", unit_id="TU1", date="2024-01-01",
        kind="torture", credibility="credible", remediation="none")  # fmt: skip


def test_harm_by_units_the_program_built_up_is_its_own_check(make_db, project, as_of):
    df = findings(make_db, project, as_of, edit=disappearance_after_support, program="TUN1")
    harm = rows(df, "harm_by_supported_units", "TUN1")
    assert harm.select("status", "severity", "unit_id", "measured_value", "evidence").rows() == [
        ("flag", "high", "TU2", 1.0, ["I3"])
    ]
    assert harm["message"][0] == (
        "Unit TU2 (Army 2nd Div), which the program supported from 2017-03-01 to 2017-07-01, "
        "committed 1 credible or confirmed gross violation(s) (enforced_disappearance) without "
        "effective remedial steps between 2019-05-01 and 2019-05-01, 1 of them after the "
        "support ended (look-back window: 60 months after the last support)."
    )
    # The Leahy test passes (no assistance after the incident) and says exactly what it tested.
    leahy = rows(df, "gross_violation_unremedied", "TUN1")
    assert leahy.select("status", "message").rows() == [
        (
            "pass",
            "Leahy test passed: no assistance to a supported unit continued or started after a "
            "credible or confirmed gross violation by that unit (unlawful_killing, torture, "
            "enforced_disappearance, sexual_violence, arbitrary_detention) without effective "
            "remedial steps, and incident reporting covers every supported unit. Violations by "
            "units after assistance to them ended are judged by harm_by_supported_units.",
        )
    ]


def test_enforced_disappearance_during_support_is_a_gross_violation(make_db, project, as_of):
    def edit(f):
        # TU2 abducts someone on 2017-04-01, during TA2; TE2 (2017-07-01) came after.
        add(f, "incidents", incident_id="I5", unit_id="TU2", date="2017-04-01",
            kind="enforced_disappearance", credibility="confirmed", remediation="none")  # fmt: skip

    df = findings(make_db, project, as_of, edit=edit, program="TUN1")
    gv = rows(df, "gross_violation_unremedied", "TUN1")
    assert gv.select("status", "unit_id", "evidence").rows() == [("flag", "TU2", ["I5"])]


def test_expired_clearance_is_flagged(make_db, project, as_of):
    # TU2 cleared 2016-02-01: TA2 (2017-03-01, 394 days later) and TE2 (2017-07-01) came
    # after the 365 days of validity.
    df = findings(
        make_db,
        project,
        as_of,
        edit=lambda f: edit_col(f, "units", "unit_id", "TU2", "vetting_date", "2016-02-01"),
        program="TUN1",
    )
    vet = rows(df, "unvetted_recipients", "TUN1").sort("evidence_table")
    assert vet.select("status", "unit_id", "evidence_table", "evidence").rows() == [
        ("flag", "TU2", "activities", ["TA2"]),
        ("flag", "TU2", "equipment", ["TE2"]),
    ]
    assert vet["message"][0] == (
        "Unit TU2 (Army 2nd Div) received 1 activity(ies) from 2017-03-01 on an expired "
        "clearance: vetted on 2016-02-01, valid for 365 days."
    )


def test_vetting_validity_is_declared_in_the_check(make_db, own_project, as_of):
    path = own_project.path("indicators", "checks", "unvetted_recipients.yml")
    text = path.read_text(encoding="utf-8")
    assert "validity_days: 365" in text
    path.write_text(text.replace("validity_days: 365", "validity_days: 730"), encoding="utf-8")
    _, con = make_db(
        "valid2y",
        edit=lambda f: edit_col(f, "units", "unit_id", "TU2", "vetting_date", "2016-02-01"),
    )
    df = run_checks(con, own_project, run_id="v", as_of=as_of, program="TUN1")
    # Two years of validity cover TA2 (394 days) and TE2 (516 days).
    assert rows(df, "unvetted_recipients", "TUN1")["status"].to_list() == ["pass"]


# The treaty articles each check may cite, with what they say (Arms Trade Treaty, 2013):
# 6(1) transfers violating Chapter VII measures (arms embargoes) are prohibited; 7(1) export
# assessment, (b)(i)/(ii) serious violations of international humanitarian / human rights law;
# 7(4) gender-based violence and violence against women and children; 11 diversion (11(1)
# prevent it, 11(2) assess its risk, 11(3) states cooperate to mitigate it, 11(4) act when
# it is detected). EU Common Position 2008/944/CFSP criteria: one embargoes and international
# commitments, two human rights and IHL (internal repression), three internal situation
# (armed conflicts), seven diversion.
ATT = {
    "arms_embargo_delivery": ["6(1)"],
    "end_use_check_overdue": ["11(3)"],
    "end_use_missing_lethal": ["11"],
    "gross_violation_unremedied": ["7(1)(b)(ii)"],
    "harm_by_supported_units": ["7(1)(b)(ii)"],
    "non_state_recipient": ["11(1)-(2)"],
    "unvetted_recipients": ["7(1)"],
    "violence_against_civilians": ["7(1)(b)"],
}
EU = {
    "arms_embargo_delivery": "criterion one",
    "conflict_escalation": "criterion three",
    "end_use_missing_lethal": "criterion seven",
    "gross_violation_unremedied": "criterion two",
    "governance_risk": "criteria two (respect for human rights) and seven",
    "violence_against_civilians": "criterion two",
    "violence_against_protesters": "criterion two",
}


def check_files():
    return {
        Path(p).stem: yaml.safe_load(Path(p).read_text(encoding="utf-8"))
        for p in glob.glob(str(ROOT / "indicators" / "checks" / "*.yml"))
        if Path(p).stem != "waivers"
    }


def test_treaty_citations_match_what_the_articles_say():
    for cid, data in check_files().items():
        text = " ".join(data["sources"])
        assert re.findall(r"Arms Trade Treaty art\. ([0-9()a-z\-]+)", text) == ATT.get(cid, []), cid
        if cid in EU:
            assert f"2008/944/CFSP, {EU[cid]}" in text, cid
        # 7(4) is about gender-based violence: no check on diversion may cite it.
        assert "7(4)" not in text, cid


def _norm(text: str) -> str:
    for a, b in (("\u201c", '"'), ("\u201d", '"'), ("\u2018", "'"), ("\u2019", "'")):
        text = text.replace(a, b)
    return re.sub(r"\s+", " ", text).lower()


@needs_papers
def test_every_quotation_of_the_papers_is_in_the_papers():
    papers = " ".join(_norm(p.read_text(encoding="utf-8")) for p in PAPERS.glob("00*.txt"))
    files = [*glob.glob(str(ROOT / "indicators" / "*.yml")), *glob.glob(
        str(ROOT / "indicators" / "checks" / "*.yml"))]  # fmt: skip
    not_quotes = {"State of Law"}  # a party's name, not a quotation
    checked = 0
    for path in files:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            continue
        for field in ("rationale", "source", "sources", "definition"):
            value = data.get(field)
            for text in value if isinstance(value, list) else [value or ""]:
                for quote in re.findall(r'"([^"]+)"', str(text)):
                    if len(quote.split()) < 3 or quote in not_quotes:
                        continue
                    if quote.startswith(("Securing Development", "Transatlantic Security",
                                         "Shared Responsibility")):  # fmt: skip
                        continue  # titles
                    checked += 1
                    assert _norm(quote) in papers, (Path(path).name, field, quote)
    assert checked >= 8


def test_docs_list_each_checks_exact_test_and_citations(project):
    from sceval.dnh.spec import reference_markdown

    page = (ROOT / "docs" / "do-no-harm.md").read_text(encoding="utf-8")
    block = page.split("<!-- checks:begin -->\n", 1)[1].split("<!-- checks:end -->", 1)[0]
    assert block == reference_markdown(project)
    assert "### `harm_by_supported_units` (high)" in block
    assert "- Arms Trade Treaty art. 11 (diversion; 11(1)" in block


def test_areas_meet_their_events_through_iso_3166_2(make_db, project, as_of):
    # The activity says "Sfax Governorate", the events "Sfax": both are TN-61. Counts as in
    # the per-area test above; the area is named as the activity names it.
    def edit(f):
        sfax(f)
        f["activities"] = f["activities"].with_columns(
            admin1=pl.when(pl.col("activity_id") == "TA5")
            .then(pl.lit("Sfax Governorate"))
            .otherwise(pl.col("admin1"))
        )

    df = findings(make_db, project, as_of, edit=edit, program="TUN1")
    msg = rows(df, "conflict_escalation", "TUN1")["message"][0]
    assert (
        "Sfax Governorate (support from 2018-01-01, 365 days each side): events 6 -> 0, "
        "fatalities 12 -> 0; elsewhere events 1 -> 1, fatalities 0 -> 0; no escalation (0.14x)"
    ) in msg
    assert "Kasserine (support from 2016-03-01, 365 days each side): events 0 -> 0" in msg
