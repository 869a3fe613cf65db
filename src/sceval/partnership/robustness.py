"""How much the comparisons depend on how ratings become numbers.

Every figure here is a share of the alternatives (reasonable mappings x weighting schemes,
see `Model.mappings`) under which something holds. 1.0 means it holds under all of them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sceval.partnership.model import Claim, Conclusion
from sceval.partnership.score import EPS, Scored, term_values


@dataclass(frozen=True)
class PairFigure:
    """Case A against case B on one scope (overall, or a dimension)."""

    case_a: str
    case_b: str
    scope: str | None  # None = overall
    above: float
    tied: float
    below: float
    n: int

    @property
    def verdict(self) -> str:
        if self.above >= 1 - EPS:
            return "robust"
        if self.below >= 1 - EPS:
            return "robust_below"
        if self.tied >= 1 - EPS:
            return "tied"
        if max(self.above, self.below) >= 0.8:
            return "mostly"
        return "fragile"


def _share(mask: np.ndarray, valid: np.ndarray) -> float:
    n = int(valid.sum())
    return float((mask & valid).sum() / n) if n else float("nan")


def pair_figures(scored: Scored) -> list[PairFigure]:
    """Every ordered pair of cases, overall and per dimension."""
    scopes: list[tuple[str | None, np.ndarray]] = [(None, scored.overall)]
    scopes += [(d, scored.dim_scores[:, :, k]) for k, d in enumerate(scored.dims)]
    out = []
    for scope, values in scopes:
        for a, case_a in enumerate(scored.cases):
            for b, case_b in enumerate(scored.cases):
                if a == b:
                    continue
                va, vb = values[:, a], values[:, b]
                valid = ~(np.isnan(va) | np.isnan(vb))
                n = int(valid.sum())
                if not n:
                    continue
                diff = np.where(valid, va - vb, 0.0)
                out.append(
                    PairFigure(
                        case_a,
                        case_b,
                        scope,
                        _share(diff > EPS, valid),
                        _share(np.abs(diff) <= EPS, valid),
                        _share(diff < -EPS, valid),
                        n,
                    )
                )
    return out


def ranks(values: np.ndarray) -> np.ndarray:
    """Competition ranks (1 = best, ties share the better rank) along the last axis; 0 = unscored."""
    v = np.where(np.isnan(values), -np.inf, values)
    greater = (v[..., None, :] > v[..., :, None] + EPS).sum(axis=-1)
    return np.where(np.isnan(values), 0, greater + 1)


@dataclass(frozen=True)
class RankFigure:
    case_id: str
    rank: int
    same_rank: float
    best: int
    worst: int
    n: int


def rank_figures(scored: Scored) -> list[RankFigure]:
    """For each case: its overall rank, and the share of alternatives that give it that rank."""
    r = ranks(scored.overall)
    out = []
    for c, case_id in enumerate(scored.cases):
        valid = r[:, c] > 0
        if not valid[0]:
            continue
        col = r[valid, c]
        out.append(
            RankFigure(
                case_id,
                int(r[0, c]),
                float((col == r[0, c]).mean()),
                int(col.min()),
                int(col.max()),
                int(valid.sum()),
            )
        )
    return out


def claim_holds(scored: Scored, claim: Claim) -> np.ndarray:
    """Per alternative: does the claim hold (False where it cannot be evaluated)."""
    n = len(scored.alternatives)
    if claim.kind == "indeterminate":
        p = scored.parsed.get((claim.left.case, claim.left.ref))
        return np.full(n, bool(p is not None and p.indeterminate))
    lv, rv = term_values(scored, claim.left), term_values(scored, claim.right)
    d = lv - rv
    with np.errstate(invalid="ignore"):
        result = {
            ">": d > EPS,
            ">=": d >= -EPS,
            "<": d < -EPS,
            "<=": d <= EPS,
            "==": np.abs(d) <= EPS,
            "!=": np.abs(d) > EPS,
        }[claim.op]
    return result & ~np.isnan(d)


@dataclass(frozen=True)
class ConclusionFigure:
    conclusion: Conclusion
    evaluable: bool
    holds: bool
    stability: float
    n: int
    failing: tuple[str, ...]


def describe(claim: Claim) -> str:
    """A claim in words, for notes."""
    if claim.kind == "indeterminate":
        return f"{claim.left.case}/{claim.left.ref} is indeterminate"

    def term(t) -> str:
        if t.kind == "value":
            return f"{t.ref:g}"
        ref = "overall" if t.kind == "overall" else "+".join(t.ref) if t.kind == "items" else t.ref
        return f"{t.case}/{ref}"

    return f"{term(claim.left)} {claim.op} {term(claim.right)}"


def conclusion_figures(scored: Scored) -> list[ConclusionFigure]:
    """Each of the model's conclusions under its own mapping and across all alternatives."""
    out = []
    for c in scored.model.conclusions:
        evaluable = all(case in scored.cases for cl in c.claims for case in cl.cases())
        if not evaluable:
            out.append(ConclusionFigure(c, False, False, float("nan"), 0, ()))
            continue
        per_claim = [claim_holds(scored, cl) for cl in c.claims]
        all_hold = np.logical_and.reduce(per_claim)
        failing = tuple(describe(cl) for cl, h in zip(c.claims, per_claim, strict=True) if not h[0])
        out.append(
            ConclusionFigure(
                c, True, bool(all_hold[0]), float(all_hold.mean()), len(all_hold), failing
            )
        )
    return out
