"""The portfolio overview: the status matrix of programs by indicator."""

from __future__ import annotations

from collections.abc import Mapping

import altair as alt
import polars as pl

from sceval.reports.charts.common import (
    NO_DATA,
    STATUS_COLOURS,
    STATUS_WORDS_EXPR,  # noqa: F401 - scorecard imports it from here
    _cell_state,
    _status_colour,  # noqa: F401 - scorecard imports it from here
    _titled,
    _with_program,
    latest_totals,
)
from sceval.reports.charts.matrix import (
    FIND,
    ROW_STEP,
    SORT_KEY,
    column_axis,
    controls,
    csv_values,
    legend_expr,
    lookup_rows,
    program_rows,
    ranked,
    row_axis,
    search_text,
)
from sceval.reports.data import safe_results

# The code written in each cell (the legend gives its words), in the legend's order.
STATUS_CODES = {
    "red": "R",
    "inconclusive": "I",
    "amber": "A",
    "green": "G",
    "insufficient_data": "ID",
    "no data": "ND",
    "suppressed": "S",
    "not computed": "NC",
}
CODE_WORDS = {
    "R": "red",
    "I": "inconclusive",
    "A": "amber",
    "G": "green",
    "ID": "insufficient data",
    "ND": "no data (n = 0)",
    "S": "suppressed",
    "NC": "not computed",
}
CODE_COLOURS = [STATUS_COLOURS["insufficient_data" if s == "no data" else s] for s in STATUS_CODES]
# DAC evaluation criteria, in the order evaluators read them; then anything else.
FAMILIES = ("relevance", "coherence", "effectiveness", "efficiency", "impact", "sustainability")
SHOW = ("all programs", "with red", "with red or amber", "with red, amber or inconclusive")
SHOW_FILTER = (
    "show === 'with red' ? datum.n_red > 0 : show === 'with red or amber' ? "
    "datum.n_red + datum.n_amber > 0 : show === 'with red, amber or inconclusive' ? "
    "datum.n_red + datum.n_amber + datum.n_inconclusive > 0 : true"
)


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


def indicator_columns(
    indicator_ids: list[str],
    titles: Mapping[str, str] | None = None,
    sheets: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """One matrix column per indicator: `c` (its key and order: by family, then short label),
    `short` (the column label), `title` (the full title), `family` (DAC criterion)."""
    cols = pl.DataFrame({"indicator_id": indicator_ids}, schema={"indicator_id": pl.String})
    if sheets is not None and not sheets.is_empty() and "short" in sheets.columns:
        cols = cols.join(
            sheets.select("indicator_id", "short", "family"), on="indicator_id", how="left"
        )
    else:
        cols = cols.with_columns(short=pl.lit(None, pl.String), family=pl.lit(None, pl.String))
    titles = dict(titles or {})
    family_rank = {f: i for i, f in enumerate(FAMILIES)}
    cols = cols.with_columns(
        short=pl.coalesce("short", pl.col("indicator_id").str.replace_all("_", " ")),
        family=pl.col("family").fill_null("other"),
        title=pl.col("indicator_id").replace_strict(
            titles, default=pl.col("indicator_id"), return_dtype=pl.String
        ),
    ).with_columns(
        f_rank=pl.col("family").replace_strict(
            family_rank, default=len(FAMILIES), return_dtype=pl.Int32
        )
    )
    return (
        cols.sort("f_rank", "short")
        .with_row_index("c")
        .with_columns(pl.col("c").cast(pl.Int32))
        .drop("f_rank")
    )


def portfolio_frames(
    results: pl.DataFrame,
    programs: pl.DataFrame | None = None,
    *,
    titles: Mapping[str, str] | None = None,
    sheets: pl.DataFrame | None = None,
    threshold: int = 5,
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """(cells, rows, columns) of the portfolio matrix.

    rows: one per program, ranked so that the programs needing attention come first (most
    red, then inconclusive, amber, insufficient data); columns: one per indicator; cells:
    every program x indicator with its status code, words and value.
    """
    latest = _cell_state(_titled(latest_totals(safe_results(results, threshold)), titles))
    latest = latest.with_columns(
        code=pl.when(pl.col("label") == NO_DATA)
        .then(pl.lit("ND"))
        .otherwise(pl.col("state").replace_strict(STATUS_CODES, default="NC"))
    )
    ids = sorted(set(latest["program_id"].drop_nulls().to_list()))
    columns = indicator_columns(sorted(set(latest["indicator_id"].to_list())), titles, sheets)
    counts = latest.group_by("program_id").agg(
        n_red=(pl.col("state") == "red").sum().cast(pl.Int32),
        n_inconclusive=(pl.col("state") == "inconclusive").sum().cast(pl.Int32),
        n_amber=(pl.col("state") == "amber").sum().cast(pl.Int32),
        n_insufficient=(pl.col("state") == "insufficient_data").sum().cast(pl.Int32),
        n_green=(pl.col("state") == "green").sum().cast(pl.Int32),
        n_suppressed=(pl.col("state") == "suppressed").sum().cast(pl.Int32),
    )
    rows = program_rows(ids, programs).join(counts, on="program_id", how="left")
    rows = search_text(
        ranked(
            rows,
            [pl.col(c) for c in ("n_red", "n_inconclusive", "n_amber", "n_insufficient")],
        )
    )
    grid = rows.select("p", "program_id").join(
        columns.select("c", "indicator_id", "family"), how="cross"
    )
    cells = (
        grid.join(
            latest.select("program_id", "indicator_id", "code", "label", "value_text"),
            on=["program_id", "indicator_id"],
            how="left",
        )
        .with_columns(
            code=pl.col("code").fill_null("NC"), label=pl.col("label").fill_null("not computed")
        )
        .select("p", "c", pl.col("family").alias("fam"), "code", "label", "value_text")
        .sort("p", "c")
    )
    return cells, rows, columns


def status_matrix(
    results: pl.DataFrame,
    programs: pl.DataFrame | None = None,
    *,
    titles: Mapping[str, str] | None = None,
    as_of: str | None = None,
    threshold: int = 5,
    sheets: pl.DataFrame | None = None,
) -> alt.FacetChart:
    """Portfolio overview: programs (rows, most in need of attention first) x indicators
    (columns grouped by DAC criterion); status as colour and as a code the legend spells out.

    Fits the page width at any number of programs; the reader can sort, search and filter
    the rows in the page, and the tooltip gives the full program name and indicator title.
    """
    frames = portfolio_frames(results, programs, titles=titles, sheets=sheets, threshold=threshold)
    return status_matrix_chart(*frames, as_of=as_of)


def status_matrix_chart(
    cells: pl.DataFrame, rows: pl.DataFrame, columns: pl.DataFrame, *, as_of: str | None = None
) -> alt.FacetChart:
    """The portfolio matrix drawn from `portfolio_frames` (pages that also tabulate the
    frames compute them once)."""
    sort, find, which = controls(SHOW)
    base = alt.Chart().encode(y=row_axis(), x=column_axis("short:N"))
    colour = alt.Color(
        "code:N",
        scale=alt.Scale(domain=list(STATUS_CODES.values()), range=CODE_COLOURS),
        legend=alt.Legend(
            title="status (cell code)",
            orient="top",
            direction="horizontal",
            columns=4,
            labelExpr=legend_expr(CODE_WORDS),
            labelLimit=0,
        ),
    )
    rect = base.mark_rect(stroke="#555555", strokeWidth=0.4).encode(
        color=colour,
        tooltip=[
            alt.Tooltip("program:N"),
            alt.Tooltip("title:N", title="indicator"),
            alt.Tooltip("fam:N", title="DAC criterion"),
            alt.Tooltip("label:N", title="status"),
            alt.Tooltip("value_text:N", title="value"),
            alt.Tooltip("country:N"),
            alt.Tooltip("provider:N"),
            alt.Tooltip("program_id:N", title="program id"),
        ],
    )
    text = base.mark_text(fontSize=8, color="black").encode(text=alt.Text("code:N"))
    families = [f for f in (*FAMILIES, "other") if f in set(columns["family"].to_list())]
    subtitle = f"as of {as_of}" if as_of else alt.Undefined
    return (
        alt.layer(rect, text)
        .properties(width=alt.Step(22), height=alt.Step(ROW_STEP))
        .facet(
            column=alt.Column(
                "fam:N",
                sort=families,
                title=None,
                header=alt.Header(labelAngle=0, labelOrient="top", labelFontWeight="bold"),
            ),
            data=csv_values(cells, ("p", "c")),
            spacing=6,
        )
        .transform_lookup(
            lookup="p",
            from_=lookup_rows(
                rows,
                [
                    "row",
                    "program",
                    "program_id",
                    "country",
                    "provider",
                    "search",
                    "r_attention",
                    "r_name",
                    "r_country",
                    "n_red",
                    "n_amber",
                    "n_inconclusive",
                ],
            ),
        )
        .transform_lookup(
            lookup="c",
            from_=alt.LookupData(
                data=csv_values(columns.select("c", "short", "title"), ("c",)),
                key="c",
                fields=["short", "title"],
            ),
        )
        .transform_calculate(sort_key=SORT_KEY)
        .transform_filter(f"({FIND}) && ({SHOW_FILTER})")
        .add_params(sort, find, which)
        .resolve_scale(x="independent")
        .properties(
            title=alt.Title(
                "Status of every indicator by program", subtitle=subtitle, anchor="start"
            )
        )
    )
