"""On-the-fly indicators on the small world, each against a number worked out by hand."""

from __future__ import annotations

import math

import pytest
from world import pick


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
