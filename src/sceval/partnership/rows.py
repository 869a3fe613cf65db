"""`partnership_scores` rows from a scored model: items, dimensions, overall, robustness."""

from __future__ import annotations

import numpy as np
import polars as pl

from sceval.partnership.robustness import conclusion_figures, pair_figures, rank_figures, ranks
from sceval.partnership.score import EPS, Scored, effective_weights

SCHEMA = {
    "run_id": pl.String,
    "model_id": pl.String,
    "case_id": pl.String,
    "level": pl.String,
    "dimension_id": pl.String,
    "item_id": pl.String,
    "score": pl.Float64,
    "max_score": pl.Float64,
    "weight": pl.Float64,
    "rank": pl.Int32,
    "rating_text": pl.String,
    "rating_base": pl.String,
    "qualifier": pl.String,
    "source": pl.String,
    "note": pl.String,
    "rating_round": pl.Date,
}


def _f(x: float) -> float | None:
    return None if x is None or np.isnan(x) else round(float(x), 12)


def _range(values: np.ndarray) -> str:
    v = values[~np.isnan(values)]
    if not v.size:
        return "not scored under any alternative"
    return f"{v.min():.2f}-{v.max():.2f} across {v.size} alternative mappings"


def _rank_column(values: np.ndarray) -> np.ndarray:
    return ranks(values[None, :])[0]


def _scored(case_id, level, dimension_id, item_id, score, rank) -> dict:
    """The identifying and scored columns of an item, dimension or overall row."""
    return {
        "case_id": case_id,
        "level": level,
        "dimension_id": dimension_id,
        "item_id": item_id,
        "score": _f(score),
        "rank": int(rank) or None,
        "rating_text": None,
        "rating_base": None,
        "qualifier": None,
    }


def score_rows(scored: Scored, run_id: str) -> list[dict]:
    """Item, dimension and overall rows (source expert) under the model's own mapping."""
    model, rows = scored.model, []
    weights = effective_weights(model)
    base = {"run_id": run_id, "model_id": model.id, "max_score": 1.0, "source": "expert"}
    default = model.default_mapping
    for k, item_id in enumerate(scored.items):
        item = model.item(item_id)
        col = scored.item_scores[0, :, k]
        rk = _rank_column(col)
        for c, case_id in enumerate(scored.cases):
            p = scored.parsed.get((case_id, item_id))
            if p is None:
                continue
            note = [f"{item.label} ({item.citation})"]
            if p.qualifier_kind is not None:
                factor = (
                    p.factor_ref if not isinstance(p.factor_ref, str) else default[p.factor_ref]
                )
                note.append(
                    f"qualifier {p.qualifier!r} ({p.qualifier_kind}): x{factor:g} of {p.base}"
                )
            if p.indeterminate:
                note.append("indeterminate rating: scored at the scale's middle by default")
            note.append("range " + _range(scored.item_scores[:, c, k]))
            ev = scored.evidence.get((case_id, item_id))
            if ev:
                note.append(f"evidence: {ev}")
            rows.append(
                base
                | _scored(case_id, "item", item.dimension_id, item_id, col[c], rk[c])
                | {
                    "weight": _f(weights[item_id]),
                    "rating_text": p.text,
                    "rating_base": p.base,
                    "qualifier": p.qualifier,
                    "note": "; ".join(note),
                }
            )
    dim_w = np.array([d.weight for d in model.dimensions], dtype=float)
    dim_w = dim_w / dim_w.sum()
    for k, dim in enumerate(model.dimensions):
        col = scored.dim_scores[0, :, k]
        rk = _rank_column(col)
        for c, case_id in enumerate(scored.cases):
            behind = [
                f"{it.id}={scored.parsed[(case_id, it.id)].text}"
                for it in dim.items
                if (case_id, it.id) in scored.parsed
            ]
            rated = f"{len(behind)} of {len(dim.items)} items rated"
            status = "" if not np.isnan(col[c]) else "insufficient_data: "
            rows.append(
                base
                | _scored(case_id, "dimension", dim.id, None, col[c], rk[c])
                | {
                    "weight": _f(dim_w[k]),
                    "note": f"{status}{rated}: {', '.join(behind) or '-'}; range "
                    + _range(scored.dim_scores[:, c, k]),
                }
            )
    col = scored.overall[0]
    rk = _rank_column(col)
    for c, case_id in enumerate(scored.cases):
        dims = ", ".join(f"{d}={scored.dim_scores[0, c, k]:.2f}" for k, d in enumerate(scored.dims))
        status = "" if not np.isnan(col[c]) else "insufficient_data: "
        rows.append(
            base
            | _scored(case_id, "overall", None, None, col[c], rk[c])
            | {"weight": 1.0, "note": f"{status}{dims}; range " + _range(scored.overall[:, c])}
        )
    return rows


def robustness_rows(scored: Scored, run_id: str) -> list[dict]:
    """Pair stability, rank stability and conclusion rows (see docs/partnership.md)."""
    model = scored.model
    base = {
        "run_id": run_id,
        "model_id": model.id,
        "max_score": 1.0,
        "weight": None,
        "rating_base": None,
        "qualifier": None,
        "source": "expert",
    }
    rows = []
    for f in pair_figures(scored):
        rows.append(
            base
            | {
                "case_id": f.case_a,
                "level": "pair_stability",
                "dimension_id": f.scope,
                "item_id": f.case_b,
                "score": _f(f.above),
                "rank": None,
                "rating_text": f.verdict,
                "note": f"{f.case_a} above {f.case_b} on {f.scope or 'overall'} in {f.above:.0%} "
                f"of {f.n} alternative mappings (tied {f.tied:.0%}, below {f.below:.0%})",
            }
        )
    for r in rank_figures(scored):
        rows.append(
            base
            | {
                "case_id": r.case_id,
                "level": "rank_stability",
                "dimension_id": None,
                "item_id": None,
                "score": _f(r.same_rank),
                "rank": r.rank,
                "rating_text": "robust" if r.same_rank >= 1 - EPS else "varies",
                "note": f"overall rank {r.rank} under the model's mapping; rank {r.best}-{r.worst} "
                f"across {r.n} alternative mappings ({r.same_rank:.0%} keep rank {r.rank})",
            }
        )
    for cf in conclusion_figures(scored):
        if not cf.evaluable:
            verdict, note = "not_evaluable", "a case it names is not rated"
        else:
            verdict = "holds" if cf.holds else "fails"
            note = f"holds under {cf.stability:.0%} of {cf.n} alternative mappings"
            if cf.failing:
                note += "; fails on " + ", ".join(cf.failing)
        rows.append(
            base
            | {
                "case_id": "*",
                "level": "conclusion",
                "dimension_id": None,
                "item_id": cf.conclusion.id,
                "score": _f(cf.stability),
                "rank": None,
                "rating_text": verdict,
                "note": f'{note}. "{cf.conclusion.quote}"',
            }
        )
    return rows


def frame(rows: list[dict]) -> pl.DataFrame:
    """Rows as a frame in the column order of `partnership_scores`."""
    return pl.DataFrame(rows, schema=SCHEMA, orient="row") if rows else pl.DataFrame(schema=SCHEMA)
