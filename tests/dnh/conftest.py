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


@pytest.fixture(scope="session")
def scenario_template(tmp_path_factory, project: Project) -> Path:
    """The whole scenario loaded once into a closed warehouse file, copied by each test."""
    folder = tmp_path_factory.mktemp("scenario")
    db = folder / "template.duckdb"
    build_warehouse(db, project, write_scenario(folder / "data")).close()
    return db


@pytest.fixture
def scenario_db(tmp_path: Path, scenario_template: Path):
    """A real warehouse file holding the whole scenario; yields (path, open connection)."""
    from sceval.warehouse import connect

    db = tmp_path / "wh.duckdb"
    shutil.copyfile(scenario_template, db)
    con = connect(db)
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
