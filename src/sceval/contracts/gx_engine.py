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
from sceval.contracts.report import RuleResult
from sceval.contracts.suites import GX


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
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False)
    return ctx


def _example(row: dict, columns: Sequence[str]) -> dict:
    values = [_plain(row.get(c)) for c in columns]
    if len(values) == 1:
        return {"row": int(row[ROW]), "value": values[0]}
    shown = ", ".join(
        f"{c}={'blank' if v is None else v}" for c, v in zip(columns, values, strict=True)
    )
    return {"row": int(row[ROW]), "value": shown}


def _plain(v: Any) -> Any:
    if v is None or (isinstance(v, float) and v != v):
        return None
    if isinstance(v, dt.date):
        return v.isoformat()
    try:
        import pandas as pd

        if v is pd.NA:
            return None
    except ImportError:  # pragma: no cover
        pass
    return v


def _columns(kwargs: dict) -> list[str]:
    if "column" in kwargs:
        return [kwargs["column"]]
    if "column_A" in kwargs:
        return [kwargs["column_A"], kwargs["column_B"]]
    return list(kwargs.get("column_list") or [])


def run_row_rules(tables: Sequence[TypedTable], suites: dict[str, list[dict]]) -> list[RuleResult]:
    """Run each table's GX expectations on its typed frame; one RuleResult per expectation."""
    todo = [
        (t, [e for e in suites[t.file.table] if e["meta"]["engine"] == GX])
        for t in tables
        if t.clean is not None
    ]
    todo = [(t, exps) for t, exps in todo if exps]
    if not todo:
        return []
    import great_expectations as gx

    ctx = _context()
    source = ctx.data_sources.add_pandas("sceval")
    out: list[RuleResult] = []
    for i, (t, exps) in enumerate(todo):
        batch_def = source.add_dataframe_asset(f"file_{i}").add_batch_definition_whole_dataframe(
            "all"
        )
        suite = ctx.suites.add(
            gx.ExpectationSuite(name=f"suite_{i}", expectations=[dict(e) for e in exps])
        )
        vd = ctx.validation_definitions.add(
            gx.ValidationDefinition(name=f"vd_{i}", data=batch_def, suite=suite)
        )
        frame = t.clean.to_pandas(use_pyarrow_extension_array=True)
        result = vd.run(
            batch_parameters={"dataframe": frame},
            result_format={
                "result_format": "SUMMARY",
                "unexpected_index_column_names": [ROW],
                "partial_unexpected_count": EXAMPLES,
            },
        )
        by_rule = {e["meta"]["rule"]: e for e in exps}
        for r in result.results:
            cfg = r.expectation_config
            rule = (cfg.meta or {}).get("rule") or cfg.type
            spec = by_rule.get(rule, {"kwargs": dict(cfg.kwargs), "meta": {}})
            cols = _columns(spec["kwargs"])
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
                res.examples = [_example(row, cols) for row in idx[:EXAMPLES]]
            out.append(res)
    return out
