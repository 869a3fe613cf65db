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
