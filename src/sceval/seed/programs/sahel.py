"""Seed program: 5. Sahel train-and-equip with equipment transfers and end-use checks (SYNTHETIC; see docs/seed-data.md)."""

from __future__ import annotations

import numpy as np

from sceval.seed.events import ActorEvents, Area, Scene
from sceval.seed.programs.common import D, every
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
    starts = every(D(2016, 3, 1), 45, 73)
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
