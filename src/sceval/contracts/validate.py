"""Validation of a batch of input files: read and type, GX row rules, DuckDB key and table rules."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from pathlib import Path

import duckdb
import polars as pl

from sceval.contracts.duck_rules import table_row_rules
from sceval.contracts.files import ROW, InputFile, TypedTable, cell_refs, discover, read_typed
from sceval.contracts.report import FileSummary, RuleResult, ValidationReport
from sceval.contracts.sql_rules import SqlChecker
from sceval.contracts.suites import GX, READER, expectations_for, resolve_dates, stale_suites
from sceval.errors import UsageError
from sceval.project import Project
from sceval.warehouse import scratch


def _reader_results(t: TypedTable, suite: list[dict]) -> list[RuleResult]:
    """Presence and type rules: the reader's findings, and a pass for every other expectation."""
    found = {p.rule: p for p in t.problems}
    out = [p for p in t.problems if p.rule not in {e["meta"]["rule"] for e in suite}]
    if t.frame is None and not any(p.rule.endswith(".present") for p in t.problems):
        return out  # unreadable: no column rule was checked
    for e in suite:
        if e["meta"]["engine"] != READER:
            continue
        rule = e["meta"]["rule"]
        if rule in found:
            out.append(found[rule])
        elif t.frame is not None or rule.endswith(".present"):
            out.append(
                RuleResult(
                    rule=rule,
                    table=t.file.table,
                    file=t.file.label,
                    column=e["kwargs"].get("column"),
                    expectation=e["type"],
                    kwargs=dict(e["kwargs"]),
                    engine=READER,
                    element_count=t.rows,
                    message=e["meta"]["description"],
                )
            )
    return out


def _suites(project: Project) -> dict[str, list[dict]]:
    """Every table's expectations, the plausible dates measured from today (the load date)."""
    today = dt.date.today()
    return {
        name: resolve_dates(expectations_for(c), today) for name, c in project.contracts.items()
    }


ROW_ENGINES = ("duckdb", "gx")


def row_engine() -> str:
    """Where row rules run: `duckdb` (compiled, GX re-runs failures) or `gx` (every rule)."""
    engine = os.environ.get("SCEVAL_ROW_ENGINE", "duckdb").strip().lower() or "duckdb"
    if engine not in ROW_ENGINES:
        raise UsageError(f"SCEVAL_ROW_ENGINE={engine!r}: expected one of {', '.join(ROW_ENGINES)}")
    return engine


def _confirmed(mine: RuleResult, gx: RuleResult | None) -> RuleResult:
    """GX's result for a rule DuckDB found failing, unless the two engines disagree."""
    if gx is None or gx.status == "error":
        return gx or mine
    if gx.status == mine.status and gx.unexpected_count == mine.unexpected_count:
        return gx
    mine.status = "error"
    mine.message = (
        f"engine error: DuckDB found {mine.unexpected_count} bad row(s), Great Expectations "
        f"{gx.unexpected_count} ({gx.status}); please report this with the file"
    )
    return mine


def run_row_rules(
    tables: Sequence[TypedTable], suites: dict[str, list[dict]], engine: str | None = None
) -> list[RuleResult]:
    """The GX row expectations of every table: compiled to one DuckDB scan per table where
    their meaning is plain, the rest (and every rule that failed, to report it) through GX."""

    todo = [
        (t, [e for e in suites[t.file.table] if e["meta"]["engine"] == GX])
        for t in tables
        if t.clean is not None
    ]
    todo = [(t, exps) for t, exps in todo if exps]
    if (engine or row_engine()) == "gx":
        from sceval.contracts.gx_engine import gx_row_results

        return gx_row_results(todo)
    done: list[list[RuleResult]] = []
    for_gx: list[tuple[TypedTable, list[dict]]] = []
    con = scratch()
    try:
        for t, exps in todo:
            results, left = table_row_rules(con, t, exps)
            failed = {r.rule for r in results if r.status == "failed"}
            done.append(results)
            for_gx.append((t, [e for e in exps if e in left or e["meta"]["rule"] in failed]))
    finally:
        con.close()
    gx: dict[tuple[str, str], RuleResult] = {}
    if any(exps for _, exps in for_gx):
        from sceval.contracts.gx_engine import gx_row_results

        gx = {(r.file, r.rule): r for r in gx_row_results(for_gx)}
    out: list[RuleResult] = []
    for (t, exps), results in zip(todo, done, strict=True):
        mine = {r.rule: r for r in results}
        for e in exps:
            key = (t.file.label, e["meta"]["rule"])
            r = mine.get(e["meta"]["rule"])
            if r is None:
                out.append(gx[key])
            elif r.status == "failed":
                out.append(_confirmed(r, gx.get(key)))
            else:
                out.append(r)
    return out


def row_checks(
    project: Project, typed: Sequence[TypedTable], report: ValidationReport
) -> ValidationReport:
    """Per-file rules: presence and types (reader), row rules (DuckDB-compiled GX suites)."""
    suites = _suites(project)
    for t in typed:
        fmt = t.file.path.suffix.lower().lstrip(".")
        report.files.append(
            FileSummary(file=t.file.label, table=t.file.table, rows=t.rows, format=fmt)
        )
        report.results.extend(_reader_results(t, suites[t.file.table]))
    report.results.extend(run_row_rules(typed, suites))
    cell_refs(report.results, typed)
    return report


def check_batch(
    project: Project,
    typed: Sequence[TypedTable],
    *,
    con: duckdb.DuckDBPyConnection | None = None,
    report: ValidationReport | None = None,
    rows_done: bool = False,
) -> ValidationReport:
    """Run every rule on typed input files; with `con`, keys resolve against its warehouse too."""

    report = report or ValidationReport()
    suites = _suites(project)
    if not rows_done:
        row_checks(project, typed, report)
    own = con is None
    con = con or scratch()
    try:
        with SqlChecker(con, project, typed, warehouse=not own) as sql:
            report.results.extend(sql.uniqueness(suites))
            report.results.extend(sql.foreign_keys())
            report.results.extend(sql.table_rules())
    finally:
        if own:
            con.close()
    if own and any(r.status == "skipped" for r in report.results):
        report.notes.append(
            "rules on tables absent from this batch were skipped, not failed; "
            "`sceval load` checks them against the warehouse"
        )
    cell_refs(report.results, typed)
    for p in stale_suites(project):
        report.notes.append(f"{p} is out of date with its YAML contract; the YAML was used")
    return report


def read_batch(
    paths: Sequence[str | os.PathLike[str]], project: Project
) -> tuple[list[TypedTable], ValidationReport]:
    """Discover and read files; the report holds the file-level problems found so far."""
    files, problems = discover(paths, project)
    report = ValidationReport(results=list(problems))
    return [read_typed(f, project) for f in files], report


def check_frames(
    project: Project,
    frames: Sequence[tuple[InputFile, pl.DataFrame]],
    *,
    con: duckdb.DuckDBPyConnection | None = None,
) -> ValidationReport:
    """Validate already typed frames (e.g. from a source adapter) with the same rules;
    row numbers are the frame's 1-based row positions."""
    typed = []
    for f, df in frames:
        frame = df.with_row_index(ROW, offset=1).with_columns(pl.col(ROW).cast(pl.Int64))
        frame = frame.select(ROW, *project.contract(f.table).column_names)
        typed.append(TypedTable(file=f, frame=frame, rows=df.height, clean=frame))
    return check_batch(project, typed, con=con)


def validate_paths(paths: Sequence[str | os.PathLike[str]], project: Project) -> ValidationReport:
    """Check files or folders against the contracts without loading them."""
    typed, report = read_batch(paths, project)
    return check_batch(project, typed, report=report)


def validate_command(
    paths: Sequence[str | os.PathLike[str]],
    *,
    project: Project,
    junit: str | os.PathLike[str] | None = None,
    json_out: str | os.PathLike[str] | None = None,
) -> int:
    """`sceval validate`: print the summary, write JSON / JUnit; 0 valid, 1 invalid, 3 engine error."""
    import json

    from rich.console import Console

    for target in (junit, json_out):
        if target is not None and not Path(target).parent.exists():
            raise UsageError(f"{target}: folder {Path(target).parent} does not exist")
    report = validate_paths(paths, project)
    report.render(Console(highlight=False, soft_wrap=True))
    if json_out is not None:
        Path(json_out).write_text(json.dumps(report.to_json(), indent=1) + "\n", encoding="utf-8")
    if junit is not None:
        Path(junit).write_text(report.to_junit(), encoding="utf-8")
    if report.engine_error:
        return 3
    return 0 if report.ok else 1


__all__ = [
    "InputFile",
    "check_batch",
    "check_frames",
    "read_batch",
    "row_checks",
    "validate_command",
    "validate_paths",
]
