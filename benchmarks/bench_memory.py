"""Peak memory of what a user runs, with its targets (issue 20, point 2), inside `make bench`.

At each benchmark scale, `scale_run.scale_steps`: `sceval load` of the dataset into a fresh
warehouse, `sceval run --full`, `sceval load` of a 1% correction and the incremental `sceval
run`, each a separate process timed by GNU time (wall seconds and peak RSS). One round: the
figures are those of the commands, recorded in the benchmark's extra_info for
`summarize.py`, which checks them against the targets (`run --full` under 6 GiB at 1e7 and
16 GiB at 1e8; the incremental run under 10% of the full run at 1e7 and above).
"""

from __future__ import annotations

import pytest

from benchlib import label, measure
from scale_run import TIME, scale_steps


def test_peak_memory_of_the_commands(benchmark, n_participants):
    if not TIME.is_file():
        pytest.skip("needs GNU time at /usr/bin/time (apt-get install -y time)")
    results: dict = {}

    def steps() -> None:
        results.update(scale_steps(n_participants))

    measure(
        benchmark,
        steps,
        group=f"memory-{label(n_participants)}",
        role="engine",
        n=n_participants,
        rounds=1,
        warmup=0,
    )
    benchmark.extra_info.update(
        steps=results["steps"],
        incremental_over_full=results["incremental_over_full"],
        recomputed_programs=results["recomputed_programs"],
    )
    assert results["recomputed_programs"] >= 1
