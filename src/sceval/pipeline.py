"""The commands that execute run definitions (`sceval.rundef`): run, score, check, report.

One run = one `runs` row. `sceval run` computes the pipeline's indicators, partnership
scores and do-no-harm checks under one run id; `sceval score` and `sceval check` record a
run of their own with only their part. Each step lives in its own package
(`sceval.indicators`, `sceval.partnership`, `sceval.dnh`, `sceval.reports`); this module
only passes the connection, the project, the run id and the as-of date between them.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from sceval.errors import UsageError
from sceval.periods import Period, parse_label
from sceval.project import Project
from sceval.rundef import (  # noqa: F401 - re-exported: `sceval.pipeline` names them too
    SEVERITIES,
    Pipeline,
    load_pipeline,
    selected,
)


def execute(
    con,
    project: Project,
    *,
    pipeline: Pipeline,
    as_of: dt.date,
    program: str | None = None,
    steps: tuple[str, ...] = ("indicators", "partnership", "dnh"),
    command: str = "run",
    model: str | None = None,
    periods: list[str] | None = None,
    as_known_at: dt.datetime | None = None,
    period: Period | None = None,
    full: bool = False,
) -> str:
    """Record a run and compute the requested steps under it; return the run id.

    The indicators are computed for the pipeline's periods, or only for `period` if given.
    With `as_known_at`, every input table reads as it stood then (sceval.history.KnownAt).
    A whole-portfolio `run` recomputes only the programs whose inputs changed since the
    previous run of the same definition (sceval.incremental) unless `full`."""
    args = dict(
        full=full,
        pipeline=pipeline,
        as_of=as_of,
        program=program,
        steps=steps,
        command=command,
        model=model,
        periods=periods,
        as_known_at=as_known_at,
        period=period,
    )
    if as_known_at is None:
        return _execute(con, project, **args)
    from sceval.history import KnownAt

    with KnownAt(con, project, as_known_at):
        return _execute(con, project, **args)


def _execute(
    con,
    project: Project,
    *,
    pipeline: Pipeline,
    as_of: dt.date,
    program: str | None,
    steps: tuple[str, ...],
    command: str,
    model: str | None,
    periods: list[str] | None,
    as_known_at: dt.datetime | None,
    period: Period | None,
    full: bool,
) -> str:
    from sceval.incremental import Plan, copy_results, plan_run
    from sceval.runs import finish_run, start_run
    from sceval.version import __version__
    from sceval.warehouse import rollback

    if "indicators" in steps:
        from sceval.framework import load_frameworks
        from sceval.indicators.catalogue import load_catalogue

        # A catalogue or framework mistake stops the run before it is recorded.
        load_frameworks(project, set(load_catalogue(project)))
    if periods is None and "indicators" in steps:
        from sceval.indicators import period_labels, run_periods

        periods = period_labels(*run_periods(con, pipeline, as_of, program, period))
    run_id = start_run(
        con,
        project,
        command=command,
        as_of=as_of,
        pipeline=pipeline.name,
        program=program,
        periods=periods,
        as_known_at=as_known_at,
    )
    whole = command == "run" and program is None and period is None and as_known_at is None
    plan = Plan(None, note="--full" if full else "")
    if whole and not full and "indicators" in steps and "dnh" in steps:
        plan = plan_run(
            con,
            project,
            pipeline=pipeline.name,
            as_of=as_of,
            engine_version=__version__,
            periods=list(periods or []),
        )
    subset = plan.programs
    own = _begin(con)
    # Both steps read the events counted per area and day: counted once for the run.
    shared_events = "indicators" in steps and "dnh" in steps and subset != []
    # An incremental run's few programs: their participants and follow-ups read once.
    shared_scope = shared_events and subset is not None
    try:
        if shared_events:
            from sceval.indicators.sources import share_event_days

            share_event_days(con)
        if shared_scope:
            from sceval.indicators.sources import BATCH_PARTICIPANTS, share_scope

            rows = int(project.settings.get("run_batch_participants", BATCH_PARTICIPANTS))
            share_scope(con, subset, rows)
        if "indicators" in steps:
            from sceval.indicators import store_indicators

            if subset != []:
                store_indicators(
                    con,
                    project,
                    run_id=run_id,
                    as_of=as_of,
                    program=program,
                    pipeline=pipeline,
                    period=period,
                    programs=subset,
                )
            if subset is not None:
                copy_results(con, run_id=run_id, copy_from=plan.copy_from, recomputed=subset)
            from sceval.framework import compute_results_chain

            # The chain reads one figure per program and indicator, its total: the cumulative
            # one where computed. Read back from the warehouse, where each batch was stored.
            totals = con.sql(
                "SELECT * EXCLUDE (run_id) FROM indicator_results "
                "WHERE run_id = ? AND dimension IS NULL",
                params=[run_id],
            ).pl()
            cum = totals.filter(totals["period"] == "cumulative")
            chain_rows = cum if cum.height or totals.is_empty() else totals
            compute_results_chain(con, project, run_id=run_id, as_of=as_of, results=chain_rows)
        if "partnership" in steps:
            from sceval.partnership import score_partnerships

            score_partnerships(con, project, run_id=run_id, model=model, pipeline=pipeline)
        if "dnh" in steps:
            from sceval.dnh.run import store_findings

            if subset != []:
                store_findings(
                    con,
                    project,
                    run_id=run_id,
                    as_of=as_of,
                    program=subset if subset is not None else program,
                    pipeline=pipeline,
                )
        if subset is not None:
            note = (
                f"incremental: {len(subset)} program(s) recomputed, the others copied from "
                f"run {plan.copy_from}"
            )
            con.execute(
                "UPDATE runs SET copied_from = ?, recomputed = ?::JSON, incremental_note = ? "
                "WHERE run_id = ?",
                [plan.copy_from, json.dumps(plan.reasons), note, run_id],
            )
        elif whole:
            con.execute(
                "UPDATE runs SET incremental_note = ? WHERE run_id = ?",
                [f"full: {plan.note or 'every program'}", run_id],
            )
        if shared_events:
            _unshare_events(con, scope=shared_scope)
        if own:
            con.execute("COMMIT")
    except BaseException:
        if own:
            rollback(con)
        elif shared_events:
            _unshare_events(con, scope=shared_scope, quiet=True)
        finish_run(con, run_id, status="failed")
        raise
    finish_run(con, run_id)
    return run_id


def _unshare_events(con, *, scope: bool = False, quiet: bool = False) -> None:
    """Drop the run's event counts (and with `scope` its copy of its programs' rows), so that
    nothing read later on this connection uses them (`quiet`: after a failure, inside the
    caller's transaction, which may be aborted)."""
    from sceval.indicators.sources import unshare_event_days, unshare_scope

    try:
        unshare_event_days(con)
        if scope:
            unshare_scope(con)
    except Exception:
        if not quiet:
            raise


def _begin(con) -> bool:
    """Open the transaction a run stores its rows in; False inside the caller's own.

    One transaction per run, not one per batch: a run that fails leaves none of its rows, and
    its tables' rows arrive as one append, so DuckDB writes them in whole row groups once.
    Stored batch by batch, each batch ended in a small row group that the next run's
    checkpoint merged with its neighbours, rewriting the previous run's findings and their
    evidence lists. The price: DuckDB holds the uncommitted rows in memory until the COMMIT
    (BENCHMARKS.md: 13.0 GiB at 1e8 participants, 8.1 GiB when each batch committed)."""
    # A BEGIN inside a transaction would fail and abort the caller's: ask first. Outside one,
    # each statement is its own transaction, so two reads of the id differ.
    first = con.execute("SELECT txid_current()").fetchall()[0][0]
    if con.execute("SELECT txid_current()").fetchall()[0][0] == first:
        return False
    con.execute("BEGIN TRANSACTION")
    return True


def _open(
    db: Path | None,
    project: Project,
    *,
    read_only: bool = False,
    settings: dict[str, object] | None = None,
):
    from sceval.warehouse import open_existing

    return open_existing(db, project, read_only=read_only, settings=settings)


# The checkpoint after a run would merge the previous run's last, partly filled row groups
# with this run's rows (DuckDB's vacuum), rewriting rows nobody changed: 1.7 s of a 2.9 s
# checkpoint at 1e6 (BENCHMARKS.md). Each run's rows keep row groups of their own, which a
# scan by run_id skips whole. Only the run's own process: loads and deletes keep reclaiming.
RUN_SETTINGS: dict[str, object] = {"max_vacuum_tasks": 0}


def run_command(
    *,
    db: Path | None,
    project: Project,
    as_of: dt.date | None,
    program: str | None,
    pipeline: str | None,
    export: Path | None = None,
    include_person_ids: bool = False,
    as_known_at: str | None = None,
    period: str | None = None,
    full: bool = False,
) -> str:
    """`sceval run`: the pipeline's indicators, partnership scores and do-no-harm checks.
    `as_known_at` (a UTC time or a run id) reads the inputs as they stood then. With
    `period`, the on-the-fly indicators of that one period only (as of its end, or of
    `as_of` if earlier; a period that has not started by then is a usage error)."""
    from rich.console import Console

    if include_person_ids and export is None:
        raise UsageError("--include-person-ids applies to --export (what leaves the warehouse)")
    pl_def = load_pipeline(project, pipeline)
    one = parse_label(period, pl_def.periods.named()) if period is not None else None
    con = _open(db, project, settings=RUN_SETTINGS)
    try:
        from sceval.runs import fail_interrupted

        for stale in fail_interrupted(con):
            Console(stderr=True, soft_wrap=True).print(
                f"run {stale} had not finished (its process ended): marked failed",
                markup=False,
                highlight=False,
            )
        known = None
        if as_known_at is not None:
            from sceval.history import resolve_known_at

            known = resolve_known_at(con, as_known_at)
        if program is not None:
            found = con.execute(
                "SELECT count(*) FROM programs WHERE program_id = ?", [program]
            ).fetchall()[0][0]
            if not found:
                raise UsageError(f"--program {program!r}: no such program in the warehouse")
        day = pl_def.resolve_as_of(as_of)
        if one is not None:
            day = min(day, one.end)
            if one.start > day:
                raise UsageError(
                    f"--period {period}: starts {one.start}, after the as-of date {day}"
                )
        run_id = execute(
            con,
            project,
            pipeline=pl_def,
            as_of=day,
            program=program,
            period=one,
            as_known_at=known,
            full=full,
        )
        if export is not None:
            from sceval.indicators.export import export_results

            export_results(con, run_id, export, include_person_ids=include_person_ids)
        _summary(con, run_id, Console(stderr=False))
        return run_id
    finally:
        con.close()


def _summary(con, run_id: str, console) -> None:
    rows = con.execute(
        """SELECT 'indicator_results', count(*) FROM indicator_results WHERE run_id = $1
           UNION ALL SELECT 'partnership_scores', count(*) FROM partnership_scores WHERE run_id = $1
           UNION ALL SELECT 'dnh_findings', count(*) FROM dnh_findings WHERE run_id = $1""",
        [run_id],
    ).fetchall()
    # Zeros are said too: a run that computed nothing must not look like one that succeeded.
    text = f"run {run_id}: " + ", ".join(f"{n} {t}" for t, n in rows)
    programs = con.execute("SELECT count(*) FROM programs").fetchall()[0][0]
    if not programs:
        text += " (no programs in the warehouse: load programs first)"
    note = con.execute("SELECT incremental_note FROM runs WHERE run_id = ?", [run_id]).fetchall()
    if note and note[0][0] and note[0][0].startswith("incremental"):
        text += f" ({note[0][0]}; --full recomputes all)"
    console.print(text, soft_wrap=True, markup=False, highlight=False)


def score_command(*, db: Path | None, project: Project, model: str | None) -> str:
    """`sceval score`: partnership-model scoring in a run of its own."""
    from rich.console import Console

    pl_def = load_pipeline(project)
    con = _open(db, project)
    try:
        run_id = execute(
            con,
            project,
            pipeline=pl_def,
            as_of=dt.date.today(),
            steps=("partnership",),
            command="score",
            model=model,
        )
        from sceval.partnership import print_scores

        print_scores(con, run_id, Console())
        return run_id
    finally:
        con.close()


def check_command(
    *,
    db: Path | None,
    project: Project,
    fail_on: str | None,
    as_of: dt.date | None,
    program: str | None,
    allow_empty: bool = False,
) -> int:
    """`sceval check`: do-no-harm checks; exit 1 when a finding is at or above --fail-on,
    and when there is nothing to judge (no programs, no findings) unless `allow_empty`."""
    import sys

    from rich.console import Console

    if fail_on is not None and fail_on not in SEVERITIES:
        raise UsageError(f"--fail-on {fail_on!r}: expected one of {', '.join(SEVERITIES)}")
    pl_def = load_pipeline(project)
    con = _open(db, project)
    try:
        where, args = ("WHERE program_id = ?", [program]) if program else ("", [])
        programs = con.execute(f"SELECT count(*) FROM programs {where}", args).fetchall()[0][0]
        if program is not None and not programs:
            raise UsageError(f"--program {program!r}: no such program in the warehouse")
        if not programs:
            # A gate with nothing to judge must not pass by silence.
            print("nothing to check: no programs in the warehouse", file=sys.stderr)
            if fail_on is not None and not allow_empty:
                print(
                    f"gate --fail-on {fail_on}: FAILED: nothing was judged "
                    "(use --allow-empty to accept an empty warehouse)",
                    file=sys.stderr,
                )
                return 1
        day = pl_def.resolve_as_of(as_of)
        run_id = execute(
            con,
            project,
            pipeline=pl_def,
            as_of=day,
            program=program,
            steps=("dnh",),
            command="check",
        )
        from sceval.dnh import gate, print_findings

        print_findings(con, run_id, Console())
        found = con.execute(
            "SELECT count(*) FROM dnh_findings WHERE run_id = ?", [run_id]
        ).fetchall()[0][0]
        if programs and not found:
            print("nothing to check: no do-no-harm finding was computed", file=sys.stderr)
            if fail_on is not None and not allow_empty:
                print(
                    f"gate --fail-on {fail_on}: FAILED: nothing was judged "
                    "(use --allow-empty to accept it)",
                    file=sys.stderr,
                )
                return 1
        return gate(con, run_id, fail_on)
    finally:
        con.close()


class ReportProgress:
    """The progress of `sceval report` on a terminal: a bar (pages done / total, elapsed)
    that appears once the run has taken a second; nothing when stdout is not a terminal."""

    DELAY = 1.0

    def __init__(self, *, show: bool | None = None) -> None:
        import sys
        import threading
        import time

        self.started = time.perf_counter()
        self.pages = 0
        self.total = 0
        self.page = ""
        self._bar = None  # the rich Progress, once shown
        self._task = None
        self._lock = threading.Lock()
        self._timer = None
        if sys.stdout.isatty() if show is None else show:
            self._timer = threading.Timer(self.DELAY, self._show)
            self._timer.daemon = True
            self._timer.start()

    def _show(self) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        with self._lock:
            if self._bar is not None or self._timer is None:
                return
            self._bar = Progress(
                TextColumn("report pages"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                TextColumn("{task.description}"),
                transient=True,
            )
            self._bar.start()
            self._task = self._bar.add_task(
                self.page, total=self.total or None, completed=self.pages
            )

    def __call__(self, done: int, total: int, page: str) -> None:
        with self._lock:
            self.pages, self.total, self.page = done, total, page
            if self._bar is not None:
                self._bar.update(self._task, completed=done, total=total, description=page)

    def elapsed(self) -> float:
        import time

        return time.perf_counter() - self.started

    def close(self) -> None:
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            if self._bar is not None:
                self._bar.stop()
                self._bar = None


def report_command(
    *,
    db: Path | None,
    project: Project,
    out: Path,
    formats: str,
    profile: str = "internal",
    run_id: str | None = None,
    period: str | None = None,
    paper: str = "a4",
) -> list[Path]:
    """`sceval report`: the report set of one run (`--run`, else the latest approved run,
    else the latest run); every page says which run and its status (indicators of `period`, default cumulative).

    A progress bar on a terminal when the run takes over a second; always one summary line
    at the end: files, folder, run, pages and time. PDFs on `paper` (a4 or letter)."""
    fmts = [f.strip().lower() for f in formats.split(",") if f.strip()]
    bad = [f for f in fmts if f not in {"html", "pdf", "png", "svg"}]
    if bad or not fmts:
        raise UsageError(
            f"--format {formats!r}: expected a comma-separated list of html, pdf, png, svg"
        )
    con = _open(db, project, read_only=True)
    try:
        from sceval.reports import write_reports

        progress = ReportProgress()
        try:
            files = write_reports(
                con,
                project,
                out,
                formats=fmts,
                profile=profile,
                run_id=run_id,
                period=period,
                paper=paper,
                progress=progress,
            )
        finally:
            progress.close()
        from sceval.reports.data import choose_run, run_record

        shown, why = choose_run(con, run_id)
        run = run_record(con, shown)
        # Say what was written, zero included: an empty warehouse gives empty pages.
        programs = con.execute("SELECT count(*) FROM programs").fetchall()[0][0]
        note = "" if programs else " (no programs in the warehouse: the pages hold no figures)"
        print(
            f"wrote {len(files)} file(s) to {out}: reports of run {shown} "
            f"({why}; {run.status_line}), {progress.pages} page(s) in "
            f"{progress.elapsed():.1f} s{note}"
        )
        return files
    finally:
        con.close()
