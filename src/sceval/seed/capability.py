"""Capability and sustainment rows of a program: unit assessments and equipment status reports.

A program's units are assessed on four capability areas at start (the baseline) and then
yearly, following the program's capability profile: a path of mean levels over the years
after the start, and how units were employed and performed. Transfers get status reports at
6, 12, 24 and 36 months after delivery, with the profile's serviceable and missing shares.
Profiles are written from the papers (GMF 2017 on Iraq and Libya); programs without a
profile (dialogue and education programs) get no rows. Each program draws from its own
random stream (seeded by its id), so adding these tables leaves every other table unchanged.
"""

from __future__ import annotations

import datetime as dt
import zlib
from dataclasses import dataclass

import numpy as np
import polars as pl

from sceval.seed.spec import SNAPSHOT, ProgramSpec

AREAS = ("command_control", "operations", "logistics", "maintenance")
STATUS_MONTHS = (6, 12, 24, 36)


@dataclass(frozen=True)
class Profile:
    """How a program's units and equipment fare: levels by year after start, and sustainment."""

    # (years after the program's start, mean level on the 0-5 scale); straight lines between.
    path: tuple[tuple[float, float], ...]
    # Years after start from which units are employed in operations, and their performance.
    employed_from: float
    performance: tuple[tuple[float, str], ...]
    # Shares of items serviceable and missing at 12 and 36 months after delivery.
    serviceable_12m: float
    serviceable_36m: float
    missing_36m: float
    partner_funded: float
    # Assessments stop here (a coup, a withdrawal): years after start, None = to the snapshot.
    last_year: float | None = None
    assessor: str = "program assessment team (synthetic)"


PROFILES: dict[str, Profile] = {
    # NTM-I: forces built up to "capable" by 2011, then the 2014 collapse at Mosul.
    "SYN-IRQ-NTMI": Profile(
        path=((0, 1.5), (3.5, 3.8), (6.0, 3.0), (6.5, 1.0), (9.0, 1.8)),
        employed_from=1.0,
        performance=(
            (0, "partly_effective"),
            (3.0, "effective"),
            (6.3, "collapsed"),
            (7.0, "ineffective"),
        ),
        serviceable_12m=0.85,
        serviceable_36m=0.6,
        missing_36m=0.1,
        partner_funded=0.5,
        last_year=10.0,
    ),
    # Libya GPF: outputs delivered, absorption failed, units disbanded or captured in 2014.
    "SYN-LBY-GPF": Profile(
        path=((0, 1.0), (1.0, 1.8), (1.5, 0.8), (3.0, 0.5)),
        employed_from=1.0,
        performance=((0, "ineffective"), (1.2, "collapsed")),
        serviceable_12m=0.45,
        serviceable_36m=0.15,
        missing_36m=0.45,
        partner_funded=0.0,
        last_year=4.0,
    ),
    # Tunisia: steady, co-designed build-up; the partner maintains what it receives.
    "SYN-TUN-DCB": Profile(
        path=((0, 2.0), (4.0, 3.8), (9.0, 4.5)),
        employed_from=1.0,
        performance=((0, "effective"),),
        serviceable_12m=0.95,
        serviceable_36m=0.9,
        missing_36m=0.0,
        partner_funded=1.0,
    ),
    # Sahel: capability grows slowly; equipment wears out; assessments stop at the 2023 coup.
    "SYN-SAHEL-TE": Profile(
        path=((0, 1.5), (4.0, 2.8), (7.0, 3.2)),
        employed_from=0.5,
        performance=((0, "partly_effective"),),
        serviceable_12m=0.75,
        serviceable_36m=0.5,
        missing_36m=0.08,
        partner_funded=0.3,
        last_year=7.5,
    ),
}
GENERIC = Profile(
    path=((0, 1.5), (3.0, 3.0), (8.0, 3.5)),
    employed_from=1.0,
    performance=((0, "partly_effective"), (2.0, "effective")),
    serviceable_12m=0.85,
    serviceable_36m=0.7,
    missing_36m=0.03,
    partner_funded=0.5,
)


def profile_of(spec: ProgramSpec) -> Profile | None:
    """The program's capability profile (generic programs share one; dialogues have none)."""
    if spec.program_id in PROFILES:
        return PROFILES[spec.program_id]
    return GENERIC if spec.program_id.startswith("SYN-G") else None


def _years(a: dt.date, b: dt.date) -> float:
    return (b - a).days / 365.25


def _level_at(profile: Profile, years: float) -> float:
    xs = [p[0] for p in profile.path]
    ys = [p[1] for p in profile.path]
    return float(np.interp(years, xs, ys))


def _performance_at(profile: Profile, years: float) -> str:
    found = profile.performance[0][1]
    for start, perf in profile.performance:
        if years >= start:
            found = perf
    return found


def unit_assessments_frame(
    spec: ProgramSpec, unit_ids: list[str], rng: np.random.Generator
) -> pl.DataFrame:
    """Baseline (a month before start) and yearly assessments of each supported unit."""
    profile = profile_of(spec)
    rows = []
    if profile is not None:
        first = spec.start - dt.timedelta(days=30)
        stop = SNAPSHOT
        if profile.last_year is not None:
            stop = min(stop, spec.start + dt.timedelta(days=round(profile.last_year * 365.25)))
        dates = []
        d = first
        while d <= stop:
            dates.append(d)
            d = dt.date(d.year + 1, d.month, min(d.day, 28))
        for unit in sorted(unit_ids):
            for when in dates:
                years = max(_years(spec.start, when), 0.0)
                employed = years >= profile.employed_from
                for area in AREAS:
                    level = int(
                        np.clip(round(_level_at(profile, years) + rng.normal(0, 0.6)), 0, 5)
                    )
                    rows.append(
                        (
                            unit,
                            when,
                            area,
                            level,
                            profile.assessor,
                            "annual assessment (synthetic)",
                            employed,
                            _performance_at(profile, years) if employed else None,
                        )
                    )
    return pl.DataFrame(
        rows,
        schema={
            "unit_id": pl.String,
            "assessed_on": pl.Date,
            "capability_area": pl.String,
            "level": pl.Int64,
            "assessor": pl.String,
            "source": pl.String,
            "employed_in_operations": pl.Boolean,
            "performance": pl.String,
        },
        orient="row",
    )


def equipment_status_frame(
    spec: ProgramSpec, equipment: pl.DataFrame, rng: np.random.Generator
) -> pl.DataFrame:
    """Status reports of each delivered transfer at 6, 12, 24 and 36 months."""
    profile = profile_of(spec)
    rows = []
    if profile is not None and equipment.height:
        for transfer_id, quantity, delivered in equipment.select(
            "transfer_id", "quantity", "delivered_date"
        ).iter_rows():
            if delivered is None:
                continue
            funded = bool(rng.random() < profile.partner_funded)
            for months in STATUS_MONTHS:
                when = delivered + dt.timedelta(days=round(months * 30.44))
                if when > SNAPSHOT:
                    break
                # Straight line from all serviceable at delivery through the 12 and 36-month shares.
                if months <= 12:
                    good = 1 - (1 - profile.serviceable_12m) * months / 12
                else:
                    good = (
                        profile.serviceable_12m
                        + (profile.serviceable_36m - profile.serviceable_12m) * (months - 12) / 24
                    )
                lost = profile.missing_36m * min(months, 36) / 36
                good = float(np.clip(good + rng.normal(0, 0.03), 0.0, 1.0 - lost))
                serviceable = int(quantity * good)
                missing = int(quantity * lost)
                unserviceable = max(quantity - serviceable - missing, 0)
                rows.append((transfer_id, when, serviceable, unserviceable, missing, funded))
    return pl.DataFrame(
        rows,
        schema={
            "transfer_id": pl.String,
            "status_date": pl.Date,
            "serviceable": pl.Int64,
            "unserviceable": pl.Int64,
            "missing": pl.Int64,
            "partner_funded_maintenance": pl.Boolean,
        },
        orient="row",
    )


def capability_frames(
    spec: ProgramSpec, frames: dict[str, pl.DataFrame]
) -> dict[str, pl.DataFrame]:
    """The program's `unit_assessments` and `equipment_status`, from its own random stream."""
    rng = np.random.default_rng([zlib.crc32(spec.program_id.encode()), 17])
    supported: set[str] = set()
    for table in ("activities", "equipment"):
        df = frames.get(table)
        if df is not None and df.height and "unit_id" in df.columns:
            supported.update(u for u in df["unit_id"].to_list() if u is not None)
    equipment = frames.get("equipment", pl.DataFrame())
    return {
        "unit_assessments": unit_assessments_frame(spec, sorted(supported), rng),
        "equipment_status": equipment_status_frame(spec, equipment, rng),
    }
