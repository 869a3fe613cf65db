"""On-the-fly indicators on the small world, each against a number worked out by hand."""

from __future__ import annotations

import datetime as dt
import math

import pytest
import world
from scipy.stats import chi2
from world import days, pick


def wilson(k: float, n: float, z: float = 1.959963984540054) -> tuple[float, float]:
    p = k / n
    d = 1 + z * z / n
    c = (p + z * z / (2 * n)) / d
    h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    return max(0.0, c - h), min(1.0, c + h)


def test_training_completion_rate(results):
    # P1: A1 27 of 30 completed, A2 20 of 20 -> 47/50.
    r = pick(results, "training_completion_rate", "P1")
    assert (r["numerator"], r["denominator"], r["n"]) == (47, 50, 50)
    assert r["value"] == pytest.approx(0.94)
    lo, hi = wilson(47, 50)
    assert r["ci_low"] == pytest.approx(lo) and r["ci_high"] == pytest.approx(hi)
    assert r["status"] == "green"  # >= 0.85
    # P2: only B1 ended (B2 still running): 6 of 8, under min_n 20.
    r2 = pick(results, "training_completion_rate", "P2")
    assert r2["value"] == pytest.approx(0.75) and r2["status"] == "insufficient_data"


def test_learning_gain_mean_and_t_interval(results):
    # p001-p010 gain 10, p011-p020 gain 20: mean 15, sd sqrt(500/19), t(19) interval.
    r = pick(results, "learning_gain", "P1")
    assert r["value"] == pytest.approx(15.0) and r["n"] == 20
    half = 2.093024054408263 * math.sqrt(500 / 19) / math.sqrt(20)
    assert r["ci_low"] == pytest.approx(15 - half) and r["ci_high"] == pytest.approx(15 + half)


def test_women_share_participants(results):
    # P1: 6 women of 50 participations of known sex -> 0.12, amber (0.08 <= x < 0.15).
    r = pick(results, "women_share_participants", "P1")
    assert r["value"] == pytest.approx(0.12) and r["status"] == "amber"
    # P2 as of 2024-06-30: B1 (8) and B2 (4, started 2024-01-10): 3 women of 12.
    assert pick(results, "women_share_participants", "P2")["value"] == pytest.approx(0.25)


def test_activity_delivery_rate(results):
    # P1: A1-A5 all due by 2024-06-30; A4 cancelled, the other four delivered -> 4/5, amber.
    r = pick(results, "activity_delivery_rate", "P1")
    assert (r["numerator"], r["denominator"], r["value"]) == (4, 5, 0.8)
    assert r["status"] == "amber"
    # P2: B1 and B2 due, only B1 delivered -> 1/2 (n 2 < min_n 4).
    r2 = pick(results, "activity_delivery_rate", "P2")
    assert r2["value"] == 0.5 and r2["status"] == "insufficient_data"


def test_schedule_slippage_median_days(results):
    # P1 delivered: A1 0, A2 10 (Aug 10 vs Jul 31), A3 30 (Mar 30 vs Feb 28), A5 0 -> median 5.
    r = pick(results, "schedule_slippage_days", "P1")
    assert r["value"] == 5.0 and r["n"] == 4 and r["status"] == "green"
    # P2: B1 20 days late, B2 overdue since 2024-03-31 -> 91 days so far; median 55.5.
    assert pick(results, "schedule_slippage_days", "P2")["value"] == 55.5


def test_budget_execution_against_time_elapsed(results):
    # P1 ended: 110k + 100k + 180k + 50k spent of 1M = 0.44 against 1.0 due -> red.
    r = pick(results, "budget_execution", "P1")
    assert r["value"] == pytest.approx(0.44) and r["target_to_date"] == 1.0
    assert r["status"] == "red"
    # P2: 90k (B1) + 40k (B2 running, end unknown) of 400k = 0.325; elapsed 1276/1825 days.
    r2 = pick(results, "budget_execution", "P2")
    assert r2["value"] == pytest.approx(0.325)
    assert r2["target_to_date"] == pytest.approx(days("2021-01-01", "2024-06-30") / 1825)
    assert r2["status"] == "red"  # 0.325 / 0.699 = 0.46 < 0.7


def test_dialogue_inclusiveness(results):
    # P3 meetings to 2024-06-30 (the 2025 one is later): women 34/170, youth 23/170,
    # civil society at 4 of 8 meetings.
    w = pick(results, "women_share_dialogues", "P3")
    lo, hi = wilson(34, 170)
    assert w["value"] == pytest.approx(0.2)
    assert w["ci_low"] == pytest.approx(lo) and w["ci_high"] == pytest.approx(hi)
    assert pick(results, "youth_share_dialogues", "P3")["value"] == pytest.approx(23 / 170)
    cs = pick(results, "civil_society_presence", "P3")
    assert (cs["numerator"], cs["denominator"]) == (4, 8)


def test_dialogue_frequency_and_seniority(results):
    # Last 365 days (after 2023-07-01): 2 meetings. Before: 6 meetings over the 3,103 days
    # from 2015-01-01 to 2023-07-01 -> 0.7058 per year (the baseline).
    f = pick(results, "dialogue_frequency", "P3")
    assert f["value"] == 2.0
    assert f["baseline"] == pytest.approx(6 / 3103 * 365)
    # Exact Poisson interval of 2 meetings: chi2(0.025, 4)/2 to chi2(0.975, 6)/2 = 0.24-7.22.
    # The amber line is (0.75 - 0.05 tolerance) x 0.7058 = 0.494: the interval straddles it,
    # so 2 meetings (green by the point) cannot be told from a fall: inconclusive.
    assert f["ci_low"] == pytest.approx(chi2.ppf(0.025, 4) / 2)
    assert f["ci_high"] == pytest.approx(chi2.ppf(0.975, 6) / 2)
    assert f["status"] == "inconclusive"
    # Senior (ministerial, CHODs) meetings in the 1,095 days to as-of: none. Before: 2016
    # ministerial and 2017 CHODs over the days from the program start to the window -> red.
    s = pick(results, "dialogue_seniority", "P3")
    window_start = world.AS_OF - dt.timedelta(days=1095)
    assert s["value"] == 0
    assert s["baseline"] == pytest.approx(2 / (window_start - dt.date(2015, 1, 1)).days * 365)
    # None in three years: the Poisson interval of 0, per year, is 0 to chi2(0.975, 2)/2/3 =
    # 1.23, across the amber line (0.6 - 0.05) x 0.27: too few to call red.
    assert s["ci_high"] == pytest.approx(chi2.ppf(0.975, 2) / 2 / 3)
    assert s["status"] == "inconclusive"
    assert "last ministerial: 2016-03-01" in s["note"]


def test_local_ownership(results):
    # P1 not cancelled: A1 (co-designed), A2, A3, A5 (co-designed) -> 2/4.
    assert pick(results, "co_designed_share", "P1")["value"] == 0.5
    # Cost share: (0.1*100k + 0.2*100k + 0.3*200k + 0.2*50k) / 450k = 100k/450k.
    r = pick(results, "partner_cost_share", "P1")
    assert r["value"] == pytest.approx(100_000 / 450_000)


def test_vetting_coverage(results):
    # P1: A1 29 of 30 vetted (p030 not), A2 10 of 20 -> 39/50, red (< 0.9).
    r = pick(results, "vetting_coverage", "P1")
    assert (r["numerator"], r["denominator"], r["status"]) == (39, 50, "red")


def test_absorption_rate(results):
    # P1 completers: 47; posted within 30 days: p001-p020 -> 20/47.
    r = pick(results, "absorption_rate", "P1")
    assert (r["numerator"], r["denominator"]) == (20, 47)
    assert r["value"] == pytest.approx(20 / 47)


def test_end_use_check_coverage(results):
    # P1 delivered E1, E2, E3; checked E1 (C1, C2) and E3 (C3) -> 2/3.
    r = pick(results, "end_use_check_coverage", "P1")
    assert (r["numerator"], r["denominator"]) == (2, 3)
    lo, hi = wilson(2, 3)
    assert r["ci_low"] == pytest.approx(lo) and r["ci_high"] == pytest.approx(hi)
    # P2: E4 delivered and checked (C4, site not accessible); E5 not delivered -> 1/1.
    assert pick(results, "end_use_check_coverage", "P2")["value"] == 1.0


def test_personnel_trained(results):
    # P1: 47 distinct completers with rows + 200 reported for A5 (no rows) = 247.
    r = pick(results, "personnel_trained", "P1")
    assert r["value"] == 247
    assert "200 from reported head counts" in r["note"]
    # Without a target the status cannot be judged.
    assert r["status"] == "insufficient_data"
    assert pick(results, "personnel_trained", "P1", "rank_group", "nco")["value"] == 20


def test_learning_gain_weighs_each_person_once(project, tmp_path):
    # p001 also attends A2 (pre 50, post 100: gain 50), so p001's own mean gain is
    # (10 + 50) / 2 = 30. Over the 20 persons: (30 + 9 * 10 + 10 * 20) / 20 = 16, not the
    # 21-participation mean 350 / 21; sd over persons sqrt((14^2 + 9 * 6^2 + 10 * 4^2) / 19).
    from sceval.indicators import compute_indicators

    con = world.warehouse(project, tmp_path / "w.duckdb")
    con.execute(
        "INSERT INTO participants BY NAME SELECT 'p001' AS participant_id, 'A2' AS activity_id, "
        "'U2' AS unit_id, 'F' AS sex, 22 AS age, 'officer' AS rank_group, true AS completed, "
        "50.0 AS pre_score, 100.0 AS post_score, true AS vetted"
    )
    out = compute_indicators(con, project, run_id="r-per", as_of=world.AS_OF)
    con.close()
    r = pick(out, "learning_gain", "P1")
    assert r["value"] == pytest.approx(16.0) and r["n"] == 20
    half = 2.093024054408263 * math.sqrt(680 / 19) / math.sqrt(20)
    assert r["ci_low"] == pytest.approx(16 - half) and r["ci_high"] == pytest.approx(16 + half)
    assert r["note"].startswith("21 rows by 20 distinct participant_id")
