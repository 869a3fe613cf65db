"""Small hand-made scenario datasets: a Libya-like program (LBY1) and a clean Tunisia-like one (TUN1).

Every number the tests assert is computed by hand from these rows (see the comments).
`write_scenario` writes one CSV per table; `build_warehouse` loads them into a real DuckDB file
through the engine's own loader.
"""

from __future__ import annotations

import copy
from pathlib import Path

import polars as pl

AS_OF = "2025-12-31"

PROGRAMS = [
    # program_id, name, provider, framework, partner_country, region, start, end, budget, currency, objective
    (
        "LBY1",
        "General purpose force",
        "NATO",
        "DCB",
        "LBY",
        "MENA",
        "2013-01-01",
        "2016-12-31",
        1e6,
        "EUR",
        None,
    ),
    (
        "TUN1",
        "Border capacity",
        "NATO",
        "DCB",
        "TUN",
        "MENA",
        "2016-01-01",
        "2024-12-31",
        2e6,
        "EUR",
        None,
    ),
]

UNITS = [
    # unit_id, country, name, service, command, affiliation, vetting_status, vetting_date
    # (a clearance is valid 365 days: each unit's support falls within its clearance)
    ("LU1", "LBY", "1st Brigade", "army", "state", "Misrata", "not_vetted", None),
    ("LU2", "LBY", "Coast militia", "coast_guard", "mixed", "Misrata", "cleared", "2013-03-01"),
    ("LU3", "LBY", "3rd Brigade", "army", "state", "Zintan", "cleared", "2014-01-10"),
    ("TU1", "TUN", "Border guard 1", "border", "state", None, "cleared", "2016-02-20"),
    ("TU2", "TUN", "Army 2nd Div", "army", "state", None, "cleared", "2017-02-01"),
]

ACTIVITIES = [
    # id, program, kind, start, end, status, cost, admin1, unit, co_designed, partner_cost_share
    (
        "LA1",
        "LBY1",
        "training",
        "2013-03-01",
        "2013-06-30",
        "delivered",
        100.0,
        "Tripoli",
        "LU1",
        False,
        0.0,
    ),
    (
        "LA2",
        "LBY1",
        "training",
        "2013-04-01",
        "2013-07-31",
        "delivered",
        100.0,
        "Tripoli",
        "LU2",
        False,
        0.0,
    ),
    (
        "LA3",
        "LBY1",
        "equipment",
        "2014-01-01",
        "2014-01-31",
        "delivered",
        300.0,
        "Tripoli",
        "LU1",
        False,
        0.0,
    ),
    (
        "LA5",
        "LBY1",
        "training",
        "2014-03-01",
        "2014-04-30",
        "delivered",
        100.0,
        "Tripoli",
        "LU3",
        False,
        0.0,
    ),
    (
        "TA1",
        "TUN1",
        "training",
        "2016-03-01",
        "2016-05-31",
        "delivered",
        200.0,
        "Kasserine",
        "TU1",
        True,
        0.3,
    ),
    (
        "TA2",
        "TUN1",
        "training",
        "2017-03-01",
        "2017-05-31",
        "delivered",
        200.0,
        "Kasserine",
        "TU2",
        True,
        0.35,
    ),
    (
        "TA3",
        "TUN1",
        "equipment",
        "2017-02-01",
        "2017-02-28",
        "delivered",
        300.0,
        "Kasserine",
        "TU1",
        True,
        0.4,
    ),
    (
        "TA4",
        "TUN1",
        "dialogue",
        "2016-04-01",
        "2016-04-02",
        "delivered",
        50.0,
        None,
        None,
        True,
        0.5,
    ),
]


def _participants() -> list[tuple]:
    rows = []
    # LBY1/LA1: P01-P10 of LU1; P01-P03 not vetted; P01-P08 never posted, P09-P10 posted in 30 days.
    for i in range(1, 11):
        rows.append((f"P{i:02d}", "LA1", "LU1", i > 3, None if i <= 8 else 30))
    # LBY1/LA2: P11-P16 of LU2, vetted; P11-P12 posted after 200 days, P13-P16 in 20 days.
    for i in range(11, 17):
        rows.append((f"P{i:02d}", "LA2", "LU2", True, 200 if i <= 12 else 20))
    # LBY1/LA5: P17-P20 of LU3 (Zintan), vetted, posted in 10 days.
    for i in range(17, 21):
        rows.append((f"P{i:02d}", "LA5", "LU3", True, 10))
    # TUN1: T01-T10 (TA1, TU1) and T11-T20 (TA2, TU2), vetted, posted in 14 days.
    for i in range(1, 21):
        rows.append(
            (f"T{i:02d}", "TA1" if i <= 10 else "TA2", "TU1" if i <= 10 else "TU2", True, 14)
        )
    return rows


EQUIPMENT = [
    # transfer_id, program, unit, category, lethal, quantity, delivered, value
    ("LE1", "LBY1", "LU1", "small_arms", True, 100, "2014-01-15", 5000.0),
    ("LE2", "LBY1", "LU2", "vehicles", False, 10, "2014-02-01", 20000.0),
    ("TE1", "TUN1", "TU1", "small_arms", True, 50, "2017-02-15", 3000.0),
    ("TE2", "TUN1", "TU2", "comms", False, 20, "2017-07-01", 1000.0),
]

END_USE_CHECKS = [
    ("LC1", "LE1", "2014-09-01", 80, 20, "partially_accounted"),  # 20 small arms missing
    ("TC1", "TE1", "2017-12-01", 50, 0, "accounted"),
]

CONTEXT = [
    ("LBY", 2014, "arms_embargo", 1.0),
    ("LBY", 2014, "wgi_rule_of_law", -1.5),
    ("LBY", 2014, "wgi_control_of_corruption", -1.4),
    ("TUN", 2017, "arms_embargo", 0.0),
    ("TUN", 2017, "wgi_rule_of_law", 0.0),
    ("TUN", 2017, "wgi_control_of_corruption", -0.1),
]

INCIDENTS = [
    # LU1 tortured detainees during training; no remedy; LA1 ran on and LE1/LA3 came later.
    ("I1", "LU1", "2013-05-01", "torture", "credible", "none"),
    # Tunisia: reporting exists (an alleged corruption case, handled).
    ("I2", "TU1", "2018-01-01", "corruption", "alleged", "effective_steps"),
]


def _events() -> list[tuple]:
    rows = [("E_VAC", "2014-03-01", "LBY", "Tripoli", "violence_against_civilians", 3, "LU1", True)]
    # Each area's window starts at the first support there (issue 16), 365 days each side.
    # Libya, Tripoli (supported): t0 = LA1, 2013-03-01. 2 events before, 9 after.
    # Benghazi (comparison): 5 before, 5 after. E_VAC (2014-03-01) is past the window's end.
    for i in range(2):
        rows.append((f"LT_B{i}", f"2012-0{i + 3}-10", "LBY", "Tripoli", "battle", 1, None, False))
    for i in range(9):
        rows.append(
            (f"LT_A{i}", f"2013-{i + 4:02d}-20", "LBY", "Tripoli", "battle", 2, None, False)
        )
    for i in range(5):
        rows.append((f"LB_B{i}", f"2012-0{i + 3}-11", "LBY", "Benghazi", "battle", 1, None, False))
        rows.append((f"LB_A{i}", f"2013-0{i + 3}-11", "LBY", "Benghazi", "battle", 1, None, False))
    # Tunisia, Kasserine t0 = TA1, 2016-03-01: 3 before / 3 after; Tunis 2 before / 2 after.
    for i in range(3):
        rows.append((f"TK_B{i}", f"2015-0{i + 7}-01", "TUN", "Kasserine", "battle", 0, None, False))
        rows.append((f"TK_A{i}", f"2016-0{i + 7}-01", "TUN", "Kasserine", "battle", 0, None, False))
    for i in range(2):
        rows.append((f"TT_B{i}", f"2015-0{i + 7}-02", "TUN", "Tunis", "protest", 0, None, False))
        rows.append((f"TT_A{i}", f"2016-0{i + 7}-02", "TUN", "Tunis", "protest", 0, None, False))
    return rows


def _followups() -> list[tuple]:
    # LBY1: P01-P04 joined a non-state armed group (4 of 20 followed up = 20%).
    rows = [
        (f"P{i:02d}", "2014-06-01", "joined_non_state_group" if i <= 4 else "serving_same_unit")
        for i in range(1, 21)
    ]
    rows += [(f"T{i:02d}", "2018-06-01", "serving_same_unit") for i in range(1, 21)]
    return rows


DIALOGUES = [
    ("M1", "TUN1", "2016-04-01", "senior_official", "bilateral", 20, 5, 4, True),
    ("M2", "TUN1", "2016-04-02", "working", "bilateral", 15, 6, 5, True),
]


def tables() -> dict[str, pl.DataFrame]:
    """The scenario as typed frames, one per table."""
    acts = pl.DataFrame(
        ACTIVITIES,
        schema=[
            "activity_id",
            "program_id",
            "kind",
            "actual_start",
            "actual_end",
            "status",
            "planned_cost",
            "admin1",
            "unit_id",
            "co_designed",
            "partner_cost_share",
        ],
        orient="row",
    ).with_columns(
        pl.col("activity_id").alias("title"),
        pl.col("actual_start").alias("planned_start"),
        pl.col("actual_end").alias("planned_end"),
        pl.col("planned_cost").alias("actual_cost"),
        pl.lit(None, dtype=pl.Int64).alias("trainees_reported"),
    )
    parts = pl.DataFrame(
        _participants(),
        schema=["participant_id", "activity_id", "unit_id", "vetted", "posted_within_days"],
        orient="row",
    ).with_columns(
        pl.lit("M").alias("sex"),
        pl.lit(30).alias("age"),
        pl.lit("enlisted").alias("rank_group"),
        pl.lit(True).alias("completed"),
        pl.lit(50.0).alias("pre_score"),
        pl.lit(70.0).alias("post_score"),
    )
    return {
        "programs": pl.DataFrame(
            PROGRAMS,
            orient="row",
            schema=[
                "program_id",
                "name",
                "provider",
                "framework",
                "partner_country",
                "region",
                "start_date",
                "end_date",
                "budget",
                "currency",
                "objective",
            ],
        ),
        "units": pl.DataFrame(
            UNITS,
            orient="row",
            schema=[
                "unit_id",
                "partner_country",
                "name",
                "service",
                "command",
                "affiliation",
                "vetting_status",
                "vetting_date",
            ],
        ),
        "activities": acts,
        "participants": parts,
        "followups": pl.DataFrame(
            _followups(), orient="row", schema=["participant_id", "check_date", "status"]
        ),
        "equipment": pl.DataFrame(
            EQUIPMENT,
            orient="row",
            schema=[
                "transfer_id",
                "program_id",
                "unit_id",
                "category",
                "lethal",
                "quantity",
                "delivered_date",
                "value",
            ],
        ),
        "end_use_checks": pl.DataFrame(
            END_USE_CHECKS,
            orient="row",
            schema=[
                "check_id",
                "transfer_id",
                "check_date",
                "quantity_verified",
                "quantity_missing",
                "finding",
            ],
        ),
        "context": pl.DataFrame(
            CONTEXT, orient="row", schema=["country", "year", "indicator", "value"]
        ).with_columns(pl.lit("scenario").alias("source")),
        "incidents": pl.DataFrame(
            INCIDENTS,
            orient="row",
            schema=["incident_id", "unit_id", "date", "kind", "credibility", "remediation"],
        ).with_columns(pl.lit(None, dtype=pl.String).alias("source")),
        "events": pl.DataFrame(
            _events(),
            orient="row",
            schema=[
                "event_id",
                "event_date",
                "country",
                "admin1",
                "event_type",
                "fatalities",
                "actor_unit_id",
                "civilian_targeting",
            ],
        ),
        "dialogues": pl.DataFrame(
            DIALOGUES,
            orient="row",
            schema=[
                "meeting_id",
                "program_id",
                "date",
                "level",
                "format",
                "participants_total",
                "participants_women",
                "participants_youth",
                "civil_society_present",
            ],
        ),
    }


def write_scenario(folder: Path, *, drop: tuple[str, ...] = (), edit=None) -> Path:
    """Write the scenario's CSVs (without the tables in `drop`; `edit(dict)` may change frames)."""
    folder.mkdir(parents=True, exist_ok=True)
    frames = copy.copy(tables())
    if edit is not None:
        frames = edit(frames) or frames
    for name, df in frames.items():
        if name not in drop:
            df.write_csv(folder / f"{name}.csv")
    return folder


def typed(path: Path, project) -> pl.DataFrame:
    """A scenario CSV read with its contract's column types."""
    from sceval.load import POLARS_TYPES

    contract = project.contract(path.stem)
    df = pl.read_csv(path, infer_schema=False)
    cols = []
    for c in contract.columns:
        if c.name not in df.columns:
            cols.append(pl.lit(None, dtype=POLARS_TYPES[c.type]).alias(c.name))
        elif c.type == "date":
            cols.append(pl.col(c.name).str.to_date())
        elif c.type == "bool":
            cols.append(pl.col(c.name).str.to_lowercase() == "true")
        else:
            cols.append(pl.col(c.name).cast(POLARS_TYPES[c.type]))
    return df.select(cols)


def build_warehouse(db: Path, project, folder: Path):
    """Load a scenario folder into a fresh warehouse file through the engine's batch writer."""
    from sceval.load import InputFile, insert_batch
    from sceval.warehouse import open_warehouse

    con = open_warehouse(db, project)
    files = sorted(folder.glob("*.csv"))
    insert_batch(con, project, [(InputFile(p, p.stem), typed(p, project)) for p in files])
    return con
