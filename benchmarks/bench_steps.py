"""Do-no-harm checks and partnership scoring over the loaded warehouse (engine only: no
library does these, so they are measured alone, at every chosen scale for their growth)."""

from __future__ import annotations

import duckdb
import pytest

from benchlib import AS_OF, label, measure


@pytest.fixture
def con(warehouse):
    c = duckdb.connect(str(warehouse))
    yield c
    c.close()


def _new_run(con, project, command: str):
    from sceval.runs import start_run

    return ((start_run(con, project, command=command, as_of=AS_OF),), {})


def test_dnh_checks(benchmark, n_participants, con, project):
    dnh = pytest.importorskip("sceval.dnh")
    findings = measure(
        benchmark,
        lambda run_id: dnh.run_checks(con, project, run_id=run_id, as_of=AS_OF),
        group=f"dnh-{label(n_participants)}",
        role="engine",
        n=n_participants,
        setup=lambda: _new_run(con, project, "check"),
    )
    assert findings.height > 0


def test_partnership_scoring(benchmark, n_participants, con, project):
    partnership = pytest.importorskip("sceval.partnership")
    scores = measure(
        benchmark,
        lambda run_id: partnership.score_partnerships(con, project, run_id=run_id),
        group=f"partnership-{label(n_participants)}",
        role="engine",
        n=n_participants,
        setup=lambda: _new_run(con, project, "score"),
    )
    assert scores.height > 0
