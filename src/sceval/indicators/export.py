"""Exporting a run's results: CSV, Parquet, JSON and XLSX, byte-identical for the same inputs.

The files hold the result rows without the run id (which changes with every run); the run's
provenance (as-of date, engine version, catalogue hash, input files' SHA-256) goes to
`provenance.json` beside them. Findings' evidence carries no person ids (a count instead,
`evidence_count`) unless the export is made with `include_person_ids`. Text that a
spreadsheet would read as a formula (starting with =, +, -, @, tab or carriage return) is
neutralised: prefixed with an apostrophe in CSV, written as a string cell in XLSX.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb
import polars as pl

from sceval.disclosure import record_person_ids, redact_evidence
from sceval.errors import UsageError
from sceval.safe_text import csv_safe

TABLES = {
    "indicator_results": ["indicator_id", "program_id", "period", "dimension", "dimension_value"],
    "partnership_scores": ["model_id", "case_id", "level", "dimension_id", "item_id"],
    "dnh_findings": ["check_id", "program_id", "unit_id"],
}
FIXED_TIME = dt.datetime(2000, 1, 1)  # XLSX document properties: no wall-clock time in files


def _table(con: duckdb.DuckDBPyConnection, name: str, run_id: str) -> pl.DataFrame:
    exists = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [name]
    ).fetchall()[0][0]
    if not exists:
        return pl.DataFrame()
    df = con.sql(f'SELECT * FROM "{name}" WHERE run_id = $1', params=[run_id]).pl()
    keys = [k for k in TABLES[name] if k in df.columns]
    others = [c for c in df.columns if c not in keys and c != "run_id"]
    return df.drop("run_id").sort(keys + others, nulls_last=False, maintain_order=True)


def _json_value(v):
    if isinstance(v, dt.date | dt.datetime):
        return v.isoformat()
    if isinstance(v, float) and v != v:
        return None
    return v


def write_xlsx(sheets: dict[str, pl.DataFrame], path: Path) -> None:
    """One sheet per table; strings always as string cells (never formulas or links)."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(
        str(path),
        {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False},
    )
    wb.set_properties({"created": FIXED_TIME})
    datefmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    for name, df in sheets.items():
        ws = wb.add_worksheet(name[:31])
        for j, col in enumerate(df.columns):
            ws.write_string(0, j, col)
        for i, row in enumerate(df.iter_rows(), start=1):
            for j, v in enumerate(row):
                if v is None or (isinstance(v, float) and v != v):
                    continue
                if isinstance(v, bool):
                    ws.write_boolean(i, j, v)
                elif isinstance(v, int | float):
                    ws.write_number(i, j, v)
                elif isinstance(v, dt.datetime):
                    ws.write_string(i, j, v.isoformat(sep=" "))
                elif isinstance(v, dt.date):
                    ws.write_datetime(i, j, dt.datetime(v.year, v.month, v.day), datefmt)
                elif isinstance(v, list):
                    ws.write_string(i, j, ";".join(str(x) for x in v))
                else:
                    ws.write_string(i, j, str(v))
    wb.close()


def export_results(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    out_dir: Path,
    *,
    include_person_ids: bool = False,
) -> list[Path]:
    """Write the run's result tables to out_dir as CSV, Parquet, JSON and one XLSX workbook.

    Findings carry `evidence_count`; evidence ids of persons are left out unless
    `include_person_ids` (authorised internal use), which is then recorded on the run.
    """
    row = con.execute(
        "SELECT run_id, CAST(as_of AS VARCHAR), command, pipeline, program_filter, engine_version, "
        "catalogue_hash, CAST(input_files AS VARCHAR), status FROM runs WHERE run_id = ?",
        [run_id],
    ).fetchall()
    row = row[0] if row else None
    if row is None:
        raise UsageError(f"no run {run_id!r} in the warehouse")
    if include_person_ids:
        record_person_ids(con, run_id)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    sheets: dict[str, pl.DataFrame] = {}
    for name in TABLES:
        df = _table(con, name, run_id)
        if df.width == 0:
            continue
        if name == "dnh_findings":
            df = redact_evidence(df, include_person_ids=include_person_ids)
        sheets[name] = df
        csv = out / f"{name}.csv"
        csv_safe(df).write_csv(csv)
        parquet = out / f"{name}.parquet"
        df.write_parquet(parquet, statistics=False)
        js = out / f"{name}.json"
        records = [{k: _json_value(v) for k, v in r.items()} for r in df.iter_rows(named=True)]
        js.write_text(json.dumps(records, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        written += [csv, parquet, js]
    xlsx = out / "results.xlsx"
    write_xlsx(sheets, xlsx)
    # Provenance without what changes from run to run (run id, clock times, folders), so that
    # the same inputs give the same bytes in every exported file; the run id is in `runs`.
    _, as_of, _command, pipeline, program, version, cat_hash, inputs, _status = row
    prov = {
        "as_of": as_of,
        "pipeline": pipeline,
        "program": program,
        "engine_version": version,
        "catalogue_hash": cat_hash,
        "include_person_ids": include_person_ids,
        "inputs": sorted(
            (
                {
                    "table": f["table"],
                    "file": Path(f["file"]).name,
                    "sha256": f["sha256"],
                    "rows": f["rows"],
                }  # fmt: skip
                for f in json.loads(inputs)
            ),
            key=lambda f: (f["table"], f["file"], f["sha256"]),
        ),
    }
    prov_path = out / "provenance.json"
    prov_path.write_text(json.dumps(prov, indent=1) + "\n", encoding="utf-8")
    return [*written, xlsx, prov_path]
