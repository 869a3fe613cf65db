"""A small, self-contained maker of benchmark tables, used only when `sceval.seed` is absent.

The benchmarks take their data from the engine's seed generator (`sceval.seed.generate`).
This maker exists so the baselines can run on a checkout whose generator is missing or
broken; it writes the six tables that grow with the data (programs, units, activities,
participants, followups, events) with the SPEC §3 columns, streamed to Parquet in chunks.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import polars as pl

CHUNK = 1_000_000
EPOCH = dt.date(1970, 1, 1)
COUNTRIES = ["IRQ", "LBY", "MLI", "JOR", "TUN", "MRT", "NER", "SOM", "UKR", "GEO"]
KINDS = ["training", "education", "exercise", "equipment", "advisory", "dialogue"]
EVENT_TYPES = ["battle", "violence_against_civilians", "explosion", "riot", "protest", "strategic"]
STATUSES = [
    "serving_same_unit",
    "serving_other_unit",
    "left_service",
    "joined_non_state_group",
    "deceased",
    "unknown",
]


def _days(d: dt.date) -> int:
    return (d - EPOCH).days


def _write(frames, path: Path) -> int:
    """Stream an iterator of Polars frames into one Parquet file; return the row count."""
    import pyarrow.parquet as pq

    writer = None
    rows = 0
    try:
        for df in frames:
            table = df.to_arrow()
            if writer is None:
                writer = pq.ParquetWriter(path, table.schema, compression="zstd")
            writer.write_table(table)
            rows += df.height
    finally:
        if writer is not None:
            writer.close()
    return rows


def _ids(prefix: str, start: int, n: int, width: int) -> pl.Series:
    return pl.select(
        pl.format(prefix + "{}", pl.int_range(start, start + n).cast(pl.String).str.zfill(width))
    ).to_series()


def make(
    out_dir: Path,
    *,
    participants: int,
    seed: int = 7,
    events: int | None = None,
    programs: int | None = None,
) -> dict:
    """Write the growing tables for `participants` person-activity rows; return row counts."""
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    n_prog = programs or max(6, min(200, participants // 50_000))
    n_act = max(100, participants // 100)
    n_units = max(50, participants // 1_000)
    n_events = participants if events is None else events
    counts: dict[str, int] = {}

    prog_start = rng.integers(_days(dt.date(2016, 1, 1)), _days(dt.date(2022, 1, 1)), n_prog)
    programs = pl.DataFrame(
        {
            "program_id": _ids("PRG", 0, n_prog, 4),
            "name": [f"Synthetic program {i}" for i in range(n_prog)],
            "provider": rng.choice(["NATO", "EU", "US", "UK"], n_prog),
            "framework": pl.Series(rng.choice(["DCB", "EUTM", "Section 333", ""], n_prog)).replace(
                "", None
            ),
            "partner_country": rng.choice(COUNTRIES, n_prog),
            "region": rng.choice(["MENA", "Sahel", "Europe"], n_prog),
            "start_date": pl.Series(prog_start).cast(pl.Date),
            "end_date": pl.Series(prog_start + rng.integers(730, 2200, n_prog)).cast(pl.Date),
            "budget": rng.uniform(1e6, 5e8, n_prog).round(0),
            "currency": rng.choice(["USD", "EUR"], n_prog),
            "objective": ["Build capacity (synthetic)"] * n_prog,
        }
    )
    programs.write_parquet(out_dir / "programs.parquet")
    counts["programs"] = n_prog

    unit_country = rng.choice(COUNTRIES, n_units)
    units = pl.DataFrame(
        {
            "unit_id": _ids("U", 0, n_units, 6),
            "partner_country": unit_country,
            "name": _ids("Unit ", 0, n_units, 6),
            "service": rng.choice(["army", "navy", "air", "police", "border"], n_units),
            "command": rng.choice(["state", "non_state", "mixed"], n_units, p=[0.9, 0.04, 0.06]),
            "affiliation": pl.Series([None] * n_units, dtype=pl.String),
            "vetting_status": rng.choice(["cleared", "pending", "denied", "not_vetted"], n_units),
            "vetting_date": pl.Series(
                rng.integers(_days(dt.date(2015, 1, 1)), _days(dt.date(2024, 1, 1)), n_units)
            ).cast(pl.Date),
        }
    )
    units.write_parquet(out_dir / "units.parquet")
    counts["units"] = n_units

    act_prog = rng.integers(0, n_prog, n_act)
    p_start = prog_start[act_prog] + rng.integers(0, 700, n_act)
    p_end = p_start + rng.integers(5, 120, n_act)
    status = rng.choice(
        ["planned", "ongoing", "delivered", "cancelled"], n_act, p=[0.1, 0.1, 0.75, 0.05]
    )
    started = np.isin(status, ["ongoing", "delivered"])
    a_start = np.where(started, p_start + rng.integers(-5, 60, n_act), 0)
    a_end = np.where(
        status == "delivered", a_start + (p_end - p_start) + rng.integers(0, 30, n_act), 0
    )
    cost = rng.uniform(1e4, 2e6, n_act).round(2)
    activities = (
        pl.DataFrame(
            {
                "activity_id": _ids("A", 0, n_act, 8),
                "program_id": programs["program_id"].gather(act_prog),
                "kind": rng.choice(KINDS, n_act, p=[0.5, 0.15, 0.15, 0.1, 0.05, 0.05]),
                "title": _ids("Course ", 0, n_act, 8),
                "planned_start": pl.Series(p_start).cast(pl.Date),
                "planned_end": pl.Series(p_end).cast(pl.Date),
                "actual_start": pl.Series(a_start).cast(pl.Date),
                "actual_end": pl.Series(a_end).cast(pl.Date),
                "status": status,
                "planned_cost": cost,
                "actual_cost": np.where(started, cost * rng.uniform(0.7, 1.4, n_act), np.nan).round(
                    2
                ),
                "admin1": pl.Series([f"ADM{i}" for i in rng.integers(0, 20, n_act)]),
                "unit_id": units["unit_id"].gather(rng.integers(0, n_units, n_act)),
                "co_designed": rng.random(n_act) < 0.4,
                "partner_cost_share": rng.uniform(0, 0.5, n_act).round(3),
                "trainees_reported": pl.Series([None] * n_act, dtype=pl.Int64),
            }
        )
        .with_columns(
            pl.when(pl.col("actual_start") == pl.date(1970, 1, 1))
            .then(None)
            .otherwise(pl.col(c))
            .alias(c)
            for c in ("actual_start",)
        )
        .with_columns(
            pl.when(pl.col("actual_end") == pl.date(1970, 1, 1))
            .then(None)
            .otherwise(pl.col("actual_end"))
            .alias("actual_end"),
            pl.col("actual_cost").fill_nan(None),
        )
    )
    activities.write_parquet(out_dir / "activities.parquet")
    counts["activities"] = n_act
    act_end = activities["actual_end"].to_physical().fill_null(0).to_numpy()
    act_unit = activities["unit_id"]

    def participant_chunks():
        for start in range(0, participants, CHUNK):
            n = min(CHUNK, participants - start)
            row = np.arange(start, start + n)
            # One person attends two activities on average: person = row // 2, activity spread.
            act = (row * 7919 + (row // 2)) % n_act
            pre = rng.uniform(20, 80, n).round(1)
            yield pl.DataFrame(
                {
                    "participant_id": _ids("P", start // 2, (n + 1) // 2, 9).gather(
                        np.arange(n) // 2
                    ),
                    "activity_id": _ids("A", 0, n_act, 8).gather(act),
                    "unit_id": act_unit.gather(act),
                    "sex": rng.choice(["F", "M", "X", "unknown"], n, p=[0.15, 0.8, 0.01, 0.04]),
                    "age": rng.integers(18, 60, n),
                    "rank_group": rng.choice(["officer", "nco", "enlisted", "civilian"], n),
                    "completed": rng.random(n) < 0.85,
                    "pre_score": pre,
                    "post_score": np.minimum(100, pre + rng.normal(10, 8, n)).clip(0).round(1),
                    "vetted": rng.random(n) < 0.9,
                    "posted_within_days": rng.integers(0, 120, n),
                }
            )

    counts["participants"] = _write(participant_chunks(), out_dir / "participants.parquet")

    def followup_chunks():
        persons = (participants + 1) // 2
        for start in range(0, persons, CHUNK):
            n = min(CHUNK, persons - start)
            base = act_end[
                ((np.arange(start, start + n) * 2) * 7919 + np.arange(start, start + n)) % n_act
            ]
            base = np.where(base == 0, _days(dt.date(2022, 1, 1)), base)
            pid = _ids("P", start, n, 9)
            yield pl.DataFrame(
                {
                    "participant_id": pl.concat([pid, pid]),
                    "check_date": pl.Series(np.concatenate([base + 365, base + 730])).cast(pl.Date),
                    "status": rng.choice(STATUSES, 2 * n, p=[0.6, 0.15, 0.15, 0.03, 0.01, 0.06]),
                }
            )

    counts["followups"] = _write(followup_chunks(), out_dir / "followups.parquet")
    counts["events"] = write_events(out_dir / "events.parquet", n_events, units["unit_id"], rng)
    return counts


def write_events(path: Path, n_events: int, unit_ids: pl.Series, rng) -> int:
    """Conflict events streamed in chunks (works at 1e8 rows in bounded memory)."""
    lo, hi = _days(dt.date(2012, 1, 1)), _days(dt.date(2026, 6, 30))

    def chunks():
        for start in range(0, n_events, CHUNK):
            n = min(CHUNK, n_events - start)
            has_actor = rng.random(n) < 0.1
            actor = unit_ids.gather(rng.integers(0, len(unit_ids), n))
            yield pl.DataFrame(
                {
                    "event_id": _ids("E", start, n, 10),
                    "event_date": pl.Series(rng.integers(lo, hi, n)).cast(pl.Date),
                    "country": rng.choice(COUNTRIES, n),
                    "admin1": pl.Series([f"ADM{i}" for i in range(20)]).gather(
                        rng.integers(0, 20, n)
                    ),
                    "event_type": rng.choice(EVENT_TYPES, n),
                    "fatalities": rng.poisson(1.5, n),
                    "actor_unit_id": pl.select(
                        pl.when(pl.Series(has_actor)).then(actor).otherwise(None)
                    ).to_series(),
                    "civilian_targeting": rng.random(n) < 0.2,
                }
            )

    return _write(chunks(), path)
