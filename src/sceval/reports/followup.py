"""The "Recommendations and follow-up" pages: evaluation findings, recommendations, the
management's responses and the actions promised, per program and for the portfolio.

What stays true: overdue actions come first, oldest first; a rate is shown with its count
("3 of 4") and is left empty, never 0, when there is nothing to divide by; "overdue" is
judged at the report's as-of date (the run's), not at the day the page is written.
"""

from __future__ import annotations

import datetime as dt
import re

import polars as pl

from sceval.reports.page import Section, html_table

TABLES = ("findings", "recommendations", "management_responses", "actions")
OPEN = ("planned", "in_progress")
# Ageing bands of open actions, in days past due (negative: not yet due).
AGE_BANDS = (
    ("not yet due", None, 0),
    ("overdue up to 90 days", 0, 90),
    ("overdue 91-365 days", 90, 365),
    ("overdue more than a year", 365, None),
)


def load_followup(con) -> dict[str, pl.DataFrame]:
    """The four workbench tables as stored (empty frames where a table is absent)."""
    present = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    return {
        t: con.sql(f'SELECT * FROM "{t}"').pl() if t in present else pl.DataFrame() for t in TABLES
    }


WITHHELD = "[withheld]"
# The free-text columns of the follow-up tables that the pages show.
TEXT_COLUMNS = {
    "findings": ("text",),
    "recommendations": ("text", "addressee"),
    "management_responses": ("reason",),
    "actions": ("description",),
}


def public_followup(tables: dict[str, pl.DataFrame], names: list[str]) -> dict[str, pl.DataFrame]:
    """The follow-up tables as the public may read them: every unit name or id and incident
    id of two or more characters in their texts (`names`) replaced by "[withheld]"; ids, severities,
    dates, statuses and rates stay, so follow-up can still be judged."""
    names = sorted({n for n in names if n and len(n) >= 2}, key=len, reverse=True)
    if not names:
        return tables
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(n) for n in names) + r")(?!\w)")
    out = dict(tables)
    for table, columns in TEXT_COLUMNS.items():
        frame = tables.get(table)
        if frame is None or frame.is_empty():
            continue
        out[table] = frame.with_columns(
            pl.Series(c, [None if v is None else pattern.sub(WITHHELD, v) for v in frame[c]])
            for c in columns
            if c in frame.columns
        )
    return out


def sensitive_names(con) -> list[str]:
    """Unit names and ids and incident ids: what the public profile withholds in free text."""
    rows = con.execute(
        "SELECT name FROM units UNION SELECT unit_id FROM units "
        "UNION SELECT incident_id FROM incidents"
    ).fetchall()
    return [r[0] for r in rows if r[0] is not None]


def report_day(as_of: str) -> dt.date:
    try:
        return dt.date.fromisoformat(as_of)
    except ValueError:
        return dt.date.today()


def _links(tables: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """recommendation_id -> program_id and the gravest severity of the findings it answers."""
    recs, finds = tables["recommendations"], tables["findings"]
    if recs.is_empty() or finds.is_empty():
        return pl.DataFrame(
            schema={"recommendation_id": pl.String, "program_id": pl.String, "severity": pl.String}
        )
    rank = {"critical": 0, "high": 1, "medium": 2, "low": 3}
    return (
        recs.select("recommendation_id", pl.col("finding_ids").str.split(";").alias("finding_id"))
        .explode("finding_id")
        .with_columns(pl.col("finding_id").str.strip_chars())
        .join(finds.select("finding_id", "program_id", "severity"), on="finding_id")
        .with_columns(pl.col("severity").replace_strict(rank, default=9).alias("_rank"))
        .sort("_rank")
        .group_by("recommendation_id", "program_id", maintain_order=True)
        .agg(pl.col("severity").first())
    )


def recommendations_frame(tables: dict[str, pl.DataFrame], program_id: str | None) -> pl.DataFrame:
    """One row per recommendation in scope, with its latest response."""
    links = _links(tables)
    if program_id is not None:
        links = links.filter(pl.col("program_id") == program_id)
    recs = tables["recommendations"]
    if recs.is_empty() or links.is_empty():
        return pl.DataFrame()
    scope = links.group_by("recommendation_id").agg(
        pl.col("program_id").sort().str.join(", ").alias("programs"),
        pl.col("severity").first().alias("finding_severity"),
    )
    out = recs.join(scope, on="recommendation_id")
    resp = tables["management_responses"]
    if not resp.is_empty():
        latest = resp.sort("responded_on").group_by("recommendation_id").last()
        out = out.join(
            latest.select("recommendation_id", "response", "reason", "responsible_office"),
            on="recommendation_id",
            how="left",
        )
    else:
        out = out.with_columns(
            pl.lit(None, pl.String).alias(c) for c in ("response", "reason", "responsible_office")
        )
    return out.sort("recommendation_id")


def actions_frame(
    tables: dict[str, pl.DataFrame], program_id: str | None, day: dt.date
) -> pl.DataFrame:
    """One row per action in scope: overdue first (most days late first), then open, then done."""
    acts = tables["actions"]
    links = _links(tables)
    if program_id is not None:
        links = links.filter(pl.col("program_id") == program_id)
    if acts.is_empty() or links.is_empty():
        return pl.DataFrame()
    scope = links.group_by("recommendation_id").agg(
        pl.col("program_id").sort().str.join(", ").alias("programs"),
        pl.col("severity").first().alias("finding_severity"),
    )
    is_open = pl.col("status").is_in(OPEN)
    late = (pl.lit(day) - pl.col("due_date")).dt.total_days()
    out = acts.join(scope, on="recommendation_id").with_columns(
        pl.when(is_open).then(late).alias("days_past_due"),
        (is_open & (pl.col("due_date") < pl.lit(day))).alias("overdue"),
    )
    order = pl.when(pl.col("overdue")).then(0).when(is_open).then(1).otherwise(2)
    return (
        out.with_columns(order.alias("_order"))
        .sort(
            ["_order", "days_past_due", "action_id"],
            descending=[False, True, False],
            nulls_last=True,
        )
        .drop("_order")
    )


def _rate(k: int, n: int) -> str:
    return f"{k} of {n} ({k / n:.0%})" if n else "- (nothing to count yet)"


def summary(recs: pl.DataFrame, acts: pl.DataFrame) -> dict[str, str]:
    """Acceptance and completion rates with their counts, and the overdue count."""
    responded = 0 if recs.is_empty() else recs.filter(pl.col("response").is_not_null()).height
    accepted = (
        0
        if recs.is_empty()
        else recs.filter(pl.col("response").is_in(["accepted", "partially_accepted"])).height
    )
    live = pl.DataFrame() if acts.is_empty() else acts.filter(pl.col("status") != "cancelled")
    done = 0 if live.is_empty() else live.filter(pl.col("status") == "completed").height
    overdue = 0 if acts.is_empty() else int(acts["overdue"].sum())
    return {
        "recommendations": str(recs.height),
        "with a management response": _rate(responded, recs.height),
        "accepted or partially accepted (of those answered)": _rate(accepted, responded),
        "actions completed (cancelled ones left out)": _rate(done, live.height),
        "actions overdue": str(overdue),
    }


def ageing(acts: pl.DataFrame) -> pl.DataFrame:
    """Open actions by days past due, in bands."""
    rows = []
    open_ = pl.DataFrame() if acts.is_empty() else acts.filter(pl.col("status").is_in(OPEN))
    for label, low, high in AGE_BANDS:
        if open_.is_empty():
            n = 0
        else:
            d = pl.col("days_past_due")
            cond = (
                (d <= 0) if low is None else (d > low) if high is None else (d > low) & (d <= high)
            )
            n = open_.filter(cond).height
        rows.append({"band": label, "open actions": n})
    return pl.DataFrame(rows)


def _summary_table(items: dict[str, str]) -> str:
    frame = pl.DataFrame({"measure": list(items), "value": list(items.values())})
    return html_table(frame, {"measure": "measure", "value": "value"})


def followup_sections(
    tables: dict[str, pl.DataFrame], program_id: str | None, as_of: str
) -> list[Section]:
    """The page's sections: overdue actions and rates, ageing, recommendations, findings."""
    day = report_day(as_of)
    recs = recommendations_frame(tables, program_id)
    acts = actions_frame(tables, program_id, day)
    where = "this program" if program_id else "the portfolio"
    if recs.is_empty():
        empty = (
            f"No recommendations recorded for {where}: load findings, recommendations, "
            "management_responses and actions (sceval template --out FILE.xlsx gives the sheets)."
        )
        return [Section(id="followup", title="Recommendations and follow-up", empty=empty)]
    first = Section(
        id="followup",
        title="Overdue actions first",
        intro=f"Actions judged at {day.isoformat()}: overdue (open and past due) first, the "
        "longest overdue at the top; then open actions, then completed or cancelled ones.",
    )
    cols = {
        "action": "action_id",
        "recommendation": "recommendation_id",
        "finding severity": "finding_severity",
        "due": "due_date",
        "status": "status",
        "days past due (negative: not yet due)": "days_past_due",
        "completed": "completion_date",
        "office": "responsible_office",
        "what": "description",
    }
    if program_id is None:
        cols = {"program": "programs", **cols}
    first.html = _summary_table(summary(recs, acts)) + (
        html_table(acts, cols)
        if not acts.is_empty()
        else "<p class='note'>No actions recorded.</p>"
    )
    age = Section(
        id="ageing",
        title="Ageing of open actions",
        intro="Open actions (planned or in progress) by days past their due date.",
        html=html_table(ageing(acts), {"band": "band", "open actions": "open actions"}),
    )
    rec = Section(
        id="recommendations",
        title="Recommendations and management responses",
        html=html_table(
            recs,
            {
                **({"program": "programs"} if program_id is None else {}),
                "recommendation": "recommendation_id",
                "findings": "finding_ids",
                "priority": "priority",
                "addressee": "addressee",
                "response": "response",
                "reason": "reason",
                "recommendation text": "text",
            },
            missing="no response yet",
        ),
    )
    finds = tables["findings"]
    if program_id is not None:
        finds = finds.filter(pl.col("program_id") == program_id)
    fnd = Section(
        id="findings",
        title="Findings and their evidence",
        html=html_table(
            finds.sort("finding_id"),
            {
                "finding": "finding_id",
                "program": "program_id",
                "severity": "severity",
                "evaluation": "evaluation",
                "indicators": "indicator_ids",
                "do-no-harm checks": "dnh_check_ids",
                "partnership items": "partnership_items",
                "finding text": "text",
            },
        ),
    )
    return [first, age, rec, fnd]


def followup_programs(tables: dict[str, pl.DataFrame]) -> list[str]:
    """Programs with at least one finding: they get a follow-up page of their own."""
    finds = tables["findings"]
    return [] if finds.is_empty() else sorted(set(finds["program_id"].drop_nulls().to_list()))
