"""What the reports read from the warehouse: one run's results, made safe to publish.

Every frame here is an aggregate (one row per result, finding, score or program-year); the
participants table is never read. Person counts under the project's suppression threshold
are blanked here, once, so that no chart or table downstream can show them.
"""

from __future__ import annotations

import json
import re
from typing import Any

import polars as pl

from sceval.disclosure import PERSON_TABLES, complementary
from sceval.errors import UsageError
from sceval.indicators.catalogue import override_files
from sceval.partnership.frames import FIRST_ROUND, agreement_table, rounds_frame
from sceval.project import Project, read_yaml
from sceval.reports.chain import baseline_frame, chain_frame
from sceval.reports.followup import load_followup, public_followup, sensitive_names
from sceval.reports.model import RESULT_TABLES, ReportData, Run
from sceval.warehouse import RESULT_DDL

# Seniority order of dialogue meetings, most senior first (SPEC §3 `dialogues.level`).
DIALOGUE_LEVELS = (
    "ministerial",
    "chiefs_of_defence",
    "ambassadorial",
    "senior_official",
    "working",
)


def run_record(con, run_id: str) -> Run:
    """One `runs` row as a Run, or a clear error when the id is unknown."""
    rows = con.execute(
        """SELECT run_id, CAST(as_of AS VARCHAR), CAST(started_at AS VARCHAR), engine_version,
                  catalogue_hash, command, CAST(input_files AS VARCHAR), status, approver,
                  strftime(approved_at, '%Y-%m-%d')
           FROM runs WHERE run_id = ?""",
        [run_id],
    ).fetchall()
    if not rows:
        raise UsageError(f"run {run_id!r}: no such run in the warehouse; `sceval runs` lists them")
    row = rows[0]
    files = json.loads(row[6] or "[]")
    return Run(
        *row[:6],
        input_files=files if isinstance(files, list) else [],
        status="approved" if row[7] == "approved" else "draft",
        approver=row[8],
        approved_at=row[9],
    )


def settle(con) -> None:
    """Finish any half-read result on the connection (DuckDB 2.0 blocks `con.sql` until then)."""
    con.execute("SELECT 1").fetchall()


def choose_run(con, run_id: str | None) -> tuple[str, str]:
    """The one run a report shows, and how it was chosen: the given run, else the latest
    approved run, else the latest finished run (a full `sceval run` before a partial
    `score` or `check`)."""
    if run_id is not None:
        run_record(con, run_id)
        status = con.execute("SELECT status FROM runs WHERE run_id = ?", [run_id]).fetchall()
        if status[0][0] in ("running", "failed"):
            raise UsageError(f"run {run_id} is {status[0][0]}: a report needs a finished run")
        return run_id, "the run chosen with --run"
    for where, why in (
        ("status = 'approved'", "the latest approved run"),
        (
            "status IN ('draft', 'approved') AND command IN ('run', 'demo')",
            "the latest run (no run is approved yet)",
        ),
        ("status IN ('draft', 'approved')", "the latest run (no run is approved yet)"),
    ):
        found = con.execute(
            f"SELECT run_id FROM runs WHERE {where} ORDER BY started_at DESC, run_id DESC LIMIT 1"
        ).fetchall()
        if found:
            return found[0][0], why
    raise UsageError("no finished run in the warehouse: run `sceval run` (or `sceval demo`) first")


def runs_used(con, run_id: str | None) -> dict[str, str | None]:
    """Which run each result table is read from: one run for all of them (a report never
    mixes runs; see `choose_run`)."""
    chosen, _ = choose_run(con, run_id)
    settle(con)
    return dict.fromkeys(RESULT_TABLES, chosen)


def programs_frame(con, project: Project | None = None) -> pl.DataFrame:
    """Programs with their display name, dates and partner country, named as the project
    names it (a declared user-assigned code such as XKX has no ISO name)."""
    df = con.sql(
        "SELECT program_id, name AS program, start_date, end_date, partner_country, currency, "
        "provider "
        "FROM programs ORDER BY program_id"
    ).pl()
    codes = df.get_column("partner_country").drop_nulls().unique().to_list()
    names = {c: (project.country_name(c) if project else None) or c for c in codes}
    return df.with_columns(
        pl.col("partner_country").replace_strict(names, default=None).alias("country_name")
    )


def results_frame(
    con, run_id: str | None, threshold: int, sheets: pl.DataFrame | None = None
) -> pl.DataFrame:
    """indicator_results of one run with small person counts blanked and suppression explicit.

    `counts_persons` comes from the indicator's reference sheet; an indicator without a
    sheet is treated as counting persons.
    """
    raw = con.sql("SELECT * FROM indicator_results WHERE run_id = ?", params=[run_id]).pl()
    if sheets is not None and not sheets.is_empty():
        raw = raw.join(
            sheets.select("indicator_id", "counts_persons"), on="indicator_id", how="left"
        )
    return safe_results(raw, threshold)


DDL_TYPES = {
    "VARCHAR": pl.String,
    "DATE": pl.Date,
    "DOUBLE": pl.Float64,
    "BIGINT": pl.Int64,
    "INTEGER": pl.Int32,
    "BOOLEAN": pl.Boolean,
}


def result_columns() -> dict[str, pl.DataType]:
    """indicator_results columns and Polars types, read from the warehouse DDL (one source)."""

    cols = {}
    for line in RESULT_DDL["indicator_results"].splitlines():
        m = re.match(r"\s*(\w+) (VARCHAR|DATE|DOUBLE|BIGINT|INTEGER|BOOLEAN)\b", line)
        if m:
            cols[m.group(1)] = DDL_TYPES[m.group(2)]
    return cols


RESULT_COLUMNS = result_columns()


def conform_results(results: pl.DataFrame) -> pl.DataFrame:
    """indicator_results rows with every column the charts read (missing ones as nulls)."""
    missing = [
        pl.lit(None, dtype).alias(name)
        for name, dtype in RESULT_COLUMNS.items()
        if name not in results.columns
    ]
    return results.with_columns(missing) if missing else results


def safe_results(results: pl.DataFrame, threshold: int) -> pl.DataFrame:
    """Results with every cell under the threshold marked suppressed and its numbers removed.

    The n rule applies to rows whose `counts_persons` is true or unknown (column absent or
    null): a frame without that column is treated as counting persons throughout.
    """
    results = conform_results(results)
    persons = (
        pl.col("counts_persons").fill_null(True)
        if "counts_persons" in results.columns
        else pl.lit(True)
    )
    small = pl.col("suppressed").fill_null(False) | (
        persons & pl.col("n").is_not_null() & (pl.col("n") < threshold)
    )
    hidden = ["numerator", "denominator", "value", "n", "ci_low", "ci_high", "projected_value"]
    keys = [k for k in ("run_id", "indicator_id", "program_id", "period") if k in results.columns]
    # A cell newly under a stricter (public) threshold needs its complements too.
    protected = complementary(
        results.with_columns(suppressed=small, _was=pl.col("suppressed").fill_null(False)),
        threshold,
        size=pl.col("n"),
        keys=keys,
        new=pl.col("suppressed") & ~pl.col("_was"),
    ).collect()
    return protected.drop("secondary", "_was").with_columns(
        [pl.when(pl.col("suppressed")).then(None).otherwise(pl.col(c)).alias(c) for c in hidden]
    )


def findings_frame(con, run_id: str | None) -> pl.DataFrame:
    """dnh_findings of one run, evidence reduced to a count plus ids when they are not persons."""
    return con.sql(
        """SELECT run_id, check_id, program_id, unit_id, severity, status, measured_value,
                  threshold, message, evidence_table, waived, waiver_id,
                  coalesce(len(evidence), 0) AS evidence_count,
                  CASE WHEN evidence_table IS NULL OR list_contains(?, evidence_table)
                       THEN NULL
                       ELSE evidence[1:10] END AS evidence
           FROM dnh_findings WHERE run_id = ?
           ORDER BY program_id NULLS LAST, check_id, unit_id NULLS FIRST, status, message,
                    evidence_table""",
        params=[list(PERSON_TABLES), run_id],
    ).pl()


def scores_frame(con, run_id: str | None) -> pl.DataFrame:
    """partnership_scores of one run (each model's reference rating round), in the order the
    scorer wrote them; later rounds are read by `partnership.frames.rounds_frame`."""

    return con.sql(
        "SELECT * FROM partnership_scores WHERE run_id = ? AND " + FIRST_ROUND, params=[run_id]
    ).pl()


def dialogues_frame(con) -> pl.DataFrame:
    """Meetings (one row each: program, date, level, format); no participant counts."""
    return con.sql(
        """SELECT d.meeting_id, d.program_id, coalesce(p.name, d.program_id) AS program,
                  d.date, d.level, d.format
           FROM dialogues d LEFT JOIN programs p USING (program_id)
           ORDER BY d.program_id, d.date"""
    ).pl()


def _number(v: Any) -> float | None:
    """A YAML number as float (None for anything else)."""
    return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else None


def indicator_sheets(project: Project) -> pl.DataFrame:
    """Per indicator: title, direction and threshold cut-offs from `indicators/*.yml`."""
    rows = []
    for path in sorted(project.path("indicators").glob("*.yml")):
        data = read_yaml(path)
        if not isinstance(data, dict) or not data.get("id"):
            continue
        th = data.get("thresholds") if isinstance(data.get("thresholds"), dict) else {}
        rows.append(
            {
                "indicator_id": str(data["id"]),
                "title": str(
                    data.get("label") or data.get("name") or data.get("title") or data["id"]
                ),
                "direction": str(data.get("direction") or "higher"),
                # Matrix columns: a short label that fits a column, grouped by DAC criterion.
                "short": str(data.get("short") or data["id"]).replace("_", " "),
                "family": str(data.get("dac_criterion") or "other"),
                "green": _number(th.get("green")),
                "amber": _number(th.get("amber")),
                "relative_to": th.get("relative_to"),
                "counts_persons": data.get("counts_persons") is True,
            }
        )
    schema = {
        "indicator_id": pl.String,
        "title": pl.String,
        "direction": pl.String,
        "short": pl.String,
        "family": pl.String,
        "green": pl.Float64,
        "amber": pl.Float64,
        "relative_to": pl.String,
        "counts_persons": pl.Boolean,
    }
    return pl.DataFrame(rows, schema=schema)


def program_thresholds(project: Project) -> pl.DataFrame:
    """Per (program, indicator): the threshold cut-offs of `indicators/overrides/*.yml`, which
    replace the catalogue's for that program (the engine judged its status by them). Read as
    leniently as the sheets: `sceval catalogue --check` and the run reject malformed files."""

    rows = []
    for path in override_files(project):
        data = read_yaml(path)
        progs = data.get("programs") if isinstance(data, dict) else None
        for prog, settings in progs.items() if isinstance(progs, dict) else []:
            for ind, vals in settings.items() if isinstance(settings, dict) else []:
                th = vals.get("thresholds") if isinstance(vals, dict) else None
                if not isinstance(th, dict):
                    continue
                green, amber = _number(th.get("green")), _number(th.get("amber"))
                if green is None or amber is None:
                    continue
                rows.append(
                    {
                        "program_id": str(prog),
                        "indicator_id": str(ind),
                        "ov_green": green,
                        "ov_amber": amber,
                        "ov_relative_to": th.get("relative_to"),
                    }
                )
    schema = {
        "program_id": pl.String,
        "indicator_id": pl.String,
        "ov_green": pl.Float64,
        "ov_amber": pl.Float64,
        "ov_relative_to": pl.String,
    }
    return pl.DataFrame(rows, schema=schema)


def item_labels(project: Project) -> dict[str, str]:
    """Partnership item id -> label from the models (`indicators/models/*.yml`)."""
    out: dict[str, str] = {}
    for path in sorted(project.path("indicators", "models").glob("*.yml")):
        data = read_yaml(path)
        dims = data.get("dimensions") if isinstance(data, dict) else None
        for dim in dims if isinstance(dims, list) else []:
            items = dim.get("items") if isinstance(dim, dict) else None
            for item in items if isinstance(items, list) else []:
                if isinstance(item, dict) and item.get("id"):
                    out[str(item["id"])] = str(item.get("label") or item["id"])
    return out


def split_periods(
    results: pl.DataFrame, period: str | None
) -> tuple[pl.DataFrame, pl.DataFrame, str]:
    """(rows of one period, the per-period series, that period's label).

    Without a choice: the cumulative rows, else (a run of one period) its latest period.
    A period the run did not compute is a usage error naming the ones it did.
    """
    if "period" not in results.columns:
        results = results.with_columns(period=pl.lit("cumulative"))
    results = results.with_columns(pl.col("period").fill_null("cumulative"))
    series = results.filter(pl.col("period") != "cumulative")
    have = results.sort("period_end", nulls_last=False)["period"].unique(maintain_order=True)
    if period is None:
        period = "cumulative" if "cumulative" in have or not len(have) else have[-1]
    elif period not in have:
        computed = ", ".join(have) or "none"
        raise UsageError(f"--period {period}: the run computed no such period (it has: {computed})")
    return results.filter(pl.col("period") == period), series, period


PROFILES = ("internal", "public")
PUBLIC_MESSAGE = "Details withheld in the public profile (units, incidents and evidence)."


def public_threshold(project: Project) -> int:
    """The stricter small-cell threshold of the public profile (`public_suppression_threshold`
    in sceval_project.yml, default 10, never below the project's own threshold)."""
    value = int(project.settings.get("public_suppression_threshold", 10))
    return max(value, project.suppression_threshold)


def public_findings(findings: pl.DataFrame) -> pl.DataFrame:
    """Findings as the public may read them: the check, program, severity, status and measure,
    without the unit, the message (unit names, incident kinds and dates) or any evidence id."""
    return findings.with_columns(
        unit_id=pl.when(pl.col("unit_id").is_not_null()).then(pl.lit("unit withheld")),
        message=pl.lit(PUBLIC_MESSAGE),
        evidence=pl.lit(None, dtype=findings.schema.get("evidence", pl.List(pl.String))),
        waiver_id=pl.when(pl.col("waiver_id").is_not_null()).then(pl.lit("withheld")),
    )


def load_report_data(
    con,
    project: Project,
    run_id: str | None = None,
    period: str | None = None,
    *,
    profile: str = "internal",
) -> ReportData:
    """Load the run(s), results, findings, scores and dialogue counts the reports show
    (indicator results of one reporting period, default cumulative, plus the series).

    `profile`: `internal` shows what evaluators need (units, messages, non-person evidence
    ids); `public` hides unit names and incident details and suppresses cells under the
    stricter public threshold (with their complements).
    """
    if profile not in PROFILES:
        raise UsageError(f"--profile {profile!r}: expected one of {', '.join(PROFILES)}")

    settle(con)
    chosen, why = choose_run(con, run_id)
    settle(con)
    used = dict.fromkeys(RESULT_TABLES, chosen)
    runs = {chosen: run_record(con, chosen)}
    runs[chosen].chosen = why
    public = profile == "public"
    threshold = public_threshold(project) if public else project.suppression_threshold
    sheets = indicator_sheets(project)

    # The chain is written by the run that computed the indicators, under its id.
    chain = chain_frame(con, used["indicator_results"])
    as_of = runs[used["indicator_results"]].as_of if used["indicator_results"] else "-"
    baseline = baseline_frame(con, as_of)
    findings = findings_frame(con, used["dnh_findings"])
    programs = programs_frame(con, project)
    # Money is printed in the program's own currency, so each result row carries it.
    priced = results_frame(con, used["indicator_results"], threshold, sheets).join(
        programs.select("program_id", "currency"), on="program_id", how="left"
    )
    results, series, label = split_periods(priced, period)
    return ReportData(
        runs=runs,
        run_of=used,
        threshold=threshold,
        programs=programs,
        results=results,
        findings=public_findings(findings) if public else findings,
        scores=scores_frame(con, used["partnership_scores"]),
        dialogues=dialogues_frame(con),
        sheets=sheets,
        program_thresholds=program_thresholds(project),
        item_labels=item_labels(project),
        chain=chain,
        baseline=baseline,
        profile=profile,
        followup=(
            public_followup(load_followup(con), sensitive_names(con))
            if public
            else load_followup(con)
        ),
        period=label,
        series=series,
        **partnership_extras(con, used["partnership_scores"]),
    )


def partnership_extras(con, run_id: str | None) -> dict[str, pl.DataFrame]:
    """Rounds side by side and rater agreement of the run that scored partnerships."""

    if run_id is None:
        return {}
    return {"rounds": rounds_frame(con, run_id), "agreement": agreement_table(con, run_id)}
