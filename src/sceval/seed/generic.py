"""Generic synthetic programs that scales above 1 add, and the events-only stream.

Each generic program is drawn from its own random stream (seed, program number), so the
data do not depend on how programs are grouped into chunks.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from sceval.seed.build import SNAP, dates
from sceval.seed.events import EVENT_TYPES, Area, Scene, _events
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

# Partner countries and admin1 areas the generic programs and the event stream draw from.
AREAS = {
    "IRQ": [
        "Baghdad",
        "Basra",
        "Diyala",
        "Salah ad Din",
        "Nineveh",
        "Anbar",
        "Kirkuk",
        "Najaf",
        "Babil",
    ],
    "LBY": [
        "Tripoli",
        "Misrata",
        "Zawiya",
        "Jafara",
        "Benghazi",
        "Sabha",
        "Sirte",
        "Derna",
        "Murzuq",
    ],
    "TUN": ["Tunis", "Bizerte", "Kasserine", "Medenine", "Tataouine", "Sfax", "Gafsa", "Kairouan"],
    "NER": ["Tillaberi", "Tahoua", "Diffa", "Agadez", "Niamey", "Dosso", "Maradi", "Zinder"],
    "MLI": ["Mopti", "Gao", "Segou", "Tombouctou", "Kidal", "Menaka", "Kayes", "Sikasso"],
    "BFA": [
        "Sahel",
        "Nord",
        "Centre-Nord",
        "Boucle du Mouhoun",
        "Est",
        "Centre-Est",
        "Hauts-Bassins",
    ],
    "JOR": ["Amman", "Irbid", "Zarqa", "Mafraq", "Aqaba", "Karak", "Maan"],
    "MAR": ["Rabat-Sale-Kenitra", "Casablanca-Settat", "Oriental", "Souss-Massa", "Draa-Tafilalet"],
    "MRT": ["Nouakchott", "Hodh Ech Chargui", "Hodh El Gharbi", "Assaba", "Tiris Zemmour", "Adrar"],
    "EGY": ["Cairo", "Alexandria", "North Sinai", "Giza", "Matrouh", "Aswan", "Red Sea"],
}
COUNTRIES = tuple(AREAS)
PROVIDERS = [
    ("NATO", "DCB", "EUR"),
    ("EU", "EUTM", "EUR"),
    ("United States", "Section 333", "USD"),
    ("United Kingdom", "CSSF", "GBP"),
    ("France", "DCSD", "EUR"),
    ("Italy", "bilateral", "EUR"),
]
SERVICES = [
    "army",
    "navy",
    "air",
    "police",
    "gendarmerie",
    "border",
    "coast_guard",
    "intelligence",
    "ministry",
    "other",
]
CATEGORIES = [
    "small_arms",
    "light_weapons",
    "ammunition",
    "vehicles",
    "comms",
    "protective",
    "surveillance",
    "maritime",
    "aircraft",
    "other",
]
LETHAL = {"small_arms", "light_weapons", "ammunition"}
FINDINGS = ["accounted", "partially_accounted", "diverted", "not_accessible"]
MIX = (0.35, 0.2, 0.15, 0.08, 0.18, 0.04)


def _date(rng: np.random.Generator, lo: dt.date, hi: dt.date) -> dt.date:
    return lo + dt.timedelta(days=int(rng.integers(0, max((hi - lo).days, 1))))


def generic_program(g: int, rng: np.random.Generator) -> tuple[ProgramSpec, list[Scene]]:
    """A random train-and-equip program of about 5,000 participant rows by the snapshot, with its events."""
    pid = f"SYN-G{g:05d}"
    country = COUNTRIES[int(rng.integers(len(COUNTRIES)))]
    provider, framework, currency = PROVIDERS[int(rng.integers(len(PROVIDERS)))]
    start = dt.date(int(rng.integers(2008, 2025)), int(rng.integers(1, 13)), 1)
    end = start + dt.timedelta(days=int(rng.integers(3, 9)) * 365)
    areas = AREAS[country]
    affiliations = [f"faction {c}" for c in "ABCD"[: int(rng.integers(2, 5))]]
    units = []
    for k in range(int(rng.integers(8, 15))):
        status = str(
            rng.choice(["cleared", "pending", "not_vetted", "denied"], p=[0.7, 0.1, 0.15, 0.05])
        )
        units.append(
            Unit(
                f"G{g:05d}-U{k + 1:02d}",
                country,
                f"Generic unit {g}-{k + 1} (synthetic)",
                str(rng.choice(SERVICES)),
                str(rng.choice(areas)),
                str(rng.choice(["state", "mixed", "non_state"], p=[0.85, 0.1, 0.05])),
                str(rng.choice(affiliations)),
                status,
                start - dt.timedelta(days=int(rng.integers(10, 200)))
                if status in ("cleared", "denied")
                else None,
            )
        )
    target, total, courses = int(rng.integers(3300, 7701)), 0, []
    while total < target:
        unit = units[int(rng.integers(len(units)))]
        n = int(rng.integers(30, 151))
        courses.append(
            Course(
                f"Course {len(courses) + 1}",
                _date(rng, start, end),
                int(rng.integers(10, 90)),
                n,
                {"officer": 0.15, "nco": 0.25, "enlisted": 0.55, "civilian": 0.05},
                kind=str(rng.choice(["training", "education", "exercise"], p=[0.7, 0.2, 0.1])),
                unit_id=unit.unit_id,
                units=(unit.unit_id,),
                admin1=unit.admin1,
                female=float(rng.uniform(0.0, 0.25)),
                ages=(18, 55),
                cost=float(n * rng.uniform(1500, 6000)),
            )
        )
        total += n
    courses.sort(key=lambda c: c.start)
    exits = rng.dirichlet([4, 4, 1, 0.5])
    spec = ProgramSpec(
        pid,
        f"Generic program {g} (SYNTHETIC)",
        provider,
        framework,
        country,
        "MENA/Sahel",
        start,
        end,
        None,
        currency,
        "SYNTHETIC: generic benchmark program.",
        behaviour=Behaviour(
            completion=float(rng.uniform(0.7, 0.98)),
            vetted=float(rng.uniform(0.3, 1.0)),
            pre_mean=float(rng.uniform(35, 60)),
            gain=float(rng.uniform(3, 20)),
            posted=float(rng.uniform(0.3, 0.98)),
            hazard=float(rng.uniform(0.05, 0.6)),
            exits=tuple(float(x) for x in exits),
            followed=float(rng.uniform(0.3, 0.8)),
            co_designed=float(rng.uniform(0, 1)),
            cost_share=(float(rng.uniform(0, 0.3)), float(rng.uniform(0, 0.4))),
        ),
        units=units,
        courses=courses,
        activities=[
            Activity(
                str(rng.choice(["advisory", "equipment", "infrastructure"])),
                f"Support {k + 1}",
                _date(rng, start, end),
                int(rng.integers(30, 400)),
                float(rng.uniform(1e5, 3e6)),
            )
            for k in range(int(rng.integers(3, 7)))
        ],
        transfers=[
            Transfer(
                cat,
                cat in LETHAL,
                int(rng.integers(1, 2000)),
                _date(rng, start, end),
                float(round(rng.uniform(1e4, 5e6), -2)),
                units[int(rng.integers(len(units)))].unit_id,
                tuple(
                    (
                        int(rng.integers(60, 700)),
                        str(rng.choice(FINDINGS, p=[0.7, 0.15, 0.05, 0.1])),
                        float(rng.uniform(0, 0.3)),
                    )
                    for _ in range(int(rng.integers(0, 3)))
                ),
            )
            for cat in rng.choice(CATEGORIES, int(rng.integers(3, 13)))
        ],
        incidents=[
            Incident(
                units[int(rng.integers(len(units)))].unit_id,
                _date(rng, start, end + dt.timedelta(days=700)),
                str(
                    rng.choice(
                        [
                            "unlawful_killing",
                            "torture",
                            "arbitrary_detention",
                            "excessive_force",
                            "corruption",
                            "other",
                        ]
                    )
                ),
                str(rng.choice(["alleged", "credible", "confirmed"])),
                str(rng.choice(["none", "under_investigation", "effective_steps"])),
                "synthetic monitor",
            )
            for _ in range(int(rng.integers(0, 5)))
        ],
        meetings=[
            Meeting(
                _date(rng, start, end),
                str(rng.choice(["senior_official", "working"])),
                "bilateral",
                int(rng.integers(5, 40)),
                int(rng.integers(0, 5)),
                int(rng.integers(0, 3)),
                bool(rng.random() < 0.3),
            )
            for _ in range(int(rng.integers(0, 7)))
        ],
        observations=[
            Observation(
                "personnel_trained",
                dt.date(y, 1, 1),
                dt.date(y, 12, 31),
                0.0,
                float(total // 4),
                float(int(rng.integers(total // 8, total // 3))),
            )
            for y in range(start.year, min(end.year, 2025) + 1)
        ],
    )
    first = min(c.start for c in courses)
    trained = {c.admin1 for c in courses}
    months = (SNAP.astype("datetime64[M]") - np.datetime64(f"{start.year - 3}-01", "M")).astype(
        int
    ) + 1
    base = total / (len(areas) * months)  # about as many events as participant rows
    scene = Scene(
        country,
        [
            Area(a, base, first if a in trained else None, float(rng.uniform(0.6, 1.6)))
            for a in areas
        ],
        {},
        MIX,
        first_year=start.year - 3,
    )
    return spec, [scene]


def event_stream_chunk(
    n: int, offset: int, rng: np.random.Generator, actors: pl.Series | None = None
) -> pl.DataFrame:
    """`n` events over the generic countries' areas, 2005 to the snapshot; ids from `offset`.

    With `actors` (unit ids), 3% of the events name one of them as actor.
    """
    pairs = [(c, a) for c, areas in AREAS.items() for a in areas]
    pick = rng.integers(len(pairs), size=n)
    country = pl.Series([c for c, _ in pairs]).gather(pick)
    admin1 = pl.Series([a for _, a in pairs]).gather(pick)
    lo = np.datetime64("2005-01-01", "D")
    day_of = lo + rng.integers(0, (SNAP - lo).astype(int) + 1, n).astype("timedelta64[D]")
    kind = rng.choice(len(EVENT_TYPES), n, p=np.array(MIX) / sum(MIX))
    frame = _events(rng, day_of, "", admin1, kind, None).with_columns(country=country)
    if actors is not None and len(actors):
        named = rng.random(n) < 0.03
        who = actors.gather(rng.integers(len(actors), size=n))
        frame = frame.with_columns(actor_unit_id=pl.when(pl.Series(named)).then(who))
    return frame.with_columns(
        event_id=pl.format(
            "EV-X{}", (pl.int_range(pl.len()) + offset + 1).cast(pl.String).str.zfill(10)
        ),
        event_date=dates(day_of),
    )
