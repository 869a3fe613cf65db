"""Rows of one program from its spec: vectorised over persons, courses and follow-up checks."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from sceval.seed.spec import EXIT_TYPES, HORIZONS, SNAPSHOT, ProgramSpec

SNAP = np.datetime64(SNAPSHOT, "D")
NAT = np.datetime64("NaT", "D")


def day(d: dt.date | None) -> np.datetime64:
    """A date as numpy day, NaT for None."""
    return NAT if d is None else np.datetime64(d, "D")


def dates(values: np.ndarray) -> pl.Series:
    """A numpy day array as a Polars Date series (NaT -> null)."""
    return pl.Series(values.astype("datetime64[D]")).cast(pl.Date)


def program_row(spec: ProgramSpec, activities: pl.DataFrame) -> pl.DataFrame:
    """The `programs` row; the budget defaults to the planned costs plus 3% contingency."""
    budget = spec.budget
    if budget is None:
        budget = round(float(activities["planned_cost"].sum()) * 1.03, -4)
    return pl.DataFrame(
        {
            "program_id": [spec.program_id],
            "name": [spec.name],
            "provider": [spec.provider],
            "framework": [spec.framework],
            "partner_country": [spec.country],
            "region": [spec.region],
            "start_date": [spec.start],
            "end_date": [spec.end],
            "budget": [budget],
            "currency": [spec.currency],
            "objective": [spec.objective],
        }
    )


def units_frame(spec: ProgramSpec) -> pl.DataFrame:
    """The program's partner units."""
    return pl.DataFrame(
        {
            "unit_id": [u.unit_id for u in spec.units],
            "partner_country": [u.country for u in spec.units],
            "name": [u.name for u in spec.units],
            "service": [u.service for u in spec.units],
            "command": [u.command for u in spec.units],
            "affiliation": [u.affiliation for u in spec.units],
            "vetting_status": [u.vetting_status for u in spec.units],
            "vetting_date": [u.vetting_date for u in spec.units],
        },
        schema_overrides={"affiliation": pl.String, "vetting_date": pl.Date},
    )


def activities_frame(spec: ProgramSpec, rng: np.random.Generator) -> pl.DataFrame:
    """Courses then other activities, with status, actual dates and costs as of the snapshot."""
    b = spec.behaviour
    items = [
        (
            c.kind,
            c.title,
            c.start,
            c.days,
            c.cost,
            c.unit_id,
            c.admin1,
            c.cancelled,
            c.n if c.reported_only else None,
        )
        for c in spec.courses
    ] + [
        (a.kind, a.title, a.start, a.days, a.cost, a.unit_id, a.admin1, a.cancelled, None)
        for a in spec.activities
    ]
    n = len(items)
    kind, title, start, days, cost, unit, admin1, cancelled, reported = (
        (list(col) for col in zip(*items, strict=True)) if n else ([[] for _ in range(9)])
    )
    ps = np.array(start, dtype="datetime64[D]")
    pe = ps + np.array(days, dtype="timedelta64[D]")
    slip = rng.integers(b.slip_days[0], b.slip_days[1] + 1, n).astype("timedelta64[D]")
    cancel = np.array(cancelled, dtype=bool)
    a_start, a_end = ps + slip, pe + slip
    status = np.where(
        cancel,
        "cancelled",
        np.where(a_start > SNAP, "planned", np.where(a_end > SNAP, "ongoing", "delivered")),
    )
    started = (status == "ongoing") | (status == "delivered")
    planned_cost = np.round(np.array(cost, dtype=float) * rng.uniform(0.8, 1.2, n), -2)
    elapsed = np.clip(
        (SNAP - a_start).astype(float) / np.maximum((a_end - a_start).astype(float), 1.0), 0, 1
    )
    spent = np.where(status == "delivered", 1.0, np.where(status == "ongoing", elapsed, 0.0))
    actual_cost = np.round(planned_cost * rng.uniform(*b.overrun, n) * spent, 0)
    span = max((spec.end - spec.start).days, 1)
    position = np.clip((ps - day(spec.start)).astype(float) / span, 0, 1)
    share = b.cost_share[0] + (b.cost_share[1] - b.cost_share[0]) * position
    share = np.clip(np.where(share > 0, share + rng.normal(0, 0.02, n), 0.0), 0, 1)
    return pl.DataFrame(
        {
            "activity_id": [f"{spec.program_id}-A{i + 1:03d}" for i in range(n)],
            "program_id": [spec.program_id] * n,
            "kind": kind,
            "title": title,
            "planned_start": dates(ps),
            "planned_end": dates(pe),
            "actual_start": dates(np.where(started, a_start, NAT)),
            "actual_end": dates(np.where(status == "delivered", a_end, NAT)),
            "status": status,
            "planned_cost": planned_cost,
            "actual_cost": pl.Series(np.where(status == "planned", np.nan, actual_cost)).fill_nan(
                None
            ),
            "admin1": pl.Series(admin1, dtype=pl.String),
            "unit_id": pl.Series(unit, dtype=pl.String),
            "co_designed": rng.random(n) < b.co_designed,
            "partner_cost_share": np.round(share, 2),
            "trainees_reported": pl.Series(reported, dtype=pl.Int64),
        }
    )


def participants_frame(
    spec: ProgramSpec, activities: pl.DataFrame, rng: np.random.Generator
) -> pl.DataFrame:
    """One row per person per course attended; repeat courses re-use earlier pseudonyms."""
    b = spec.behaviour
    # Persons are numbered; their attributes live in pools indexed by that number.
    pool: dict[str, list[np.ndarray]] = {k: [] for k in ("rank", "sex", "age", "unit", "vetted")}
    queue: dict[tuple[str, ...], np.ndarray] = {}
    cols: dict[str, list[np.ndarray]] = {
        k: []
        for k in ("person", "activity", "completed", "pre", "post", "scored", "posted", "days")
    }
    next_person = 0
    status = activities["status"].to_list()
    for i, c in enumerate(spec.courses):
        if c.reported_only or status[i] not in ("delivered", "ongoing"):
            continue
        if c.repeat_ranks:
            if c.repeat_ranks not in queue:
                eligible = np.flatnonzero(np.isin(np.concatenate(pool["rank"]), c.repeat_ranks))
                queue[c.repeat_ranks] = rng.permutation(eligible)
            person, queue[c.repeat_ranks] = (
                queue[c.repeat_ranks][: c.n],
                queue[c.repeat_ranks][c.n :],
            )
        else:
            n = c.n
            names, probs = zip(*c.ranks.items(), strict=True)
            units = np.array(c.units or (c.unit_id,), dtype=object)
            weights = np.array(c.unit_weights or [1.0] * len(units), dtype=float)
            pool["rank"].append(rng.choice(np.array(names), n, p=np.array(probs) / sum(probs)))
            pool["sex"].append(
                np.where(
                    rng.random(n) < c.female, "F", np.where(rng.random(n) < 0.003, "unknown", "M")
                )
            )
            pool["age"].append(rng.integers(c.ages[0], c.ages[1] + 1, n))
            pool["unit"].append(rng.choice(units, n, p=weights / weights.sum()))
            pool["vetted"].append(rng.random(n) < b.vetted)
            person = np.arange(next_person, next_person + n)
            next_person += n
        n = len(person)
        completed = (rng.random(n) < (c.completion or b.completion)) & (status[i] == "delivered")
        # Whole-point scores, as tests are marked; sums of them are exact in any order.
        pre = np.clip(np.round(rng.normal(b.pre_mean, 12, n)), 0, 100)
        cols["person"].append(person)
        cols["activity"].append(np.full(n, i))
        cols["completed"].append(completed)
        cols["pre"].append(pre)
        cols["post"].append(np.clip(np.round(pre + rng.normal(b.gain, 8, n)), 0, 100))
        cols["scored"].append(rng.random(n) < b.scored)
        cols["posted"].append(completed & (rng.random(n) < b.posted))
        cols["days"].append(rng.integers(*b.posted_days, n, endpoint=True))
    if not cols["person"]:
        return pl.DataFrame(schema={"participant_id": pl.String, "_completed_on": pl.Date})
    a = {k: np.concatenate(v) for k, v in cols.items()}
    people = {k: np.concatenate(v)[a["person"]] for k, v in pool.items()}
    completed, scored = a["completed"], a["scored"]
    return pl.DataFrame(
        {
            "participant_id": a["person"] + 1,
            "activity_id": activities["activity_id"].gather(a["activity"]),
            "unit_id": pl.Series(people["unit"], dtype=pl.String),
            "sex": people["sex"],
            "age": people["age"],
            "rank_group": people["rank"],
            "completed": completed,
            "pre_score": np.where(scored, a["pre"], np.nan),
            "post_score": np.where(scored & completed, a["post"], np.nan),
            "vetted": people["vetted"],
            "posted_within_days": np.where(a["posted"], a["days"], -1),
            "_completed_on": activities["actual_end"].gather(a["activity"]),
        }
    ).with_columns(
        pl.format(
            "{}-P{}",
            pl.lit(spec.program_id),
            pl.col("participant_id").cast(pl.String).str.zfill(5),
        ).alias("participant_id"),
        pl.col("pre_score", "post_score").fill_nan(None),
        pl.col("posted_within_days").replace(-1, None),
    )


def followups_frame(
    spec: ProgramSpec, participants: pl.DataFrame, rng: np.random.Generator
) -> pl.DataFrame:
    """Tracer checks ~6/12/24/36 months after each followed person's first completion."""
    b = spec.behaviour
    if participants.height == 0:
        return pl.DataFrame()
    first = (
        participants.filter(pl.col("completed"))
        .group_by("participant_id", maintain_order=True)
        .agg(pl.col("_completed_on").min())
    )
    first = first.filter(pl.Series(rng.random(first.height) < b.followed))
    n = first.height
    done = first["_completed_on"].to_numpy().astype("datetime64[D]")
    exit_day = rng.exponential(365.0 / max(b.hazard, 1e-9), n)
    exit_type = rng.choice(np.array(EXIT_TYPES), n, p=np.array(b.exits) / sum(b.exits))
    if b.shock is not None:
        shock_day = (day(b.shock[0]) - done).astype(float)
        hit = (rng.random(n) < b.shock[1]) & (shock_day >= 0) & (shock_day < exit_day)
        exit_day = np.where(hit, shock_day, exit_day)
        exit_type = np.where(hit, "left_service", exit_type)
    h = np.array(HORIZONS)
    jitter = rng.integers(0, 21, (n, len(h)))
    check = done[:, None] + (h[None, :] + jitter).astype("timedelta64[D]")
    state = np.where(h[None, :] < exit_day[:, None], "serving_same_unit", exit_type[:, None])
    state = np.where(rng.random((n, len(h))) < b.unknown, "unknown", state)
    keep = (check <= SNAP).ravel()
    return pl.DataFrame(
        {
            "participant_id": np.repeat(first["participant_id"].to_numpy(), len(h))[keep],
            "check_date": dates(check.ravel()[keep]),
            "status": state.ravel()[keep],
        }
    )


def equipment_frames(spec: ProgramSpec) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Transfers and their end-use checks (checks dated after the snapshot are not yet done)."""
    eq, chk = [], []
    for k, t in enumerate(spec.transfers, start=1):
        tid = f"{spec.program_id}-T{k:03d}"
        delivered = t.delivered if t.delivered and t.delivered <= SNAPSHOT else None
        eq.append((tid, t.unit_id, t.category, t.lethal, t.quantity, delivered, t.value))
        for days, finding, missing_share in t.checks:
            when = delivered + dt.timedelta(days=days) if delivered else None
            if when is None or when > SNAPSHOT:
                continue
            missing = 0 if finding == "not_accessible" else round(t.quantity * missing_share)
            verified = 0 if finding == "not_accessible" else t.quantity - missing
            chk.append(
                (f"{spec.program_id}-C{len(chk) + 1:03d}", tid, when, verified, missing, finding)
            )
    equipment = pl.DataFrame(
        eq,
        schema=[
            "transfer_id",
            "unit_id",
            "category",
            "lethal",
            "quantity",
            "delivered_date",
            "value",
        ],
        orient="row",
    ).with_columns(program_id=pl.lit(spec.program_id))
    checks = pl.DataFrame(
        chk,
        schema=[
            "check_id",
            "transfer_id",
            "check_date",
            "quantity_verified",
            "quantity_missing",
            "finding",
        ],
        orient="row",
    )
    return equipment, checks


def small_frames(spec: ProgramSpec) -> dict[str, pl.DataFrame]:
    """Incidents, dialogue meetings and reported indicator values, straight from the spec."""
    pid = spec.program_id
    incidents = pl.DataFrame(
        [
            (f"{pid}-I{k:03d}", i.unit_id, i.date, i.kind, i.credibility, i.remediation, i.source)
            for k, i in enumerate(spec.incidents, start=1)
            if i.date <= SNAPSHOT
        ],
        schema=["incident_id", "unit_id", "date", "kind", "credibility", "remediation", "source"],
        orient="row",
    )
    dialogues = pl.DataFrame(
        [
            (
                f"{pid}-M{k:03d}",
                pid,
                m.date,
                m.level,
                m.format,
                m.total,
                m.women,
                m.youth,
                m.civil_society,
            )
            for k, m in enumerate(sorted(spec.meetings, key=lambda m: m.date), start=1)
            if m.date <= SNAPSHOT
        ],
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
        orient="row",
    )
    observations = pl.DataFrame(
        [
            (
                pid,
                o.indicator_id,
                o.start,
                o.end,
                o.baseline,
                o.target,
                o.actual,
                o.dimension,
                o.dimension_value,
                # Every seeded reported indicator counts up (more trained, more meetings):
                # declared on the row, as IATI's `ascending` does, never inferred.
                True,
            )
            for o in spec.observations
        ],
        schema=[
            "program_id",
            "indicator_id",
            "period_start",
            "period_end",
            "baseline",
            "target",
            "actual",
            "dimension",
            "dimension_value",
            "ascending",
        ],
        orient="row",
    )
    return {"incidents": incidents, "dialogues": dialogues, "indicator_observations": observations}


def build_program(spec: ProgramSpec, rng: np.random.Generator) -> dict[str, pl.DataFrame]:
    """Every table's rows for one program (events and context come from elsewhere)."""
    activities = activities_frame(spec, rng)
    participants = participants_frame(spec, activities, rng)
    followups = followups_frame(spec, participants, rng)
    equipment, checks = equipment_frames(spec)
    return {
        "programs": program_row(spec, activities),
        "activities": activities,
        "units": units_frame(spec),
        "participants": participants.drop("_completed_on"),
        "followups": followups,
        "equipment": equipment,
        "end_use_checks": checks,
        **small_frames(spec),
    }
