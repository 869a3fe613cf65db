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
from sceval.partnership.agreement import consensus_values
from sceval.partnership.model import Model, ParsedRating, resolve, resolve_score  # noqa: F401

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


def parse_ratings(
    model: Model, ratings: pl.DataFrame
) -> dict[tuple[str, str], list[tuple[str | None, ParsedRating]]]:
    """Every rating of the frame resolved through the scale, per (case, item) the raters'
    (rated_by, rating); unknown items or texts fail."""
    known = {i.id for i in model.items}
    out: dict[tuple[str, str], list[tuple[str | None, ParsedRating]]] = {}
    raters = ratings["rated_by"] if "rated_by" in ratings.columns else [None] * ratings.height
    rows = ratings.select("case_id", "item_id", "rating_text").iter_rows()
    for (case_id, item_id, text), rater in zip(rows, raters, strict=True):
        if item_id not in known:
            raise InvalidDataError(
                f"partnership_ratings: model {model.id}, case {case_id}, item {item_id}: the model "
                f"({model.path.name}) has no such item; its items: {', '.join(sorted(known))}",
                exit_code=2,
            )
        p = model.parse(text, case_id=case_id, item_id=item_id)
        out.setdefault((case_id, item_id), []).append((rater, p))
    return out


def _consensus_inputs(
    model: Model, given: list[tuple[str | None, ParsedRating]]
) -> tuple[list[tuple[str | None, ParsedRating]], str | None]:
    """The ratings the consensus rule combines, and a note saying how (None: one rating)."""
    if len(given) == 1:
        return given, None
    adjudicated = [g for g in given if g[0] == model.adjudicator]
    others = [g for g in given if g[0] != model.adjudicator] or given
    if model.consensus == "adjudicated":
        if adjudicated:
            return adjudicated[:1], f"adjudicated rating of {len(others)} raters"
        rule = "median"
        how = f"not yet adjudicated: median of {len(others)} raters"
    else:
        rule = model.consensus
        how = f"{rule} of {len(others)} raters"
    texts = ", ".join(f"{r or '?'}: {p.text}" for r, p in others)
    return others, f"{how} ({texts})"


def score_model(model: Model, ratings: pl.DataFrame) -> Scored:
    """Score the expert ratings of one model under its own and every alternative mapping.

    Several raters of one (case, item) are combined by the model's consensus rule, under
    each mapping (the median or mean of their scores, or the adjudicated rating).
    """
    groups = parse_ratings(model, ratings)
    combined = {k: _consensus_inputs(model, v) for k, v in groups.items()}
    default = model.default_mapping
    parsed: dict[tuple[str, str], ParsedRating] = {}
    consensus: dict[tuple[str, str], str] = {}
    for key, (used, how) in combined.items():
        if how is None or len(used) == 1:
            parsed[key] = used[0][1]
        else:
            # The rating text shown is the one nearest the consensus; the note names them all.
            scores = [resolve_score(p, default) for _, p in used]
            target = float(consensus_values(model.consensus, [np.array(scores)])[0])
            nearest = min(used, key=lambda g: abs(resolve_score(g[1], default) - target))
            parsed[key] = nearest[1]
        if how is not None:
            consensus[key] = how
    evidence: dict[tuple[str, str], str | None] = {}
    for c, i, e in ratings.select("case_id", "item_id", "evidence").iter_rows():
        if e and evidence.get((c, i)) and e not in str(evidence[(c, i)]):
            e = f"{evidence[(c, i)]} | {e}"
        evidence[(c, i)] = e or evidence.get((c, i))
    for key, how in consensus.items():
        evidence[key] = f"{how}" + (f"; {evidence[key]}" if evidence.get(key) else "")
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

    for (case_id, item_id), (used, _) in combined.items():
        cols = [column(p.score_ref) * column(p.factor_ref) for _, p in used]
        rule = model.consensus if model.consensus != "adjudicated" else "median"
        cells[:, cases.index(case_id), items.index(item_id)] = (
            cols[0] if len(cols) == 1 else consensus_values(rule, cols)
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
