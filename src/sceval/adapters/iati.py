"""IATI activity XML (2.0x, and 1.x in legacy mode) into `programs` and `indicator_observations`.

One program per `iati-activity`; one observation row per result period and disaggregation
(the dimensions of its target and actual). Parsed with defusedxml: an IATI file comes from
a publisher we do not control. Decisions, all reported:

- program_id is the iati-identifier; provider the reporting organisation; partner_country
  the recipient country with the largest share (IATI alpha-2 to ISO3), the others listed;
  start = actual start (type 2) else planned start (1); end = actual end (4) else planned end (3).
- budget sums the activity's budget periods, the revised budget (type 2) replacing the
  original (type 1) for the same period; without budgets, the commitments (transaction type 2).
- the DAC sector with the largest share (vocabulary 1, five digits, or 2, three digits) goes
  to `framework` as "DAC 15210 Security system management and reform"; every sector is in
  the report.
- indicator_id is "iati-<result>.<indicator>" (1-based, in file order) within the program.
- qualitative indicators (measure 5) load with NULL baseline/target/actual: their text is
  never turned into a number; the text is in the report JSON and the values side file.
- "20,000" and "£3,500,000" become 20000 and 3500000; the raw text stays in the side file.
- `ascending` sets the direction (1: higher is better, 0: lower is better; absent means 1).
- several dimensions on one value are joined: dimension "sex|age", value "female|adult".

This module reads the file (`parse_tree`, `adapt`); `iati_mapping` maps each activity.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl

from sceval.adapters.common import ROW, Context, contract_frame, frame, reject_where
from sceval.adapters.iati_mapping import program_row, result_rows, text_of
from sceval.adapters.report import UNMAPPED, MappingReport
from sceval.errors import InvalidDataError, UsageError

SOURCE = "iati"

PROGRAM_SCHEMA = {
    ROW: pl.String,
    "program_id": pl.String,
    "name": pl.String,
    "provider": pl.String,
    "framework": pl.String,
    "partner_country": pl.String,
    "region": pl.String,
    "start_date": pl.Date,
    "end_date": pl.Date,
    "budget": pl.Float64,
    "currency": pl.String,
    "objective": pl.String,
}
OBS_SCHEMA = {
    ROW: pl.String,
    "program_id": pl.String,
    "indicator_id": pl.String,
    "period_start": pl.Date,
    "period_end": pl.Date,
    "baseline": pl.Float64,
    "target": pl.Float64,
    "actual": pl.Float64,
    "dimension": pl.String,
    "dimension_value": pl.String,
    "ascending": pl.Boolean,
}


def parse_tree(path: Path):
    """The XML root, parsed safely; a clear message for anything that is not IATI XML."""
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import ParseError, parse

    try:
        root = parse(str(path)).getroot()
    except ParseError as exc:
        raise InvalidDataError(f"{path}: not well-formed XML ({exc})") from None
    except DefusedXmlException as exc:
        raise InvalidDataError(
            f"{path}: refused: the XML uses a forbidden construct ({type(exc).__name__})"
        ) from None
    if root.tag != "iati-activities":
        hint = " (an organisation file; load activity files)" if "organisation" in root.tag else ""
        raise UsageError(
            f"{path}: not an IATI activity file: root element <{root.tag}>, expected <iati-activities>{hint}"
        )
    return root


def adapt(
    path: Path, ctx: Context, source: str = SOURCE
) -> tuple[dict[str, pl.DataFrame], MappingReport]:
    """Programs and indicator observations from one IATI activity file."""
    report = MappingReport(SOURCE, str(path), unit="activities")
    root = parse_tree(path)
    version = root.get("version")
    legacy = version is None or version.strip().startswith("1.")
    if version is not None and not legacy and not version.strip().startswith("2."):
        raise UsageError(f"{path}: IATI version {version!r} is not supported (1.x or 2.0x)")
    report.details["iati_version"] = version or "absent (1.x)"
    if legacy:
        report.notes.append(
            f"IATI {version or '1.x (no version attribute)'}: read in legacy mode "
            "(text without <narrative>, date types start-planned/start-actual/end-planned/"
            "end-actual, budget types Original/Revised; measure 'text' read as numbers where "
            "the values are plain numbers)"
        )
    programs: list[dict[str, Any]] = []
    observations: list[dict[str, Any]] = []
    values: list[dict[str, Any]] = []
    indicators: list[dict[str, Any]] = []
    activities = root.findall("iati-activity")
    report.rows_read = len(activities)
    for pos, act in enumerate(activities, start=1):
        prog = program_row(act, pos, report, legacy)
        if prog is None:
            ident = text_of(act.find("iati-identifier")) or f"activity {pos}"
            for ri, result in enumerate(act.findall("result"), start=1):
                for ii, ind in enumerate(result.findall("indicator"), start=1):
                    for pi, _ in enumerate(ind.findall("period"), start=1):
                        report.reject(
                            f"{ident} iati-{ri}.{ii} period {pi}",
                            "program not loaded (its activity was rejected)",
                            kind=UNMAPPED,
                        )
            continue
        programs.append(prog)
        result_rows(act, prog, report, legacy, observations, values, indicators)
    report.details["indicators"] = indicators
    if report.details.get("cumulative_targets"):
        report.notes.append(
            f"{len(report.details['cumulative_targets'])} indicator(s) with cumulative-looking "
            "targets (details.cumulative_targets): do not sum their periods"
        )
    if report.details.get("overlapping_periods"):
        report.notes.append(
            f"{len(report.details['overlapping_periods'])} overlapping period pair(s) "
            "(details.overlapping_periods): loaded as published"
        )
    report.details["periods"] = sum(i["periods"] for i in indicators)
    report.side_outputs["iati-values"] = values
    report.details["qualitative_values"] = [v for v in values if v["qualitative"]]
    # Values whose text was not a plain number ("£3,500,000"): raw text beside the number.
    report.details["parsed_values"] = [
        {
            k: v[k]
            for k in (
                "program_id",
                "indicator_id",
                "element",
                "period_start",
                "raw_text",
                "number",
                "stripped",
            )
        }
        for v in values
        if v["stripped"]
    ]
    prog_df = contract_frame(frame(programs, PROGRAM_SCHEMA), "programs", ctx.project, report)
    obs_df = frame(observations, OBS_SCHEMA)
    loaded = set(prog_df.get_column("program_id").to_list())
    orphan = ~pl.col("program_id").is_in(list(loaded))

    obs_df = reject_where(
        obs_df, orphan, report, "program not loaded (its activity was rejected)", kind=UNMAPPED
    )
    obs_df = contract_frame(obs_df, "indicator_observations", ctx.project, report)
    return {"programs": prog_df, "indicator_observations": obs_df}, report
