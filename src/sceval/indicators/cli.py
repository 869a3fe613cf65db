"""`sceval catalogue`: list the indicators, print one reference sheet, or only check the files."""

from __future__ import annotations

import sys

import typer
from rich.console import Console
from rich.table import Table

from sceval.errors import ProjectError, UsageError
from sceval.indicators.catalogue import REQUIRED, Indicator, load_catalogue
from sceval.project import Project

SHEET_FIELDS = [f for f in REQUIRED if f != "compute"]


def describe_compute(ind: Indicator) -> str:
    """How the engine computes the indicator, in one line."""
    if ind.function is not None:
        params = ", ".join(f"{k}={v}" for k, v in sorted(ind.params.items()))
        return f"engine function python:{ind.function}" + (f" ({params})" if params else "")
    c = ind.simple
    parts = [f"{c['aggregate']} over {c['source']}"]
    for key in ("filter", "numerator", "denominator", "value", "distinct", "date", "scale"):
        if c.get(key) is not None:
            parts.append(f"{key}: {c[key]}")
    return "; ".join(parts)


def status_rule_text(ind: Indicator) -> str:
    """The sheet's declared status rule, in words (see docs/methods.md)."""
    if ind.status_rule == "interval":
        side = "below" if ind.direction == "higher" else "above"
        return (
            f"interval: red only when the whole 95% interval lies {side} the amber cut-off; "
            "inconclusive when the interval straddles it; otherwise green or amber by the value "
            "(the value alone when there is no interval)"
        )
    return "point: the value alone decides (the interval, if any, is shown but not used)"


def sheet_rows(ind: Indicator) -> list[tuple[str, str]]:
    """The reference sheet as (field, text) pairs, in the order of the reference-sheet template."""
    rows = []
    for key in SHEET_FIELDS:
        v = ind.raw.get(key)
        if key == "thresholds":
            rel = f" x {ind.relative_to}" if ind.relative_to else ""
            op = ">=" if ind.direction == "higher" else "<="
            v = f"green {op} {ind.green:g}{rel}; amber {op} {ind.amber:g}{rel}; red otherwise"
            if ind.tolerance:
                v += f" (tolerance {ind.tolerance:g}: a value that close to a line counts as on it)"
        elif isinstance(v, list):
            v = ", ".join(str(x) for x in v) or "none"
        elif v is None:
            v = "none"
        rows.append((key, str(v).strip()))
        if key == "thresholds":
            rows.append(("status rule", status_rule_text(ind)))
    if ind.kind == "on_the_fly" and ind.project_trend:
        rows.append(
            (
                "projection",
                "least-squares line through the value at the as-of date and 91, 182, 273 and "
                "364 days before (while the program ran"
                + ("; and the baseline at the start" if ind.target_pro_rata else "")
                + "), carried to the program's end (projected_value); 95% interval "
                "projected_low-projected_high = +- t(m-2) x SE(slope) x days left; "
                "projected_status judges it against the target by the status rule",
            )
        )
    if ind.kind == "on_the_fly":
        rows.append(
            ("target to date", "pro-rated to time elapsed" if ind.target_pro_rata else "the target")
        )
        per = {
            "flow": "flow: only the rows dated in the period",
            "stock": "stock: the value at the period's end",
        }
        rows.append(("per period", per[ind.period_measure]))
    rows.append(("compute", describe_compute(ind)))
    rows.append(("file", ind.path.name))
    return rows


def project_mistakes(project: Project) -> tuple[list[str], dict[str, int]]:
    """Every mistake in the project's declarative files, one line each, and what was checked.

    Indicators report all their mistakes at once; a check, model, report or run definition
    stops at its first, so each file gives at most one line.
    """
    from sceval.dnh.spec import parse_check
    from sceval.partnership.model import load_model, model_files
    from sceval.pipeline import load_pipeline
    from sceval.reports.build import parse_report

    mistakes: list[str] = []
    counts = {"indicators": 0, "checks": 0, "models": 0, "reports": 0, "pipelines": 0}

    def lines(exc: ProjectError) -> list[str]:
        # A multi-line error ("N mistakes:" and one indented line each) gives its lines.
        found = getattr(exc, "problems", None)
        if found:
            return list(found)
        head, *rest = str(exc).split("\n  ")
        return rest or [head]

    catalogue = None
    try:
        catalogue = load_catalogue(project)
        counts["indicators"] = len(catalogue)
    except ProjectError as exc:
        mistakes += lines(exc)
    if catalogue is not None:
        from sceval.framework import load_frameworks

        try:
            counts["results frameworks"] = len(load_frameworks(project, set(catalogue)))
        except ProjectError as exc:
            mistakes += lines(exc)

    def each(kind: str, paths, read) -> None:
        for path in paths:
            try:
                read(path)
                counts[kind] += 1
            except ProjectError as exc:
                mistakes.extend(lines(exc))

    checks = [
        p for p in sorted(project.path("indicators", "checks").glob("*.yml")) if p.stem != "waivers"
    ]
    each("checks", checks, lambda p: parse_check(p, project))
    each("models", model_files(project).values(), load_model)
    each("reports", sorted(project.path("reports").glob("*.yml")), parse_report)
    pipelines = sorted(project.path("pipelines").glob("*.yml"))
    each("pipelines", pipelines, lambda p: load_pipeline(project, p.stem))
    return mistakes, counts


def catalogue_command(project: Project, indicator_id: str | None, *, check_only: bool) -> None:
    """List the catalogue, show one sheet, or (`--check`) only check it; exit 2 on a mistake."""
    console = Console()
    if check_only:
        mistakes, counts = project_mistakes(project)
        for line in mistakes:
            print(f"sceval: error: {line}", file=sys.stderr)
        if mistakes:
            raise typer.Exit(2)
        checked = ", ".join(f"{n} {kind}" for kind, n in counts.items())
        print(f"catalogue ok: {checked} in {project.root}")
        return
    catalogue = load_catalogue(project)
    if indicator_id is not None:
        if indicator_id not in catalogue:
            raise UsageError(
                f"unknown indicator {indicator_id!r}; `sceval catalogue` lists the "
                f"{len(catalogue)} indicators"
            )
        ind = catalogue[indicator_id]
        table = Table(title=f"{ind.id}: {ind.name}", show_header=False, expand=True)
        table.add_column("field", style="bold", no_wrap=True)
        table.add_column("value")
        for key, text in sheet_rows(ind):
            table.add_row(key, text)
        console.print(table)
        return
    table = Table(title=f"{len(catalogue)} indicators")
    width = max((len(i) for i in catalogue), default=2)
    table.add_column("id", no_wrap=True, min_width=width)
    for col in ("name", "kind", "DAC", "unit", "better", "min n"):
        table.add_column(col)
    for ind in catalogue.values():
        table.add_row(
            ind.id,
            ind.name,
            ind.kind,
            str(ind.raw["dac_criterion"]),
            ind.unit,
            ind.direction,
            str(ind.min_n),
        )
    console.print(table)
