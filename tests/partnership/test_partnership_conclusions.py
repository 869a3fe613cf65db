"""The comparative conclusions of Attinà (2005, "Comparison and conclusions") hold in the output.

One test per conclusion: the docstring quotes the paper's sentence verbatim; the assertions read
the scores `sceval score` wrote, then check the engine's own verdict on the claim agrees.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from partnership_helpers import CASES, scores

PAPER = Path(__file__).resolve().parents[3] / "shared" / "papers" / "003_abf225fe20a508a0.txt"
INSTRUMENTS = (
    "operative_agreements_offices",
    "international_conflict_mechanisms",
    "domestic_conflict_mechanisms",
)


@pytest.fixture(scope="module")
def s(attina):
    con, run_id = attina
    verdicts = {
        cid: (verdict, stability)
        for cid, verdict, stability in con.execute(
            "SELECT item_id, rating_text, score FROM partnership_scores "
            "WHERE run_id = ? AND level = 'conclusion'",
            [run_id],
        ).fetchall()
    }
    bases = dict(
        ((c, i), b)
        for c, i, b in con.execute(
            "SELECT case_id, item_id, rating_base FROM partnership_scores "
            "WHERE run_id = ? AND level = 'item'",
            [run_id],
        ).fetchall()
    )
    return {
        "item": scores(con, run_id, "item"),
        "dim": scores(con, run_id, "dimension"),
        "overall": scores(con, run_id, "overall"),
        "verdict": verdicts,
        "base": bases,
    }


def holds(s, conclusion_id: str) -> None:
    assert s["verdict"][conclusion_id][0] == "holds", s["verdict"][conclusion_id]


def test_every_conclusion_quote_is_verbatim_in_the_paper(project):
    """The model file's quotes are the paper's sentences, word for word."""
    from sceval.partnership.model import load_model

    if not PAPER.is_file():
        pytest.skip("the source paper is not next to this checkout")
    text = " ".join(PAPER.read_text(encoding="utf-8").split())
    model = load_model(project.path("indicators", "models", "attina2005.yml"))
    assert len(model.conclusions) == 11
    for c in model.conclusions:
        assert c.quote in text, c.id
    for name, fn in globals().items():
        if name.startswith("test_conclusion_"):
            doc = " ".join(fn.__doc__.split())
            assert re.sub(r"\s+", " ", doc) in text, name


def test_conclusion_pre_conditions_not_on_the_same_foot(s):
    """As shown in the Table, the regions are not on the same foot at the starting line of the *pre-condition*."""
    pre = {c: s["dim"][(c, "pre_conditions")] for c in CASES}
    assert pre["europe"] == pytest.approx(1.0)
    assert len({round(v, 9) for v in pre.values()}) == 4  # East and Central Asia tie at 7/9
    assert all(pre[c] < pre["europe"] for c in CASES if c != "europe")
    holds(s, "not_same_foot_preconditions")


def test_conclusion_awareness_in_all_declarations(s):
    """In all official declarations, awareness for interdependence is recognized as the moving reason for opening negotiations on security cooperation."""
    assert {s["item"][(c, "awareness_interdependence")] for c in CASES} == {1.0}
    holds(s, "awareness_everywhere")


def test_conclusion_violence_present_in_africa(s):
    """However, violence is present in international relations and domestic politics in Africa."""
    africa = s["item"][("africa", "restrained_violence")]
    assert africa == pytest.approx(0.5)
    for c in ("europe", "east_asia", "central_asia"):
        assert africa < s["item"][(c, "restrained_violence")]
    holds(s, "violence_in_africa")


def test_conclusion_asian_power_competition_moderately_relaxed(s):
    """In East and Central Asia great power competition has not been overcome, but is moderately relaxed."""
    for c in ("east_asia", "central_asia"):
        assert 0 < s["item"][(c, "relaxed_power_competition")] < 1
    holds(s, "asia_power_competition_moderately_relaxed")


def test_conclusion_east_asia_tastes_of_power_politics(s):
    """In the former, China-Japan and China-US relations still have the taste of power politics competition."""
    assert s["item"][("east_asia", "relaxed_power_competition")] == pytest.approx(1 / 3)
    assert s["item"][("central_asia", "relaxed_power_competition")] == pytest.approx(2 / 3)
    holds(s, "east_asia_power_politics")


def test_conclusion_asia_needs_further_dialogue(s):
    """On the whole, Central and East Asia needs further dialogue in order to make intergovernmental consensus a consolidated feature of regional security cooperation."""
    for c in ("east_asia", "central_asia"):
        assert s["dim"][(c, "pre_conditions")] == pytest.approx(7 / 9)
    holds(s, "asia_needs_further_dialogue")


def test_conclusion_neighbourhood_lacks_restrained_violence(s):
    """Lastly, the EU-planned neighbourhood region lacks the pre-condition of the restrained use of violence because of conflict in the Middle East and the Southern Caucasus."""
    eun = s["item"][("eu_neighbourhood", "restrained_violence")]
    assert eun == pytest.approx(1 / 3)  # Medium (2/3), halved for "absent in the M.E."
    assert eun < s["item"][("central_asia", "restrained_violence")]
    holds(s, "neighbourhood_lacks_restrained_violence")


def test_conclusion_neighbourhood_power_competition_hard_to_define(s):
    """At the same time, it is hard to define the state of the condition of relaxed or no power competition."""
    assert s["base"][("eu_neighbourhood", "relaxed_power_competition")] == "unclear"
    holds(s, "neighbourhood_power_competition_unclear")


def test_conclusion_conditions_better_than_pre_conditions(s):
    """In terms of *conditions*, the items of the Table show a better state in all the five processes."""
    for c in CASES:
        assert s["dim"][(c, "conditions")] >= s["dim"][(c, "pre_conditions")] - 1e-9, c
    for c in ("east_asia", "central_asia", "africa", "eu_neighbourhood"):
        assert s["dim"][(c, "conditions")] > s["dim"][(c, "pre_conditions")], c
    holds(s, "conditions_better_than_preconditions")


def test_conclusion_structures_poor_except_europe_and_central_asia(s):
    """On this regard, at the exception of Europe, and to a small extent of Central Asia in the specific areas of borders and terrorism, the remaining regions are in rather poor conditions."""

    def instruments(case):
        return sum(s["item"][(case, i)] for i in INSTRUMENTS) / 3

    assert instruments("europe") == pytest.approx(1.0)
    assert instruments("central_asia") == pytest.approx(0.5)
    for c in ("east_asia", "africa", "eu_neighbourhood"):
        assert instruments(c) == 0.0
    structures = {c: s["dim"][(c, "structures_and_means")] for c in CASES}
    assert max(structures, key=structures.get) == "europe"
    holds(s, "structures_poor_except_europe_central_asia")


def test_conclusion_europe_most_developed(s):
    """In Europe, all these changes came to the surface a bit earlier than in other regions, and the existing circumstances made possible to form intergovernmental consensus on a wide range of instruments for the co-management of security problems."""
    overall = s["overall"]
    assert max(overall, key=overall.get) == "europe"
    assert overall["europe"] - max(v for c, v in overall.items() if c != "europe") > 0.25
    holds(s, "europe_wide_range_of_instruments")
