"""Do-no-harm check definitions: the reviewed files in `indicators/checks/*.yml`.

A check file says what is checked and why (title, rationale, sources), which tables it needs,
its thresholds and its severity; the computation lives in `sceval.dnh.checks.<logic>`, where
`logic` defaults to the check's id (two files may share one logic with different thresholds).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sceval.errors import ProjectError
from sceval.project import Project, read_yaml

SEVERITIES = ("critical", "high", "medium", "low")
SEVERITY_RANK = {s: i for i, s in enumerate(SEVERITIES)}  # 0 is the most severe
STATUSES = ("flag", "insufficient_data", "pass")
# How a share measured with an interval is judged: `point` passes when the share is within
# the threshold; `interval` passes only when the whole 95% interval is (see findings.verdicts).
STATUS_RULES = ("point", "interval")
REQUIRED = ("id", "title", "severity", "rationale", "sources", "data")
# Thresholds that list codes of an input column: a mistyped code would match no row and the
# check would pass by silence, so each must be one of the column's declared values.
CODED_THRESHOLDS = {
    "gross_kinds": ("incidents", "kind"),
    "kinds": ("incidents", "kind"),
    "credibility": ("incidents", "credibility"),
    "commands": ("units", "command"),
    "protest_types": ("events", "event_type"),
    "critical_categories": ("equipment", "category"),
}


@dataclass(frozen=True)
class CheckSpec:
    """One do-no-harm check as reviewed: identity, rationale, data used, thresholds, severity."""

    id: str
    title: str
    severity: str
    rationale: str
    sources: tuple[str, ...]
    data: tuple[str, ...]
    logic: str
    applies_to: str
    thresholds: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None
    status_rule: str = "point"

    def threshold(self, name: str, default: Any = None) -> Any:
        """A threshold from the file, or the documented default."""
        return self.thresholds.get(name, default)

    def implementation(self) -> Callable:
        """The function computing this check (`sceval.dnh.checks.<logic>.<logic>`)."""
        try:
            module = importlib.import_module(f"sceval.dnh.checks.{self.logic}")
            return getattr(module, self.logic)
        except (ImportError, AttributeError):
            raise ProjectError(
                f"{self.path}: check {self.id!r} names logic {self.logic!r}, which sceval does not implement"
            ) from None


def parse_check(path: Path, project: Project) -> CheckSpec:
    """A check from its YAML file, with the file and field named on any mistake."""
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise ProjectError(f"{path}: a do-no-harm check file must be a mapping")
    missing = [k for k in REQUIRED if not data.get(k)]
    if missing:
        raise ProjectError(f"{path}: missing field(s) {', '.join(missing)}")
    if str(data["id"]) != path.stem:
        # Pipelines, waivers and findings name a check by id; the file must carry the same.
        raise ProjectError(f"{path}: check id {data['id']!r} must match the file name")
    severity = str(data["severity"])
    if severity not in SEVERITIES:
        raise ProjectError(
            f"{path}: severity {severity!r}; expected one of {', '.join(SEVERITIES)}"
        )
    tables = tuple(str(t) for t in data["data"])
    unknown = [t for t in tables if t not in project.contracts]
    if unknown:
        raise ProjectError(f"{path}: data names unknown table(s) {', '.join(unknown)}")
    thresholds = data.get("thresholds") or {}
    if not isinstance(thresholds, dict):
        raise ProjectError(f"{path}: thresholds must be a mapping of name: value")
    status_rule = str(data.get("status_rule") or "point")
    if status_rule not in STATUS_RULES:
        raise ProjectError(
            f"{path}: status_rule {status_rule!r}; expected one of {', '.join(STATUS_RULES)}"
        )
    sources = data["sources"]
    for i, src in enumerate(sources if isinstance(sources, list) else [sources]):
        if not isinstance(src, str):
            # `- Borsari (Iraq: ...)` is a mapping in YAML, and would print as one.
            raise ProjectError(
                f"{path}: sources[{i}] is not text; quote it (a ': ' inside makes YAML read a "
                "mapping)"
            )
    spec = CheckSpec(
        id=str(data["id"]),
        title=str(data["title"]),
        severity=severity,
        rationale=" ".join(str(data["rationale"]).split()),
        sources=tuple(str(s) for s in (sources if isinstance(sources, list) else [sources])),
        data=tables,
        logic=str(data.get("logic") or data["id"]),
        applies_to=str(data.get("applies_to") or "programs"),
        thresholds=dict(thresholds),
        path=path,
        status_rule=status_rule,
    )
    for key, (table, column) in CODED_THRESHOLDS.items():
        given = spec.thresholds.get(key)
        allowed = (
            project.contracts[table].column(column).values if table in project.contracts else None
        )
        if given is None or not allowed:
            continue
        for value in given if isinstance(given, list) else [given]:
            if str(value) not in allowed:
                raise ProjectError(
                    f"{path}: thresholds.{key}: value {value!r} is not an allowed value of "
                    f"{table}.{column} (allowed: {', '.join(allowed)})"
                )
    for key in ("severity_escalated",):
        value = spec.thresholds.get(key)
        if value is not None and value not in SEVERITIES:
            raise ProjectError(
                f"{path}: thresholds.{key} {value!r}; expected one of {', '.join(SEVERITIES)}"
            )
    spec.implementation()
    return spec


def load_checks(project: Project) -> dict[str, CheckSpec]:
    """Every check of the project by id, in file-name order."""
    out: dict[str, CheckSpec] = {}
    for path in sorted(project.path("indicators", "checks").glob("*.yml")):
        if path.stem == "waivers":
            continue  # a single waiver file kept beside the checks (see sceval.dnh.waivers)
        spec = parse_check(path, project)
        if spec.id in out:
            raise ProjectError(
                f"{path}: check id {spec.id!r} is already used by {out[spec.id].path}"
            )
        out[spec.id] = spec
    return out


def reference_markdown(project: Project) -> str:
    """Per check, the exact test it applies (its rationale, thresholds) and the texts it cites.

    docs/do-no-harm.md carries this text between `<!-- checks:begin -->` and
    `<!-- checks:end -->`; a test keeps the two identical, so the page never drifts from
    the reviewed check files.
    """
    out = []
    for spec in load_checks(project).values():
        thresholds = ", ".join(f"`{k}`: {v}" for k, v in spec.thresholds.items()) or "none"
        out += [
            f"### `{spec.id}` ({spec.severity})",
            "",
            f"{spec.title}. Applies to {spec.applies_to}.",
            "",
            f"**Test.** {spec.rationale}",
            "",
            f"**Thresholds.** {thresholds}.",
            "",
            *(
                [
                    "**Status rule.** `interval`: a pass needs the share's whole 95% Wilson "
                    "interval within the threshold; a share within it whose interval reaches "
                    "above is inconclusive (insufficient data, counted by the gate like a flag); "
                    "a share above the threshold is a flag at any sample size.",
                    "",
                ]
                if spec.status_rule == "interval"
                else []
            ),
            "**Cites.**",
            "",
            *(f"- {src}" for src in spec.sources),
            "",
        ]
    return "\n".join(out)
