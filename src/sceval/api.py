"""The Python API for analysts: a warehouse, a run, its results as Polars frames.

    import sceval

    wh = sceval.open("sceval.duckdb")          # the warehouse file (created if missing)
    wh.load("seeds/data")                      # validated, all-or-nothing
    run_id = wh.run(as_of="2026-06-30")        # indicators, partnership scores, do-no-harm
    res = wh.results()                         # the latest run
    res.indicator_results.filter(status="red")

Every method opens the warehouse for the duration of the call only, so the CLI and other
processes can use the same file in between.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from sceval.errors import UsageError
from sceval.project import Project

__all__ = ["Results", "Warehouse", "open"]


@dataclass(frozen=True)
class Results:
    """The result tables of one run, as Polars frames (SPEC §4)."""

    run_id: str
    indicator_results: pl.DataFrame
    partnership_scores: pl.DataFrame
    dnh_findings: pl.DataFrame


def _date(value: dt.date | str | None) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise UsageError(f"as_of {value!r}: expected a date as YYYY-MM-DD") from None


class Warehouse:
    """A sceval warehouse file and the project (catalogue, contracts) used with it."""

    def __init__(
        self,
        db: str | os.PathLike[str] = "sceval.duckdb",
        *,
        project: str | os.PathLike[str] | Project | None = None,
    ) -> None:
        self.path = Path(db)
        self.project = project if isinstance(project, Project) else Project.find(project)

    def __repr__(self) -> str:
        return f"Warehouse({str(self.path)!r}, project={str(self.project.root)!r})"

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection for the length of a `with` block (schema ensured)."""
        from sceval.warehouse import open_warehouse

        con = open_warehouse(self.path, self.project)
        try:
            yield con
        finally:
            con.close()

    def load(self, *paths: str | os.PathLike[str]) -> dict[str, int]:
        """Validate and load table files or folders (all or nothing); rows loaded per table."""
        from sceval.load import load_paths

        with self.connect() as con:
            return dict(load_paths(con, self.project, list(paths)).rows)

    def run(
        self,
        as_of: dt.date | str | None = None,
        *,
        program: str | None = None,
        pipeline: str | None = None,
        steps: Sequence[str] = ("indicators", "partnership", "dnh"),
    ) -> str:
        """Compute a run (default: the pipeline's as-of rule, usually today); its run id."""
        from sceval.pipeline import execute, load_pipeline

        pipe = load_pipeline(self.project, pipeline)
        day = pipe.resolve_as_of(_date(as_of))
        with self.connect() as con:
            return execute(
                con,
                self.project,
                pipeline=pipe,
                as_of=day,
                program=program,
                steps=tuple(steps),
                command="api",
            )

    def latest_run(self) -> str | None:
        """Id of the most recent finished run."""
        from sceval.runs import latest_run

        with self.connect() as con:
            return latest_run(con)

    def _table(self, con, table: str, run_id: str) -> pl.DataFrame:
        df = con.sql(f'SELECT * FROM "{table}" WHERE run_id = $1', params=[run_id]).pl()
        return df

    def results(self, run_id: str | None = None) -> Results:
        """The result tables of a run (default: the latest finished one)."""
        from sceval.runs import latest_run

        with self.connect() as con:
            rid = run_id or latest_run(con)
            if rid is None:
                raise UsageError(f"{self.path}: no finished run yet; call run() first")
            if not con.execute("SELECT count(*) FROM runs WHERE run_id = ?", [rid]).fetchall()[0][
                0
            ]:
                raise UsageError(f"{self.path}: no run {rid!r}")
            return Results(
                rid,
                self._table(con, "indicator_results", rid).sort(
                    ["indicator_id", "program_id", "period", "dimension", "dimension_value"],
                    nulls_last=False,
                ),
                self._table(con, "partnership_scores", rid),
                self._table(con, "dnh_findings", rid),
            )

    def indicators(
        self,
        run_id: str | None = None,
        *,
        totals: bool = True,
        program: str | None = None,
        period: str | None = None,
    ) -> pl.DataFrame:
        """Indicator results of a run: totals only (default) or every disaggregation; every
        reporting period, or one (`cumulative`, `2026Q2`, ...)."""
        df = self.results(run_id).indicator_results
        if totals:
            df = df.filter(pl.col("dimension").is_null())
        if program is not None:
            df = df.filter(pl.col("program_id") == program)
        if period is not None:
            df = df.filter(pl.col("period") == period)
        return df

    def catalogue(self) -> pl.DataFrame:
        """The indicator catalogue, one row per indicator."""
        from sceval.indicators.catalogue import load_catalogue

        rows = [
            {
                "id": ind.id,
                "name": ind.name,
                "kind": ind.kind,
                "dac_criterion": ind.raw["dac_criterion"],
                "unit": ind.unit,
                "direction": ind.direction,
                "min_n": ind.min_n,
                "baseline": None if ind.baseline is None else float(ind.baseline),
                "target": None if ind.target is None else float(ind.target),
                "green": ind.green,
                "amber": ind.amber,
                "compute": f"python:{ind.function}" if ind.function else ind.simple["aggregate"],
                "source": str(ind.raw["source"]).strip(),
            }
            for ind in load_catalogue(self.project).values()
        ]
        return pl.DataFrame(rows)

    def runs(self) -> pl.DataFrame:
        """Every recorded run with its provenance."""
        with self.connect() as con:
            return con.sql("SELECT * FROM runs ORDER BY started_at, run_id").pl()

    def sql(self, query: str) -> pl.DataFrame:
        """Any read query on the warehouse, as a Polars frame."""
        with self.connect() as con:
            return con.sql(query).pl()

    def export(
        self,
        out_dir: str | os.PathLike[str],
        run_id: str | None = None,
        *,
        include_person_ids: bool = False,
    ) -> list[Path]:
        """Write a run's results as CSV, Parquet, JSON and XLSX (formulas neutralised; no
        person ids in findings' evidence unless `include_person_ids`, recorded on the run)."""
        from sceval.indicators.export import export_results
        from sceval.runs import latest_run

        with self.connect() as con:
            rid = run_id or latest_run(con)
            if rid is None:
                raise UsageError(f"{self.path}: no finished run to export")
            return export_results(con, rid, Path(out_dir), include_person_ids=include_person_ids)


def open(
    db: str | os.PathLike[str] = "sceval.duckdb",
    *,
    project: str | os.PathLike[str] | Project | None = None,
) -> Warehouse:
    """Open (or create) a warehouse file for analysis."""
    return Warehouse(db, project=project)
