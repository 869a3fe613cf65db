"""The `sceval` command line.

Start-up must stay cheap (`sceval --help` under 0.3 s): this module imports only typer and
the standard library; every command imports what it needs inside its body.

Over 600 lines on purpose: it is one Typer app, and every command's options and help text
sit together so that the command line reads as one page; each command body is a few lines
that call the module doing the work.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
import typer.core

from sceval import __version__
from sceval.errors import ScevalError, UsageError
from sceval.safe_text import terminal_safe

# A flag takes no value, so its help shows none: typer prints `--check <bool>`, which reads as
# if `--check true` were expected (and `true` is then taken for the next argument).
_value_type = typer.core.TyperOption.display_type_rich


def _no_placeholder_for_flags(self: typer.core.TyperOption, ctx: typer.Context) -> str | None:
    return None if self.is_flag else _value_type(self, ctx)


typer.core.TyperOption.display_type_rich = _no_placeholder_for_flags

# Typer coerces every parameter it processes through a pydantic adapter built on first use, even
# a parameter left unset (the root's own --help when `sceval run --help` is parsed), and importing
# pydantic for it costs a tenth of a second of every command's start-up. An unset value needs no
# adapter: typer's coercion returns None (or an empty tuple) for it without using one.
# (A typer without this internal class keeps its own behaviour: only slower help.)
_Parameter = getattr(typer.core, "_TyperParameter", None)
_process_value = getattr(_Parameter, "process_value", None)


def _process_unset_value_without_adapter(self, ctx: typer.Context, value: object) -> object:
    if value is not None or getattr(self, "_runtime_param", True) is not None or self.required:
        return _process_value(self, ctx, value)
    value = () if self.multiple or self.nargs == -1 else None
    return value if self.callback is None else self.callback(ctx, self, value)


if _process_value is not None:
    _Parameter.process_value = _process_unset_value_without_adapter

# A value given as text to a `str` or `Path` parameter (or a list of them: every option and
# argument of sceval but the flags and three numbers) is coerced here as typer's pydantic
# adapter coerces it: the text itself, or typer's own path checks on it and then `Path`.
# Building the adapter imports pydantic, a fifth of a second of every command given a value.
# Any other value or type still goes through typer's adapter.
try:
    from typer._coercion import RuntimeParam as _RuntimeParam
    from typer._coercion import build_runtime_param as _build_runtime_param
    from typer._param_types import coerce_cli_path as _coerce_cli_path
except ImportError:  # a typer without these internals keeps its own behaviour
    _RuntimeParam = None


def _plain_type(annotation: object) -> tuple[type, bool] | None:
    """(`str` or `Path`, whether a list of them) for those annotations, else None."""
    from typing import get_args, get_origin

    many = get_origin(annotation) is list
    if many:
        args = get_args(annotation)
        annotation = args[0] if len(args) == 1 else None
    return (annotation, many) if annotation in (str, Path) else None


if _RuntimeParam is not None and _Parameter is not None:
    from dataclasses import dataclass

    @dataclass(frozen=True)
    class _TextParam(_RuntimeParam):
        descriptor: object
        kind: type
        many: bool

        def _coerce_value(self, value, param, ctx):
            # As typer's list adapter: a single value for a list becomes a list of one.
            items = (
                (list(value) if isinstance(value, list | tuple) else [value]) if self.many else None
            )
            if not all(isinstance(v, str) for v in ([value] if items is None else items)):
                adapter = _build_runtime_param(self.descriptor)
                return adapter._coerce_value(value, param=param, ctx=ctx)

            def one(v: str) -> object:
                if self.kind is str:
                    return v
                info = self.parameter_info
                return Path(_coerce_cli_path(v, info, path_type=None, param=param, ctx=ctx))

            return one(value) if items is None else [one(v) for v in items]

    _get_runtime_param = _Parameter.get_runtime_param

    def _runtime_param_without_adapter(self: typer.core._TyperParameter) -> object:
        desc = self.type_descriptor
        plain = _plain_type(desc.annotation)
        if (
            self._runtime_param is None
            and plain is not None
            and desc.file_annotation is None
            and desc.parameter_info.path_type is None
        ):
            self._runtime_param = _TextParam(
                parameter_info=desc.parameter_info,
                annotation=desc.annotation,
                descriptor=desc,
                kind=plain[0],
                many=plain[1],
            )
        return _get_runtime_param(self)

    _Parameter.get_runtime_param = _runtime_param_without_adapter

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
    with_seed: Annotated[
        bool,
        typer.Option(
            "--with-seed", help="Fill data/ with the seed dataset instead of empty tables."
        ),
    ] = False,
) -> None:
    """Write a copy of the default project (catalogue, contracts, models, checks, pipelines,
    reports) and a data/ folder (header-only tables, or the seed data) to edit."""
    from sceval.init_project import init_project

    init_project(directory, with_seed=with_seed)


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
    by: Annotated[
        str | None,
        typer.Option("--by", help="Who makes the load (default: the OS user); recorded."),
    ] = None,
    reason: Annotated[
        str | None,
        typer.Option(
            "--reason",
            help="Why: recorded with the load; required when it changes rows an approved run used.",
        ),
    ] = None,
    unlock_reason: Annotated[
        str | None,
        typer.Option(
            "--unlock-reason",
            help="Load rows into a locked period anyway (`sceval lock`); the reason is recorded.",
        ),
    ] = None,
    project: ProjectOpt = None,
) -> None:
    """Validate and load CSV / Parquet / XLSX files into the warehouse, all or nothing.
    Rows replace stored rows of the same key; earlier versions are kept (`sceval history`)."""
    from sceval.ingest import load_command

    load_command(
        paths,
        db=db,
        project=_project(project),
        source=source,
        accept_partial=accept_partial,
        rejects=rejects,
        report_json=report_json,
        actor_map=actor_map,
        by=_nonblank(by, "--by"),
        reason=_nonblank(reason, "--reason"),
        unlock_reason=_nonblank(unlock_reason, "--unlock-reason"),
    )


def _nonblank(value: str | None, flag: str) -> str | None:
    if value is not None and not value.strip():
        raise UsageError(f"{flag}: must not be empty")
    return value.strip() if value is not None else None


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
    include_person_ids: Annotated[
        bool,
        typer.Option(
            "--include-person-ids",
            help="With --export: keep person ids (participant pseudonyms) in findings' evidence, "
            "for authorised internal use; recorded in the run.",
        ),
    ] = False,
    as_known_at: Annotated[
        str | None,
        typer.Option(
            "--as-known-at",
            help="Read the inputs as they stood at this time (UTC, YYYY-MM-DDTHH:MM:SS), or as "
            "a run read them (its run id): recomputes that run exactly.",
        ),
    ] = None,
    full: Annotated[
        bool,
        typer.Option(
            "--full",
            help="Recompute every program, even those whose inputs have not changed since the "
            "previous run of the same definition and as-of date.",
        ),
    ] = False,
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
        include_person_ids=include_person_ids,
        as_known_at=as_known_at,
        period=period,
        full=full,
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
    profile: Annotated[
        str,
        typer.Option(
            "--profile",
            help="internal (what evaluators need) or public (no unit names or incident "
            "details; small cells under the stricter public threshold suppressed).",
        ),
    ] = "internal",
    run_id: Annotated[
        str | None,
        typer.Option(
            "--run",
            help="The run to report (default: the latest approved run, else the latest run).",
        ),
    ] = None,
    period: Annotated[
        str | None,
        typer.Option("--period", help="Reporting period the pages show (default cumulative)."),
    ] = None,
    paper: Annotated[
        str, typer.Option("--paper", help="Page size of the PDFs: a4 or letter.")
    ] = "a4",
    db: DbOpt = None,
    project: ProjectOpt = None,
) -> None:
    """Write the reports of one run: self-contained HTML, PDF scorecards, PNG and SVG charts."""
    from sceval.pipeline import report_command

    report_command(
        db=db,
        project=_project(project),
        out=out,
        formats=fmt,
        profile=profile,
        run_id=run_id,
        period=period,
        paper=paper.strip().lower(),
    )


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
    from sceval.catalogue_cli import catalogue_command

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
def template(
    tables: Annotated[
        list[str] | None,
        typer.Argument(help="Tables to include (default: every input table).", show_default=False),
    ] = None,
    out: Annotated[
        Path, typer.Option("--out", help="Workbook to write (.xlsx).", show_default=False)
    ] = ...,
    model: Annotated[
        str | None,
        typer.Option("--model", help="Partnership model whose items the rating sheet lists."),
    ] = None,
    db: DbOpt = None,
    project: ProjectOpt = None,
) -> None:
    """Write an Excel entry workbook from the contracts: one sheet per table, notes, drop-downs
    (ids from the warehouse with --db), checks; fill it and `sceval load` it."""
    from sceval.templates import template_command

    template_command(tables or [], out=out, project=_project(project), db=db, model=model)


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


@app.command()
def keygen(
    path: Annotated[Path, typer.Argument(help="Where to write the key (e.g. ~/.sceval-key).")],
) -> None:
    """Write a new random warehouse key to PATH, readable by you only; an existing key file is
    kept, never overwritten (warehouses encrypted with it would be lost)."""
    from sceval.encryption import keygen_command

    keygen_command(path)


@app.command()
def encrypt(db: DbOpt = None) -> None:
    """Encrypt an existing warehouse in place (AES-GCM); the key comes from $SCEVAL_DB_KEY or
    the file named by $SCEVAL_DB_KEY_FILE, never from a flag. See docs/security.md."""
    from sceval.encryption import encrypt_command

    encrypt_command(db)


@app.command()
def runs(
    delete: Annotated[
        str | None,
        typer.Option(
            "--delete", help="Delete this draft run and its results (never an approved one)."
        ),
    ] = None,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Also write the list as JSON.")
    ] = None,
    db: DbOpt = None,
    project: ProjectOpt = None,
) -> None:
    """List runs, newest first: as-of date, periods, status (draft/approved), approver, results."""
    from sceval.cycle_cli import runs_command

    runs_command(db=db, project=_project(project), delete=delete, json_out=json_out)


@app.command()
def approve(
    run_id: Annotated[str, typer.Argument(help="The run to approve (`sceval runs` lists them).")],
    by: Annotated[str, typer.Option("--by", help="The reviewer's name (required).")],
    note: Annotated[
        str | None, typer.Option("--note", help="A note kept with the approval.")
    ] = None,
    db: DbOpt = None,
    project: ProjectOpt = None,
) -> None:
    """Approve a run: its figures become the official ones reports cite; it can no longer be deleted."""
    from sceval.cycle_cli import approve_command

    approve_command(run_id, db=db, project=_project(project), by=by, note=note)


@app.command()
def lock(
    period: Annotated[
        str, typer.Argument(help="2026Q2 (quarter), 2026 (year) or 2026-05 (month).")
    ],
    program: Annotated[
        str | None, typer.Option("--program", help="Only this program (default: all programs).")
    ] = None,
    by: Annotated[
        str | None, typer.Option("--by", help="Who locks (default: the OS user).")
    ] = None,
    note: Annotated[str | None, typer.Option("--note", help="A note kept with the lock.")] = None,
    db: DbOpt = None,
    project: ProjectOpt = None,
) -> None:
    """Lock a period: loads that would change rows dated in it are refused (exit 1) unless --unlock-reason."""
    from sceval.cycle_cli import lock_command

    lock_command(period, db=db, project=_project(project), program=program, by=by, note=note)


@app.command()
def history(
    table: Annotated[str, typer.Argument(help="Input table, e.g. indicator_observations.")],
    key: Annotated[
        list[str],
        typer.Argument(
            help="The row's key values in the contract's key order ('' for an empty one).",
            show_default=False,
        ),
    ],
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Also write the versions as JSON.")
    ] = None,
    db: DbOpt = None,
    project: ProjectOpt = None,
) -> None:
    """Print every version of one input row: earlier ones with the load, time, user and reason that replaced them."""
    from sceval.cycle_cli import history_command

    history_command(table, key, db=db, project=_project(project), json_out=json_out)


@app.command()
def diff(
    run_a: Annotated[str, typer.Argument(help="The earlier run (`sceval runs` lists them).")],
    run_b: Annotated[str, typer.Argument(help="The later run.")],
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Write the differences and causes as JSON.")
    ] = None,
    html_out: Annotated[
        Path | None, typer.Option("--html", help="Write a report page for readers (HTML).")
    ] = None,
    db: DbOpt = None,
    project: ProjectOpt = None,
) -> None:
    """List the indicator values, statuses, partnership scores and do-no-harm findings that differ
    between two runs, each with its traced cause (changed input rows, catalogue, as-of, periods)."""
    from sceval.diff import diff_command

    diff_command(
        run_a, run_b, db=db, project=_project(project), json_out=json_out, html_out=html_out
    )


def _say(line: str) -> None:
    """One line on stderr in one write: an engine thread dying beside it (out of memory) cannot
    split it, as a `print` of the text and then its newline could be."""
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


def _run(argv: list[str] | None) -> None:
    """Run one command: user errors become one line on stderr and an exit code (documented in
    sceval.errors.EXIT_CODES), never a traceback."""
    try:
        app(args=argv, standalone_mode=True)
    except ScevalError as exc:
        _say(f"sceval: error: {terminal_safe(exc)}")
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        _say("sceval: interrupted; nothing half-written was kept")
        sys.exit(130)
    except SystemExit:
        raise
    # The last line of defence against tracebacks. BaseException, because a panic inside a
    # Rust extension (Polars) reaches Python as pyo3's PanicException, which is not an Exception.
    except BaseException as exc:
        if os.environ.get("SCEVAL_DEBUG"):
            raise
        from sceval.errors import classify

        # A damaged warehouse, a full disk or exhausted memory is the machine's failure, not
        # sceval's: its own line and exit code (4, 5, 6).
        machine = classify(exc)
        if machine is not None:
            _say(f"sceval: error: {machine}")
            sys.exit(machine.exit_code)
        _say(
            f"sceval: internal error: {type(exc).__name__}: {terminal_safe(exc)} "
            "(set SCEVAL_DEBUG=1 for details)"
        )
        sys.exit(3)


def main(argv: list[str] | None = None) -> None:
    """Entry point. As the console script (argv None), files are created owner-only (umask
    077: warehouse, reports, exports hold sensitive data) and a command runs in a supervised
    child process, so that running out of memory, which aborts Polars and DuckDB, still ends
    with one line and exit 6 (sceval.supervise)."""
    args = sys.argv[1:] if argv is None else argv
    if argv is None:
        os.umask(0o077)
    quick = not args or any(a in ("-h", "--help", "--version") for a in args)
    if (
        argv is None
        and not quick
        and hasattr(os, "fork")
        and not os.environ.get("SCEVAL_NO_SUPERVISOR")
    ):
        from sceval.supervise import run_supervised

        sys.exit(run_supervised(lambda: _run(None)))
    _run(argv)


if __name__ == "__main__":
    main()
