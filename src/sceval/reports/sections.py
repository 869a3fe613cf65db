"""Sections of the partnership, dialogue and follow-up pages (the portfolio, scorecard and
do-no-harm sections are in `reports.build`, which lays out every page).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import polars as pl

from sceval.reports import charts
from sceval.reports.followup import followup_sections
from sceval.reports.model import ReportData
from sceval.reports.page import Section, html_table

if TYPE_CHECKING:
    from sceval.reports.model import ReportDef


def run_text(data: ReportData, table: str) -> str:
    """How a page names the run a table was read from."""
    run = data.run_of.get(table)
    return f"run {run}" if run else "any run"


def _partnership_empty(data: ReportData, section: Section, frame: pl.DataFrame) -> bool:
    """Say so on the section when there is nothing to draw; True then."""
    if frame.is_empty():
        section.empty = f"No partnership scores in {run_text(data, 'partnership_scores')}."
        return True
    return False


def section_partnership_heatmap(
    data: ReportData, spec: ReportDef, program_id: str | None
) -> Section:
    """Partnership: items x cases with the ratings as recorded."""
    section = Section(
        id="partnership_heatmap",
        title="Items by case",
        intro="Each cell gives the rating as recorded; colour is the score relative to the item maximum.",
    )
    frame = charts.partnership_cells_frame(data.scores, data.item_labels)
    if not _partnership_empty(data, section, frame):
        section.chart = charts.partnership_heatmap(data.scores, data.item_labels)
        section.html = html_table(
            frame,
            {
                "model": "model_id",
                "item": "item",
                "case": "case_id",
                "rating": "rating",
                "score": "score_text",
            },
        )
        derived = data.scores.filter(
            (pl.col("level") == "item") & (pl.col("source") == "data")
        ).with_columns(
            rating=pl.col("rating_text").fill_null("insufficient data"),
            score_text=pl.col("score").round(2).cast(pl.String).fill_null("insufficient data"),
        )
        if not derived.is_empty():
            section.html += "<h3>Ratings derived from program data</h3>" + html_table(
                derived,
                {
                    "model": "model_id",
                    "case": "case_id",
                    "item": "item_id",
                    "derived rating": "rating",
                    "score": "score_text",
                    "note": "note",
                },
            )
    return section


def section_dimension_profiles(
    data: ReportData, spec: ReportDef, program_id: str | None
) -> Section:
    """Partnership: each case's dimension profile."""
    section = Section(id="dimension_profiles", title="Dimension profiles per case")
    if not _partnership_empty(data, section, charts.profiles_frame(data.scores)):
        section.chart = charts.dimension_profiles(data.scores)
    return section


def section_robustness(data: ReportData, spec: ReportDef, program_id: str | None) -> Section:
    """Partnership: overall scores, rank and pair stability, re-tested conclusions."""
    section = Section(
        id="robustness",
        title="Overall scores and robustness",
        intro="How much the comparison depends on how ratings become numbers: the share of "
        "reasonable alternative mappings and weightings under which a rank, a pair order or "
        "a conclusion of the paper holds.",
    )
    frame = charts.robustness_frame(data.scores)
    if _partnership_empty(data, section, frame):
        return section
    section.chart = charts.robustness(data.scores)
    tables = html_table(
        frame,
        {
            "model": "model_id",
            "case": "case_id",
            "overall score": "label",
            "rank stability": "stability_label",
            "note": "note",
        },
    )
    pairs = data.scores.filter(pl.col("level") == "pair_stability").select(
        "model_id",
        scope=pl.col("dimension_id").fill_null("overall"),
        case="case_id",
        other="item_id",
        verdict="rating_text",
        note="note",
    )
    if not pairs.is_empty():
        tables += "<h3>Pair stability (overall and per dimension)</h3>" + html_table(
            pairs,
            {
                "model": "model_id",
                "scope": "scope",
                "case": "case",
                "compared with": "other",
                "verdict": "verdict",
                "note": "note",
            },
        )
    conclusions = charts.conclusions_frame(data.scores)
    if not conclusions.is_empty():
        tables += "<h3>Conclusions of the paper, re-tested</h3>" + html_table(
            conclusions,
            {
                "model": "model_id",
                "conclusion": "conclusion",
                "verdict": "verdict",
                "holds under": "holds",
                "note": "note",
            },
        )
    section.html = tables
    return section


def section_rating_rounds(data: ReportData, spec: ReportDef, program_id: str | None) -> Section:
    """Partnership: overall and dimension scores of cases rated in several rounds."""
    section = Section(
        id="rating_rounds",
        title="Rating rounds side by side",
        intro="Cases rated in more than one round (for example Attinà's 2005 rating and a "
        "later re-rating): each round scored on its own under the model's mapping, raters "
        "of a round combined by the model's consensus rule; `change` is last minus first.",
    )
    rounds = data.rounds
    if rounds.is_empty() or "change" not in rounds.columns:
        section.empty = "No case was rated in more than one round."
        return section
    fixed = ["model_id", "case_id", "level", "dimension_id"]
    dates = [c for c in rounds.columns if c not in (*fixed, "change")]
    shown = rounds.with_columns(pl.col(*dates, "change").round(3))
    section.html = html_table(
        shown,
        {
            "model": "model_id",
            "case": "case_id",
            "level": "level",
            "dimension": "dimension_id",
            **{f"round {d}": d for d in dates},
            "change": "change",
        },
    )
    return section


def section_rater_agreement(data: ReportData, spec: ReportDef, program_id: str | None) -> Section:
    """Partnership: Krippendorff's alpha per model and item, and the larger disagreements."""
    section = Section(
        id="rater_agreement",
        title="Agreement between raters",
        intro="Krippendorff's alpha for ordinal data over the raters' places on the model's "
        "ladder (1 = full agreement, 0 = no better than chance), with a 95% bootstrap "
        "interval over the units rated; items where two raters are more than one step apart "
        "are listed for discussion or adjudication.",
    )
    agree = data.agreement
    if agree.is_empty():
        section.empty = "No rating round has two or more raters: no agreement to measure."
        return section
    alphas = agree.filter(pl.col("level") != "disagreement").with_columns(
        pl.col("alpha", "ci_low", "ci_high").round(3)
    )
    section.html = "<h3>Krippendorff's alpha (ordinal)</h3>" + html_table(
        alphas,
        {
            "model": "model_id",
            "round": "rating_round",
            "level": "level",
            "item": "item_id",
            "alpha": "alpha",
            "95% low": "ci_low",
            "95% high": "ci_high",
            "raters": "raters",
            "units": "units",
            "note": "note",
        },
    )
    apart = agree.filter(pl.col("level") == "disagreement")
    section.html += "<h3>Raters more than one step apart</h3>" + (
        html_table(
            apart,
            {
                "model": "model_id",
                "round": "rating_round",
                "case": "case_id",
                "item": "item_id",
                "steps apart": "steps_apart",
                "ratings": "ratings",
            },
        )
        if apart.height
        else "<p>None.</p>"
    )
    return section


def _dialogue_section(data: ReportData, sid: str, title: str, fn: Callable) -> Section:
    """A dialogues chart, or the reason there is none."""
    section = Section(
        id=sid,
        title=title,
        intro="Counts of meetings from the dialogues table; years without meetings show 0.",
    )
    if data.dialogues.is_empty():
        section.empty = "No dialogue meetings in the warehouse."
    else:
        section.chart = fn(data.dialogues)
    return section


def section_dialogue_levels(data: ReportData, spec: ReportDef, program_id: str | None) -> Section:
    """Dialogues: meetings per year by level."""
    return _dialogue_section(
        data, "dialogue_levels", "Meetings per year by level", charts.dialogue_levels
    )


def section_dialogue_seniority(
    data: ReportData, spec: ReportDef, program_id: str | None
) -> Section:
    """Dialogues: level x year grid of meeting counts."""
    return _dialogue_section(
        data, "dialogue_seniority", "Seniority by year", charts.dialogue_seniority
    )


def section_followup(data: ReportData, spec: ReportDef, program_id: str | None) -> list[Section]:
    """Recommendations and follow-up: overdue actions first, rates, ageing, responses, findings
    (several sections: the page keeps them in order; see reports/followup.py)."""

    return followup_sections(data.followup, program_id, data.as_of)
