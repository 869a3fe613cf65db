"""Do-no-harm: the matrix of checks by program, each cell linked to its evidence."""

from __future__ import annotations

import altair as alt
import polars as pl

from sceval.reports.charts.common import (
    DNH_COLOURS,
    DNH_STATES,
    SEVERITY_RANK,
    _contrast,
    _tips,
    _with_program,
    inline,
)


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
