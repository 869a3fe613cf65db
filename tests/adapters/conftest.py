"""Helpers for the adapter tests: load in-process with a captured console."""

from __future__ import annotations

import io
import json
from pathlib import Path

import duckdb
import pytest
from rich.console import Console


class Loaded:
    """What one adapter load produced: console text, the JSON report, the warehouse."""

    def __init__(self, db: Path, out: str, report: dict | None):
        self.db = db
        self.out = out
        self.report = report

    def sql(self, q: str, params=None):
        with duckdb.connect(str(self.db), read_only=True) as con:
            return con.execute(q, params or []).fetchall()

    def one(self, q: str, params=None):
        return self.sql(q, params)[0][0]

    def file(self, i: int = 0) -> dict:
        return self.report["files"][i]


@pytest.fixture
def adapter_load(project, tmp_path):
    """Run `load_from_source` like `sceval load --from` does; returns a Loaded."""
    from sceval.adapters import load_from_source

    def run(paths, *, source=None, accept_partial=False, actor_map=None, db=None, rejects=None):
        db = db or tmp_path / "wh.duckdb"
        report = tmp_path / "report.json"
        buf = io.StringIO()
        console = Console(file=buf, width=200)
        load_from_source(
            [str(p) for p in (paths if isinstance(paths, list) else [paths])],
            db=db,
            project=project,
            source=source,
            accept_partial=accept_partial,
            rejects=rejects,
            report_json=report,
            console=console,
            actor_map=actor_map,
        )
        return Loaded(db, buf.getvalue(), json.loads(report.read_text()))

    return run
