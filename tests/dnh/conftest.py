"""Fixtures for the do-no-harm tests: scenario warehouses and a project with editable waivers."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from sceval.project import MARKER, Project

from .scenario import AS_OF, build_warehouse, write_scenario

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def as_of() -> dt.date:
    return dt.date.fromisoformat(AS_OF)


@pytest.fixture
def scenario_db(tmp_path: Path, project: Project):
    """A real warehouse file holding the whole scenario; yields (path, open connection)."""
    db = tmp_path / "wh.duckdb"
    con = build_warehouse(db, project, write_scenario(tmp_path / "data"))
    yield db, con
    con.close()


@pytest.fixture
def make_db(tmp_path: Path, project: Project):
    """Factory: a warehouse of the scenario without some tables, or with edited frames."""
    opened = []

    def make(name: str = "wh", *, drop: tuple[str, ...] = (), edit=None):
        folder = write_scenario(tmp_path / f"{name}-data", drop=drop, edit=edit)
        db = tmp_path / f"{name}.duckdb"
        con = build_warehouse(db, project, folder)
        opened.append(con)
        return db, con

    yield make
    for con in opened:
        con.close()


@pytest.fixture
def own_project(tmp_path: Path) -> Project:
    """A copy of the default project's definitions, so a test can write waivers into it."""
    root = tmp_path / "project"
    root.mkdir()
    shutil.copy2(ROOT / MARKER, root / MARKER)
    for name in ("schemas", "pipelines"):
        shutil.copytree(ROOT / name, root / name)
    shutil.copytree(ROOT / "indicators" / "checks", root / "indicators" / "checks")
    return Project(root)
