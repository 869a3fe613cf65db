"""Benchmark fixtures: data generated once per scale to Parquet under benchmarks/data/, reused.

Scales are participant rows (1e5, 1e6, 1e7 by default; activities, follow-ups and events
grow alongside, 1e7 events at 1e7 participants). Choose them with an environment variable:

    SCEVAL_BENCH_SCALES=1e5 make bench          # a quick run
    SCEVAL_BENCH_SCALES=1e5,1e6,1e7 make bench  # the full run of BENCHMARKS.md

Each benchmark sets `group` to "<comparison>-<scale>" so that the engine and its baseline
print in one table and their ratio comes from the same run. `extra_info["role"]` says which
side is which; `benchmarks/summarize.py` turns the JSON into the table of BENCHMARKS.md.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from benchlib import ROOT, SCALES, ensure_dataset, ensure_warehouse, label
from sceval.project import Project


def pytest_collect_file(file_path: Path, parent):
    """Collect `bench_*.py` here, so the files never look like tests to `pytest tests`."""
    # A file named on the command line is collected by pytest itself.
    if (
        file_path.suffix == ".py"
        and file_path.name.startswith("bench_")
        and not parent.session.isinitpath(file_path)
    ):
        return pytest.Module.from_parent(parent, path=file_path)
    return None


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "n_participants" in metafunc.fixturenames:
        marker = metafunc.definition.get_closest_marker("scales")
        values = marker.args[0]() if marker else SCALES
        metafunc.parametrize(
            "n_participants", values, ids=[label(n) for n in values], scope="session"
        )


FIRST_AT_EACH_SCALE = {"bench_load.py", "bench_validate.py"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """At each scale, loads and validation run before the indicator benchmarks: a user's
    `sceval load` is a fresh process, not one that has just held the 1e7 catalogue (measured
    after it, in the same process, the 1e7 Parquet load took 24.6 s instead of 17.7 s)."""

    def key(item: pytest.Item) -> tuple[int, int]:
        params = getattr(getattr(item, "callspec", None), "params", {})
        return params.get("n_participants", 0), 0 if item.path.name in FIRST_AT_EACH_SCALE else 1

    items.sort(key=key)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "scales(fn): callable returning the participant scales to run at"
    )


@pytest.fixture(scope="session")
def project() -> Project:
    """The default project of this checkout (catalogue, contracts, checks, models)."""
    return Project(ROOT)


@pytest.fixture(scope="session")
def dataset(n_participants: int) -> Path:
    return ensure_dataset(n_participants)


@pytest.fixture(scope="session")
def warehouse(n_participants: int, project: Project) -> Path:
    return ensure_warehouse(n_participants, project)


@pytest.fixture
def fresh_db(tmp_path: Path) -> Callable[[], Path]:
    """A factory of fresh warehouse paths, one per round; the previous round's file is removed."""
    made: list[Path] = []

    def make() -> Path:
        for old in made:
            old.unlink(missing_ok=True)
            old.with_name(old.name + ".wal").unlink(missing_ok=True)
        made.append(tmp_path / f"wh{len(made)}.duckdb")
        return made[-1]

    yield make
    make()


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Drop benchmarks that failed before their first round: pytest-benchmark 5.3 cannot write
    its JSON when one of them has no data, and every other measurement would be lost."""
    bs = getattr(session.config, "_benchmarksession", None)
    if bs is not None:
        bs.benchmarks[:] = [b for b in bs.benchmarks if getattr(b.stats, "data", None)]
