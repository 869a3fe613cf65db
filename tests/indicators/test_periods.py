"""Reporting periods: one program over the four quarters of 2025, computed per quarter.

Program QTR runs 2025-01-01 to 2025-12-31 (364 days from start to end, 365 days counted
inclusively) with a budget of 100,000. One training per quarter, each delivered in it:

| activity | ran                     | cost   | participants | completed          |
|----------|-------------------------|--------|--------------|--------------------|
| T1       | 2025-01-10 - 2025-02-10 | 10,000 | a01-a10      | all 10             |
| T2       | 2025-04-01 - 2025-05-15 | 20,000 | b01-b20      | b01-b16            |
| T3       | 2025-07-01 - 2025-08-01 | 10,000 | a01-a04,c01-c06 | all 10 (4 again) |
| T4       | 2025-10-01 - 2025-10-31 | 20,000 | d01-d06      | all 6              |

As of 2025-11-15 (Q4 is half over: 46 of its 92 days), with the program's target of 400
persons trained (overrides), a Q2 target of 20 (overrides' period_targets), a Q3 target of
10 (an indicator_observations row for exactly 2025-07-01..2025-09-30) and a Q3 budget
execution target of 0.5.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl
import pytest

from sceval.indicators.periods import parse_label, parse_spec, series
from sceval.project import Project
from sceval.warehouse import ensure_schema

D = dt.date.fromisoformat
AS_OF = D("2025-11-15")
Z = 1.959963984540054

OVERRIDES = """programs:
  QTR:
    personnel_trained: {target: 400, period_targets: {2025Q2: 20}}
    budget_execution: {period_targets: {2025Q3: 0.5}}
"""


def _rows(project: Project, table: str, rows: list[dict]) -> pl.DataFrame:
    from sceval.indicators.sources import POLARS_TYPES

    schema = {c.name: POLARS_TYPES[c.type] for c in project.contract(table).columns}
    full = [{c: r.get(c) for c in schema} for r in rows]
    return pl.DataFrame(full, schema=schema, orient="row")


def _activity(aid: str, start: str, end: str, cost: float) -> dict:
    return {
        "activity_id": aid, "program_id": "QTR", "kind": "training", "title": aid,
        "planned_start": D(start), "planned_end": D(end), "actual_start": D(start),
        "actual_end": D(end), "status": "delivered", "planned_cost": cost,
        "actual_cost": cost, "co_designed": False, "partner_cost_share": 0.0,
    }  # fmt: skip


def _people(activity: str, ids: list[str], completed: int) -> list[dict]:
    return [
        {"participant_id": pid, "activity_id": activity, "sex": "M", "rank_group": "enlisted",
         "completed": k < completed, "vetted": True}
        for k, pid in enumerate(ids)
    ]  # fmt: skip


@pytest.fixture(scope="module")
def qproject(tmp_path_factory) -> Project:
    from sceval.init_project import init_project

    root = init_project(tmp_path_factory.mktemp("qproj") / "proj")
    (root / "indicators" / "overrides" / "quarters.yml").write_text(OVERRIDES)
    return Project(root)


@pytest.fixture(scope="module")
def qdb(tmp_path_factory, qproject) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(tmp_path_factory.mktemp("qdb") / "q.duckdb"))
    ensure_schema(con, qproject)
    tables = {
        "programs": [
            {
                "program_id": "QTR",
                "name": "Quarters",
                "provider": "NATO",
                "partner_country": "IRQ",
                "region": "MENA",
                "start_date": D("2025-01-01"),
                "end_date": D("2025-12-31"),
                "budget": 100_000.0,
                "currency": "EUR",
            }
        ],  # fmt: skip
        "activities": [
            _activity("T1", "2025-01-10", "2025-02-10", 10_000.0),
            _activity("T2", "2025-04-01", "2025-05-15", 20_000.0),
            _activity("T3", "2025-07-01", "2025-08-01", 10_000.0),
            _activity("T4", "2025-10-01", "2025-10-31", 20_000.0),
        ],
        "participants": _people("T1", [f"a{i:02d}" for i in range(1, 11)], 10)
        + _people("T2", [f"b{i:02d}" for i in range(1, 21)], 16)
        + _people("T3", [f"a{i:02d}" for i in range(1, 5)] + [f"c{i:02d}" for i in range(1, 7)], 10)
        + _people("T4", [f"d{i:02d}" for i in range(1, 7)], 6),
        "indicator_observations": [
            {
                "program_id": "QTR",
                "indicator_id": "personnel_trained",
                "period_start": D("2025-07-01"),
                "period_end": D("2025-09-30"),
                "target": 10.0,
            }
        ],  # fmt: skip
    }
    for name, rows in tables.items():
        df = _rows(qproject, name, rows)  # noqa: F841 - DuckDB reads the frame by name
        con.execute(f'INSERT INTO "{name}" BY NAME SELECT * FROM df')
    yield con
    con.close()


@pytest.fixture(scope="module")
def quarterly(qdb, qproject) -> pl.DataFrame:
    from sceval.indicators import compute_indicators
    from sceval.pipeline import load_pipeline

    pipe = load_pipeline(qproject)
    pipe = type(pipe)(**{**pipe.__dict__, "periods": parse_spec(["cumulative", "quarter"])})
    return compute_indicators(qdb, qproject, run_id="r-q", as_of=AS_OF, pipeline=pipe)


def _row(df: pl.DataFrame, indicator: str, period: str) -> dict:
    q = df.filter(
        (pl.col("indicator_id") == indicator)
        & (pl.col("period") == period)
        & pl.col("dimension").is_null()
    )
    assert q.height == 1, f"{indicator}/{period}: {q.height} rows"
    return q.row(0, named=True)


def test_period_labels_parse_and_series_cover_the_range():
    q2 = parse_label("2026Q2")
    assert (q2.start, q2.end) == (D("2026-04-01"), D("2026-06-30"))
    assert (parse_label("2026").start, parse_label("2026").end) == (
        D("2026-01-01"),
        D("2026-12-31"),
    )
    may = parse_label("2026-05")
    assert (may.label, may.start, may.end) == ("2026-05", D("2026-05-01"), D("2026-05-31"))
    assert parse_label("2024-02").end == D("2024-02-29")
    labels = [p.label for p in series("quarter", D("2025-02-03"), D("2025-11-15"))]
    assert labels == ["2025Q1", "2025Q2", "2025Q3", "2025Q4"]
    from sceval.errors import UsageError

    for bad in ("2026Q5", "2026-13", "26Q1", "last quarter"):
        with pytest.raises(UsageError, match="--period"):
            parse_label(bad)


def test_flow_counts_only_the_quarter(quarterly):
    # personnel_trained is a flow: persons who completed an activity that ended in the quarter.
    values = {p: _row(quarterly, "personnel_trained", p)["value"] for p in
              ("2025Q1", "2025Q2", "2025Q3", "2025Q4")}  # fmt: skip
    assert values == {"2025Q1": 10.0, "2025Q2": 16.0, "2025Q3": 10.0, "2025Q4": 6.0}
    # Cumulative: distinct persons, a01-a04 once: 10 + 16 + 6 + 6 = 38.
    assert _row(quarterly, "personnel_trained", "cumulative")["value"] == 38.0
    q3 = _row(quarterly, "personnel_trained", "2025Q3")
    assert (q3["period_start"], q3["period_end"]) == (D("2025-07-01"), D("2025-09-30"))
    # A quarter still running ends at the as-of date.
    q4 = _row(quarterly, "personnel_trained", "2025Q4")
    assert (q4["period_start"], q4["period_end"]) == (D("2025-10-01"), AS_OF)


def test_flow_share_with_n_interval_and_min_n_per_quarter(quarterly):
    # training_completion_rate (min_n 20): Q1 10/10 is below the minimum n.
    q1 = _row(quarterly, "training_completion_rate", "2025Q1")
    assert (q1["numerator"], q1["denominator"], q1["n"]) == (10.0, 10.0, 10)
    assert q1["status"] == "insufficient_data"
    # Q2: 16/20 = 0.8, amber (green 0.85, amber 0.7); Wilson 95% interval by hand.
    q2 = _row(quarterly, "training_completion_rate", "2025Q2")
    assert (q2["value"], q2["n"], q2["status"]) == (0.8, 20, "amber")
    p, n = 0.8, 20
    centre = (p + Z**2 / (2 * n)) / (1 + Z**2 / n)
    half = Z / (1 + Z**2 / n) * (p * (1 - p) / n + Z**2 / (4 * n**2)) ** 0.5
    assert q2["ci_low"] == pytest.approx(centre - half, abs=1e-9)  # 0.583999...
    assert q2["ci_high"] == pytest.approx(centre + half, abs=1e-9)  # 0.919290...
    assert q2["ci_low"] == pytest.approx(0.58398, abs=1e-5)
    # Cumulative: 42 of 46 participations completed, green.
    cum = _row(quarterly, "training_completion_rate", "cumulative")
    assert (cum["numerator"], cum["denominator"], cum["status"]) == (42.0, 46.0, "green")


def test_stock_is_the_value_at_the_quarter_end(quarterly):
    # budget_execution is a stock: costs of activities started by the quarter's end / budget.
    values = {p: _row(quarterly, "budget_execution", p)["value"] for p in
              ("2025Q1", "2025Q2", "2025Q3", "2025Q4")}  # fmt: skip
    assert values == {"2025Q1": 0.1, "2025Q2": 0.3, "2025Q3": 0.4, "2025Q4": 0.6}
    # Target to date at Q2's end: the program line 0 -> 1.0 at 180/364 of the way.
    q2 = _row(quarterly, "budget_execution", "2025Q2")
    assert q2["target_to_date"] == pytest.approx(180 / 364)
    assert q2["status"] == "red"  # 0.3 / 0.4945 = 0.61 < 0.7
    # Q4 is computed at the as-of date: 318/364 of the way.
    q4 = _row(quarterly, "budget_execution", "2025Q4")
    assert q4["target_to_date"] == pytest.approx(318 / 364)


def test_per_period_targets(quarterly):
    # Q1: no target of its own: the program's 400 x 90 of 365 days = 98.63; 10 is red.
    q1 = _row(quarterly, "personnel_trained", "2025Q1")
    assert q1["target"] == pytest.approx(400 * 90 / 365)
    assert q1["target_to_date"] == pytest.approx(400 * 90 / 365)
    assert q1["status"] == "red"
    # Q2: the override's period target, 20; 16 / 20 = 0.8 is amber.
    q2 = _row(quarterly, "personnel_trained", "2025Q2")
    assert (q2["target"], q2["target_to_date"], q2["status"]) == (20.0, 20.0, "amber")
    # Q3: the target an indicator_observations row reports for exactly Q3: 10 of 10, green.
    q3 = _row(quarterly, "personnel_trained", "2025Q3")
    assert (q3["target"], q3["target_to_date"], q3["status"]) == (10.0, 10.0, "green")
    # Q4, half over: 400 x 92/365 for the quarter, 46 of its 92 days elapsed.
    q4 = _row(quarterly, "personnel_trained", "2025Q4")
    assert q4["target"] == pytest.approx(400 * 92 / 365)
    assert q4["target_to_date"] == pytest.approx(400 * 92 / 365 * 46 / 92)
    # A stock's period target is reached on the program line at the period's end: 0.4 / 0.5.
    b3 = _row(quarterly, "budget_execution", "2025Q3")
    assert (b3["target"], b3["target_to_date"], b3["status"]) == (0.5, 0.5, "amber")


def test_ex_post_and_projection_stay_cumulative(quarterly):
    periodic = quarterly.filter(pl.col("period") != "cumulative")
    assert set(periodic["kind"].unique()) == {"on_the_fly"}
    assert periodic["projected_value"].is_null().all()
    assert set(periodic["period"].unique()) == {"2025Q1", "2025Q2", "2025Q3", "2025Q4"}


def test_cli_run_one_period(tmp_path, qproject, qdb, sceval_cli):
    db = tmp_path / "copy.duckdb"
    qdb.execute(f"ATTACH '{db}' AS copy")
    qdb.execute("COPY FROM DATABASE q TO copy")
    qdb.execute("DETACH copy")
    res = sceval_cli("run", "--period", "2025Q2", "--as-of", "2025-11-15", "--db", str(db),
                     "--project", str(qproject.root))  # fmt: skip
    assert res.returncode == 0, res.stderr
    con = duckdb.connect(str(db), read_only=True)
    newest = con.execute("SELECT max_by(run_id, started_at) FROM runs").fetchall()[0][0]
    rows = con.execute(
        "SELECT DISTINCT period, period_end FROM indicator_results WHERE run_id = ?", [newest]
    ).fetchall()
    value = con.execute(
        "SELECT value FROM indicator_results WHERE indicator_id = 'personnel_trained' "
        "AND dimension IS NULL AND run_id = ?",
        [newest],
    ).fetchall()
    con.close()
    assert rows == [("2025Q2", D("2025-06-30"))]
    assert value == [(16.0,)]
    bad = sceval_cli("run", "--period", "2025Q9", "--db", str(db),
                     "--project", str(qproject.root))  # fmt: skip
    assert bad.returncode == 2
    assert "--period '2025Q9'" in bad.stderr and "Traceback" not in bad.stderr


def test_pipeline_periods_are_checked(tmp_path):
    from sceval.errors import ProjectError

    spec = parse_spec(["cumulative", "year", {"name": "FY2026", "start": "2025-10-01",
                                              "end": "2026-09-30"}])  # fmt: skip
    assert spec.labels == ["cumulative", "year", "FY2026"]
    assert [p.label for p in spec.resolve(D("2025-06-01"), D("2026-02-01"))] == [
        "2025", "2026", "FY2026"
    ]  # fmt: skip
    assert parse_spec(None).labels == ["cumulative"]
    with pytest.raises(ProjectError, match="fortnight"):
        parse_spec("fortnight")
    with pytest.raises(ProjectError, match="ends"):
        parse_spec([{"name": "X", "start": "2026-02-01", "end": "2026-01-01"}])


def test_scorecard_series_and_portfolio_for_a_period(tmp_path, qdb, qproject, quarterly):
    from sceval.errors import UsageError
    from sceval.reports import write_reports
    from sceval.runs import finish_run, start_run

    # The quarterly results under a recorded run (the fixture stored them under r-q).
    run = start_run(qdb, qproject, command="run", as_of=AS_OF)
    qdb.execute("UPDATE indicator_results SET run_id = ? WHERE run_id = 'r-q'", [run])
    finish_run(qdb, run)
    out = write_reports(qdb, qproject, tmp_path / "rep", formats=["html"], run_id=run)
    card = (tmp_path / "rep" / "scorecard-QTR.html").read_text()
    assert "Series per reporting period" in card
    # The series table: Q2's persons trained 16 against its own target 20, amber (persons
    # are whole numbers on the page).
    assert "<td>Personnel trained</td><td>2025Q2</td><td>16</td>" in card
    assert "<td>20</td><td>amber</td>" in card
    write_reports(qdb, qproject, tmp_path / "q2", formats=["html"], run_id=run, period="2025Q2")
    portfolio = (tmp_path / "q2" / "portfolio.html").read_text()
    assert "period 2025Q2" in portfolio
    with pytest.raises(UsageError, match="no such period"):
        write_reports(qdb, qproject, tmp_path / "x", formats=["html"], run_id=run, period="2024Q1")
    assert out
