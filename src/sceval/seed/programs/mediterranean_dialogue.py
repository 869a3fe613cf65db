"""Seed program: 6. Mediterranean Dialogue political dialogue series (GMF 2017) (SYNTHETIC; see docs/seed-data.md)."""

from __future__ import annotations

import datetime as dt

import numpy as np

from sceval.seed.events import Scene
from sceval.seed.programs.common import D
from sceval.seed.spec import (
    Activity,
    Behaviour,
    Meeting,
    Observation,
    ProgramSpec,
)

# --- 6. Mediterranean Dialogue political dialogue series (GMF 2017) ---------------------------
# Meetings per year decline; no ministerial meeting after 2008 (GMF 2017, p. 9).
MD_MEETINGS = {
    2004: 12,
    2005: 12,
    2006: 11,
    2007: 10,
    2008: 10,
    2009: 9,
    2010: 8,
    2011: 8,
    2012: 7,
    2013: 7,
    2014: 6,
    2015: 6,
    2016: 5,
    2017: 5,
    2018: 4,
    2019: 4,
    2020: 3,
    2021: 3,
    2022: 3,
    2023: 2,
    2024: 2,
    2025: 2,
    2026: 1,
}
MD_MINISTERIAL = (D(2004, 12, 8), D(2006, 2, 10), D(2007, 12, 7), D(2008, 5, 21))


def mediterranean_dialogue(rng: np.random.Generator) -> tuple[ProgramSpec, list[Scene]]:
    pid = "SYN-MD-DIALOGUE"
    meetings = []
    for year, count in MD_MEETINGS.items():
        ministerial = [d for d in MD_MINISTERIAL if d.year == year]
        senior = max(0.05, 0.6 - 0.03 * (year - 2004))  # share of ambassadorial meetings
        for k in range(count):
            if k < len(ministerial):
                when, level, total = ministerial[k], "ministerial", 40
            elif k == len(ministerial):
                # The annual meeting of chiefs of defence, ever fewer of them attending.
                when, level, total = D(year, 1, 25), "chiefs_of_defence", max(14, 34 - year + 2004)
            else:
                when = D(year, 1, 1) + dt.timedelta(days=int(rng.integers(40, 360)))
                level = (
                    "ambassadorial"
                    if rng.random() < senior
                    else rng.choice(["senior_official", "working"])
                )
                total = int(rng.integers(12, 45))
            meetings.append(
                Meeting(
                    when,
                    str(level),
                    "multilateral",
                    total,
                    int(rng.binomial(total, 0.04)),
                    int(rng.binomial(total, 0.01)),
                    bool(level == "working" and rng.random() < 0.1),
                )
            )
    spec = ProgramSpec(
        pid,
        "Mediterranean Dialogue political dialogue series (SYNTHETIC)",
        "NATO",
        "Mediterranean Dialogue",
        "JOR",
        "MENA",
        D(2004, 1, 1),
        D(2027, 12, 31),
        None,  # planned costs + 3% contingency
        "EUR",
        "SYNTHETIC: multilateral political dialogue with the seven MD partners; partner_country records "
        "one partner (the column is required) although the series is multilateral.",
        behaviour=Behaviour(co_designed=0.0, cost_share=(0.0, 0.0), slip_days=(0, 0)),
        meetings=meetings,
        activities=[
            Activity("dialogue", f"MD political dialogue meetings {y}", D(y, 1, 1), 364, 250_000)
            for y in range(2004, 2028)
        ],
        observations=[
            Observation("meetings_held", D(y, 1, 1), D(y, 12, 31), 12, 10, c)
            for y, c in MD_MEETINGS.items()
            if y < 2026
        ],
    )
    return spec, []
