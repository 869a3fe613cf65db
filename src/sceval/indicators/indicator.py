"""One indicator's reference sheet as the engine holds it (`indicators/<id>.yml`, parsed and
checked by `catalogue`). A leaf module: the engine's compute modules name it without
importing the catalogue, which imports them to register their functions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Indicator:
    """One indicator's reference sheet and how to compute it."""

    id: str
    path: Path
    raw: dict[str, Any]
    kind: str
    direction: str
    unit: str
    min_n: int
    baseline: float | None
    target: float | None
    green: float
    amber: float
    relative_to: str | None
    target_pro_rata: bool
    project_trend: bool
    counts_persons: bool
    disaggregations: tuple[str, ...]
    function: str | None = None
    status_rule: str = "point"
    tolerance: float = 0.0
    params: dict[str, Any] = field(default_factory=dict)
    simple: dict[str, Any] | None = None
    period_measure: str = "stock"
    # Flow of an engine function: the date column of each source table that places a row in
    # a period ({participants: activity_actual_end}); a simple indicator uses its `date`.
    period_dates: dict[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return str(self.raw["name"])

    @property
    def source_table(self) -> str | None:
        return self.simple["source"] if self.simple else None
