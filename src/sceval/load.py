"""Loading input files into the warehouse: all-or-nothing per call, with SHA-256 provenance.

A file maps to the table it is named after (`programs.csv` -> `programs`). Files are read
into typed frames, checked against the contracts, and written in one DuckDB transaction:
a load that fails for any reason leaves the warehouse exactly as it was.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from sceval import __version__
from sceval.errors import InvalidDataError, UsageError
from sceval.project import Project, sha256_file
from sceval.warehouse import ensure_schema

SUPPORTED = {".csv", ".parquet", ".xlsx", ".tsv", ".txt"}
POLARS_TYPES = {
    "str": pl.String,
    "int": pl.Int64,
    "float": pl.Float64,
    "bool": pl.Boolean,
    "date": pl.Date,
}


@dataclass
class InputFile:
    """One file to load and the table it feeds."""

    path: Path
    table: str
    sheet: str | None = None


@dataclass
class LoadResult:
    """What a load wrote: rows per table and the files' hashes."""

    load_id: str
    rows: dict[str, int] = field(default_factory=dict)
    files: list[dict] = field(default_factory=list)


def discover(paths: Sequence[str | os.PathLike[str]], project: Project) -> list[InputFile]:
    """The input files named by PATH arguments (files or folders), each mapped to its table."""
    out: list[InputFile] = []
    for raw in paths:
        p = Path(raw)
        if not p.exists():
            raise UsageError(f"{p}: no such file or folder")
        if p.is_dir():
            found = sorted(f for f in p.iterdir() if f.is_file() and f.suffix.lower() in SUPPORTED)
            if not found:
                raise UsageError(f"{p}: folder holds no CSV, Parquet or XLSX file")
            for f in found:
                out.extend(_map_file(f, project))
        else:
            out.extend(_map_file(p, project))
    return out


def _map_file(path: Path, project: Project) -> list[InputFile]:
    if path.suffix.lower() not in SUPPORTED:
        raise UsageError(
            f"{path}: unsupported file type {path.suffix!r}; expected .csv, .parquet or .xlsx"
        )
    table = path.stem
    if table not in project.contracts:
        raise UsageError(
            f"{path}: names no known table; name the file after one of: {', '.join(project.contracts)}"
        )
    return [InputFile(path, table)]


def read_frame(f: InputFile, project: Project) -> pl.DataFrame:
    """A typed frame with exactly the contract's columns, in order."""
    contract = project.contract(f.table)
    schema = {c.name: POLARS_TYPES[c.type] for c in contract.columns}
    suffix = f.path.suffix.lower()
    try:
        if suffix == ".parquet":
            df = pl.read_parquet(f.path)
        else:
            df = pl.read_csv(f.path, infer_schema=False)
    except Exception as exc:  # noqa: BLE001 - reader errors become one clear line
        raise InvalidDataError(
            f"{f.path}: cannot read as {suffix[1:]} ({str(exc).splitlines()[0]})"
        ) from None
    missing = [c for c in schema if c not in df.columns]
    if missing:
        raise InvalidDataError(f"{f.path}: table {f.table}: missing column(s) {', '.join(missing)}")
    try:
        return df.select([pl.col(c).cast(t, strict=True) for c, t in schema.items()])
    except pl.exceptions.PolarsError as exc:
        raise InvalidDataError(f"{f.path}: table {f.table}: {str(exc).splitlines()[0]}") from None


def insert_batch(
    con: duckdb.DuckDBPyConnection,
    project: Project,
    frames: Iterable[tuple[InputFile, pl.DataFrame]],
    *,
    source_format: str | None = None,
) -> LoadResult:
    """Write every frame in one transaction; on any error, roll back and re-raise."""
    result = LoadResult(load_id=uuid.uuid4().hex[:12])
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    ensure_schema(con, project)
    con.execute("BEGIN TRANSACTION")
    try:
        for f, df in frames:
            contract = project.contract(f.table)
            verb = "INSERT OR REPLACE" if contract.key else "INSERT"
            con.register("_sceval_batch", df)
            con.execute(f'{verb} INTO "{f.table}" BY NAME SELECT * FROM _sceval_batch')
            con.unregister("_sceval_batch")
            result.rows[f.table] = result.rows.get(f.table, 0) + df.height
            digest = sha256_file(f.path)
            result.files.append(
                {"table": f.table, "file": str(f.path), "sha256": digest, "rows": df.height}
            )
            con.execute(
                "INSERT INTO loads VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    result.load_id,
                    now,
                    f.table,
                    str(f.path.resolve()),
                    digest,
                    df.height,
                    source_format,
                    __version__,
                ],
            )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return result


def load_paths(
    con: duckdb.DuckDBPyConnection, project: Project, paths: Sequence[str | os.PathLike[str]]
) -> LoadResult:
    """Discover, read, validate and load files; nothing is written unless all of them pass."""
    files = discover(paths, project)
    frames = [(f, read_frame(f, project)) for f in files]
    try:
        return insert_batch(con, project, frames)
    except duckdb.ConstraintException as exc:
        raise InvalidDataError(
            f"load refused, nothing stored: {str(exc).splitlines()[0]}"
        ) from None


def load_command(
    paths: Sequence[str | os.PathLike[str]],
    *,
    db: str | os.PathLike[str] | None,
    project: Project,
    source: str | None = None,
    accept_partial: bool = False,
    rejects: str | os.PathLike[str] | None = None,
    report_json: str | os.PathLike[str] | None = None,
) -> LoadResult:
    """`sceval load`: table files go through the contracts; `--from SOURCE` through an adapter."""
    from rich.console import Console

    from sceval.warehouse import open_warehouse

    console = Console()
    if source is not None or accept_partial:
        # Source formats (IATI, UCDP, ACLED, WGI, V-Dem, SIPRI, coups, FMTR) map through an adapter.
        from sceval.adapters import load_from_source

        return load_from_source(
            paths,
            db=db,
            project=project,
            source=source,
            accept_partial=accept_partial,
            rejects=rejects,
            report_json=report_json,
            console=console,
        )
    con = open_warehouse(db, project)
    try:
        result = load_paths(con, project, paths)
    finally:
        con.close()
    console.print("loaded " + ", ".join(f"{n} rows into {t}" for t, n in result.rows.items()))
    return result
