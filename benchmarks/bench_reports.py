"""Report generation (`sceval.reports.write_reports`) per program.

`test_reports_per_program`: HTML only, on the bundled seed data and on the 1e6 dataset
(about 200 programs of 5,000 participants). `test_report_set_many_programs`: the default
report set (HTML and PDF; and HTML, PDF, PNG, SVG) for 200 and 1,000 programs of a few
dozen participants each (`benchlib.ensure_many_programs`), with the charts converted in the
main process (`workers=1`, as before issue 19) and on every core (`workers=auto`). One round
each: a 1,000-program set takes many minutes. Time per program = median / programs."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb
import pytest

from benchlib import (
    AS_OF,
    DATA,
    ROOT,
    ensure_many_programs,
    ensure_report_warehouse,
    ensure_warehouse,
    measure,
)

FORMATS = ["html"]


def _seed_warehouse(project) -> Path:
    """The seed data of the checkout, loaded and run once (cached under benchmarks/data/seed)."""
    files = sorted((ROOT / "seeds" / "data").glob("*.csv"))
    return ensure_report_warehouse(DATA / "seed", project, files=files)


@pytest.mark.parametrize("which", ["seed", "200-programs"])
def test_reports_per_program(benchmark, which, project, tmp_path):
    reports = pytest.importorskip("sceval.reports")
    if which == "seed":
        db = _seed_warehouse(project)
    else:
        base = ensure_warehouse(10**6, project)
        db = ensure_report_warehouse(base.parent / "reports", project, base=base)
    con = duckdb.connect(str(db), read_only=True)
    try:
        programs = con.execute("SELECT count(*) FROM programs").fetchone()[0]
        out = tmp_path / "reports"

        def setup():
            shutil.rmtree(out, ignore_errors=True)
            return ((), {})

        paths = measure(
            benchmark,
            lambda: reports.write_reports(con, project, out, formats=FORMATS),
            group=f"reports-{which}",
            role="engine",
            n=0,
            setup=setup,
            rounds=3,
            per_unit="program",
            units=programs,
            as_of=str(AS_OF),
        )
    finally:
        con.close()
    assert paths


SETS = {"html-pdf": ["html", "pdf"], "all": ["html", "pdf", "png", "svg"]}
# The 1,000-program sets only when asked (SCEVAL_BENCH_PROGRAMS=200,1000): over an hour here.
PROGRAMS = [int(x) for x in os.environ.get("SCEVAL_BENCH_PROGRAMS", "200").split(",") if x]


@pytest.mark.parametrize("workers", ["1", "auto"])
@pytest.mark.parametrize("formats", list(SETS))
@pytest.mark.parametrize("programs", PROGRAMS)
def test_report_set_many_programs(benchmark, programs, formats, workers, project, tmp_path):
    reports = pytest.importorskip("sceval.reports")
    db = ensure_many_programs(programs, project)
    old = os.environ.get("SCEVAL_REPORT_WORKERS")
    if workers == "auto":
        os.environ.pop("SCEVAL_REPORT_WORKERS", None)
    else:
        os.environ["SCEVAL_REPORT_WORKERS"] = workers
    con = duckdb.connect(str(db), read_only=True)
    try:
        count = con.execute("SELECT count(*) FROM programs").fetchone()[0]
        out = tmp_path / "reports"
        paths = measure(
            benchmark,
            lambda: reports.write_reports(con, project, out, formats=SETS[formats]),
            group=f"reports-many-{programs}",
            role="engine",
            n=0,
            rounds=1,
            warmup=0,
            per_unit="program",
            units=count,
            formats=formats,
            workers=workers,
            as_of=str(AS_OF),
        )
    finally:
        con.close()
        if old is None:
            os.environ.pop("SCEVAL_REPORT_WORKERS", None)
        else:
            os.environ["SCEVAL_REPORT_WORKERS"] = old
    assert paths
