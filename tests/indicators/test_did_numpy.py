"""The numpy two-stage DiD (`sceval.indicators.did`) against pyfixest, the library it replaced
on the engine's path: the event-study leads, their errors and joint test equal pyfixest's;
the ATT is the exact least-squares imputation (checked by normal equations), which pyfixest
recovers iteratively to about 1e-5; a panel it cannot impute gets no estimate."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import polars as pl
import pytest

from sceval.indicators import did


def panel(seed: int, *, countries: int = 2, areas: int = 7, years: int = 10) -> pl.DataFrame:
    """Area-years of several countries; half the areas start treatment in a staggered year."""
    rng = np.random.default_rng(seed)
    rows = []
    for c in range(countries):
        for a in range(areas):
            start = int(rng.integers(4, years - 1)) if a % 2 == 0 else None
            level = rng.normal(5, 2)
            for t in range(years):
                rel = None if start is None else t - start
                y = level + 0.3 * t + rng.poisson(2) + (1.5 if rel is not None and rel >= 0 else 0)
                rows.append(
                    {"area": f"C{c}|A{a}", "cy": f"C{c}|{2010 + t}", "year": 2010 + t,
                     "rel": rel, "treat": int(rel is not None and rel >= 0), "y": float(y)}
                )  # fmt: skip
    return pl.DataFrame(rows)


def lead_columns(df: pl.DataFrame, pre_years: int) -> tuple[list[int], pl.DataFrame, list[str]]:
    """The event-study design `panels.estimate` builds: on untreated area-years only, leads
    k = -pre_years..-2 of treated areas against the year before their start (k = -1 and
    earlier years are the reference)."""
    leads = [k for k in range(-pre_years, -1) if (df["rel"] == k).any()]
    pre = df.filter(pl.col("treat") == 0).with_columns(
        [(pl.col("rel") == k).fill_null(False).cast(pl.Int8).alias(f"lead{-k}") for k in leads]
    )
    return leads, pre, [f"lead{-k}" for k in leads]


def _pyfixest():
    warnings.simplefilter("ignore", FutureWarning)
    warnings.simplefilter("ignore", DeprecationWarning)
    import pyfixest as pf

    return pf


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_att_is_the_exact_imputation_and_near_pyfixest(seed):
    df = panel(seed)
    t = df["treat"].to_numpy() == 1
    fit, imputed = did.two_stage_att(
        df["y"].to_numpy(), df["treat"].to_numpy(), df["area"].to_numpy(), df["cy"].to_numpy()
    )
    # Normal equations on a full-rank basis (area dummies, country-year dummies less one per
    # country), fitted on untreated rows, imputed on treated ones.
    pdf = df.to_pandas()
    a = pd.get_dummies(pdf["area"]).to_numpy(float)
    cy = pd.get_dummies(pdf["cy"])
    keep = [c for c in cy.columns if not c.endswith("|2010")]
    x = np.hstack([a, cy[keep].to_numpy(float)])
    b = np.linalg.solve(x[~t].T @ x[~t], x[~t].T @ pdf["y"].to_numpy()[~t])
    assert fit.att == pytest.approx((pdf["y"].to_numpy()[t] - x[t] @ b).mean(), abs=1e-10)
    assert imputed[t] == pytest.approx(x[t] @ b, abs=1e-9)
    ref = _pyfixest().did2s(
        pdf, yname="y", first_stage="~ 0 | area + cy", second_stage="~ treat",
        treatment="treat", cluster="area",
    ).tidy()  # fmt: skip
    assert fit.att == pytest.approx(ref.loc["treat", "Estimate"], abs=1e-4)
    assert fit.se == pytest.approx(ref.loc["treat", "Std. Error"], rel=1e-3)
    # The interval is t with G - 1 degrees of freedom (G areas), as docs/methods.md says;
    # pyfixest's did2s keeps its second stage's N - 1 (here 140 - 1).
    from scipy import stats

    g = df["area"].n_unique()
    assert fit.df == g - 1 == 13
    low, high = did.interval(fit.att, fit.se, fit.df)
    z = stats.t.ppf(0.975, 13)
    assert (low, high) == pytest.approx((fit.att - z * fit.se, fit.att + z * fit.se), abs=1e-12)
    assert high - low > ref.loc["treat", "97.5%"] - ref.loc["treat", "2.5%"]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_leads_equal_pyfixest(seed):
    df = panel(seed)
    leads, pre, names = lead_columns(df, 5)
    assert names
    got = did.event_study_leads(
        pre["y"].to_numpy(),
        pre.select(names).to_numpy().astype(float),
        pre["area"].to_numpy(),
        pre["cy"].to_numpy(),
    )
    es = _pyfixest().feols(
        "y ~ " + " + ".join(names) + " | area + cy",
        data=pre.to_pandas(),
        vcov={"CRV1": "area"},
        fixef_tol=1e-12,
    )
    ref = es.tidy()
    assert list(ref.index) == names
    assert got.coef == pytest.approx(ref["Estimate"].to_numpy(), abs=1e-8)
    assert got.se == pytest.approx(ref["Std. Error"].to_numpy(), rel=1e-8)
    low, _ = did.interval(got.coef, got.se, got.df)
    assert low == pytest.approx(ref["2.5%"].to_numpy(), abs=1e-8)
    assert got.p_joint == pytest.approx(float(es.wald_test()["pvalue"]), abs=1e-10)


def test_an_area_treated_from_its_first_year_is_not_imputed():
    df = panel(4).with_columns(
        treat=pl.when(pl.col("area") == "C0|A0").then(1).otherwise(pl.col("treat"))
    )
    # Area C0|A0 has no untreated year: its effect cannot be estimated, nothing is imputed.
    assert (
        did.two_stage_att(
            df["y"].to_numpy(), df["treat"].to_numpy(), df["area"].to_numpy(), df["cy"].to_numpy()
        )
        is None
    )


def test_a_panel_that_cannot_be_imputed_gets_no_estimate_and_says_why():
    from sceval.indicators.areas import did_estimate
    from sceval.indicators.panels import NOT_IMPUTABLE

    rows = []
    # A0 starts in 2010, the first year on record: no untreated year to learn its level from.
    for area, g in (("A0", 2010), ("A1", 2013), ("A2", None), ("A3", None)):
        for year in range(2010, 2016):
            rel = None if g is None else year - g
            if rel is not None and rel >= 2:
                continue
            y = float((year * 7 + len(area) * 3 + (g or 0)) % 5)
            rows.append(
                {"admin1": area, "year": year, "y": y, "g": g, "country": "AAA", "rel": rel,
                 "treat": int(rel is not None and rel >= 0)}
            )  # fmt: skip
    df = pl.DataFrame(rows).cast({"year": pl.Int32, "g": pl.Int32, "rel": pl.Int32})
    out = did_estimate(df, pre_years=3, min_pre_years=1)
    assert "att" not in out
    assert out["why"] == NOT_IMPUTABLE
    assert (out["nt"], out["nc"], out["countries"]) == (2, 2, ["AAA"])
