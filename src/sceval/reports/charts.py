"""The report charts as a Python API: Polars frames in, an Altair chart out.

Each chart has two parts: a `*_frame` function that aggregates in Polars (one row per cell,
bar or point, never a person-level row) and the chart function that draws it. Analysts can
call either in a notebook and restyle the result (`.properties(...)`, `.configure_*`).

Honesty rules drawn into every chart: a missing value is labelled `insufficient data` or
`suppressed` in text, never drawn as zero or left blank; intervals are drawn; status is
carried by text as well as colour (readable in grey and by colour-blind readers).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import altair as alt
import polars as pl

from sceval.reports.data import DIALOGUE_LEVELS, safe_results

# Okabe-Ito colours: distinguishable by colour-blind readers; text labels carry the meaning too.
STATUS_COLOURS = {
    "green": "#009E73",
    "amber": "#E69F00",
    "red": "#D55E00",
    # The interval straddles the red line: neither red nor cleared (sky blue, not a traffic light).
    "inconclusive": "#56B4E9",
    "insufficient_data": "#E0E0E0",
    "suppressed": "#F4F4F4",
    "not computed": "#FFFFFF",
}
STATUS_TEXT = {
    "green": "green",
    "amber": "amber",
    "red": "red",
    "inconclusive": "inconclusive",
    "insufficient_data": "insufficient data",
    "suppressed": "suppressed",
    "not computed": "not computed",
}
DNH_STATES = ("flag", "insufficient_data", "waived", "pass")
DNH_COLOURS = {
    "flag critical": "#7A0019",
    "flag high": "#D55E00",
    "flag medium": "#E69F00",
    "flag low": "#F0E442",
    "insufficient data": "#E0E0E0",
    "waived": "#56B4E9",
    "pass": "#FFFFFF",
    "not run": "#F4F4F4",
}
SEVERITY_RANK = {"critical": 0, "high": 1, "medium": 2, "low": 3}
LEVEL_COLOURS = ("#08306B", "#2171B5", "#6BAED6", "#9ECAE1", "#C6DBEF")
PROPORTION_UNITS = ("proportion", "share", "rate", "ratio_0_1")


MAX_FRAME_ROWS = 5000  # Altair's guard against row-level data


def inline(frame: pl.DataFrame) -> pl.DataFrame | alt.Data:
    """A chart's (already aggregated) rows, ready to embed: NaN as null, dates as ISO text.

    Altair's 5,000-row guard is meant to stop row-level data; these rows are cells, bars
    and points, and a 200-program portfolio has more than 5,000 cells: those go in as
    inline values (slower for Altair to copy, so only then).
    """
    fixed = frame.with_columns(
        [pl.col(c).fill_nan(None) for c, t in frame.schema.items() if t.is_float()]
        + [pl.col(c).cast(pl.String) for c, t in frame.schema.items() if t.is_temporal()]
    )
    return fixed if fixed.height <= MAX_FRAME_ROWS else alt.Data(values=fixed.to_dicts())


def _tips(*fields: str) -> list[alt.Tooltip]:
    """Tooltip channels for the given `field:type` shorthands."""
    return [alt.Tooltip(f) for f in fields]


def _contrast(condition: str) -> alt.ExprRef:
    """Text colour: white on dark cells (where `condition` holds), black elsewhere."""
    return alt.ExprRef(expr=f"({condition}) ? 'white' : 'black'")


def slug(text: str) -> str:
    """A string safe in a file name or an HTML id."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", str(text)).strip("-") or "x"


def _titled(frame: pl.DataFrame, titles: Mapping[str, str] | None) -> pl.DataFrame:
    """Add `indicator`: the catalogue title where known, else the id."""
    mapping = dict(titles or {})
    return frame.with_columns(
        indicator=pl.col("indicator_id").replace_strict(
            mapping, default=pl.col("indicator_id"), return_dtype=pl.String
        )
    )


def _value_text(value: pl.Expr, unit: pl.Expr) -> pl.Expr:
    """A value as printed: proportions as percentages, else 3 significant figures."""
    pct = (value * 100).round(1).cast(pl.String) + "%"
    plain = value.round_sig_figs(3).cast(pl.String)
    return (
        pl.when(value.is_null())
        .then(None)
        .when(unit.is_in(PROPORTION_UNITS))
        .then(pct)
        .otherwise(plain)
    )


def _cell_state(frame: pl.DataFrame) -> pl.DataFrame:
    """`state`: the status, or `suppressed` when the cell is a small count; `label`: its text."""
    state = pl.when(pl.col("suppressed")).then(pl.lit("suppressed")).otherwise(pl.col("status"))
    return frame.with_columns(state=state).with_columns(
        label=pl.col("state").replace_strict(
            STATUS_TEXT, default=pl.col("state"), return_dtype=pl.String
        ),
        value_text=_value_text(pl.col("value"), pl.col("unit")),
    )


def latest_totals(results: pl.DataFrame) -> pl.DataFrame:
    """One total row (no disaggregation) per program and indicator: the latest period."""
    return (
        results.lazy()
        .filter(pl.col("dimension").is_null())
        .sort("period_end", nulls_last=False)
        .group_by("program_id", "indicator_id", maintain_order=True)
        .last()
        .collect()
    )


def program_labels(programs: pl.DataFrame) -> pl.DataFrame:
    """program_id -> `program` label: the name, with the id added where names repeat."""
    return programs.select("program_id", "program").with_columns(
        program=pl.when(pl.col("program").is_null())
        .then(pl.col("program_id"))
        .when(pl.len().over("program") > 1)
        .then(pl.col("program") + " [" + pl.col("program_id") + "]")
        .otherwise(pl.col("program"))
    )


def _with_program(frame: pl.DataFrame, programs: pl.DataFrame | None) -> pl.DataFrame:
    """Add the `program` label column (program id where the program table has no row)."""
    if programs is None or programs.is_empty():
        return frame.with_columns(program=pl.col("program_id").fill_null("(no program)"))
    labels = program_labels(programs)
    return frame.join(labels, on="program_id", how="left").with_columns(
        program=pl.coalesce("program", "program_id", pl.lit("(no program)"))
    )


# ---------------------------------------------------------------- portfolio overview


def status_matrix_frame(
    results: pl.DataFrame,
    programs: pl.DataFrame | None = None,
    *,
    titles: Mapping[str, str] | None = None,
    threshold: int = 5,
) -> pl.DataFrame:
    """One cell per program x indicator: latest total, status and its text label."""
    cells = _cell_state(_titled(latest_totals(safe_results(results, threshold)), titles))
    cells = _with_program(cells, programs)
    grid = cells.select("program").unique().join(cells.select("indicator").unique(), how="cross")
    return (
        grid.join(
            cells.select("program", "indicator", "state", "label", "value_text", "period_end"),
            on=["program", "indicator"],
            how="left",
        )
        .with_columns(
            state=pl.col("state").fill_null("not computed"),
            label=pl.col("label").fill_null("not computed"),
        )
        .sort("program", "indicator")
    )


def _status_scale() -> alt.Scale:
    """Status colours, in a fixed order so every chart reads the same."""
    return alt.Scale(domain=list(STATUS_COLOURS), range=list(STATUS_COLOURS.values()))


# The status in words for legends and the marks' descriptions ("insufficient data", never
# the code `insufficient_data`): computed in the chart from `state`, coloured like it.
STATUS_WORDS_EXPR = "replace(datum.state, '_', ' ')"


def _status_colour() -> alt.Color:
    """The status colour channel, keyed and labelled by the status in words.

    The mark it is used on needs `.transform_calculate(status_text=STATUS_WORDS_EXPR)`.
    """
    scale = alt.Scale(
        domain=[STATUS_TEXT[k] for k in STATUS_COLOURS], range=list(STATUS_COLOURS.values())
    )
    return alt.Color("status_text:N", scale=scale, title="status")


def status_matrix(
    results: pl.DataFrame,
    programs: pl.DataFrame | None = None,
    *,
    titles: Mapping[str, str] | None = None,
    as_of: str | None = None,
    threshold: int = 5,
) -> alt.Chart:
    """Portfolio overview: programs x indicators, status as colour and as text."""
    cells = status_matrix_frame(results, programs, titles=titles, threshold=threshold)
    base = alt.Chart(inline(cells)).encode(
        x=alt.X(
            "indicator:N", title=None, axis=alt.Axis(orient="top", labelAngle=-30, labelLimit=180)
        ),
        y=alt.Y("program:N", title=None, axis=alt.Axis(labelLimit=220)),
    )
    rect = (
        base.transform_calculate(status_text=STATUS_WORDS_EXPR)
        .mark_rect(stroke="#555555", strokeWidth=0.5)
        .encode(
            color=_status_colour(),
            tooltip=[
                alt.Tooltip("program:N"),
                alt.Tooltip("indicator:N"),
                alt.Tooltip("label:N", title="status"),
                alt.Tooltip("value_text:N", title="value"),
            ],
        )
    )
    text = base.mark_text(fontSize=10, color="black").encode(text=alt.Text("label:N"))
    subtitle = f"as of {as_of}" if as_of else alt.Undefined
    return (rect + text).properties(
        width=alt.Step(90),
        height=alt.Step(24),
        title=alt.Title("Status of every indicator by program", subtitle=subtitle),
    )


# ---------------------------------------------------------------- program scorecard


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


# ---------------------------------------------------------------- do-no-harm


def dnh_cells_frame(findings: pl.DataFrame, programs: pl.DataFrame | None = None) -> pl.DataFrame:
    """One cell per program x check: the worst state of its findings, with its text and anchor."""
    state = (
        pl.when(pl.col("waived").fill_null(False) & (pl.col("status") == "flag"))
        .then(pl.lit("waived"))
        .otherwise(pl.col("status"))
    )
    ranked = (
        _with_program(findings, programs)
        .with_columns(state=state)
        .with_columns(
            state_rank=pl.col("state").replace_strict(
                {s: i for i, s in enumerate(DNH_STATES)},
                default=len(DNH_STATES),
                return_dtype=pl.Int32,
            ),
            severity_rank=pl.col("severity").replace_strict(
                SEVERITY_RANK, default=len(SEVERITY_RANK), return_dtype=pl.Int32
            ),
        )
    )
    cells = (
        ranked.sort("state_rank", "severity_rank")
        .group_by("program", "program_id", "check_id", maintain_order=True)
        .agg(
            pl.col("state").first(),
            pl.col("severity").first(),
            findings=pl.len(),
            flags=(pl.col("state") == "flag").sum(),
        )
    )
    category = (
        pl.when(pl.col("state") == "flag")
        .then("flag " + pl.col("severity"))
        .when(pl.col("state") == "insufficient_data")
        .then(pl.lit("insufficient data"))
        .otherwise(pl.col("state"))
    )
    label = (
        pl.when((pl.col("state") == "flag") & (pl.col("flags") > 1))
        .then(pl.col("category") + " x" + pl.col("flags").cast(pl.String))
        .otherwise(pl.col("category"))
    )
    cells = cells.with_columns(category=category).with_columns(
        label=label, href="#" + dnh_anchor(pl.col("check_id"), pl.col("program_id"))
    )
    # A check with no row for a program was not run there: say so rather than leave a blank.
    grid = (
        cells.select("program", "program_id")
        .unique()
        .join(cells.select("check_id").unique(), how="cross")
    )
    return (
        grid.join(cells, on=["program", "program_id", "check_id"], how="left")
        .with_columns(
            category=pl.col("category").fill_null("not run"),
            label=pl.col("label").fill_null("not run"),
            state=pl.col("state").fill_null("not run"),
            findings=pl.col("findings").fill_null(0),
        )
        .sort("program", "check_id")
    )


def dnh_anchor(check_id: pl.Expr, program_id: pl.Expr) -> pl.Expr:
    """HTML id of the evidence summary of one program x check cell."""
    clean = [
        e.fill_null("none").str.replace_all(r"[^A-Za-z0-9_.-]+", "-")
        for e in (check_id, program_id)
    ]
    return "dnh-" + clean[0] + "--" + clean[1]


def dnh_matrix(findings: pl.DataFrame, programs: pl.DataFrame | None = None) -> alt.Chart:
    """Programs x checks: severity and status (flag, insufficient data, waived, pass), linked."""
    cells = dnh_cells_frame(findings, programs)
    base = alt.Chart(inline(cells)).encode(
        x=alt.X(
            "check_id:N", title=None, axis=alt.Axis(orient="top", labelAngle=-30, labelLimit=180)
        ),
        y=alt.Y("program:N", title=None, axis=alt.Axis(labelLimit=220)),
    )
    rect = base.mark_rect(stroke="#555555", strokeWidth=0.5, cursor="pointer").encode(
        color=alt.Color(
            "category:N",
            scale=alt.Scale(domain=list(DNH_COLOURS), range=list(DNH_COLOURS.values())),
            title="finding",
        ),
        href=alt.Href("href:N"),
        tooltip=_tips("program:N", "check_id:N", "label:N", "findings:Q"),
    )
    text = base.mark_text(
        fontSize=10, color=_contrast("datum.category === 'flag critical'")
    ).encode(
        text=alt.Text("label:N"),
        href=alt.Href("href:N"),
    )
    return (rect + text).properties(
        width=alt.Step(110), height=alt.Step(24), title="Do-no-harm checks by program"
    )


# ---------------------------------------------------------------- partnership


def _humanize(expr: pl.Expr) -> pl.Expr:
    """snake_case ids as readable labels."""
    text = expr.str.replace_all("_", " ")
    return text.str.slice(0, 1).str.to_uppercase() + text.str.slice(1)


def partnership_cells_frame(
    scores: pl.DataFrame, item_labels: Mapping[str, str] | None = None
) -> pl.DataFrame:
    """Item rows x case columns, with the rating text as printed and the score relative to max.

    Only expert ratings (`source` expert or unset) are cells, as in Table 1; ratings the
    scorer derived from program data (`source = 'data'`) are listed beside the chart.
    """
    if "source" not in scores.columns:
        scores = scores.with_columns(source=pl.lit(None, pl.String))
    items = scores.filter(
        (pl.col("level") == "item") & (pl.col("source").fill_null("expert") == "expert")
    ).with_row_index("order")
    labels = dict(item_labels or {})
    return items.select(
        "model_id",
        "case_id",
        "item_id",
        "order",
        dimension=_humanize(pl.col("dimension_id").fill_null("")),
        item=pl.col("item_id").replace_strict(
            labels, default=_humanize(pl.col("item_id")), return_dtype=pl.String
        ),
        score="score",
        relative=pl.col("score") / pl.col("max_score"),
        rating=pl.col("rating_text").fill_null("not rated"),
        score_text=pl.when(pl.col("score").is_null())
        .then(pl.lit("insufficient data"))
        .otherwise(pl.col("score").round(2).cast(pl.String)),
    )


def _model_heatmap(cells: pl.DataFrame, title: str) -> alt.VConcatChart:
    """One block of rows per dimension, like the sections of Attinà's Table 1."""
    cases = cells["case_id"].unique(maintain_order=True).to_list()
    blocks = []
    for dim in cells["dimension"].unique(maintain_order=True).to_list():
        order = cells.filter(pl.col("dimension") == dim)["item"].unique(maintain_order=True)
        base = (
            alt.Chart()
            .transform_filter(alt.datum.dimension == dim)
            .encode(
                x=alt.X(
                    "case_id:N",
                    title=None,
                    sort=cases,
                    axis=alt.Axis(orient="top", labelAngle=0) if not blocks else None,
                ),
                y=alt.Y("item:N", title=None, sort=order.to_list(), axis=alt.Axis(labelLimit=320)),
            )
        )
        rect = base.mark_rect(stroke="white").encode(
            color=alt.Color(
                "relative:Q", scale=alt.Scale(scheme="blues", domain=[0, 1]), title="score / max"
            ),
            tooltip=_tips(
                "model_id:N", "dimension:N", "item:N", "case_id:N", "rating:N", "score_text:N"
            ),
        )
        text = base.mark_text(
            fontSize=10, limit=165, color=_contrast("datum.relative > 0.6")
        ).encode(
            text=alt.Text("rating:N"),
        )
        blocks.append(
            alt.layer(rect, text).properties(
                width=alt.Step(170),
                height=alt.Step(22),
                title=alt.Title(dim, anchor="start", fontSize=11),
            )
        )
    return alt.vconcat(*blocks, data=inline(cells), spacing=4).properties(title=title)


def partnership_heatmap(
    scores: pl.DataFrame, item_labels: Mapping[str, str] | None = None
) -> alt.TopLevelMixin:
    """Items (grouped by dimension) x cases, rating text as printed, coloured by score."""
    cells = partnership_cells_frame(scores, item_labels)
    models = cells["model_id"].unique(maintain_order=True).to_list()
    charts = [
        _model_heatmap(cells.filter(pl.col("model_id") == m), f"Ratings by item and case ({m})")
        for m in models
    ]
    if not charts:
        return _model_heatmap(cells, "Ratings by item and case")
    return charts[0] if len(charts) == 1 else alt.vconcat(*charts)


def profiles_frame(scores: pl.DataFrame) -> pl.DataFrame:
    """Dimension scores per case, relative to the dimension maximum where one is given."""
    dims = scores.filter(pl.col("level") == "dimension").with_row_index("order")
    return dims.select(
        "model_id",
        "case_id",
        "order",
        dimension=_humanize(pl.col("dimension_id").fill_null("")),
        score="score",
        relative=pl.coalesce(pl.col("score") / pl.col("max_score"), pl.col("score")),
        label=pl.when(pl.col("score").is_null())
        .then(pl.lit("insufficient data"))
        .otherwise(pl.col("score").round(2).cast(pl.String)),
    )


def dimension_profiles(scores: pl.DataFrame) -> alt.FacetChart:
    """Each case's profile across the model's dimensions (score relative to the maximum)."""
    frame = profiles_frame(scores)
    dims = frame.sort("order")["dimension"].unique(maintain_order=True).to_list()
    base = alt.Chart().encode(
        x=alt.X("dimension:N", sort=dims, title=None, axis=alt.Axis(labelAngle=0, labelLimit=140)),
        y=alt.Y("relative:Q", title="score / max", scale=alt.Scale(domain=[0, 1])),
        color=alt.Color("case_id:N", title="case"),
    )
    line = base.mark_line(point=True).encode(tooltip=_tips("case_id:N", "dimension:N", "label:N"))
    missing = (
        base.transform_filter("datum.score === null")
        .mark_text(text="insufficient data", fontSize=9, dy=-6)
        .encode(y=alt.YValue(190))
    )
    return (
        alt.layer(line, missing, data=inline(frame))
        .properties(width=460, height=200)
        .facet(row=alt.Row("model_id:N", title=None))
        .properties(title="Dimension profiles per case")
    )


def _score_label(score: pl.Expr) -> pl.Expr:
    """A 0..1 share as a percentage, or `insufficient data`."""
    return (
        pl.when(score.is_null())
        .then(pl.lit("insufficient data"))
        .otherwise((score * 100).round(0).cast(pl.Int64).cast(pl.String) + "%")
    )


def robustness_frame(scores: pl.DataFrame) -> pl.DataFrame:
    """Overall scores with their rank and the rank stability of each case, one row per case."""
    overall = scores.filter(pl.col("level") == "overall").select(
        "model_id", "case_id", "score", "rank", note=pl.col("note").fill_null("")
    )
    stability = scores.filter(pl.col("level") == "rank_stability").select(
        "model_id",
        "case_id",
        same_rank="score",
        rank_verdict=pl.col("rating_text"),
        rank_note=pl.col("note"),
    )
    return overall.join(stability, on=["model_id", "case_id"], how="left").with_columns(
        label=pl.when(pl.col("score").is_null())
        .then(pl.lit("insufficient data"))
        .otherwise(
            pl.col("score").round(2).cast(pl.String)
            + pl.when(pl.col("rank").is_not_null())
            .then(" (rank " + pl.col("rank").cast(pl.String) + ")")
            .otherwise(pl.lit(""))
        ),
        stability_label=pl.when(pl.col("same_rank").is_null())
        .then(pl.lit("not analysed"))
        .otherwise(_score_label(pl.col("same_rank")) + " keep rank, " + pl.col("rank_verdict")),
    )


def pair_stability_frame(scores: pl.DataFrame) -> pl.DataFrame:
    """Case A x case B (overall scope): share of alternative mappings with A above B."""
    return scores.filter(
        (pl.col("level") == "pair_stability") & pl.col("dimension_id").is_null()
    ).select(
        "model_id",
        case_a="case_id",
        case_b="item_id",
        above="score",
        verdict=pl.col("rating_text").fill_null(""),
        note=pl.col("note").fill_null(""),
        label=_score_label(pl.col("score")),
    )


def robustness(scores: pl.DataFrame) -> alt.TopLevelMixin:
    """Overall score and rank per case, how often the rank holds, and pair stability."""
    frame = robustness_frame(scores)
    base = alt.Chart(inline(frame)).encode(y=alt.Y("case_id:N", title=None))
    dots = base.mark_point(filled=True, size=80, color="#0072B2").encode(
        x=alt.X("score:Q", title="overall score", scale=alt.Scale(domain=[0, 1])),
        tooltip=_tips("model_id:N", "case_id:N", "label:N", "note:N"),
    )
    text = base.mark_text(align="left", dx=8, fontSize=10).encode(
        x=alt.X("score:Q"), text=alt.Text("label:N")
    )
    overall = (dots + text).properties(width=300, title="Overall score (rank)")
    bars = base.mark_bar(color="#CFCFCF").encode(
        x=alt.X(
            "same_rank:Q", title="share of alternative mappings", scale=alt.Scale(domain=[0, 1])
        ),
        tooltip=_tips("model_id:N", "case_id:N", "stability_label:N", "rank_note:N"),
    )
    bar_text = base.mark_text(align="left", dx=4, fontSize=10).encode(
        x=alt.XValue(4), text=alt.Text("stability_label:N")
    )
    ranks = (bars + bar_text).properties(width=300, title="Rank stability")
    pairs = pair_stability_frame(scores)
    top = alt.hconcat(overall, ranks)
    if pairs.is_empty():
        return top.properties(title="Overall scores and robustness")
    pbase = alt.Chart(inline(pairs)).encode(
        x=alt.X("case_b:N", title="... is above case", axis=alt.Axis(orient="top", labelAngle=0)),
        y=alt.Y("case_a:N", title="case"),
    )
    cells = pbase.mark_rect(stroke="white").encode(
        color=alt.Color(
            "above:Q", scale=alt.Scale(scheme="purples", domain=[0, 1]), title="share above"
        ),
        tooltip=_tips("model_id:N", "case_a:N", "case_b:N", "label:N", "verdict:N", "note:N"),
    )
    ptext = pbase.mark_text(fontSize=10, color=_contrast("datum.above > 0.6")).encode(
        text=alt.Text("label:N"),
    )
    pair = (cells + ptext).properties(
        width=alt.Step(90), height=alt.Step(24), title="Pair stability (overall)"
    )
    return alt.vconcat(top, pair).properties(title="Overall scores and robustness")


def conclusions_frame(scores: pl.DataFrame) -> pl.DataFrame:
    """The paper's conclusions re-tested: verdict and share of mappings under which each holds."""
    return scores.filter(pl.col("level") == "conclusion").select(
        "model_id",
        conclusion="item_id",
        verdict=pl.col("rating_text").fill_null(""),
        holds=_score_label(pl.col("score")),
        note=pl.col("note").fill_null(""),
    )


# ---------------------------------------------------------------- dialogues


def dialogue_counts_frame(dialogues: pl.DataFrame) -> pl.DataFrame:
    """Meetings per program, year and level, with years without meetings as explicit zeros."""
    meetings = dialogues.lazy().with_columns(year=pl.col("date").dt.year())
    if "program" not in dialogues.columns:
        meetings = meetings.with_columns(program=pl.col("program_id"))
    counts = meetings.group_by("program", "year", "level").agg(meetings=pl.len()).collect()
    span = counts.group_by("program").agg(first=pl.col("year").min(), last=pl.col("year").max())
    years = span.select("program", year=pl.int_ranges("first", pl.col("last") + 1)).explode("year")
    grid = years.join(pl.DataFrame({"level": list(DIALOGUE_LEVELS)}), how="cross")
    return (
        grid.join(counts, on=["program", "year", "level"], how="left")
        .with_columns(
            pl.col("meetings").fill_null(0).cast(pl.Int64),
            seniority=pl.col("level").replace_strict(
                {lvl: i for i, lvl in enumerate(DIALOGUE_LEVELS)},
                default=None,
                return_dtype=pl.Int32,
            ),
        )
        .sort("program", "year", "seniority")
    )


def dialogue_levels(dialogues: pl.DataFrame) -> alt.FacetChart:
    """Meetings per year by level, most senior darkest: decline in frequency and seniority."""
    frame = dialogue_counts_frame(dialogues)
    bars = (
        alt.Chart()
        .mark_bar()
        .encode(
            x=alt.X("year:O", title=None),
            y=alt.Y("meetings:Q", title="meetings", stack=True),
            color=alt.Color(
                "level:N",
                scale=alt.Scale(domain=list(DIALOGUE_LEVELS), range=list(LEVEL_COLOURS)),
                sort=list(DIALOGUE_LEVELS),
                title="level",
            ),
            order=alt.Order("seniority:Q"),
            tooltip=_tips("program:N", "year:O", "level:N", "meetings:Q"),
        )
    )
    return (
        alt.layer(bars, data=inline(frame))
        .properties(width=alt.Step(18), height=160)
        .facet(
            row=alt.Row("program:N", title=None, header=alt.Header(labelAngle=0, labelAlign="left"))
        )
        .resolve_scale(x="independent")
        .properties(title="Meetings per year by level")
    )


def dialogue_seniority(dialogues: pl.DataFrame) -> alt.FacetChart:
    """Level x year grid with the number of meetings in each cell (0 where none were held)."""
    frame = dialogue_counts_frame(dialogues)
    base = alt.Chart().encode(
        x=alt.X("year:O", title=None),
        y=alt.Y("level:N", sort=list(DIALOGUE_LEVELS), title=None),
    )
    rect = base.mark_rect(stroke="white").encode(
        color=alt.Color("meetings:Q", scale=alt.Scale(scheme="greys"), title="meetings"),
        tooltip=_tips("program:N", "year:O", "level:N", "meetings:Q"),
    )
    text = base.mark_text(fontSize=9, color=_contrast("datum.meetings > 3")).encode(
        text=alt.Text("meetings:Q"),
    )
    return (
        alt.layer(rect, text, data=inline(frame))
        .properties(width=alt.Step(22), height=alt.Step(18))
        .facet(
            row=alt.Row("program:N", title=None, header=alt.Header(labelAngle=0, labelAlign="left"))
        )
        .resolve_scale(x="independent")
        .properties(title="Seniority of meetings by year")
    )
