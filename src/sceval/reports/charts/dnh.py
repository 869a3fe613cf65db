"""Do-no-harm: the matrix of checks by program, each cell linked to its evidence."""

from __future__ import annotations

import altair as alt
import polars as pl

from sceval.reports.charts.common import (
    DNH_COLOURS,
    DNH_STATES,
    SEVERITY_RANK,
    _contrast,
    _with_program,
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


# The code written in each cell (a count follows when a check flagged more than once).
DNH_CODES = {
    "flag critical": "C",
    "flag high": "H",
    "flag medium": "M",
    "flag low": "L",
    "insufficient data": "ID",
    "waived": "W",
    "pass": "ok",
    "not run": "NR",
}
SHOW = ("all programs", "with flags", "with critical or high flags")
SHOW_FILTER = (
    "show === 'with flags' ? datum.n_flags > 0 : show === 'with critical or high flags' ? "
    "datum.n_severe > 0 : true"
)


def dnh_frames(
    findings: pl.DataFrame, programs: pl.DataFrame | None = None
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """(cells, rows, columns) of the do-no-harm matrix: rows ranked so that the programs with
    the most critical flags come first (then high, any flag, insufficient data)."""
    full = dnh_cells_frame(findings, programs)
    counts = full.group_by("program_id").agg(
        n_critical=(pl.col("category") == "flag critical").sum().cast(pl.Int32),
        n_severe=pl.col("category").is_in(["flag critical", "flag high"]).sum().cast(pl.Int32),
        n_flags=(pl.col("state") == "flag").sum().cast(pl.Int32),
        n_insufficient=(pl.col("state") == "insufficient_data").sum().cast(pl.Int32),
    )
    ids = sorted(set(full["program_id"].drop_nulls().to_list()))
    rows = program_rows(ids, programs).join(counts, on="program_id", how="left")
    rows = search_text(
        ranked(rows, [pl.col(c) for c in ("n_critical", "n_severe", "n_flags", "n_insufficient")])
    )
    columns = (
        pl.DataFrame({"check_id": sorted(set(full["check_id"].drop_nulls().to_list()))})
        .with_columns(short=pl.col("check_id").str.replace_all("_", " "))
        .with_row_index("c")
        .with_columns(pl.col("c").cast(pl.Int32))
    )
    code = pl.col("category").replace_strict(DNH_CODES, default="?")
    cells = (
        full.join(rows.select("p", "program_id"), on="program_id", how="inner")
        .join(columns.select("c", "check_id"), on="check_id", how="inner")
        .with_columns(
            code=pl.when(pl.col("flags").fill_null(0) > 1)
            .then(code + pl.col("flags").cast(pl.String))
            .otherwise(code)
        )
        .select("p", "c", "code", "category", "label", "findings", "href")
        .sort("p", "c")
    )
    return cells, rows, columns


def dnh_matrix(findings: pl.DataFrame, programs: pl.DataFrame | None = None) -> alt.Chart:
    """Programs (rows, most critical flags first) x checks: severity and status (flag,
    insufficient data, waived, pass) as colour and code, each cell linked to its evidence.

    Fits the page width at any number of programs; the reader can sort, search and filter
    the rows in the page, and the tooltip gives the full program name and the finding.
    """
    cells, rows, columns = dnh_frames(findings, programs)
    sort, find, which = controls(SHOW)
    base = alt.Chart(csv_values(cells, ("p", "c", "findings"))).encode(
        y=row_axis(), x=column_axis("short:N")
    )
    words = {code: category for category, code in DNH_CODES.items()}
    rect = base.mark_rect(stroke="#555555", strokeWidth=0.4, cursor="pointer").encode(
        color=alt.Color(
            "category:N",
            scale=alt.Scale(domain=list(DNH_COLOURS), range=list(DNH_COLOURS.values())),
            legend=alt.Legend(
                title="finding (code; a number: flags)",
                orient="top",
                direction="horizontal",
                columns=4,
                labelExpr=legend_expr({c: c for c in words.values()}, DNH_CODES),
                labelLimit=0,
            ),
        ),
        href=alt.Href("href:N"),
        tooltip=[
            alt.Tooltip("program:N"),
            alt.Tooltip("check_id:N", title="check"),
            alt.Tooltip("label:N", title="finding"),
            alt.Tooltip("findings:Q"),
            alt.Tooltip("country:N"),
            alt.Tooltip("provider:N"),
            alt.Tooltip("program_id:N", title="program id"),
        ],
    )
    text = base.mark_text(fontSize=8, color=_contrast("datum.category === 'flag critical'")).encode(
        text=alt.Text("code:N"), href=alt.Href("href:N")
    )
    fields = ["row", "program", "program_id", "country", "provider", "search"]
    fields += ["r_attention", "r_name", "r_country", "n_flags", "n_severe"]
    return (
        alt.layer(rect, text)
        .transform_lookup(lookup="p", from_=lookup_rows(rows, fields))
        .transform_lookup(
            lookup="c",
            from_=alt.LookupData(
                data=csv_values(columns, ("c",)), key="c", fields=["short", "check_id"]
            ),
        )
        .transform_calculate(sort_key=SORT_KEY)
        .transform_filter(f"({FIND}) && ({SHOW_FILTER})")
        .add_params(sort, find, which)
        .properties(
            width=alt.Step(30),
            height=alt.Step(ROW_STEP),
            title=alt.Title("Do-no-harm checks by program", anchor="start"),
        )
    )
