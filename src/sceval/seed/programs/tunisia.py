"""Seed program: 4. Tunisia defence capacity building: the clean program (SYNTHETIC; see docs/seed-data.md)."""

from __future__ import annotations

import numpy as np

from sceval.seed.events import ActorEvents, Area, Scene
from sceval.seed.programs.common import D, every, quarters
from sceval.seed.spec import (
    Activity,
    Behaviour,
    Course,
    Incident,
    Meeting,
    Observation,
    ProgramSpec,
    Transfer,
    Unit,
)


# --- 4. Tunisia defence capacity building: the clean program ----------------------------------
def tunisia(rng: np.random.Generator) -> tuple[ProgramSpec, list[Scene]]:
    pid = "SYN-TUN-DCB"
    vet = D(2016, 11, 15)
    units = [
        Unit(
            "TUN-U01",
            "TUN",
            "Special forces group (synthetic)",
            "army",
            "Bizerte",
            affiliation="North",
            vetting_date=vet,
        ),
        Unit(
            "TUN-U02",
            "TUN",
            "Border guard district Medenine (synthetic)",
            "border",
            "Medenine",
            affiliation="South-East",
            vetting_date=vet,
        ),
        Unit(
            "TUN-U03",
            "TUN",
            "Army brigade Kasserine (synthetic)",
            "army",
            "Kasserine",
            affiliation="Centre-West",
            vetting_date=vet,
        ),
        Unit(
            "TUN-U04",
            "TUN",
            "Ministry of Defence directorate (synthetic)",
            "ministry",
            "Tunis",
            affiliation="Capital",
            vetting_date=vet,
        ),
        Unit(
            "TUN-U05",
            "TUN",
            "Navy patrol squadron (synthetic)",
            "navy",
            "Bizerte",
            affiliation="North",
            vetting_date=vet,
        ),
        Unit(
            "TUN-U06",
            "TUN",
            "Border guard district Tataouine (synthetic)",
            "border",
            "Tataouine",
            affiliation="South-East",
            vetting_date=vet,
        ),
        Unit(
            "TUN-U07",
            "TUN",
            "National Guard mountain unit (synthetic)",
            "gendarmerie",
            "Kasserine",
            affiliation="Centre-West",
            vetting_date=vet,
        ),
        Unit(
            "TUN-U08",
            "TUN",
            "Defence intelligence school (synthetic)",
            "intelligence",
            "Tunis",
            affiliation="Capital",
            vetting_date=vet,
        ),
        # Not supported by any program; incident reporting covers them, so "no incident" for the
        # supported units is an observation, not a gap.
        Unit(
            "TUN-U90",
            "TUN",
            "Public order brigade Tunis (synthetic)",
            "police",
            "Tunis",
            vetting_status="denied",
            vetting_date=D(2021, 3, 1),
        ),
        Unit(
            "TUN-U91",
            "TUN",
            "Police district Sfax (synthetic)",
            "police",
            "Sfax",
            vetting_status="not_vetted",
        ),
    ]
    supported = units[:8]
    starts = every(D(2017, 5, 2), 46, 91.3)
    courses = [
        Course(
            f"Capacity building course {i + 1}: {supported[i % 8].name.split(' (')[0]}",
            s,
            35,
            int(rng.integers(25, 41)),
            {"officer": 0.3, "nco": 0.4, "enlisted": 0.3},
            unit_id=supported[i % 8].unit_id,
            units=(supported[i % 8].unit_id,),
            admin1=supported[i % 8].admin1,
            female=0.14,
            ages=(21, 50),
            cost=180_000,
        )
        for i, s in enumerate(starts)
    ]
    transfers = [
        Transfer(
            "comms", False, 300, D(2018, 6, 1), 900_000, "TUN-U02", ((180, "accounted", 0.0),)
        ),
        Transfer(
            "surveillance",
            False,
            12,
            D(2019, 3, 1),
            2_400_000,
            "TUN-U06",
            ((200, "accounted", 0.0),),
        ),
        Transfer(
            "protective", False, 800, D(2019, 9, 1), 400_000, "TUN-U03", ((240, "accounted", 0.0),)
        ),
        Transfer(
            "vehicles", False, 40, D(2021, 2, 1), 2_000_000, "TUN-U02", ((300, "accounted", 0.0),)
        ),
        Transfer(
            "comms", False, 150, D(2023, 5, 1), 450_000, "TUN-U05", ((200, "accounted", 0.0),)
        ),
        Transfer(
            "maritime", False, 4, D(2025, 3, 1), 3_200_000, "TUN-U05", ((270, "accounted", 0.0),)
        ),
    ]
    meetings = [
        Meeting(
            D(y, m, 20),
            "senior_official",
            "bilateral",
            int(rng.integers(20, 31)),
            int(rng.integers(5, 10)),
            int(rng.integers(3, 7)),
            True,
        )
        for y in range(2017, 2027)
        for m in (4, 10)
    ]
    spec = ProgramSpec(
        pid,
        "Tunisia defence capacity building (SYNTHETIC)",
        "NATO",
        "DCB",
        "TUN",
        "Maghreb",
        D(2017, 3, 1),
        D(2028, 12, 31),
        None,  # planned costs + 3% contingency
        "EUR",
        "SYNTHETIC: co-designed capacity building with vetted units; the clean comparison case.",
        behaviour=Behaviour(
            completion=0.94,
            vetted=1.0,
            pre_mean=50,
            gain=17,
            posted=0.97,
            posted_days=(2, 30),
            hazard=0.06,
            exits=(0.7, 0.28, 0.0, 0.02),
            unknown=0.02,
            followed=0.8,
            co_designed=1.0,
            cost_share=(0.15, 0.40),
            slip_days=(0, 10),
        ),
        units=units,
        courses=courses,
        transfers=transfers,
        meetings=meetings,
        activities=[
            Activity(
                "advisory",
                "Defence institution building advice",
                D(2017, 3, 1),
                3500,
                2_000_000,
                unit_id="TUN-U04",
                admin1="Tunis",
            )
        ],
        incidents=[
            Incident(
                "TUN-U90",
                D(2021, 1, 18),
                "excessive_force",
                "credible",
                "under_investigation",
                "OHCHR (synthetic)",
            ),
            Incident(
                "TUN-U90",
                D(2022, 7, 25),
                "arbitrary_detention",
                "alleged",
                "none",
                "Amnesty (synthetic)",
            ),
            Incident(
                "TUN-U91",
                D(2023, 3, 2),
                "excessive_force",
                "alleged",
                "under_investigation",
                "LTDH (synthetic)",
            ),
        ],
        observations=[
            o
            for y in range(2017, 2026)
            for o in (
                Observation(
                    "personnel_trained", D(y, 1, 1), D(y, 12, 31), 0, 130, 120 + 3 * (y - 2017)
                ),
                Observation(
                    "personnel_trained",
                    D(y, 1, 1),
                    D(y, 12, 31),
                    0,
                    20,
                    14 + (y - 2017),
                    "sex",
                    "F",
                ),
                Observation(
                    "personnel_trained",
                    D(y, 1, 1),
                    D(y, 12, 31),
                    0,
                    110,
                    106 + 2 * (y - 2017),
                    "sex",
                    "M",
                ),
            )
        ]
        # Quarterly targets set in the plan (IATI result periods with a target and no actual
        # yet): the engine judges personnel_trained per quarter against them.
        + [
            Observation("personnel_trained", q_start, q_end, None, 30, None)
            for q_start, q_end in quarters(D(2024, 7, 1), 8)
        ],
    )
    treated = {"Kasserine": 0.5, "Medenine": 0.6, "Tataouine": 0.6, "Bizerte": 0.8, "Tunis": 0.9}
    areas = [Area(a, 0.3, D(2017, 6, 1), e) for a, e in treated.items()] + [
        Area(a, 0.3) for a in ["Sfax", "Gafsa", "Kairouan", "Jendouba", "Sidi Bouzid", "Gabes"]
    ]
    levels = {y: 0.4 for y in range(2005, 2011)} | {
        2011: 3.0,
        2012: 1.5,
        2013: 1.5,
        2014: 1.5,
        2015: 1.5,
        2016: 1.2,
        2021: 1.6,
    }
    scene = Scene(
        "TUN",
        areas,
        levels,
        (0.08, 0.05, 0.04, 0.25, 0.55, 0.03),
        actors=[
            ActorEvents("TUN-U90", "Tunis", D(2021, 1, 15), D(2021, 7, 31), 12, "protest", 0.1)
        ],
    )
    return spec, [scene]
