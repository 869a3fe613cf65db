"""Declarative description of one synthetic program, from which its rows are generated.

The portfolio programs (portfolio.py) are written by hand from the papers; the generic programs
that larger scales add (generic.py) are drawn at random. Both go through `build_program`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

# The data describe the world as recorded on this date (the demo's as-of date): nothing
# happened after it, activities starting later are `planned`.
SNAPSHOT = dt.date(2026, 6, 30)

# Follow-up checks after completion, in days (~6, 12, 24 and 36 months).
HORIZONS = (182, 365, 730, 1095)
EXIT_TYPES = ("serving_other_unit", "left_service", "joined_non_state_group", "deceased")


@dataclass(frozen=True)
class Unit:
    """A partner unit and where it is based."""

    unit_id: str
    country: str
    name: str
    service: str
    admin1: str | None
    command: str = "state"
    affiliation: str | None = None
    vetting_status: str = "cleared"
    vetting_date: dt.date | None = None


@dataclass(frozen=True)
class Course:
    """An activity with participants (training, education or exercise)."""

    title: str
    start: dt.date
    days: int
    n: int
    ranks: dict[str, float]
    kind: str = "training"
    units: tuple[str, ...] = ()
    unit_weights: tuple[float, ...] | None = None
    unit_id: str | None = None  # the activity's own unit, when it trains one unit
    admin1: str | None = None
    female: float = 0.03
    ages: tuple[int, int] = (20, 45)
    cost: float = 250_000.0
    cancelled: bool = False
    completion: float | None = None  # overrides the program's completion rate
    # Persons already trained by the program who attend again (the same pseudonyms).
    repeat_ranks: tuple[str, ...] = ()
    # Only a head count is reported, no person-level rows.
    reported_only: bool = False


@dataclass(frozen=True)
class Activity:
    """An activity without participants (equipment, advisory, infrastructure, dialogue)."""

    kind: str
    title: str
    start: dt.date
    days: int
    cost: float
    unit_id: str | None = None
    admin1: str | None = None
    cancelled: bool = False


@dataclass(frozen=True)
class Behaviour:
    """How the program's trainees perform and what becomes of them."""

    completion: float = 0.9
    vetted: float = 1.0
    pre_mean: float = 50.0
    gain: float = 15.0
    scored: float = 0.9  # share of participants with pre and post scores
    posted: float = 0.9  # share of completers posted at all
    posted_days: tuple[int, int] = (3, 45)
    hazard: float = 0.1  # yearly rate of leaving the unit trained
    exits: tuple[float, float, float, float] = (0.5, 0.45, 0.0, 0.05)  # over EXIT_TYPES
    unknown: float = 0.03
    followed: float = 1.0  # share of completers in the tracer sample
    # A collapse on a date (the fall of Mosul, June 2014): that share of those still serving
    # leave service then.
    shock: tuple[dt.date, float] | None = None
    slip_days: tuple[int, int] = (0, 30)
    overrun: tuple[float, float] = (0.95, 1.1)
    co_designed: float = 0.5
    cost_share: tuple[float, float] = (0.0, 0.0)  # partner cost share at start and at end


@dataclass(frozen=True)
class Transfer:
    """An equipment transfer and its end-use checks (days after delivery, finding, missing share)."""

    category: str
    lethal: bool
    quantity: int
    delivered: dt.date | None
    value: float
    unit_id: str | None
    checks: tuple[tuple[int, str, float], ...] = ()


@dataclass(frozen=True)
class Incident:
    """A reported human-rights incident."""

    unit_id: str
    date: dt.date
    kind: str
    credibility: str
    remediation: str
    source: str | None = None


@dataclass(frozen=True)
class Meeting:
    """One dialogue meeting."""

    date: dt.date
    level: str
    format: str
    total: int
    women: int
    youth: int
    civil_society: bool


@dataclass(frozen=True)
class Observation:
    """A directly reported indicator value (IATI-like result period)."""

    indicator_id: str
    start: dt.date
    end: dt.date
    baseline: float | None
    target: float | None
    actual: float | None
    dimension: str | None = None
    dimension_value: str | None = None


@dataclass
class ProgramSpec:
    """Everything needed to generate one program's rows."""

    program_id: str
    name: str
    provider: str
    framework: str | None
    country: str
    region: str
    start: dt.date
    end: dt.date
    budget: float | None  # None: the activities' planned costs plus 3% contingency
    currency: str
    objective: str
    behaviour: Behaviour = field(default_factory=Behaviour)
    units: list[Unit] = field(default_factory=list)
    courses: list[Course] = field(default_factory=list)
    activities: list[Activity] = field(default_factory=list)
    transfers: list[Transfer] = field(default_factory=list)
    incidents: list[Incident] = field(default_factory=list)
    meetings: list[Meeting] = field(default_factory=list)
    observations: list[Observation] = field(default_factory=list)
