"""What the seed programs share: date helpers and the yearly observations of an indicator."""

from __future__ import annotations

import datetime as dt

from sceval.seed.spec import (
    Observation,
)

D = dt.date


def every(start: dt.date, n: int, step_days: int) -> list[dt.date]:
    return [start + dt.timedelta(days=round(i * step_days)) for i in range(n)]


def quarters(first: dt.date, count: int) -> list[tuple[dt.date, dt.date]]:
    """`count` calendar quarters from the one starting on `first`: (start, end) pairs."""
    out = []
    y, m = first.year, first.month
    for _ in range(count):
        ny, nm = (y + 1, 1) if m == 10 else (y, m + 3)
        out.append((D(y, m, 1), D(ny, nm, 1) - dt.timedelta(days=1)))
        y, m = ny, nm
    return out


def yearly_observations(
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
