"""The six portfolio programs of the committed seed, each modelled on a case in the papers.

All of it is SYNTHETIC: names, units, persons and numbers are invented; only the scale and
the patterns follow the sources (GMF 2017 = papers/002, Borsari = papers/001, Weyland =
papers/000). See docs/seed-data.md.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import numpy as np

from sceval.seed.events import ActorEvents, Area, Scene
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

D = dt.date


def _every(start: dt.date, n: int, step_days: int) -> list[dt.date]:
    return [start + dt.timedelta(days=round(i * step_days)) for i in range(n)]


def _quarters(first: dt.date, count: int) -> list[tuple[dt.date, dt.date]]:
    """`count` calendar quarters from the one starting on `first`: (start, end) pairs."""
    out = []
    y, m = first.year, first.month
    for _ in range(count):
        ny, nm = (y + 1, 1) if m == 10 else (y, m + 3)
        out.append((D(y, m, 1), D(ny, nm, 1) - dt.timedelta(days=1)))
        y, m = ny, nm
    return out


def _yearly_observations(
    indicator: str,
    first: int,
    last: int,
    target: float,
    actuals: list[float],
    baseline: float = 0.0,
) -> list[Observation]:
    return [
        Observation(indicator, D(y, 1, 1), D(y, 12, 31), baseline, target, a)
        for y, a in zip(range(first, last + 1), actuals, strict=False)
    ]


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
    fp_starts = _every(D(2008, 2, 1), 30, 45)
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
            for i, s in enumerate(_every(D(2008, 3, 1), 25, 50))
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
            for i, s in enumerate(_every(D(2009, 1, 15), 4, 240))
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
            for i, s in enumerate(_every(D(2009, 4, 1), 36, 25))
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
        observations=_yearly_observations(
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
    starts = _every(D(2017, 3, 5), 66, 60.8)
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
    starts = _every(D(2017, 5, 2), 46, 91.3)
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
            for q_start, q_end in _quarters(D(2024, 7, 1), 8)
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


# --- 5. Sahel train-and-equip with equipment transfers and end-use checks --------------------
def sahel(rng: np.random.Generator) -> tuple[ProgramSpec, list[Scene]]:
    pid = "SYN-SAHEL-TE"
    u = [
        Unit(
            "NER-U01",
            "NER",
            "Special intervention battalion 1 (synthetic)",
            "army",
            "Tillaberi",
            vetting_date=D(2015, 10, 1),
        ),
        Unit(
            "NER-U02",
            "NER",
            "Special intervention battalion 2 (synthetic)",
            "army",
            "Tahoua",
            vetting_date=D(2015, 10, 1),
        ),
        Unit(
            "NER-U03",
            "NER",
            "Mobile gendarmerie group Diffa (synthetic)",
            "gendarmerie",
            "Diffa",
            vetting_date=D(2016, 2, 1),
        ),
        Unit(
            "NER-U04",
            "NER",
            "National guard Agadez (synthetic)",
            "other",
            "Agadez",
            vetting_date=D(2016, 2, 1),
        ),
        Unit(
            "NER-U05",
            "NER",
            "Air force ISR squadron (synthetic)",
            "air",
            "Niamey",
            vetting_date=D(2016, 6, 1),
        ),
        Unit(
            "MLI-U01",
            "MLI",
            "G5 Sahel battalion Mopti (synthetic)",
            "army",
            "Mopti",
            vetting_date=D(2016, 6, 1),
        ),
        Unit(
            "MLI-U02",
            "MLI",
            "G5 Sahel battalion Gao (synthetic)",
            "army",
            "Gao",
            vetting_status="pending",
        ),
        Unit(
            "BFA-U01",
            "BFA",
            "G5 Sahel battalion Sahel region (synthetic)",
            "army",
            "Sahel",
            vetting_date=D(2016, 9, 1),
        ),
        Unit(
            "BFA-U02",
            "BFA",
            "Volunteer auxiliaries (VDP) Nord (synthetic)",
            "other",
            "Nord",
            "mixed",
            vetting_status="not_vetted",
        ),
    ]
    trained = u[:8]
    starts = _every(D(2016, 3, 1), 45, 73)
    courses = [
        Course(
            f"Train-and-equip course {i + 1}: {trained[i % 8].name.split(' (')[0]}",
            s,
            60,
            int(rng.integers(35, 66)),
            {"enlisted": 0.6, "nco": 0.25, "officer": 0.15},
            unit_id=trained[i % 8].unit_id,
            units=(trained[i % 8].unit_id,),
            admin1=trained[i % 8].admin1,
            female=0.02,
            ages=(19, 40),
            cost=350_000,
            cancelled=s > D(2023, 7, 26),
        )  # suspended after the coup in Niger
        for i, s in enumerate(starts)
    ] + [
        Course(
            f"Flintlock exercise {y}",
            D(y, 2, 20),
            20,
            300,
            {"enlisted": 1.0},
            kind="exercise",
            admin1="Niamey" if y % 2 else "Agadez",
            cost=1_000_000,
            reported_only=True,
        )
        for y in range(2017, 2024)
    ]
    tr = [
        ("small_arms", True, 600, D(2016, 9, 1), "NER-U01", ((200, "accounted", 0.0),)),
        ("ammunition", True, 150_000, D(2016, 9, 1), "NER-U01", ((200, "accounted", 0.0),)),
        ("vehicles", False, 30, D(2017, 2, 1), "NER-U02", ((330, "accounted", 0.0),)),
        ("comms", False, 250, D(2017, 6, 1), "NER-U03", ((300, "partially_accounted", 0.08),)),
        (
            "small_arms",
            True,
            500,
            D(2017, 10, 1),
            "MLI-U01",
            ((250, "accounted", 0.0), (700, "partially_accounted", 0.1)),
        ),
        ("surveillance", False, 6, D(2018, 3, 1), "NER-U05", ((180, "accounted", 0.0),)),
        ("small_arms", True, 450, D(2018, 11, 1), "MLI-U02", ((270, "diverted", 0.35),)),
        ("light_weapons", True, 40, D(2019, 4, 1), "BFA-U01", ((500, "accounted", 0.0),)),
        ("ammunition", True, 120_000, D(2020, 2, 1), "NER-U03", ()),
        ("protective", False, 900, D(2020, 5, 1), "NER-U04", ((220, "accounted", 0.0),)),
        ("vehicles", True, 20, D(2021, 1, 15), "BFA-U01", ((300, "partially_accounted", 0.15),)),
        ("aircraft", False, 2, D(2021, 6, 1), "NER-U05", ((250, "accounted", 0.0),)),
        ("small_arms", True, 300, D(2022, 3, 1), "BFA-U02", ()),
        ("small_arms", True, 400, D(2022, 4, 1), "MLI-U01", ((160, "not_accessible", 0.0),)),
        ("comms", False, 120, D(2023, 2, 1), "NER-U02", ()),
        ("ammunition", True, 80_000, D(2023, 5, 1), "NER-U01", ((200, "not_accessible", 0.0),)),
    ]
    transfers = [
        Transfer(
            cat,
            lethal,
            q,
            d,
            round(q * (900 if cat in ("small_arms", "light_weapons") else 150), -2),
            unit,
            checks,
        )
        for cat, lethal, q, d, unit, checks in tr
    ]
    spec = ProgramSpec(
        pid,
        "Sahel train and equip (SYNTHETIC)",
        "United States (synthetic)",
        "Section 333",
        "NER",
        "Sahel",
        D(2016, 1, 1),
        D(2023, 7, 26),
        None,  # planned costs + 3% contingency
        "USD",
        "SYNTHETIC: train and equip Nigerien and G5 Sahel units for counter-terrorism; suspended after the 2023 coup.",
        behaviour=Behaviour(
            completion=0.85,
            vetted=0.8,
            pre_mean=38,
            gain=14,
            posted=0.7,
            posted_days=(10, 120),
            hazard=0.25,
            exits=(0.3, 0.4, 0.12, 0.18),
            unknown=0.08,
            followed=0.5,
            co_designed=0.3,
            cost_share=(0.0, 0.05),
            slip_days=(0, 40),
            overrun=(1.0, 1.25),
        ),
        units=u,
        courses=courses,
        transfers=transfers,
        activities=[
            Activity("equipment", f"Equipment package {y}", D(y, 1, 1), 365, 4_000_000)
            for y in range(2016, 2024)
        ]
        + [
            Activity(
                "advisory",
                "Advisers with partner battalions",
                D(2016, 6, 1),
                2500,
                5_000_000,
                admin1="Niamey",
            )
        ],
        incidents=[
            Incident(
                "MLI-U01",
                D(2022, 3, 30),
                "unlawful_killing",
                "confirmed",
                "none",
                "UN MINUSMA (synthetic)",
            ),
            Incident(
                "BFA-U02",
                D(2023, 4, 20),
                "unlawful_killing",
                "credible",
                "none",
                "OHCHR (synthetic)",
            ),
            Incident(
                "NER-U03",
                D(2019, 8, 1),
                "arbitrary_detention",
                "alleged",
                "under_investigation",
                "Amnesty (synthetic)",
            ),
            Incident(
                "BFA-U01",
                D(2021, 5, 1),
                "excessive_force",
                "alleged",
                "effective_steps",
                "local media (synthetic)",
            ),
            Incident(
                "MLI-U01",
                D(2020, 6, 5),
                "unlawful_killing",
                "credible",
                "under_investigation",
                "UN MINUSMA (synthetic)",
            ),
        ],
        observations=[
            o
            for y in range(2016, 2024)
            for o in (
                Observation(
                    "personnel_trained", D(y, 1, 1), D(y, 12, 31), 0, 300, 240 + 10 * (y % 4)
                ),
                Observation(
                    "end_use_checks_completed", D(y, 1, 1), D(y, 12, 31), 0, 3, 2 if y % 2 else 1
                ),
            )
        ],
    )
    ner_lv = {y: 0.3 for y in range(2005, 2015)} | {
        2015: 0.6,
        2016: 0.8,
        2019: 1.8,
        2020: 1.8,
        2021: 1.8,
        2022: 1.6,
        2023: 2.0,
        2024: 2.0,
        2025: 1.8,
        2026: 1.8,
    }
    mli_lv = (
        {y: 0.2 for y in range(2005, 2012)}
        | {2012: 2.0, 2013: 2.5, 2017: 1.5, 2018: 1.5}
        | {y: 2.2 for y in range(2019, 2023)}
        | {y: 2.0 for y in range(2023, 2027)}
    )
    bfa_lv = (
        {y: 0.1 for y in range(2005, 2016)}
        | {2016: 0.3, 2017: 0.5, 2019: 2.0, 2020: 2.0}
        | {y: 2.8 for y in range(2021, 2025)}
        | {2025: 2.5, 2026: 2.5}
    )
    mix = (0.4, 0.3, 0.15, 0.03, 0.1, 0.02)
    scenes = [
        Scene(
            "NER",
            [
                Area("Tillaberi", 0.5, D(2016, 6, 1), 1.3),
                Area("Tahoua", 0.4, D(2016, 8, 1), 1.2),
                Area("Diffa", 0.5, D(2016, 10, 1), 1.1),
                Area("Agadez", 0.3, D(2017, 1, 1), 1.0),
                Area("Niamey", 0.3, D(2017, 3, 1), 1.0),
                Area("Dosso", 0.3),
                Area("Maradi", 0.3),
                Area("Zinder", 0.3),
            ],
            ner_lv,
            mix,
            actors=[
                ActorEvents(
                    "NER-U03",
                    "Diffa",
                    D(2020, 1, 1),
                    D(2020, 12, 31),
                    4,
                    "violence_against_civilians",
                    2.0,
                )
            ],
        ),
        Scene(
            "MLI",
            [Area("Mopti", 0.5, D(2016, 9, 1), 1.4), Area("Gao", 0.5, D(2017, 3, 1), 1.2)]
            + [
                Area(a, 0.4) for a in ["Segou", "Tombouctou", "Kidal", "Menaka", "Kayes", "Sikasso"]
            ],
            mli_lv,
            mix,
            actors=[
                ActorEvents(
                    "MLI-U01",
                    "Mopti",
                    D(2022, 3, 27),
                    D(2022, 3, 31),
                    6,
                    "violence_against_civilians",
                    30.0,
                ),
                ActorEvents(
                    "MLI-U01",
                    "Mopti",
                    D(2020, 1, 1),
                    D(2021, 12, 31),
                    8,
                    "violence_against_civilians",
                    4.0,
                ),
            ],
        ),
        Scene(
            "BFA",
            [Area("Sahel", 0.5, D(2017, 1, 1), 1.5), Area("Nord", 0.4, D(2022, 3, 1), 1.6)]
            + [
                Area(a, 0.4)
                for a in ["Centre-Nord", "Boucle du Mouhoun", "Est", "Centre-Est", "Hauts-Bassins"]
            ],
            bfa_lv,
            mix,
            actors=[
                ActorEvents(
                    "BFA-U02",
                    "Nord",
                    D(2023, 4, 20),
                    D(2023, 4, 21),
                    3,
                    "violence_against_civilians",
                    40.0,
                )
            ],
        ),
    ]
    return spec, scenes


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


PORTFOLIO = (iraq, libya, ici, tunisia, sahel, mediterranean_dialogue)
