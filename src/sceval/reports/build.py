"""Report definitions (`reports/*.yml`) and the pages they produce.

A definition names its kind (portfolio, scorecard, partnership, dnh, dialogues), its title
and the charts it shows, in order. Each chart name maps to one section builder here; the
builder calls the public chart function in `sceval.reports.charts` and adds the text the
reader needs when there is nothing to draw.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import polars as pl

from sceval.errors import ProjectError
from sceval.project import Project, check_marking, read_yaml
from sceval.reports import chain, charts
from sceval.reports.charts.common import _value_text
from sceval.reports.data import PERSON_TABLES, ReportData
from sceval.reports.model import ReportDef
from sceval.reports.page import Page, Section, esc, html_table
from sceval.reports.sections import (
    run_text,
    section_dialogue_levels,
    section_dialogue_seniority,
    section_dimension_profiles,
    section_followup,
    section_partnership_heatmap,
    section_rater_agreement,
    section_rating_rounds,
    section_robustness,
)
from sceval.rundef import selected

KINDS = ("portfolio", "scorecard", "partnership", "dnh", "dialogues", "followup")


def parse_report(path: Path) -> ReportDef:
    """A report definition, with the file named in any error."""
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise ProjectError(f"{path}: a report definition is a mapping with `kind` and `charts`")
    kind = data.get("kind")
    if kind not in KINDS:
        raise ProjectError(f"{path}: kind {kind!r}; expected one of {', '.join(KINDS)}")
    names = data.get("charts") or []
    if not isinstance(names, list):
        raise ProjectError(f"{path}: `charts` must be a list of chart names")
    if str(data.get("id", path.stem)) != path.stem:
        raise ProjectError(f"{path}: id {data['id']!r} must match the file name {path.stem!r}")
    allowed = SECTIONS_BY_KIND[kind]
    unknown = [n for n in names if n not in allowed]
    if unknown:
        raise ProjectError(
            f"{path}: chart(s) {', '.join(map(str, unknown))} not available for kind {kind}; "
            f"expected some of {', '.join(allowed)}"
        )
    return ReportDef(
        id=str(data.get("id", path.stem)),
        kind=kind,
        title=str(data.get("title", path.stem)),
        description=str(data.get("description", "")),
        charts=tuple(names or allowed),
        options=dict(data.get("options") or {}),
        path=path,
        marking=check_marking(data.get("marking"), f"{path}: marking"),
        own_marking="marking" in data,
    )


def report_definitions(project: Project, selection: list[str] | str = "all") -> list[ReportDef]:
    """The project's report definitions, filtered by a pipeline's `reports` choice."""
    defs = [parse_report(p) for p in sorted(project.path("reports").glob("*.yml"))]
    defs = [d if d.own_marking else replace(d, marking=project.marking) for d in defs]
    by_id = {d.id: d for d in defs}
    return [by_id[i] for i in selected(selection, list(by_id))]


# ---------------------------------------------------------------- helpers


def _program_results(data: ReportData, program_id: str | None) -> pl.DataFrame:
    """The indicator results of one program (all programs when None)."""
    if program_id is None:
        return data.results
    return data.results.filter(pl.col("program_id") == program_id)


def _program_findings(data: ReportData, program_id: str | None) -> pl.DataFrame:
    """The do-no-harm findings of one program (all programs when None)."""
    if program_id is None:
        return data.findings
    return data.findings.filter(pl.col("program_id") == program_id)


def evidence_text(findings: pl.DataFrame, threshold: int) -> pl.DataFrame:
    """`evidence_summary`: count and ids of the rows behind a finding; persons only as counts."""
    table = pl.col("evidence_table").fill_null("source")
    count = pl.col("evidence_count").cast(pl.Int64)
    persons = table.is_in(list(PERSON_TABLES))
    ids = pl.col("evidence").list.join(", ")
    more = (
        pl.when(count > 10)
        .then(", +" + (count - 10).cast(pl.String) + " more")
        .otherwise(pl.lit(""))
    )
    summary = (
        pl.when(count == 0)
        .then(pl.lit("no rows"))
        .when(persons & (count < threshold))
        .then(f"fewer than {threshold} " + table + " records (person-level: ids withheld)")
        .when(persons)
        .then(count.cast(pl.String) + " " + table + " records (person-level: ids withheld)")
        .when(pl.col("evidence_table").is_null())
        .then(count.cast(pl.String) + " rows (source table not named: ids withheld)")
        .otherwise(count.cast(pl.String) + " " + table + " rows: " + ids.fill_null("") + more)
    )
    state = (
        pl.when(pl.col("waived").fill_null(False))
        .then("waived (" + pl.col("waiver_id").fill_null("no waiver id") + ")")
        .when(pl.col("status") == "insufficient_data")
        .then(pl.lit("insufficient data"))
        .otherwise(pl.col("status"))
    )
    # A finding over fewer persons than the threshold must not print their number anywhere:
    # not as the measured value, not inside the check's message ("3 participant(s) of ...").
    small = persons & (count > 0) & (count < threshold)
    fewer = f"fewer than {threshold}"
    message = pl.col("message")
    for k in range(1, threshold):
        message = (
            pl.when(small & (count == k))
            .then(message.str.replace_all(rf"\b{k}\b", fewer))
            .otherwise(message)
        )
    measured = pl.col("measured_value").round_sig_figs(4).cast(pl.String)
    return findings.with_columns(
        evidence_summary=summary,
        state_text=state,
        message=message,
        measured=pl.when(small & (pl.col("measured_value") < threshold))
        .then(pl.lit(fewer))
        .otherwise(measured.fill_null("not measured")),
        unit=pl.col("unit_id").fill_null("(program)"),
    )


FINDING_COLUMNS = {
    "unit": "unit",
    "status": "state_text",
    "severity": "severity",
    "measured": "measured",
    "threshold": "threshold",
    "message": "message",
    "evidence": "evidence_summary",
}


def evidence_sections(findings: pl.DataFrame, programs: pl.DataFrame, threshold: int) -> str:
    """One anchored evidence summary per program x check (the targets of the matrix links)."""
    rows = charts._with_program(evidence_text(findings, threshold), programs).with_columns(
        anchor=charts.dnh_anchor(pl.col("check_id"), pl.col("program_id"))
    )
    out = []
    for (anchor, program, check), group in rows.group_by(
        "anchor", "program", "check_id", maintain_order=True
    ):
        out.append(
            f'<div class="evidence" id="{esc(anchor)}"><h3>{esc(program)} — {esc(check)}</h3>'
            f"{html_table(group, FINDING_COLUMNS)}</div>"
        )
    return "".join(out)


# ---------------------------------------------------------------- section builders


def section_status_matrix(data: ReportData, spec: ReportDef, program_id: str | None) -> Section:
    """Portfolio: programs x indicators, status as colour and text."""
    results = _program_results(data, program_id)
    section = Section(
        id="status_matrix",
        title="Indicators by program",
        intro="Colour and text give each cell's status; 'insufficient data' and 'suppressed' "
        "cells have no value to show; 'not computed' means the indicator does not apply.",
    )
    if results.is_empty():
        section.empty = f"No indicator results in {run_text(data, 'indicator_results')}."
        return section
    as_of = data.as_of if data.period == "cumulative" else f"{data.as_of}, period {data.period}"
    cells, rows, columns = charts.portfolio_frames(
        results,
        data.programs,
        titles=data.indicator_titles,
        sheets=data.sheets,
        threshold=data.threshold,
    )
    section.chart = charts.status_matrix_chart(cells, rows, columns, as_of=as_of)
    section.html = (
        "<h3>Columns</h3>"
        + html_table(columns, {"column": "short", "indicator": "title", "DAC criterion": "family"})
        + "<h3>Status counts per program, most in need of attention first</h3>"
        + html_table(rows.sort("r_attention"), STATUS_COUNT_COLUMNS)
    )
    return section


STATUS_COUNT_COLUMNS = {
    "program": "program",
    "row label": "row",
    "green": "n_green",
    "amber": "n_amber",
    "red": "n_red",
    "inconclusive": "n_inconclusive",
    "insufficient data": "n_insufficient",
    "suppressed": "n_suppressed",
}


def _bullet_table(results: pl.DataFrame, data: ReportData) -> str:
    """The bullets' figures as an HTML table (suppressed and missing values in words), every
    number in its indicator's unit as on the chart."""
    rows = charts._cell_state(charts._titled(charts.latest_totals(results), data.indicator_titles))
    currency = pl.col("currency") if "currency" in rows.columns else None

    def shown(col: str) -> pl.Expr:
        return _value_text(pl.col(col), pl.col("unit"), currency)

    rows = rows.with_columns(
        value_shown=pl.when(pl.col("state").is_in(["suppressed", "insufficient_data"]))
        .then(pl.col("label"))
        .otherwise(pl.col("value_text")),
        interval=pl.when(pl.col("ci_low").is_not_null())
        .then(shown("ci_low") + " – " + shown("ci_high"))
        .otherwise(pl.lit("not available")),
        baseline=shown("baseline"),
        target=shown("target"),
        target_to_date=shown("target_to_date"),
        n_shown=pl.when(pl.col("suppressed"))
        .then(pl.lit(f"< {data.threshold}"))
        .otherwise(pl.col("n").cast(pl.String)),
    )
    return html_table(
        rows.sort("indicator"),
        {
            "indicator": "indicator",
            "period end": "period_end",
            "value": "value_shown",
            "95% interval": "interval",
            "n": "n_shown",
            "baseline": "baseline",
            "target": "target",
            "target to date": "target_to_date",
            "status": "label",
            "projected status": "projected_status",
            "note": "note",
        },
    )


def section_indicator_bullets(data: ReportData, spec: ReportDef, program_id: str | None) -> Section:
    """Scorecard: value against target and thresholds with the 95% interval."""
    results = _program_results(data, program_id)
    section = Section(
        id="indicator_bullets",
        title="Indicators against target",
        intro="Bar: the value, coloured by status; black line: its 95% interval; black tick: "
        "the target; grey tick: the target pro-rated to the as-of date; grey bands behind: the "
        "red, amber and green ranges of the thresholds the status was judged by (the program's own where indicators/overrides sets them; darkest is red).",
    )
    if results.filter(pl.col("dimension").is_null()).is_empty():
        section.empty = (
            f"No indicator results for this program in {run_text(data, 'indicator_results')}."
        )
        return section
    section.chart = charts.indicator_bullets(
        results,
        titles=data.indicator_titles,
        sheets=data.sheets,
        threshold=data.threshold,
        overrides=data.program_thresholds,
    )
    section.html = _bullet_table(results, data)
    return section


def section_indicator_trends(data: ReportData, spec: ReportDef, program_id: str | None) -> Section:
    """Scorecard: trend, pro-rated target path and projection."""
    results = _program_results(data, program_id)
    section = Section(id="indicator_trends", title="Trend, target path and projection")
    frame = charts.trends_frame(
        results, data.programs, titles=data.indicator_titles, threshold=data.threshold
    )
    if frame.is_empty():
        section.empty = "No dated indicator results for this program: no trend to draw."
        return section
    section.chart = charts.indicator_trends(
        results, data.programs, titles=data.indicator_titles, threshold=data.threshold
    )
    return section


def section_period_series(
    data: ReportData, spec: ReportDef, program_id: str | None
) -> Section | None:
    """Scorecard: each indicator per reporting period with its target path (no section when
    the run computed no periods: the page stays as it was)."""
    if data.series.is_empty():
        return None
    series = data.series
    if program_id is not None and not series.is_empty():
        series = series.filter(pl.col("program_id") == program_id)
    section = Section(
        id="period_series",
        title="Series per reporting period",
        intro="Flows count what happened in each period, stocks stand at its end; a period "
        "still running is shown to the as-of date. The dashed line is the period's target "
        "to date (its own target where one is set, else the program's pro-rated).",
    )
    frame = charts.period_series_frame(
        series, titles=data.indicator_titles, threshold=data.threshold
    )
    if frame.is_empty():
        section.empty = (
            "This run computed no reporting periods (a run definition's `periods:`, "
            "or `sceval run --period`)."
        )
        return section
    section.chart = charts.period_series(
        series, titles=data.indicator_titles, threshold=data.threshold
    )
    section.html = html_table(
        frame.with_columns(
            _value_text(pl.col(c), pl.col("unit"), pl.col("currency")).alias(c)
            for c in ("value", "target", "ci_low", "ci_high")
        ),
        {
            "indicator": "indicator",
            "period": "period",
            "value": "value",
            "95% low": "ci_low",
            "95% high": "ci_high",
            "target to date": "target",
            "status": "label",
        },
    )
    return section


def section_disaggregations(data: ReportData, spec: ReportDef, program_id: str | None) -> Section:
    """Scorecard: disaggregated values, small cells suppressed."""
    results = _program_results(data, program_id)
    dims = spec.options.get("dimensions")
    section = Section(
        id="disaggregations",
        title="Disaggregations",
        intro=f"Cells with fewer than {data.threshold} persons are suppressed.",
    )
    frame = charts.disaggregations_frame(
        results, dimensions=dims, titles=data.indicator_titles, threshold=data.threshold
    )
    if frame.is_empty():
        section.empty = "No disaggregated results for this program."
        return section
    section.chart = charts.disaggregations(
        results, dimensions=dims, titles=data.indicator_titles, threshold=data.threshold
    )
    section.html = html_table(
        frame, {"indicator and dimension": "panel", "group": "group", "value": "label"}
    )
    return section


def _dnh_section(data: ReportData, program_id: str | None, sid: str, title: str) -> Section:
    """A do-no-harm matrix with its waivers and anchored evidence summaries."""
    findings = _program_findings(data, program_id)
    section = Section(
        id=sid,
        title=title,
        intro="Each cell links to its evidence summary below. Absence of incident data is not "
        "evidence of no harm: 'insufficient data' says a check could not be made.",
    )
    if findings.is_empty():
        section.empty = (
            f"No do-no-harm findings in {run_text(data, 'dnh_findings')}"
            + (" for this program" if program_id else "")
            + ": the checks were not run, so nothing can be said about harm."
        )
        return section
    section.chart = charts.dnh_matrix(findings, data.programs)
    waived = evidence_text(findings, data.threshold).filter(pl.col("waived").fill_null(False))
    waivers = (
        "<h3>Waivers</h3>"
        + html_table(
            waived,
            {"check": "check_id", "unit": "unit", "waiver": "waiver_id", "message": "message"},
        )
        if not waived.is_empty()
        else '<p class="note">No waivers.</p>'
    )
    section.html = (
        waivers
        + "<h3>Evidence summaries</h3>"
        + evidence_sections(findings, data.programs, data.threshold)
    )
    return section


def section_dnh_matrix(data: ReportData, spec: ReportDef, program_id: str | None) -> Section:
    """Do-no-harm overview: programs x checks."""
    return _dnh_section(data, program_id, "dnh_matrix", "Checks by program")


def section_dnh_findings(data: ReportData, spec: ReportDef, program_id: str | None) -> Section:
    """Scorecard: the program's do-no-harm findings and waivers."""
    return _dnh_section(data, program_id, "dnh_findings", "Do-no-harm findings and waivers")


SectionBuilder = Callable[[ReportData, ReportDef, "str | None"], Section]

SECTIONS_BY_KIND: dict[str, dict[str, SectionBuilder]] = {
    "portfolio": {"status_matrix": section_status_matrix, "outcomes": chain.section_outcomes},
    "scorecard": {
        "results_chain": chain.section_results_chain,
        "initial_assessment": chain.section_initial_assessment,
        "indicator_bullets": section_indicator_bullets,
        "indicator_trends": section_indicator_trends,
        "period_series": section_period_series,
        "disaggregations": section_disaggregations,
        "dnh_findings": section_dnh_findings,
    },
    "partnership": {
        "partnership_heatmap": section_partnership_heatmap,
        "dimension_profiles": section_dimension_profiles,
        "robustness": section_robustness,
        "rating_rounds": section_rating_rounds,
        "rater_agreement": section_rater_agreement,
    },
    "dnh": {"dnh_matrix": section_dnh_matrix},
    "dialogues": {
        "dialogue_levels": section_dialogue_levels,
        "dialogue_seniority": section_dialogue_seniority,
    },
    "followup": {"followup": section_followup},
}

TABLES_BY_KIND = {
    "portfolio": ("indicator_results",),
    "scorecard": ("indicator_results", "dnh_findings"),
    "partnership": ("partnership_scores",),
    "dnh": ("dnh_findings",),
    "dialogues": ("indicator_results", "partnership_scores", "dnh_findings"),
    "followup": ("dnh_findings",),
}


def page_name(spec: ReportDef, program_id: str | None) -> str:
    """File stem of a page: the report id, plus the program for per-program reports.

    A program id that is not file-name safe gets a short hash too, so that `A/B` and `A-B`
    do not write the same file.
    """
    if program_id is None:
        return spec.id
    safe = charts.slug(program_id)
    if safe != program_id:
        import hashlib

        safe += "-" + hashlib.sha256(program_id.encode()).hexdigest()[:6]
    return f"{spec.id}-{safe}"


def program_name(data: ReportData, program_id: str) -> str:
    """A program's display name (its id where the programs table has no row)."""
    hit = data.programs.filter(pl.col("program_id") == program_id)
    return str(hit["program"][0]) if hit.height and hit["program"][0] is not None else program_id


def program_country(data: ReportData, program_id: str) -> str:
    """ ", partner country Kosovo (XKX)" for a page's subtitle ("" when the program has none)."""
    if "country_name" not in data.programs.columns:
        return ""
    hit = data.programs.filter(pl.col("program_id") == program_id)
    if not hit.height or hit["partner_country"][0] is None:
        return ""
    return f", partner country {hit['country_name'][0]} ({hit['partner_country'][0]})"


def build_page(data: ReportData, spec: ReportDef, program_id: str | None = None) -> Page:
    """One page of a report (one program's page for per-program reports)."""
    builders = SECTIONS_BY_KIND[spec.kind]
    subtitle = spec.description
    title = spec.title
    if program_id is not None:
        title = f"{spec.title}: {program_name(data, program_id)}"
        subtitle = f"Program {program_id}{program_country(data, program_id)}. {spec.description}"
        subtitle = subtitle.strip()
    if data.profile == "public":
        subtitle = f"{subtitle} Public profile: units, incident details and cells of fewer "
        subtitle += f"than {data.threshold} persons withheld."
    page = Page(
        name=page_name(spec, program_id),
        title=title,
        subtitle=subtitle,
        runs=data.runs_for(*TABLES_BY_KIND[spec.kind]) or list(data.runs.values()),
        as_of=data.as_of,
        nav=[("index.html", "All reports")],
        marking=spec.marking,
    )
    with charts.unchecked():
        sections = [builders[name](data, spec, program_id) for name in spec.charts]
    # A builder may give several sections (the follow-up page) or none: keep them in order.
    page.sections = [
        x for s in sections if s is not None for x in (s if isinstance(s, list) else [s])
    ]
    return page


def scorecard_programs(data: ReportData) -> list[str]:
    """Programs that get a scorecard: those with results or findings, else every program."""
    ids = pl.concat(
        [data.results.select("program_id"), data.findings.select("program_id")]
    ).drop_nulls()
    found = sorted(set(ids["program_id"].to_list()))
    return found or data.programs["program_id"].to_list()
