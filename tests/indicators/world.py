"""A small, hand-computable world: three programs, their activities, people and outcomes.

Every expected number in the tests is worked out by hand from these rows (see the comments
in the test modules). `write_csvs` writes the tables as a user would hand them to `sceval load`.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import polars as pl

from sceval.project import Project
from sceval.warehouse import ensure_schema

D = dt.date.fromisoformat
AS_OF = D("2024-06-30")


def _programs() -> list[dict]:
    base = {"region": "MENA", "objective": None}
    return [
        {**base, "program_id": "P1", "name": "Police and army training", "provider": "NATO",
         "framework": "NTM-I", "partner_country": "IRQ", "start_date": D("2020-01-01"),
         "end_date": D("2022-12-31"), "budget": 1_000_000.0, "currency": "USD"},
        {**base, "program_id": "P2", "name": "General purpose force", "provider": "EU",
         "framework": None, "partner_country": "LBY", "start_date": D("2021-01-01"),
         "end_date": D("2025-12-31"), "budget": 400_000.0, "currency": "EUR"},
        {**base, "program_id": "P3", "name": "Mediterranean Dialogue", "provider": "NATO",
         "framework": "Mediterranean Dialogue", "partner_country": "MAR",
         "start_date": D("2015-01-01"), "end_date": D("2030-12-31"), "budget": 100_000.0,
         "currency": "EUR"},
    ]  # fmt: skip


def _activities() -> list[dict]:
    cols = (
        "activity_id",
        "program_id",
        "kind",
        "planned_start",
        "planned_end",
        "actual_start",
        "actual_end",
        "status",
        "planned_cost",
        "actual_cost",
        "admin1",
        "unit_id",
        "co_designed",
        "partner_cost_share",
        "trainees_reported",
    )
    rows = [
        ("A1", "P1", "training", "2020-02-01", "2020-03-31", "2020-02-01", "2020-03-31",
         "delivered", 100000, 110000, "Baghdad", "U1", True, 0.1, None),
        ("A2", "P1", "training", "2020-06-01", "2020-07-31", "2020-06-10", "2020-08-10",
         "delivered", 100000, 100000, "Basra", "U2", False, 0.2, None),
        ("A3", "P1", "equipment", "2021-01-01", "2021-02-28", "2021-01-05", "2021-03-30",
         "delivered", 200000, 180000, "Baghdad", "U1", False, 0.3, None),
        ("A4", "P1", "advisory", "2022-01-01", "2022-06-30", None, None,
         "cancelled", 50000, None, None, None, True, 0.4, None),
        ("A5", "P1", "training", "2021-05-01", "2021-06-30", "2021-05-01", "2021-06-30",
         "delivered", 50000, 50000, "Basra", "U2", True, 0.2, 200),
        ("B1", "P2", "training", "2021-03-01", "2021-04-30", "2021-03-01", "2021-05-20",
         "delivered", 80000, 90000, "Tripoli", "U3", False, 0.0, None),
        ("B2", "P2", "training", "2024-01-01", "2024-03-31", "2024-01-10", None,
         "ongoing", 80000, 40000, "Tripoli", "U3", True, 0.0, None),
        ("B3", "P2", "training", "2025-01-01", "2025-02-28", None, None,
         "planned", 80000, None, None, None, False, 0.5, None),
    ]  # fmt: skip
    out = []
    for r in rows:
        d = dict(zip(cols, r, strict=True))
        for k in ("planned_start", "planned_end", "actual_start", "actual_end"):
            d[k] = D(d[k]) if d[k] else None
        d["title"] = f"Activity {d['activity_id']}"
        d["planned_cost"] = float(d["planned_cost"])
        d["actual_cost"] = None if d["actual_cost"] is None else float(d["actual_cost"])
        out.append(d)
    return out


def _units() -> list[dict]:
    return [
        {"unit_id": u, "partner_country": c, "name": f"Unit {u}", "service": s,
         "command": cmd, "affiliation": None, "vetting_status": v, "vetting_date": None}
        for u, c, s, cmd, v in [
            ("U1", "IRQ", "army", "state", "cleared"),
            ("U2", "IRQ", "police", "state", "cleared"),
            ("U3", "LBY", "army", "mixed", "pending"),
            ("U4", "IRQ", "border", "state", "not_vetted"),
        ]
    ]  # fmt: skip


def _participants() -> list[dict]:
    out = []
    # A1: p001-p030 (unit U1). F: p001-p006, X: p030. Completed p001-p027.
    for i in range(1, 31):
        out.append({
            "participant_id": f"p{i:03d}", "activity_id": "A1", "unit_id": "U1",
            "sex": "F" if i <= 6 else ("X" if i == 30 else "M"),
            "age": 22 if i <= 15 else 30,
            "rank_group": "officer" if i <= 5 else "enlisted",
            "completed": i <= 27,
            "pre_score": 50.0 if i <= 20 else None,
            "post_score": (60.0 if i <= 10 else 70.0) if i <= 20 else None,
            "vetted": i != 30,
            "posted_within_days": 10 if i <= 20 else (60 if i <= 27 else None),
        })  # fmt: skip
    # A2: p031-p050 (unit U2), all men, all completed, p031-p040 not vetted.
    for i in range(31, 51):
        out.append({
            "participant_id": f"p{i:03d}", "activity_id": "A2", "unit_id": "U2", "sex": "M",
            "age": 40, "rank_group": "nco", "completed": True, "pre_score": None,
            "post_score": None, "vetted": i > 40, "posted_within_days": None,
        })  # fmt: skip
    # B1: q001-q008 (U3), women q001-q002, completed q001-q006. B2 (ongoing): q009-q012, q009 F.
    for i in range(1, 13):
        out.append({
            "participant_id": f"q{i:03d}", "activity_id": "B1" if i <= 8 else "B2",
            "unit_id": "U3", "sex": "F" if i in (1, 2, 9) else "M", "age": 28,
            "rank_group": "enlisted", "completed": i <= 6, "pre_score": None,
            "post_score": None, "vetted": True, "posted_within_days": None,
        })  # fmt: skip
    return out


def _followups() -> list[dict]:
    out = []

    def add(pid: str, day: str, status: str) -> None:
        out.append({"participant_id": pid, "check_date": D(day), "status": status})

    for i in range(1, 21):
        add(f"p{i:03d}", "2021-03-31", "serving_same_unit")
        add(f"p{i:03d}", "2022-03-31", "serving_same_unit" if i <= 10 else "left_service")
    for i in range(21, 25):
        add(f"p{i:03d}", "2021-03-31", "left_service")
    add("p025", "2021-03-31", "deceased")
    add("p026", "2021-03-31", "unknown")
    for i in range(31, 51):
        if i <= 45:
            add(f"p{i:03d}", "2021-08-10", "serving_other_unit")
            add(f"p{i:03d}", "2022-08-10", "serving_same_unit")
        else:
            add(f"p{i:03d}", "2021-08-10", "joined_non_state_group")
    for i in range(1, 7):
        add(f"q{i:03d}", "2022-05-20", "joined_non_state_group" if i <= 3 else "left_service")
    return out


def _dialogues() -> list[dict]:
    rows = [
        ("2016-03-01", "ministerial", 40, 4, 2, False),
        ("2017-03-01", "chiefs_of_defence", 30, 3, 3, False),
        ("2018-03-01", "ambassadorial", 30, 6, 3, True),
        ("2019-03-01", "senior_official", 20, 4, 4, False),
        ("2020-03-01", "working", 20, 6, 6, True),
        ("2021-03-01", "working", 10, 5, 2, False),
        ("2023-09-01", "senior_official", 10, 2, 1, True),
        ("2024-03-01", "working", 10, 4, 2, True),
        ("2025-03-01", "ministerial", 50, 10, 10, True),
    ]
    return [
        {"meeting_id": f"M{k}", "program_id": "P3", "date": D(d), "level": lvl,
         "format": "multilateral", "participants_total": t, "participants_women": w,
         "participants_youth": y, "civil_society_present": cs}
        for k, (d, lvl, t, w, y, cs) in enumerate(rows, 1)
    ]  # fmt: skip


def _equipment() -> list[dict]:
    rows = [
        ("E1", "P1", "U1", "small_arms", True, 100, "2021-03-30", 50000.0),
        ("E2", "P1", "U1", "vehicles", False, 10, "2021-03-30", 300000.0),
        ("E3", "P1", "U2", "ammunition", True, 1000, "2021-06-01", 20000.0),
        ("E4", "P2", "U3", "small_arms", True, 50, "2021-05-20", 25000.0),
        ("E5", "P2", "U3", "comms", False, 5, None, 5000.0),
    ]
    cols = ("transfer_id", "program_id", "unit_id", "category", "lethal", "quantity",
            "delivered_date", "value")  # fmt: skip
    out = [dict(zip(cols, r, strict=True)) for r in rows]
    for d in out:
        d["delivered_date"] = D(d["delivered_date"]) if d["delivered_date"] else None
    return out


def _end_use_checks() -> list[dict]:
    rows = [
        ("C1", "E1", "2022-01-15", 95, 5, "partially_accounted"),
        ("C2", "E1", "2023-01-15", 90, 10, "partially_accounted"),
        ("C3", "E3", "2022-06-01", 1000, 0, "accounted"),
        ("C4", "E4", "2022-05-01", 0, 0, "not_accessible"),
        ("C5", "E4", "2025-01-01", 20, 30, "diverted"),
    ]
    cols = ("check_id", "transfer_id", "check_date", "quantity_verified", "quantity_missing",
            "finding")  # fmt: skip
    out = [dict(zip(cols, r, strict=True)) for r in rows]
    for d in out:
        d["check_date"] = D(d["check_date"])
    return out


def _events() -> list[dict]:
    vac = "violence_against_civilians"
    rows = [
        ("e01", "2019-01-01", "IRQ", "Baghdad", vac, 1, None, True),
        ("e02", "2019-06-01", "IRQ", "Baghdad", vac, 1, None, True),
        ("e03", "2021-01-01", "IRQ", "Baghdad", vac, 1, None, True),
        ("e04", "2019-02-01", "IRQ", "Basra", vac, 1, None, True),
        ("e05", "2021-02-01", "IRQ", "Basra", vac, 1, None, True),
        ("e06", "2019-03-01", "IRQ", "Mosul", vac, 1, None, True),
        ("e07", "2020-06-01", "IRQ", "Mosul", vac, 1, None, True),
        ("e08", "2021-01-01", "IRQ", "Mosul", vac, 1, None, True),
        ("e09", "2021-06-01", "IRQ", "Mosul", vac, 1, None, True),
        ("e10", "2021-03-01", "IRQ", "Erbil", vac, 1, None, True),
        ("e11", "2018-06-01", "IRQ", "Najaf", vac, 1, None, True),
        ("e12", "2019-09-01", "IRQ", "Najaf", vac, 1, None, True),
        ("e13", "2020-09-01", "IRQ", "Najaf", vac, 1, None, True),
        ("e14", "2021-09-01", "IRQ", "Najaf", vac, 1, None, True),
        ("e15", "2021-02-01", "IRQ", "Mosul", "battle", 10, None, False),
        ("e16", "2019-04-01", "IRQ", "Baghdad", "battle", 3, None, False),
        ("e17", "2022-05-01", "IRQ", "Baghdad", "protest", 2, "U1", True),
        ("e18", "2019-12-01", "IRQ", "Basra", "riot", 0, "U2", False),
        ("e19", "2022-01-01", "LBY", "Tripoli", "protest", 1, "U3", True),
        ("e20", "2023-01-01", "IRQ", "Basra", "protest", 1, "U2", False),
    ]
    cols = ("event_id", "event_date", "country", "admin1", "event_type", "fatalities",
            "actor_unit_id", "civilian_targeting")  # fmt: skip
    out = [dict(zip(cols, r, strict=True)) for r in rows]
    for d in out:
        d["event_date"] = D(d["event_date"])
    return out


def _incidents() -> list[dict]:
    rows = [
        ("I1", "U1", "2021-01-10", "torture", "credible"),
        ("I2", "U1", "2019-05-01", "arbitrary_detention", "confirmed"),
        ("I3", "U2", "2021-02-01", "excessive_force", "alleged"),
        ("I4", "U2", "2022-01-01", "unlawful_killing", "confirmed"),
        ("I5", "U3", "2022-03-01", "torture", "credible"),
        ("I6", "U1", "2023-01-01", "corruption", "credible"),
    ]
    return [
        {"incident_id": i, "unit_id": u, "date": D(d), "kind": k, "credibility": c,
         "remediation": "none", "source": "fixture"}
        for i, u, d, k, c in rows
    ]  # fmt: skip


def _observations() -> list[dict]:
    rows = [
        # The reporter declares the direction on each row (IATI `ascending`).
        ("trained_police", "2020-01-01", "2020-12-31", 0, 100, 120, None, None, True),
        ("trained_police", "2021-01-01", "2021-12-31", 0, 200, 150, None, None, True),
        ("incidents_reported", "2021-01-01", "2021-12-31", 10, 5, 4, None, None, False),
        ("women_trained", "2022-01-01", "2022-12-31", 0, 50, None, None, None, True),
        ("trained_police", "2022-01-01", "2022-12-31", 0, 20, 25, "sex", "F", True),
        ("trained_police", "2024-01-01", "2024-12-31", 0, 100, 100, None, None, True),
    ]
    return [
        {"program_id": "P1", "indicator_id": i, "period_start": D(a), "period_end": D(b),
         "baseline": float(bl), "target": float(t), "actual": None if ac is None else float(ac),
         "dimension": dim, "dimension_value": dv, "ascending": asc}
        for i, a, b, bl, t, ac, dim, dv, asc in rows
    ]  # fmt: skip


def _context() -> list[dict]:
    rows = [
        ("wgi_rule_of_law", 2019, -1.7), ("wgi_rule_of_law", 2020, -1.75),
        ("wgi_rule_of_law", 2021, -1.6), ("wgi_rule_of_law", 2022, -1.5),
        ("wgi_rule_of_law", 2023, -1.4), ("wgi_control_of_corruption", 2019, -1.4),
        ("wgi_control_of_corruption", 2022, -1.3), ("arms_embargo", 2019, 0.0),
        ("arms_embargo", 2022, 0.0),
    ]  # fmt: skip
    return [
        {"country": "IRQ", "year": y, "indicator": i, "value": v, "source": "fixture"}
        for i, y, v in rows
    ]


BUILDERS = {
    "programs": _programs,
    "activities": _activities,
    "units": _units,
    "participants": _participants,
    "followups": _followups,
    "dialogues": _dialogues,
    "equipment": _equipment,
    "end_use_checks": _end_use_checks,
    "events": _events,
    "incidents": _incidents,
    "indicator_observations": _observations,
    "context": _context,
}


def frames(project: Project) -> dict[str, pl.DataFrame]:
    """The world's tables, typed and ordered like the contracts."""
    from sceval.indicators.sources import POLARS_TYPES

    out = {}
    for name, build in BUILDERS.items():
        contract = project.contract(name)
        schema = {c.name: POLARS_TYPES[c.type] for c in contract.columns}
        out[name] = pl.DataFrame(build(), schema_overrides=schema).select(list(schema))
    return out


def write_csvs(project: Project, folder: Path) -> Path:
    """The world as CSV files named after their tables."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, df in frames(project).items():
        df.write_csv(folder / f"{name}.csv")
    return folder


def warehouse(project: Project, db: Path) -> duckdb.DuckDBPyConnection:
    """A real warehouse file holding the world (inserted with plain DuckDB)."""
    con = duckdb.connect(str(db))
    ensure_schema(con, project)
    order = ["programs", "units", "activities", "participants", "followups", "dialogues",
             "equipment", "end_use_checks", "events", "incidents", "indicator_observations",
             "context"]  # fmt: skip
    data = frames(project)
    for name in order:
        df = data[name]  # noqa: F841 - DuckDB reads the frame by its variable name
        con.execute(f'INSERT INTO "{name}" BY NAME SELECT * FROM df')
    return con


def pick(df: pl.DataFrame, indicator: str, program: str, dim=None, value=None) -> dict:
    """The one result row of an indicator for a program (total unless a dimension is named)."""
    q = df.filter((pl.col("indicator_id") == indicator) & (pl.col("program_id") == program))
    if dim is None:
        q = q.filter(pl.col("dimension").is_null())
    else:
        q = q.filter((pl.col("dimension") == dim) & (pl.col("dimension_value") == value))
    assert q.height == 1, f"{indicator}/{program}/{dim}={value}: {q.height} rows"
    return q.row(0, named=True)


def days(a: str, b: str) -> int:
    return (dt.date.fromisoformat(b) - dt.date.fromisoformat(a)).days
