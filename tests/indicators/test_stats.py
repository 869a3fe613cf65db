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
