"""The portfolio overview: the status matrix of programs by indicator."""

from __future__ import annotations

from collections.abc import Mapping

import altair as alt
import polars as pl

from sceval.reports.charts.common import (
    STATUS_WORDS_EXPR,
    _cell_state,
    _status_colour,
    _titled,
    _with_program,
    inline,
    latest_totals,
)
from sceval.reports.data import safe_results


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
