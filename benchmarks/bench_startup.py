"""Start-up of every command against a bare interpreter (`python -c pass`), as subprocesses.

`sceval <command> --help` for each command (the CLI's path: heavy libraries such as Great
Expectations and Altair are imported only by the steps that use them), and the light commands
run for real on the seed data: list the catalogue, validate one small file, list the runs.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from benchlib import measure

SCEVAL = Path(sys.executable).with_name("sceval")
SEEDS = Path(__file__).resolve().parents[1] / "seeds" / "data"
ROUNDS = 15
COMMANDS = (
    "demo", "init", "load", "validate", "run", "score", "check", "report", "catalogue",
    "framework", "template", "seed", "keygen", "encrypt", "runs", "approve", "lock", "history",
    "diff",
)  # fmt: skip


def _run(*argv: str) -> None:
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


@pytest.fixture(scope="module")
def seed_db(tmp_path_factory) -> Path:
    """A warehouse with the seed data loaded (for `sceval runs`)."""
    db = tmp_path_factory.mktemp("startup") / "seed.duckdb"
    _run(str(SCEVAL), "load", str(SEEDS), "--db", str(db))
    return db


CASES = [
    ("python -c pass", (sys.executable, "-c", "pass")),
    ("sceval --help", (str(SCEVAL), "--help")),
    *[(f"sceval {c} --help", (str(SCEVAL), c, "--help")) for c in COMMANDS],
    ("sceval catalogue", (str(SCEVAL), "catalogue")),
    ("sceval validate programs.csv", (str(SCEVAL), "validate", str(SEEDS / "programs.csv"))),
]


@pytest.mark.parametrize(("name", "argv"), CASES, ids=[c[0].replace(" ", "-") for c in CASES])
def test_startup(benchmark, name: str, argv: tuple[str, ...]) -> None:
    role = "engine" if "sceval" in name else "baseline"
    benchmark.name = name
    measure(
        benchmark,
        lambda: _run(*argv),
        group="startup",
        role=role,
        n=0,
        rounds=ROUNDS,
        command=" ".join(argv),
    )


def test_startup_runs_on_a_warehouse(benchmark, seed_db: Path) -> None:
    argv = (str(SCEVAL), "runs", "--db", str(seed_db))
    benchmark.name = "sceval runs --db seed.duckdb"
    measure(
        benchmark,
        lambda: _run(*argv),
        group="startup",
        role="engine",
        n=0,
        rounds=ROUNDS,
        command=" ".join(argv),
    )
