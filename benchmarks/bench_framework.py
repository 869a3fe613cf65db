"""Results-framework roll-up against the indicator run it follows (issue 17: under 10%).

A family framework (`programs: [SYN-*]`) gives every generated program a chain of five
results over eleven indicators, two objectives and two assumptions (one on a context
series, read from DuckDB per program). The baseline is the catalogue computation the
roll-up reads; the engine is `compute_results_chain` over its results.
"""

from __future__ import annotations

import shutil

import duckdb
import pytest

from benchlib import AS_OF, ROOT, label, measure
from sceval.project import Project

FAMILY = """\
id: bench
programs: ["SYN-*"]
goal: Trained units that hold ground.
objectives:
  - {id: retained, text: Retained, indicator: retention_12m, target: 0.8, target_date: 2026-12-31}
  - {id: ready, text: Ready, indicator: unit_readiness, target: 0.75, target_date: 2026-12-31}
results:
  - {id: delivered, level: output, text: Delivered, leads_to: [kept, capable],
     indicators: [activity_delivery_rate, training_completion_rate, personnel_trained]}
  - {id: kept, level: outcome, text: Kept, leads_to: [safer], rule: majority,
     indicators: [retention_12m, retention_24m, defection_rate]}
  - {id: capable, level: outcome, text: Capable, leads_to: [safer], rule: weighted,
     indicators: [unit_readiness, capability_growth]}
  - {id: safer, level: impact, text: Safer, indicators: [conflict_events_did, civilian_harm_did]}
  - {id: sustained, level: outcome, text: Sustained, indicators: [partner_cost_share]}
assumptions:
  - {id: gov, text: Governance, link: [kept, safer], monitor: {context: wgi_rule_of_law},
     broken_when: {below: -1.0}}
  - {id: absorb, text: Absorbed, link: [delivered, kept], monitor: {indicator: absorption_rate},
     broken_when: {below: 0.5}}
"""


@pytest.fixture(scope="module")
def family_project(tmp_path_factory) -> Project:
    root = tmp_path_factory.mktemp("framework-project")
    shutil.copy2(ROOT / "sceval_project.yml", root)
    for d in ("indicators", "schemas", "pipelines", "reports"):
        shutil.copytree(ROOT / d, root / d)
    (root / "frameworks").mkdir()
    (root / "frameworks" / "bench.yml").write_text(FAMILY)
    return Project(root)


@pytest.fixture
def chain_warehouse(warehouse, family_project):
    """The loaded warehouse with the tables this version adds (a cached one may predate them)."""
    from sceval.warehouse import ensure_schema

    con = duckdb.connect(str(warehouse))
    ensure_schema(con, family_project)
    con.close()
    return warehouse


def test_indicators_then_rollup(benchmark, n_participants, chain_warehouse, family_project):
    from sceval.framework import compute_results_chain
    from sceval.indicators.engine import compute

    con = duckdb.connect(str(chain_warehouse))
    try:
        state: dict = {}

        def indicators():
            state["results"] = compute(con, family_project, run_id="bench", as_of=AS_OF)
            return state["results"]

        def rollup():
            return compute_results_chain(
                con, family_project, run_id="bench", as_of=AS_OF, results=state["results"]
            )

        results = indicators()
        rows = measure(
            benchmark,
            rollup,
            group=f"framework-{label(n_participants)}",
            role="engine",
            n=n_participants,
            programs=results["program_id"].n_unique(),
        )
        assert rows > 0
        con.execute("DELETE FROM results_chain WHERE run_id = 'bench'")
    finally:
        con.close()


def test_indicators_the_rollup_follows(benchmark, n_participants, chain_warehouse, family_project):
    from sceval.indicators.engine import compute

    con = duckdb.connect(str(chain_warehouse), read_only=True)
    try:
        results = measure(
            benchmark,
            lambda: compute(con, family_project, run_id="bench", as_of=AS_OF),
            group=f"framework-{label(n_participants)}",
            role="baseline",
            n=n_participants,
            rounds=1,
        )
        assert results.height > 0
    finally:
        con.close()
