"""The baselines the engine is measured against: what DuckDB, Polars or pandas do by hand.

Each baseline computes the same thing as the engine step it is grouped with, written the
way a competent analyst would write it with the library alone, without sceval.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import duckdb

from sceval.project import Project, TableContract

SQL_TYPES = {
    "str": "VARCHAR",
    "int": "BIGINT",
    "float": "DOUBLE",
    "bool": "BOOLEAN",
    "date": "DATE",
}


def reader(path: Path) -> str:
    """DuckDB's own reader of a CSV or Parquet file, as a table expression."""
    if path.suffix == ".parquet":
        return f"read_parquet('{path}')"
    return f"read_csv('{path}', header = true)"


def raw_load(db: Path, files: Sequence[Path]) -> dict[str, int]:
    """DuckDB's own read_csv/read_parquet into one table per file (no contract, no checks)."""
    con = duckdb.connect(str(db))
    try:
        out = {}
        for f in files:
            con.execute(f'CREATE TABLE "{f.stem}" AS SELECT * FROM {reader(f)}')
            out[f.stem] = con.execute(f'SELECT count(*) FROM "{f.stem}"').fetchone()[0]
        con.execute("CHECKPOINT")
        return out
    finally:
        con.close()


def _quote(v: str) -> str:
    return "'" + str(v).replace("'", "''") + "'"


def _column_checks(contract: TableContract, codes: dict[str, list[str]]) -> list[tuple[str, str]]:
    """(check name, SQL boolean that is TRUE on a violating row) for every column rule."""
    checks = []
    for c in contract.columns:
        col = f'"{c.name}"'
        typed = f"TRY_CAST({col} AS {SQL_TYPES[c.type]})"
        checks.append((f"{c.name}:type", f"{col} IS NOT NULL AND {typed} IS NULL"))
        if not c.nullable:
            checks.append((f"{c.name}:not_null", f"{col} IS NULL"))
        if c.values:
            allowed = ", ".join(_quote(v) for v in c.values)
            checks.append((f"{c.name}:values", f"{col}::VARCHAR NOT IN ({allowed})"))
        if c.min is not None:
            checks.append((f"{c.name}:min", f"{typed} < {c.min}"))
        if c.max is not None:
            checks.append((f"{c.name}:max", f"{typed} > {c.max}"))
        if c.min_column:
            other = f'TRY_CAST("{c.min_column}" AS {SQL_TYPES[c.type]})'
            checks.append((f"{c.name}:min_column", f"{typed} < {other}"))
        if c.format in codes:
            allowed = ", ".join(_quote(v) for v in codes[c.format])
            checks.append((f"{c.name}:format", f"{col}::VARCHAR NOT IN ({allowed})"))
    return checks


def _codes() -> dict[str, list[str]]:
    import pycountry

    return {
        "iso3166_alpha3": sorted(c.alpha_3 for c in pycountry.countries),
        "iso4217": sorted(c.alpha_3 for c in pycountry.currencies),
    }


def sql_validate(files: Sequence[Path], project: Project) -> dict[str, int]:
    """Every contract rule of every file as raw DuckDB SQL: violations per rule (0 = valid).

    One scan per file for the column rules, one GROUP BY for the key, one anti-join per
    reference (against the other files of the same call), as an analyst would write it.
    """
    con = duckdb.connect()
    codes = _codes()
    by_table = {f.stem: f for f in files}
    out: dict[str, int] = {}
    try:
        for table, f in by_table.items():
            contract = project.contract(table)
            src = reader(f)
            checks = _column_checks(contract, codes)
            select = ", ".join(f"count_if({cond})" for _, cond in checks)
            counts = con.execute(f"SELECT {select} FROM {src}").fetchone()
            out.update({f"{table}.{name}": n for (name, _), n in zip(checks, counts, strict=True)})
            if contract.key:
                key = ", ".join(f'"{k}"' for k in contract.key)
                out[f"{table}:key"] = con.execute(
                    f"SELECT count(*) FROM (SELECT {key} FROM {src} GROUP BY ALL HAVING count(*) > 1)"
                ).fetchone()[0]
            for c in contract.columns:
                if not c.references:
                    continue
                ref_table, ref_col = c.references.split(".")
                if ref_table not in by_table:
                    continue
                ref = reader(by_table[ref_table])
                out[f"{table}.{c.name}:references"] = con.execute(
                    f'SELECT count(*) FROM {src} t ANTI JOIN {ref} r ON t."{c.name}" = r."{ref_col}" '
                    f'WHERE t."{c.name}" IS NOT NULL'
                ).fetchone()[0]
        if "participants" in by_table and "activities" in by_table:
            # The table rule participants_activity_kind: only training, education, exercise.
            out["participants:activity_kind"] = con.execute(
                f"SELECT count(*) FROM {reader(by_table['participants'])} p "
                f"JOIN {reader(by_table['activities'])} a USING (activity_id) "
                "WHERE a.kind NOT IN ('training', 'education', 'exercise')"
            ).fetchone()[0]
        return out
    finally:
        con.close()


# --- the five core indicators in plain pandas -------------------------------------------------

CORE5 = (
    "training_completion_rate",
    "women_share_participants",
    "learning_gain",
    "vetting_coverage",
    "absorption_rate",
)
PERSON_DIMS = ("sex", "age_band", "rank_group", "activity_kind", "country", "provider")
# The engine projects on-the-fly indicators from their value this many days earlier.
TREND_DAYS = 182
Z = 1.959963984540054


def _pandas_participants(con: duckdb.DuckDBPyConnection):
    """Participants with their activity, program and unit columns, as an analyst would merge them."""
    import pandas as pd

    p = con.sql("SELECT * FROM participants").df()
    a = con.sql(
        "SELECT activity_id, program_id, kind AS activity_kind, actual_start, actual_end "
        "FROM activities"
    ).df()
    g = con.sql("SELECT program_id, provider, partner_country FROM programs").df()
    u = con.sql("SELECT unit_id, partner_country AS unit_country FROM units").df()
    df = p.merge(a, on="activity_id", how="left").merge(g, on="program_id", how="left")
    df = df.merge(u, on="unit_id", how="left")
    df["country"] = df["unit_country"].fillna(df["partner_country"])
    df["age_band"] = (
        pd.cut(df["age"], [-1, 24, 34, 44, 200], labels=["16-24", "25-34", "35-44", "45+"])
        .astype("string")
        .fillna("unknown")
    )
    return df


def _pandas_indicator(df, ind: str, day):
    """(mask, numerator-or-value series, 'share'|'mean', dimensions) of one core indicator."""
    import pandas as pd

    day = pd.Timestamp(day)
    ended = df["actual_end"].notna() & (df["actual_end"] <= day)
    started = df["actual_start"].notna() & (df["actual_start"] <= day)
    if ind == "training_completion_rate":
        mask = ended & df["activity_kind"].isin(["training", "education", "exercise"])
        return mask, df["completed"], "share", PERSON_DIMS
    if ind == "women_share_participants":
        mask = started & df["sex"].isin(["F", "M", "X"])
        return mask, df["sex"] == "F", "share", PERSON_DIMS[1:]
    if ind == "learning_gain":
        mask = ended & df["pre_score"].notna() & df["post_score"].notna()
        return mask, df["post_score"] - df["pre_score"], "mean", PERSON_DIMS
    if ind == "vetting_coverage":
        return started, df["vetted"], "share", PERSON_DIMS
    if ind == "absorption_rate":
        mask = ended & df["completed"] & (df["actual_end"] <= day - pd.Timedelta(days=30))
        x = df["posted_within_days"].notna() & (df["posted_within_days"] <= 30)
        return mask, x, "share", PERSON_DIMS
    raise KeyError(ind)


def pandas_core5(con: duckdb.DuckDBPyConnection, as_of) -> pd.DataFrame:  # noqa: F821
    """The five core indicators per program and per disaggregation, with 95% intervals,
    at as-of and at as-of minus the trend window (for the projection), in plain pandas."""
    import datetime as dt

    import numpy as np
    import pandas as pd

    df = _pandas_participants(con)
    out = []
    for day in (as_of, as_of - dt.timedelta(days=TREND_DAYS)):
        for ind in CORE5:
            mask, x, how, dims = _pandas_indicator(df, ind, day)
            sub = df.loc[mask, ["participant_id", "program_id", *PERSON_DIMS]].copy()
            sub["x"] = x[mask].astype("float64")
            for dim in (None, *dims):
                keys = ["program_id"] if dim is None else ["program_id", dim]
                if dim is not None:
                    sub[dim] = sub[dim].astype("string").fillna("unknown")
                rows = sub
                if how == "mean":
                    # A mean counts persons, as the engine does: one mean per person and cell
                    # first (a person trained twice in a program is one observation).
                    rows = sub.groupby([*keys, "participant_id"], observed=True, as_index=False)[
                        "x"
                    ].mean()
                g = rows.groupby(keys, observed=True).agg(
                    numerator=("x", "sum"),
                    n=("x", "count"),
                    sd=("x", "std"),
                    persons=("participant_id", "nunique"),
                )
                g = g.reset_index()
                if how == "share":
                    p = g["numerator"] / g["n"]
                    centre = (p + Z**2 / (2 * g["n"])) / (1 + Z**2 / g["n"])
                    half = (
                        Z
                        * np.sqrt(p * (1 - p) / g["n"] + Z**2 / (4 * g["n"] ** 2))
                        / (1 + Z**2 / g["n"])
                    )
                    g["value"], g["ci_low"], g["ci_high"] = p, centre - half, centre + half
                else:
                    g["value"] = g["numerator"] / g["n"]
                    half = Z * g["sd"] / np.sqrt(g["n"])
                    g["ci_low"], g["ci_high"] = g["value"] - half, g["value"] + half
                g["denominator"] = g["n"].astype("float64")
                g["indicator_id"], g["as_of"] = ind, day
                g["dimension"] = dim
                if dim is not None:
                    g = g.rename(columns={dim: "dimension_value"})
                out.append(g)
    return pd.concat(out, ignore_index=True)
