"""governance_risk on ties of the worst score: the message names the same series, year and
country every run, whatever the order of the input rows.

The documented tie-break (governance_risk.py): within a transfer, equal scores name the
series first in name order; across the program's flagged transfers, equal worst scores name
the latest year, then the first transfer id. Expected values are worked out by hand below.
"""

from __future__ import annotations

import polars as pl
import pytest

from sceval.pipeline import Pipeline

from .test_checks import add_rows, findings
from .test_scenarios import rows

ONLY_GOVERNANCE = Pipeline("p", "today", "all", "all", ["governance_risk"], "all", {})

ROL, COC = "wgi_rule_of_law", "wgi_control_of_corruption"


def tied(frames: dict[str, pl.DataFrame]) -> None:
    """The scenario with tied worst scores in both programs (hand-computed in the comments).

    TUN1 (partner TUN), threshold -0.5, lookback 3 years:
      TE1 2017: ROL 0.0, COC -0.1 (2017)            -> worst -0.1, not flagged.
      TE3 2018: ROL -1.2, COC -0.8 (2018)           -> worst -1.2, ROL, 2018.
      TE4 2019: ROL -1.2, COC -1.2 (2019)           -> worst -1.2, tie -> COC (name order), 2019.
      TE3 and TE4 tie on -1.2: the latest year wins, TE4: "COC was -1.2 in 2019".
      (Earliest year would say "ROL ... in 2018"; the other series order "ROL ... in 2019".)
    LBY1 (partner LBY):
      LE1 2014 to LU1 (LBY): ROL -1.5, COC -1.5     -> worst -1.5, tie -> COC, 2014.
      LE0 2014 to SU1 (SDN): ROL -1.5, COC -1.0     -> worst -1.5, ROL, 2014.
      Same score and year: the first transfer id wins, LE0: "SDN, whose ROL was -1.5 in 2014".
      (Country or series order would name LBY and COC instead.)
    """
    add_rows(
        frames,
        "units",
        [("SU1", "SDN", "Sudan unit", "army", "state", None, "cleared", "2013-01-10")],
    )
    add_rows(
        frames,
        "equipment",
        [
            ("TE3", "TUN1", "TU1", "small_arms", True, 10, "2018-05-01", 1000.0),
            ("TE4", "TUN1", "TU2", "small_arms", True, 10, "2019-05-01", 1000.0),
            ("LE0", "LBY1", "SU1", "small_arms", True, 10, "2014-03-01", 1000.0),
        ],
    )
    # LBY's 2014 control of corruption was -1.4: now -1.5, level with its rule of law.
    frames["context"] = frames["context"].filter(
        ~((pl.col("country") == "LBY") & (pl.col("indicator") == COC))
    )
    add_rows(
        frames,
        "context",
        [
            ("LBY", 2014, COC, -1.5, "tie test"),
            ("SDN", 2014, ROL, -1.5, "tie test"),
            ("SDN", 2014, COC, -1.0, "tie test"),
            ("TUN", 2018, ROL, -1.2, "tie test"),
            ("TUN", 2018, COC, -0.8, "tie test"),
            ("TUN", 2019, ROL, -1.2, "tie test"),
            ("TUN", 2019, COC, -1.2, "tie test"),
        ],
    )


def shuffled(seed: int):
    """The tied scenario with the rows of every input table in another order."""

    def edit(frames: dict[str, pl.DataFrame]) -> None:
        tied(frames)
        for name, df in frames.items():
            frames[name] = df.sample(fraction=1.0, shuffle=True, seed=seed)

    return edit


def governance(df: pl.DataFrame) -> list[tuple]:
    out = df.filter(pl.col("check_id") == "governance_risk").sort("program_id")
    return out.select(
        "program_id", "status", "severity", "measured_value", "threshold", "message", "evidence"
    ).rows()


EXPECTED = [
    (
        "LBY1",
        "flag",
        "medium",
        -1.5,
        -0.5,
        "2 lethal transfer(s) went to SDN, whose wgi_rule_of_law was -1.5 in 2014, below -0.5.",
        ["LE0", "LE1"],
    ),
    (
        "TUN1",
        "flag",
        "medium",
        -1.2,
        -0.5,
        "2 lethal transfer(s) went to TUN, whose wgi_control_of_corruption was -1.2 in 2019, "
        "below -0.5.",
        ["TE3", "TE4"],
    ),
]


def test_governance_ties_break_on_series_then_latest_year_then_transfer_id(make_db, project, as_of):
    df = findings(make_db, project, as_of, tied, pipeline=ONLY_GOVERNANCE)
    assert governance(df) == EXPECTED


@pytest.mark.parametrize("seed", [1, 2, 7])
def test_governance_ties_do_not_depend_on_row_order(make_db, project, as_of, seed):
    df = findings(make_db, project, as_of, shuffled(seed), pipeline=ONLY_GOVERNANCE)
    assert governance(df) == EXPECTED


def test_governance_tie_message_kept_when_escalated(make_db, project, as_of):
    df = findings(make_db, project, as_of, shuffled(3))
    for program, _, _, measured, _, message, evidence in EXPECTED:
        gov = rows(df, "governance_risk", program, "flag")
        # Both programs now have other flags (LBY1 many; TUN1 end-use checks overdue for TE3
        # and TE4): raised to high, the tie-broken sentence first.
        assert gov["severity"].to_list() == ["high"], program
        assert gov["message"][0].startswith(message + " Raised to high because"), program
        assert (gov["measured_value"][0], gov["evidence"][0].to_list()) == (measured, evidence)
