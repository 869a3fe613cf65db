"""Seed program: 3. ICI Regional Centre courses in Kuwait (GMF 2017) (SYNTHETIC; see docs/seed-data.md)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from sceval.seed.events import Area, Scene
from sceval.seed.programs.common import D, every
from sceval.seed.spec import (
    Activity,
    Behaviour,
    Course,
    Meeting,
    Observation,
    ProgramSpec,
    Unit,
)

# --- 3. ICI Regional Centre courses in Kuwait (GMF 2017) -------------------------------------
GULF = [
    ("KWT", "Al Asimah", 3.0),
    ("ARE", "Abu Dhabi", 1.5),
    ("QAT", "Ad Dawhah", 1.5),
    ("BHR", "Capital", 1.5),
    ("SAU", "Riyadh", 0.5),
    ("OMN", "Muscat", 0.5),
]
GULF_OTHER_AREAS = [
    ("Al Ahmadi", "Al Jahra"),
    ("Dubai", "Sharjah"),
    ("Al Rayyan", "Al Wakrah"),
    ("Northern", "Southern"),
    ("Eastern Province", "Makkah"),
    ("Dhofar", "Al Batinah North"),
]
ICI_TOPICS = [
    "Cyber defence",
    "Maritime security",
    "Crisis management",
    "Women, Peace and Security",
    "Energy security",
    "Strategic communications",
    "Counter-terrorism",
    "Civil emergency planning",
]


def ici(rng: np.random.Generator) -> tuple[ProgramSpec, list[Scene]]:
    pid = "SYN-KWT-ICIRC"
    units, weights = [], []
    for country, capital, w in GULF:
        for service, label in (("ministry", "Ministry of Defence"), ("army", "Armed forces staff")):
            units.append(
                Unit(
                    f"{country}-{service[:3].upper()}-01",
                    country,
                    f"{label} {country} (synthetic)",
                    service,
                    capital,
                    vetting_date=D(2016, 9, 1),
                )
            )
            weights.append(w)
    ids = tuple(x.unit_id for x in units)
    starts = every(D(2017, 3, 5), 66, 60.8)
    courses = [
        Course(
            f"ICI Regional Centre course: {ICI_TOPICS[i % len(ICI_TOPICS)]}",
            s,
            12,
            int(rng.integers(15, 31)),
            {"officer": 0.75, "civilian": 0.2, "nco": 0.05},
            kind="education",
            units=ids,
            unit_weights=tuple(weights),
            admin1="Al Asimah",
            female=0.18,
            ages=(25, 55),
            cost=120_000,
            reported_only=s.year == 2017,
        )
        for i, s in enumerate(starts)
    ]
    # A course running on the snapshot date: on-the-fly indicators see it ongoing.
    courses.append(
        replace(
            courses[-1],
            title="ICI Regional Centre course: Defence institution building",
            start=D(2026, 6, 14),
            days=30,
            reported_only=False,
        )
    )
    levels = ["ambassadorial", "senior_official", "working"]
    meetings = [
        Meeting(
            D(y, m, 10),
            levels[(y + m) % 3],
            "multilateral",
            int(rng.integers(20, 40)),
            int(rng.integers(1, 5)),
            int(rng.integers(0, 3)),
            bool(m == 11),
        )
        for y in range(2017, 2027)
        for m in (3, 11)
    ]
    spec = ProgramSpec(
        pid,
        "ICI Regional Centre courses, Kuwait (SYNTHETIC)",
        "NATO",
        "ICI",
        "KWT",
        "Gulf",
        D(2017, 1, 24),
        D(2027, 12, 31),
        None,  # planned costs + 3% contingency
        "EUR",
        "SYNTHETIC: defence education for Gulf partners at the NATO-ICI Regional Centre (GMF 2017).",
        behaviour=Behaviour(
            completion=0.96,
            vetted=1.0,
            pre_mean=55,
            gain=12,
            posted=0.95,
            posted_days=(3, 30),
            hazard=0.06,
            exits=(0.7, 0.27, 0.0, 0.03),
            unknown=0.05,
            followed=0.3,
            co_designed=0.6,
            cost_share=(0.3, 0.5),
            slip_days=(0, 7),
        ),
        units=units,
        courses=courses,
        meetings=meetings,
        activities=[
            Activity(
                "infrastructure",
                "Regional Centre premises",
                D(2017, 1, 24),
                240,
                2_500_000,
                admin1="Al Asimah",
            )
        ],
        observations=[
            o
            for y in range(2017, 2026)
            for o in (
                Observation(
                    "courses_delivered", D(y, 1, 1), D(y, 12, 31), 0, 6, 6 if y > 2017 else 5
                ),
                Observation(
                    "women_share_participants",
                    D(y, 1, 1),
                    D(y, 12, 31),
                    0.1,
                    0.2,
                    round(0.12 + 0.01 * (y - 2017), 2),
                    "sex",
                    "F",
                ),
            )
        ],
    )
    # Event reporting covers the Gulf too (mostly protests, the 2011 wave): the partners'
    # capitals, where the units are based, and two other areas each.
    scenes = [
        Scene(
            country,
            [Area(capital, 0.06, D(2017, 3, 1), 1.0)] + [Area(a, 0.04) for a in others],
            {2011: 5.0, 2012: 2.5, 2013: 1.5},
            (0.02, 0.05, 0.03, 0.2, 0.68, 0.02),
        )
        for (country, capital, _), others in zip(GULF, GULF_OTHER_AREAS, strict=True)
    ]
    return spec, scenes
