"""Student-t quantiles of the engine's mean intervals, against printed t-table values."""

import polars as pl
import pytest

from sceval.indicators.stats import _t_quantiles, t_bounds


def test_t_quantiles_match_the_table_and_are_null_below_two() -> None:
    n = pl.Series([None, 0, 1, 2, 11, 31], dtype=pl.Int64)
    q = _t_quantiles(n).to_list()
    assert q[:3] == [None, None, None]
    # t(0.975) for 1, 10 and 30 degrees of freedom (any t table).
    assert q[3:] == pytest.approx([12.7062047, 2.2281389, 2.0422725], abs=1e-6)


def test_t_quantiles_without_any_mean_row_are_all_null() -> None:
    assert _t_quantiles(pl.Series([None, None], dtype=pl.Int64)).to_list() == [None, None]


def test_t_bounds_of_a_mean() -> None:
    df = pl.DataFrame({"mean": [10.0, 5.0], "sd": [2.0, 1.0], "n": [4, 1]})
    low, high = t_bounds(pl.col("mean"), pl.col("sd"), pl.col("n"))
    out = df.select(low.alias("low"), high.alias("high"))
    # 10 +- 3.1824463 * 2 / sqrt(4); a single observation has no interval.
    assert out["low"].to_list()[0] == pytest.approx(10 - 3.1824463, abs=1e-6)
    assert out["high"].to_list()[0] == pytest.approx(10 + 3.1824463, abs=1e-6)
    assert out["low"].to_list()[1] is None and out["high"].to_list()[1] is None


def _judge(rows: list[tuple], direction: str, rule: str, tol: float = 0.0) -> list[str]:
    from sceval.indicators.stats import status_expr

    df = pl.DataFrame(
        rows, schema={"v": pl.Float64, "lo": pl.Float64, "hi": pl.Float64}, orient="row"
    )
    expr = status_expr(
        pl.col("v"),
        pl.lit(1.0),
        pl.lit(0.02 if direction == "lower" else 0.7),
        pl.lit(0.05 if direction == "lower" else 0.5),
        pl.lit(direction),
        pl.lit(True),
        low=pl.col("lo"),
        high=pl.col("hi"),
        rule=pl.lit(rule),
        tolerance=pl.lit(tol),
    )
    return df.select(expr.alias("s"))["s"].to_list()


def test_interval_rule_lower_is_better() -> None:
    # Defection-like: green <= 0.02, amber <= 0.05. Red needs the whole interval above 0.05;
    # an interval across 0.05 is inconclusive; wholly at or below 0.05: judged by the point.
    rows = [
        (0.111, 0.048, 0.235),  # point red, interval reaches below 0.05 -> inconclusive
        (0.111, 0.060, 0.235),  # whole interval above 0.05 -> red
        (0.040, 0.010, 0.090),  # point amber but red not ruled out -> inconclusive
        (0.030, 0.010, 0.050),  # upper end exactly on the cut-off: not red -> amber by point
        (0.010, 0.000, 0.040),  # green
        (0.111, None, None),  # no interval: the point decides -> red
    ]
    assert _judge(rows, "lower", "interval") == [
        "inconclusive", "red", "inconclusive", "amber", "green", "red",
    ]  # fmt: skip
    # Rule `point` ignores the interval altogether.
    assert _judge(rows, "lower", "point") == ["red", "red", "amber", "amber", "green", "red"]


def test_interval_rule_higher_is_better_and_tolerance() -> None:
    # Retention-like: green >= 0.7, amber >= 0.5.
    rows = [(0.568, 0.422, 0.703), (0.40, 0.30, 0.49), (0.80, 0.50, 0.90), (0.69, 0.6, 0.8)]
    assert _judge(rows, "higher", "interval") == ["inconclusive", "red", "green", "amber"]
    # A tolerance of 0.02 moves both cut-offs to the worse side (0.68 and 0.48): 0.69 is green,
    # 0.30-0.49 no longer lies wholly below the amber cut-off, 0.422-0.703 still straddles it.
    assert _judge(rows, "higher", "interval", tol=0.02) == [
        "inconclusive", "inconclusive", "green", "green",
    ]  # fmt: skip
