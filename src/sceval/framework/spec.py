"""What a results framework is: `frameworks/<id>.yml`, parsed and checked against the catalogue.

A framework gives a program (or a family of programs) a goal, SMART objectives (indicator,
baseline, target, target date), a results chain by level (input, activity, output, outcome,
impact) whose results are measured by catalogue indicators, and the assumptions and
disrupters at each link (RAND's "disrupters"; DoDI 5132.14's theory of change), each with
the series that monitors it and the value at which it counts as broken. How it is rolled up
lives in `rollup.py`.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sceval.errors import ProjectError
from sceval.indicators.catalogue import Problems, load_catalogue
from sceval.project import Project, read_yaml

LEVELS = ("input", "activity", "output", "outcome", "impact")
RULES = ("worst", "majority", "weighted")
TOP_KEYS = {
    "id",
    "program_id",
    "programs",
    "name",
    "goal",
    "rollup",
    "objectives",
    "results",
    "assumptions",
    "description",
}


@dataclass(frozen=True)
class Objective:
    """A SMART objective: an indicator to move from baseline to target by a date."""

    id: str
    text: str
    indicator: str
    baseline: float | None
    target: float
    target_date: dt.date


@dataclass(frozen=True)
class Result:
    """One box of the results chain: a result at a level, measured by indicators."""

    id: str
    level: str
    text: str
    indicators: tuple[str, ...]
    rule: str
    weights: dict[str, float] = field(default_factory=dict)
    leads_to: tuple[str, ...] = ()


@dataclass(frozen=True)
class Assumption:
    """An assumption or disrupter on a link, with the series that monitors it."""

    id: str
    text: str
    link: tuple[str, str]
    source: str  # "indicator" or "context"
    series: str
    below: float | None
    above: float | None


@dataclass(frozen=True)
class Framework:
    """A program's (or a program family's) results framework."""

    id: str
    path: Path
    programs: tuple[str, ...]  # program ids or glob patterns
    name: str
    goal: str
    rule: str
    objectives: tuple[Objective, ...]
    results: tuple[Result, ...]
    assumptions: tuple[Assumption, ...]

    def applies_to(self, program_id: str) -> bool:
        return any(fnmatch.fnmatchcase(program_id, p) for p in self.programs)

    def result(self, result_id: str) -> Result:
        return next(r for r in self.results if r.id == result_id)


def framework_files(project: Project) -> list[Path]:
    """The framework files: YAML files at the top level of `frameworks/`."""
    base = project.path("frameworks")
    return sorted([*base.glob("*.yml"), *base.glob("*.yaml")]) if base.is_dir() else []


def _number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _date(v: Any) -> dt.date | None:
    if isinstance(v, dt.date):
        return v
    try:
        return dt.date.fromisoformat(str(v))
    except ValueError:
        return None


class _Reader:
    """Reads one file, collecting one problem line per mistake (file, field, reason)."""

    def __init__(self, path: Path, catalogue: set[str], probs) -> None:
        self.path = path
        self.catalogue = catalogue
        self.probs = probs

    def bad(self, fld: str, reason: str) -> None:
        self.probs.add(self.path, fld, reason)

    def text(self, data: dict, key: str, where: str) -> str:
        v = data.get(key)
        if not isinstance(v, str) or not v.strip():
            self.bad(f"{where}{key}", "missing: a text is required")
            return ""
        return v.strip()

    def indicator(self, v: Any, where: str) -> bool:
        if not isinstance(v, str):
            self.bad(where, f"{v!r} must be an indicator id")
            return False
        if v not in self.catalogue:
            self.bad(where, f"unknown indicator {v!r} (not in indicators/)")
            return False
        return True

    def objectives(self, data: dict) -> list[Objective]:
        out = []
        for i, o in enumerate(data.get("objectives") or []):
            where = f"objectives[{i}]"
            if not isinstance(o, dict):
                self.bad(
                    where, "must be a mapping (id, text, indicator, baseline, target, target_date)"
                )
                continue
            oid = o.get("id", f"objective{i + 1}")
            ok = (
                self.indicator(o.get("indicator"), f"{where}.indicator")
                if "indicator" in o
                else False
            )
            if "indicator" not in o:
                self.bad(
                    f"{where}.indicator", "missing: a SMART objective is measured by an indicator"
                )
            if not _number(o.get("target")):
                self.bad(
                    f"{where}.target", "missing or not a number: a SMART objective has a target"
                )
                ok = False
            if o.get("baseline") is not None and not _number(o.get("baseline")):
                self.bad(f"{where}.baseline", f"{o.get('baseline')!r} must be a number")
                ok = False
            when = _date(o.get("target_date")) if o.get("target_date") is not None else None
            if o.get("target_date") is None:
                self.bad(f"{where}.target_date", "missing: a SMART objective has a target date")
                ok = False
            elif when is None:
                self.bad(f"{where}.target_date", f"{o.get('target_date')!r} is not an ISO date")
                ok = False
            if ok:
                out.append(
                    Objective(
                        id=str(oid),
                        text=str(o.get("text", "")).strip(),
                        indicator=o["indicator"],
                        baseline=o.get("baseline"),
                        target=float(o["target"]),
                        target_date=when,
                    )
                )
        return out

    def results(self, data: dict, default_rule: str) -> list[Result]:
        out: list[Result] = []
        raw = data.get("results") or []
        if not isinstance(raw, list) or not raw:
            self.bad("results", "missing: the results chain lists at least one result")
            return out
        for i, r in enumerate(raw):
            where = f"results[{i}]"
            if not isinstance(r, dict) or not isinstance(r.get("id"), str):
                self.bad(where, "must be a mapping with an id")
                continue
            where = f"results.{r['id']}"
            level = r.get("level")
            if level not in LEVELS:
                self.bad(f"{where}.level", f"{level!r}: expected one of {', '.join(LEVELS)}")
                continue
            inds = r.get("indicators") or []
            if not isinstance(inds, list) or not inds:
                self.bad(
                    f"{where}.indicators", "missing: a result is measured by at least one indicator"
                )
                continue
            if not all([self.indicator(x, f"{where}.indicators") for x in inds]):
                continue
            rule = r.get("rule", default_rule)
            if rule not in RULES:
                self.bad(f"{where}.rule", f"{rule!r}: expected one of {', '.join(RULES)}")
                continue
            weights = r.get("weights") or {}
            if not isinstance(weights, dict) or any(
                k not in inds or not _number(v) or v < 0 for k, v in weights.items()
            ):
                self.bad(f"{where}.weights", "must map the result's indicators to numbers >= 0")
                continue
            leads = r.get("leads_to") or []
            out.append(
                Result(
                    id=r["id"],
                    level=level,
                    text=str(r.get("text", "")).strip(),
                    indicators=tuple(inds),
                    rule=rule,
                    weights={k: float(v) for k, v in weights.items()},
                    leads_to=tuple(leads) if isinstance(leads, list) else (str(leads),),
                )
            )
        # Links are checked against every declared id, so that one bad result gives one line.
        declared = self.declared_results(data)
        valid = {r.id: r for r in out}
        for r in out:
            for target in r.leads_to:
                if target not in declared:
                    self.bad(f"results.{r.id}.leads_to", f"unknown result {target!r}")
                elif target in valid and LEVELS.index(r.level) >= LEVELS.index(valid[target].level):
                    self.bad(f"results.{r.id}.leads_to", f"{target!r} is not at a higher level")
        return out

    @staticmethod
    def declared_results(data: dict) -> set[str]:
        raw = data.get("results")
        items = raw if isinstance(raw, list) else []
        return {r["id"] for r in items if isinstance(r, dict) and isinstance(r.get("id"), str)}

    def assumptions(self, data: dict, results: list[Result]) -> list[Assumption]:
        out = []
        ids = self.declared_results(data)
        valid = {r.id for r in results}
        for i, a in enumerate(data.get("assumptions") or []):
            where = f"assumptions[{i}]"
            if not isinstance(a, dict) or not isinstance(a.get("id"), str):
                self.bad(where, "must be a mapping with an id")
                continue
            where = f"assumptions.{a['id']}"
            link = a.get("link")
            if not (isinstance(link, list) and len(link) == 2 and all(x in ids for x in link)):
                self.bad(
                    f"{where}.link",
                    f"{link!r}: expected [from_result, to_result] of this framework",
                )
                continue
            mon = a.get("monitor")
            if (
                not isinstance(mon, dict)
                or len(mon) != 1
                or next(iter(mon)) not in ("indicator", "context")
            ):
                self.bad(f"{where}.monitor", "expected {indicator: ID} or {context: SERIES}")
                continue
            source, series = next(iter(mon.items()))
            if source == "indicator" and not self.indicator(series, f"{where}.monitor.indicator"):
                continue
            if not all(x in valid for x in link):
                continue  # the result it names has its own mistake, reported above
            broken = a.get("broken_when")
            if (
                not isinstance(broken, dict)
                or not broken
                or set(broken) - {"below", "above"}
                or not all(_number(v) for v in broken.values())
            ):
                self.bad(f"{where}.broken_when", "expected {below: N} and/or {above: N}")
                continue
            out.append(
                Assumption(
                    id=a["id"],
                    text=str(a.get("text", "")).strip(),
                    link=(link[0], link[1]),
                    source=source,
                    series=str(series),
                    below=broken.get("below"),
                    above=broken.get("above"),
                )
            )
        return out


def parse_framework(path: Path, catalogue: set[str], probs) -> Framework | None:
    """One framework file, or None with its mistakes added to `probs`."""
    r = _Reader(path, catalogue, probs)
    data = read_yaml(path)
    if not isinstance(data, dict):
        r.bad("(file)", "must be a mapping (program_id, goal, objectives, results, assumptions)")
        return None
    for key in sorted(set(data) - TOP_KEYS):
        r.bad(key, "unknown field")
    if "programs" in data:
        fid = data.get("id")
        programs = data.get("programs")
        if fid != path.stem:
            r.bad("id", f"{fid!r} must equal the file name {path.stem!r}")
        if not isinstance(programs, list) or not programs:
            r.bad("programs", "must list program ids or patterns (SYN-G*)")
            programs = []
    else:
        fid = data.get("program_id")
        if fid != path.stem:
            r.bad("program_id", f"{fid!r} must equal the file name {path.stem!r}")
        programs = [fid]
    rule = data.get("rollup", "worst")
    if rule not in RULES:
        r.bad("rollup", f"{rule!r}: expected one of {', '.join(RULES)}")
        rule = "worst"
    before = len(probs.items)
    goal = r.text(data, "goal", "")
    objectives = r.objectives(data)
    results = r.results(data, rule)
    assumptions = r.assumptions(data, results)
    if len(probs.items) > before:
        return None
    return Framework(
        id=path.stem,
        path=path,
        programs=tuple(str(p) for p in programs),
        name=str(data.get("name", path.stem)),
        goal=goal,
        rule=rule,
        objectives=tuple(objectives),
        results=tuple(results),
        assumptions=tuple(assumptions),
    )


def load_frameworks(project: Project, catalogue: set[str] | None = None) -> list[Framework]:
    """Every framework of the project, checked; a mistake is a project error (exit 2)."""

    if catalogue is None:
        catalogue = set(load_catalogue(project))
    probs = Problems(project.root)
    out = []
    for path in framework_files(project):
        fw = parse_framework(path, catalogue, probs)
        if fw is not None:
            out.append(fw)
    if probs.items:
        n = len(probs.items)

        raise ProjectError(
            f"the results frameworks have {n} mistake{'s' if n > 1 else ''}:\n  "
            + "\n  ".join(probs.items)
        )
    return out


def framework_for(frameworks: list[Framework], program_id: str) -> Framework | None:
    """The program's own framework, else the first family framework that matches it."""
    own = [f for f in frameworks if program_id in f.programs]
    if own:
        return own[0]
    return next((f for f in frameworks if f.applies_to(program_id)), None)
