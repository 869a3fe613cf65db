"""No message is formatted in a plan the streaming engine runs.

Polars 2.1's streaming engine (the default of `collect()`) panics with polars-arrow binview
`assertion failed: i < self.len()` on `pl.format` right after a filter over a multi-chunk
in-memory frame; it hit `capture_by_affiliation` on the 1e8-event warehouse. The checks now
collect their reduced frames first and build findings eagerly: what is left lazy for
`compute_findings` to collect holds no string expression at all.
"""

from __future__ import annotations

import re

import polars as pl

from sceval.dnh.findings import collect_reduced
from sceval.dnh.inputs import Inputs
from sceval.dnh.run import plan, selected_checks

STRING_OPS = re.compile(r"\.str\.\w+")


def test_no_check_leaves_string_expressions_to_the_streaming_engine(scenario_db, project, as_of):
    _, con = scenario_db
    x = Inputs(con, project, as_of=as_of)
    specs, chosen = selected_checks(project)
    assert len(chosen) == 18
    left = {}
    for check in chosen:
        text = plan(x, specs[check]).explain(optimized=False)
        ops = sorted(set(STRING_OPS.findall(text)))
        if ops:
            left[check] = ops
    assert left == {}


def test_string_expressions_show_in_a_plan_text():
    # The test above reads plan text: a formatted message must show in it.
    lf = pl.LazyFrame({"a": ["x"]}).select(pl.format("q {}", "a").alias("m"))
    assert STRING_OPS.findall(lf.explain(optimized=False)) == [".str.format"]


def test_reduced_frames_come_back_in_one_chunk():
    parts = [
        pl.LazyFrame({"p": ["A", "B"], "v": [1.0, 2.0]}),
        pl.LazyFrame({"p": ["C"], "v": [3.0]}),
    ]
    two = pl.concat([p.collect() for p in parts], rechunk=False)
    assert two.n_chunks() == 2
    (one,) = collect_reduced(two.lazy())
    assert one.n_chunks() == 1 and one.rows() == [("A", 1.0), ("B", 2.0), ("C", 3.0)]
    first, second = collect_reduced(parts[0], parts[1])
    assert (first.height, second.height) == (2, 1)
