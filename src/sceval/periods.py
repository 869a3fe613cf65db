"""Reporting periods: which windows a run computes its on-the-fly indicators over.

A run definition (`pipelines/*.yml`) names them under `periods:` — `cumulative` (program
start to the as-of date, the default), `quarter`, `year`, `month`, or named custom periods
(`{name: FY2026, start: 2025-10-01, end: 2026-09-30}`), alone or as a list. `sceval run
--period 2026Q2` (or `2026`, `2026-05`, or a custom period's name) computes one period.

A calendar series runs from the first period that holds a program's start (of the programs
in scope; or `periods_from: DATE` if later) to the period that holds the as-of date; a period still running at the as-of date
is computed up to it (its label stays the calendar one).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from sceval.errors import ProjectError, UsageError

CUMULATIVE = "cumulative"
CALENDAR = ("quarter", "year", "month")
LABEL_HELP = "a year (2026), a quarter (2026Q2), a month (2026-05) or a custom period's name"


@dataclass(frozen=True)
class Period:
    """One reporting period: its label and calendar bounds (inclusive)."""

    label: str
    start: dt.date
    end: dt.date


def _month_end(year: int, month: int) -> dt.date:
    nxt = dt.date(year + month // 12, month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def quarter(year: int, q: int) -> Period:
    """Calendar quarter q (1..4) of a year, labelled `2026Q2`."""
    first = 3 * (q - 1) + 1
    return Period(f"{year}Q{q}", dt.date(year, first, 1), _month_end(year, first + 2))


def month(year: int, m: int) -> Period:
    """Calendar month, labelled `2026-05`."""
    return Period(f"{year}-{m:02d}", dt.date(year, m, 1), _month_end(year, m))


def year(y: int) -> Period:
    """Calendar year, labelled `2026`."""
    return Period(str(y), dt.date(y, 1, 1), dt.date(y, 12, 31))


def parse_label(text: str, custom: dict[str, Period] | None = None) -> Period:
    """`2026Q2`, `2026`, `2026-05` or a custom period's name, as a Period (UsageError if not)."""
    s = str(text).strip()
    if custom and s in custom:
        return custom[s]
    if m := re.fullmatch(r"(\d{4})[Qq]([1-4])", s):
        return quarter(int(m[1]), int(m[2]))
    if m := re.fullmatch(r"(\d{4})-(\d{2})", s):
        if 1 <= int(m[2]) <= 12:
            return month(int(m[1]), int(m[2]))
    if re.fullmatch(r"\d{4}", s):
        return year(int(s))
    raise UsageError(f"--period {text!r}: expected {LABEL_HELP}")


def containing(kind: str, day: dt.date) -> Period:
    """The calendar period of a kind that holds a day."""
    if kind == "quarter":
        return quarter(day.year, (day.month - 1) // 3 + 1)
    if kind == "month":
        return month(day.year, day.month)
    return year(day.year)


def series(kind: str, first: dt.date, last: dt.date) -> list[Period]:
    """Every calendar period of a kind from the one holding `first` to the one holding `last`."""
    out: list[Period] = []
    p = containing(kind, first)
    while p.start <= last:
        out.append(p)
        p = containing(kind, p.end + dt.timedelta(days=1))
    return out


def _custom(item: dict, where: str) -> Period:
    try:
        name = str(item["name"])
        start = dt.date.fromisoformat(str(item["start"]))
        end = dt.date.fromisoformat(str(item["end"]))
    except (KeyError, ValueError, TypeError):
        raise ProjectError(
            f"{where}: a custom period needs name, start and end (ISO dates), got {item!r}"
        ) from None
    if end < start:
        raise ProjectError(f"{where}: period {name!r} ends ({end}) before it starts ({start})")
    if name == CUMULATIVE or name in CALENDAR:
        raise ProjectError(f"{where}: {name!r} is reserved; give the custom period another name")
    return Period(name, start, end)


@dataclass(frozen=True)
class PeriodSpec:
    """What a run definition asks for: cumulative or not, calendar kinds, custom periods."""

    cumulative: bool
    kinds: tuple[str, ...]
    custom: tuple[Period, ...]
    # A calendar series starts at the period holding this date (or the first program start,
    # whichever is later): `periods_from` in the run definition.
    since: dt.date | None = None
    # Disaggregations per period of a series (`period_disaggregations: true`); else totals.
    disaggregate: bool = False

    @property
    def labels(self) -> list[str]:
        """How `runs.periods` records the choice (`cumulative`, `quarter`, custom names)."""
        return [CUMULATIVE] * self.cumulative + list(self.kinds) + [p.label for p in self.custom]

    def named(self) -> dict[str, Period]:
        return {p.label: p for p in self.custom}

    def resolve(self, first: dt.date | None, as_of: dt.date) -> list[Period]:
        """The non-cumulative periods to compute: calendar series to as-of, then custom ones."""
        out: list[Period] = []
        if self.since is not None:
            first = self.since if first is None else max(first, self.since)
        if first is not None and first <= as_of:
            for kind in self.kinds:
                out += series(kind, first, as_of)
        out += [p for p in self.custom if p.start <= as_of]
        return out


def parse_spec(
    raw: Any, where: str = "pipeline periods", since: Any = None, disaggregate: Any = False
) -> PeriodSpec:
    """A pipeline's `periods:` value (a word, a custom period, or a list of them), its
    `periods_from` date and `period_disaggregations` flag."""
    if not isinstance(disaggregate, bool):
        raise ProjectError(f"{where}: period_disaggregations must be true or false")
    start = None
    if since is not None:
        try:
            start = dt.date.fromisoformat(str(since))
        except ValueError:
            raise ProjectError(f"{where}: periods_from {since!r} is not a date") from None
    if raw is None:
        return PeriodSpec(True, (), (), start, disaggregate)
    items = raw if isinstance(raw, list) else [raw]
    cumulative, kinds, custom = False, [], []
    for item in items:
        if item == CUMULATIVE:
            cumulative = True
        elif item in CALENDAR:
            if item not in kinds:
                kinds.append(item)
        elif isinstance(item, dict):
            custom.append(_custom(item, where))
        else:
            raise ProjectError(
                f"{where}: {item!r} is not cumulative, quarter, year, month or a custom period "
                "({name, start, end})"
            )
    if not items:
        cumulative = True
    names = [p.label for p in custom]
    if len(set(names)) != len(names):
        raise ProjectError(f"{where}: custom period names must be unique, got {names}")
    return PeriodSpec(cumulative, tuple(kinds), tuple(custom), start, disaggregate)
