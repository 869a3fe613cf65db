"""Row rules through Great Expectations 1.x on Arrow-backed pandas frames.

GX is imported here only, when validation runs (its import costs seconds). Analytics are off
and the context is ephemeral: nothing is written and nothing reaches the network.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from typing import Any

from sceval.contracts.files import EXAMPLES, ROW, TypedTable
from sceval.contracts.report import RuleResult, example
from sceval.contracts.suites import GX, expectation_columns


def _context() -> Any:
    os.environ["GX_ANALYTICS_ENABLED"] = "false"
    os.environ.setdefault("GX_PROGRESS_BARS", "false")
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    # In memory, and no temporary Data Docs site (its HTML needs CDNs anyway).
    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False)
    )
    ctx = gx.get_context(mode="ephemeral", project_config=config)
    from great_expectations.execution_engine import pandas_execution_engine

    # GX fingerprints every batch under HASH_THRESHOLD bytes by hashing all of it, only to
    # label the batch: at 1e6 rows that is most of the run. Labels are not needed here.
    if hasattr(pandas_execution_engine, "HASH_THRESHOLD"):
        pandas_execution_engine.HASH_THRESHOLD = 0
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False)
    return ctx


def _example(row: dict, columns: Sequence[str], ints: set[str]) -> dict:
    return example(row[ROW], list(columns), [_plain(row.get(c), c in ints) for c in columns])


def _plain(v: Any, whole: bool = False) -> Any:
    if hasattr(v, "item"):  # a NumPy scalar
        v = v.item()
    if v is None or (isinstance(v, float) and v != v):
        return None
    if whole and isinstance(v, float) and v.is_integer():
        return int(v)
    if isinstance(v, dt.date):
        return v.isoformat()
    try:
        import pandas as pd

        if v is pd.NA:
            return None
    except ImportError:  # pragma: no cover
        pass
    return v


def _pandas_frame(frame: Any) -> Any:
    """The frame as GX sees it: numbers as NumPy (GX vectorises only NumPy dtypes), the rest Arrow."""
    import polars as pl

    pdf = frame.to_pandas(use_pyarrow_extension_array=True)
    for name, dtype in frame.schema.items():
        if dtype.is_numeric():
            # Without nulls this is zero-copy; with nulls an int column becomes float with NaN,
            # which GX treats as missing (NaN itself was refused when typing).
            pdf[name] = (
                frame[name].cast(pl.Float64 if frame[name].null_count() else dtype).to_numpy()
            )
    return pdf


def _groups(exps: list[dict], columns: Sequence[str]) -> list[tuple[list[str], list[dict]]]:
    """Expectations grouped by the columns they read: GX copies its whole frame for every
    expectation, so each group gets a frame of only its columns."""
    groups: dict[tuple[str, ...], list[dict]] = {}
    for e in exps:
        cols = tuple(c for c in expectation_columns(e["kwargs"]) if c in columns) or tuple(columns)
        groups.setdefault(tuple(sorted(set(cols))), []).append(e)
    return [(list(k), v) for k, v in groups.items()]


def _validate(batch_def: Any, exps: list[dict], frame: Any) -> list[Any]:
    """One GX validation of `exps` on `frame` (a batch, not a stored validation definition:
    storing one re-serialises the whole context each time)."""
    import great_expectations as gx

    suite = gx.ExpectationSuite(name="sceval", expectations=[dict(e) for e in exps])
    batch = batch_def.get_batch(batch_parameters={"dataframe": frame})
    result = batch.validate(
        suite,
        result_format={
            "result_format": "SUMMARY",
            "unexpected_index_column_names": [ROW],
            "partial_unexpected_count": EXAMPLES,
        },
    )
    return list(result.results)


def gx_row_results(todo: Sequence[tuple[TypedTable, list[dict]]]) -> list[RuleResult]:
    """Run the given GX expectations of each table on its typed frame; one RuleResult each."""
    todo = [(t, exps) for t, exps in todo if exps and t.clean is not None]
    if not todo:
        return []
    ctx = _context()
    batch_def = (
        ctx.data_sources.add_pandas("sceval")
        .add_dataframe_asset("rows")
        .add_batch_definition_whole_dataframe("all")
    )
    out: list[RuleResult] = []
    for t, exps in todo:
        pdf = _pandas_frame(t.clean)
        columns = [c for c in t.clean.columns if c != ROW]
        results = []
        for cols, group in _groups(exps, columns):
            results += _validate(batch_def, group, pdf[[ROW, *cols]])
        order = {e["meta"]["rule"]: k for k, e in enumerate(exps)}
        results.sort(
            key=lambda r: order.get((r.expectation_config.meta or {}).get("rule"), len(order))
        )
        ints = {c for c, d in t.clean.schema.items() if d.is_integer()}
        by_rule = {e["meta"]["rule"]: e for e in exps}
        for r in results:
            cfg = r.expectation_config
            rule = (cfg.meta or {}).get("rule") or cfg.type
            spec = by_rule.get(rule, {"kwargs": dict(cfg.kwargs), "meta": {}})
            cols = expectation_columns(spec["kwargs"])
            res = RuleResult(
                rule=rule,
                table=t.file.table,
                file=t.file.label,
                column=", ".join(cols) or None,
                expectation=cfg.type,
                kwargs={k: v for k, v in spec["kwargs"].items() if k != "value_set"},
                engine=GX,
                severity="warning" if spec.get("severity") == "warning" else "error",
                element_count=t.clean.height,
                message=spec["meta"].get("description", ""),
            )
            info = r.exception_info or {}
            raised = (
                info.get("raised_exception")
                if "raised_exception" in info
                else any(isinstance(v, dict) and v.get("raised_exception") for v in info.values())
            )
            if raised or (not r.success and not r.result):
                # A metric that crashed: the engine failed, not the data.
                msgs = [info.get("exception_message")] + [
                    v.get("exception_message") for v in info.values() if isinstance(v, dict)
                ]
                res.status = "error"
                res.message = "engine error: " + (
                    next((m for m in msgs if m), None) or "metric failed"
                )
            elif not r.success:
                res.status = "failed"
                res.unexpected_count = int(r.result.get("unexpected_count") or 0)
                idx = r.result.get("partial_unexpected_index_list") or []
                res.examples = [_example(row, cols, ints) for row in idx[:EXAMPLES]]
            out.append(res)
    return out
