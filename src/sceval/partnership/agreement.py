"""Several raters, several rounds: consensus per item and inter-rater agreement.

A rating round is the `rated_on` date of `partnership_ratings`; within a round each rater
rates independently. The model's `consensus` rule turns the raters' ratings of one item for
one case into the score the model uses: `median` (default) or `mean` of their scores, or
`adjudicated` (the rating of the model's adjudicator, `rated_by` = `consensus.adjudicator`,
default `adjudicated`; required where raters differ).

Agreement is Krippendorff's alpha for ordinal data over the raters' positions on the model's
ladder (its first `order` chain under its own mapping: for Attinà none < low < medium/low <
medium < high), per item (units: the cases) and per model (units: case x item), with a 95%
percentile bootstrap interval over units (Zapf et al. 2016, BMC Med Res Methodol 16:93
recommend alpha with a unit bootstrap). An adjudicated rating is not an independent one and
is left out. Items where two raters are more than one ladder step apart are listed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from sceval.partnership.model import CONSENSUS_RULES, Model, ParsedRating, resolve

__all__ = ["CONSENSUS_RULES", "agreement_rows", "ordinal_alpha"]
BOOTSTRAP_SAMPLES = 2000
BOOTSTRAP_SEED = 20050701  # fixed: a run recomputed gives the same interval


@dataclass(frozen=True)
class Alpha:
    """Krippendorff's alpha with its bootstrap interval and what it rests on."""

    alpha: float | None
    ci_low: float | None
    ci_high: float | None
    raters: int
    units: int
    values: int
    note: str | None = None


def ladder(model: Model) -> np.ndarray:
    """The ordinal steps of the model's scale as scores under its own mapping."""
    values = model.default_mapping
    if model.order:
        steps = [resolve(ref, values) for ref in model.order[0]]
    else:
        steps = sorted({resolve(lv["score"], values) for lv in model.levels.values()})
    return np.asarray(steps, dtype=float)


def position(p: ParsedRating, steps: np.ndarray, mapping: dict[str, float]) -> float:
    """A rating's place on the ladder (0 = first step; between steps by linear interpolation)."""
    score = resolve(p.score_ref, mapping) * resolve(p.factor_ref, mapping)
    return float(np.interp(score, steps, np.arange(len(steps), dtype=float)))


def _unit_coincidences(data: np.ndarray, domain: np.ndarray) -> np.ndarray:
    """Per unit (column of `data`, raters x units, NaN = missing) its coincidence matrix."""
    v = len(domain)
    out = np.zeros((data.shape[1], v, v))
    for u in range(data.shape[1]):
        vals = data[:, u][~np.isnan(data[:, u])]
        m = len(vals)
        if m < 2:
            continue
        idx = np.searchsorted(domain, vals)
        counts = np.bincount(idx, minlength=v).astype(float)
        # Ordered pairs of values from different raters, each unit weighted 1 / (m - 1).
        out[u] = (np.outer(counts, counts) - np.diag(counts)) / (m - 1)
    return out


def _alpha_from(coinc: np.ndarray) -> np.ndarray:
    """Ordinal alpha of coincidence matrices (..., V, V); NaN where expected disagreement is 0.

    alpha = 1 - (n - 1) sum o_ck d2_ck / sum n_c n_k d2_ck, with the ordinal metric
    d2_ck = (sum_{g=c..k} n_g - (n_c + n_k) / 2)^2 (Krippendorff 2011, Computing
    Krippendorff's alpha-reliability).
    """
    n_c = coinc.sum(axis=-1)
    n = n_c.sum(axis=-1)
    cum = np.cumsum(n_c, axis=-1)
    lo = cum[..., :, None] - n_c[..., :, None]  # sum before c
    hi = cum[..., None, :]  # sum up to k
    between = hi - lo  # for c <= k: sum_{g=c..k} n_g
    half = (n_c[..., :, None] + n_c[..., None, :]) / 2.0
    d2 = (between - half) ** 2
    upper = np.triu(np.ones(d2.shape[-2:], dtype=bool))
    d2 = np.where(upper, d2, np.swapaxes(d2, -1, -2))
    observed = (coinc * d2).sum(axis=(-1, -2))
    expected = (n_c[..., :, None] * n_c[..., None, :] * d2).sum(axis=(-1, -2))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(expected > 0, 1.0 - (n - 1) * observed / expected, np.nan)


def ordinal_alpha(data: np.ndarray, *, samples: int = BOOTSTRAP_SAMPLES) -> Alpha:
    """Krippendorff's alpha (ordinal) of a raters x units matrix (NaN = not rated), with a
    95% percentile bootstrap interval over units."""
    import krippendorff

    data = np.asarray(data, dtype=float)
    rated = ~np.isnan(data)
    pairable = rated.sum(axis=0) >= 2
    raters = int(rated[:, pairable].any(axis=1).sum())
    units = int(pairable.sum())
    values = int(rated[:, pairable].sum())
    if units == 0:
        return Alpha(None, None, None, raters, 0, 0, "no case rated by two raters")
    domain = np.unique(data[rated])
    if len(domain) < 2:
        return Alpha(None, None, None, raters, units, values, "all raters gave one value")
    point = float(
        krippendorff.alpha(
            reliability_data=data[:, pairable],
            level_of_measurement="ordinal",
            value_domain=domain,
        )
    )
    coinc = _unit_coincidences(data[:, pairable], domain)
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    draws = rng.integers(0, units, size=(samples, units))
    weights = np.zeros((samples, units))
    np.add.at(weights, (np.arange(samples)[:, None], draws), 1.0)
    boot = _alpha_from(np.einsum("bu,uck->bck", weights, coinc))
    boot = boot[~np.isnan(boot)]
    note = None
    if units < 10:
        note = f"only {units} units: the interval is wide and rough"
    if boot.size < samples * 0.9:
        return Alpha(point, None, None, raters, units, values, "too few resamples varied")
    low, high = np.percentile(boot, [2.5, 97.5])
    return Alpha(point, float(low), float(high), raters, units, values, note)


def consensus_values(rule: str, columns: list[np.ndarray]) -> np.ndarray:
    """The consensus score per mapping of several raters' score columns."""
    stack = np.stack(columns)
    if rule == "mean":
        return stack.mean(axis=0)
    return np.median(stack, axis=0)


AGREEMENT_SCHEMA = {
    "run_id": pl.String,
    "model_id": pl.String,
    "rating_round": pl.Date,
    "level": pl.String,
    "case_id": pl.String,
    "item_id": pl.String,
    "alpha": pl.Float64,
    "ci_low": pl.Float64,
    "ci_high": pl.Float64,
    "raters": pl.Int32,
    "units": pl.Int32,
    "pairable_values": pl.Int32,
    "steps_apart": pl.Float64,
    "ratings": pl.String,
    "note": pl.String,
}


def _round(x: float | None) -> float | None:
    return None if x is None or np.isnan(x) else round(float(x), 12)


def agreement_rows(model: Model, ratings: pl.DataFrame, run_id: str) -> list[dict]:
    """Agreement rows of one model: per round, the model and each item (alpha with its 95%
    interval) and every case-item where raters are more than one ladder step apart."""
    steps = ladder(model)
    mapping = model.default_mapping
    adjudicator = model.adjudicator
    independent = ratings.filter(pl.col("rated_by").fill_null("") != adjudicator)
    out: list[dict] = []
    base = {"run_id": run_id, "model_id": model.id}
    items = [i.id for i in model.items]
    for (rnd,), part in independent.group_by(["rated_on"], maintain_order=True):
        raters = sorted({str(r) for r in part["rated_by"].to_list()})
        if len(raters) < 2:
            continue
        cases = sorted(set(part["case_id"].to_list()))
        cube = np.full((len(raters), len(cases), len(items)), np.nan)
        texts: dict[tuple[str, str], list[tuple[str, str, float]]] = {}
        for case_id, item_id, text, rater in part.select(
            "case_id", "item_id", "rating_text", "rated_by"
        ).iter_rows():
            p = model.parse(text, case_id=case_id, item_id=item_id)
            pos = position(p, steps, mapping)
            cube[raters.index(str(rater)), cases.index(case_id), items.index(item_id)] = pos
            texts.setdefault((case_id, item_id), []).append((str(rater), text, pos))
        whole = ordinal_alpha(cube.reshape(len(raters), -1))
        out.append(base | _alpha_row(rnd, "model", None, None, whole))
        for k, item_id in enumerate(items):
            if np.isnan(cube[:, :, k]).all():
                continue
            out.append(base | _alpha_row(rnd, "item", None, item_id, ordinal_alpha(cube[:, :, k])))
        for (case_id, item_id), given in sorted(texts.items()):
            spread = max(g[2] for g in given) - min(g[2] for g in given)
            if len(given) >= 2 and spread > 1.0 + 1e-9:
                out.append(
                    base
                    | {
                        "rating_round": rnd,
                        "level": "disagreement",
                        "case_id": case_id,
                        "item_id": item_id,
                        "raters": len(given),
                        "steps_apart": _round(spread),
                        "ratings": "; ".join(f"{r}: {t}" for r, t, _ in sorted(given)),
                        "note": f"raters {spread:.2f} steps apart on the model's ladder "
                        "(more than one): discuss or adjudicate",
                    }
                )
    return out


def _alpha_row(rnd, level: str, case_id, item_id, a: Alpha) -> dict:
    return {
        "rating_round": rnd,
        "level": level,
        "case_id": case_id,
        "item_id": item_id,
        "alpha": _round(a.alpha),
        "ci_low": _round(a.ci_low),
        "ci_high": _round(a.ci_high),
        "raters": a.raters,
        "units": a.units,
        "pairable_values": a.values,
        "note": a.note,
    }


def agreement_frame(rows: list[dict]) -> pl.DataFrame:
    """Rows as a frame in the column order of `partnership_agreement`."""
    full = [{c: r.get(c) for c in AGREEMENT_SCHEMA} for r in rows]
    return pl.DataFrame(full, schema=AGREEMENT_SCHEMA, orient="row")
