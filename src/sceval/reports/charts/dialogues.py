"""Partnership dialogues: meetings per year by level, and their seniority."""

from __future__ import annotations

import altair as alt
import polars as pl

from sceval.reports.charts.common import LEVEL_COLOURS, _tips, inline
from sceval.reports.data import DIALOGUE_LEVELS


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
        # A dark outline on every segment: the lightest level stays visible on white.
        .mark_bar(stroke="#08306B", strokeWidth=0.75)
        .encode(
            x=alt.X("year:O", title=None),
            y=alt.Y("meetings:Q", title="meetings", stack=True),
            color=alt.Color(
                "level:N",
                scale=alt.Scale(domain=list(DIALOGUE_LEVELS), range=list(LEVEL_COLOURS)),
                sort=list(DIALOGUE_LEVELS),
                title="level",
                legend=alt.Legend(labelExpr="replace(datum.label, /_/g, ' ')"),
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
        .properties(
            title="Meetings per year by level",
            description="Per program, a stacked bar per year: the meetings held at each level, "
            "the most senior darkest; the table of counts per level follows in the next chart.",
        )
    )


def dialogue_seniority(dialogues: pl.DataFrame) -> alt.FacetChart:
    """Level x year grid with the number of meetings in each cell (0 where none were held)."""
    frame = dialogue_counts_frame(dialogues)
    base = alt.Chart().encode(
        x=alt.X("year:O", title=None),
        y=alt.Y(
            "level:N",
            sort=list(DIALOGUE_LEVELS),
            title=None,
            axis=alt.Axis(labelExpr="replace(datum.label, /_/g, ' ')"),
        ),
    )
    rect = base.mark_rect(stroke="white").encode(
        # White to mid grey only: the black count printed on each cell stays legible.
        color=alt.Color(
            "meetings:Q", scale=alt.Scale(range=["#FFFFFF", "#969696"]), title="meetings"
        ),
        tooltip=_tips("program:N", "year:O", "level:N", "meetings:Q"),
    )
    text = base.mark_text(fontSize=9, color="#000000").encode(
        text=alt.Text("meetings:Q"),
    )
    return (
        alt.layer(rect, text, data=inline(frame))
        .properties(width=alt.Step(22), height=alt.Step(18))
        .facet(
            row=alt.Row("program:N", title=None, header=alt.Header(labelAngle=0, labelAlign="left"))
        )
        .resolve_scale(x="independent")
        .properties(
            title="Seniority of meetings by year",
            description="Per program, a grid of level by year with the number of meetings "
            "written in each cell (0 where none were held).",
        )
    )
