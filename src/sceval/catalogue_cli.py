"""`sceval catalogue`: list the indicators, print one reference sheet, or only check every
declarative file of the project (indicators, checks, models, reports, run definitions)."""

from __future__ import annotations

import sys

import typer
from rich.console import Console
from rich.table import Table

from sceval.dnh.spec import parse_check
from sceval.errors import ProjectError, UsageError
from sceval.framework import load_frameworks
from sceval.indicators.catalogue import load_catalogue
from sceval.indicators.cli import sheet_rows
from sceval.partnership.model import load_model, model_files
from sceval.project import Project
from sceval.reports.build import parse_report
from sceval.rundef import load_pipeline


def project_mistakes(project: Project) -> tuple[list[str], dict[str, int]]:
    """Every mistake in the project's declarative files, one line each, and what was checked.

    Indicators report all their mistakes at once; a check, model, report or run definition
    stops at its first, so each file gives at most one line.
    """
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
