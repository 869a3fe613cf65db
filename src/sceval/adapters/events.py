"""Conflict event exports (UCDP GED, ACLED) into `events`.

- event_type: UCDP type_of_violence 1 (state-based) and 2 (non-state) are battles, 3
  (one-sided) is violence against civilians; ACLED's event_type maps one to one, and its
  sub_event_type fills a blank or unknown event_type.
- civilian_targeting: ACLED's column where filled; where blank (and always for UCDP, which
  has no such column) derived: one-sided violence / violence against civilians, and
  excessive force against protesters, are civilian targeting.
- precision: UCDP date_prec / where_prec and ACLED time_precision / geo_precision are kept
  in the report and in the `event-precision` side file; admin1 is left NULL where UCDP
  places the event no better than a region larger than admin1, the country or
  international waters (where_prec 5-7); dates known to the month or worse are marked
  imprecise.
- actors: `--map FILE` ties actor names ("Government of Myanmar (Burma)") to units.unit_id;
  the perpetrator (UCDP side_a, ACLED actor1) is tried first, then the other side.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import polars as pl

from sceval.adapters.common import (
    Context,
    contract_frame,
    note_user_assigned,
    read_text_csv,
    reject_where,
    require_columns,
)
from sceval.adapters.countries import iso3_from_gw, iso3_from_name, iso3_from_numeric
from sceval.adapters.report import UNMAPPED, MappingReport
from sceval.adapters.subdivisions import admin1_code, fold

UCDP_TYPES = {"1": "battle", "2": "battle", "3": "violence_against_civilians"}
UCDP_WHERE_NO_ADMIN1 = 5  # where_prec 5+: larger than admin1, country, or international waters
UCDP_DATE_IMPRECISE = 4  # date_prec 4+: known to the month, or worse
ACLED_TYPES = {
    "battles": "battle",
    "violence against civilians": "violence_against_civilians",
    "explosions/remote violence": "explosion",
    "riots": "riot",
    "protests": "protest",
    "strategic developments": "strategic",
}
ACLED_SUB_TYPES = {
    "armed clash": "battle",
    "government regains territory": "battle",
    "non-state actor overtakes territory": "battle",
    "attack": "violence_against_civilians",
    "abduction/forced disappearance": "violence_against_civilians",
    "sexual violence": "violence_against_civilians",
    "shelling/artillery/missile attack": "explosion",
    "air/drone strike": "explosion",
    "remote explosive/landmine/ied": "explosion",
    "suicide bomb": "explosion",
    "grenade": "explosion",
    "chemical weapon": "explosion",
    "violent demonstration": "riot",
    "mob violence": "riot",
    "peaceful protest": "protest",
    "protest with intervention": "protest",
    "excessive force against protesters": "protest",
    "agreement": "strategic",
    "arrests": "strategic",
    "change to group/activity": "strategic",
    "disrupted weapons use": "strategic",
    "headquarters or base established": "strategic",
    "looting/property destruction": "strategic",
    "non-violent transfer of territory": "strategic",
    "other": "strategic",
}
CIVILIAN_SUB_TYPES = {
    "attack",
    "abduction/forced disappearance",
    "sexual violence",
    "excessive force against protesters",
}


def adapt(path: Path, ctx: Context, source: str) -> tuple[dict[str, pl.DataFrame], MappingReport]:
    """Events from one UCDP GED or ACLED CSV export."""
    report = MappingReport(source, str(path), unit="events")
    df = read_text_csv(path, report)
    if source == "ucdp-ged":
        df = _ucdp(df, path, report)
    else:
        df = _acled(df, path, report)
    df = _admin1(df, report)
    df = _actors(df, ctx, report)
    report.side_outputs["event-precision"] = df.select(
        "event_id",
        "date_precision",
        "location_precision",
        "imprecise_date",
        "imprecise_location",
        "date_end",
    )
    report.details["imprecise_event_ids"] = {
        "date": df.filter(pl.col("imprecise_date")).get_column("event_id").to_list(),
        "location": df.filter(pl.col("imprecise_location")).get_column("event_id").to_list(),
    }
    report.details["imprecise_dates"] = int(df.get_column("imprecise_date").sum() or 0)
    report.details["imprecise_locations"] = int(df.get_column("imprecise_location").sum() or 0)
    report.notes.append(
        f"{report.details['imprecise_dates']} event(s) dated only to the month or worse and "
        f"{report.details['imprecise_locations']} located no better than a region larger than "
        "admin1 are marked imprecise (event-precision side file)"
    )
    events = contract_frame(df, "events", ctx.project, report)
    counts = events.group_by("event_type").len().sort("event_type")
    report.details["events_by_type"] = dict(counts.iter_rows())
    return {"events": events}, report


def _date(col: str) -> pl.Expr:
    s = pl.col(col).str.strip_chars().str.slice(0, 10)
    return pl.coalesce(
        s.str.to_date("%Y-%m-%d", strict=False),
        pl.col(col).str.strip_chars().str.to_date("%d %B %Y", strict=False),
        pl.col(col).str.strip_chars().str.to_date("%d-%B-%Y", strict=False),
        pl.col(col).str.strip_chars().str.to_date("%d/%m/%Y", strict=False),
    )


def _ucdp(df: pl.DataFrame, path: Path, report: MappingReport) -> pl.DataFrame:
    need = ["id", "type_of_violence", "date_start", "date_prec", "where_prec", "best"]
    require_columns(df, need + ["side_a", "side_b", "country"], path, "UCDP GED")
    countries = _countries(df, "country_id" if "country_id" in df.columns else None, "country")
    df = df.with_columns(
        pl.concat_str(pl.lit("ucdp-ged-"), pl.col("id").str.strip_chars()).alias("event_id"),
        _date("date_start").alias("event_date"),
        (_date("date_end") if "date_end" in df.columns else pl.lit(None, dtype=pl.Date)).alias(
            "date_end"
        ),
        pl.col("type_of_violence").str.strip_chars().alias("__type"),
        pl.col("best").str.strip_chars().cast(pl.Int64, strict=False).alias("fatalities"),
        pl.col("date_prec").cast(pl.Int64, strict=False).alias("date_precision"),
        pl.col("where_prec").cast(pl.Int64, strict=False).alias("location_precision"),
        (pl.col("adm_1") if "adm_1" in df.columns else pl.lit(None, dtype=pl.String)).alias(
            "__admin1"
        ),
        pl.col("side_a").alias("__actor1"),
        pl.col("side_b").alias("__actor2"),
    )
    df = _country_column(df, countries, report)
    df = reject_where(
        df, pl.col("event_date").is_null(), report, "date_start is not a date", column="date_start"
    )
    df = reject_where(
        df,
        ~pl.col("__type").is_in(list(UCDP_TYPES)),
        report,
        "type_of_violence is not 1, 2 or 3",
        column="type_of_violence",
    )
    df = reject_where(
        df, pl.col("fatalities").is_null(), report, "best is not a whole number", column="best"
    )
    df = df.with_columns(
        pl.col("__type").replace_strict(UCDP_TYPES, default=None).alias("event_type"),
        # UCDP has no targeting column: one-sided violence is by definition against civilians.
        (pl.col("__type") == "3").alias("civilian_targeting"),
        (pl.col("date_precision") >= UCDP_DATE_IMPRECISE).fill_null(True).alias("imprecise_date"),
        (pl.col("location_precision") >= UCDP_WHERE_NO_ADMIN1)
        .fill_null(True)
        .alias("imprecise_location"),
    )
    report.normalise("civilian_targeting derived from type_of_violence (3 = one-sided)", df.height)
    report.details["date_prec"] = _tally(df, "date_precision")
    report.details["where_prec"] = _tally(df, "location_precision")
    no_admin = df.filter(pl.col("imprecise_location") & pl.col("__admin1").is_not_null()).height
    report.normalise("admin1 left NULL: where_prec 5-7 (no better than a large region)", no_admin)
    return df.with_columns(
        pl.when(pl.col("imprecise_location"))
        .then(None)
        .otherwise(pl.col("__admin1"))
        .alias("__admin1")
    )


def _acled(df: pl.DataFrame, path: Path, report: MappingReport) -> pl.DataFrame:
    need = ["event_id_cnty", "event_date", "event_type", "sub_event_type", "fatalities"]
    require_columns(df, need + ["country"], path, "ACLED")
    for opt in ("iso", "admin1", "actor1", "actor2", "inter2", "time_precision", "geo_precision"):
        if opt not in df.columns:
            df = df.with_columns(pl.lit(None, dtype=pl.String).alias(opt))
    countries = _countries(df, None, "country", numeric="iso")
    typed = pl.col("event_type").str.strip_chars().str.to_lowercase()
    sub = pl.col("sub_event_type").str.strip_chars().str.to_lowercase()
    df = df.with_columns(
        pl.col("event_id_cnty").str.strip_chars().alias("event_id"),
        _date("event_date").alias("event_date"),
        pl.lit(None, dtype=pl.Date).alias("date_end"),
        pl.coalesce(
            typed.replace_strict(ACLED_TYPES, default=None),
            sub.replace_strict(ACLED_SUB_TYPES, default=None),
        ).alias("event_type"),
        typed.replace_strict(ACLED_TYPES, default=None).is_null().alias("__from_sub"),
        pl.col("fatalities").str.strip_chars().cast(pl.Int64, strict=False).alias("fatalities"),
        pl.col("time_precision").cast(pl.Int64, strict=False).alias("date_precision"),
        pl.col("geo_precision").cast(pl.Int64, strict=False).alias("location_precision"),
        pl.col("admin1").alias("__admin1"),
        pl.col("actor1").alias("__actor1"),
        pl.col("actor2").alias("__actor2"),
        sub.alias("__sub"),
    )
    report.normalise(
        "event_type taken from sub_event_type",
        df.filter(pl.col("__from_sub") & pl.col("event_type").is_not_null()).height,
    )
    df = _country_column(df, countries, report)
    df = reject_where(
        df, pl.col("event_date").is_null(), report, "event_date is not a date", column="event_date"
    )
    df = reject_where(
        df,
        pl.col("event_type").is_null(),
        report,
        "event_type and sub_event_type not recognised",
        column="event_type",
    )
    df = reject_where(
        df,
        pl.col("fatalities").is_null(),
        report,
        "fatalities is not a whole number",
        column="fatalities",
    )
    if "civilian_targeting" in df.columns:
        given = pl.col("civilian_targeting").str.strip_chars().str.len_chars().fill_null(0) > 0
    else:
        given = pl.lit(False)
    # Civilians as the other side (ACLED interaction code 7) of an attack, shelling or strike
    # are targeted too; battles between armed actors are not.
    civilians_hit = (pl.col("inter2").str.strip_chars() == "7") | pl.col(
        "__actor2"
    ).str.starts_with("Civilians")
    derived = (
        (pl.col("event_type") == "violence_against_civilians")
        | pl.col("__sub").is_in(list(CIVILIAN_SUB_TYPES))
        | ((pl.col("event_type") == "explosion") & civilians_hit.fill_null(False))
    )
    report.normalise(
        "civilian_targeting derived where the column is blank", df.filter(~given).height
    )
    return df.with_columns(
        pl.when(given).then(True).otherwise(derived).alias("civilian_targeting"),
        (pl.col("date_precision") >= 3).fill_null(True).alias("imprecise_date"),
        (pl.col("location_precision") >= 3).fill_null(True).alias("imprecise_location"),
    )


def _tally(df: pl.DataFrame, col: str) -> dict[str, int]:
    return {str(k): v for k, v in df.group_by(col).len().sort(col).iter_rows()}


def _countries(
    df: pl.DataFrame, gw: str | None, name: str, numeric: str | None = None
) -> dict[tuple, str | None]:
    """ISO3 for every distinct (code, name) pair of the file."""
    cols = [c for c in (gw, numeric, name) if c]
    out = {}
    for rec in df.select(cols).unique().iter_rows():
        code = dict(zip(cols, rec, strict=True))
        iso = None
        if gw and code.get(gw):
            iso = iso3_from_gw(code[gw])
        if iso is None and numeric and code.get(numeric):
            iso = iso3_from_numeric(code[numeric])
        if iso is None:
            iso = iso3_from_name(code.get(name) or "")
        out[rec] = iso
    return out


def _country_column(df: pl.DataFrame, countries: dict, report: MappingReport) -> pl.DataFrame:
    cols = [c for c in ("country_id", "iso", "country") if c in df.columns]
    keys = list(countries)
    width = len(keys[0]) if keys else 0
    cols = cols[-width:] if width else cols
    lookup = pl.DataFrame(
        {
            **{c: [k[i] for k in keys] for i, c in enumerate(cols)},
            "country_iso3": [countries[k] for k in keys],
        },
        schema={**{c: pl.String for c in cols}, "country_iso3": pl.String},
    )
    df = df.join(lookup, on=cols, how="left", nulls_equal=True)
    for rec in df.filter(pl.col("country_iso3").is_null()).select("country").iter_rows():
        report.unknown("country", rec[0])
    df = reject_where(
        df,
        pl.col("country_iso3").is_null(),
        report,
        "country not an ISO 3166-1 country",
        kind=UNMAPPED,
        column="country",
    )
    report.normalise("country name/code to ISO3", df.height)
    note_user_assigned(report, "country", df, "country", "country_iso3")
    return df.with_columns(pl.col("country_iso3").alias("country"))


def _admin1(df: pl.DataFrame, report: MappingReport) -> pl.DataFrame:
    """Admin1 names matched to ISO 3166-2 subdivisions; each area's spellings merged.

    Names of one subdivision ("Bago division", "Bago region"; "Karen state", "Kayin
    state", through the declared alias table) become that area's most frequent spelling,
    so that every event of an area carries one name. A name that matches no first-level
    subdivision of its country is kept (spaces tidied) and reported.
    """

    pairs = Counter(
        (c, n)
        for c, n in df.select("country", "__admin1").iter_rows()
        if n is not None and n.strip()
    )
    tidy = {p: " ".join(p[1].split()) for p in pairs}
    code = {p: admin1_code(p[0], p[1]) for p in pairs}
    by_area: dict[tuple, Counter] = {}
    for p, n in pairs.items():
        area = (p[0], code[p] or fold(p[1]))
        by_area.setdefault(area, Counter())[tidy[p]] += n
    chosen = {p: by_area[(p[0], code[p] or fold(p[1]))].most_common(1)[0][0] for p in pairs}
    merged = {p[1]: new for p, new in chosen.items() if p[1] != new}
    report.normalise(
        "admin1 spelling variants merged (details.admin1_merged)",
        sum(n for p, n in pairs.items() if p[1] != chosen[p]),
    )
    report.details["admin1_merged"] = merged
    report.details["admin1_iso_3166_2"] = {chosen[p]: code[p] for p in pairs if code[p]}
    for p, n in pairs.items():
        if code[p] is None:
            report.unknown("admin1 matching no ISO 3166-2 subdivision", f"{p[0]} {p[1]}", n)
    lookup = pl.DataFrame(
        {
            "country": [p[0] for p in chosen],
            "__admin1": [p[1] for p in chosen],
            "admin1": list(chosen.values()),
        },
        schema={"country": pl.String, "__admin1": pl.String, "admin1": pl.String},
    )
    return df.join(lookup, on=["country", "__admin1"], how="left")


def _actors(df: pl.DataFrame, ctx: Context, report: MappingReport) -> pl.DataFrame:
    """actor_unit_id from the mapping file: perpetrator side first, then the other."""
    actors = set(df.get_column("__actor1").drop_nulls().to_list()) | set(
        df.get_column("__actor2").drop_nulls().to_list()
    )
    mapping = {a: ctx.unit_for(a) for a in actors}
    mapping = {a: u for a, u in mapping.items() if u}
    df = df.with_columns(
        pl.coalesce(
            pl.col("__actor1").replace_strict(mapping, default=None),
            pl.col("__actor2").replace_strict(mapping, default=None),
        ).alias("actor_unit_id")
    )
    mapped = df.filter(pl.col("actor_unit_id").is_not_null())
    report.details["events_by_unit"] = dict(mapped.group_by("actor_unit_id").len().iter_rows())
    report.normalise("actor mapped to a unit", mapped.height)
    if ctx.map_file is None:
        top = Counter(df.get_column("__actor1").drop_nulls().to_list()).most_common(5)
        report.notes.append(
            "no --map file: actor_unit_id left empty; most frequent actors: "
            + "; ".join(f"{a} ({n})" for a, n in top)
        )
    else:
        unmapped = df.filter(pl.col("actor_unit_id").is_null())
        for a, n in Counter(unmapped.get_column("__actor1").drop_nulls().to_list()).items():
            report.unknown("actor not in the --map file", a, n)
    return df
