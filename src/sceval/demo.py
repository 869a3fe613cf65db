"""`sceval demo`: the main job on the bundled seed data, end to end.

fresh warehouse -> validate (contracts) and load in one step -> indicators -> partnership scoring ->
do-no-harm checks -> reports. Each step is one call into the package that owns it.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sceval.project import Project, read_yaml


def seed_settings(project: Project) -> dict:
    """The seed dataset's settings (`seeds/seed.yml`): data folder and its reference as-of date."""
    path = project.path("seeds", "seed.yml")
    return (read_yaml(path) or {}) if path.is_file() else {}


def run_demo(out: Path, *, project: Project, as_of: dt.date | None = None) -> dict:
    """Run every step on the seed data into `out`; return what was written."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from sceval.cycle import approve_run
    from sceval.load import load_paths
    from sceval.pipeline import execute, load_pipeline
    from sceval.reports import write_reports
    from sceval.warehouse import open_warehouse, table_counts

    console = Console(stderr=True)
    settings = seed_settings(project)
    data_dir = project.path("seeds", settings.get("data_dir", "data"))
    if as_of is None and settings.get("as_of"):
        as_of = dt.date.fromisoformat(str(settings["as_of"]))
    pipeline = load_pipeline(project, settings.get("pipeline"))
    day = pipeline.resolve_as_of(as_of)

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    db = out / "sceval.duckdb"
    for stale in (db, db.with_name(db.name + ".wal")):
        stale.unlink(missing_ok=True)  # a fresh warehouse each time: same inputs, same results

    steps = ["load", "run", "report"]
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task("validating and loading seed data", total=len(steps))
        con = open_warehouse(db, project)
        try:
            # load_paths runs the contracts (GX row rules, keys, foreign keys) before it writes
            # anything, so the seed data is validated exactly once.
            load_paths(con, project, [data_dir], console=console)
            progress.update(task, advance=1, description="computing indicators, scores and checks")
            run_id = execute(con, project, pipeline=pipeline, as_of=day, command="demo")
            # The demo shows the whole cycle: its run is reviewed and approved, so the
            # reports cite an approved run (docs/evaluation-cycle.md).
            approve_run(
                con, run_id, by="sceval demo", note="seed data; approved by the demo itself"
            )
            progress.update(task, advance=1, description="writing reports")
            written = write_reports(
                con, project, out, formats=["html", "pdf", "png", "svg"], run_id=run_id
            )
            progress.update(task, advance=1)
            counts = table_counts(con)
        finally:
            con.close()
    console.print(f"[bold]sceval demo[/bold] as of {day}: run {run_id} (approved by sceval demo)")
    shown = {t: n for t, n in counts.items() if n or not t.endswith("_history")}
    console.print(f"warehouse {db}: " + ", ".join(f"{t} {n}" for t, n in shown.items()))
    html = sorted(str(p) for p in written if str(p).endswith(".html"))
    console.print(f"reports in {out}: {len(written)} files, e.g. {html[0] if html else '-'}")
    return {"run_id": run_id, "db": db, "reports": written, "counts": counts}
