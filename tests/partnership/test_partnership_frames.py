"""Frames for reports: Table 1 layout, dimension profiles, pair stability, what separates cases."""

from __future__ import annotations

import pytest
from partnership_helpers import CASES, table1_rows

from sceval.partnership import (
    conclusions_frame,
    dimension_profiles,
    pair_stability,
    separates,
    table1_frame,
)


def test_table1_frame_reads_like_the_paper(attina, table1_path):
    con, run_id = attina
    t = table1_frame(con, run_id, "attina2005")
    assert t.columns == ["dimension_id", "dimension_label", "item_id", "item_label", *CASES]
    assert t.height == 15
    assert t["item_label"][0] == "Awareness for interdependence"
    want = {(r["item_id"], r["case_id"]): r["rating_text"] for r in table1_rows(table1_path)}
    for row in t.iter_rows(named=True):
        for case in CASES:
            assert row[case] == want[(row["item_id"], case)]
    scores = table1_frame(con, run_id, "attina2005", values="score")
    assert scores.filter(scores["item_id"] == "security_community")["europe"][0] == 0.75


def test_latest_run_is_the_default(attina):
    con, run_id = attina
    assert table1_frame(con).equals(table1_frame(con, run_id))


def test_dimension_profiles(attina):
    con, run_id = attina
    p = dimension_profiles(con, run_id, "attina2005")
    assert p.height == 5 * 5  # four dimensions and the overall, per case
    eun = p.filter(p["case_id"] == "eu_neighbourhood")
    assert eun["dimension_id"].to_list() == [
        "pre_conditions",
        "conditions",
        "structures_and_means",
        "consequences",
        "overall",
    ]
    assert eun["score"][2] == pytest.approx(0.1) and eun["rank"][2] == 5


def test_pair_stability_frame(attina):
    con, run_id = attina
    overall = pair_stability(con, run_id, "attina2005")
    assert overall.height == 20
    row = overall.filter((overall["case_a"] == "central_asia") & (overall["case_b"] == "east_asia"))
    assert row["share_above"][0] == pytest.approx(720 / 1008)
    structures = pair_stability(con, run_id, "attina2005", scope="structures_and_means")
    assert set(structures["scope"]) == {"structures_and_means"}


def test_separates_lists_items_by_contribution(attina):
    con, run_id = attina
    sep = separates(con, "europe", "central_asia", run_id=run_id, model_id="attina2005")
    # item weights: pre-conditions and consequences 1/12, conditions 1/16, structures 1/20
    assert sep["item_id"][0] == "extra_regional_involvement"
    assert sep["contribution"][0] == pytest.approx(1 / 20)
    assert sep.height == 9
    overall_gap = (1 + 1 + 1 + 0.75) / 4 - ((1 + 4 / 3) / 3 + 1 + 0.5 + 1 / 3) / 4
    assert sep["contribution"].sum() == pytest.approx(overall_gap)
    top = separates(con, "europe", "central_asia", run_id=run_id, model_id="attina2005", top=2)
    assert top["item_id"].to_list() == [
        "extra_regional_involvement",
        "security_culture_convergence",
    ]
    assert top["rating_b"].to_list() == ["No", "Uncertain"]


def test_conclusions_frame(attina):
    con, run_id = attina
    c = conclusions_frame(con, run_id, "attina2005")
    assert c.height == 11
    assert set(c["verdict"]) == {"holds"}
    assert c.filter(c["conclusion_id"] == "violence_in_africa")["stability"][0] == 1.0


def test_print_scores_shows_sections(attina):
    from rich.console import Console

    from sceval.partnership import print_scores

    con, run_id = attina
    console = Console(record=True, width=100)
    print_scores(con, run_id, console)
    out = console.export_text()
    for text in (
        "On border areas",
        "Yes, at the exception of M.E.",
        "What separates",
        "central_asia > east_asia: 71% (fragile)",
        "holds",
    ):
        assert text in out
