"""A program's scorecard: bullets against thresholds, trends, period series, disaggregations.

Every chart here is one row per indicator (`rows`): each row's axis is in the indicator's
unit, values are written beside the plot with their status in words, and a row without a
value draws no bar or interval, only what is missing and why.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import altair as alt
import polars as pl

from sceval.reports.charts import rows as layout
from sceval.reports.charts.common import (
    NO_DATA,
    STATUS_COLOURS,
    STATUS_TEXT,
    _cell_state,
    _tips,
    _titled,
    latest_totals,
)
from sceval.reports.charts.portfolio import STATUS_WORDS_EXPR, _status_colour
from sceval.reports.data import safe_results


def bullets_frame(
    results: pl.DataFrame,
    *,
    titles: Mapping[str, str] | None = None,
    threshold: int = 5,
) -> pl.DataFrame:
    """One bullet per indicator (latest total): value, 95% interval, target, label."""
    rows = _cell_state(_titled(latest_totals(safe_results(results, threshold)), titles))
    label = (
        pl.when(pl.col("state").is_in(["suppressed", "insufficient_data"]))
        .then(pl.col("label"))
        .otherwise(pl.col("value_text") + " (" + pl.col("label") + ")")
    )
    return rows.select(
        "indicator_id",
        "indicator",
        "program_id",
        "value",
        "ci_low",
        "ci_high",
        "target",
        "target_to_date",
        "baseline",
        "state",
        "unit",
        _currency(rows),
        label=label,
    ).sort("indicator")


def _currency(rows: pl.DataFrame) -> pl.Expr:
    """The rows' currency (null where the results carry none)."""
    if "currency" in rows.columns:
        return pl.col("currency")
    return pl.lit(None, pl.String).alias("currency")


def threshold_bands_frame(
    bullets: pl.DataFrame,
    sheets: pl.DataFrame | None,
    overrides: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Red/amber/green bands behind each bullet from the threshold cut-offs: the program's own
    (`overrides`: program_id, indicator_id, ov_green, ov_amber, ov_relative_to) where it has
    them, else the catalogue's (`sheets`).

    Cut-offs with `relative_to` are shares of that reference (target, target to date or
    baseline) of the program's own row; without it they are absolute values.
    """
    empty = pl.DataFrame(
        schema={
            "indicator": pl.String,
            "band": pl.String,
            "band_start": pl.Float64,
            "band_end": pl.Float64,
        }
    )
    if sheets is None or sheets.is_empty():
        return empty
    ref = (
        pl.when(pl.col("relative_to") == "target")
        .then(pl.col("target"))
        .when(pl.col("relative_to") == "target_to_date")
        .then(pl.col("target_to_date"))
        .when(pl.col("relative_to") == "baseline")
        .then(pl.col("baseline"))
        .when(pl.col("relative_to").is_null())
        .then(pl.lit(1.0))
    )
    cuts = bullets.join(
        sheets.select("indicator_id", "direction", "green", "amber", "relative_to"),
        on="indicator_id",
    )
    if overrides is not None and not overrides.is_empty() and "program_id" in cuts.columns:
        own = pl.col("ov_green").is_not_null()
        cuts = cuts.join(overrides, on=["program_id", "indicator_id"], how="left").with_columns(
            green=pl.when(own).then("ov_green").otherwise("green"),
            amber=pl.when(own).then("ov_amber").otherwise("amber"),
            relative_to=pl.when(own).then("ov_relative_to").otherwise("relative_to"),
        )
    cuts = (
        cuts.with_columns(g=pl.col("green") * ref, a=pl.col("amber") * ref)
        .filter(pl.col("g").is_not_null() & pl.col("a").is_not_null())
        .with_columns(
            lo=pl.min_horizontal(pl.lit(0.0), "value", "ci_low", "g", "a"),
            hi=pl.max_horizontal("value", "ci_high", "target", "g", "a") * 1.1,
        )
    )
    higher = pl.col("direction") != "lower"
    bands = [
        (
            "red",
            pl.when(higher).then("lo").otherwise("a"),
            pl.when(higher).then("a").otherwise("hi"),
        ),
        (
            "amber",
            pl.when(higher).then("a").otherwise("g"),
            pl.when(higher).then("g").otherwise("a"),
        ),
        (
            "green",
            pl.when(higher).then("g").otherwise("lo"),
            pl.when(higher).then("hi").otherwise("g"),
        ),
    ]
    if cuts.is_empty():
        return empty
    return pl.concat(
        [
            cuts.select("indicator", band=pl.lit(name), band_start=start, band_end=end)
            for name, start, end in bands
        ]
    )


BULLET_FIELDS = ["value", "ci_low", "ci_high", "target", "target_to_date", "band_start", "band_end"]


def indicator_bullets(
    results: pl.DataFrame,
    *,
    titles: Mapping[str, str] | None = None,
    sheets: pl.DataFrame | None = None,
    threshold: int = 5,
    overrides: pl.DataFrame | None = None,
) -> alt.VConcatChart:
    """Bullet charts: value bar on threshold bands, target (black tick), target to date (grey),
    95% interval; one row per indicator with its own axis in the indicator's unit, and the
    value with its status in words in a column right of the plots (never on a bar)."""
    bullets = bullets_frame(results, titles=titles, threshold=threshold)
    bands = threshold_bands_frame(bullets, sheets, overrides)
    frame = pl.concat(
        [
            bullets.with_columns(row_type=pl.lit("bullet")),
            bands.with_columns(row_type=pl.lit("band")),
        ],
        how="diagonal_relaxed",
    ).drop("indicator_id", "program_id")
    is_bullet = alt.datum.row_type == "bullet"

    def row(name: str, unit: str | None, currency: str | None, span: tuple) -> layout.Layer:
        x = layout.x_channel(unit, currency, span)
        base = (
            alt.Chart()
            .transform_filter(alt.FieldEqualPredicate(field="indicator", equal=name))
            .encode(y=layout.row_label())
        )
        shade = (
            base.transform_filter(alt.datum.row_type == "band")
            .mark_bar(height=26)
            .encode(
                x=x("band_start"),
                x2=alt.X2("band_end"),
                fill=alt.Fill(
                    "band:N",
                    scale=alt.Scale(
                        domain=["red", "amber", "green"], range=["#BDBDBD", "#D9D9D9", "#F2F2F2"]
                    ),
                    title="threshold band",
                ),
                tooltip=_tips("band:N", "band_start:Q", "band_end:Q"),
            )
        )
        bullet = base.transform_filter(is_bullet)
        bar = (
            bullet.transform_calculate(status_text=STATUS_WORDS_EXPR)
            .mark_bar(height=12, stroke="#333333", strokeWidth=0.5)
            .encode(
                x=x("value"),
                color=_status_colour(),
                tooltip=_tips("indicator:N", "label:N", "ci_low:Q", "ci_high:Q", "target:Q"),
            )
        )
        interval = bullet.mark_rule(strokeWidth=2, color="black").encode(
            x=x("ci_low"), x2=alt.X2("ci_high")
        )
        target = bullet.mark_tick(thickness=3, size=26, color="black").encode(x=x("target"))
        to_date = bullet.mark_tick(thickness=2, size=20, color="#555555").encode(
            x=x("target_to_date")
        )
        return layout.layer(shade, bar, interval, target, to_date, layout.value_column(bullet))

    charts = [row(*key) for key in layout.row_keys(frame, "indicator", BULLET_FIELDS)]
    return layout.stack(
        charts,
        frame,
        title="Value against target (black), target to date (grey), 95% interval",
        description="Bullet chart per indicator: the latest value as a bar coloured by "
        "status, its 95% interval, the target and the target to date, on the threshold "
        "bands; the value and status are written beside each row.",
    )


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

    def row(name: str, unit: str | None, currency: str | None, extent: tuple) -> layout.Layer:
        y_scale = alt.Scale(domain=list(extent), nice=True, zero=False)
        y_axis = layout.value_axis(unit, currency, orient="left", extent=extent)
        base = (
            alt.Chart()
            .transform_filter(alt.FieldEqualPredicate(field="indicator", equal=name))
            .encode(x=x)
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
            title=alt.Title(name, anchor="start", fontSize=11, color="#000000"),
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


def disaggregations_frame(
    results: pl.DataFrame,
    *,
    dimensions: Sequence[str] | None = None,
    titles: Mapping[str, str] | None = None,
    threshold: int = 5,
) -> pl.DataFrame:
    """One bar per indicator x dimension value (latest period), small cells suppressed."""
    rows = safe_results(results, threshold).filter(pl.col("dimension").is_not_null())
    if dimensions:
        rows = rows.filter(pl.col("dimension").is_in(list(dimensions)))
    rows = (
        rows.sort("period_end", nulls_last=False)
        .group_by("indicator_id", "dimension", "dimension_value", maintain_order=True)
        .last()
    )
    rows = _cell_state(_titled(rows, titles))
    label = (
        pl.when(pl.col("state").is_in(["suppressed", "insufficient_data"]))
        .then(pl.col("label"))
        .otherwise(pl.col("value_text") + " (" + pl.col("label") + ")")
    )
    shown = (
        ~pl.col("state").is_in(["suppressed", "insufficient_data"]) & pl.col("value").is_not_null()
    )
    return rows.select(
        panel=pl.col("indicator") + " by " + pl.col("dimension").str.replace_all("_", " "),
        group=pl.col("dimension_value").fill_null("(none)"),
        # A row without a value to show draws no bar and no interval: only its words.
        value=pl.when(shown).then("value"),
        ci_low=pl.when(shown).then("ci_low"),
        ci_high=pl.when(shown).then("ci_high"),
        state="state",
        unit="unit",
        currency=_currency(rows),
        label=label.fill_null("insufficient data"),
        no_data=pl.when(~shown).then(
            pl.when(pl.col("label") == NO_DATA).then(pl.lit("no data")).otherwise("label")
        ),
    ).sort("panel", "group")


def disaggregations(
    results: pl.DataFrame,
    *,
    dimensions: Sequence[str] | None = None,
    titles: Mapping[str, str] | None = None,
    threshold: int = 5,
) -> alt.VConcatChart:
    """Disaggregated values (by sex, rank group, activity kind...) with 95% intervals; a group
    without a value shows a hollow marker and its reason in words, never a bar."""
    frame = disaggregations_frame(
        results, dimensions=dimensions, titles=titles, threshold=threshold
    )

    def row(name: str, unit: str | None, currency: str | None, extent: tuple) -> layout.Layer:
        x = layout.x_channel(unit, currency, extent)
        base = (
            alt.Chart()
            .transform_filter(alt.FieldEqualPredicate(field="panel", equal=name))
            .encode(y=alt.Y("group:N", title=None, axis=alt.Axis(labelColor="#000000")))
        )
        valued = base.transform_filter("datum.value !== null")
        bar = (
            valued.transform_calculate(status_text=STATUS_WORDS_EXPR)
            .mark_bar(height=12, stroke="#333333", strokeWidth=0.5)
            .encode(
                x=x("value"),
                color=_status_colour(),
                tooltip=_tips("panel:N", "group:N", "label:N", "ci_low:Q", "ci_high:Q"),
            )
        )
        interval = valued.mark_rule(color="black", strokeWidth=2).encode(
            x=x("ci_low"), x2=alt.X2("ci_high")
        )
        empty = base.transform_filter("datum.no_data !== null")
        marker = empty.mark_point(shape="circle", size=50, color="#555555", filled=False).encode(
            x=alt.XValue(6), tooltip=_tips("panel:N", "group:N", "label:N")
        )
        words = empty.mark_text(
            align="left", baseline="middle", dx=14, fontSize=10, fontStyle="italic", color="#000000"
        ).encode(x=alt.XValue(0), text=alt.Text("no_data:N"))
        return layout.layer(
            bar,
            interval,
            marker,
            words,
            layout.value_column(valued, size=10),
            title=alt.Title(name, anchor="start", fontSize=11, color="#000000"),
            height=alt.Step(20),
        )

    keys = layout.row_keys(frame, "panel", ["value", "ci_low", "ci_high"])
    return layout.stack(
        [row(*k) for k in keys],
        frame,
        title="Disaggregations (latest period, 95% interval)",
        description="One bar chart per indicator and dimension: the value of each group as a "
        "bar coloured by status with its 95% interval, the value and status written beside "
        "it; a group with no value to show has a hollow circle and the reason in words.",
        height=None,
    )
