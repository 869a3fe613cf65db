"""Run definitions (`pipelines/*.yml`): what a run computes — which indicators, partnership
models, do-no-harm checks, reports and reporting periods, at which as-of date.

Low in the stack on purpose: the steps (`sceval.indicators`, `sceval.dnh`, `sceval.reports`)
receive a `Pipeline` and its selections as parameters; `sceval.pipeline` above them runs it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sceval.errors import ProjectError, UsageError
from sceval.periods import PeriodSpec, parse_spec
from sceval.project import Project, read_yaml

SEVERITIES = ("critical", "high", "medium", "low")


@dataclass(frozen=True)
class Pipeline:
    """A run definition: which indicators, models, checks and reports a run computes."""

    name: str
    as_of: str
    indicators: list[str] | str
    partnership_models: list[str] | str
    dnh_checks: list[str] | str
    reports: list[str] | str
    raw: dict[str, Any]
    periods: PeriodSpec = PeriodSpec(True, (), ())

    def resolve_as_of(self, as_of: dt.date | None) -> dt.date:
        if as_of is not None:
            return as_of
        if self.as_of in (None, "", "today"):
            return dt.date.today()
        try:
            return dt.date.fromisoformat(str(self.as_of))
        except ValueError:
            raise ProjectError(
                f"pipeline {self.name}: as_of {self.as_of!r} is neither 'today' nor a date"
            ) from None


def load_pipeline(project: Project, name: str | None = None) -> Pipeline:
    """The named run definition (default: the project's `default_pipeline`)."""
    name = name or project.settings.get("default_pipeline", "default")
    path = project.path("pipelines", f"{name}.yml")
    if not path.is_file():
        available = sorted(p.stem for p in project.path("pipelines").glob("*.yml"))
        raise UsageError(f"unknown pipeline {name!r}; available: {', '.join(available) or 'none'}")
    data = read_yaml(path) or {}
    if not isinstance(data, dict):
        raise ProjectError(f"{path}: a run definition is a mapping (name, indicators, ...)")
    if str(data.get("name", name)) != name:
        # `--pipeline NAME` and `default_pipeline` find a run definition by its file name.
        raise ProjectError(f"{path}: name {data['name']!r} must match the file name {name!r}")
    return Pipeline(
        name=str(data.get("name", name)),
        as_of=str(data.get("as_of", "today")),
        indicators=data.get("indicators", "all"),
        partnership_models=data.get("partnership_models", "all"),
        dnh_checks=data.get("dnh_checks", "all"),
        reports=data.get("reports", "all"),
        raw=data,
        periods=parse_spec(
            data.get("periods"),
            f"{path.name}: periods",
            data.get("periods_from"),
            data.get("period_disaggregations", False),
        ),
    )


def selected(choice: list[str] | str, available: list[str]) -> list[str]:
    """Ids a pipeline selects: `all`, or a list checked against what exists."""
    if choice == "all" or choice is None:
        return list(available)
    unknown = [c for c in choice if c not in available]
    if unknown:
        raise ProjectError(f"pipeline names unknown id(s): {', '.join(unknown)}")
    return list(choice)
