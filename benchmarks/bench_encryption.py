"""The cost of encryption at rest: load and run on a plain warehouse against the same on an
encrypted one (DuckDB AES-GCM-256, `sceval.warehouse.connect(key=...)`), in the same session.

- `encryption-load-<scale>`: `sceval.load.load_paths` of the Parquet dataset into a new
  warehouse, plain (baseline) and encrypted (engine);
- `encryption-run-<scale>`: open the loaded warehouse in a fresh DuckDB instance (cold buffer
  pool: every block read is decrypted), record a run and compute the whole catalogue, as
  `sceval run` does.

Scales: 1e6 and 1e7 (`SCEVAL_BENCH_SCALES`); the ratio engine/baseline is the cost.
"""

from __future__ import annotations

import pytest

from benchlib import AS_OF, dataset_rows, label, measure, scales_among, table_files

KEY = "benchmark-key-not-a-secret"
MODES = {"plain": None, "encrypted": KEY}
ROLE = {"plain": "baseline", "encrypted": "engine"}
LOADED: dict[tuple[str, int], object] = {}

pytestmark = pytest.mark.scales(lambda: scales_among(1_000_000, 10_000_000))


def _open(db, project, key):
    from sceval.warehouse import connect, ensure_schema

    con = connect(db, key=key)
    ensure_schema(con, project)
    return con


@pytest.mark.parametrize("mode", list(MODES))
def test_encryption_load(benchmark, n_participants, dataset, project, fresh_db, mode):
    from sceval.load import load_paths

    files = table_files(dataset)
    key = MODES[mode]
    last = {}

    def load(db):
        con = _open(db, project, key)
        try:
            rows = load_paths(con, project, files).rows
            con.execute("CHECKPOINT")
        finally:
            con.close()
        last["db"] = db
        return rows

    rows = measure(
        benchmark,
        load,
        group=f"encryption-load-{label(n_participants)}",
        role=ROLE[mode],
        n=n_participants,
        setup=lambda: ((fresh_db(),), {}),
        rounds=3,
        mode=mode,
    )
    assert rows["participants"] == dataset_rows(dataset)["participants"]


@pytest.fixture(scope="module")
def loaded(tmp_path_factory, project):
    """One warehouse per (mode, scale), loaded once for the run benchmarks."""
    from sceval.load import load_paths

    def make(mode: str, n: int, dataset):
        if (mode, n) not in LOADED:
            db = tmp_path_factory.mktemp(f"enc-{mode}-{label(n)}") / "wh.duckdb"
            con = _open(db, project, MODES[mode])
            try:
                load_paths(con, project, table_files(dataset))
                con.execute("CHECKPOINT")
            finally:
                con.close()
            LOADED[(mode, n)] = db
        return LOADED[(mode, n)]

    return make


@pytest.mark.parametrize("mode", list(MODES))
def test_encryption_run(benchmark, n_participants, dataset, project, loaded, mode):
    from sceval.indicators import compute_indicators
    from sceval.pipeline import Pipeline
    from sceval.runs import start_run

    db = loaded(mode, n_participants, dataset)
    pipeline = Pipeline(
        name="bench",
        as_of=AS_OF.isoformat(),
        indicators="all",
        partnership_models=[],
        dnh_checks=[],
        reports=[],
        raw={},
    )

    def run():
        con = _open(db, project, MODES[mode])  # a fresh instance: nothing decrypted yet
        try:
            run_id = start_run(con, project, command="run", as_of=AS_OF)
            return compute_indicators(con, project, run_id=run_id, as_of=AS_OF, pipeline=pipeline)
        finally:
            con.close()

    results = measure(
        benchmark,
        run,
        group=f"encryption-run-{label(n_participants)}",
        role=ROLE[mode],
        n=n_participants,
        rounds=3,
        mode=mode,
    )
    assert results["indicator_id"].n_unique() >= 24
