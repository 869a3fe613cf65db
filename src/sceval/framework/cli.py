"""`sceval framework`: list the results frameworks, show one program's chain, or check them."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from sceval.errors import UsageError
from sceval.framework.spec import LEVELS, framework_for, load_frameworks
from sceval.project import Project


def framework_command(project: Project, program_id: str | None, *, check_only: bool) -> None:
    """List, show or (`--check`) only check the frameworks; exit 2 on a mistake."""
    frameworks = load_frameworks(project)
    console = Console()
    if check_only:
        console.print(
            f"frameworks ok: {len(frameworks)} results frameworks in {project.path('frameworks')}"
        )
        return
    if program_id is not None:
        fw = framework_for(frameworks, program_id)
        if fw is None:
            raise UsageError(
                f"no results framework for program {program_id!r}; "
                f"`sceval framework` lists the {len(frameworks)} frameworks"
            )
        console.print(f"[bold]{fw.name}[/bold] ({fw.path.name}): {fw.goal}")
        obj = Table(title="objectives")
        for col in ("id", "objective", "indicator", "baseline", "target", "by"):
            obj.add_column(col)
        for o in fw.objectives:
            base = "none" if o.baseline is None else f"{o.baseline:g}"
            obj.add_row(o.id, o.text, o.indicator, base, f"{o.target:g}", o.target_date.isoformat())
        console.print(obj)
        chain = Table(title=f"results chain (default roll-up: {fw.rule})")
        for col in ("level", "result", "indicators", "rule", "leads to"):
            chain.add_column(col)
        for r in sorted(fw.results, key=lambda r: LEVELS.index(r.level)):
            chain.add_row(
                r.level,
                f"{r.id}: {r.text}",
                ", ".join(r.indicators),
                r.rule,
                ", ".join(r.leads_to) or "-",
            )
        console.print(chain)
        if fw.assumptions:
            ass = Table(title="assumptions and disrupters")
            for col in ("link", "assumption", "monitored by", "broken when"):
                ass.add_column(col)
            for a in fw.assumptions:
                cond = " or ".join(
                    ([f"below {a.below:g}"] if a.below is not None else [])
                    + ([f"above {a.above:g}"] if a.above is not None else [])
                )
                ass.add_row(f"{a.link[0]} -> {a.link[1]}", a.text, f"{a.source} {a.series}", cond)
            console.print(ass)
        return
    table = Table(title=f"{len(frameworks)} results frameworks")
    for col in ("file", "programs", "goal", "objectives", "results", "assumptions"):
        table.add_column(col)
    for fw in frameworks:
        table.add_row(
            fw.path.name,
            ", ".join(fw.programs),
            fw.goal,
            str(len(fw.objectives)),
            str(len(fw.results)),
            str(len(fw.assumptions)),
        )
    console.print(table)
