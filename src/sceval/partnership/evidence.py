"""Data-based ratings: what the program data says about an item, beside the expert's rating.

A model item may carry `data:` rules: a named measure over the programs mapped to a case
(`cases.<id>.programs` in the model file: by `framework`, `provider`, `region` or `program_ids`),
a minimum sample `min_n`, and `bands` from measured value to a rating text of the model's scale.
An item with several rules takes the lowest rating (`data_combine: min`) or their mean (`mean`).
"""

from __future__ import annotations

import polars as pl

from sceval.errors import ProjectError
from sceval.partnership.measures import MEASURES, SENIORITY  # noqa: F401 - evidence.MEASURES
from sceval.partnership.model import Model, ParsedRating, resolve_score

DATE_COLUMN = {"dialogues": "date", "activities": "planned_start"}

_PROGRAM_FILTERS = ("framework", "provider", "region", "partner_country")


def case_programs(con, model: Model, case_id: str) -> list[str]:
    """Program ids a case maps to, by the model file's `cases.<id>.programs` rule."""
    rule = (model.cases.get(case_id) or {}).get("programs")
    if not rule:
        return []
    ids = [str(x) for x in rule.get("program_ids") or []]
    clauses, params = [], []
    for key in _PROGRAM_FILTERS:
        wanted = rule.get(key)
        if wanted:
            wanted = wanted if isinstance(wanted, list) else [wanted]
            clauses.append(f"list_contains(?, lower(trim({key})))")
            params.append([str(w).strip().lower() for w in wanted])
    if clauses:
        found = con.execute(
            "SELECT program_id FROM programs WHERE " + " AND ".join(clauses) + " ORDER BY 1",
            params,
        ).fetchall()
        ids += [r[0] for r in found if r[0] not in ids]
    return ids


def measure(
    con, name: str, programs: list[str], recent_years: float | None = None
) -> tuple[float | None, int, str]:
    """A named measure over the programs: value (None when nothing to measure), n, unit of n."""
    try:
        _, sql, table = MEASURES[name]
    except KeyError:
        raise ProjectError(f"unknown data measure {name!r}; known: {', '.join(MEASURES)}") from None
    day = DATE_COLUMN[table]
    rows = f"(SELECT * FROM {table} WHERE list_contains($1, program_id)"
    if recent_years:
        days = round(float(recent_years) * 365.25)
        rows += (
            f" AND {day} > (SELECT max({day}) FROM {table} WHERE list_contains($1, program_id))"
            f" - INTERVAL {days} DAY"
        )
        years = str(float(recent_years))
    else:
        years = f"(max({day}) - min({day}) + 1) / 365.25"
    query = sql.format(rows=rows + ") AS r", years=years)
    value, n = con.execute(query, [programs]).fetchall()[0]
    return (None if value is None else float(value)), int(n or 0), table


def band_rating(rule: dict, value: float) -> str:
    """The rating text of the first band whose `min` the value reaches."""
    for band in rule.get("bands") or []:
        if value + 1e-12 >= float(band.get("min", 0)):
            return str(band["rating"])
    return str(rule["bands"][-1]["rating"])


def data_rows(con, model: Model, expert: pl.DataFrame, run_id: str) -> list[dict]:
    """One row per (case, item with data rules) with a data-based rating, flagging disagreement."""
    rated = {
        (c, i): t for c, i, t in expert.select("case_id", "item_id", "rating_text").iter_rows()
    }
    rows = []
    default = model.default_mapping
    for case_id in model.cases:
        programs = case_programs(con, model, case_id)
        if not programs:
            continue
        for item in model.items:
            if not item.data:
                continue
            parts, found = [], []
            for rule in item.data:
                value, n, unit = measure(
                    con, str(rule.get("measure")), programs, rule.get("recent_years")
                )
                min_n = int(rule.get("min_n", 1))
                if value is None or n < min_n:
                    parts.append(f"{rule['measure']}: {n} {unit} (< {min_n}), insufficient_data")
                    continue
                text = band_rating(rule, value)
                p = model.parse(text, case_id=case_id, item_id=item.id)
                found.append((p, resolve_score(p, default)))
                window = (
                    f" in the last {rule['recent_years']} years" if rule.get("recent_years") else ""
                )
                parts.append(f"{rule['measure']}={value:.3g} over {n} {unit}{window} -> {text}")
            row = {
                "run_id": run_id,
                "model_id": model.id,
                "case_id": case_id,
                "level": "item",
                "dimension_id": item.dimension_id,
                "item_id": item.id,
                "max_score": 1.0,
                "weight": None,
                "rank": None,
                "source": "data",
            }
            if not found:
                rows.append(
                    row
                    | {
                        "score": None,
                        "rating_text": None,
                        "rating_base": "insufficient_data",
                        "qualifier": None,
                        "note": "insufficient_data: " + "; ".join(parts),
                    }
                )
                continue
            p, score = _combine(found, item.data_combine)
            verdict = _compare(model, rated.get((case_id, item.id)), score, case_id, item.id)
            rows.append(
                row
                | {
                    "score": round(score, 12),
                    "rating_text": p.text,
                    "rating_base": p.base,
                    "qualifier": p.qualifier,
                    "note": f"{verdict}; programs {', '.join(programs)}; " + "; ".join(parts),
                }
            )
    return rows


def _combine(found: list[tuple[ParsedRating, float]], how: str) -> tuple[ParsedRating, float]:
    if how == "mean":
        score = sum(s for _, s in found) / len(found)
        nearest = min(found, key=lambda ps: abs(ps[1] - score))[0]
        return nearest, score
    return min(found, key=lambda ps: ps[1])


def _compare(
    model: Model, expert_text: str | None, score: float, case_id: str, item_id: str
) -> str:
    """`agree`, `disagree` (by more than the model's threshold) or `no expert rating`."""
    if expert_text is None:
        return "no expert rating"
    p = model.parse(expert_text, case_id=case_id, item_id=item_id)
    expert = resolve_score(p, model.default_mapping)
    gap = score - expert
    word = "disagree" if abs(gap) > model.disagreement_threshold + 1e-9 else "agree"
    return f"{word} with expert rating {expert_text!r} ({expert:.2f} vs data {score:.2f})"
