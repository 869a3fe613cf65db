"""Peak memory of a report set's portfolio-wide part on a portfolio several times larger:

    .venv/bin/python benchmarks/report_scale.py WAREHOUSE --copies 10 --work DIR

WAREHOUSE holds a finished `sceval run` (e.g. at 1e7 participants). Its latest run's
program-level rows (`programs`, `indicator_results`, `dnh_findings`, `results_chain`) are
copied `copies - 1` more times under suffixed program ids into a copy of the warehouse, which
stands for a portfolio `copies` times larger (1e8 participants from 1e7: 20,040 programs).
Then, under GNU time, the part of `sceval report` whose memory grows with the portfolio: the
run's data loaded as the command loads them, every page that is not per program, and
`--sample` scorecards, as HTML. The whole set at 1e8 would be 20,004 scorecards (hours); a
scorecard's memory does not grow with the portfolio (BENCHMARKS.md, "The report's memory at
scale").
"""

from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb

PROGRAM_TABLES = ("indicator_results", "dnh_findings", "results_chain")


def gib() -> float:
    """This process's peak RSS so far, in GiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def multiply(db: Path, copies: int) -> dict[str, int]:
    """The latest run's program-level rows and the programs, `copies` times in all."""
    con = duckdb.connect(str(db))
    try:
        run = con.sql("SELECT run_id FROM runs WHERE command = 'run' ORDER BY started_at DESC")
        run_id = run.limit(1).fetchall()[0][0]
        con.execute("BEGIN")
        con.execute("CREATE TEMP TABLE originals AS SELECT program_id FROM programs")
        mine = "program_id IN (SELECT program_id FROM originals)"
        for i in range(1, copies):
            new_id = f"program_id || '-x{i}' AS program_id"
            con.execute(
                f"INSERT INTO programs SELECT * REPLACE ({new_id}) FROM programs WHERE {mine}"
            )
            for table in PROGRAM_TABLES:
                con.execute(
                    f"INSERT INTO {table} SELECT * REPLACE ({new_id}) FROM {table} "
                    f"WHERE run_id = ? AND {mine}",
                    [run_id],
                )
        con.execute("COMMIT")
        return {
            t: con.sql(f"SELECT count(*) FROM {t}").fetchall()[0][0]
            for t in ("programs", *PROGRAM_TABLES)
        }
    finally:
        con.close()


def measure(db: Path, out: Path, sample: int) -> None:
    """Load the report data, write the portfolio-wide pages and `sample` scorecards (HTML)."""
    from sceval.project import Project, default_project_root
    from sceval.reports import export_job, report_selection, write_html
    from sceval.reports.build import build_page, report_definitions, scorecard_programs
    from sceval.reports.convert import Converter, drain
    from sceval.reports.data import load_report_data

    project = Project(default_project_root())
    con = duckdb.connect(str(db), read_only=True)
    start = time.perf_counter()
    data = load_report_data(con, project)
    print(
        f"data: {data.results.height} result rows, {data.findings.height} findings, "
        f"{time.perf_counter() - start:.1f} s, peak {gib():.2f} GiB",
        flush=True,
    )
    programs = scorecard_programs(data)
    plan = []
    for spec in report_definitions(project, report_selection(con, project, data)):
        plan += [(spec, p) for p in programs[:sample]] if spec.per_program else [(spec, None)]
    out.mkdir(parents=True, exist_ok=True)
    with Converter(len(plan)) as converter:
        pending = []
        for spec, program_id in plan:
            page = build_page(data, spec, program_id)
            write_html(page, out, ["html"])
            job = export_job(page, out, ["html"], pdf=False)
            pending = drain([*pending, (page.name, converter.submit(job))], _ignore, block=False)
            if program_id is None:
                print(f"{page.name}: {time.perf_counter() - start:.1f} s, peak {gib():.2f} GiB")
        drain(pending, _ignore, block=True)
    print(f"{len(plan)} pages of {len(programs)} programs in {time.perf_counter() - start:.1f} s")


def _ignore(name: str, files: list[Path]) -> None:
    return None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("warehouse", type=Path)
    ap.add_argument("--copies", type=int, default=10)
    ap.add_argument("--work", type=Path, required=True, help="folder for the copy and pages")
    ap.add_argument("--sample", type=int, default=20, help="scorecards written")
    ap.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.measure:
        measure(args.warehouse, args.work / "pages", args.sample)
        return
    args.work.mkdir(parents=True, exist_ok=True)
    db = args.work / "report-scale.duckdb"
    shutil.copyfile(args.warehouse, db)
    print(multiply(db, args.copies), flush=True)
    argv = [sys.executable, __file__, str(db), "--work", str(args.work), "--measure"]
    argv += ["--sample", str(args.sample)]
    subprocess.run(["/usr/bin/time", "-f", "peak RSS %M KB, %e s", *argv], check=True)


if __name__ == "__main__":
    main()
