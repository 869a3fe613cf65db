"""Seed program: 2. Libya: general purpose force training that failed (GMF 2017, Wehrey) (SYNTHETIC; see docs/seed-data.md)."""

from __future__ import annotations

import numpy as np

from sceval.seed.events import ActorEvents, Area, Scene
from sceval.seed.programs.common import D
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

# --- 2. Libya: general purpose force training that failed (GMF 2017, Wehrey) -----------------
LIBYA_DAWN = "Libya Dawn (Tripoli-Misrata)"


def libya(rng: np.random.Generator) -> tuple[ProgramSpec, list[Scene]]:
    pid = "SYN-LBY-GPF"
    u = [
        Unit(
            "LBY-U01",
            "LBY",
            "GPF 1st Battalion (synthetic)",
            "army",
            "Tripoli",
            "mixed",
            LIBYA_DAWN,
            "not_vetted",
        ),
        Unit(
            "LBY-U02",
            "LBY",
            "GPF 2nd Battalion (synthetic)",
            "army",
            "Misrata",
            "mixed",
            LIBYA_DAWN,
            "not_vetted",
        ),
        Unit(
            "LBY-U03",
            "LBY",
            "GPF 3rd Battalion (synthetic)",
            "army",
            "Zawiya",
            "mixed",
            LIBYA_DAWN,
            "not_vetted",
        ),
        Unit(
            "LBY-U04",
            "LBY",
            "Tripoli revolutionaries brigade (synthetic)",
            "other",
            "Tripoli",
            "non_state",
            LIBYA_DAWN,
            "not_vetted",
        ),
        Unit(
            "LBY-U05",
            "LBY",
            "Presidential Guard detachment (synthetic)",
            "army",
            "Tripoli",
            "state",
            LIBYA_DAWN,
            "not_vetted",
        ),
        Unit(
            "LBY-U06",
            "LBY",
            "Jafara military police (synthetic)",
            "police",
            "Jafara",
            "mixed",
            LIBYA_DAWN,
            "not_vetted",
        ),
        Unit(
            "LBY-U07",
            "LBY",
            "Zintan brigade (synthetic)",
            "army",
            "Jabal al Gharbi",
            "non_state",
            "Zintan",
            "not_vetted",
        ),
        Unit(
            "LBY-U08",
            "LBY",
            "Benghazi special forces (synthetic)",
            "army",
            "Benghazi",
            "state",
            "LNA (Hifter)",
            "not_vetted",
        ),
        Unit(
            "LBY-U09",
            "LBY",
            "Coast guard west (synthetic)",
            "coast_guard",
            "Zawiya",
            "mixed",
            LIBYA_DAWN,
            "not_vetted",
        ),
        Unit(
            "LBY-U10",
            "LBY",
            "Sabha border guard (synthetic)",
            "border",
            "Sabha",
            "state",
            "Fezzan",
            "not_vetted",
        ),
    ]
    by_id = {x.unit_id: x for x in u}

    def course(title, unit, start, days, n, completion=None, cancelled=False):
        return Course(
            title,
            start,
            days,
            n,
            {"enlisted": 0.8, "nco": 0.15, "officer": 0.05},
            unit_id=unit,
            units=(unit,),
            admin1=by_id[unit].admin1,
            female=0.0,
            ages=(18, 35),
            cost=4_000 * max(n, 100),
            completion=completion,
            cancelled=cancelled,
        )

    courses = [
        course("GPF basic training in Turkey, cohort 1", "LBY-U01", D(2013, 11, 15), 120, 400),
        course("GPF basic training in Italy, cohort 1", "LBY-U02", D(2014, 1, 10), 100, 250),
        course("GPF basic training in Turkey, cohort 2", "LBY-U03", D(2014, 3, 1), 120, 350),
        # The UK course collapsed: many sent home early (GMF 2017).
        course(
            "GPF basic training in the UK", "LBY-U04", D(2014, 6, 20), 140, 320, completion=0.55
        ),
        course("GPF basic training in Turkey, cohort 3", "LBY-U06", D(2014, 8, 1), 120, 200),
        course("GPF basic training in Italy, cohort 2", "LBY-U07", D(2014, 9, 1), 100, 150),
        course("GPF basic training in Turkey, cohort 4", "LBY-U01", D(2015, 1, 10), 90, 150),
        # The US never started its training: Libya never paid up front (GMF 2017).
        course(
            "GPF training by the United States", "LBY-U05", D(2014, 9, 1), 150, 0, cancelled=True
        ),
    ]
    spec = ProgramSpec(
        pid,
        "Libya general purpose force training (SYNTHETIC)",
        "UK, Italy, Turkey, US (bilateral)",
        "General Purpose Force",
        "LBY",
        "MENA",
        D(2013, 6, 1),
        D(2015, 6, 30),
        None,  # planned costs + 3% contingency
        "USD",
        "SYNTHETIC: train a general purpose force for the Libyan government; modelled on its failure (GMF 2017).",
        behaviour=Behaviour(
            completion=0.72,
            vetted=0.0,
            pre_mean=40,
            gain=8,
            scored=0.6,
            posted=0.12,
            posted_days=(100, 400),
            hazard=1.1,
            exits=(0.10, 0.45, 0.40, 0.05),
            unknown=0.10,
            followed=0.6,
            co_designed=0.0,
            cost_share=(0.2, 0.0),
            slip_days=(0, 45),
            overrun=(1.0, 1.3),
        ),
        units=u,
        courses=courses,
        activities=[
            Activity(
                "advisory",
                "Advice to the Ministry of Defence GPF cell",
                D(2013, 7, 1),
                700,
                1_500_000,
                admin1="Tripoli",
            ),
            Activity("equipment", "Equipment for GPF battalions", D(2014, 1, 1), 365, 3_000_000),
        ],
        transfers=[
            Transfer(
                "small_arms",
                True,
                2000,
                D(2014, 2, 10),
                1_200_000,
                "LBY-U01",
                ((300, "not_accessible", 0.0),),
            ),
            Transfer("ammunition", True, 200_000, D(2014, 2, 10), 400_000, "LBY-U01"),
            Transfer(
                "vehicles",
                False,
                60,
                D(2014, 5, 1),
                3_000_000,
                "LBY-U02",
                ((200, "partially_accounted", 0.3),),
            ),
            Transfer("comms", False, 400, D(2014, 9, 1), 600_000, "LBY-U06"),
            Transfer(
                "small_arms",
                True,
                800,
                D(2014, 7, 1),
                500_000,
                "LBY-U04",
                ((500, "diverted", 0.6),),
            ),
        ],
        incidents=[
            Incident(
                "LBY-U04",
                D(2014, 8, 15),
                "unlawful_killing",
                "confirmed",
                "none",
                "UNSMIL (synthetic)",
            ),
            Incident(
                "LBY-U01",
                D(2014, 10, 2),
                "arbitrary_detention",
                "credible",
                "none",
                "UNSMIL (synthetic)",
            ),
            Incident("LBY-U04", D(2015, 3, 10), "torture", "credible", "none", "HRW (synthetic)"),
            Incident(
                "LBY-U07",
                D(2014, 12, 1),
                "unlawful_killing",
                "credible",
                "none",
                "UNSMIL (synthetic)",
            ),
            Incident(
                "LBY-U02",
                D(2016, 5, 4),
                "excessive_force",
                "alleged",
                "none",
                "local media (synthetic)",
            ),
            Incident(
                "LBY-U06",
                D(2015, 7, 20),
                "arbitrary_detention",
                "credible",
                "under_investigation",
                "UNSMIL (synthetic)",
            ),
        ],
        observations=[
            Observation("personnel_trained", D(2013, 6, 1), D(2015, 6, 30), 0, 8000, 1820),
            Observation(
                "personnel_trained", D(2013, 6, 1), D(2015, 6, 30), 0, None, 1820, "sex", "M"
            ),
            Observation("personnel_trained", D(2013, 6, 1), D(2015, 6, 30), 0, None, 0, "sex", "F"),
            Observation("gpf_battalions_operational", D(2013, 6, 1), D(2015, 6, 30), 0, 5, 0),
        ],
    )
    treated = {
        "Tripoli": D(2014, 3, 1),
        "Misrata": D(2014, 4, 1),
        "Zawiya": D(2014, 7, 1),
        "Jafara": D(2014, 12, 1),
        "Jabal al Gharbi": D(2015, 1, 1),
    }
    effect = {"Tripoli": 2.5, "Misrata": 2.0, "Zawiya": 2.2, "Jafara": 2.0, "Jabal al Gharbi": 1.8}
    areas = [Area(a, 0.5, treated[a], effect[a]) for a in treated] + [
        Area(a, 0.5)
        for a in ["Benghazi", "Sabha", "Sirte", "Derna", "Murzuq", "Kufra", "Nalut", "Murqub"]
    ]
    levels = {y: 0.1 for y in range(2005, 2011)} | {
        2011: 3.0,
        2012: 0.8,
        2014: 2.5,
        2015: 2.5,
        2016: 2.5,
        2017: 2.0,
        2018: 2.0,
        2019: 2.0,
        2020: 1.5,
    }
    levels |= {y: 0.7 for y in range(2021, 2027)}
    scene = Scene(
        "LBY",
        areas,
        levels,
        (0.4, 0.2, 0.2, 0.05, 0.1, 0.05),
        actors=[
            ActorEvents(
                "LBY-U04",
                "Tripoli",
                D(2014, 8, 1),
                D(2016, 12, 31),
                30,
                "violence_against_civilians",
                1.5,
            ),
            ActorEvents("LBY-U01", "Tripoli", D(2015, 2, 1), D(2017, 6, 30), 10, "protest", 1.0),
            ActorEvents(
                "LBY-U03",
                "Zawiya",
                D(2015, 1, 1),
                D(2015, 12, 31),
                15,
                "violence_against_civilians",
                1.0,
            ),
            ActorEvents(
                "LBY-U07",
                "Jabal al Gharbi",
                D(2015, 2, 1),
                D(2015, 11, 30),
                10,
                "violence_against_civilians",
                1.0,
            ),
            ActorEvents("LBY-U06", "Jafara", D(2015, 3, 1), D(2016, 6, 30), 8, "riot", 0.5),
        ],
    )
    return spec, [scene]
