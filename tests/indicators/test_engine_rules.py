"""The engine's rules: as-of dates, projection, overrides, minimum n, suppression, provenance."""

from __future__ import annotations

import datetime as dt
import math
import shutil

import numpy as np
import polars as pl
import pytest
import world
from world import pick

from sceval.indicators import compute_indicators
from sceval.project import Project


def test_results_fit_the_warehouse_table(world_db, results):
    # compute_indicators also stored its rows under the run id, column for column.
    stored = world_db.sql("SELECT * FROM indicator_results WHERE run_id = 'r-main'").pl()
    assert stored.height == results.height > 0
    assert stored.columns == results.columns
    assert set(results["status"]) <= {"green", "amber", "red", "inconclusive", "insufficient_data"}


def test_every_catalogue_indicator_is_computed(results, project):
    from sceval.indicators.catalogue import load_catalogue

    assert set(results["indicator_id"]) == set(load_catalogue(project))


def test_insufficient_data_is_never_green(results):
    small = results.filter(pl.col("n").fill_null(0) < 3)
    assert small.height > 0
    # Only indicators whose minimum n is that small may be judged on so few.
    judged = small.filter(pl.col("status") != "insufficient_data")
    assert set(judged["indicator_id"]) <= {
        "protester_violence", "lethal_diversion_rate", "budget_execution", "context_change",
        "dialogue_frequency", "dialogue_seniority", "personnel_trained",
    }  # fmt: skip


def test_small_cells_are_suppressed_and_hidden(results):
    # One participation of sex X (p030) in P1: its cell is suppressed, no number leaks.
    r = pick(results, "training_completion_rate", "P1", "sex", "X")
    assert r["suppressed"] is True
    assert r["value"] is None and r["n"] is None and r["numerator"] is None
    assert r["ci_low"] is None and r["status"] == "insufficient_data"
    # Five officers is not a small cell (threshold 5): shown.
    o = pick(results, "women_share_participants", "P1", "rank_group", "officer")
    assert o["suppressed"] is False and o["value"] == 1.0 and o["n"] == 5
    # Non-person indicators are never suppressed, however few the activities.
    assert not results.filter(pl.col("indicator_id") == "activity_delivery_rate")[
        "suppressed"
    ].any()


def test_disaggregations(results):
    # Completion by sex: F 6/6, M 41/43 (50 - 6 F - 1 X). X (1 person) is suppressed, and F,
    # the smallest other cell, with it: 50 - 43 - 6 would otherwise give X away (issue 14).
    f = pick(results, "training_completion_rate", "P1", "sex", "F")
    m = pick(results, "training_completion_rate", "P1", "sex", "M")
    assert f["suppressed"] is True and f["numerator"] is None
    assert "secondary suppression" in f["note"]
    assert (m["numerator"], m["denominator"]) == (41, 43)
    # Age bands: p001-p015 are 22, p016-p030 30, A2 are 40.
    assert pick(results, "vetting_coverage", "P1", "age_band", "35-44")["value"] == 0.5
    assert pick(results, "retention_12m", "P1", "rank_group", "nco")["value"] == 0.75


def test_two_as_of_dates_give_different_on_the_fly_values(world_db, project):
    early = compute_indicators(world_db, project, run_id="r-early", as_of=dt.date(2021, 6, 30))
    late = compute_indicators(world_db, project, run_id="r-late", as_of=world.AS_OF)
    # P2 on 2021-06-30: only B1 due and delivered -> 1.0; on 2024-06-30 B2 is overdue -> 0.5.
    assert pick(early, "activity_delivery_rate", "P2")["value"] == 1.0
    assert pick(late, "activity_delivery_rate", "P2")["value"] == 0.5
    # P1 on 2021-06-30: A1, A2, A3, A5 delivered; budget 440k spent; elapsed 546/1095 days.
    e = pick(early, "budget_execution", "P1")
    assert e["value"] == pytest.approx(0.44)
    assert e["target_to_date"] == pytest.approx(546 / 1095)
    assert e["period_end"] == dt.date(2021, 6, 30)
    # P2 started 180 days before 2021-06-30: the trend points are the value now (0.225), 91
    # days before (B1 running since 2021-03-01, 30 of its 80 days: 90k x 30/80 of 400k =
    # 0.084375) and, a cumulative indicator, its baseline 0 at the start (180 days before).
    b = pick(early, "budget_execution", "P2")
    assert b["value"] == pytest.approx(90_000 / 400_000)
    to_end = (dt.date(2025, 12, 31) - dt.date(2021, 6, 30)).days
    x, y = np.array([0.0, -91.0, -180.0]), np.array([0.225, 0.084375, 0.0])
    slope, _ = np.polyfit(x, y, 1)
    se = math.sqrt(((y - np.polyval([slope, _], x)) ** 2).sum() / 1 / ((x - x.mean()) ** 2).sum())
    assert b["projected_value"] == pytest.approx(0.225 + slope * to_end)
    # 95% interval from the slope's standard error, t with 3 - 2 = 1 degree of freedom.
    half = 12.706204736174703 * se * to_end
    assert b["projected_low"] == pytest.approx(max(0.0, 0.225 + slope * to_end - half))
    assert b["projected_high"] == pytest.approx(0.225 + slope * to_end + half)
    # Nothing dated after the as-of date is used: the 2025 meeting is not in either count.
    assert pick(late, "civil_society_presence", "P3")["denominator"] == 8
    assert pick(early, "civil_society_presence", "P3")["denominator"] == 6
    # Ex post as of 2021-06-30: P1's 12-month window has passed for A1 only (27 completers).
    assert pick(early, "retention_12m", "P1")["note"].startswith("25 of 27")


def test_projection_flags_heading_for_red(tmp_path, project):
    # A program half-way through whose cost share is falling: 0.4 -> 0.2 over the last
    # 182 days projects below amber by the end while it is still green today.
    proj = _project_copy(tmp_path, project)
    con = world.warehouse(proj, tmp_path / "p.duckdb")
    con.execute(
        "INSERT INTO programs VALUES ('P9', 'x', 'NATO', NULL, 'TUN', 'MENA', DATE '2023-01-01',"
        " DATE '2025-12-31', 1000, 'EUR', NULL)"
    )
    for i, (start, share, cost) in enumerate(
        [("2023-02-01", 0.4, 100), ("2023-06-01", 0.4, 100), ("2024-03-01", 0.0, 200)]
    ):
        con.execute(
            "INSERT INTO activities VALUES (?, 'P9', 'advisory', 't', ?, ?, NULL, NULL, "
            "'planned', ?, NULL, NULL, NULL, false, ?, NULL)",
            [f"Z{i}", dt.date.fromisoformat(start), dt.date.fromisoformat(start), cost, share],
        )
    out = compute_indicators(con, proj, run_id="r-proj", as_of=world.AS_OF)
    r = pick(out, "partner_cost_share", "P9")
    # Now: (40 + 40 + 0) / 400 = 0.2 (green >= 0.2). On 2023-12-31: 80/200 = 0.4.
    assert r["value"] == pytest.approx(0.2) and r["status"] == "green"
    to_end = (dt.date(2025, 12, 31) - world.AS_OF).days
    # Least squares through the value now and 91, 182, 273 and 364 days before:
    # 0.2, 0.2 (Z2 started 2024-03-01), 0.4, 0.4, 0.4.
    x, y = np.array([0.0, -91, -182, -273, -364]), np.array([0.2, 0.2, 0.4, 0.4, 0.4])
    slope, icpt = np.polyfit(x, y, 1)
    se = math.sqrt(((y - (icpt + slope * x)) ** 2).sum() / 3 / ((x - x.mean()) ** 2).sum())
    half = 3.182446305284263 * se * to_end  # t(0.975, 3)
    assert r["projected_value"] == pytest.approx(max(0.0, 0.2 + slope * to_end))
    assert r["projected_low"] == pytest.approx(max(0.0, 0.2 + slope * to_end - half))
    assert r["projected_high"] == pytest.approx(max(0.0, 0.2 + slope * to_end + half))
    assert r["projected_status"] == "red"
    assert "heading for red" in r["note"]


def test_program_overrides_change_targets_and_thresholds(tmp_path, project):
    proj = _project_copy(tmp_path, project)
    (proj.root / "indicators" / "overrides" / "programs.yml").write_text(
        "programs:\n"
        "  P1:\n"
        "    women_share_participants: {target: 0.1, thresholds: {green: 0.1, amber: 0.05}}\n"
        "    personnel_trained: {target: 494}\n",
        encoding="utf-8",
    )
    con = world.warehouse(proj, tmp_path / "o.duckdb")
    out = compute_indicators(con, proj, run_id="r-ov", as_of=dt.date(2021, 6, 30))
    w = pick(out, "women_share_participants", "P1")
    assert (w["value"], w["target"], w["status"]) == (0.12, 0.1, "green")  # amber by default
    assert pick(out, "women_share_participants", "P2")["target"] == 0.2  # others unchanged
    # 247 trained by 2021-06-30; target 494 pro-rated to 546/1095 of the program.
    p = pick(out, "personnel_trained", "P1")
    assert p["target_to_date"] == pytest.approx(494 * 546 / 1095)
    assert p["status"] == "green"  # 247 >= 0.9 x 246.3


def test_program_filter_and_pipeline_selection(world_db, project):
    from sceval.pipeline import Pipeline

    pipe = Pipeline("p", "today", ["retention_12m", "learning_gain"], "all", "all", "all", {})
    out = compute_indicators(
        world_db, project, run_id="r-one", as_of=world.AS_OF, program="P1", pipeline=pipe
    )
    assert set(out["indicator_id"]) == {"retention_12m", "learning_gain"}
    assert set(out["program_id"]) == {"P1"}


def test_same_inputs_give_identical_results(world_db, project):
    a = compute_indicators(world_db, project, run_id="same", as_of=world.AS_OF)
    b = compute_indicators(world_db, project, run_id="same", as_of=world.AS_OF)
    assert a.equals(b)
    assert a.sort(a.columns, nulls_last=False).equals(a)  # already in a stable order


def _project_copy(tmp_path, project) -> Project:
    root = tmp_path / "proj"
    shutil.copytree(project.root / "schemas", root / "schemas")
    shutil.copytree(project.root / "indicators", root / "indicators")
    shutil.copytree(project.root / "pipelines", root / "pipelines")
    shutil.copy(project.root / "sceval_project.yml", root / "sceval_project.yml")
    return Project(root)


def test_no_data_is_said_as_such_never_as_suppressed(results):
    # P1 has no trained unit assessed after training: n = 0, which is no data, not a small
    # cell (suppression is for 1 <= persons < the threshold).
    row = pick(results, "unit_readiness", "P1")
    assert (row["n"], row["status"], row["suppressed"]) == (0, "insufficient_data", False)
    assert row["note"].endswith("no data (n = 0)") and "suppressed" not in row["note"]


def test_report_cells_tell_no_data_from_suppressed_and_too_few():
    import polars as pl

    from sceval.reports import charts

    frame = pl.DataFrame(
        {
            "status": ["insufficient_data", "insufficient_data", "insufficient_data", "green"],
            "suppressed": [False, True, False, False],
            "n": [0, None, 3, 40],
            "value": [None, None, 0.5, 0.9],
            "unit": ["share"] * 4,
        }
    )
    labels = charts._cell_state(frame)["label"].to_list()
    assert labels == ["no data (n = 0)", "suppressed", "insufficient data", "green"]
