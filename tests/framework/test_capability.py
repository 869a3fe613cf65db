"""Capability and sustainment indicators on a hand-made world, loaded and run as a user does.

P1 (IRQ), 2020-2022, as of 2024-06-30. Units U1-U3 are trained (first completion 2020-03-31,
2020-07-31, 2020-09-30); U4 is only equipped. Four activities, all delivered. Assessments (two areas each, mean level):
  U1: 2020-01-15 1.5 (baseline), 2021-06-01 4.5, 2023-06-01 4.0 (latest, employed)
  U2: 2020-05-01 2.0 (baseline), 2023-01-01 3.0 (latest, not employed)
  U3: 2021-01-01 4.0 (latest, employed; no baseline)
  U4: 2023-01-01 5.0 (not trained: never counted)
Transfers: T1 100 items delivered 2021-01-01, T2 10 items 2022-01-01, T3 50 items 2023-10-01.
"""

from __future__ import annotations

import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest


def run_sceval(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in {"SCEVAL_DB", "SCEVAL_PROJECT"}}
    exe = Path(sys.executable).with_name("sceval")
    root = Path(__file__).resolve().parents[2]
    return subprocess.run([str(exe), *args], cwd=root, env=env, capture_output=True, text=True)


TABLES = {
    "programs": """program_id,name,provider,framework,partner_country,region,start_date,end_date,budget,currency,objective
P1,Train and equip,NATO,,IRQ,MENA,2020-01-01,2022-12-31,1000000,USD,
""",
    "units": """unit_id,partner_country,name,service,command,affiliation,vetting_status,vetting_date
U1,IRQ,Unit 1,army,state,,cleared,2019-12-01
U2,IRQ,Unit 2,army,state,,cleared,2019-12-01
U3,IRQ,Unit 3,police,state,,cleared,2019-12-01
U4,IRQ,Unit 4,army,state,,cleared,2019-12-01
""",
    "activities": """activity_id,program_id,kind,title,planned_start,planned_end,actual_start,actual_end,status,planned_cost,actual_cost,admin1,unit_id,co_designed,partner_cost_share,trainees_reported
A1,P1,training,Course 1,2020-02-01,2020-03-31,2020-02-01,2020-03-31,delivered,1000,1000,,U1,true,0.1,
A2,P1,training,Course 2,2020-06-01,2020-07-31,2020-06-01,2020-07-31,delivered,1000,1000,,U2,true,0.1,
A3,P1,training,Course 3,2020-09-01,2020-09-30,2020-09-01,2020-09-30,delivered,1000,1000,,U3,true,0.1,
A4,P1,advisory,Advice,2020-10-01,2020-10-31,2020-10-01,2020-10-31,delivered,1000,1000,,U1,true,0.1,
""",
    "participants": """participant_id,activity_id,unit_id,sex,age,rank_group,completed,pre_score,post_score,vetted,posted_within_days
p1,A1,U1,M,30,officer,true,,,true,
p2,A2,U2,F,31,nco,true,,,true,
p3,A3,U3,M,32,enlisted,true,,,true,
""",
    "equipment": """transfer_id,program_id,unit_id,category,lethal,quantity,delivered_date,value
T1,P1,U4,vehicles,false,100,2021-01-01,1000
T2,P1,U1,comms,false,10,2022-01-01,100
T3,P1,U1,comms,false,50,2023-10-01,100
""",
    "equipment_status": """transfer_id,status_date,serviceable,unserviceable,missing,partner_funded_maintenance
T1,2022-01-10,80,15,5,false
T1,2023-01-05,60,30,10,true
T2,2022-07-01,10,0,0,false
T2,2022-12-20,9,1,0,false
T3,2024-01-01,50,0,0,
""",
    "unit_assessments": """unit_id,assessed_on,capability_area,level,assessor,source,employed_in_operations,performance
U1,2020-01-15,operations,1,team,visit,false,
U1,2020-01-15,logistics,2,team,visit,false,
U1,2021-06-01,operations,4,team,visit,true,effective
U1,2021-06-01,logistics,5,team,visit,true,effective
U1,2023-06-01,operations,4,team,visit,true,effective
U1,2023-06-01,logistics,4,team,visit,true,effective
U2,2020-05-01,operations,2,team,visit,false,
U2,2020-05-01,logistics,2,team,visit,false,
U2,2023-01-01,operations,3,team,visit,false,
U2,2023-01-01,logistics,3,team,visit,false,
U3,2021-01-01,operations,4,team,visit,true,collapsed
U3,2021-01-01,logistics,4,team,visit,true,collapsed
U4,2023-01-01,operations,5,team,visit,true,effective
U4,2023-01-01,logistics,5,team,visit,true,effective
""",
}


FRAMEWORK = """\
program_id: P1
goal: Units that hold ground.
objectives:
  - {id: ready, text: Units ready, indicator: unit_readiness, target: 0.6, target_date: 2023-12-31}
results:
  - {id: trained, level: output, text: Courses delivered, indicators: [activity_delivery_rate],
     leads_to: [capable]}
  - {id: capable, level: outcome, text: Units capable, indicators: [unit_readiness, capability_growth]}
"""


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """The world loaded and run in a copy of the default project with a framework for P1."""
    base = tmp_path_factory.mktemp("capability")
    root = Path(__file__).resolve().parents[2]
    project = base / "project"
    project.mkdir()
    shutil.copy2(root / "sceval_project.yml", project)
    for d in ("indicators", "schemas", "pipelines", "reports"):
        shutil.copytree(root / d, project / d)
    (project / "frameworks").mkdir()
    (project / "frameworks" / "P1.yml").write_text(FRAMEWORK)
    data = base / "data"
    data.mkdir()
    for name, text in TABLES.items():
        (data / f"{name}.csv").write_text(text)
    db = base / "wh.duckdb"
    common = ("--db", str(db), "--project", str(project))
    proc = run_sceval("load", str(data), *common)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    proc = run_sceval("run", "--as-of", "2024-06-30", *common)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return db, project


@pytest.fixture(scope="module")
def results(world):
    db, _ = world
    con = duckdb.connect(str(db), read_only=True)
    rows = con.execute(
        "SELECT indicator_id, value, n, numerator, denominator, ci_low, ci_high, status "
        "FROM indicator_results WHERE program_id = 'P1' AND dimension IS NULL"
    ).fetchall()
    con.close()
    return {r[0]: r[1:] for r in rows}


def _wilson(k: int, n: int) -> tuple[float, float]:
    z = 1.959963984540054
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def test_readiness_of_trained_units(results):
    # U1 4.0 and U3 4.0 ready, U2 3.0 not; U4 is not a trained unit.
    value, n, num, den, low, high, _ = results["unit_readiness"]
    assert (num, den, n) == (2, 3, 3)
    assert value == pytest.approx(2 / 3)
    assert (low, high) == pytest.approx(_wilson(2, 3), abs=1e-9)


def test_capability_growth_from_baseline(results):
    # U1 4.0 - 1.5 = 2.5, U2 3.0 - 2.0 = 1.0; U3 has no baseline. Mean 1.75 over 2 units,
    # sd sqrt(1.125): below min_n (3), so insufficient_data with the value kept.
    value, n, *_, status = results["capability_growth"]
    assert (value, n, status) == (pytest.approx(1.75), 2, "insufficient_data")


def test_employment_of_trained_units(results):
    value, n, num, den, *_ = results["trained_units_employed"]
    assert (num, den, value) == (2, 3, pytest.approx(2 / 3))


def test_serviceability_at_12_months(results):
    # T1: report 9 days from 2022-01-01, 80/100; T2: 12 days from 2023-01-01, 9/10.
    # T3 is not due (2023-10-01 + 12 months + 92 days is after the as-of date).
    value, n, _, _, low, high, _ = results["equipment_serviceability_12m"]
    assert (value, n) == (pytest.approx(0.85), 2)
    half = 12.706204736174698 * math.sqrt(0.005) / math.sqrt(2)  # t(0.975, 1) * sd / sqrt(n)
    assert (low, high) == pytest.approx((max(0.85 - half, 0.0), min(0.85 + half, 1.0)))


def test_serviceability_at_24_months(results):
    # T1: 2023-01-05 report, 60/100. T2 is due (2024-01-01 + 92 days) but has no report near
    # its 24-month mark: 1 of 2 due transfers reported, n = 1.
    value, n, *_, status = results["equipment_serviceability_24m"]
    assert (value, n, status) == (pytest.approx(0.6), 1, "insufficient_data")


def test_partner_funded_sustainment(results):
    # Latest reports: T1 funded, T2 not, T3 unknown: 1 of 2.
    value, n, num, den, *_ = results["partner_funded_sustainment"]
    assert (num, den, value) == (1, 2, pytest.approx(0.5))


def test_results_chain_is_stored_and_never_green_by_silence(world):
    db, _ = world
    con = duckdb.connect(str(db), read_only=True)
    rows = dict(
        con.execute(
            "SELECT element || ':' || element_id, status FROM results_chain WHERE program_id = 'P1'"
        ).fetchall()
    )
    con.close()
    # capability_growth has n = 2 < 3: the outcome cannot be judged, so neither can the link.
    assert rows == {
        "goal:P1": "insufficient_data",
        "objective:ready": "green",  # 2/3 >= 0.6
        "result:trained": "green",
        "result:capable": "insufficient_data",
        "link:trained->capable": "insufficient_data",
    }


def test_scorecard_and_portfolio_show_the_chain(world, tmp_path):
    db, project = world
    out = tmp_path / "rep"
    proc = run_sceval(
        "report", "--out", str(out), "--format", "html", "--db", str(db), "--project", str(project)
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    page = (out / "scorecard-P1.html").read_text(encoding="utf-8")
    assert 'data-result="trained" data-status="green"' in page
    assert 'data-result="capable" data-status="insufficient_data"' in page
    # status in words as well as colour
    assert "on track</span> — Courses delivered" in page
    assert "insufficient data</span> — Units capable" in page
    assert "Initial assessment and now" in page
    portfolio = (out / "portfolio.html").read_text(encoding="utf-8")
    assert "outcome not yet measurable" in portfolio
