"""Country-year sources into `context`: WGI, V-Dem, SIPRI TIV, coups, UCDP/PRIO ACD.

Series names (the `indicator` column):
- wgi: `wgi_<dimension>` for the estimate and `wgi_<dimension>_se` for its standard error
  (kept so an ex-post change can be judged against it), plus `_sources`, `_rank`,
  `_rank_lower`, `_rank_upper`; dimensions voice_accountability, political_stability,
  government_effectiveness, regulatory_quality, rule_of_law, control_of_corruption.
- vdem: `vdem_rule_of_law` (v2xcl_rol), `vdem_public_corruption` (v2x_pubcorr), ... and
  `vdem_<variable>` for any other v2 variable.
- sipri-tiv: `sipri_arms_imports_tiv`, the trend-indicator value received per recipient-year
  (summed over suppliers; non-state and organisation recipients are not countries).
- coups: `coup_attempts`, `coups_successful`, `coups_failed` per country-year (Powell & Thyne).
- ucdp-acd: `ucdp_armed_conflicts` (conflicts with the country's government as side A) and
  `ucdp_conflict_intensity` (highest intensity level: 1 minor, 2 war).

A country-year with no value in the source has no row: missing is not zero.
"""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl

from sceval.adapters.common import (
    ROW,
    Context,
    contract_frame,
    note_user_assigned,
    read_text_csv,
    reject_where,
    require_columns,
)
from sceval.adapters.countries import gw_label, iso3_from_alpha3, iso3_from_gw, iso3_from_name
from sceval.adapters.report import UNMAPPED, MappingReport

WGI_DIMENSIONS = {
    "va": "voice_accountability",
    "pv": "political_stability",
    "ge": "government_effectiveness",
    "rq": "regulatory_quality",
    "rl": "rule_of_law",
    "cc": "control_of_corruption",
}
WGI_SUFFIXES = {
    "e": "",
    "s": "_se",
    "n": "_sources",
    "r": "_rank",
    "l": "_rank_lower",
    "u": "_rank_upper",
}
VDEM_NAMES = {
    "v2xcl_rol": "vdem_rule_of_law",
    "v2x_pubcorr": "vdem_public_corruption",
    "v2x_veracc_osp": "vdem_vertical_accountability",
    "v2x_horacc_osp": "vdem_horizontal_accountability",
    "v2xcs_ccsi": "vdem_civil_society",
    "v2x_freexp_altinf": "vdem_freedom_of_expression",
    "v2x_polyarchy": "vdem_electoral_democracy",
    "v2x_libdem": "vdem_liberal_democracy",
}
SOURCE_LABELS = {
    "wgi": "World Bank Worldwide Governance Indicators",
    "vdem": "V-Dem",
    "sipri-tiv": "SIPRI Arms Transfers Database (TIV)",
    "coups": "Powell & Thyne coups",
    "ucdp-acd": "UCDP/PRIO Armed Conflict Dataset",
}


def adapt(path: Path, ctx: Context, source: str) -> tuple[dict[str, pl.DataFrame], MappingReport]:
    """Context rows from one country-year file."""
    report = MappingReport(source, str(path), unit="rows")
    df = read_text_csv(path, report)
    long = {
        "wgi": _wgi,
        "vdem": _vdem,
        "sipri-tiv": _sipri,
        "coups": _coups,
        "ucdp-acd": _acd,
    }[source](df, path, report)
    long = long.with_columns(
        pl.col("year").cast(pl.Int64, strict=False),
        pl.lit(SOURCE_LABELS[source]).alias("source"),
    )
    out = contract_frame(long, "context", ctx.project, report)
    report.details["series"] = dict(out.group_by("indicator").len().sort("indicator").iter_rows())
    report.details["countries"] = out.get_column("country").n_unique()
    return {"context": out}, report


def _map_countries(df: pl.DataFrame, report: MappingReport, how, label: str) -> pl.DataFrame:
    """Add `country` (ISO3) from the source's code columns; reject rows with none."""
    keys = df.select(how["columns"]).unique()
    iso = [how["map"](*rec) for rec in keys.iter_rows()]
    keys = keys.with_columns(pl.Series("country", iso, dtype=pl.String))
    df = df.join(keys, on=how["columns"], how="left", nulls_equal=True)
    # Codes that mean nothing to a reader (GW 396, WGI ANT) are listed with the state's name:
    # from the source's own name column (`label`) or a lookup (`name`).
    named, label_col = how.get("name"), how.get("label")
    shown = how["columns"] + ([label_col] if label_col in df.columns else [])
    for rec in df.filter(pl.col("country").is_null()).select(shown).iter_rows():
        if named:
            report.unknown(label, named(*rec))
        else:
            report.unknown(label, " / ".join(str(x) for x in rec if x is not None))
    df = reject_where(
        df,
        pl.col("country").is_null(),
        report,
        f"{label} is not a current ISO 3166-1 country",
        kind=UNMAPPED,
        column=how["columns"][0],
    )
    changed = df.filter(pl.col(how["columns"][0]) != pl.col("country")).height
    report.normalise(f"{label} to ISO3", changed)
    note_user_assigned(report, label, df, how["columns"][0], "country")
    return df


def _numbers(
    df: pl.DataFrame, index: list[str], names: dict[str, str], report: MappingReport
) -> pl.DataFrame:
    """Wide value columns to long (country, year, indicator, value); text values rejected."""
    long = df.unpivot(index=[ROW, *index], on=list(names), variable_name="column")
    long = long.filter(pl.col("value").str.strip_chars().str.len_chars().fill_null(0) > 0)
    long = long.with_columns(
        pl.concat_str(pl.col(ROW), pl.lit(":"), pl.col("column")).alias(ROW),
        pl.col("value").str.strip_chars().cast(pl.Float64, strict=False).alias("__num"),
        pl.col("column").replace_strict(names).alias("indicator"),
    )
    long = reject_where(
        long, pl.col("__num").is_null(), report, "value is not a number", column="value"
    )
    return long.with_columns(pl.col("__num").alias("value"))


def _wgi(df: pl.DataFrame, path: Path, report: MappingReport) -> pl.DataFrame:
    """WGI in any of its three layouts: wide replication file, long dataset, DataBank."""
    report.notes.append(
        "WGI standard errors kept as their own series (wgi_<dimension>_se), "
        "to judge ex-post changes against them"
    )
    if {"Country Code", "Series Code"} <= set(df.columns):
        return _wgi_databank(df, report)
    require_columns(df, ["code", "year"], path, "WGI")
    df = _map_countries(
        df,
        report,
        {"columns": ["code"], "map": iso3_from_alpha3, "label": "countryname"},
        "WGI country code",
    )
    if {"indicator", "estimate"} <= set(df.columns):
        return _wgi_long(df, report)
    names = {
        f"{d}{s}": f"wgi_{name}{suffix}"
        for d, name in WGI_DIMENSIONS.items()
        for s, suffix in WGI_SUFFIXES.items()
        if f"{d}{s}" in df.columns
    }
    if not any(c.endswith("e") for c in names):
        require_columns(df, ["rle"], path, "WGI")
    return _numbers(df, ["country", "year"], names, report)


# The long WGI dataset (2023 on): one row per country, year and dimension.
WGI_LONG_VALUES = {
    "estimate": "",
    "stddev": "_se",
    "nsource": "_sources",
    "pctrank": "_rank",
    "pctranklower": "_rank_lower",
    "pctrankupper": "_rank_upper",
}
# World Bank DataBank series codes: RL.EST, RL.STD.ERR, RL.NO.SRC, RL.PER.RNK, ...
WGI_SERIES_SUFFIXES = {
    "EST": "",
    "STD.ERR": "_se",
    "NO.SRC": "_sources",
    "PER.RNK": "_rank",
    "PER.RNK.LOWER": "_rank_lower",
    "PER.RNK.UPPER": "_rank_upper",
}


def _wgi_series(dim: str | None, suffix: str | None) -> str | None:
    name = WGI_DIMENSIONS.get((dim or "").strip().lower())
    return None if name is None or suffix is None else f"wgi_{name}{suffix}"


def _long_values(long: pl.DataFrame, report: MappingReport) -> pl.DataFrame:
    """Rows with a series name and a value: unknown series unmapped, '..' and blanks dropped."""
    long = reject_where(
        long,
        pl.col("indicator").is_null(),
        report,
        "not a WGI series",
        kind=UNMAPPED,
        column="indicator",
    )
    text = pl.col("value").str.strip_chars()
    long = long.filter(text.is_not_null() & ~text.is_in(["", ".."]))
    long = long.with_columns(text.cast(pl.Float64, strict=False).alias("__num"))
    long = reject_where(
        long, pl.col("__num").is_null(), report, "value is not a number", column="value"
    )
    return long.with_columns(pl.col("__num").alias("value"))


def _wgi_long(df: pl.DataFrame, report: MappingReport) -> pl.DataFrame:
    cols = [c for c in WGI_LONG_VALUES if c in df.columns]
    long = df.unpivot(
        index=[ROW, "country", "year", "indicator"], on=cols, variable_name="column"
    ).rename({"indicator": "__dim"})
    series = {
        (d, c): _wgi_series(d, WGI_LONG_VALUES[c])
        for d, c in long.select("__dim", "column").unique().iter_rows()
    }
    long = long.with_columns(
        pl.struct("__dim", "column")
        .map_elements(lambda r: series[(r["__dim"], r["column"])], return_dtype=pl.String)
        .alias("indicator"),
        pl.concat_str(pl.col(ROW), pl.lit(":"), pl.col("column")).alias(ROW),
    )
    return _long_values(long, report)


def _wgi_databank(df: pl.DataFrame, report: MappingReport) -> pl.DataFrame:
    years = [c for c in df.columns if re.match(r"^\d{4}( \[YR\d{4}\])?$", c)]
    df = df.filter(pl.col("Country Code").is_not_null())
    df = _map_countries(
        df,
        report,
        {"columns": ["Country Code"], "map": iso3_from_alpha3, "label": "Country Name"},
        "WGI country code",
    )
    long = df.unpivot(
        index=[ROW, "country", "Series Code"], on=years, variable_name="column"
    ).with_columns(pl.col("column").str.slice(0, 4).alias("year"))
    series = {}
    for code in long.get_column("Series Code").unique().to_list():
        dim, _, rest = (code or "").partition(".")
        series[code] = _wgi_series(dim, WGI_SERIES_SUFFIXES.get(rest))
    long = long.with_columns(
        pl.col("Series Code").replace_strict(series, default=None).alias("indicator"),
        pl.concat_str(pl.col(ROW), pl.lit(":"), pl.col("column")).alias(ROW),
    )
    return _long_values(long, report)


# Full V-Dem files carry thousands of columns: indices (v2x...) load, their uncertainty
# and coder-level variants do not.
VDEM_SKIP = re.compile(r"_(codelow|codehigh|sd|mean|nr|ord|osp_codelow|osp_codehigh|osp_sd)$")


def _vdem(df: pl.DataFrame, path: Path, report: MappingReport) -> pl.DataFrame:
    require_columns(df, ["year"], path, "V-Dem")
    code = "country_text_id" if "country_text_id" in df.columns else None
    gw = "gwcode" if "gwcode" in df.columns else None
    if code is None and gw is None:
        require_columns(df, ["country_text_id"], path, "V-Dem")
    cols = [c for c in (code, gw) if c]

    def to_iso(*vals):
        iso = iso3_from_alpha3(vals[0]) if code else None
        if iso is None and gw:
            iso = iso3_from_gw(vals[-1])
        return iso

    df = _map_countries(
        df, report, {"columns": cols, "map": to_iso, "label": "country_name"}, "V-Dem country"
    )
    names = {
        c: VDEM_NAMES.get(c, f"vdem_{c}")
        for c in df.columns
        if c in VDEM_NAMES or (c.startswith("v2x") and not VDEM_SKIP.search(c))
    }
    skipped = [c for c in df.columns if c.startswith("v2") and c not in names]
    if skipped:
        report.notes.append(
            f"{len(skipped)} V-Dem column(s) not loaded (indicator-level, uncertainty or "
            "coder variants; only v2x indices are): " + ", ".join(skipped[:10])
        )
    return _numbers(df, ["country", "year"], names, report)


def _sipri(df: pl.DataFrame, path: Path, report: MappingReport) -> pl.DataFrame:
    require_columns(df, ["supplier", "recipient", "year", "value"], path, "SIPRI TIV")
    name = pl.col("recipient").str.strip_chars()
    df = reject_where(
        df,
        name.str.ends_with("**"),
        report,
        "recipient is an international organisation, not a country",
        kind=UNMAPPED,
        column="recipient",
    )
    df = reject_where(
        df,
        name.str.ends_with("*"),
        report,
        "recipient is a non-state actor, not a country",
        kind=UNMAPPED,
        column="recipient",
    )
    df = _map_countries(
        df,
        report,
        {"columns": ["recipient"], "map": iso3_from_name},
        "SIPRI recipient",
    )
    df = df.with_columns(
        pl.col("value").str.strip_chars().cast(pl.Float64, strict=False).alias("__v")
    )
    df = reject_where(
        df, pl.col("__v").is_null(), report, "value (TIV) is not a number", column="value"
    )
    out = df.group_by("country", "year").agg(
        pl.col("__v").sum().alias("value"), pl.col(ROW).first().alias(ROW), pl.len().alias("n")
    )
    report.normalise("supplier rows summed into recipient-years", df.height - out.height)
    return out.with_columns(pl.lit("sipri_arms_imports_tiv").alias("indicator")).sort(
        "country", "year"
    )


def _coups(df: pl.DataFrame, path: Path, report: MappingReport) -> pl.DataFrame:
    if {"ccode", "coup"} <= set(df.columns) and "gwcode" not in df.columns:
        return _coup_events(df, path, report)
    require_columns(df, ["gwcode", "year"], path, "Powell & Thyne coups")
    series = {
        "pt_attempt_num": "coup_attempts",
        "pt_coup_num": "coups_successful",
        "pt_failed_num": "coups_failed",
    }
    series = {k: v for k, v in series.items() if k in df.columns}
    if not series:
        require_columns(df, ["pt_attempt"], path, "Powell & Thyne coups")
        series = {"pt_attempt": "coup_attempts"}
    df = _map_countries(
        df,
        report,
        {"columns": ["gwcode"], "map": iso3_from_gw, "name": gw_label},
        "Gleditsch-Ward code",
    )
    long = _numbers(df, ["country", "year"], series, report)
    # Two GW states can share an ISO3 in one year (German Federal Republic 260 and
    # Germany 255 in 1990): attempts add up.
    out = long.group_by("country", "year", "indicator").agg(
        pl.col("value").sum(), pl.col(ROW).first()
    )
    report.normalise("GW states merged into one ISO3 country-year", long.height - out.height)
    return out.sort("country", "year", "indicator")


# Correlates of War codes that differ from Gleditsch-Ward for the same current country.
COW_TO_ISO3 = {255: "DEU", 679: "YEM", 816: "VNM", 365: "RUS", 345: "SRB"}


def _coup_events(df: pl.DataFrame, path: Path, report: MappingReport) -> pl.DataFrame:
    """Powell & Thyne's event file (one row per coup attempt, coup 1 failed, 2 successful)."""
    require_columns(df, ["ccode", "year", "coup"], path, "Powell & Thyne coups")
    df = df.rename({"country": "__name"}) if "country" in df.columns else df
    name = "__name" if "__name" in df.columns else "ccode"

    def to_iso(ccode, country=None):
        try:
            iso = COW_TO_ISO3.get(int(ccode))
        except (TypeError, ValueError):
            iso = None
        return iso or iso3_from_gw(ccode) or iso3_from_name(country or "")

    cols = ["ccode", name] if name != "ccode" else ["ccode"]
    df = _map_countries(df, report, {"columns": cols, "map": to_iso}, "COW country code")
    df = reject_where(
        df,
        ~pl.col("coup").str.strip_chars().is_in(["1", "2"]),
        report,
        "coup is neither 1 (failed) nor 2 (successful)",
        column="coup",
    )
    coup = pl.col("coup").str.strip_chars()
    agg = df.group_by("country", "year").agg(
        pl.len().cast(pl.Float64).alias("coup_attempts"),
        (coup == "2").sum().cast(pl.Float64).alias("coups_successful"),
        (coup == "1").sum().cast(pl.Float64).alias("coups_failed"),
        pl.col(ROW).first(),
    )
    report.notes.append(
        "coup events counted per country-year; years without a coup have no row "
        "(load the country-year file for explicit zeros)"
    )
    return agg.unpivot(
        index=["country", "year", ROW],
        on=["coup_attempts", "coups_successful", "coups_failed"],
        variable_name="indicator",
    ).sort("country", "year", "indicator")


def _acd(df: pl.DataFrame, path: Path, report: MappingReport) -> pl.DataFrame:
    require_columns(df, ["conflict_id", "year", "gwno_a", "intensity_level"], path, "UCDP ACD")
    df = df.with_columns(pl.col("gwno_a").str.split(",")).explode("gwno_a")
    df = df.with_columns(pl.col("gwno_a").str.strip_chars())
    df = _map_countries(
        df,
        report,
        {"columns": ["gwno_a"], "map": iso3_from_gw, "name": gw_label},
        "Gleditsch-Ward code",
    )
    df = df.with_columns(pl.col("intensity_level").cast(pl.Float64, strict=False))
    df = reject_where(
        df,
        pl.col("intensity_level").is_null(),
        report,
        "intensity_level is not a number",
        column="intensity_level",
    )
    agg = df.group_by("country", "year").agg(
        pl.col("conflict_id").n_unique().cast(pl.Float64).alias("ucdp_armed_conflicts"),
        pl.col("intensity_level").max().alias("ucdp_conflict_intensity"),
        pl.col(ROW).first(),
    )
    return agg.unpivot(
        index=["country", "year", ROW],
        on=["ucdp_armed_conflicts", "ucdp_conflict_intensity"],
        variable_name="indicator",
    ).sort("country", "year", "indicator")
