"""Data-based ratings from dialogues and activities, beside the GMF-evidenced expert ratings."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from partnership_helpers import SEED_RATINGS, ratings_warehouse, score_run

PROGRAMS = """\
program_id,name,provider,framework,partner_country,region,start_date,end_date,budget,currency,objective
P-MD,MD dialogue,NATO,Mediterranean Dialogue,JOR,MENA,2010-01-01,2021-12-31,1000,EUR,
P-ICI,ICI courses,NATO,ICI,KWT,Gulf,2019-01-01,2022-12-31,1000,EUR,
P-DCB,Other,NATO,DCB,TUN,Maghreb,2019-01-01,2022-12-31,1000,EUR,
"""
DIALOGUES = """\
meeting_id,program_id,date,level,format,participants_total,participants_women,participants_youth,civil_society_present
M1,P-MD,2010-03-01,ministerial,multilateral,10,0,0,false
M2,P-MD,2016-03-01,ambassadorial,multilateral,10,1,0,false
M3,P-MD,2017-03-01,working,multilateral,10,1,0,false
M4,P-MD,2018-03-01,working,multilateral,10,1,0,false
M5,P-MD,2019-03-01,senior_official,multilateral,10,0,0,false
M6,P-MD,2020-03-01,chiefs_of_defence,multilateral,10,0,0,false
I1,P-ICI,2019-01-01,working,bilateral,5,2,2,true
I2,P-ICI,2020-01-01,working,bilateral,5,2,2,true
I3,P-ICI,2021-01-01,working,bilateral,5,2,2,true
D1,P-DCB,2021-01-01,ministerial,bilateral,5,5,5,true
"""
ACT_HEAD = (
    "activity_id,program_id,kind,title,planned_start,planned_end,actual_start,actual_end,status,"
    "planned_cost,actual_cost,admin1,unit_id,co_designed,partner_cost_share,trainees_reported\n"
)
ACTIVITIES = ACT_HEAD + textwrap.dedent(
    """\
    A1,P-MD,dialogue,a,2019-01-01,2019-01-02,,,delivered,100,,,,true,0.5,
    A2,P-MD,dialogue,b,2019-01-01,2019-01-02,,,delivered,100,,,,false,0,
    A3,P-MD,dialogue,c,2019-01-01,2019-01-02,,,delivered,100,,,,false,0,
    A4,P-MD,dialogue,d,2019-01-01,2019-01-02,,,delivered,100,,,,false,0,
    A5,P-MD,dialogue,e,2019-01-01,2019-01-02,,,ongoing,50,100,,,false,0,
    A6,P-MD,dialogue,f,2019-01-01,2019-01-02,,,cancelled,900,,,,true,1,
    """
)


@pytest.fixture(scope="module")
def evidence(tmp_path_factory, project):
    tmp = tmp_path_factory.mktemp("evidence")
    files = []
    for name, text in (
        ("programs", PROGRAMS),
        ("dialogues", DIALOGUES),
        ("activities", ACTIVITIES),
    ):
        (tmp / f"{name}.csv").write_text(text, encoding="utf-8")
        files.append(tmp / f"{name}.csv")
    con = ratings_warehouse(project, tmp / "wh.duckdb", SEED_RATINGS, files)
    run_id = score_run(con, project, "shared_responsibility")
    from sceval.partnership import evidence_frame

    frame = evidence_frame(con, run_id, "shared_responsibility")
    yield {(r["case_id"], r["item_id"]): r for r in frame.iter_rows(named=True)}
    con.close()


def test_mediterranean_dialogue_commitment_from_seniority_and_frequency(evidence):
    row = evidence[("nato_md", "commitment_to_action")]
    # last five years before 2020-03-01: M2..M6; seniority (0.5 + 0 + 0 + 0.25 + 0.75)/5 = 0.3
    # -> Low; 5 meetings / 5 years = 1 a year -> Low; the lower of the two: Low
    assert row["data_rating"] == "Low"
    assert row["data_score"] == pytest.approx(1 / 3)
    assert "dialogue_seniority_index=0.3 over 5 dialogues in the last 5 years" in row["note"]
    assert row["expert_rating"] == "Low, declining"
    assert row["disagree"] is False


def test_mediterranean_dialogue_inclusiveness_disagrees_with_expert(evidence):
    row = evidence[("nato_md", "inclusiveness")]
    # women 3/60 = 0.05 -> Low, youth 0 -> None, civil society 0/6 -> None: the lowest, None
    assert row["data_rating"] == "None" and row["data_score"] == 0
    assert "dialogue_women_share=0.05 over 6 dialogues -> Low" in row["note"]
    assert row["expert_rating"] == "Low"
    assert row["disagree"] is True
    assert row["note"].startswith("disagree with expert rating 'Low'")


def test_co_design_and_cost_share_exclude_cancelled_activities(evidence):
    horizontal = evidence[("nato_md", "horizontal_not_vertical")]
    # 1 of 5 non-cancelled activities co-designed -> 0.2 -> Low (cancelled A6 ignored)
    assert "activity_co_designed_share=0.2 over 5 activities -> Low" in horizontal["note"]
    assert horizontal["disagree"] is False
    ownership = evidence[("nato_md", "local_ownership")]
    # cost-weighted partner share: 0.5*100 / (100*4 + actual 100) = 0.1 -> Low
    assert "activity_partner_cost_share=0.1 over 5 activities -> Low" in ownership["note"]
    assert ownership["expert_rating"] is None and ownership["disagree"] is None
    assert ownership["note"].startswith("no expert rating")


def test_too_little_data_is_insufficient_never_zero(evidence):
    inclusive = evidence[("nato_ici", "inclusiveness")]
    assert inclusive["data_rating"] is None and inclusive["data_score"] is None
    assert inclusive["note"].startswith("insufficient_data")
    assert "3 dialogues (< 5)" in inclusive["note"]
    # commitment: seniority has too few meetings, frequency alone speaks: 3 in 5 years -> None
    commitment = evidence[("nato_ici", "commitment_to_action")]
    assert commitment["data_rating"] == "None"
    assert commitment["expert_rating"] == "Medium/low" and commitment["disagree"] is True
    assert ("nato_ici", "horizontal_not_vertical") in evidence
    assert evidence[("nato_ici", "horizontal_not_vertical")]["data_score"] is None


def test_seed_ratings_quote_the_gmf_paper(project):
    import csv

    from sceval.partnership.model import load_model

    model = load_model(project.path("indicators", "models", "shared_responsibility.yml"))
    with SEED_RATINGS.open(newline="", encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["model_id"] == "shared_responsibility"]
    assert {r["case_id"] for r in rows} == {"nato_md", "nato_ici"}
    for r in rows:
        model.parse(r["rating_text"], case_id=r["case_id"], item_id=r["item_id"])
        assert "GMF 2017" in r["evidence"] and r["evidence"].startswith('"')
    md = {r["item_id"]: r for r in rows if r["case_id"] == "nato_md"}
    assert (
        "no ministerial meeting of MD partners since 2008" in md["commitment_to_action"]["evidence"]
    )


GMF = Path(__file__).resolve().parents[3] / "shared" / "papers" / "002_96383e19ea0a9f24.txt"


@pytest.fixture(scope="module")
def sr(tmp_path_factory, project):
    con = ratings_warehouse(project, tmp_path_factory.mktemp("sr") / "wh.duckdb", SEED_RATINGS)
    run_id = score_run(con, project, "shared_responsibility")
    yield con, run_id
    con.close()


def _verdict(con, run_id, conclusion_id):
    return con.execute(
        "SELECT rating_text, score FROM partnership_scores WHERE run_id = ? "
        "AND level = 'conclusion' AND item_id = ?",
        [run_id, conclusion_id],
    ).fetchall()[0]


def test_gmf_quotes_are_verbatim(project):
    from sceval.partnership.model import load_model

    if not GMF.is_file():
        pytest.skip("the source paper is not next to this checkout")
    text = " ".join(GMF.read_text(encoding="utf-8").split())
    model = load_model(project.path("indicators", "models", "shared_responsibility.yml"))
    for c in model.conclusions:
        assert c.quote in text, c.id


def test_gmf_ici_essentially_bilateral(sr):
    """Since its inception in 2004, ICI was essentially bilateral."""
    con, run_id = sr
    got = dict(
        con.execute(
            "SELECT case_id, score FROM partnership_scores WHERE run_id = ? AND level = 'item' "
            "AND item_id = 'win_win_shared_solutions'",
            [run_id],
        ).fetchall()
    )
    assert got == {"nato_md": pytest.approx(2 / 3), "nato_ici": pytest.approx(1 / 3)}
    assert _verdict(con, run_id, "ici_bilateral_md_multilateral") == ("holds", 1.0)


def test_gmf_partnerships_reach_elites_and_officials(sr):
    """NATO's partnerships with countries from the Middle East and North Africa (MENA) have mostly consisted so far in convening and reaching out to the region's elites and officials"""
    con, run_id = sr
    got = con.execute(
        "SELECT DISTINCT rating_text, score FROM partnership_scores WHERE run_id = ? "
        "AND level = 'item' AND item_id = 'inclusiveness'",
        [run_id],
    ).fetchall()
    assert got == [("Low", pytest.approx(1 / 3))]
    assert _verdict(con, run_id, "elites_and_officials_only") == ("holds", 1.0)


def test_md_and_ici_tie_overall_and_the_tie_is_fragile(sr):
    con, run_id = sr
    overall = dict(
        con.execute(
            "SELECT case_id, score FROM partnership_scores WHERE run_id = ? AND level = 'overall'",
            [run_id],
        ).fetchall()
    )
    # quality (6 of 9 rated): MD (4 Low + 1/2 + Low) = 13/36, ICI 15/36; openness (3 of 6):
    # MD (1/3 + 1/3 + 2/3)/3 = 4/9, ICI (1/2 + 1/3 + 1/3)/3 = 7/18; hard questions 1 of 4 rated:
    # insufficient, so the overall is the mean of two dimensions.
    assert overall["nato_md"] == pytest.approx((13 / 36 + 4 / 9) / 2)
    assert overall["nato_ici"] == pytest.approx((15 / 36 + 7 / 18) / 2)
    assert overall["nato_md"] == pytest.approx(overall["nato_ici"])
    dims = con.execute(
        "SELECT score, note FROM partnership_scores WHERE run_id = ? AND level = 'dimension' "
        "AND dimension_id = 'hard_questions' AND case_id = 'nato_md'",
        [run_id],
    ).fetchall()[0]
    assert dims[0] is None and dims[1].startswith("insufficient_data: 1 of 4 items rated")
