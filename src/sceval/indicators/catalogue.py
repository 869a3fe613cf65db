"""The indicator catalogue: one reviewed YAML reference sheet per indicator in `indicators/`.

Loading the catalogue is also its self-check: every file is read, every field checked, every
expression parsed and compiled against the contracts' columns on empty frames, before any
data is touched. Mistakes are collected and reported together, naming file, field and reason.
Per-program targets and thresholds live in `indicators/overrides/*.yml`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sceval import sqlguard
from sceval.disclosure import PERSON_TABLES
from sceval.errors import ProjectError

# The engine functions register themselves on import: a sheet's `python:<name>` is checked
# against that registry.
from sceval.indicators import capability, functions, literals, simple, sources  # noqa: F401
from sceval.indicators.indicator import Indicator
from sceval.project import Project, read_yaml

KINDS = ("on_the_fly", "ex_post")
DAC = ("relevance", "coherence", "effectiveness", "efficiency", "impact", "sustainability")
DIRECTIONS = ("higher", "lower")
AGGREGATES = ("count", "sum", "mean", "share", "ratio")
DIMENSIONS = ("sex", "age_band", "rank_group", "activity_kind", "country", "provider")
RELATIVE_TO = ("target", "target_to_date", "baseline")
REQUIRED = (
    "id",
    "name",
    "definition",
    "rationale",
    "source",
    "kind",
    "dac_criterion",
    "unit",
    "direction",
    "numerator",
    "denominator",
    "source_tables",
    "disaggregations",
    "min_n",
    "baseline",
    "target",
    "thresholds",
    "limitations",
    "compute",
)
OPTIONAL = (
    "target_pro_rata",
    "project_trend",
    "counts_persons",
    "params",
    "label",
    "notes",
    "status_rule",
    "period_measure",
    "period_dates",
)
# How a status is judged: the point value alone, or the 95% interval (see stats.status_expr).
STATUS_RULES = ("point", "interval")
# How an indicator is computed for a reporting period (see sceval/periods.py): a flow
# counts only rows dated in the period, a stock is the value at the period's end.
PERIOD_MEASURES = ("flow", "stock")
SIMPLE_KEYS = (
    "aggregate",
    "source",
    "filter",
    "date",
    "numerator",
    "denominator",
    "value",
    "distinct",
    "scale",
    "interval",
    "per",
)
# Engine-function params that list codes of an input column: a mistyped code matches no row.
PARAM_CODES = {"kinds": ("incidents", "kind"), "credibility": ("incidents", "credibility")}
OVERRIDE_KEYS = ("baseline", "target", "thresholds", "min_n", "target_pro_rata", "period_targets")


class Problems:
    """Mistakes found in the catalogue, each naming file, field and reason."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.items: list[str] = []

    def add(self, path: Path, fld: str, reason: str) -> None:
        try:
            shown = path.relative_to(self.root).as_posix()
        except ValueError:
            shown = str(path)
        self.items.append(f"{shown}: field {fld}: {reason}")

    def raise_if_any(self) -> None:
        if self.items:
            n = len(self.items)
            head = f"the indicator catalogue has {n} mistake{'s' if n > 1 else ''}"
            exc = ProjectError(head + ":\n  " + "\n  ".join(self.items))
            exc.problems = list(self.items)  # one line each, for `sceval catalogue --check`
            raise exc


def indicator_files(project: Project) -> list[Path]:
    """The catalogue files: YAML files at the top level of `indicators/`."""
    base = project.path("indicators")
    return sorted([*base.glob("*.yml"), *base.glob("*.yaml")]) if base.is_dir() else []


def _number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _parse_thresholds(raw: Any, direction: str, path: Path, probs: Problems):
    if not isinstance(raw, dict) or "green" not in raw or "amber" not in raw:
        probs.add(path, "thresholds", "needs `green` and `amber` cut-offs (numbers)")
        return None
    unknown = set(raw) - {"green", "amber", "red", "relative_to", "tolerance"}
    if unknown:
        probs.add(path, "thresholds", f"unknown key(s) {', '.join(sorted(unknown))}")
    g, a = raw.get("green"), raw.get("amber")
    if not (_number(g) and _number(a)):
        probs.add(path, "thresholds", f"green ({g!r}) and amber ({a!r}) must be numbers")
        return None
    if direction == "higher" and g < a:
        probs.add(path, "thresholds", f"direction higher needs green >= amber (got {g} < {a})")
    if direction == "lower" and g > a:
        probs.add(path, "thresholds", f"direction lower needs green <= amber (got {g} > {a})")
    rel = raw.get("relative_to")
    if rel is not None and rel not in RELATIVE_TO:
        probs.add(path, "thresholds.relative_to", f"{rel!r} is not one of {', '.join(RELATIVE_TO)}")
    tol = raw.get("tolerance", 0)
    if not _number(tol) or tol < 0:
        probs.add(path, "thresholds.tolerance", f"{tol!r} must be a number >= 0")
        tol = 0
    return float(g), float(a), rel, float(tol)


def _parse_one(path: Path, data: Any, project: Project, probs: Problems) -> Indicator | None:
    if not isinstance(data, dict):
        probs.add(path, "(file)", "must be a mapping of reference-sheet fields")
        return None
    before = len(probs.items)
    for key in REQUIRED:
        if key not in data:
            probs.add(path, key, "missing (every reference sheet needs it; use null if unknown)")
    for key in sorted(set(data) - set(REQUIRED) - set(OPTIONAL)):
        probs.add(path, key, "unknown field (misspelt?)")
    if len(probs.items) > before:
        return None
    if not isinstance(data["id"], str) or not data["id"].replace("_", "").isalnum():
        probs.add(path, "id", f"{data['id']!r} must be letters, digits and underscores")
    for key, allowed in (("kind", KINDS), ("dac_criterion", DAC), ("direction", DIRECTIONS)):
        if data[key] not in allowed:
            probs.add(path, key, f"{data[key]!r} is not one of {', '.join(allowed)}")
    for key in ("baseline", "target"):
        if data[key] is not None and not _number(data[key]):
            probs.add(path, key, f"{data[key]!r} must be a number or null")
    if not isinstance(data["min_n"], int) or isinstance(data["min_n"], bool) or data["min_n"] < 1:
        probs.add(path, "min_n", f"{data['min_n']!r} must be a whole number >= 1")
    tables = data["source_tables"]
    if not isinstance(tables, list) or not tables:
        probs.add(path, "source_tables", "must be a non-empty list of input tables")
        tables = []
    for t in tables:
        if t not in project.contracts:
            probs.add(path, "source_tables", f"unknown table {t!r}")
    dims = data["disaggregations"] or []
    if not isinstance(dims, list):
        probs.add(path, "disaggregations", "must be a list (or empty)")
        dims = []
    for d in dims:
        if d not in DIMENSIONS:
            probs.add(path, "disaggregations", f"{d!r} is not one of {', '.join(DIMENSIONS)}")
    direction = data["direction"] if data["direction"] in DIRECTIONS else "higher"
    rule = data.get("status_rule", "point")
    if rule not in STATUS_RULES:
        probs.add(path, "status_rule", f"{rule!r} is not one of {', '.join(STATUS_RULES)}")
    th = _parse_thresholds(data["thresholds"], direction, path, probs)
    function, simple, params = _parse_compute(path, data, tables, project, probs)
    measure, period_dates = _parse_period(path, data, function, probs)
    if len(probs.items) > before or th is None:
        return None
    return Indicator(
        id=data["id"],
        path=path,
        raw=data,
        kind=data["kind"],
        direction=direction,
        unit=str(data["unit"]),
        min_n=int(data["min_n"]),
        baseline=data["baseline"],
        target=data["target"],
        green=th[0],
        amber=th[1],
        relative_to=th[2],
        tolerance=th[3],
        status_rule=rule,
        target_pro_rata=bool(data.get("target_pro_rata", False)),
        project_trend=bool(data.get("project_trend", data["kind"] == "on_the_fly")),
        # Person-level sources count persons unless the sheet says otherwise: small cells of
        # an indicator an evaluator adds are suppressed without them having to remember.
        counts_persons=bool(
            data.get("counts_persons", bool(simple) and simple.get("source") in PERSON_TABLES)
        ),
        disaggregations=tuple(dims),
        function=function,
        params=params,
        simple=simple,
        period_measure=measure,
        period_dates=period_dates,
    )


def _parse_period(path: Path, data: dict, function: str | None, probs: Problems):
    """`period_measure` (flow or stock, default stock) and a function's `period_dates`."""
    measure = data.get("period_measure", "stock")
    if measure not in PERIOD_MEASURES:
        probs.add(path, "period_measure", f"{measure!r} is not one of flow, stock")
    dates = data.get("period_dates") or {}
    if not isinstance(dates, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in dates.items()
    ):
        probs.add(path, "period_dates", "must map source tables to their date column")
        dates = {}
    if measure == "flow" and function is not None and not dates:
        probs.add(
            path,
            "period_dates",
            "a flow computed by a python function names the date column of each source "
            "table that places a row in a period",
        )
    return measure, dict(dates)


def _parse_compute(path: Path, data: dict, tables: list, project: Project, probs: Problems):
    # capability registers its functions in the same registry as functions.py.

    comp = data["compute"]
    params = data.get("params") or {}
    if not isinstance(params, dict):
        probs.add(path, "params", "must be a mapping")
        params = {}
    if isinstance(comp, dict) and set(comp) <= {"python", "function"} and len(comp) == 1:
        comp = f"python:{next(iter(comp.values()))}"  # {python: NAME} means python:NAME
    if isinstance(comp, str):
        if not comp.startswith("python:"):
            probs.add(path, "compute", f"{comp!r}: a string must be `python:<function>`")
            return None, None, params
        name = comp.split(":", 1)[1].strip()
        if name not in functions.REGISTRY:
            probs.add(
                path,
                "compute",
                f"no engine function {name!r}; available: {', '.join(sorted(functions.REGISTRY))}",
            )
            return None, None, params
        for key in sorted(set(params) - set(functions.PARAMS[name])):
            allowed = ", ".join(functions.PARAMS[name]) or "none"
            probs.add(
                path, f"params.{key}", f"python:{name} takes no such param (it takes: {allowed})"
            )
        for key, (table, column) in PARAM_CODES.items():
            allowed = project.contracts[table].column(column).values if key in params else None
            given = params.get(key)
            for value in (given if isinstance(given, list) else [given]) if allowed else []:
                if str(value) not in allowed:
                    probs.add(
                        path,
                        f"params.{key}",
                        f"value {value!r} is not an allowed value of {table}.{column} "
                        f"(allowed: {', '.join(allowed)})",
                    )
        bad = [d for d in data["disaggregations"] or [] if d not in functions.DIMS.get(name, ())]
        if bad:
            probs.add(
                path,
                "disaggregations",
                f"python:{name} cannot disaggregate by {', '.join(bad)} "
                f"(it supports: {', '.join(functions.DIMS.get(name, ())) or 'none'})",
            )
        return name, None, params
    if not isinstance(comp, dict):
        probs.add(
            path, "compute", "must be `python:<function>` or a mapping (aggregate, source, ...)"
        )
        return None, None, params
    for key in sorted(set(comp) - set(SIMPLE_KEYS)):
        probs.add(path, f"compute.{key}", "unknown key (misspelt?)")
    agg = comp.get("aggregate")
    if agg not in AGGREGATES:
        probs.add(path, "compute.aggregate", f"{agg!r} is not one of {', '.join(AGGREGATES)}")
        return None, None, params
    src = comp.get("source")
    if src not in project.contracts:
        probs.add(path, "compute.source", f"unknown table {src!r}")
        return None, None, params
    if tables and src not in tables:
        probs.add(path, "source_tables", f"must list the compute source {src!r}")
    needs = {"share": ("numerator",), "ratio": ("numerator", "denominator"), "mean": ("value",)}
    needs["sum"] = ("value",)
    for key in needs.get(agg, ()):
        if not comp.get(key):
            probs.add(path, f"compute.{key}", f"required for aggregate {agg}")
    if "scale" in comp and not _number(comp["scale"]):
        probs.add(path, "compute.scale", f"{comp['scale']!r} must be a number")
    if comp.get("interval") not in (None, "wilson", "none") or (
        comp.get("interval") == "wilson" and agg != "ratio"
    ):
        probs.add(path, "compute.interval", "only a ratio of counts takes `interval: wilson`")
    if "per" in comp and (agg != "mean" or not isinstance(comp["per"], str)):
        probs.add(path, "compute.per", "only a mean takes `per: <column>` (one unit per value)")
    return None, dict(comp), params


class _Shapes:
    """The contracts' empty frames and value sets, built once for all the indicators compiled
    (rebuilt per indicator they were about a sixth of the catalogue's load, which every command
    reading the catalogue pays)."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self.empty = sources.empty_tables(project)
        self._values: dict[str, dict[str, tuple[str, ...]]] = {}

    def value_sets(self, source: str) -> dict[str, tuple[str, ...]]:
        """The allowed values per column of a source (literals.value_sets), once per source."""
        if source not in self._values:
            self._values[source] = literals.value_sets(self.project, source)
        return self._values[source]


def _check_simple(ind: Indicator, shapes: _Shapes, probs: Problems) -> None:
    """Compile a simple indicator on empty frames typed from the contracts."""
    import polars as pl

    comp = ind.simple
    src = comp["source"]
    frames = shapes.empty
    try:
        lf = sources.enriched(frames, src, as_of=None)
    except sources.NoProgramLink as exc:
        probs.add(ind.path, "compute.source", str(exc))
        return
    schema = lf.collect_schema()
    date = comp.get("date", sources.DEFAULT_DATE.get(src))
    if date is not None and date not in schema:
        probs.add(ind.path, "compute.date", f"unknown column {date!r} in table {src}")
        return
    if comp.get("per") is not None and comp["per"] not in schema:
        probs.add(ind.path, "compute.per", f"unknown column {comp['per']!r} in table {src}")
    allowed = shapes.value_sets(src)
    for key in ("filter", "numerator", "denominator", "value"):
        text = comp.get(key)
        if text is None:
            continue
        # Parsed and allow-listed before Polars sees it: `pl.sql_expr` runs a subquery's
        # table function (read_csv of any file) while it parses.
        try:
            sqlguard.parse_expression(text, columns=schema.names(), field=f"compute.{key}")
        except sqlguard.RefusedSql as exc:
            probs.add(ind.path, f"compute.{key}", exc.reason)
            continue
        try:
            expr = pl.sql_expr(str(text))
        except Exception as exc:  # noqa: BLE001 - Polars' SQL parser raises several types
            probs.add(ind.path, f"compute.{key}", f"does not parse ({str(exc).splitlines()[0]})")
            continue
        try:
            for reason in literals.unknown_values(str(text), allowed):
                probs.add(ind.path, f"compute.{key}", reason)
        except literals.ExpressionError as exc:
            probs.add(ind.path, f"compute.{key}", f"cannot be checked by the SQL parser ({exc})")
        missing = [c for c in expr.meta.root_names() if c not in schema]
        if missing:
            probs.add(
                ind.path,
                f"compute.{key}",
                f"unknown column(s) {', '.join(missing)} in table {src} "
                f"(available: {', '.join(schema.names())})",
            )
    if comp.get("distinct") and comp["distinct"] not in schema:
        probs.add(ind.path, "compute.distinct", f"unknown column {comp['distinct']!r} in {src}")
    for d in ind.disaggregations:
        if d not in schema:
            probs.add(ind.path, "disaggregations", f"table {src} has no {d!r} dimension")
    if probs.items:
        return
    try:
        simple.aggregate_source(lf, [ind], as_of=None).collect()
    except Exception as exc:  # noqa: BLE001 - type errors surface only when Polars plans the query
        probs.add(ind.path, "compute", f"does not compile ({str(exc).splitlines()[0]})")


def _check_function(ind: Indicator, shapes: _Shapes, probs: Problems) -> None:
    """Run an engine function on empty tables: its params must at least make sense."""
    import datetime as dt

    frames = sources.Frames(shapes.empty, dt.date(2000, 1, 1))
    for table, col in ind.period_dates.items():
        try:
            names = frames[table].collect_schema().names()
        except (KeyError, sources.NoProgramLink):
            probs.add(ind.path, "period_dates", f"unknown source table {table!r}")
            continue
        if col not in names:
            probs.add(ind.path, "period_dates", f"table {table} has no column {col!r}")
    frames["params"] = {**ind.params, "_dims": ind.disaggregations}
    try:
        functions.call(ind.function, frames).collect()
    except Exception as exc:  # noqa: BLE001 - a bad param surfaces as any error type
        probs.add(
            ind.path,
            "params",
            f"python:{ind.function} fails with these params ({str(exc).splitlines()[0]})",
        )


_CACHE: dict[tuple, dict[str, Indicator]] = {}


def _fingerprint(project: Project) -> tuple:
    files = [*indicator_files(project), *override_files(project)]
    files += sorted(project.path("schemas").glob("*.yml"))
    return (str(project.root), *((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in files))


def load_catalogue(project: Project) -> dict[str, Indicator]:
    """Every indicator of the project, checked; ProjectError (exit 2) naming each mistake."""
    key = _fingerprint(project)
    if key not in _CACHE:
        _CACHE.clear()
        _CACHE[key] = _load_catalogue(project)
    return dict(_CACHE[key])


def _load_catalogue(project: Project) -> dict[str, Indicator]:
    probs = Problems(project.root)
    found: dict[str, Indicator] = {}
    seen: dict[str, Path] = {}
    files = indicator_files(project)
    if not files:
        raise ProjectError(f"{project.path('indicators')}: no indicator files (*.yml)")
    for path in files:
        try:
            data = read_yaml(path)
        except ProjectError as exc:
            probs.items.append(str(exc))
            continue
        ind = _parse_one(path, data, project, probs)
        ident = data.get("id") if isinstance(data, dict) else None
        if isinstance(ident, str):
            if ident in seen:
                probs.add(path, "id", f"duplicate id {ident!r} (also in {seen[ident].name})")
                continue
            seen[ident] = path
            if ident != path.stem:
                # `sceval catalogue ID`, overrides and pipelines name an indicator by id; a
                # file named otherwise is one nobody finds by looking at the folder.
                probs.add(path, "id", f"{ident!r} differs from the file name {path.stem!r}")
        if ind is not None:
            found[ind.id] = ind
    # Every indicator that parsed is compiled too, so one run reports every mistake.
    shapes = _Shapes(project)
    for ind in found.values():
        one = Problems(project.root)
        if ind.simple is not None:
            _check_simple(ind, shapes, one)
        else:
            _check_function(ind, shapes, one)
        probs.items.extend(one.items)
    probs.raise_if_any()
    load_overrides(project, found)
    return dict(sorted(found.items()))


def override_files(project: Project) -> list[Path]:
    base = project.path("indicators", "overrides")
    return sorted([*base.glob("*.yml"), *base.glob("*.yaml")]) if base.is_dir() else []


def load_overrides(
    project: Project, catalogue: dict[str, Indicator]
) -> dict[tuple[str, str], dict]:
    """Per-program settings: {(program_id, indicator_id): {target, baseline, thresholds, ...}}."""
    probs = Problems(project.root)
    out: dict[tuple[str, str], dict] = {}
    for path in override_files(project):
        data = read_yaml(path) or {}
        progs = data.get("programs") if isinstance(data, dict) else None
        declared = data.get("observed_directions") if isinstance(data, dict) else None
        if declared is not None:
            if not isinstance(declared, dict):
                probs.add(path, "observed_directions", "must map indicator ids to higher|lower")
            else:
                for ind_id, d in declared.items():
                    if d not in DIRECTIONS:
                        probs.add(
                            path, f"observed_directions.{ind_id}", f"{d!r} is not higher or lower"
                        )
            if progs is None:
                continue
        if not isinstance(progs, dict):
            probs.add(path, "programs", "must map program ids to {indicator_id: settings}")
            continue
        for prog, settings in progs.items():
            if not isinstance(settings, dict):
                probs.add(path, f"programs.{prog}", "must map indicator ids to settings")
                continue
            for ind_id, vals in settings.items():
                where = f"programs.{prog}.{ind_id}"
                if ind_id not in catalogue:
                    probs.add(path, where, f"unknown indicator {ind_id!r}")
                    continue
                if not isinstance(vals, dict):
                    probs.add(path, where, "must be a mapping of target/baseline/thresholds/min_n")
                    continue
                for key in sorted(set(vals) - set(OVERRIDE_KEYS)):
                    probs.add(path, f"{where}.{key}", "unknown setting")
                for key in ("target", "baseline"):
                    if key in vals and vals[key] is not None and not _number(vals[key]):
                        probs.add(path, f"{where}.{key}", f"{vals[key]!r} must be a number")
                pts = vals.get("period_targets")
                if pts is not None and (
                    not isinstance(pts, dict) or not all(_number(v) for v in pts.values())
                ):
                    probs.add(path, f"{where}.period_targets", "must map period labels to numbers")
                if "thresholds" in vals:
                    th = _parse_thresholds(
                        vals["thresholds"], catalogue[ind_id].direction, path, probs
                    )
                    if th is not None:
                        vals = {**vals, "_thresholds": th}
                out[(str(prog), ind_id)] = vals
    probs.raise_if_any()
    return out


def observed_directions(project: Project, catalogue: dict[str, Indicator]) -> dict[str, str]:
    """Declared direction of each directly reported indicator id: the catalogue's sheet, replaced
    by `observed_directions` in `indicators/overrides/*.yml`. Rows of indicator_observations
    that carry `ascending` use their own. Nothing is inferred: an id in neither is undeclared."""
    out = {ind.id: ind.direction for ind in catalogue.values()}
    for path in override_files(project):
        data = read_yaml(path) or {}
        declared = data.get("observed_directions") if isinstance(data, dict) else None
        if isinstance(declared, dict):
            out.update({str(k): str(v) for k, v in declared.items() if v in DIRECTIONS})
    return out
