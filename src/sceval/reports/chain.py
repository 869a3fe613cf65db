"""Results-chain sections: the theory of change of a program, judged, as accessible HTML.

The chain is drawn as a grid of boxes, one column per level (input to impact), each box a
result with its status as a word and a coloured border (colour is never the only carrier),
its indicators listed with their own statuses, and under it the links it starts: a broken
link ("outputs delivered, outcome not reached") and the assumptions that broke on it are
marked in words. The initial assessment puts the partner's state at the program's start
(context series, unit assessments) beside its state at the as-of date. Data come from the
run's `results_chain` rows (aggregates) and from country-year context and unit-level
assessments (no person-level table is read).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from sceval.reports.page import Section, esc, html_table

if TYPE_CHECKING:
    from sceval.reports.model import ReportData, ReportDef

LEVELS = ("input", "activity", "output", "outcome", "impact")
LABEL = {
    "green": "on track",
    "amber": "at risk",
    "red": "off track",
    "insufficient_data": "insufficient data",
    "inconclusive": "inconclusive",
    "broken": "BROKEN",
    "holds": "holds",
    "not_tested": "not tested",
}
# Border and text colours with at least 4.5:1 contrast on white (WCAG AA).
BORDER = {"green": "#00704F", "amber": "#8A5A00", "red": "#B3261E", "broken": "#B3261E"}

CSS = """
.chain{display:grid;gap:10px;margin:8px 0}.chain .level h3{font-size:13px;margin:0 0 6px 0;text-transform:capitalize}
.chain .box{border:3px solid #6b6b6b;border-radius:4px;padding:6px 8px;margin-bottom:8px;font-size:12px;background:#fff}
.chain .box .st{font-weight:bold}.chain .box ul{margin:4px 0 0 16px;padding:0}
.chain .flag{color:#B3261E;font-weight:bold}.chain .ok{color:#00704F}
"""


def chain_frame(con, run_id: str | None) -> pl.DataFrame:
    """The run's results-chain rows (empty when the run has none or the table is missing)."""
    schema = {
        "program_id": pl.String,
        "element": pl.String,
        "element_id": pl.String,
        "level": pl.String,
        "text": pl.String,
        "rule": pl.String,
        "status": pl.String,
        "indicators": pl.List(pl.String),
        "measured": pl.Float64,
        "threshold": pl.Float64,
        "link_from": pl.String,
        "link_to": pl.String,
        "message": pl.String,
    }
    if run_id is None:
        return pl.DataFrame(schema=schema)
    has = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'results_chain'"
    ).fetchall()[0][0]
    if not has:
        return pl.DataFrame(schema=schema)
    cols = ", ".join(schema)
    return (
        con.sql(
            f"SELECT {cols} FROM results_chain WHERE run_id = ? "
            "ORDER BY program_id, element, element_id",
            params=[run_id],
        )
        .pl()
        .cast(schema)
    )


def baseline_frame(con, as_of: str) -> pl.DataFrame:
    """Per program: context series and unit capability at the start and at the as-of date."""
    schema = {"program_id": pl.String, "measure": pl.String, "at_start": pl.Float64,
              "start_note": pl.String, "now": pl.Float64, "now_note": pl.String}  # fmt: skip
    if as_of in (None, "-"):
        return pl.DataFrame(schema=schema)
    context = con.sql(
        """
        SELECT p.program_id, c.indicator AS measure,
               arg_max(c.value, c.year) FILTER (WHERE c.year <= year(p.start_date)) AS at_start,
               'year ' || max(c.year) FILTER (WHERE c.year <= year(p.start_date)) AS start_note,
               arg_max(c.value, c.year) FILTER (WHERE c.year <= year(CAST(? AS DATE))) AS now,
               'year ' || max(c.year) FILTER (WHERE c.year <= year(CAST(? AS DATE))) AS now_note
        FROM programs p JOIN context c ON c.country = p.partner_country
        WHERE c.indicator NOT IN ('arms_embargo', 'incident_reporting')
        GROUP BY ALL
        """,
        params=[as_of, as_of],
    ).pl()
    has_ua = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'unit_assessments'"
    ).fetchall()[0][0]
    parts = [context.cast(schema)]
    if has_ua:
        units = con.sql(
            """
            WITH supported AS (
                SELECT DISTINCT program_id, unit_id FROM activities WHERE unit_id IS NOT NULL
                UNION SELECT DISTINCT program_id, unit_id FROM equipment WHERE unit_id IS NOT NULL
            ), states AS (
                SELECT s.program_id, a.unit_id, a.assessed_on, avg(a.level) AS lvl
                FROM unit_assessments a JOIN supported s USING (unit_id)
                GROUP BY ALL
            ), marks AS (
                SELECT s.program_id, s.unit_id,
                       arg_max(lvl, assessed_on) FILTER (WHERE assessed_on <= p.start_date) AS at_start,
                       arg_max(lvl, assessed_on) FILTER (WHERE assessed_on <= CAST(? AS DATE)) AS now
                FROM states s JOIN programs p USING (program_id)
                GROUP BY ALL
            )
            SELECT program_id, 'unit capability (mean level, 0-5)' AS measure,
                   avg(at_start) AS at_start, count(at_start) || ' units assessed' AS start_note,
                   avg(now) AS now, count(now) || ' units assessed' AS now_note
            FROM marks GROUP BY ALL
            """,
            params=[as_of],
        ).pl()
        parts.append(units.cast(schema))
    return pl.concat(parts, how="vertical").sort("program_id", "measure")


def _status(st: str | None) -> str:
    st = st or "insufficient_data"
    colour = BORDER.get(st, "#6b6b6b")
    return f'<span class="st" style="color:{colour}">{esc(LABEL.get(st, st))}</span>'


def chain_html(rows: pl.DataFrame, results: pl.DataFrame) -> str:
    """The grid of one program's results chain, objectives and assumptions."""
    if rows.is_empty():
        return ""
    by_ind = {
        r["indicator_id"]: r["status"]
        for r in results.filter(pl.col("dimension").is_null())
        .select("indicator_id", "status")
        .iter_rows(named=True)
    }
    goal = rows.filter(pl.col("element") == "goal").row(0, named=True)
    res = rows.filter(pl.col("element") == "result")
    links = rows.filter(pl.col("element") == "link")
    assumptions = rows.filter(pl.col("element") == "assumption")
    levels = [lv for lv in LEVELS if lv in set(res["level"].to_list())]
    cols = []
    for lv in levels:
        boxes = []
        for r in res.filter(pl.col("level") == lv).iter_rows(named=True):
            inds = "".join(
                f"<li>{esc(i)}: {esc(LABEL.get(by_ind.get(i) or '', by_ind.get(i) or 'not computed'))}</li>"
                for i in r["indicators"] or []
            )
            outs = []
            for ln in links.filter(pl.col("link_from") == r["element_id"]).iter_rows(named=True):
                css = "flag" if ln["status"] == "broken" else "muted"
                text = (
                    "broken link: " + ln["message"] if ln["status"] == "broken" else ln["message"]
                )
                outs.append(f'<li class="{css}">to {esc(ln["link_to"])}: {esc(text)}</li>')
            for a in assumptions.filter(pl.col("link_from") == r["element_id"]).iter_rows(
                named=True
            ):
                css = (
                    "flag"
                    if a["status"] == "broken"
                    else "ok"
                    if a["status"] == "holds"
                    else "muted"
                )
                word = "broken assumption" if a["status"] == "broken" else "assumption"
                outs.append(
                    f'<li class="{css}">{word} on the link to {esc(a["link_to"])}: '
                    f"{esc(a['text'])} ({esc(a['message'])})</li>"
                )
            border = BORDER.get(r["status"], "#6b6b6b")
            boxes.append(
                f'<div class="box" data-result="{esc(r["element_id"])}" data-status="{esc(r["status"])}" '
                f'style="border-color:{border}"><div>{_status(r["status"])} — {esc(r["text"])}</div>'
                f'<div class="muted">rule: {esc(r["rule"])}</div><ul>{inds}</ul>'
                + (f"<ul>{''.join(outs)}</ul>" if outs else "")
                + "</div>"
            )
        cols.append(f'<div class="level"><h3>{esc(lv)}</h3>{"".join(boxes)}</div>')
    grid = (
        f'<div class="chain" role="list" style="grid-template-columns:repeat({len(levels)},1fr)">'
        + "".join(cols)
        + "</div>"
    )
    head = (
        f'<p class="goal" data-status="{esc(goal["status"])}"><strong>Goal:</strong> {esc(goal["text"])} '
        f"— {_status(goal['status'])}: {esc(goal['message'])}</p>"
    )
    objectives = rows.filter(pl.col("element") == "objective").with_columns(
        status_text=pl.col("status").replace_strict(LABEL, default=pl.col("status"))
    )
    obj = ""
    if not objectives.is_empty():
        obj = "<h3>Objectives</h3>" + html_table(
            objectives,
            {"objective": "text", "status": "status_text", "measured against target": "message"},
        )
    return f"<style>{CSS}</style>" + head + grid + obj


def section_results_chain(data: ReportData, spec: ReportDef, program_id: str | None) -> Section:
    """Scorecard: the program's results chain, coloured by status, broken links marked."""
    section = Section(
        id="results_chain",
        title="Results chain",
        intro="The program's theory of change (frameworks/): each result judged from its "
        "indicators by its roll-up rule; a green result whose next result is red is a broken "
        "link; assumptions past their threshold are marked on the link they break.",
    )
    rows = data.chain.filter(pl.col("program_id") == program_id) if program_id else data.chain
    if rows.is_empty():
        section.empty = "No results framework for this program (frameworks/<program_id>.yml)."
        return section
    results = (
        data.results.filter(pl.col("program_id") == program_id) if program_id else data.results
    )
    section.html = chain_html(rows, results)
    section.lines = chain_lines(rows)
    return section


def chain_lines(rows: pl.DataFrame) -> list[str]:
    """The chain in plain lines, for the PDF page: goal, results by level, what broke."""
    goal = rows.filter(pl.col("element") == "goal").row(0, named=True)
    out = [f"Goal: {goal['text']} ({goal['message']})"]
    res = rows.filter(pl.col("element") == "result")
    for lv in LEVELS:
        for r in res.filter(pl.col("level") == lv).iter_rows(named=True):
            out.append(f"{lv}: {r['text']}: {LABEL.get(r['status'], r['status'])}")
    broken = rows.filter(
        pl.col("element").is_in(["link", "assumption"]) & (pl.col("status") == "broken")
    )
    for r in broken.iter_rows(named=True):
        kind = "broken link" if r["element"] == "link" else "broken assumption"
        out.append(f"{kind} {r['link_from']} -> {r['link_to']}: {r['message']}")
    return out


def section_initial_assessment(
    data: ReportData, spec: ReportDef, program_id: str | None
) -> Section:
    """Scorecard: the partner's state at the program's start beside its state now."""
    section = Section(
        id="initial_assessment",
        title="Initial assessment and now",
        intro="The partner the program started from (context series for its country, and the "
        "capability of the units it supports) beside the same measures at the as-of date.",
    )
    rows = data.baseline.filter(pl.col("program_id") == program_id)
    if rows.is_empty():
        section.empty = "No context series or unit assessments for this program's partner."
        return section
    rows = rows.with_columns([pl.col(c).round(2).cast(pl.String) for c in ("at_start", "now")])
    section.html = html_table(
        rows,
        {
            "measure": "measure",
            "at start": "at_start",
            "from": "start_note",
            "now": "now",
            "as of": "now_note",
        },  # fmt: skip
        missing="no value",
    )
    section.lines = [
        f"{r['measure']}: {r['at_start'] or 'no value'} at start ({r['start_note'] or '-'}), "
        f"{r['now'] or 'no value'} now ({r['now_note'] or '-'})"
        for r in rows.iter_rows(named=True)
    ]
    return section


def outcomes_frame(chain: pl.DataFrame) -> pl.DataFrame:
    """Per program: whether its outcome was reached, broken links and broken assumptions."""
    if chain.is_empty():
        return pl.DataFrame(
            schema={
                "program_id": pl.String,
                "outcome": pl.String,
                "broken_links": pl.UInt32,
                "broken_assumptions": pl.UInt32,
            }  # fmt: skip
        )
    goals = chain.filter(pl.col("element") == "goal").select(
        "program_id", outcome=pl.col("message")
    )
    counts = chain.group_by("program_id").agg(
        broken_links=((pl.col("element") == "link") & (pl.col("status") == "broken")).sum(),
        broken_assumptions=(
            (pl.col("element") == "assumption") & (pl.col("status") == "broken")
        ).sum(),
    )
    return goals.join(counts, on="program_id", how="left").sort("program_id")


def section_outcomes(data: ReportData, spec: ReportDef, program_id: str | None) -> Section:
    """Portfolio: outcome reached per program, from its results chain."""
    section = Section(
        id="outcomes",
        title="Outcome reached",
        intro="From each program's results chain: the outcome-level results rolled up (worst), "
        "with the links and assumptions that broke.",
    )
    frame = outcomes_frame(data.chain)
    if frame.is_empty():
        section.empty = "No results frameworks in this run (frameworks/<program_id>.yml)."
        return section
    frame = frame.join(data.programs, on="program_id", how="left").with_columns(
        pl.col("broken_links").cast(pl.String), pl.col("broken_assumptions").cast(pl.String)
    )
    section.html = html_table(
        frame,
        {
            "program": "program",
            "program id": "program_id",
            "outcome": "outcome",
            "broken links": "broken_links",
            "broken assumptions": "broken_assumptions",
        },  # fmt: skip
    )
    return section
