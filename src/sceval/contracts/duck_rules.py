"""Row rules of the GX suites compiled to DuckDB: one aggregate query per table.

The suites in `schemas/*.suite.json` stay the declared contract. Each row expectation whose
meaning is plain (not null, in a set, between, column A >= column B) becomes a SQL condition
that is true on a row breaking it, and one scan of the table's Arrow frame counts the bad rows
of every rule at once. That is what GX itself would compute, without its per-expectation
bookkeeping on pandas (about 85% of validation time at 1e6 rows, see BENCHMARKS.md).

Expectations this module does not compile (other types, `mostly`, row conditions, values of
mixed types) go to Great Expectations unchanged. A rule that fails here is run again through
GX, and GX's result is the one reported; if the two disagree, the result is an engine error.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Sequence
from typing import Any

import duckdb
import polars as pl

from sceval.contracts.files import EXAMPLES, ROW, TypedTable
from sceval.contracts.report import RuleResult, example
from sceval.contracts.sql_rules import ident
from sceval.contracts.suites import expectation_columns
from sceval.warehouse import arrow

# The kwargs each compiled type may carry; any other kwarg (mostly, row_condition, ...) sends
# the expectation to GX, whose semantics are the reference.
COMPILED: dict[str, set[str]] = {
    "expect_column_values_to_not_be_null": {"column"},
    "expect_column_values_to_be_in_set": {"column", "value_set"},
    "expect_column_values_to_not_be_in_set": {"column", "value_set"},
    "expect_column_values_to_be_between": {
        "column",
        "min_value",
        "max_value",
        "strict_min",
        "strict_max",
    },
    "expect_column_values_to_not_match_regex": {"column", "regex"},
    "expect_column_pair_values_a_to_be_greater_than_b": {
        "column_A",
        "column_B",
        "or_equal",
        "ignore_row_if",
    },
}


def _kind(dtype: pl.DataType) -> str | None:
    if dtype == pl.Boolean:
        return "bool"
    if dtype.is_numeric():
        return "number"
    if dtype in (pl.String, pl.Categorical):
        return "str"
    if dtype == pl.Date:
        return "date"
    return None


def _literal(value: Any, kind: str) -> str | None:
    """`value` as a SQL literal of the column's kind, or None when it is not of that kind."""
    if kind == "bool":
        return ("TRUE" if value else "FALSE") if isinstance(value, bool) else None
    if kind == "number":
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None
        if isinstance(value, int) or (math.isfinite(value) and value.is_integer()):
            # `16.0` is a DECIMAL literal in DuckDB: every integer would be cast to compare
            return str(int(value))
        return f"CAST({value!r} AS DOUBLE)" if math.isfinite(value) else None
    if kind == "str":
        return "'" + value.replace("'", "''") + "'" if isinstance(value, str) else None
    if kind == "date" and isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return f"DATE '{value.isoformat()}'"
    return None


def bad_row_condition(exp: dict, schema: pl.Schema) -> str | None:
    """SQL true on a row that breaks `exp`, or None when GX must run it."""
    kw = exp["kwargs"]
    allowed = COMPILED.get(exp["type"])
    if allowed is None or not set(kw) <= allowed:
        return None
    if exp["type"] == "expect_column_pair_values_a_to_be_greater_than_b":
        a, b = kw["column_A"], kw["column_B"]
        if (
            a not in schema
            or b not in schema
            or kw.get("ignore_row_if") != "either_value_is_missing"
        ):
            return None
        if _kind(schema[a]) not in ("number", "date") or _kind(schema[a]) != _kind(schema[b]):
            return None
        op = ">=" if kw.get("or_equal") else ">"
        return f"{ident(a)} IS NOT NULL AND {ident(b)} IS NOT NULL AND NOT ({ident(a)} {op} {ident(b)})"
    col = kw["column"]
    if col not in schema or (kind := _kind(schema[col])) is None:
        return None
    c = ident(col)
    if exp["type"] == "expect_column_values_to_not_be_null":
        return f"{c} IS NULL"
    if exp["type"] in (
        "expect_column_values_to_be_in_set",
        "expect_column_values_to_not_be_in_set",
    ):
        values = kw.get("value_set")
        if not isinstance(values, list | tuple):
            return None
        lits = [_literal(v, kind) for v in values]
        if any(x is None for x in lits):
            return None
        inside = f"{c} IN ({', '.join(lits)})" if lits else "FALSE"
        if len(lits) > 8:
            # A long IN list is tested value by value on every row (1 s for ISO codes on 1e7
            # rows); as a subquery it becomes a hash join (0.15 s).
            inside = f"{c} IN (SELECT unnest([{', '.join(lits)}]))"
        wanted = exp["type"] == "expect_column_values_to_be_in_set"
        return f"{c} IS NOT NULL AND {'NOT ' if wanted else ''}({inside})"
    if exp["type"] == "expect_column_values_to_not_match_regex":
        if kind != "str" or not isinstance(kw.get("regex"), str):
            return None
        # GX searches (not anchored), as RE2's regexp_matches does; RE2 writes \uXXXX as \x{XXXX}.
        pattern = re.sub(r"\\u([0-9a-fA-F]{4})", r"\\x{\1}", kw["regex"])
        return f"{c} IS NOT NULL AND regexp_matches({c}, {_literal(pattern, 'str')})"
    # between: GX ignores nulls; a bound left out (or None) is open
    if kind not in ("number", "date"):
        return None
    parts = []
    for key, strict, op, strict_op in (
        ("min_value", "strict_min", "<", "<="),
        ("max_value", "strict_max", ">", ">="),
    ):
        if kw.get(key) is None:
            continue
        lit = _literal(kw[key], kind)
        if lit is None:
            return None
        parts.append(f"{c} {strict_op if kw.get(strict) else op} {lit}")
    if not parts:
        return None
    return f"{c} IS NOT NULL AND ({' OR '.join(parts)})"


def _result(t: TypedTable, exp: dict, count: int, examples: list[dict]) -> RuleResult:
    cols = expectation_columns(exp["kwargs"])
    return RuleResult(
        rule=exp["meta"]["rule"],
        table=t.file.table,
        file=t.file.label,
        column=", ".join(cols),
        expectation=exp["type"],
        kwargs={k: v for k, v in exp["kwargs"].items() if k != "value_set"},
        engine="duckdb",
        severity="warning" if exp.get("severity") == "warning" else "error",
        status="failed" if count else "passed",
        element_count=t.clean.height,
        unexpected_count=count,
        examples=examples,
        message=exp["meta"].get("description", ""),
    )


def table_row_rules(
    con: duckdb.DuckDBPyConnection, t: TypedTable, exps: Sequence[dict]
) -> tuple[list[RuleResult], list[dict]]:
    """Results of the compiled rules of one table (one scan), and the expectations left to GX."""
    schema = t.clean.schema
    compiled, left = [], []
    for e in exps:
        cond = bad_row_condition(e, schema)
        (left if cond is None else compiled).append((e, cond))
    if not compiled:
        return [], [e for e, _ in left]
    con.register("_sceval_rows", arrow(t.clean))
    try:
        counts = con.execute(
            "SELECT "
            + ", ".join(f"count(*) FILTER (WHERE {cond})" for _, cond in compiled)
            + " FROM _sceval_rows"
        ).fetchall()[0]
        out = []
        for (e, cond), n in zip(compiled, counts, strict=True):
            examples = []
            if n:
                cols = expectation_columns(e["kwargs"])
                rows = con.execute(
                    f"SELECT {ROW}, {', '.join(ident(c) for c in cols)} FROM _sceval_rows "
                    f"WHERE {cond} ORDER BY {ROW} LIMIT {EXAMPLES}"
                ).fetchall()
                examples = [example(r[0], cols, list(r[1:])) for r in rows]
            out.append(_result(t, e, int(n), examples))
    finally:
        con.unregister("_sceval_rows")
    return out, [e for e, _ in left]
