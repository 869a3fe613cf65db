"""How a results framework is judged: statuses rolled up the chain from a run's indicators.

Rules (declared per framework, `rollup:`, or per result, `rule:`), over the statuses of the
result's indicators (program totals of the run; an indicator not computed counts as
insufficient_data):
- worst: red if any is red; else amber if any is amber; else insufficient_data if any lacks
  data (or inconclusive if any is inconclusive); else green. Never green by silence.
- majority: the status most of the indicators with data have (ties go to the worse); if
  fewer than half of the indicators have data, insufficient_data.
- weighted: weighted mean of green = 1, amber = 0.5, red = 0 over the indicators with data;
  green from 0.75, amber from 0.4, else red; insufficient_data if the indicators with data
  carry less than half of the weight.
An objective is green when its indicator has reached the target in the indicator's
direction, red when the target date has passed without it, amber before then. An assumption
is broken when its monitored value is past `broken_when`. A link is broken when a result is
green and a result it leads to is red ("outputs delivered, outcome not reached"); it holds
when the lower result is green and the upper is not red; it is not tested when the lower
result is not green.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from sceval.framework.spec import LEVELS, Framework

JUDGED = ("green", "amber", "red")
ORDER = {"green": 0, "amber": 1, "red": 2}
SCORE = {"green": 1.0, "amber": 0.5, "red": 0.0}
WEIGHTED_GREEN, WEIGHTED_AMBER = 0.75, 0.4


def rolled_up(statuses: list[str], rule: str, weights: list[float] | None = None) -> str:
    """One status from the statuses of a result's indicators, by the declared rule."""
    judged = [s for s in statuses if s in JUDGED]
    if rule == "worst":
        if "red" in judged:
            return "red"
        if "amber" in judged:
            return "amber"
        if len(judged) < len(statuses) or not statuses:
            others = [s for s in statuses if s not in JUDGED]
            return (
                "inconclusive"
                if others and all(s == "inconclusive" for s in others)
                else ("insufficient_data")
            )
        return "green"
    if rule == "majority":
        if not statuses or 2 * len(judged) < len(statuses):
            return "insufficient_data"
        counts = Counter(judged)
        top = max(counts.values())
        return max((s for s, c in counts.items() if c == top), key=ORDER.__getitem__)
    if rule == "weighted":
        w = weights or [1.0] * len(statuses)
        total = sum(w)
        have = [(s, x) for s, x in zip(statuses, w, strict=True) if s in JUDGED]
        have_w = sum(x for _, x in have)
        if total <= 0 or have_w <= 0 or 2 * have_w < total:
            return "insufficient_data"
        score = sum(SCORE[s] * x for s, x in have) / have_w
        return "green" if score >= WEIGHTED_GREEN else "amber" if score >= WEIGHTED_AMBER else "red"
    raise ValueError(f"unknown roll-up rule {rule!r}")


def objective_status(
    value: float | None, target: float, direction: str, target_date: dt.date, as_of: dt.date
) -> str:
    """green when the target is reached (in the indicator's direction); red past the date."""
    if value is None:
        return "insufficient_data"
    met = value >= target if direction == "higher" else value <= target
    if met:
        return "green"
    return "red" if as_of >= target_date else "amber"


def assumption_status(value: float | None, below: float | None, above: float | None) -> str:
    """broken when the monitored value is past its threshold, holds otherwise."""
    if value is None:
        return "insufficient_data"
    if (below is not None and value < below) or (above is not None and value > above):
        return "broken"
    return "holds"


def _fmt(v: float | None) -> str:
    return "no value" if v is None else f"{v:.3g}"


def chain_rows(
    fw: Framework,
    program_id: str,
    indicators: dict[str, dict[str, Any]],
    context: dict[str, float | None],
    directions: dict[str, str],
    as_of: dt.date,
) -> list[dict[str, Any]]:
    """The results-chain rows of one program: goal, objectives, results, assumptions, links.

    `indicators` maps indicator id to its program-total row (status, value); `context` maps
    a context series to its latest value for the program's country by the as-of date.
    """
    base = {"program_id": program_id, "framework_id": fw.id}
    rows: list[dict[str, Any]] = []

    def status_of(ind: str) -> str:
        return (indicators.get(ind) or {}).get("status") or "insufficient_data"

    for o in fw.objectives:
        value = (indicators.get(o.indicator) or {}).get("value")
        usable = status_of(o.indicator) not in ("insufficient_data",)
        st = objective_status(
            value if usable else None,
            o.target,
            directions.get(o.indicator, "higher"),
            o.target_date,
            as_of,
        )
        rows.append(
            {
                **base,
                "element": "objective",
                "element_id": o.id,
                "level": None,
                "text": o.text,
                "rule": "target by date",
                "status": st,
                "indicators": [o.indicator],
                "measured": value if usable else None,
                "threshold": o.target,
                "target_date": o.target_date,
                "message": f"{o.indicator} {_fmt(value if usable else None)} against target "
                f"{o.target:g} by {o.target_date.isoformat()}"
                + (f" (baseline {o.baseline:g})" if o.baseline is not None else ""),
            }
        )
    status: dict[str, str] = {}
    for r in fw.results:
        sts = [status_of(i) for i in r.indicators]
        weights = [r.weights.get(i, 1.0) for i in r.indicators]
        st = rolled_up(sts, r.rule, weights)
        status[r.id] = st
        detail = ", ".join(f"{i} {s}" for i, s in zip(r.indicators, sts, strict=True))
        rows.append(
            {
                **base,
                "element": "result",
                "element_id": r.id,
                "level": r.level,
                "text": r.text,
                "rule": r.rule,
                "status": st,
                "indicators": list(r.indicators),
                "message": f"{r.rule} of: {detail}",
            }
        )
    for a in fw.assumptions:
        if a.source == "indicator":
            row = indicators.get(a.series) or {}
            value = row.get("value") if row.get("status") != "insufficient_data" else None
        else:
            value = context.get(a.series)
        st = assumption_status(value, a.below, a.above)
        cond = " or ".join(
            [f"below {a.below:g}" for _ in [0] if a.below is not None]
            + [f"above {a.above:g}" for _ in [0] if a.above is not None]
        )
        msg = {
            "broken": f"broken: {a.series} is {_fmt(value)}, {cond}",
            "holds": f"holds: {a.series} is {_fmt(value)}, not {cond}",
            "insufficient_data": f"no value of {a.series} by the as-of date: cannot tell",
        }[st]
        rows.append(
            {
                **base,
                "element": "assumption",
                "element_id": a.id,
                "level": None,
                "text": a.text,
                "rule": f"broken when {cond}",
                "status": st,
                "indicators": [a.series],
                "measured": value,
                "threshold": a.below if a.below is not None else a.above,
                "link_from": a.link[0],
                "link_to": a.link[1],
                "message": msg,
            }
        )
    for r in fw.results:
        for to in r.leads_to:
            upper = fw.result(to)
            broken = status[r.id] == "green" and status[to] == "red"
            if broken:
                msg = (
                    f"{r.level}s delivered, {upper.level} not reached"
                    if LEVELS.index(upper.level) > LEVELS.index(r.level)
                    else "lower result green, higher result red"
                )
            link_status = "broken" if broken else "holds"
            if broken:
                pass
            elif status[r.id] not in JUDGED or status[to] not in JUDGED:
                link_status = "insufficient_data"
                msg = "cannot tell: a result of the link has insufficient data"
            elif status[r.id] != "green":
                # The lower result is not delivered: the link itself is not put to the test.
                link_status = "not_tested"
                msg = f"not tested: {r.id} is {status[r.id]}, {to} is {status[to]}"
            else:
                msg = f"holds: {r.id} green, {to} {status[to]}"
            rows.append(
                {
                    **base,
                    "element": "link",
                    "element_id": f"{r.id}->{to}",
                    "level": r.level,
                    "text": f"{r.text} -> {upper.text}",
                    "rule": "broken when green below, red above",
                    "status": link_status,
                    "indicators": [],
                    "link_from": r.id,
                    "link_to": to,
                    "message": msg,
                }
            )
    outcomes = [status[r.id] for r in fw.results if r.level == "outcome"]
    reached = rolled_up(outcomes, "worst") if outcomes else "insufficient_data"
    rows.insert(
        0,
        {
            **base,
            "element": "goal",
            "element_id": fw.id,
            "level": "impact",
            "text": fw.goal,
            "rule": "worst of the outcome results",
            "status": reached,
            "indicators": [],
            "message": {
                "green": "outcome reached",
                "red": "outcome not reached",
                "amber": "outcome partly reached",
            }.get(reached, "outcome not yet measurable"),
        },
    )
    return rows
