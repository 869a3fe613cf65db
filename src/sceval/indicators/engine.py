"""Computing the catalogue: raw rows from simple and engine indicators, then the honest-numbers
rules (intervals, minimum n, suppression), targets to date, trend projection and status.

Everything between reading the warehouse and writing `indicator_results` is lazy Polars; the
catalogue's queries are collected together (`pl.collect_all`), once per as-of date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import duckdb
import polars as pl

from sceval.disclosure import SECONDARY_NOTE, complementary
from sceval.indicators import capability, functions, simple, sources, stats  # noqa: F401
from sceval.indicators.catalogue import (
    Indicator,
    load_catalogue,
    load_overrides,
    observed_directions,
)
from sceval.indicators.sources import Frames
from sceval.indicators.targets import (
    PERIOD_TARGET_SCHEMA,
    TREND_LAGS,
    observation_targets,
    period_targets_frame,
    targets_to_date,
    trend_fit,
    with_period,
)
from sceval.periods import CUMULATIVE, Period
from sceval.project import Project
from sceval.rundef import selected

RAW_SCHEMA = {
    **simple.ROW_SCHEMA,
    "ci_low": pl.Float64,
    "ci_high": pl.Float64,
    "usable": pl.Boolean,
    "ref_baseline": pl.Float64,
    "ref_target": pl.Float64,
    # Set by a function that knows its estimate cannot be judged as usual (a DiD whose
    # pre-trends fail is inconclusive whatever its interval); insufficient_data still wins.
    "force_status": pl.String,
}

RESULT_SCHEMA = {
    "run_id": pl.String,
    "indicator_id": pl.String,
    "kind": pl.String,
    "program_id": pl.String,
    "period": pl.String,
    "period_start": pl.Date,
    "period_end": pl.Date,
    "dimension": pl.String,
    "dimension_value": pl.String,
    "numerator": pl.Float64,
    "denominator": pl.Float64,
    "value": pl.Float64,
    "n": pl.Int64,
    "ci_low": pl.Float64,
    "ci_high": pl.Float64,
    "unit": pl.String,
    "direction": pl.String,
    "baseline": pl.Float64,
    "target": pl.Float64,
    "target_to_date": pl.Float64,
    "projected_value": pl.Float64,
    "projected_low": pl.Float64,
    "projected_high": pl.Float64,
    "projected_status": pl.String,
    "status": pl.String,
    "suppressed": pl.Boolean,
    "note": pl.String,
}
SORT_KEYS = ["indicator_id", "program_id", "dimension", "dimension_value"]


def conform(lf: pl.LazyFrame, indicator_id: str | None = None) -> pl.LazyFrame:
    """Rows in RAW_SCHEMA (missing columns null), tagged with the indicator id if given."""
    names = lf.collect_schema().names()
    cols = [
        (pl.col(c).cast(t) if c in names else pl.lit(None, dtype=t)).alias(c)
        for c, t in RAW_SCHEMA.items()
    ]
    if indicator_id is not None:
        cols[0] = pl.lit(indicator_id).alias("indicator_id")
    return lf.select(cols)


def raw_parts(
    indicators: Sequence[Indicator],
    tables: dict[str, pl.LazyFrame],
    as_of: dt.date,
    *,
    totals_only: bool = False,
    since: dt.date | None = None,
    directions: dict[str, str] | None = None,
    persons: bool = True,
) -> list[pl.LazyFrame]:
    """Every indicator's rows as of one date, as lazy queries (one per source and function).

    With `since` (a reporting period's start), indicators whose `period_measure` is `flow`
    count only rows dated from then on; stocks are read as they stand at `as_of`. Without
    `persons`, simple indicators leave `persons` null (values for the trend line only).
    """
    frames = Frames(tables, as_of)
    frames["directions"] = directions or {}
    by_source: dict[tuple[str, bool], list[Indicator]] = {}
    for ind in indicators:
        if ind.simple is not None:
            flow = since is not None and ind.period_measure == "flow"
            by_source.setdefault((ind.source_table, flow), []).append(ind)
    parts = [
        conform(
            simple.aggregate_source(
                frames[src],
                group,
                as_of=as_of,
                totals_only=totals_only,
                since=since if flow else None,
                persons=persons,
            )
        )
        for (src, flow), group in sorted(by_source.items())
    ]
    for ind in indicators:
        if ind.function is not None:
            dims = () if totals_only else ind.disaggregations
            fr = frames
            if since is not None and ind.period_measure == "flow":
                fr = Frames(tables, as_of, since=since, dates=ind.period_dates)
                fr["directions"] = directions or {}
            fr["params"] = {**ind.params, "_dims": dims}
            parts.append(conform(functions.call(ind.function, fr), ind.id))
    return parts


def raw_rows(
    indicators: Sequence[Indicator],
    tables: dict[str, pl.LazyFrame],
    as_of: dt.date,
    *,
    totals_only: bool = False,
    directions: dict[str, str] | None = None,
) -> pl.DataFrame:
    """Every indicator's rows as of one date: one query per source, collected together."""
    parts = raw_parts(indicators, tables, as_of, totals_only=totals_only, directions=directions)
    if not parts:
        return pl.DataFrame(schema=RAW_SCHEMA)
    return pl.concat(pl.collect_all(parts), how="vertical")


def settings_frame(
    indicators: Iterable[Indicator],
    program_ids: Sequence[str],
    overrides: dict[tuple[str, str], dict],
) -> pl.DataFrame:
    """One row per (indicator, program): the catalogue's settings with the program's overrides."""
    rows: list[dict[str, Any]] = []
    for ind in indicators:
        for prog in program_ids:
            ov = overrides.get((prog, ind.id), {})
            green, amber, rel, tol = ov.get(
                "_thresholds", (ind.green, ind.amber, ind.relative_to, ind.tolerance)
            )
            rows.append(
                {
                    "indicator_id": ind.id,
                    "program_id": prog,
                    "kind": ind.kind,
                    "unit": ind.unit,
                    "direction": ind.direction,
                    "min_n": int(ov.get("min_n", ind.min_n)),
                    "ov_baseline": ov.get("baseline"),
                    "ov_target": ov.get("target"),
                    "cat_baseline": ind.baseline,
                    "cat_target": ind.target,
                    "green": green,
                    "amber": amber,
                    "relative_to": rel,
                    "tolerance": tol,
                    "status_rule": ind.status_rule,
                    "pro_rata": bool(ov.get("target_pro_rata", ind.target_pro_rata)),
                    "counts_persons": ind.counts_persons,
                    "project_trend": ind.project_trend and ind.kind == "on_the_fly",
                    "measure": ind.period_measure,
                }
            )
    schema = {
        "indicator_id": pl.String,
        "program_id": pl.String,
        "kind": pl.String,
        "unit": pl.String,
        "direction": pl.String,
        "min_n": pl.Int64,
        "ov_baseline": pl.Float64,
        "ov_target": pl.Float64,
        "cat_baseline": pl.Float64,
        "cat_target": pl.Float64,
        "green": pl.Float64,
        "amber": pl.Float64,
        "relative_to": pl.String,
        "tolerance": pl.Float64,
        "status_rule": pl.String,
        "pro_rata": pl.Boolean,
        "counts_persons": pl.Boolean,
        "project_trend": pl.Boolean,
        "measure": pl.String,
    }
    return pl.DataFrame(rows, schema=schema, orient="row") if rows else pl.DataFrame(schema=schema)


def _reference(which: str) -> pl.Expr:
    """The value thresholds are scaled by (1 when they are absolute)."""
    rel = pl.col("relative_to")
    return (
        pl.when(rel.is_null())
        .then(pl.lit(1.0))
        .when(rel == "target")
        .then(pl.col("target"))
        .when(rel == "baseline")
        .then(pl.col("baseline"))
        .otherwise(pl.col(which))
    )


def _join_notes(*parts: pl.Expr) -> pl.Expr:
    return pl.concat_str(list(parts), separator="; ", ignore_nulls=True).replace("", None)


def finalise(
    raw: pl.DataFrame,
    previous: pl.DataFrame,
    settings: pl.DataFrame,
    programs: pl.DataFrame,
    *,
    run_id: str,
    as_of: dt.date,
    suppression_threshold: int,
    period_targets: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Result rows in the shape of `indicator_results`, sorted, with every rule applied.

    `raw` rows carry their period (`with_period`); rows without one are cumulative.
    """
    if "period" not in raw.columns:
        raw = with_period(raw, None, as_of)
    if period_targets is None:
        period_targets = pl.DataFrame(schema=PERIOD_TARGET_SCHEMA)
    # The trend line is fitted on cumulative totals; a period's rows get no projection.
    trend = trend_fit(
        raw.filter(pl.col("period") == CUMULATIVE), previous, programs, settings, as_of
    )
    lf = (
        raw.lazy()
        .join(settings.lazy(), on=["indicator_id", "program_id"], how="inner")
        .join(programs.lazy(), on="program_id", how="inner")
        .join(trend.lazy(), on=["indicator_id", "program_id"], how="left")
        .join(period_targets.lazy(), on=["indicator_id", "program_id", "period"], how="left")
    )
    cum = pl.col("period") == CUMULATIVE
    # A program is reported for a period only if it ran in it (by the period's computing day).
    lf = lf.filter(
        cum
        | (
            (pl.col("program_start") <= pl.min_horizontal("p_end", "_day"))
            & (pl.col("program_end") >= pl.col("p_start"))
        )
    )
    day = pl.lit(as_of, dtype=pl.Date)
    lf = targets_to_date(lf, as_of)
    # Intervals the engine owes every proportion and mean that does not bring its own.
    w_low, w_high = stats.wilson_bounds(pl.col("numerator"), pl.col("denominator"))
    is_prop = pl.col("stat") == "proportion"
    is_mean = pl.col("stat") == "mean"
    # Quantiles only for means: no scipy import and no work for the other rows.
    t_low, t_high = stats.t_bounds(pl.col("value"), pl.col("sd"), pl.when(is_mean).then("n"))
    lf = lf.with_columns(
        ci_low=pl.coalesce("ci_low", pl.when(is_prop).then(w_low).when(is_mean).then(t_low)),
        ci_high=pl.coalesce("ci_high", pl.when(is_prop).then(w_high).when(is_mean).then(t_high)),
        suppressed=pl.col("counts_persons")
        & pl.coalesce("persons", "n").fill_null(0).is_between(1, suppression_threshold - 1),
    )
    # Secondary suppression: no suppressed cell derivable from its table's total and cells.
    keys = ["indicator_id", "program_id"]
    keys += [k for k in ("period",) if k in lf.collect_schema().names()]
    lf = complementary(
        lf, suppression_threshold, size=pl.coalesce("persons", "n").fill_null(0), keys=keys
    )
    usable = (
        (pl.col("n").fill_null(0) >= pl.col("min_n"))
        & pl.col("usable").fill_null(True)
        & ~pl.col("suppressed")
    )
    lf = lf.with_columns(
        status=stats.status_expr(
            pl.col("value"),
            _reference("target_to_date"),
            pl.col("green"),
            pl.col("amber"),
            pl.col("direction"),
            usable,
            low=pl.col("ci_low"),
            high=pl.col("ci_high"),
            rule=pl.col("status_rule"),
            tolerance=pl.col("tolerance"),
        ),
        _usable=usable,
    )
    lf = lf.with_columns(
        status=pl.when(
            pl.col("force_status").is_not_null() & (pl.col("status") != "insufficient_data")
        )
        .then(pl.col("force_status"))
        .otherwise(pl.col("status"))
    )
    # Projection: the least-squares line through the value now and at TREND_LAGS days before
    # (and the baseline at the start for a cumulative indicator), carried to the program's end;
    # 95% interval from the slope's standard error, t with m - 2 degrees of freedom.
    to_end = (pl.col("program_end") - day).dt.total_days().cast(pl.Float64)
    slope = pl.when(pl.col("_m") >= 2).then(pl.col("_slope"))
    q = (pl.col("_m") - 1).map_batches(stats._t_quantiles, return_dtype=pl.Float64)
    half = pl.when(pl.col("_m") >= 3).then(q * pl.col("_se") * to_end.clip(lower_bound=0.0))

    def _fit(line: pl.Expr) -> pl.Expr:
        line = pl.when(pl.col("stat") == "proportion").then(line.clip(0.0, 1.0)).otherwise(line)
        return pl.when(pl.col("value") >= 0).then(line.clip(lower_bound=0.0)).otherwise(line)

    line = _fit(pl.col("value") + slope * to_end)
    low = _fit(pl.col("value") + slope * to_end - half)
    high = _fit(pl.col("value") + slope * to_end + half)
    # Projections are made for cumulative totals (a period's flow has no line to carry on).
    can_project = pl.col("project_trend") & pl.col("dimension").is_null() & pl.col("_usable") & cum
    lf = lf.with_columns(
        projected_value=pl.when(can_project & (to_end <= 0))
        .then(pl.col("value"))
        .when(can_project)
        .then(line),
        projected_low=pl.when(can_project & (to_end > 0)).then(low),
        projected_high=pl.when(can_project & (to_end > 0)).then(high),
    )
    lf = lf.with_columns(
        projected_status=pl.when(
            pl.col("projected_value").is_not_null() & _reference("target").is_not_null()
        ).then(
            stats.status_expr(
                pl.col("projected_value"),
                _reference("target"),
                pl.col("green"),
                pl.col("amber"),
                pl.col("direction"),
                pl.lit(True),
                low=pl.col("projected_low"),
                high=pl.col("projected_high"),
                rule=pl.col("status_rule"),
                tolerance=pl.col("tolerance"),
            )
        )
    )
    heading = (pl.col("projected_status") == "red") & pl.col("status").is_in(["green", "amber"])
    ex_running = (pl.col("kind") == "ex_post") & (pl.col("program_end") > day)
    lf = lf.with_columns(
        note=_join_notes(
            pl.when(pl.col("secondary"))
            .then(pl.lit(SECONDARY_NOTE))
            .when(pl.col("suppressed"))
            .then(pl.lit(f"suppressed: fewer than {suppression_threshold} persons")),
            pl.when(~pl.col("suppressed")).then(pl.col("note")),
            pl.when(heading).then(pl.lit("heading for red by the program's end")),
            pl.when(ex_running).then(pl.lit("interim: program still running")),
            # No data at all is not a small cell: it is said as such, never as "suppressed".
            pl.when(~pl.col("suppressed") & (pl.col("n") == 0))
            .then(pl.lit("no data (n = 0)"))
            .when(~pl.col("suppressed") & (pl.col("n").fill_null(0) < pl.col("min_n")))
            .then(pl.format("n below the minimum of {}", pl.col("min_n"))),
        ),
        period_start=pl.col("_eff_start"),
        period_end=pl.min_horizontal(pl.col("_eff_end"), pl.col("_day")),
        run_id=pl.lit(run_id),
    )
    hidden = ["numerator", "denominator", "value", "n", "ci_low", "ci_high", "projected_value"]
    hidden += ["projected_low", "projected_high"]
    lf = lf.with_columns(
        [pl.when(~pl.col("suppressed")).then(pl.col(c)).alias(c) for c in hidden]
    ).with_columns(projected_status=pl.when(~pl.col("suppressed")).then(pl.col("projected_status")))
    out = lf.select([pl.col(c).cast(t) for c, t in RESULT_SCHEMA.items()])
    floats = [c for c, t in RESULT_SCHEMA.items() if t == pl.Float64]
    # Rounded so that a different summation order cannot change a byte of the results.
    out = out.with_columns(
        [pl.when(pl.col(c).is_finite()).then(pl.col(c).round(10)).alias(c) for c in floats]
    )
    # Cumulative rows first, then the periods in time order.
    order = [pl.col("period") != CUMULATIVE, "period_start", "period"]
    return out.sort(
        ["indicator_id", "program_id", *order, "dimension", "dimension_value"],
        nulls_last=False,
    ).collect()


def first_start(con: duckdb.DuckDBPyConnection, program: str | None) -> dt.date | None:
    """The earliest program start (of one program, if given): where a period series begins."""
    sql = "SELECT min(start_date) FROM programs" + (" WHERE program_id = ?" if program else "")
    return con.execute(sql, [program] if program else []).fetchall()[0][0]


def programs_in_scope(
    tables: dict[str, pl.LazyFrame], as_of: dt.date, program: str | list[str] | None
) -> pl.DataFrame:
    """Programs started by the as-of date (or only the one, or the list, asked for)."""
    lf = tables["programs"].filter(pl.col("start_date") <= as_of)
    if isinstance(program, list):
        lf = lf.filter(pl.col("program_id").is_in(program))
    elif program is not None:
        lf = lf.filter(pl.col("program_id") == program)
    return (
        lf.select(
            "program_id",
            pl.col("start_date").alias("program_start"),
            pl.col("end_date").alias("program_end"),
        )
        .sort("program_id")
        .collect()
    )


def computed_batches(
    con: duckdb.DuckDBPyConnection,
    project: Project,
    *,
    run_id: str,
    as_of: dt.date,
    program: str | list[str] | None = None,
    indicator_ids: Sequence[str] | str = "all",
    periods: Sequence[Period] = (),
    cumulative: bool = True,
    period_dims: bool = True,
) -> Iterator[pl.DataFrame]:
    """The result rows of each batch of programs, computed one batch at a time (see `compute`).

    A large portfolio is computed in batches of programs (`run_batch_participants` rows of
    participants each): no figure of a program reads another program's rows, so memory is
    bounded by a batch and the rows are those of one pass.
    """
    scope = [program] if isinstance(program, str) else program
    rows = int(project.settings.get("run_batch_participants", sources.BATCH_PARTICIPANTS))
    batches = sources.program_batches(con, scope, rows)
    shared: dict[str, pl.LazyFrame] = {}
    what = {"indicator_ids": indicator_ids, "periods": periods, "cumulative": cumulative}
    for batch in batches:
        scoped = batch if len(batches) > 1 else program
        yield _compute_batch(
            con, project, run_id=run_id, as_of=as_of, program=scoped, period_dims=period_dims,
            shared=shared, **what,
        )  # fmt: skip


def compute(
    con: duckdb.DuckDBPyConnection,
    project: Project,
    *,
    run_id: str,
    as_of: dt.date,
    program: str | list[str] | None = None,
    indicator_ids: Sequence[str] | str = "all",
    periods: Sequence[Period] = (),
    cumulative: bool = True,
    period_dims: bool = True,
) -> pl.DataFrame:
    """The result rows of the chosen indicators as of a date (not yet stored).

    `cumulative` computes every chosen indicator from program start to as-of (period
    `cumulative`); each of `periods` computes the on-the-fly indicators over that period,
    up to the as-of date for a period still running. Without `period_dims`, periods get
    totals only (a series: its disaggregations would multiply its cost several times).
    """
    parts = list(
        computed_batches(
            con,
            project,
            run_id=run_id,
            as_of=as_of,
            program=program,
            indicator_ids=indicator_ids,
            periods=periods,
            cumulative=cumulative,
            period_dims=period_dims,
        )
    )
    if len(parts) == 1:
        return parts[0]
    order = [pl.col("period") != CUMULATIVE, "period_start", "period"]
    return pl.concat(parts, how="vertical").sort(
        ["indicator_id", "program_id", *order, "dimension", "dimension_value"], nulls_last=False
    )


def _compute_batch(
    con: duckdb.DuckDBPyConnection,
    project: Project,
    *,
    run_id: str,
    as_of: dt.date,
    program: str | list[str] | None,
    indicator_ids: Sequence[str] | str,
    periods: Sequence[Period],
    cumulative: bool,
    period_dims: bool,
    shared: dict[str, pl.LazyFrame],
) -> pl.DataFrame:
    """`compute` for one batch of programs; `shared` keeps the tables read whole (by country
    or unit) for the next batch."""
    catalogue = load_catalogue(project)
    overrides = load_overrides(project, catalogue)
    chosen = [catalogue[i] for i in selected(indicator_ids, list(catalogue))]
    scope = [program] if isinstance(program, str) else program
    tables = sources.warehouse_tables(con, project, scope, shared=shared)
    progs = programs_in_scope(tables, as_of, program)
    settings = settings_frame(chosen, progs["program_id"].to_list(), overrides)
    periodic = [i for i in chosen if i.kind == "on_the_fly"]
    periods = [p for p in periods if p.start <= as_of] if periodic else []
    # Every period's queries are collected together: the sources are read once.
    batches: list[tuple[Period | None, dt.date, int]] = []
    lazy: list[pl.LazyFrame] = []
    directions = observed_directions(project, catalogue)
    if cumulative:
        parts = raw_parts(chosen, tables, as_of, directions=directions)
        batches.append((None, as_of, len(parts)))
        lazy += parts
    for p in periods:
        day = min(as_of, p.end)
        parts = raw_parts(
            periodic,
            tables,
            day,
            since=p.start,
            totals_only=not period_dims,
            directions=directions,
        )
        batches.append((p, day, len(parts)))
        lazy += parts
    trend = [i for i in chosen if i.kind == "on_the_fly" and i.project_trend] if cumulative else []
    # The earlier points of the trend line: totals only (projections are made for totals).
    prev_parts = [
        part.with_columns(lag=pl.lit(lag, dtype=pl.Int64))
        for lag in TREND_LAGS
        for part in raw_parts(
            trend,
            tables,
            as_of - dt.timedelta(days=lag),
            totals_only=True,
            directions=directions,
            persons=False,
        )
    ]
    done = pl.collect_all([*lazy, *prev_parts]) if lazy or prev_parts else []
    tagged, k = [], 0
    for p, day, count in batches:
        if count:
            tagged.append(with_period(pl.concat(done[k : k + count], how="vertical"), p, day))
        k += count
    empty = with_period(pl.DataFrame(schema=RAW_SCHEMA), None, as_of)
    raw = pl.concat(tagged, how="vertical") if tagged else empty
    previous = (
        pl.concat(done[k:], how="vertical")
        if prev_parts
        else pl.DataFrame(schema={**RAW_SCHEMA, "lag": pl.Int64})
    )
    targets = period_targets_frame(
        overrides, observation_targets(tables, periods, [i.id for i in periodic]), periods
    )
    return finalise(
        raw,
        previous,
        settings,
        progs,
        run_id=run_id,
        as_of=as_of,
        suppression_threshold=project.suppression_threshold,
        period_targets=targets,
    )


def store(con: duckdb.DuckDBPyConnection, results: pl.DataFrame) -> None:
    """Append result rows to `indicator_results` (columns by name)."""
    if results.is_empty():
        return
    con.register("_sceval_indicator_rows", results.to_arrow())
    try:
        con.execute("INSERT INTO indicator_results BY NAME SELECT * FROM _sceval_indicator_rows")
    finally:
        con.unregister("_sceval_indicator_rows")
