"""An indicator's reference sheet as `sceval catalogue ID` and the docs print it (field, text)."""

from __future__ import annotations

from sceval.indicators.catalogue import REQUIRED, Indicator

SHEET_FIELDS = [f for f in REQUIRED if f != "compute"]


def describe_compute(ind: Indicator) -> str:
    """How the engine computes the indicator, in one line."""
    if ind.function is not None:
        params = ", ".join(f"{k}={v}" for k, v in sorted(ind.params.items()))
        return f"engine function python:{ind.function}" + (f" ({params})" if params else "")
    c = ind.simple
    parts = [f"{c['aggregate']} over {c['source']}"]
    for key in ("filter", "numerator", "denominator", "value", "distinct", "date", "scale"):
        if c.get(key) is not None:
            parts.append(f"{key}: {c[key]}")
    return "; ".join(parts)


def status_rule_text(ind: Indicator) -> str:
    """The sheet's declared status rule, in words (see docs/methods.md)."""
    if ind.status_rule == "interval":
        side = "below" if ind.direction == "higher" else "above"
        return (
            f"interval: red only when the whole 95% interval lies {side} the amber cut-off; "
            "inconclusive when the interval straddles it; otherwise green or amber by the value "
            "(the value alone when there is no interval)"
        )
    return "point: the value alone decides (the interval, if any, is shown but not used)"


def sheet_rows(ind: Indicator) -> list[tuple[str, str]]:
    """The reference sheet as (field, text) pairs, in the order of the reference-sheet template."""
    rows = []
    for key in SHEET_FIELDS:
        v = ind.raw.get(key)
        if key == "thresholds":
            rel = f" x {ind.relative_to}" if ind.relative_to else ""
            op = ">=" if ind.direction == "higher" else "<="
            v = f"green {op} {ind.green:g}{rel}; amber {op} {ind.amber:g}{rel}; red otherwise"
            if ind.tolerance:
                v += f" (tolerance {ind.tolerance:g}: a value that close to a line counts as on it)"
        elif isinstance(v, list):
            v = ", ".join(str(x) for x in v) or "none"
        elif v is None:
            v = "none"
        rows.append((key, str(v).strip()))
        if key == "thresholds":
            rows.append(("status rule", status_rule_text(ind)))
    if ind.kind == "on_the_fly" and ind.project_trend:
        rows.append(
            (
                "projection",
                "least-squares line through the value at the as-of date and 91, 182, 273 and "
                "364 days before (while the program ran"
                + ("; and the baseline at the start" if ind.target_pro_rata else "")
                + "), carried to the program's end (projected_value); 95% interval "
                "projected_low-projected_high = +- t(m-2) x SE(slope) x days left; "
                "projected_status judges it against the target by the status rule",
            )
        )
    if ind.kind == "on_the_fly":
        rows.append(
            ("target to date", "pro-rated to time elapsed" if ind.target_pro_rata else "the target")
        )
        per = {
            "flow": "flow: only the rows dated in the period",
            "stock": "stock: the value at the period's end",
        }
        rows.append(("per period", per[ind.period_measure]))
    rows.append(("compute", describe_compute(ind)))
    rows.append(("file", ind.path.name))
    return rows
