"""Shared fixtures: the default project, a fresh warehouse file, and the CLI as a user runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sceval.project import Project

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="session")
def project() -> Project:
    """The default project of this checkout."""
    return Project(ROOT)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """Path for a fresh warehouse file (not created yet)."""
    return tmp_path / "wh.duckdb"


def run_sceval(*args: str, cwd: Path | None = None, env: dict | None = None, timeout: int = 300):
    """Run the installed `sceval` command as a user would; returns CompletedProcess."""
    full_env = {k: v for k, v in os.environ.items() if k not in {"SCEVAL_DB", "SCEVAL_PROJECT"}}
    full_env.update(env or {})
    exe = Path(sys.executable).with_name("sceval")
    return subprocess.run(
        [str(exe), *args],
        cwd=cwd or ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture
def sceval_cli():
    """The CLI runner: sceval_cli('load', 'x.csv', '--db', str(db))."""
    return run_sceval
