"""The US Foreign Military Training report (one row per training line) into
`programs`, `activities` and `units`.

- a program per fiscal year, country and funding program ("IMET-1", "Section 333", ...):
  provider United States, framework the program code, dates the fiscal year
  (1 October to 30 September), budget the report's "Program Totals" line (else the sum of
  the lines), USD.
- an activity per training line: kind training, status delivered, actual = planned dates,
  cost parsed from "$2,393", `trainees_reported` = the line's quantity (the report has no
  person-level rows).
- a unit per country and student unit, spelling variants merged ("Police/SENAN",
  "Police / SENAN", "Police/ Senan" are one unit, named by the most frequent spelling);
  service guessed from the name; command `state`; vetting_status `not_vetted`, because
  the report records no vetting (load vetting records to replace it).
- the report's "Program Totals" lines (a cost, no course, no dates) are per-program
  subtotals, not training lines: they give the program's budget and check the sum of the
  program's lines; a difference over $1 is a warning in the mapping report, with the program
  and both amounts. They are neither loaded as activities nor counted as rejects.
- dirty lines are rejected row by row: missing dates, end before start, costs or quantities
  that are not numbers, countries that map to no ISO 3166-1 or declared user-assigned code
  (Kosovo maps to XKX).
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import polars as pl

from sceval.adapters.common import (
    ROW,
    Context,
    contract_frame,
    note_user_assigned,
    parse_number,
    read_text_csv,
    reject_where,
    require_columns,
    slug,
)
from sceval.adapters.countries import iso3_from_name
from sceval.adapters.report import UNMAPPED, MappingReport

SOURCE = "fmtr"
COLUMNS = [
    "country",
    "program",
    "course_title",
    "student_unit",
    "quantity",
    "start_date",
    "end_date",
    "total_cost",
]
NO_UNIT = {"", "n/a", "na", "none", "unk", "unknown", "-", "tbd"}
SERVICES = [
    (r"coast\s*guard", "coast_guard"),
    (r"gendarm", "gendarmerie"),
    (r"border|customs|immigration", "border"),
    (r"police|constabulary|carabinier|law enforcement|counter.?narcotic|drug", "police"),
    (r"intelligence", "intelligence"),
    (r"ministry|ministerio|ministère|department of|secretariat", "ministry"),
    (r"navy|naval|marine|maritime|semar|fleet", "navy"),
    (r"air\s*force|air\s*base|airbase|aviation|air wing|squadron", "air"),
    (r"army|infantry|battalion|brigade|regiment|land force|ground force|commando", "army"),
]
TOTALS = re.compile(r"(?i)program totals")


def adapt(
    path: Path, ctx: Context, source: str = SOURCE
) -> tuple[dict[str, pl.DataFrame], MappingReport]:
    """Programs, activities and units from one training report CSV."""
    report = MappingReport(SOURCE, str(path), unit="training lines")
    df = read_text_csv(path, report)
    require_columns(df, COLUMNS, path, "US Foreign Military Training report")
    if "region" not in df.columns:
        df = df.with_columns(pl.lit("unspecified").alias("region"))
    fy = pl.col("program").str.extract(r"Fiscal Year (\d{4})").cast(pl.Int64, strict=False)
    if "report" in df.columns:
        fy = pl.coalesce(
            fy, pl.col("report").str.extract(r"FY(\d{4})").cast(pl.Int64, strict=False)
        )
    df = df.with_columns(
        fy.alias("__fy"),
        pl.col("program").str.split(" - ").list.first().str.strip_chars().alias("__code"),
        pl.col("start_date")
        .str.strip_chars()
        .str.to_date("%m/%d/%Y", strict=False)
        .alias("__start"),
        pl.col("end_date").str.strip_chars().str.to_date("%m/%d/%Y", strict=False).alias("__end"),
        pl.col("quantity").str.strip_chars().cast(pl.Int64, strict=False).alias("__qty"),
        pl.col("course_title").str.contains(TOTALS.pattern).fill_null(False).alias("__total"),
    )
    iso = {c: iso3_from_name(c or "") for c in df.get_column("country").unique().to_list()}
    df = df.with_columns(pl.col("country").replace_strict(iso, default=None).alias("__iso3"))
    for name in [c for c, i in iso.items() if i is None]:
        report.unknown("country", name, df.filter(pl.col("country") == name).height)
    report.normalise("country name to ISO3", df.filter(pl.col("__iso3").is_not_null()).height)
    note_user_assigned(report, "country", df, "country", "__iso3")
    costs = {c: parse_number(c) for c in df.get_column("total_cost").unique().to_list()}
    df = df.with_columns(
        pl.col("total_cost")
        .replace_strict({k: v[0] for k, v in costs.items()}, default=None, return_dtype=pl.Float64)
        .alias("__cost")
    )
    report.normalise(
        "cost text parsed ('$2,393' -> 2393)",
        df.filter(pl.col("total_cost").str.contains(r"[$,]").fill_null(False)).height,
    )
    df = reject_where(
        df,
        pl.col("__iso3").is_null(),
        report,
        "country not an ISO 3166-1 country",
        kind=UNMAPPED,
        column="country",
    )
    programs = _programs(df, report)
    subtotals = df.filter(pl.col("__total")).height
    report.normalise(
        "'Program Totals' lines read as program subtotals (budget), not rejected", subtotals
    )
    report.details["program_subtotals"] = subtotals
    lines = _reject_dirty(df.filter(~pl.col("__total")), report)
    lines, units = _units(lines, report)
    activities = lines.select(
        pl.col(ROW),
        pl.concat_str(
            pl.lit("fmtr-fy"), pl.col("__fy").cast(pl.String), pl.lit("-"), pl.col(ROW)
        ).alias("activity_id"),
        _program_id().alias("program_id"),
        pl.lit("training").alias("kind"),
        pl.col("course_title").str.strip_chars().alias("title"),
        pl.col("__start").alias("planned_start"),
        pl.col("__end").alias("planned_end"),
        pl.col("__start").alias("actual_start"),
        pl.col("__end").alias("actual_end"),
        pl.lit("delivered").alias("status"),
        pl.col("__cost").alias("planned_cost"),
        pl.col("__cost").alias("actual_cost"),
        pl.lit(None, dtype=pl.String).alias("admin1"),
        pl.col("__unit_id").alias("unit_id"),
        pl.lit(False).alias("co_designed"),
        pl.lit(0.0).alias("partner_cost_share"),
        pl.col("__qty").alias("trainees_reported"),
    )
    report.notes.append(
        "not in the report, set for every line: kind training, status delivered, "
        "co_designed false, partner_cost_share 0; units: command state, vetting_status "
        "not_vetted (no vetting record in the report)"
    )
    out = {
        "programs": contract_frame(programs, "programs", ctx.project, report),
        "units": contract_frame(units, "units", ctx.project, report),
        "activities": contract_frame(activities, "activities", ctx.project, report),
    }
    report.details["trainees_reported"] = int(
        out["activities"].get_column("trainees_reported").sum() or 0
    )
    return out, report


def _program_id() -> pl.Expr:
    return pl.concat_str(
        pl.lit("fmtr-fy"),
        pl.col("__fy").cast(pl.String),
        pl.lit("-"),
        pl.col("__iso3"),
        pl.lit("-"),
        pl.col("__code").map_elements(slug, return_dtype=pl.String),
    )


def _programs(df: pl.DataFrame, report: MappingReport) -> pl.DataFrame:
    """One program per fiscal year, country and funding program."""
    grouped = (
        df.filter(pl.col("__fy").is_not_null())
        .group_by("__fy", "__iso3", "__code")
        .agg(
            pl.col(ROW).first(),
            pl.col("program").first(),
            pl.col("country").first(),
            pl.col("region").first(),
            pl.col("__cost").filter(pl.col("__total")).first().alias("__reported"),
            pl.col("__cost").filter(~pl.col("__total")).sum().alias("__lines"),
            (~pl.col("__total")).sum().alias("__n"),
        )
    )
    grouped = grouped.sort("__fy", "__iso3", "__code")
    # The subtotal checks the lines as the report prints them (rejected lines included: the
    # report's arithmetic, not ours); cents and rounding in the scrape stay under $1.
    differ = grouped.filter(
        pl.col("__reported").is_not_null() & ((pl.col("__reported") - pl.col("__lines")).abs() > 1)
    )
    report.details["programs_total_differs_from_lines"] = differ.height
    for program, country, reported, summed, n in differ.select(
        "program", "country", "__reported", "__lines", "__n"
    ).iter_rows():
        report.warnings.append(
            f"{program} ({country}): the 'Program Totals' line gives ${reported:,.2f}, "
            f"its {n} training line(s) add up to ${summed:,.2f} "
            f"(difference ${reported - summed:,.2f})"
        )
    return grouped.select(
        pl.col(ROW),
        _program_id().alias("program_id"),
        pl.concat_str(pl.col("program"), pl.lit(" - "), pl.col("country")).alias("name"),
        pl.lit("United States").alias("provider"),
        pl.col("__code").alias("framework"),
        pl.col("__iso3").alias("partner_country"),
        pl.col("region").str.replace_all("_", " ").alias("region"),
        pl.date(pl.col("__fy") - 1, 10, 1).alias("start_date"),
        pl.date(pl.col("__fy"), 9, 30).alias("end_date"),
        pl.coalesce(pl.col("__reported"), pl.col("__lines")).alias("budget"),
        pl.lit("USD").alias("currency"),
        pl.lit("Training delivered as listed in the US Foreign Military Training report").alias(
            "objective"
        ),
    )


def _reject_dirty(df: pl.DataFrame, report: MappingReport) -> pl.DataFrame:
    """Training lines that can load; the others rejected with one reason each."""
    raw = COLUMNS
    blank = {c: pl.col(c).is_null() | (pl.col(c).str.strip_chars() == "") for c in raw}
    rules = [
        (blank["start_date"], "missing start_date", "start_date"),
        (blank["end_date"], "missing end_date", "end_date"),
        (pl.col("__start").is_null(), "start_date is not a date (M/D/YYYY)", "start_date"),
        (pl.col("__end").is_null(), "end_date is not a date (M/D/YYYY)", "end_date"),
        (pl.col("__end") < pl.col("__start"), "end_date before start_date", "end_date"),
        (pl.col("__cost").is_null(), "total_cost is not an amount", "total_cost"),
        (pl.col("__qty").is_null(), "quantity is not a whole number", "quantity"),
    ]
    for mask, reason, col in rules:
        df = reject_where(df, mask, report, reason, column=col, raw_cols=raw)
    return df.filter(pl.col("__fy").is_not_null())


def _tidy(name: str) -> str:
    s = " ".join(name.split())
    s = re.sub(r"\s*([/,])\s*", r"\1 ", s).replace("/ ", "/")
    s = re.sub(r"\s+-\s*|\s*-\s+", "-", s)
    return s.strip(" ,")


def _key(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", name.casefold()).strip()


def _short(text: str, width: int = 60) -> str:
    """An id fragment of at most `width` characters, unique by a hash when cut."""
    if len(text) <= width:
        return text
    import hashlib

    return text[: width - 9] + "-" + hashlib.sha1(text.encode()).hexdigest()[:8]


def _service(name: str) -> str:
    low = name.casefold()
    for pattern, service in SERVICES:
        if re.search(pattern, low):
            return service
    return "other"


def _units(df: pl.DataFrame, report: MappingReport) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Unit ids for the lines, and the units table, spelling variants merged."""
    pairs = Counter(
        (iso, raw)
        for iso, raw in df.select("__iso3", "student_unit").iter_rows()
        if raw is not None and raw.strip().casefold() not in NO_UNIT
    )
    groups: dict[tuple[str, str], Counter] = {}
    raws_of: dict[tuple[str, str], list[str]] = {}
    for (iso, raw), n in pairs.items():
        groups.setdefault((iso, _key(raw)), Counter())[_tidy(raw)] += n
        raws_of.setdefault((iso, _key(raw)), []).append(raw)
    unit_of: dict[tuple[str, str], str] = {}
    units = []
    variants = {}
    for (iso, key), spellings in sorted(groups.items()):
        name = sorted(spellings.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
        uid = f"fmtr-{iso.lower()}-{_short(slug(key))}"
        units.append(
            {
                ROW: f"unit {uid}",
                "unit_id": uid,
                "partner_country": iso,
                "name": name,
                "service": _service(name),
                "command": "state",
                "affiliation": None,
                "vetting_status": "not_vetted",
                "vetting_date": None,
            }
        )
        raws = raws_of[(iso, key)]
        if len(set(raws)) > 1:
            variants[uid] = sorted(set(raws))
        for raw in raws:
            unit_of[(iso, raw)] = uid
    report.normalise(
        "unit spellings merged into one unit", sum(len(v) - 1 for v in variants.values())
    )
    report.details["unit_variants"] = variants
    no_unit = df.filter(
        pl.col("student_unit").is_null()
        | pl.col("student_unit").str.strip_chars().str.to_lowercase().is_in(list(NO_UNIT))
    ).height
    report.normalise("student unit not given (unit_id left empty)", no_unit)
    lookup = pl.DataFrame(
        {
            "__iso3": [k[0] for k in unit_of],
            "student_unit": [k[1] for k in unit_of],
            "__unit_id": list(unit_of.values()),
        },
        schema={"__iso3": pl.String, "student_unit": pl.String, "__unit_id": pl.String},
    )
    df = df.join(lookup, on=["__iso3", "student_unit"], how="left")
    schema = {
        ROW: pl.String,
        "unit_id": pl.String,
        "partner_country": pl.String,
        "name": pl.String,
        "service": pl.String,
        "command": pl.String,
        "affiliation": pl.String,
        "vetting_status": pl.String,
        "vetting_date": pl.Date,
    }
    return df, pl.DataFrame(units, schema=schema)
