"""Roll-up rules, objectives, assumptions and links, on hand-chosen statuses and values."""

from __future__ import annotations

import datetime as dt

import pytest

from sceval.framework.rollup import (
    assumption_status,
    chain_rows,
    objective_status,
    rolled_up,
)
from sceval.framework.spec import Assumption, Framework, Objective, Result


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        (["green", "green"], "green"),
        (["green", "amber"], "amber"),
        (["green", "amber", "red"], "red"),
        # never green by silence: one indicator without data keeps a green result unjudged
        (["green", "insufficient_data"], "insufficient_data"),
        (["green", "inconclusive"], "inconclusive"),
        (["red", "insufficient_data"], "red"),
        ([], "insufficient_data"),
    ],
)
def test_worst(statuses, expected):
    assert rolled_up(statuses, "worst") == expected


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        (["green", "green", "red"], "green"),
        (["green", "red"], "red"),  # a tie goes to the worse
        (["green", "amber", "amber", "red"], "amber"),
        # 1 of 3 with data: fewer than half
        (["green", "insufficient_data", "insufficient_data"], "insufficient_data"),
        # 2 of 4 with data is half: judged, tie -> worse
        (["green", "amber", "insufficient_data", "insufficient_data"], "amber"),
    ],
)
def test_majority(statuses, expected):
    assert rolled_up(statuses, "majority") == expected


def test_weighted_by_hand():
    # (2 * 1 + 1 * 0) / 3 = 0.667: amber (green from 0.75, amber from 0.4)
    assert rolled_up(["green", "red"], "weighted", [2.0, 1.0]) == "amber"
    # (3 * 1 + 1 * 0) / 4 = 0.75: green
    assert rolled_up(["green", "red"], "weighted", [3.0, 1.0]) == "green"
    # (1 * 0.5 + 2 * 0) / 3 = 0.167: red
    assert rolled_up(["amber", "red"], "weighted", [1.0, 2.0]) == "red"
    # the judged indicators carry 1 of 3 weight: less than half
    assert rolled_up(["green", "insufficient_data"], "weighted", [1.0, 2.0]) == "insufficient_data"


def test_objective_by_direction_and_date():
    d = dt.date(2025, 12, 31)
    assert objective_status(0.8, 0.75, "higher", d, dt.date(2024, 1, 1)) == "green"
    assert objective_status(0.7, 0.75, "higher", d, dt.date(2024, 1, 1)) == "amber"
    assert objective_status(0.7, 0.75, "higher", d, dt.date(2026, 1, 1)) == "red"
    assert objective_status(0.01, 0.02, "lower", d, dt.date(2026, 1, 1)) == "green"
    assert objective_status(None, 0.75, "higher", d, dt.date(2026, 1, 1)) == "insufficient_data"


def test_assumption_crossing_its_threshold():
    assert assumption_status(-1.2, -1.0, None) == "broken"
    assert assumption_status(-1.0, -1.0, None) == "holds"  # at the threshold: not past it
    assert assumption_status(0.06, None, 0.05) == "broken"
    assert assumption_status(None, -1.0, None) == "insufficient_data"


def _framework() -> Framework:
    return Framework(
        id="P1",
        path=None,  # type: ignore[arg-type]
        programs=("P1",),
        name="test",
        goal="A force that holds ground.",
        rule="worst",
        objectives=(
            Objective("ready", "Units ready", "unit_readiness", None, 0.75, dt.date(2023, 12, 31)),
        ),
        results=(
            Result("trained", "output", "Trained", ("personnel_trained", "activity_delivery_rate"),
                   "worst", leads_to=("holds",)),
            Result("holds", "outcome", "Holds ground", ("unit_readiness", "retention_12m"),
                   "worst", leads_to=("safer",)),
            Result("safer", "impact", "Safer", ("conflict_events_did",), "worst"),
        ),
        assumptions=(
            Assumption("absorb", "Absorbed", ("trained", "holds"), "indicator",
                       "absorption_rate", 0.5, None),
            Assumption("gov", "Governance", ("holds", "safer"), "context",
                       "wgi_control_of_corruption", -1.0, None),
        ),
    )  # fmt: skip


def test_outputs_delivered_outcome_not_reached_is_a_broken_link():
    indicators = {
        "personnel_trained": {"status": "green", "value": 1000.0},
        "activity_delivery_rate": {"status": "green", "value": 0.95},
        "unit_readiness": {"status": "red", "value": 0.2},
        "retention_12m": {"status": "green", "value": 0.9},
        "absorption_rate": {"status": "red", "value": 0.3},
        # conflict_events_did not computed: insufficient_data
    }
    rows = chain_rows(
        _framework(), "P1", indicators, {"wgi_control_of_corruption": -0.4},
        {"unit_readiness": "higher"}, dt.date(2024, 6, 30),
    )  # fmt: skip
    by = {(r["element"], r["element_id"]): r for r in rows}
    assert by[("result", "trained")]["status"] == "green"
    assert by[("result", "holds")]["status"] == "red"
    assert by[("result", "safer")]["status"] == "insufficient_data"
    link = by[("link", "trained->holds")]
    assert link["status"] == "broken"
    assert link["message"] == "outputs delivered, outcome not reached"
    assert by[("link", "holds->safer")]["status"] == "insufficient_data"
    absorb = by[("assumption", "absorb")]
    assert (absorb["status"], absorb["measured"], absorb["link_from"], absorb["link_to"]) == (
        "broken", 0.3, "trained", "holds")  # fmt: skip
    assert by[("assumption", "gov")]["status"] == "holds"
    # 0.2 < 0.75 and the target date has passed
    assert by[("objective", "ready")]["status"] == "red"
    goal = by[("goal", "P1")]
    assert (goal["status"], goal["message"]) == ("red", "outcome not reached")


def test_green_chain_has_no_broken_link():
    indicators = {
        i: {"status": "green", "value": 1.0}
        for i in ("personnel_trained", "activity_delivery_rate", "unit_readiness",
                  "retention_12m", "conflict_events_did", "absorption_rate")
    }  # fmt: skip
    rows = chain_rows(_framework(), "P1", indicators, {}, {}, dt.date(2024, 6, 30))
    links = [r for r in rows if r["element"] == "link"]
    assert [r["status"] for r in links] == ["holds", "holds"]
    goal = next(r for r in rows if r["element"] == "goal")
    assert goal["message"] == "outcome reached"
    gov = next(r for r in rows if r["element_id"] == "gov")
    assert gov["status"] == "insufficient_data"  # no context value: cannot tell, never "holds"
