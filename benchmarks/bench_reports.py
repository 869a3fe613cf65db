"""Report generation (`sceval.reports.write_reports`, HTML) per program: on the bundled seed
data, and on a generated warehouse of about 200 programs (the 1e6 dataset: 6 portfolio and
198 generic programs). Time per program = median / programs."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from benchlib import AS_OF, DATA, ROOT, ensure_report_warehouse, ensure_warehouse, measure

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
