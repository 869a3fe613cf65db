"""Seed program: 1. Iraq: NTM-I-scale defence capacity building (GMF 2017, p. 6) (SYNTHETIC; see docs/seed-data.md)."""

from __future__ import annotations

import datetime as dt

import numpy as np

from sceval.seed.events import ActorEvents, Area, Scene
from sceval.seed.programs.common import D, every, yearly_observations
from sceval.seed.spec import (
    Activity,
    Behaviour,
    Course,
    Incident,
    Observation,
    ProgramSpec,
    Transfer,
    Unit,
)

# --- 1. Iraq: NTM-I-scale defence capacity building (GMF 2017, p. 6) -------------------------
# 9,000 Federal Police, 2,500 officers and 200 senior NCOs trained 2008-2011; 1,800 sent to
# out-of-country courses (drawn here from the officers and NCOs: the same persons again).
IRAQ_FP, IRAQ_OFFICERS, IRAQ_NCOS, IRAQ_ABROAD = 9000, 2500, 200, 1800


def iraq(rng: np.random.Generator) -> tuple[ProgramSpec, list[Scene]]:
    pid = "SYN-IRQ-NTMI"
    fp_bases = [
        "Baghdad",
        "Baghdad",
        "Baghdad",
        "Basra",
        "Diyala",
        "Salah ad Din",
        "Baghdad",
        "Basra",
    ]
    units = (
        [
            Unit(
                f"IRQ-FP-{i + 1:02d}",
                "IRQ",
                f"Federal Police Brigade {i + 1} (synthetic)",
                "police",
                base,
                affiliation="Ministry of Interior",
                vetting_date=D(2007, 11, 1) + dt.timedelta(days=30 * i),
            )
            for i, base in enumerate(fp_bases)
        ]
        + [
            Unit(
                f"IRQ-AR-{i + 1:02d}",
                "IRQ",
                f"Iraqi Army Division {i + 1} staff (synthetic)",
                "army",
                base,
                affiliation="Ministry of Defence",
                vetting_date=D(2007, 12, 1),
            )
            for i, base in enumerate(["Baghdad", "Anbar", "Nineveh", "Basra", "Diyala", "Baghdad"])
        ]
        + [
            Unit(
                "IRQ-MOD-01",
                "IRQ",
                "Ministry of Defence / National Defence University (synthetic)",
                "ministry",
                "Baghdad",
                affiliation="Ministry of Defence",
                vetting_date=D(2007, 12, 1),
            ),
        ]
    )
    army = tuple(u.unit_id for u in units if u.service in ("army", "ministry"))
    fp_starts = every(D(2008, 2, 1), 30, 45)
    courses = (
        [
            Course(
                f"Federal Police unit training, cohort {i + 1}",
                s,
                56,
                IRAQ_FP // 30,
                {"enlisted": 1.0},
                unit_id=units[i % 8].unit_id,
                units=(units[i % 8].unit_id,),
                admin1=units[i % 8].admin1,
                female=0.03,
                ages=(19, 40),
                cost=900_000,
            )
            for i, s in enumerate(fp_starts)
        ]
        + [
            Course(
                f"Officer education course {i + 1}",
                s,
                70,
                IRAQ_OFFICERS // 25,
                {"officer": 1.0},
                units=army,
                admin1="Baghdad",
                female=0.02,
                ages=(24, 52),
                cost=600_000,
                kind="education",
            )
            for i, s in enumerate(every(D(2008, 3, 1), 25, 50))
        ]
        + [
            Course(
                f"Senior NCO course {i + 1}",
                s,
                42,
                IRAQ_NCOS // 4,
                {"nco": 1.0},
                units=army,
                admin1="Baghdad",
                female=0.0,
                ages=(30, 50),
                cost=200_000,
            )
            for i, s in enumerate(every(D(2009, 1, 15), 4, 240))
        ]
        + [
            Course(
                f"Out-of-country course {i + 1} (NATO School / NATO Defense College)",
                s,
                21,
                IRAQ_ABROAD // 36,
                {"officer": 1.0},
                kind="education",
                repeat_ranks=("officer", "nco"),
                cost=180_000,
            )
            for i, s in enumerate(every(D(2009, 4, 1), 36, 25))
        ]
    )
    spec = ProgramSpec(
        pid,
        "Iraq defence capacity building, NTM-I scale (SYNTHETIC)",
        "NATO",
        "NTM-I",
        "IRQ",
        "MENA",
        D(2008, 1, 1),
        D(2011, 12, 31),
        None,  # planned costs + 3% contingency
        "EUR",
        "SYNTHETIC: train Federal Police, officers and senior NCOs at NTM-I scale (GMF 2017).",
        behaviour=Behaviour(
            completion=1.0,
            vetted=0.9,
            pre_mean=45,
            gain=18,
            posted=0.9,
            posted_days=(3, 60),
            hazard=0.12,
            exits=(0.45, 0.40, 0.05, 0.10),
            unknown=0.05,
            followed=0.35,
            # GMF 2017: NTM-I "did not prevent the shortcomings of the Iraqi forces" at Mosul.
            shock=(D(2014, 6, 10), 0.25),
            co_designed=0.3,
            cost_share=(0.0, 0.1),
            slip_days=(0, 20),
        ),
        units=units,
        courses=courses,
        activities=[
            Activity(
                "advisory",
                "Mentoring of the Ministries of Defence and Interior",
                D(2008, 1, 15),
                1400,
                3_000_000,
                unit_id="IRQ-MOD-01",
                admin1="Baghdad",
            ),
            Activity("equipment", "Donated equipment delivery", D(2008, 6, 1), 500, 2_000_000),
            Activity(
                "infrastructure",
                "Training centre refurbishment, Camp Dublin",
                D(2008, 3, 1),
                300,
                4_000_000,
                admin1="Baghdad",
            ),
        ],
        transfers=[
            Transfer(
                "vehicles",
                True,
                77,
                D(2008, 12, 1),
                40_000_000,
                "IRQ-AR-01",
                ((300, "accounted", 0.0),),
            ),
            Transfer(
                "small_arms",
                True,
                5000,
                D(2009, 5, 1),
                3_000_000,
                "IRQ-FP-01",
                ((420, "partially_accounted", 0.04),),
            ),
            Transfer(
                "comms",
                False,
                600,
                D(2009, 9, 1),
                1_500_000,
                "IRQ-FP-02",
                ((200, "accounted", 0.0),),
            ),
        ],
        incidents=[
            # Borsari: repression of protesters by forces once trained (2019).
            Incident(
                "IRQ-FP-01",
                D(2019, 10, 3),
                "excessive_force",
                "credible",
                "under_investigation",
                "UNAMI (synthetic)",
            ),
            Incident(
                "IRQ-FP-03",
                D(2019, 11, 28),
                "unlawful_killing",
                "credible",
                "none",
                "UNAMI (synthetic)",
            ),
            Incident(
                "IRQ-FP-05", D(2015, 6, 1), "torture", "alleged", "none", "NGO report (synthetic)"
            ),
            Incident(
                "IRQ-MOD-01",
                D(2016, 2, 1),
                "corruption",
                "credible",
                "under_investigation",
                "audit (synthetic)",
            ),
        ],
        observations=yearly_observations(
            "personnel_trained", 2008, 2011, 3000, [2600, 3300, 3400, 2400]
        )
        + [
            Observation(
                "personnel_trained", D(2008, 1, 1), D(2011, 12, 31), 0, t, a, "rank_group", r
            )
            for r, t, a in (("enlisted", 9000, 9000), ("officer", 2500, 2500), ("nco", 200, 200))
        ],
    )
    treated = {u.admin1: D(2008, 4, 1) for u in units[:8]}
    scene = Scene(
        "IRQ",
        [
            Area(a, 0.5, treated.get(a), 0.8 if a in treated else 1.0)
            for a in [
                "Baghdad",
                "Basra",
                "Diyala",
                "Salah ad Din",
                "Nineveh",
                "Anbar",
                "Kirkuk",
                "Najaf",
                "Babil",
                "Dhi Qar",
                "Karbala",
                "Wasit",
            ]
        ],
        {
            2005: 2.5,
            2006: 3.0,
            2007: 3.0,
            2008: 2.0,
            2013: 1.5,
            2014: 3.0,
            2015: 3.0,
            2016: 2.5,
            2017: 2.0,
            2019: 1.3,
            2020: 0.7,
            2021: 0.6,
            2022: 0.5,
            2023: 0.5,
            2024: 0.4,
            2025: 0.4,
            2026: 0.4,
        },
        (0.35, 0.2, 0.3, 0.05, 0.08, 0.02),
        actors=[
            ActorEvents(
                "IRQ-FP-01", "Baghdad", D(2019, 10, 1), D(2019, 12, 31), 18, "protest", 2.0
            ),
            ActorEvents("IRQ-FP-04", "Basra", D(2019, 10, 1), D(2019, 12, 31), 8, "protest", 1.0),
        ],
    )
    return spec, [scene]
