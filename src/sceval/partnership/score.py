"""Scoring one model's ratings under every reasonable mapping at once.

Scores are held as arrays over (alternative, case, item): alternative 0 is the model's own
mapping with the model's weights; the others are the robustness analysis's alternatives
(parameter combinations x weighting schemes). Everything the output says is read from them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from sceval.errors import InvalidDataError
from sceval.partnership.model import Model, ParsedRating, resolve

EPS = 1e-9


@dataclass
class Scored:
    """A model's expert ratings scored under every alternative (index 0 = the model's own)."""

    model: Model
    cases: list[str]
    items: list[str]
    parsed: dict[tuple[str, str], ParsedRating]
    evidence: dict[tuple[str, str], str | None]
    alternatives: list[tuple[dict[str, float], str]]
    item_scores: np.ndarray  # (alt, case, item), NaN = not rated
    dim_scores: np.ndarray  # (alt, case, dim), NaN = too little rated
    overall: np.ndarray  # (alt, case)

    @property
    def dims(self) -> list[str]:
        return [d.id for d in self.model.dimensions]

    def case_index(self, case_id: str) -> int:
        return self.cases.index(case_id)


def parse_ratings(model: Model, ratings: pl.DataFrame) -> dict[tuple[str, str], ParsedRating]:
    """Every rating of the frame resolved through the scale; unknown items or texts fail."""
    known = {i.id for i in model.items}
    out = {}
    for case_id, item_id, text in ratings.select("case_id", "item_id", "rating_text").iter_rows():
        if item_id not in known:
            raise InvalidDataError(
                f"partnership_ratings: model {model.id}, case {case_id}, item {item_id}: the model "
                f"({model.path.name}) has no such item; its items: {', '.join(sorted(known))}",
                exit_code=2,
            )
        out[(case_id, item_id)] = model.parse(text, case_id=case_id, item_id=item_id)
    return out


def score_model(model: Model, ratings: pl.DataFrame) -> Scored:
    """Score the expert ratings of one model under its own and every alternative mapping."""
    parsed = parse_ratings(model, ratings)
    evidence = {
        (c, i): e for c, i, e in ratings.select("case_id", "item_id", "evidence").iter_rows()
    }
    declared = [c for c in model.cases if any(k[0] == c for k in parsed)]
    cases = declared + sorted({c for c, _ in parsed} - set(declared))
    items = [i.id for i in model.items]
    mappings = model.mappings()
    alternatives = [(m, w) for w in model.weights_alternatives for m in mappings]
    # Cell scores under each mapping: base score x qualifier factor, vectorised over mappings.
    cells = np.full((len(mappings), len(cases), len(items)), np.nan)
    names = list(model.parameters)
    table = np.array([[m[n] for n in names] for m in mappings]).reshape(len(mappings), len(names))

    def column(ref: float | str) -> np.ndarray:
        if isinstance(ref, str):
            return table[:, names.index(ref)]
        return np.full(len(mappings), float(ref))

    for (case_id, item_id), p in parsed.items():
        cells[:, cases.index(case_id), items.index(item_id)] = column(p.score_ref) * column(
            p.factor_ref
        )
    per_weights = [_aggregate(model, cells, w) for w in model.weights_alternatives]
    return Scored(
        model=model,
        cases=cases,
        items=items,
        parsed=parsed,
        evidence=evidence,
        alternatives=alternatives,
        item_scores=np.concatenate([np.asarray(cells)] * len(per_weights)),
        dim_scores=np.concatenate([d for d, _ in per_weights]),
        overall=np.concatenate([o for _, o in per_weights]),
    )


def item_weights(model: Model, scheme: str) -> tuple[np.ndarray, np.ndarray]:
    """Item weights within their dimension and dimension weights, under a weighting scheme."""
    if scheme == "equal":
        iw = np.ones(len(model.items))
        dw = np.array([len(d.items) for d in model.dimensions], dtype=float)
    else:
        iw = np.array([i.weight for i in model.items], dtype=float)
        dw = np.array([d.weight for d in model.dimensions], dtype=float)
    return iw, dw


def effective_weights(model: Model) -> dict[str, float]:
    """Each item's share of the overall score under the model's own weights."""
    iw, dw = item_weights(model, "model")
    out, k = {}, 0
    for d, w in zip(model.dimensions, dw / dw.sum(), strict=True):
        within = iw[k : k + len(d.items)]
        for item, v in zip(d.items, w * within / within.sum(), strict=True):
            out[item.id] = float(v)
        k += len(d.items)
    return out


def _weighted(values: np.ndarray, weights: np.ndarray, min_coverage: float) -> np.ndarray:
    """Weighted mean over the last axis, ignoring NaN; NaN when coverage is too low."""
    rated = ~np.isnan(values)
    w = np.where(rated, weights, 0.0)
    total = w.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(rated, values, 0.0) @ weights / np.where(total > 0, total, np.nan)
        coverage = total / weights.sum()
    return np.where(coverage + EPS >= min_coverage, mean, np.nan)


def _aggregate(model: Model, cells: np.ndarray, scheme: str) -> tuple[np.ndarray, np.ndarray]:
    iw, dw = item_weights(model, scheme)
    dims, k = [], 0
    for d in model.dimensions:
        n = len(d.items)
        dims.append(_weighted(cells[:, :, k : k + n], iw[k : k + n], model.min_coverage))
        k += n
    dim_scores = np.stack(dims, axis=-1)
    overall = _weighted(dim_scores, dw, model.min_coverage)
    return dim_scores, overall


def term_values(scored: Scored, term) -> np.ndarray:
    """A claim term's value under every alternative (NaN when its case is not rated)."""
    n = len(scored.alternatives)
    if term.kind == "value":
        return np.full(n, float(term.ref))
    if term.case not in scored.cases:
        return np.full(n, np.nan)
    c = scored.case_index(term.case)
    if term.kind == "overall":
        return scored.overall[:, c]
    if term.kind == "dimension":
        return scored.dim_scores[:, c, scored.dims.index(term.ref)]
    if term.kind == "item":
        return scored.item_scores[:, c, scored.items.index(term.ref)]
    idx = [scored.items.index(i) for i in term.ref]
    weights = np.array([scored.model.item(i).weight for i in term.ref], dtype=float)
    return _weighted(scored.item_scores[:, c, idx], weights, 1.0)


def resolve_score(p: ParsedRating, mapping: dict[str, float]) -> float:
    """One rating's score under one mapping."""
    return resolve(p.score_ref, mapping) * resolve(p.factor_ref, mapping)
