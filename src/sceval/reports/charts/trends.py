"""A program's trends over time: actual values with intervals, the target path and the
projection, and the per-period series (one row per indicator, each with its own axis).
"""

from __future__ import annotations

from collections.abc import Mapping

import altair as alt
import polars as pl

from sceval.reports.charts import rows as layout
from sceval.reports.charts.common import (
    STATUS_COLOURS,
    STATUS_TEXT,
    STATUS_WORDS_EXPR,
    _cell_state,
    _currency,
    _status_colour,
    _tips,
    _titled,
)
from sceval.reports.data import safe_results


def trends_frame(
    results: pl.DataFrame,
    programs: pl.DataFrame,
    *,
    titles: Mapping[str, str] | None = None,
    threshold: int = 5,
) -> pl.DataFrame:
    """Long frame of dated points: actual (with interval), pro-rated target path, projection."""
    totals = _titled(safe_results(results, threshold), titles).filter(
        pl.col("dimension").is_null() & pl.col("period_end").is_not_null()
    )
    dates = programs.select("program_id", "start_date", "end_date")
    totals = totals.join(dates, on="program_id", how="left").sort("period_end")
    cols = ["indicator", "date", "value", "ci_low", "ci_high", "series", "unit", "currency"]
    totals = totals.with_columns(_currency(totals))
    actual = totals.select(
        "indicator",
        "unit",
        "currency",
        date=pl.col("period_end"),
        value="value",
        ci_low="ci_low",
        ci_high="ci_high",
    ).with_columns(series=pl.lit("actual"))
    last = totals.group_by("indicator", maintain_order=True).last()
    path_start = last.filter(pl.col("baseline").is_not_null()).select(
        "indicator", "unit", "currency", date="start_date", value="baseline"
    )
    path_mid = totals.filter(pl.col("target_to_date").is_not_null()).select(
        "indicator", "unit", "currency", date="period_end", value="target_to_date"
    )
    path_end = last.filter(pl.col("target").is_not_null()).select(
        "indicator", "unit", "currency", date="end_date", value="target"
    )
    path = pl.concat([path_start, path_mid, path_end]).with_columns(
        ci_low=pl.lit(None, pl.Float64),
        ci_high=pl.lit(None, pl.Float64),
        series=pl.lit("target path"),
    )
    proj = last.filter(pl.col("projected_value").is_not_null() & pl.col("value").is_not_null())
    projection = pl.concat(
        [
            proj.select("indicator", "unit", "currency", date="period_end", value="value"),
            proj.select("indicator", "unit", "currency", date="end_date", value="projected_value"),
        ]
    ).with_columns(
        ci_low=pl.lit(None, pl.Float64),
        ci_high=pl.lit(None, pl.Float64),
        series=pl.lit("projection"),
    )
    frames = [
        f.select(cols).with_columns(pl.col("date").cast(pl.Date))
        for f in (actual, path, projection)
    ]
    return (
        pl.concat(frames)
        .filter(pl.col("date").is_not_null())
        .with_columns(value_state=pl.when(pl.col("value").is_null()).then(pl.lit("no value")))
        .sort("indicator", "series", "date")
    )


def lone_measurements(frame: pl.DataFrame) -> dict[str, str]:
    """Indicators measured at one date only (an ex-post evaluation, or a program's first
    quarter), with that date: their trend panel says so instead of suggesting a trend."""
    actual = frame.filter((pl.col("series") == "actual") & pl.col("value").is_not_null())
    counts = actual.group_by("indicator").agg(
        pl.col("date").n_unique().alias("n"), pl.first("date")
    )
    once = counts.filter(pl.col("n") == 1)
    return dict(
        zip(once["indicator"].to_list(), [str(d) for d in once["date"].to_list()], strict=True)
    )


def _program_span(frame: pl.DataFrame, programs: pl.DataFrame) -> list[str]:
    """The dates every trend row spans: the programs' start to their end (or the last
    result, if later), so a program seen only after its end still shows its whole life."""
    dates = [d for d in frame["date"].to_list() if d is not None]
    for col in ("start_date", "end_date"):
        if col in programs.columns:
            dates += [d for d in programs[col].to_list() if d is not None]
    return [str(min(dates)), str(max(dates))] if dates else []


def indicator_trends(
    results: pl.DataFrame,
    programs: pl.DataFrame,
    *,
    titles: Mapping[str, str] | None = None,
    threshold: int = 5,
) -> alt.VConcatChart:
    """Trend per indicator: actual values with 95% intervals, pro-rated target path,
    projection; every row with its date axis over the program's whole span."""
    frame = trends_frame(results, programs, titles=titles, threshold=threshold)
    ids = results["program_id"].unique().to_list() if "program_id" in results.columns else []
    own = programs.filter(pl.col("program_id").is_in(ids)) if ids else programs
    domain = _program_span(frame, own)
    series = alt.Scale(
        domain=["actual", "target path", "projection"], range=["#0072B2", "#555555", "#A8427E"]
    )
    dash = alt.Scale(domain=["actual", "target path", "projection"], range=[[1, 0], [6, 3], [2, 2]])
    shape = alt.Scale(
        domain=["actual", "target path", "projection"], range=["circle", "square", "triangle-up"]
    )
    date_axis = alt.Axis(
        format="%Y", tickCount="year", labelOverlap="greedy", labelFlush=True, labelColor="#000000"
    )
    x = alt.X(
        "date:T",
        title=None,
        scale=alt.Scale(domain=domain) if domain else alt.Undefined,
        axis=date_axis,
    )

    single = lone_measurements(frame)

    def row(name: str, unit: str | None, currency: str | None, extent: tuple) -> layout.Layer:
        y_scale = alt.Scale(domain=list(extent), nice=True, zero=False)
        y_axis = layout.value_axis(unit, currency, orient="left", extent=extent)
        base = (
            alt.Chart()
            .transform_filter(alt.FieldEqualPredicate(field="indicator", equal=name))
            .encode(x=x)
        )
        title = alt.Title(name, anchor="start", fontSize=11, color="#000000")
        if name in single:
            # One dot at the panel's edge would read as a trend that is not there.
            title = alt.Title(
                name,
                subtitle=f"one measurement ({single[name]}): no trend to draw",
                anchor="start",
                fontSize=11,
                color="#000000",
                subtitleFontSize=10,
                subtitleColor="#333333",
            )
        y = alt.Y("value:Q", scale=y_scale, axis=y_axis)
        line = base.mark_line(point=alt.OverlayMarkDef(filled=True, size=40)).encode(
            y=y,
            color=alt.Color("series:N", scale=series, title=None),
            strokeDash=alt.StrokeDash("series:N", scale=dash, title=None),
            shape=alt.Shape("series:N", scale=shape, title=None),
            tooltip=_tips("series:N", "date:T", "value:Q", "ci_low:Q", "ci_high:Q"),
        )
        interval = (
            base.transform_filter("datum.series === 'actual'")
            .mark_rule(color="#0072B2")
            .encode(y=alt.Y("ci_low:Q", scale=y_scale, axis=y_axis), y2=alt.Y2("ci_high"))
        )
        missing = (
            base.transform_filter("datum.value === null")
            .mark_text(text="no value", angle=270, color="#555555", fontSize=9)
            .encode(y=alt.YValue(20))
        )
        return layout.layer(
            line,
            interval,
            missing,
            title=title,
        )

    keys = layout.row_keys(frame, "indicator", ["value", "ci_low", "ci_high"], zero=False)
    return layout.stack(
        [row(*k) for k in keys],
        frame,
        title="Trend: actual (95% interval), pro-rated target path, projection to program end",
        description="One line chart per indicator over the program's life: the actual values "
        "with their 95% intervals (solid, circles), the target path (dashed, squares) and the "
        "projection to the program's end (dotted, triangles).",
        height=110,
    )


def period_series_frame(
    series: pl.DataFrame,
    *,
    titles: Mapping[str, str] | None = None,
    threshold: int = 5,
) -> pl.DataFrame:
    """One row per indicator total and reporting period: value (95% interval), the period's
    target to date, status; periods in time order (`order`)."""
    if series.is_empty() or "period" not in series.columns:
        return pl.DataFrame(
            schema={
                "indicator": pl.String,
                "period": pl.String,
                "order": pl.Int64,
                "value": pl.Float64,
                "ci_low": pl.Float64,
                "ci_high": pl.Float64,
                "target": pl.Float64,
                "state": pl.String,
                "label": pl.String,
                "unit": pl.String,
                "currency": pl.String,
            }
        )
    rows = _cell_state(
        _titled(safe_results(series, threshold), titles).filter(pl.col("dimension").is_null())
    ).sort("indicator", "period_start", "period")
    return rows.select(
        "indicator",
        "period",
        pl.col("period_start").rank("dense").cast(pl.Int64).alias("order"),
        "value",
        "ci_low",
        "ci_high",
        pl.col("target_to_date").alias("target"),
        "state",
        "label",
        "unit",
        _currency(rows),
    )


def period_series(
    series: pl.DataFrame,
    *,
    titles: Mapping[str, str] | None = None,
    threshold: int = 5,
) -> alt.VConcatChart:
    """Per indicator: its value in each reporting period (status by colour and shape, 95%
    interval) and the period's target to date as a dashed path; each row in its unit."""
    frame = period_series_frame(series, titles=titles, threshold=threshold)
    x = alt.X(
        "period:O",
        title=None,
        sort=alt.EncodingSortField("order"),
        axis=alt.Axis(labelAngle=0, labelOverlap="greedy", labelColor="#000000"),
    )
    # The same domain as the status colours, so colour and shape share one legend.
    shapes = alt.Scale(
        domain=[STATUS_TEXT[k] for k in STATUS_COLOURS],
        range=["circle", "square", "triangle-down", "diamond", "cross", "cross", "stroke"],
    )

    def row(name: str, unit: str | None, currency: str | None, extent: tuple) -> layout.Layer:
        y_scale = alt.Scale(domain=list(extent), nice=True, zero=False)
        y_axis = layout.value_axis(unit, currency, orient="left", extent=extent)
        y = alt.Y("value:Q", scale=y_scale, axis=y_axis)
        base = (
            alt.Chart()
            .transform_filter(alt.FieldEqualPredicate(field="indicator", equal=name))
            .encode(x=x)
        )
        actual = base.mark_line(color="#0072B2").encode(y=y)
        points = (
            base.transform_calculate(status_text=STATUS_WORDS_EXPR)
            .mark_point(filled=True, size=60, stroke="#333333")
            .encode(
                y=y,
                color=_status_colour(),
                shape=alt.Shape("status_text:N", scale=shapes, title="status"),
                tooltip=_tips(
                    "period:N", "value:Q", "ci_low:Q", "ci_high:Q", "target:Q", "label:N"
                ),
            )
        )
        interval = base.mark_rule(color="#0072B2").encode(
            y=alt.Y("ci_low:Q", scale=y_scale, axis=y_axis), y2=alt.Y2("ci_high")
        )
        target = base.mark_line(color="#555555", strokeDash=[6, 3]).encode(
            y=alt.Y("target:Q", scale=y_scale, axis=y_axis)
        )
        return layout.layer(
            target,
            actual,
            interval,
            points,
            title=alt.Title(name, anchor="start", fontSize=11, color="#000000"),
        )

    keys = layout.row_keys(frame, "indicator", ["value", "ci_low", "ci_high", "target"], zero=False)
    return layout.stack(
        [row(*k) for k in keys],
        frame,
        title="Per period: value (status colour and shape, 95% interval) and the target path (dashed)",
        description="One chart per indicator: its value in each reporting period, the status "
        "shown by colour and by the point's shape, the 95% interval, and the period's target "
        "to date as a dashed line.",
        height=110,
    )
