"""Partnerships scored against the models: heatmaps, dimension profiles, robustness, conclusions."""

from __future__ import annotations

from collections.abc import Mapping

import altair as alt
import polars as pl

from sceval.reports.charts.common import _tips, inline


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


# The page is 1,200 px wide: item labels (up to 320 px) and the legend leave room for four
# case columns of 170 px, wide enough for a rating such as "shared threat perception, high".
CASES_PER_ROW = 4


def _case_groups(cases: list[str]) -> list[list[str]]:
    """Cases in balanced groups of at most CASES_PER_ROW, so a grid never runs off the page."""
    n = -(-len(cases) // CASES_PER_ROW) or 1
    size = -(-len(cases) // n) or 1
    return [cases[i : i + size] for i in range(0, len(cases), size)] or [cases]


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
                "relative:Q",
                # Light to mid blue only: black rating text reads on every cell (>= 8:1).
                scale=alt.Scale(range=["#F7FBFF", "#6BAED6"], domain=[0, 1]),
                title="score / max",
            ),
            tooltip=_tips(
                "model_id:N", "dimension:N", "item:N", "case_id:N", "rating:N", "score_text:N"
            ),
        )
        text = base.mark_text(fontSize=10, limit=165, color="#000000").encode(
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
    charts = []
    for m in models:
        own = cells.filter(pl.col("model_id") == m)
        cases = own["case_id"].unique(maintain_order=True).to_list()
        groups = _case_groups(cases)
        for i, group in enumerate(groups):
            part = f", cases {i * len(groups[0]) + 1}-{i * len(groups[0]) + len(group)} of {len(cases)}"
            charts.append(
                _model_heatmap(
                    own.filter(pl.col("case_id").is_in(group)),
                    f"Ratings by item and case ({m}{part if len(groups) > 1 else ''})",
                )
            )
    about = (
        "Per partnership model, a grid of items (grouped by dimension) by case: each cell "
        "has the expert's rating written in it, shaded by the score relative to its maximum."
    )
    if not charts:
        return _model_heatmap(cells, "Ratings by item and case").properties(description=about)
    chart = charts[0] if len(charts) == 1 else alt.vconcat(*charts)
    return chart.properties(description=about)


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
    ).with_columns(
        # Cases without a score in the same dimension are listed one under the other.
        missing_row=pl.when(pl.col("score").is_null()).then(
            pl.col("order").rank("ordinal").over("model_id", "dimension", pl.col("score").is_null())
            - 1
        ),
    )


PROFILE_HEIGHT = 200


def _profile_panel(frame: pl.DataFrame, model: str) -> alt.LayerChart:
    """One model's dimensions across, each case a line (colour and shape), score / max up."""
    own = frame.filter(pl.col("model_id") == model)
    dims = own.sort("order")["dimension"].unique(maintain_order=True).to_list()
    cases = own["case_id"].unique(maintain_order=True).to_list()
    base = (
        alt.Chart()
        .transform_filter(alt.FieldEqualPredicate(field="model_id", equal=model))
        .encode(
            x=alt.X(
                "dimension:N",
                sort=dims,
                title=None,
                # Long dimension names are written on several lines, one word a line.
                axis=alt.Axis(
                    labelAngle=0,
                    labelExpr="split(datum.label, ' ')",
                    labelLimit=0,
                    labelColor="#000000",
                ),
            )
        )
    )
    case_colour = alt.Color("case_id:N", title="case", scale=alt.Scale(domain=cases))
    line = base.mark_line(point=alt.OverlayMarkDef(filled=True, size=50)).encode(
        y=alt.Y("relative:Q", title="score / max", scale=alt.Scale(domain=[0, 1])),
        color=case_colour,
        shape=alt.Shape("case_id:N", title="case", scale=alt.Scale(domain=cases)),
        tooltip=_tips("model_id:N", "case_id:N", "dimension:N", "label:N"),
    )
    missing = (
        base.transform_filter("datum.score === null")
        .transform_calculate(
            missing_text="'no data: ' + datum.case_id",
            missing_y=f"{PROFILE_HEIGHT - 10} - 12 * datum.missing_row",
        )
        .mark_text(fontSize=10, fontStyle="italic", color="#000000")
        .encode(
            y=alt.Y("missing_y:Q", scale=None),
            text=alt.Text("missing_text:N"),
        )
    )
    return alt.layer(line, missing).properties(
        width=alt.Step(130),
        height=PROFILE_HEIGHT,
        title=alt.Title(f"Model: {model}", anchor="start", fontSize=12),
    )


def dimension_profiles(scores: pl.DataFrame) -> alt.VConcatChart:
    """Each case's profile across the model's dimensions (score relative to the maximum), one
    panel per model: models have their own dimensions, so their profiles are never mixed."""
    frame = profiles_frame(scores)
    models = frame["model_id"].unique(maintain_order=True).to_list()
    return (
        alt.vconcat(*[_profile_panel(frame, m) for m in models], data=inline(frame), spacing=24)
        .resolve_scale(color="independent", shape="independent")
        .properties(
            title="Dimension profiles per case",
            description="For each partnership model, a line per case across the model's "
            "dimensions: the dimension score relative to its maximum; dimensions without a "
            "score are written as 'no data' with the case.",
        )
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


def _robustness_panel(frame: pl.DataFrame, model: str | None) -> alt.HConcatChart:
    """One model's overall scores (rank within the model) beside how often each rank holds."""
    part = frame if model is None else frame.filter(pl.col("model_id") == model)
    base = alt.Chart(inline(part)).encode(
        y=alt.Y("case_id:N", title=None, sort=alt.EncodingSortField("score", order="descending"))
    )
    dots = base.mark_point(filled=True, size=80, color="#0072B2").encode(
        x=alt.X("score:Q", title="overall score", scale=alt.Scale(domain=[0, 1])),
        tooltip=_tips("model_id:N", "case_id:N", "label:N", "note:N"),
    )
    text = base.mark_text(align="left", dx=8, fontSize=10, color="#000000").encode(
        x=alt.X("score:Q"), text=alt.Text("label:N")
    )
    overall = (dots + text).properties(width=300, title="Overall score (rank in the model)")
    bars = base.mark_bar(color="#CFCFCF").encode(
        x=alt.X(
            "same_rank:Q", title="share of alternative mappings", scale=alt.Scale(domain=[0, 1])
        ),
        tooltip=_tips("model_id:N", "case_id:N", "stability_label:N", "rank_note:N"),
    )
    bar_text = base.mark_text(align="left", dx=4, fontSize=10, color="#000000").encode(
        x=alt.XValue(4), text=alt.Text("stability_label:N")
    )
    ranks = (bars + bar_text).properties(width=300, title="Rank stability")
    title = "Overall scores and robustness" if model is None else f"Model: {model}"
    return alt.hconcat(overall, ranks, spacing=80).properties(
        title=alt.Title(title, anchor="start", fontSize=12)
    )


def robustness(scores: pl.DataFrame) -> alt.TopLevelMixin:
    """Overall score and rank per case, how often the rank holds, and pair stability; one
    panel per model, since a rank is a place among the cases scored by the same model."""
    frame = robustness_frame(scores)
    models = frame["model_id"].unique(maintain_order=True).to_list() or [None]
    panels = [_robustness_panel(frame, m) for m in models]
    pairs = pair_stability_frame(scores)
    for model in pairs["model_id"].unique(maintain_order=True).to_list():
        one = pairs.filter(pl.col("model_id") == model)
        pbase = alt.Chart(inline(one)).encode(
            x=alt.X(
                "case_b:N", title="... is above case", axis=alt.Axis(orient="top", labelAngle=0)
            ),
            y=alt.Y("case_a:N", title="case"),
        )
        cells = pbase.mark_rect(stroke="white").encode(
            color=alt.Color(
                "above:Q",
                # Light purples only: the black share printed on each cell stays legible.
                scale=alt.Scale(range=["#FCFBFD", "#9E9AC8"], domain=[0, 1]),
                title="share above",
            ),
            tooltip=_tips("model_id:N", "case_a:N", "case_b:N", "label:N", "verdict:N", "note:N"),
        )
        ptext = pbase.mark_text(fontSize=10, color="#000000").encode(text=alt.Text("label:N"))
        panels.append(
            (cells + ptext).properties(
                width=alt.Step(90),
                height=alt.Step(24),
                title=alt.Title(f"Pair stability (overall), model: {model}", anchor="start"),
            )
        )
    return alt.vconcat(*panels, spacing=24).properties(
        title="Overall scores and robustness",
        description="Per partnership model: each case's overall score with its rank among "
        "the cases of that model, and the share of alternative mappings under which the rank "
        "holds; then, for each pair of cases, the share of mappings with one above the other.",
    )


def conclusions_frame(scores: pl.DataFrame) -> pl.DataFrame:
    """The paper's conclusions re-tested: verdict and share of mappings under which each holds."""
    return scores.filter(pl.col("level") == "conclusion").select(
        "model_id",
        conclusion="item_id",
        verdict=pl.col("rating_text").fill_null(""),
        holds=_score_label(pl.col("score")),
        note=pl.col("note").fill_null(""),
    )
