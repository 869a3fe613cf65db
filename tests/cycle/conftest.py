"""A one-program warehouse for the evaluation cycle's tests, built through the CLI.

P1 reports personnel_trained for four quarters of 2024 against a target of 100 each
(120, 110, 90, 130: three met) and one disaggregated row (sex F). targets_met_share is
then 3 / 4 with n = 4, under its min_n of 5: insufficient_data.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

HEADER = "program_id,indicator_id,period_start,period_end,baseline,target,actual,dimension,dimension_value\n"
OBSERVATIONS = HEADER + (
    "P1,personnel_trained,2024-01-01,2024-03-31,0,100,120,,\n"
    "P1,personnel_trained,2024-04-01,2024-06-30,0,100,110,,\n"
    "P1,personnel_trained,2024-07-01,2024-09-30,0,100,90,,\n"
    "P1,personnel_trained,2024-10-01,2024-12-31,0,100,130,,\n"
    "P1,personnel_trained,2024-10-01,2024-12-31,0,50,60,sex,F\n"
)
# The Q3 total corrected from 90 to 105 (now met).
CORRECTION = HEADER + "P1,personnel_trained,2024-07-01,2024-09-30,0,100,105,,\n"
PROGRAMS = (
    "program_id,name,provider,framework,partner_country,region,start_date,end_date,budget,"
    "currency,objective\n"
    "P1,Program one,NATO,DCB,IRQ,MENA,2024-01-01,2025-12-31,1000000,EUR,\n"
)
AS_OF = "2026-01-31"
Q3 = ["P1", "personnel_trained", "2024-07-01", "2024-09-30", "", ""]


class Cycle:
    """The files, the warehouse and the CLI of one test."""

    def __init__(self, tmp: Path, cli) -> None:
        self.tmp, self._cli = tmp, cli
        self.db = tmp / "wh.duckdb"
        self.inputs = tmp / "in"
        self.inputs.mkdir()
        (self.inputs / "programs.csv").write_text(PROGRAMS)
        (self.inputs / "indicator_observations.csv").write_text(OBSERVATIONS)
        self.fix = tmp / "fix" / "indicator_observations.csv"
        self.fix.parent.mkdir()
        self.fix.write_text(CORRECTION)

    def __call__(self, *args: str, ok: bool = True):
        r = self._cli(*args, "--db", str(self.db), cwd=self.tmp)
        if ok:
            assert r.returncode == 0, r.stdout + r.stderr
        return r

    def run(self, *extra: str) -> str:
        r = self("run", "--as-of", AS_OF, *extra)
        return r.stdout.split("run ", 1)[1].split(":", 1)[0].strip()

    def sql(self, query: str, params: list | None = None) -> list[tuple]:
        con = duckdb.connect(str(self.db), read_only=True)
        try:
            return con.execute(query, params or []).fetchall()
        finally:
            con.close()

    def targets_met(self, run_id: str) -> tuple:
        return self.sql(
            "SELECT numerator, n, status FROM indicator_results WHERE run_id = ? "
            "AND indicator_id = 'targets_met_share' AND dimension IS NULL",
            [run_id],
        )[0]


@pytest.fixture
def cycle(tmp_path, sceval_cli) -> Cycle:
    c = Cycle(tmp_path, sceval_cli)
    c("load", str(c.inputs))
    return c
