"""Simple indicators, compiled from their catalogue files to Polars expressions.

A count, sum, mean, share or ratio over one source table, with a filter and disaggregations,
needs no Python: the filter and expressions are SQL expressions (`pl.sql_expr`). Indicators
that share a source are computed together: one lazy frame of masks per source, one group-by
per (program, dimension), collected once with the rest of the run.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

import polars as pl

from sceval import sqlguard
from sceval.indicators.sources import DEFAULT_DATE, in_time

if TYPE_CHECKING:
    from sceval.indicators.indicator import Indicator

ROW_SCHEMA = {
    "indicator_id": pl.String,
    "program_id": pl.String,
    "dimension": pl.String,
    "dimension_value": pl.String,
    "numerator": pl.Float64,
    "denominator": pl.Float64,
    "value": pl.Float64,
    "n": pl.Int64,
    "persons": pl.Int64,
    "sd": pl.Float64,
    "stat": pl.String,
    "note": pl.String,
}


def _sql(text: object) -> pl.Expr:
    # The catalogue's self-check already refused anything but one expression; checked again
    # here because `pl.sql_expr` would run a subquery's table function while parsing.
    sqlguard.parse_expression(text)
    return pl.sql_expr(str(text))


def _columns(
    k: int, ind: Indicator, schema: pl.Schema, since: dt.date | None = None
) -> list[pl.Expr]:
    """The per-row columns one indicator needs: its mask and its measured expressions."""
    comp = ind.simple
    date = comp.get("date", DEFAULT_DATE.get(comp["source"]))
    mask = in_time(date)
    if since is not None and date is not None:
        # A flow over a reporting period: only rows dated in it (in_time bounds the end).
        mask = mask & (pl.col(date) >= pl.lit(since, dtype=pl.Date))
    if comp.get("filter"):
        mask = mask & _sql(comp["filter"]).fill_null(False)
    cols = [mask.alias(f"_{k}_m")]
    agg = comp["aggregate"]
    if agg == "share":
        cols.append(_sql(comp["numerator"]).cast(pl.Boolean).fill_null(False).alias(f"_{k}_x"))
    elif agg in ("mean", "sum"):
        cols.append(_sql(comp["value"]).cast(pl.Float64).alias(f"_{k}_v"))
    elif agg == "ratio":
        cols.append(_sql(comp["numerator"]).cast(pl.Float64).alias(f"_{k}_a"))
        cols.append(_sql(comp["denominator"]).cast(pl.Float64).alias(f"_{k}_b"))
    return cols


def _aggregations(k: int, ind: Indicator) -> list[pl.Expr]:
    """Per-group measures of one indicator over its rows, named `_k_<field>` (persons apart)."""
    comp = ind.simple
    m = pl.col(f"_{k}_m")
    scale = float(comp.get("scale", 1))
    agg = comp["aggregate"]
    n_rows = m.sum().cast(pl.Int64)
    null = pl.lit(None, dtype=pl.Float64)
    if agg == "share":
        num = (m & pl.col(f"_{k}_x")).sum().cast(pl.Float64)
        den = n_rows.cast(pl.Float64)
        out = [num, den, num / den, n_rows, null, pl.lit("proportion")]
    elif agg == "mean":
        v = pl.when(m).then(pl.col(f"_{k}_v"))
        cnt = v.count().cast(pl.Int64)
        out = [v.sum(), cnt.cast(pl.Float64), v.mean() * scale, cnt, v.std() * scale]
        out.append(pl.lit("mean"))
    elif agg == "sum":
        v = pl.when(m).then(pl.col(f"_{k}_v"))
        out = [v.sum(), null, v.sum() * scale, n_rows, null, pl.lit(None, dtype=pl.String)]
    elif agg == "ratio":
        a = pl.when(m).then(pl.col(f"_{k}_a")).sum()
        b = pl.when(m).then(pl.col(f"_{k}_b")).sum()
        value = pl.when(b != 0).then(a / b * scale)
        # A ratio of head counts (women among participants) is a proportion: Wilson interval.
        stat = "proportion" if comp.get("interval") == "wilson" else None
        out = [a, b, value, n_rows, null, pl.lit(stat, dtype=pl.String)]
    else:  # count
        if comp.get("distinct"):
            cnt = pl.when(m).then(pl.col(comp["distinct"])).drop_nulls().n_unique()
        else:
            cnt = n_rows
        cnt = cnt.cast(pl.Int64)
        out = [cnt.cast(pl.Float64), null, cnt.cast(pl.Float64) * scale, cnt, null]
        out.append(pl.lit(None, dtype=pl.String))
    names = ("numerator", "denominator", "value", "n", "sd", "stat")
    return [e.alias(f"_{k}_{nm}") for e, nm in zip(out, names, strict=True)]


def _by_person(
    cells: pl.LazyFrame,
    keys: list[str],
    counted: Sequence[tuple[int, Indicator]],
    means: Sequence[tuple[int, Indicator]],
) -> pl.LazyFrame:
    """Per cell, from one reduction of its rows to (cell, person): the distinct persons under
    each `counted` indicator's mask, and each `means` indicator's mean over persons.

    One group-by per grouping instead of a distinct count per indicator and cell (1e7, a batch
    of 1e6 participations: 0.65 s of distinct counts and 0.54 s of per-person means).
    """
    per_person = [pl.col(f"_{k}_m").any().alias(f"_{k}_p") for k, _ in counted]
    for k, _ in means:
        ok = pl.col(f"_{k}_m") & pl.col(f"_{k}_v").is_not_null()
        ok = ok & pl.col("participant_id").is_not_null()
        per_person.append(pl.when(ok).then(pl.col(f"_{k}_v")).sum().alias(f"_{k}_s"))
        per_person.append(ok.sum().alias(f"_{k}_c"))
    per_cell = [pl.col(f"_{k}_p").sum().cast(pl.Int64).alias(f"_{k}_persons") for k, _ in counted]
    for k, ind in means:
        # A trainee who attends three courses is one observation, with their own mean, so the
        # t interval is over independent persons rather than repeated measurements.
        scale = float(ind.simple.get("scale", 1))
        c = pl.col(f"_{k}_c")
        u = pl.when(c > 0).then(pl.col(f"_{k}_s") / c)
        n = u.count().cast(pl.Int64)
        per_cell += [
            u.sum().alias(f"_{k}_numerator"),
            n.cast(pl.Float64).alias(f"_{k}_denominator"),
            (u.mean() * scale).alias(f"_{k}_value"),
            n.alias(f"_{k}_n"),
            (u.std() * scale).alias(f"_{k}_sd"),
            pl.lit("mean").alias(f"_{k}_stat"),
            n.alias(f"_{k}_persons"),
            pl.format(
                "{} rows by {} distinct {}; each weighs once (its mean)",
                c.sum(),
                n,
                pl.lit(ind.simple["per"]),
            ).alias(f"_{k}_note"),
        ]
    return cells.group_by(*keys, "_pid").agg(per_person).group_by(keys).agg(per_cell)


def _per_unit_mean(cells: pl.LazyFrame, k: int, ind: Indicator, keys: list[str]) -> pl.LazyFrame:
    """A mean over units (`per`, e.g. persons): each unit weighs once, with its own mean.

    A trainee who attends three courses is one observation, so the t interval is over
    independent units rather than over repeated measurements of the same person.
    """
    per = ind.simple["per"]
    scale = float(ind.simple.get("scale", 1))
    v = pl.col(f"_{k}_v")
    units = (
        cells.filter(pl.col(f"_{k}_m") & v.is_not_null() & pl.col(per).is_not_null())
        .group_by(*keys, per)
        .agg(v.mean().alias("_u"), pl.len().alias("_rows"))
    )
    u = pl.col("_u")
    return (
        units.group_by(keys)
        .agg(
            u.sum().alias(f"_{k}_numerator"),
            pl.len().cast(pl.Float64).alias(f"_{k}_denominator"),
            (u.mean() * scale).alias(f"_{k}_value"),
            pl.len().cast(pl.Int64).alias(f"_{k}_n"),
            (u.std() * scale).alias(f"_{k}_sd"),
            pl.lit("mean").alias(f"_{k}_stat"),
            pl.len().cast(pl.Int64).alias(f"_{k}_persons"),
            pl.col("_rows").sum().alias("_rows"),
        )
        .with_columns(
            pl.format(
                "{} rows by {} distinct {}; each weighs once (its mean)",
                pl.col("_rows"),
                pl.col(f"_{k}_n"),
                pl.lit(per),
            ).alias(f"_{k}_note")
        )
    )


def aggregate_source(
    lf: pl.LazyFrame,
    indicators: Sequence[Indicator],
    *,
    as_of: dt.date | None,
    totals_only: bool = False,
    since: dt.date | None = None,
    persons: bool = True,
) -> pl.LazyFrame:
    """Result rows (ROW_SCHEMA) of every simple indicator over one enriched source frame;
    with `since`, each indicator counts only rows dated from then (a flow over a period).
    Without `persons`, no distinct persons per cell (the trend's earlier points need values
    only, and the distinct counts were most of their cost)."""
    schema = lf.collect_schema()
    has_persons = "participant_id" in schema.names()
    base = lf.with_columns(
        [c for k, ind in enumerate(indicators) for c in _columns(k, ind, schema, since)]
    )
    if has_persons:
        # Persons are grouped on 64-bit hashes, not strings.
        base = base.with_columns(_pid=pl.col("participant_id").hash())
    dims = [] if totals_only else sorted({d for ind in indicators for d in ind.disaggregations})
    # Computed once for every grouping and reduction: without it the source's joins ran once
    # per query (participants x activities x programs x units seven times).
    base = base.cache()
    parts: list[pl.LazyFrame] = []
    for dim in [None, *dims]:
        members = [
            (k, ind)
            for k, ind in enumerate(indicators)
            if dim is None or dim in ind.disaggregations
        ]
        keys = ["program_id"] if dim is None else ["program_id", dim]
        cells = base.filter(pl.col("program_id").is_not_null()).with_columns(
            [] if dim is None else [pl.col(dim).cast(pl.String).fill_null("unknown")]
        )
        pooled = [(k, ind) for k, ind in members if not ind.simple.get("per")]
        per = [(k, ind) for k, ind in members if ind.simple.get("per")]
        means = [
            (k, ind) for k, ind in per if has_persons and ind.simple["per"] == "participant_id"
        ]
        counted = pooled if persons and has_persons else []
        by_person = {k for k, _ in [*counted, *means]}
        grouped = cells.group_by(keys).agg([a for k, ind in pooled for a in _aggregations(k, ind)])
        if counted or means:
            grouped = grouped.join(_by_person(cells, keys, counted, means), on=keys, how="left")
        for k, ind in members:
            # A mean over units other than persons keeps its own reduction.
            own = bool(ind.simple.get("per")) and k not in by_person
            src = _per_unit_mean(cells, k, ind, keys) if own else grouped
            counts = k in by_person or own
            persons_col = pl.col(f"_{k}_persons") if counts else pl.lit(None)
            row = src.select(
                pl.lit(ind.id).alias("indicator_id"),
                pl.col("program_id"),
                pl.lit(dim, dtype=pl.String).alias("dimension"),
                (pl.lit(None, dtype=pl.String) if dim is None else pl.col(dim)).alias(
                    "dimension_value"
                ),
                *[
                    (persons_col if nm == "persons" else pl.col(f"_{k}_{nm}")).cast(tp).alias(nm)
                    for nm, tp in ROW_SCHEMA.items()
                    if nm not in ("indicator_id", "program_id", "dimension", "dimension_value")
                    and nm != "note"
                ],
                (
                    pl.col(f"_{k}_note") if ind.simple.get("per") else pl.lit(None, dtype=pl.String)
                ).alias("note"),
            )
            if dim is not None or ind.simple.get("per"):
                # A cell that exists only in later data, or a program with nobody to average.
                row = row.filter(pl.col("n") > 0)
            parts.append(row)
    if not parts:
        return pl.LazyFrame(schema=ROW_SCHEMA)
    return pl.concat(parts, how="vertical")
