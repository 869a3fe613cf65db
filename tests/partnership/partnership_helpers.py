"""Helpers for the partnership tests: Table 1 files, warehouses with ratings, score lookups."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parents[2]
SHARED_TABLE1 = ROOT.parent / "shared" / "data" / "attina2005" / "partnership_ratings.csv"
SEED_RATINGS = ROOT / "seeds" / "data" / "partnership_ratings.csv"
CASES = ["europe", "east_asia", "central_asia", "africa", "eu_neighbourhood"]


def table1_file(tmp: Path) -> Path:
    """Table 1 as shipped in ../shared, else the identical Attinà rows of the seed file."""
    if SHARED_TABLE1.is_file():
        return SHARED_TABLE1
    lines = SEED_RATINGS.read_bytes().split(b"\r\n")
    out = tmp / "partnership_ratings.csv"
    out.write_bytes(b"\r\n".join(lines[:76]) + b"\r\n")
    return out


def table1_rows(path: Path) -> list[dict]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def ratings_warehouse(project, db: Path, ratings: Path, extra: list[Path] = ()):
    """A warehouse with these ratings (and other table files) inserted as plain rows.

    The contract-checked path (`sceval load`) has its own test; inserting directly keeps these
    tests fast (no Great Expectations start-up).
    """
    from sceval.warehouse import open_warehouse

    con = open_warehouse(db, project)
    for path in [ratings, *extra]:
        table = path.stem
        cols = [c.name for c in project.contract(table).columns]
        types = {c.name: c.sql_type for c in project.contract(table).columns}
        select = ", ".join(f'CAST("{c}" AS {types[c]}) AS "{c}"' for c in cols)
        # Read by Polars: sceval's warehouse connections have no file access (read_csv).
        con.register("_rows", pl.read_csv(path, infer_schema=False).to_arrow())
        con.execute(f'INSERT INTO "{table}" BY NAME SELECT {select} FROM _rows')
        con.unregister("_rows")
    return con


def score_run(con, project, model: str | None = None) -> str:
    """Score partnerships in a recorded run; return its id."""
    from sceval.pipeline import execute, load_pipeline

    return execute(
        con,
        project,
        pipeline=load_pipeline(project),
        as_of=dt.date(2026, 6, 30),
        steps=("partnership",),
        command="score",
        model=model,
    )


def scores(con, run_id: str, level: str) -> dict:
    """{key: score} for one level; key = case, (case, dimension) or (case, item)."""
    q = "SELECT case_id, dimension_id, item_id, score FROM partnership_scores WHERE run_id = ? AND level = ? AND source = 'expert'"
    out = {}
    for case_id, dim, item, score in con.execute(q, [run_id, level]).fetchall():
        if level == "item":
            out[(case_id, item)] = score
        elif level == "dimension":
            out[(case_id, dim)] = score
        else:
            out[case_id] = score
    return out
