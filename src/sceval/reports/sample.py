"""A warehouse of many programs and one run's results, written directly: the shape of a
large portfolio (the FY2020 Foreign Military Training report loads as 676 programs) in
seconds, for the report screenshots in the docs and the tests of reports at scale.

SYNTHETIC and not an evaluation: no participants are generated and no indicator is
computed. Each program draws a "health" that makes its statuses more or less often red, so
that the portfolio has programs that need attention and programs that do not. Program names
all begin alike, as the report's do, so that only what follows tells them apart. For a
warehouse computed by the engine from generated participants, `sceval seed --scale` (and
`generate(program_size=0.01)` for many small programs) then `sceval run`.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import polars as pl

from sceval.project import Project, read_yaml
from sceval.runs import finish_run, start_run
from sceval.seed.generic import AREAS
from sceval.warehouse import open_warehouse

AS_OF = dt.date(2026, 6, 30)
PROVIDERS = ("United States", "NATO", "EU", "United Kingdom", "France", "Italy")
COURSES = (
    "Basic Officer Leader Course",
    "Maritime Interdiction Operations",
    "Counter-IED Awareness",
    "Military Police Investigations",
    "Peacekeeping Staff Officer",
    "Aviation Maintenance",
    "Border Security Management",
    "Human Rights and Law of Armed Conflict",
)
PROGRAM_COLUMNS = [
    "program_id",
    "name",
    "provider",
    "framework",
    "partner_country",
    "region",
    "start_date",
    "end_date",
    "budget",
    "currency",
    "objective",
]
STATUSES = ("green", "amber", "red", "inconclusive", "insufficient_data")
SEVERITIES = ("critical", "high", "medium", "low")


def _ids(project: Project, folder: str) -> list[str]:
    """The ids of the YAML definitions in one of the project's folders."""
    out = []
    for path in sorted(project.path(*folder.split("/")).glob("*.yml")):
        data = read_yaml(path)
        if isinstance(data, dict) and data.get("id"):
            out.append(str(data["id"]))
    return out


def many_programs(con, project: Project, n: int, *, seed: int = 20200601) -> str:
    """`n` programs and one finished run with a total result per program and indicator of
    the project's catalogue and a finding per program and do-no-harm check; the run id."""
    rng = np.random.default_rng(seed)
    countries = list(AREAS)
    rows = []
    for i in range(n):
        country = countries[int(rng.integers(len(countries)))]
        course = COURSES[int(rng.integers(len(COURSES)))]
        start = dt.date(int(rng.integers(2015, 2024)), int(rng.integers(1, 13)), 1)
        rows.append(
            [
                f"FMT-{i + 1:04d}",
                f"Foreign Military Training, FY2020: {course}, {country} cohort {i + 1}",
                PROVIDERS[int(rng.integers(len(PROVIDERS)))],
                "FMTR",
                country,
                "MENA/Sahel",
                start,
                start + dt.timedelta(days=int(rng.integers(2, 8)) * 365),
                float(rng.integers(1, 50)) * 1e5,
                "USD",
                "SYNTHETIC: a many-program portfolio for reports at scale.",
            ]
        )
    con.register("_many_programs", pl.DataFrame(rows, orient="row", schema=PROGRAM_COLUMNS))
    con.execute("INSERT INTO programs SELECT * FROM _many_programs")
    con.unregister("_many_programs")
    run_id = start_run(con, project, command="seed-many", as_of=AS_OF)
    health = rng.beta(2.0, 2.0, size=n)  # 0: most indicators red; 1: most green
    results, findings = [], []
    indicators = _ids(project, "indicators")
    checks = _ids(project, "indicators/checks")
    for i, (pid, *_rest) in enumerate(rows):
        h = float(health[i])
        probs = np.array([0.2 + 0.6 * h, 0.2, 0.45 * (1 - h) + 0.02, 0.08, 0.1])
        for ind in indicators:
            status = STATUSES[int(rng.choice(5, p=probs / probs.sum()))]
            few = status == "insufficient_data"
            n_obs = int(rng.integers(0, 15) if few else rng.integers(20, 400))
            value = None if few and n_obs == 0 else float(rng.uniform(0.05, 0.99))
            results.append([run_id, ind, pid, AS_OF, value, n_obs, status])
        for check in checks:
            u = float(rng.random())
            status = "flag" if u < 0.35 * (1 - h) else ("insufficient_data" if u > 0.9 else "pass")
            severity = SEVERITIES[int(rng.integers(len(SEVERITIES)))]
            findings.append([run_id, check, pid, severity, status, f"synthetic {check}"])
    # executemany inserts row by row (minutes at a thousand programs): one frame each.
    res = pl.DataFrame(
        results,
        schema=["run_id", "indicator_id", "program_id", "period_end", "value", "n", "status"],
        orient="row",
    )
    con.register("_many_results", res)
    con.execute(
        """INSERT INTO indicator_results (run_id, indicator_id, kind, program_id, period_end,
           value, n, unit, status, suppressed)
           SELECT run_id, indicator_id, 'on_the_fly', program_id, period_end, value, n,
                  'proportion', status, false FROM _many_results"""
    )
    found = pl.DataFrame(
        findings,
        schema=["run_id", "check_id", "program_id", "severity", "status", "message"],
        orient="row",
    )
    con.register("_many_findings", found)
    con.execute(
        """INSERT INTO dnh_findings (run_id, check_id, program_id, severity, status, message,
           evidence, waived)
           SELECT run_id, check_id, program_id, severity, status, message, [], false
           FROM _many_findings"""
    )
    con.unregister("_many_results")
    con.unregister("_many_findings")
    finish_run(con, run_id)
    return run_id


def many_programs_warehouse(path: Path, project: Project, n: int) -> Path:
    """A new warehouse file at `path` holding `many_programs(n)`."""
    path.unlink(missing_ok=True)
    con = open_warehouse(path, project)
    try:
        many_programs(con, project, n)
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return path
