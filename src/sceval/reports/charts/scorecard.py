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
    _cell_state,
    _currency,
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
BAND_FONT = 7  # the bands' names, in the strip of the band above the value bar
BAND_LABEL_PX = 34  # "amber" at 7 px with air, in px
TICKS = ("target", "target_to_date")


def band_labels_frame(bullets: pl.DataFrame, bands: pl.DataFrame) -> pl.DataFrame:
    """Where each threshold band's name is written inside it, so that the bands are told
    apart by words as well as by shade: at its left end, else at its right end, and only
    where the name fits in the band and no target tick is drawn over it.

    Positions are in data units: a pixel is at most 1.5 times (hi - lo) / PLOT_WIDTH, since
    Vega widens the row's domain to round ticks (`nice`) and never by more than that here.
    """
    schema = {"indicator": pl.String, "band": pl.String, "label_x": pl.Float64}
    if bands.is_empty():
        return pl.DataFrame(schema=schema)
    values = [c for c in ("value", "ci_low", "ci_high", *TICKS) if c in bullets.columns]
    extent = (
        pl.concat(
            [
                bullets.select("indicator", *[pl.col(c).cast(pl.Float64) for c in values]),
                bands.select("indicator", "band_start", "band_end"),
            ],
            how="diagonal_relaxed",
        )
        .group_by("indicator")
        .agg(
            lo=pl.min_horizontal(pl.lit(0.0), pl.min_horizontal(values + ["band_start"]).min()),
            hi=pl.max_horizontal(pl.lit(0.0), pl.max_horizontal(values + ["band_end"]).max()),
        )
        .with_columns(px=(pl.col("hi") - pl.col("lo")) * 1.5 / layout.PLOT_WIDTH)
    )
    ticks = bullets.select("indicator", *[pl.col(c).cast(pl.Float64) for c in TICKS])
    frame = bands.join(extent, on="indicator").join(ticks, on="indicator", how="left")
    width, pad = pl.col("px") * BAND_LABEL_PX, pl.col("px") * 3

    def clear(x: pl.Expr) -> pl.Expr:
        # No tick between the label's left and right edges, with a tick's width of air.
        free = [
            pl.col(t).is_null() | (pl.col(t) < x - pad) | (pl.col(t) > x + width + pad)
            for t in TICKS
        ]
        return pl.all_horizontal(free)

    left = pl.col("band_start") + pad
    right = pl.col("band_end") - pad - width
    fits = (pl.col("band_end") - pl.col("band_start")) >= width + 2 * pad
    x = pl.when(fits & clear(left)).then(left).when(fits & clear(right)).then(right)
    return frame.select("indicator", "band", label_x=x).drop_nulls("label_x")


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
    named = band_labels_frame(bullets, bands)
    frame = pl.concat(
        [
            bullets.with_columns(row_type=pl.lit("bullet")),
            bands.with_columns(row_type=pl.lit("band")),
            named.with_columns(row_type=pl.lit("band name")),
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
        # Drawn after the bars and ticks, so nothing is drawn over a band's name.
        name_text = (
            base.transform_filter(alt.datum.row_type == "band name")
            .mark_text(align="left", baseline="top", dy=-13, fontSize=BAND_FONT, color="#000000")
            .encode(x=x("label_x"), text=alt.Text("band:N"))
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
        return layout.layer(
            shade, bar, interval, target, to_date, name_text, layout.value_column(bullet)
        )

    charts = [row(*key) for key in layout.row_keys(frame, "indicator", BULLET_FIELDS)]
    return layout.stack(
        charts,
        frame,
        title="Value against target (black), target to date (grey), 95% interval",
        description="Bullet chart per indicator: the latest value as a bar coloured by "
        "status, its 95% interval, the target and the target to date, on the threshold "
        "bands (each named in it where there is room); the value and status are written "
        "beside each row.",
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
