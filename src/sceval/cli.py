"""The `sceval` command line.

Start-up must stay cheap (`sceval --help` under 0.3 s): this module imports only typer and
the standard library; every command imports what it needs inside its body.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from sceval import __version__
from sceval.errors import ScevalError, UsageError
from sceval.safe_text import terminal_safe

app = typer.Typer(
    name="sceval",
    help="Evaluate security cooperation programs: validate and load data, compute on-the-fly and "
    "ex-post indicators, score partnerships, run do-no-harm checks, write offline reports.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

DbOpt = Annotated[
    Path | None,
    typer.Option(
        "--db", help="Warehouse file (default ./sceval.duckdb, or $SCEVAL_DB).", show_default=False
    ),
]
ProjectOpt = Annotated[
    Path | None,
    typer.Option(
        "--project",
        help="Project folder (default: the working directory if it holds sceval_project.yml, "
        "else the default project; or $SCEVAL_PROJECT).",
        show_default=False,
    ),
]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"sceval {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """sceval: evaluation engine for security cooperation programs."""


def _project(path: Path | None):
    from sceval.project import Project

    return Project.find(path)


def _parse_date(value: str | None, flag: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"{flag} {value!r}: expected a date as YYYY-MM-DD") from None


@app.command()
def demo(
    out: Annotated[
        Path, typer.Option("--out", help="Folder for the warehouse and reports.")
    ] = Path("sceval-demo"),
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="As-of date for on-the-fly indicators (YYYY-MM-DD)."),
    ] = None,
    project: ProjectOpt = None,
) -> None:
    """Run the main job on the bundled seed data: fresh warehouse, validate, load, compute, score, check, report."""
    from sceval.demo import run_demo

    run_demo(out, project=_project(project), as_of=_parse_date(as_of, "--as-of"))


@app.command()
def init(
    directory: Annotated[
        Path, typer.Argument(help="Folder to create (must not exist or be empty).")
    ],
) -> None:
    """Write a copy of the default project (catalogue, contracts, models, checks, pipelines, reports) to edit."""
    from sceval.init_project import init_project

    init_project(directory)


@app.command()
def load(
    paths: Annotated[
        list[Path], typer.Argument(help="Files or folders to load.", show_default=False)
    ],
    db: DbOpt = None,
    source: Annotated[
        str | None,
        typer.Option(
            "--from",
            help="Source format: iati, ucdp-ged, acled, wgi, vdem, sipri-tiv, coups, ucdp-acd, fmtr "
            "(detected from the file when omitted; see docs/sources.md).",
            show_default=False,
        ),
    ] = None,
    accept_partial: Annotated[
        bool,
        typer.Option(
            "--accept-partial",
            help="Load the valid rows of a source file; write rejected rows with reasons.",
        ),
    ] = False,
    rejects: Annotated[
        Path | None,
        typer.Option(
            "--rejects",
            help="Where --accept-partial writes rejected rows (default: next to the warehouse).",
        ),
    ] = None,
    report_json: Annotated[
        Path | None, typer.Option("--report-json", help="Write the load's mapping report as JSON.")
    ] = None,
    actor_map: Annotated[
        Path | None,
        typer.Option(
            "--map",
            help="Actor mapping file (YAML or CSV) tying event actors to units.unit_id.",
            show_default=False,
        ),
    ] = None,
    project: ProjectOpt = None,
) -> None:
    """Validate and load CSV / Parquet / XLSX files into the warehouse, all or nothing."""
    from sceval.load import load_command

    load_command(
        paths,
        db=db,
        project=_project(project),
        source=source,
        accept_partial=accept_partial,
        rejects=rejects,
        report_json=report_json,
        actor_map=actor_map,
    )


@app.command()
def validate(
    paths: Annotated[
        list[Path], typer.Argument(help="Files or folders to check.", show_default=False)
    ],
    junit: Annotated[
        Path | None, typer.Option("--junit", help="Write JUnit XML (one test case per rule).")
    ] = None,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Write the full result as JSON.")
    ] = None,
    project: ProjectOpt = None,
) -> None:
    """Check files against the data contracts without loading them (exit 0 valid, 1 invalid)."""
    from sceval.contracts import validate_command

    code = validate_command(paths, project=_project(project), junit=junit, json_out=json_out)
    raise typer.Exit(code)


@app.command()
def run(
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Use data dated on or before this date (default today)."),
    ] = None,
    program: Annotated[str | None, typer.Option("--program", help="Only this program.")] = None,
    pipeline: Annotated[
        str | None, typer.Option("--pipeline", help="Run definition in pipelines/.")
    ] = None,
    period: Annotated[
        str | None,
        typer.Option(
            "--period",
            help="Compute one reporting period: 2026Q2, 2026, 2026-05 or a custom period's name.",
        ),
    ] = None,
    export: Annotated[
        Path | None,
        typer.Option(
            "--export", help="Also export results to this folder (csv, parquet, json, xlsx)."
        ),
    ] = None,
    db: DbOpt = None,
    project: ProjectOpt = None,
) -> None:
    """Compute indicators: on-the-fly as of DATE, ex-post for ended programs."""
    from sceval.pipeline import run_command

    run_command(
        db=db,
        project=_project(project),
        as_of=_parse_date(as_of, "--as-of"),
        program=program,
        pipeline=pipeline,
        export=export,
        period=period,
    )


@app.command()
def score(
    model: Annotated[
        str | None, typer.Option("--model", help="Only this partnership model.")
    ] = None,
    db: DbOpt = None,
    project: ProjectOpt = None,
) -> None:
    """Score partnerships against the partnership models (Attinà 2005, shared responsibility)."""
    from sceval.pipeline import score_command

    score_command(db=db, project=_project(project), model=model)


@app.command()
def check(
    fail_on: Annotated[
        str | None,
        typer.Option(
            "--fail-on",
            help="Exit 1 when a finding is at or above this severity: critical, high, medium, low.",
        ),
    ] = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="As-of date (default today).")
    ] = None,
    program: Annotated[str | None, typer.Option("--program", help="Only this program.")] = None,
    allow_empty: Annotated[
        bool,
        typer.Option(
            "--allow-empty",
            help="Let the gate pass when there is nothing to judge (no programs, no findings).",
        ),
    ] = False,
    db: DbOpt = None,
    project: ProjectOpt = None,
) -> None:
    """Run the do-no-harm checks; with --fail-on, a gate for CI."""
    from sceval.pipeline import check_command

    code = check_command(
        db=db,
        project=_project(project),
        fail_on=fail_on,
        as_of=_parse_date(as_of, "--as-of"),
        program=program,
        allow_empty=allow_empty,
    )
    raise typer.Exit(code)


@app.command()
def report(
    out: Annotated[Path, typer.Option("--out", help="Folder for the reports.")] = Path(
        "reports-out"
    ),
    fmt: Annotated[
        str, typer.Option("--format", help="Comma-separated: html, pdf, png, svg.")
    ] = "html,pdf,png,svg",
    period: Annotated[
        str | None,
        typer.Option("--period", help="Reporting period the pages show (default cumulative)."),
    ] = None,
    db: DbOpt = None,
    project: ProjectOpt = None,
) -> None:
    """Write reports from the latest run: self-contained HTML, PDF scorecards, PNG and SVG charts."""
    from sceval.pipeline import report_command

    report_command(db=db, project=_project(project), out=out, formats=fmt, period=period)


@app.command()
def catalogue(
    indicator_id: Annotated[
        str | None, typer.Argument(help="Show this indicator's reference sheet.")
    ] = None,
    check_only: Annotated[
        bool, typer.Option("--check", help="Only check the catalogue files; exit 2 on a mistake.")
    ] = False,
    project: ProjectOpt = None,
) -> None:
    """List the indicators, or print one indicator's reference sheet."""
    from sceval.indicators.cli import catalogue_command

    catalogue_command(_project(project), indicator_id, check_only=check_only)


@app.command()
def framework(
    program_id: Annotated[
        str | None, typer.Argument(help="Show this program's results framework.")
    ] = None,
    check_only: Annotated[
        bool, typer.Option("--check", help="Only check the framework files; exit 2 on a mistake.")
    ] = False,
    project: ProjectOpt = None,
) -> None:
    """List the results frameworks (theory of change per program), or show one."""
    from sceval.framework.cli import framework_command

    framework_command(_project(project), program_id, check_only=check_only)


@app.command()
def seed(
    out: Annotated[Path, typer.Option("--out", help="Folder to write the tables to.")] = Path(
        "seed-data"
    ),
    seed_value: Annotated[
        int, typer.Option("--seed", help="Random seed (same seed, same data).")
    ] = 20171201,
    scale: Annotated[
        float,
        typer.Option(
            "--scale",
            help="Size factor: 1 is the committed seed; 1000 gives ~10 million participants.",
        ),
    ] = 1.0,
    fmt: Annotated[str, typer.Option("--format", help="csv or parquet.")] = "csv",
    tables: Annotated[
        str | None,
        typer.Option("--tables", help="Comma-separated tables to write (default: all)."),
    ] = None,
    events: Annotated[
        int | None,
        typer.Option("--events", help="Stream this many events instead of the programs' events."),
    ] = None,
) -> None:
    """Generate the synthetic seed dataset (deterministic); large scales stream to Parquet."""
    from sceval.seed import generate

    wanted = [t.strip() for t in tables.split(",") if t.strip()] if tables else None
    counts = generate(
        out, seed=seed_value, scale=scale, fmt=fmt, tables=wanted, events=events, progress=True
    )
    print(", ".join(f"{n} rows of {t}" for t, n in counts.items()))


def main(argv: list[str] | None = None) -> None:
    """Entry point: user errors become one line on stderr and an exit code, never a traceback."""
    try:
        app(args=argv, standalone_mode=True)
    except ScevalError as exc:
        print(f"sceval: error: {terminal_safe(exc)}", file=sys.stderr)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        print("sceval: interrupted; nothing half-written was kept", file=sys.stderr)
        sys.exit(130)
    except SystemExit:
        raise
    # The last line of defence against tracebacks. BaseException, because a panic inside a
    # Rust extension (Polars) reaches Python as pyo3's PanicException, which is not an Exception.
    except BaseException as exc:
        if os.environ.get("SCEVAL_DEBUG"):
            raise
        print(
            f"sceval: internal error: {type(exc).__name__}: {terminal_safe(exc)} "
            "(set SCEVAL_DEBUG=1 for details)",
            file=sys.stderr,
        )
        sys.exit(3)


if __name__ == "__main__":
    main()
