"""Helpers for the contract tests: the CLI in-process (GX imported once per worker), warehouse snapshots."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import duckdb
import polars as pl
import pytest

from sceval.project import Project

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
VALID = FIXTURES / "valid"
BAD = FIXTURES / "bad"


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    """`sceval ARGS` through `sceval.cli.main`, as the console script runs it; (code, out, err)."""
    from sceval.cli import main

    capsys.readouterr()
    try:
        main(list(args))
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def cli(capsys, monkeypatch):
    """Run the CLI in this process (for speed: GX is imported once per test worker)."""
    monkeypatch.delenv("SCEVAL_DB", raising=False)
    monkeypatch.delenv("SCEVAL_PROJECT", raising=False)
    monkeypatch.setattr(sys, "argv", ["sceval"])
    return lambda *args: run_cli(capsys, *args)


def snapshot(db: Path) -> dict[str, pl.DataFrame]:
    """Every table's rows, sorted, from the file on disk."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        names = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()]
        return {n: con.sql(f'SELECT * FROM "{n}" ORDER BY ALL').pl() for n in sorted(names)}
    finally:
        con.close()


def same(a: dict[str, pl.DataFrame], b: dict[str, pl.DataFrame]) -> bool:
    return a.keys() == b.keys() and all(a[k].equals(b[k]) for k in a)


@pytest.fixture(scope="session")
def loaded_template(tmp_path_factory, project: Project) -> Path:
    """A warehouse holding the valid fixture set, built once per session."""
    from sceval.load import load_paths
    from sceval.warehouse import open_warehouse

    db = tmp_path_factory.mktemp("template") / "wh.duckdb"
    con = open_warehouse(db, project)
    try:
        load_paths(con, project, [VALID])
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return db


@pytest.fixture
def loaded_db(loaded_template: Path, tmp_path: Path) -> Path:
    """A private copy of the loaded warehouse."""
    db = tmp_path / "wh.duckdb"
    shutil.copy(loaded_template, db)
    return db
