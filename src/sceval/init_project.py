"""`sceval init DIR`: a copy of the default project for a team to edit, with its data folder.

`data/` holds one CSV per input table: headers only (a table with zero rows, SPEC §6) for a
team to fill, or with `--with-seed` the bundled seed dataset, so that README's "Using it"
commands (`sceval validate data/`, `sceval load data/`, ...) work as written on a fresh init.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

from sceval.errors import UsageError
from sceval.project import MARKER, PROJECT_DIRS, Project, default_project_root

DATA_DIR = "data"


def write_empty_tables(project: Project, folder: Path) -> list[Path]:
    """One header-only CSV per input table of the project's contracts."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for name, contract in project.contracts.items():
        path = folder / f"{name}.csv"
        with path.open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh, lineterminator="\n").writerow(contract.column_names)
        out.append(path)
    return out


def init_project(directory: Path, *, with_seed: bool = False) -> Path:
    """Copy the default project's declarative files into `directory` (new or empty) and
    write its `data/` folder: header-only tables, or the seed data with `with_seed`."""
    target = Path(directory)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise UsageError(
            f"{target}: already exists and is not an empty folder; choose a new folder"
        )
    src = default_project_root()
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy2(src / MARKER, target / MARKER)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.duckdb", "*.duckdb.wal")
    for name in PROJECT_DIRS:
        if (src / name).is_dir():
            shutil.copytree(src / name, target / name, ignore=ignore)
    project = Project(target)
    data = target / DATA_DIR
    if with_seed:
        seed = src / "seeds" / "data"
        data.mkdir()
        files = [shutil.copy2(p, data / p.name) for p in sorted(seed.glob("*.csv"))]
        what = f"{len(files)} seed tables"
    else:
        files = write_empty_tables(project, data)
        what = f"{len(files)} empty tables (headers only)"
    print(
        f"wrote a sceval project to {target} with {what} in {data}; "
        "run sceval commands from there to use it"
    )
    return target
