"""Gardner's two-stage difference-in-differences and its event-study leads, in numpy.

The same estimators as pyfixest's `did2s` (area and country-by-year effects fitted on
untreated area-years, the ATT on the imputed residuals, the GMM variance of Butts & Gardner
clustered by area) and `feols("y ~ leads | area + cy", vcov={"CRV1": "area"})` with its
default small-sample correction and Wald test. pyfixest builds formula model matrices for
each fit (0.2 s per program and outcome: 110 of 130 s of the catalogue at 1e6); these panels
are small (areas x years), so dense least squares on dummy matrices takes milliseconds.
`tests/indicators/test_did_numpy.py` checks every figure against pyfixest on the seed panels
and on random ones. A panel where a treated area-year's effects are not identified from the
untreated ones, or a lead collinear with the effects, returns None: the caller says the
effect is not identified, or drops the collinear lead (`sceval.indicators.panels`). pyfixest
is not on the engine's path: on such panels its did2s raised, or aborted the process.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

# A residual of a projection below this is zero (dummy matrices of small panels: exact 0/1
# arithmetic, errors of order 1e-12).
TOL = 1e-8


@dataclass(frozen=True)
class Att:
    """The ATT of the two-stage DiD with its standard error and degrees of freedom."""

    att: float
    se: float
    df: int


@dataclass(frozen=True)
class Leads:
    """Event-study lead coefficients with clustered standard errors, and the joint test."""

    coef: np.ndarray
    se: np.ndarray
    df: int
    p_joint: float


def _codes(values: np.ndarray) -> tuple[np.ndarray, int]:
    uniq, codes = np.unique(values, return_inverse=True)
    return codes, len(uniq)


def fe_dummies(area: np.ndarray, cy: np.ndarray) -> np.ndarray:
    """Dummy columns of both effects (every level of each: rank-deficient by design)."""
    a, na = _codes(area)
    c, nc = _codes(cy)
    d = np.zeros((len(area), na + nc))
    rows = np.arange(len(area))
    d[rows, a] = 1.0
    d[rows, na + c] = 1.0
    return d


def _att_design(treat: np.ndarray, area: np.ndarray, cy: np.ndarray) -> tuple | None:
    """What the two-stage ATT needs of a panel's design (not of its outcome); None when a
    treated row's effects are not identified."""
    d = fe_dummies(area, cy)
    t = treat.astype(bool)
    du = d[~t]
    pinv_u = np.linalg.pinv(du)
    # A treated row is imputable only if its dummy row lies in the untreated rows' span.
    proj = d @ (pinv_u @ du)
    if np.abs(proj - d).max() > TOL:
        return None
    x10 = np.where(t[:, None], 0.0, d)
    v = d[t].sum(axis=0) @ np.linalg.pinv(x10.T @ x10)
    codes, g = _codes(area)
    return d, t, pinv_u, x10, v, codes, g


def _memo(memo: dict | None, key: object, make):
    if memo is None:
        return make()
    if key not in memo:
        memo[key] = make()
    return memo[key]


def two_stage_att(
    y: np.ndarray,
    treat: np.ndarray,
    area: np.ndarray,
    cy: np.ndarray,
    *,
    memo: dict | None = None,
) -> tuple[Att, np.ndarray] | None:
    """Gardner's two-stage ATT and its clustered GMM variance; with the imputed untreated
    outcome of every row. None when a treated row's effects are not identified.

    `memo` keeps the design's decompositions for another outcome on the same panel.
    """
    design = _memo(memo, "att", lambda: _att_design(treat, area, cy))
    if design is None:
        return None
    d, t, pinv_u, x10, v, codes, g = design
    imputed = d @ (pinv_u @ y[~t])
    first_u = y - imputed
    n_t = t.sum()
    att = first_u[t].sum() / n_t
    second_u = first_u - att * t
    # Butts & Gardner: the second stage's score minus the first stage's estimation error.
    w = np.bincount(codes, weights=t * second_u, minlength=g) - (
        np.stack(
            [
                np.bincount(codes, weights=x10[:, j] * first_u, minlength=g)
                for j in range(d.shape[1])
            ],
            axis=1,
        )
        @ v
    )
    var = float(((w / n_t) ** 2).sum())
    # t with G - 1 degrees of freedom, as for any error clustered in G groups (docs/methods.md;
    # pyfixest's did2s keeps the N - 1 of its unclustered second stage, narrower with few areas).
    return Att(float(att), float(np.sqrt(var)), g - 1), imputed


def _leads_design(leads: np.ndarray, area: np.ndarray, cy: np.ndarray) -> tuple | None:
    """What the event-study fit needs of the design; None when a lead is collinear."""
    d = fe_dummies(area, cy)
    pinv_d = np.linalg.pinv(d)
    xr = leads - d @ (pinv_d @ leads)
    k = xr.shape[1]
    if np.linalg.matrix_rank(xr, tol=TOL * max(1.0, np.abs(xr).max())) < k:
        return None
    bread = np.linalg.inv(xr.T @ xr)
    codes, g = _codes(area)
    _, n_cy = _codes(cy)
    return d, pinv_d, xr, k, bread, codes, g, n_cy


def event_study_leads(
    y: np.ndarray,
    leads: np.ndarray,
    area: np.ndarray,
    cy: np.ndarray,
    *,
    memo: dict | None = None,
) -> Leads | None:
    """`y ~ leads | area + cy` with CRV1 errors clustered by area (pyfixest's default
    small-sample correction: area effects nested in the clusters are not counted) and the
    F test that all leads are 0. None when a lead is collinear with the effects.

    `memo` keeps the design's decompositions for another outcome on the same panel.
    """
    from scipy.special import fdtr  # not scipy.stats: a third of its import time

    key = ("leads", leads.shape, leads.tobytes())
    design = _memo(memo, key, lambda: _leads_design(leads, area, cy))
    if design is None:
        return None
    d, pinv_d, xr, k, bread, codes, g, n_cy = design
    yr = y - d @ (pinv_d @ y)
    beta = bread @ (xr.T @ yr)
    u = yr - xr @ beta
    scores = np.stack(
        [np.bincount(codes, weights=xr[:, j] * u, minlength=g) for j in range(k)], axis=1
    )
    meat = scores.T @ scores
    n = len(y)
    # k_fixef="nonnested": the area effects are nested in the area clusters (not counted),
    # the country-year effects are (one less for the second effect, one more back for the
    # fully nested one: n_cy in all).
    ssc = (g / (g - 1)) * ((n - 1) / (n - k - n_cy))
    vcov = ssc * bread @ meat @ bread
    se = np.sqrt(np.diag(vcov))
    wald = float(beta @ np.linalg.pinv(vcov) @ beta)
    p = float(1 - fdtr(k, g - 1, wald / k))
    return Leads(beta, se, g - 1, p)


def interval(estimate: float | np.ndarray, se: float | np.ndarray, df: int):
    """The 95% t interval (low, high)."""
    z = _t975(df)
    return estimate - z * se, estimate + z * se


@lru_cache(maxsize=1024)
def _t975(df: int) -> float:
    from scipy.special import stdtrit

    return float(-stdtrit(df, 0.025))  # what stats.t.ppf computes, bit for bit


def short_pre(pre_seen: int | None, min_pre_years: int) -> str:
    return (
        f"pre-period too short: a treated area has {pre_seen or 0} year(s) of event data "
        f"before its start (needs {min_pre_years})"
    )


def r6(x: Any) -> float:
    """A fitted figure to 6 decimals: a rerun on the same data must give the same row, and
    the last digits of a least-squares fit depend on the order of summation."""
    return round(float(x), 6)
