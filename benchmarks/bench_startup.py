"""`sceval --help` start-up time against a bare interpreter (`python -c pass`), as subprocesses."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from benchlib import measure

SCEVAL = Path(sys.executable).with_name("sceval")
ROUNDS = 15


def _run(*argv: str) -> None:
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


@pytest.mark.parametrize(
    ("name", "argv"),
    [
        ("python -c pass", (sys.executable, "-c", "pass")),
        ("sceval --help", (str(SCEVAL), "--help")),
    ],
    ids=["python-c-pass", "sceval-help"],
)
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
