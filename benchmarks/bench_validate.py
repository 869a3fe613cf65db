"""Validation of the participants table (`sceval.contracts.validate_paths`) against the same
contract rules written as raw DuckDB SQL (column rules, key, references, the table rule)."""

from __future__ import annotations

import pytest

from baselines import sql_validate
from benchlib import label, measure, scales_among

# Participants reference activities and units: both sides check them against those files.
TABLES = ("participants", "activities", "units")
pytestmark = pytest.mark.scales(lambda: scales_among(10**6, 10**7))


def _files(dataset):
    return [dataset / f"{t}.parquet" for t in TABLES]


def test_validate_sceval(benchmark, n_participants, dataset, project):
    contracts = pytest.importorskip("sceval.contracts")
    files = _files(dataset)
    report = measure(
        benchmark,
        lambda: contracts.validate_paths(files, project),
        group=f"validate-participants-{label(n_participants)}",
        role="engine",
        n=n_participants,
    )
    assert report.ok, report.to_json()


def test_validate_duckdb_sql(benchmark, n_participants, dataset, project):
    files = _files(dataset)
    violations = measure(
        benchmark,
        lambda: sql_validate(files, project),
        group=f"validate-participants-{label(n_participants)}",
        role="baseline",
        n=n_participants,
    )
    assert len(violations) > 20
