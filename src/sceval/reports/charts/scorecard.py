"""A program's scorecard: bullets against thresholds, trends, period series, disaggregations."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import altair as alt
import polars as pl

from sceval.reports.charts.common import _cell_state, _tips, _titled, inline, latest_totals
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
        label=label,
        label_x=pl.max_horizontal("value", "ci_high", "target").fill_null(0.0),
    ).sort("indicator")


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


def indicator_bullets(
    results: pl.DataFrame,
    *,
    titles: Mapping[str, str] | None = None,
    sheets: pl.DataFrame | None = None,
    threshold: int = 5,
    overrides: pl.DataFrame | None = None,
) -> alt.FacetChart:
    """Bullet charts: value bar on threshold bands, target (black tick), target to date (grey), 95% interval."""
    bullets = bullets_frame(results, titles=titles, threshold=threshold)
    bands = threshold_bands_frame(bullets, sheets, overrides)
    frame = pl.concat(
        [
            bullets.with_columns(row_type=pl.lit("bullet")),
            bands.with_columns(row_type=pl.lit("band")),
        ],
        how="diagonal_relaxed",
    ).drop("indicator_id", "program_id")
    base = alt.Chart().encode(y=alt.Y("indicator:N", axis=None))
    is_bullet = alt.datum.row_type == "bullet"
    shade = (
        base.transform_filter(alt.datum.row_type == "band")
        .mark_bar(height=26)
        .encode(
            x=alt.X("band_start:Q", title=None),
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
        .mark_bar(height=12)
        .encode(
            x=alt.X("value:Q", title=None, scale=alt.Scale(zero=True)),
            color=_status_colour(),
            tooltip=_tips(
                "indicator:N", "label:N", "ci_low:Q", "ci_high:Q", "target:Q", "baseline:Q"
            ),
        )
    )
    interval = bullet.mark_rule(strokeWidth=2, color="black").encode(
        x=alt.X("ci_low:Q"), x2=alt.X2("ci_high")
    )
    target = bullet.mark_tick(thickness=3, size=26, color="black").encode(x=alt.X("target:Q"))
    to_date = bullet.mark_tick(thickness=2, size=20, color="#777777").encode(
        x=alt.X("target_to_date:Q")
    )
    text = bullet.mark_text(align="left", dx=6, fontSize=11).encode(
        x=alt.X("label_x:Q"), text=alt.Text("label:N")
    )
    return (
        alt.layer(shade, bar, interval, target, to_date, text, data=inline(frame))
        .properties(width=420, height=34)
        .facet(
            row=alt.Row(
                "indicator:N", title=None, header=alt.Header(labelAngle=0, labelAlign="left")
            )
        )
        .resolve_scale(x="independent")
        .properties(title="Value against target (black), target to date (grey), 95% interval")
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
    cols = ["indicator", "date", "value", "ci_low", "ci_high", "series"]
    actual = totals.select(
        "indicator", date=pl.col("period_end"), value="value", ci_low="ci_low", ci_high="ci_high"
    ).with_columns(series=pl.lit("actual"))
    last = totals.group_by("indicator", maintain_order=True).last()
    path_start = last.filter(pl.col("baseline").is_not_null()).select(
        "indicator", date="start_date", value="baseline"
    )
    path_mid = totals.filter(pl.col("target_to_date").is_not_null()).select(
        "indicator", date="period_end", value="target_to_date"
    )
    path_end = last.filter(pl.col("target").is_not_null()).select(
        "indicator", date="end_date", value="target"
    )
    path = pl.concat([path_start, path_mid, path_end]).with_columns(
        ci_low=pl.lit(None, pl.Float64),
        ci_high=pl.lit(None, pl.Float64),
        series=pl.lit("target path"),
    )
    proj = last.filter(pl.col("projected_value").is_not_null() & pl.col("value").is_not_null())
    projection = pl.concat(
        [
            proj.select("indicator", date="period_end", value="value"),
            proj.select("indicator", date="end_date", value="projected_value"),
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


def indicator_trends(
    results: pl.DataFrame,
    programs: pl.DataFrame,
    *,
    titles: Mapping[str, str] | None = None,
    threshold: int = 5,
) -> alt.FacetChart:
    """Trend per indicator: actual values with 95% intervals, pro-rated target path, projection."""
    frame = trends_frame(results, programs, titles=titles, threshold=threshold)
    series = alt.Scale(
        domain=["actual", "target path", "projection"], range=["#0072B2", "#555555", "#CC79A7"]
    )
    dash = alt.Scale(domain=["actual", "target path", "projection"], range=[[1, 0], [6, 3], [2, 2]])
    base = alt.Chart().encode(x=alt.X("date:T", title=None))
    line = base.mark_line(point=True).encode(
        y=alt.Y("value:Q", title=None),
        color=alt.Color("series:N", scale=series, title=None),
        strokeDash=alt.StrokeDash("series:N", scale=dash, title=None),
        tooltip=_tips("series:N", "date:T", "value:Q", "ci_low:Q", "ci_high:Q"),
    )
    interval = (
        base.transform_filter("datum.series === 'actual'")
        .mark_rule(color="#0072B2")
        .encode(y=alt.Y("ci_low:Q"), y2=alt.Y2("ci_high"))
    )
    missing = (
        base.transform_filter("datum.value === null")
        .mark_text(text="no value", angle=270, color="#777777", fontSize=9)
        .encode(y=alt.YValue(20))
    )
    return (
        alt.layer(line, interval, missing, data=inline(frame))
        .properties(width=420, height=110)
        .facet(
            row=alt.Row(
                "indicator:N", title=None, header=alt.Header(labelAngle=0, labelAlign="left")
            )
        )
        .resolve_scale(y="independent")
        .properties(
            title="Trend: actual (95% interval), pro-rated target path, projection to program end"
        )
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
    )


def period_series(
    series: pl.DataFrame,
    *,
    titles: Mapping[str, str] | None = None,
    threshold: int = 5,
) -> alt.FacetChart:
    """Per indicator: its value in each reporting period (status colour, 95% interval) and
    the period's target to date as a dashed path."""
    frame = period_series_frame(series, titles=titles, threshold=threshold)
    x = alt.X("period:O", title=None, sort=alt.EncodingSortField("order"))
    base = alt.Chart().encode(x=x)
    actual = base.mark_line(color="#0072B2").encode(y=alt.Y("value:Q", title=None))
    points = (
        base.transform_calculate(status_text=STATUS_WORDS_EXPR)
        .mark_point(filled=True, size=60, stroke="#333333")
        .encode(
            y=alt.Y("value:Q"),
            color=_status_colour(),
            tooltip=_tips("period:N", "value:Q", "ci_low:Q", "ci_high:Q", "target:Q", "label:N"),
        )
    )
    interval = base.mark_rule(color="#0072B2").encode(y=alt.Y("ci_low:Q"), y2=alt.Y2("ci_high"))
    target = base.mark_line(color="#555555", strokeDash=[6, 3]).encode(y=alt.Y("target:Q"))
    return (
        alt.layer(target, actual, interval, points, data=inline(frame))
        .properties(width=420, height=110)
        .facet(
            row=alt.Row(
                "indicator:N", title=None, header=alt.Header(labelAngle=0, labelAlign="left")
            )
        )
        .resolve_scale(y="independent")
        .properties(
            title="Per period: value (status colour, 95% interval) and the target path (dashed)"
        )
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
        .otherwise(pl.col("value_text"))
    )
    return rows.select(
        panel=pl.col("indicator") + " by " + pl.col("dimension").str.replace_all("_", " "),
        group=pl.col("dimension_value").fill_null("(none)"),
        value="value",
        ci_low="ci_low",
        ci_high="ci_high",
        state="state",
        label=label.fill_null("insufficient data"),
        label_x=pl.max_horizontal("value", "ci_high").fill_null(0.0),
    ).sort("panel", "group")


def disaggregations(
    results: pl.DataFrame,
    *,
    dimensions: Sequence[str] | None = None,
    titles: Mapping[str, str] | None = None,
    threshold: int = 5,
) -> alt.FacetChart:
    """Disaggregated values (by sex, rank group, activity kind...) with 95% intervals."""
    frame = disaggregations_frame(
        results, dimensions=dimensions, titles=titles, threshold=threshold
    )
    base = alt.Chart().encode(y=alt.Y("group:N", title=None))
    bar = (
        base.transform_calculate(status_text=STATUS_WORDS_EXPR)
        .mark_bar(height=12)
        .encode(
            x=alt.X("value:Q", title=None),
            color=_status_colour(),
            tooltip=_tips("panel:N", "group:N", "label:N", "ci_low:Q", "ci_high:Q"),
        )
    )
    interval = base.mark_rule(color="black", strokeWidth=2).encode(
        x=alt.X("ci_low:Q"), x2=alt.X2("ci_high")
    )
    text = base.mark_text(align="left", dx=6, fontSize=10).encode(
        x=alt.X("label_x:Q"), text=alt.Text("label:N")
    )
    return (
        alt.layer(bar, interval, text, data=inline(frame))
        .properties(width=360)
        .facet(
            row=alt.Row("panel:N", title=None, header=alt.Header(labelAngle=0, labelAlign="left"))
        )
        .resolve_scale(x="independent", y="independent")
        .properties(title="Disaggregations (latest period, 95% interval)")
    )
