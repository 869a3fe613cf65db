"""`sceval init DIR`: a copy of the default project for a team to edit."""

from __future__ import annotations

import shutil
from pathlib import Path

from sceval.errors import UsageError
from sceval.project import MARKER, PROJECT_DIRS, default_project_root


def init_project(directory: Path) -> Path:
    """Copy the default project's declarative files into `directory` (new or empty)."""
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
    print(f"wrote a sceval project to {target}; run sceval commands from there to use it")
    return target
