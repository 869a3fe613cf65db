"""GX expectation suites from the table contracts in `schemas/*.yml`.

The YAML contract is the source; `schemas/<table>.suite.json` is its Great Expectations 1.x
suite, committed so that a reviewer sees every expectation (regenerate with
`python -m sceval.contracts.suites [PROJECT_DIR]`). Each expectation's `meta` names the rule
id used in reports and the engine that runs it: the file reader (presence, types), Great
Expectations (row rules) or DuckDB (uniqueness, which GX does slowly at scale).
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from functools import cache
from pathlib import Path
from typing import Any

from sceval.project import Column, Project, TableContract
from sceval.safe_text import CONTROL_CLASS

READER, GX, DUCKDB = "reader", "great_expectations", "duckdb"
ENGINES = {
    "expect_column_to_exist": READER,
    "expect_column_values_to_be_of_type": READER,
    "expect_column_values_to_be_unique": DUCKDB,
    "expect_compound_columns_to_be_unique": DUCKDB,
}
FORMATS = {
    "iso3166_alpha3": "an ISO 3166-1 alpha-3 country code",
    "iso4217": "an ISO 4217 currency code",
}
# Control characters but tab, line feed and carriage return, and the bidirectional overrides
# (`sceval.safe_text.CONTROL_CLASS`), as a regex both Python and DuckDB (RE2) read.
CONTROL_REGEX = "[" + CONTROL_CLASS + "]"
# A date column that declares no `earliest` still refuses what no program can hold (year 0).
DEFAULT_EARLIEST_YEAR = 1900
LOAD_DATE_PARAMETER = "load_date"
# The dtype each sceval type has in the Arrow-backed pandas frame GX sees.
GX_TYPES = {
    "str": "large_string[pyarrow]",
    "int": "int64[pyarrow]",
    "float": "double[pyarrow]",
    "bool": "bool[pyarrow]",
    "date": "date32[day][pyarrow]",
}


@cache
def code_list(fmt: str) -> tuple[str, ...]:
    """ISO code lists from pycountry: 3166-1 alpha-3 countries, 4217 currencies."""
    import pycountry

    if fmt == "iso3166_alpha3":
        return tuple(sorted(c.alpha_3 for c in pycountry.countries))
    if fmt == "iso4217":
        return tuple(sorted(c.alpha_3 for c in pycountry.currencies))
    raise ValueError(f"unknown code format {fmt!r}")


def _exp(expectation: str, rule: str, desc: str, severity: str = "error", **kwargs: Any) -> dict:
    return {
        "type": expectation,
        "kwargs": kwargs,
        "meta": {"rule": rule, "engine": ENGINES.get(expectation, GX), "description": desc},
        "severity": "warning" if severity == "warning" else "critical",
    }


def expectation_columns(kwargs: dict) -> list[str]:
    """The columns an expectation reads, from its kwargs."""
    if "column" in kwargs:
        return [kwargs["column"]]
    if "column_A" in kwargs:
        return [kwargs["column_A"], kwargs["column_B"]]
    return list(kwargs.get("column_list") or [])


def _date_range(table: str, c: Column) -> list[dict]:
    """The plausible-date rule of a date column: not before its earliest date, not later than
    `future_days` after the load (a suite parameter, filled in when validation runs)."""
    earliest = dt.date(c.earliest, 1, 1) if isinstance(c.earliest, int) else c.earliest
    earliest = earliest or dt.date(DEFAULT_EARLIEST_YEAR, 1, 1)
    bounds: dict[str, Any] = {"min_value": earliest.isoformat()}
    desc = f"{c.name} not before {earliest.isoformat()}"
    if c.future_days is not None:
        bounds["max_value"] = {"$PARAMETER": f"{LOAD_DATE_PARAMETER}+{c.future_days}"}
        desc += f" nor more than {c.future_days} day(s) after the load date"
    return [
        _exp(
            "expect_column_values_to_be_between",
            f"{table}.{c.name}.plausible_date",
            desc,
            column=c.name,
            **bounds,
        )
    ]


def resolve_dates(exps: list[dict], today: dt.date) -> list[dict]:
    """The suite with its date bounds as dates: ISO text parsed, `load_date+N` filled in."""
    out = []
    for e in exps:
        if not e["meta"]["rule"].endswith(".plausible_date"):
            out.append(e)
            continue
        kw = dict(e["kwargs"])
        for k in ("min_value", "max_value"):
            v = kw.get(k)
            if isinstance(v, dict) and "$PARAMETER" in v:
                days = int(str(v["$PARAMETER"]).rpartition("+")[2])
                kw[k] = today + dt.timedelta(days=days)
            elif isinstance(v, str):
                kw[k] = dt.date.fromisoformat(v)
        out.append({**e, "kwargs": kw})
    return out


def expectations_for(contract: TableContract) -> list[dict]:
    """Every single-table rule of the contract as a GX expectation (JSON form)."""
    t = contract.name
    out: list[dict] = []
    for c in contract.columns:
        r = f"{t}.{c.name}"
        out.append(
            _exp("expect_column_to_exist", f"{r}.present", f"{c.name} is present", column=c.name)
        )
        out.append(
            _exp(
                "expect_column_values_to_be_of_type",
                f"{r}.type",
                f"{c.name} is {c.type}",
                column=c.name,
                type_=GX_TYPES[c.type],
            )
        )
        if not c.nullable:
            out.append(
                _exp(
                    "expect_column_values_to_not_be_null",
                    f"{r}.not_null",
                    f"{c.name} is filled in",
                    column=c.name,
                )
            )
        if c.unique or contract.key == (c.name,):
            out.append(
                _exp(
                    "expect_column_values_to_be_unique",
                    f"{r}.unique",
                    f"{c.name} is unique",
                    column=c.name,
                )
            )
        if c.values is not None:
            out.append(
                _exp(
                    "expect_column_values_to_be_in_set",
                    f"{r}.in_set",
                    f"{c.name} is one of {', '.join(c.values)}",
                    column=c.name,
                    value_set=list(c.values),
                )
            )
        if c.format:
            codes, what = list(code_list(c.format)), FORMATS[c.format]
            if c.format == "iso3166_alpha3" and contract.user_countries:
                # The project's declared user-assigned codes (XKX, Kosovo) are countries too.
                codes = sorted({*codes, *contract.user_countries})
                what += f" or a declared user-assigned code ({', '.join(contract.user_countries)})"
            out.append(
                _exp(
                    "expect_column_values_to_be_in_set",
                    f"{r}.{c.format}",
                    f"{c.name} is {what} (upper case)",
                    column=c.name,
                    value_set=codes,
                )
            )
        if c.min is not None or c.max is not None:
            bounds = {}
            if c.min is not None:
                bounds["min_value"] = c.min
            if c.max is not None:
                bounds["max_value"] = c.max
            lo = "" if c.min is None else f">= {c.min:g}"
            hi = "" if c.max is None else f"<= {c.max:g}"
            out.append(
                _exp(
                    "expect_column_values_to_be_between",
                    f"{r}.range",
                    f"{c.name} {' and '.join(x for x in (lo, hi) if x)}",
                    column=c.name,
                    **bounds,
                )
            )
        if c.min_column:
            out.append(
                _exp(
                    "expect_column_pair_values_a_to_be_greater_than_b",
                    f"{r}.not_before_{c.min_column}",
                    f"{c.name} >= {c.min_column}",
                    column_A=c.name,
                    column_B=c.min_column,
                    or_equal=True,
                    ignore_row_if="either_value_is_missing",
                )
            )
        if c.max_column:
            out.append(
                _exp(
                    "expect_column_pair_values_a_to_be_greater_than_b",
                    f"{r}.at_most_{c.max_column}",
                    f"{c.name} <= {c.max_column}",
                    column_A=c.max_column,
                    column_B=c.name,
                    or_equal=True,
                    ignore_row_if="either_value_is_missing",
                )
            )
        if c.type == "str" and c.control_chars == "refuse" and c.values is None and not c.format:
            out.append(
                _exp(
                    "expect_column_values_to_not_match_regex",
                    f"{r}.plain_text",
                    f"{c.name} has no control or bidirectional-override characters",
                    column=c.name,
                    regex=CONTROL_REGEX,
                )
            )
        if c.type == "date":
            out.extend(_date_range(t, c))
    if len(contract.key) > 1:
        out.append(
            _exp(
                "expect_compound_columns_to_be_unique",
                f"{t}.key.unique",
                f"({', '.join(contract.key)}) is unique together",
                column_list=list(contract.key),
            )
        )
    for i, raw in enumerate(contract.raw.get("expectations") or []):
        spec = dict(raw)
        type_ = spec.pop("type")
        rule = spec.pop("rule", None) or f"{t}.expectation_{i + 1}"
        desc = spec.pop("description", type_)
        severity = spec.pop("severity", "error")
        out.append(_exp(type_, rule, desc, severity, **spec))
    return out


def suite_json(contract: TableContract) -> dict:
    """The GX 1.x suite for one table, as the JSON dict `gx.ExpectationSuite(**d)` accepts."""
    return {
        "name": f"sceval.{contract.name}",
        "expectations": expectations_for(contract),
        "meta": {
            "source": f"schemas/{contract.path.name}",
            "generated_by": "python -m sceval.contracts.suites",
            "note": "generated from the YAML contract; edit the YAML, then regenerate",
        },
        "notes": None,
    }


def suite_path(contract: TableContract) -> Path:
    return contract.path.with_name(f"{contract.name}.suite.json")


def render_suite(contract: TableContract) -> str:
    return json.dumps(suite_json(contract), indent=1, ensure_ascii=False) + "\n"


def stale_suites(project: Project) -> list[Path]:
    """Committed suite files that no longer match their YAML contract."""
    out = []
    for c in project.contracts.values():
        p = suite_path(c)
        if p.is_file() and p.read_text(encoding="utf-8") != render_suite(c):
            out.append(p)
    return out


def write_suites(project: Project) -> list[Path]:
    """Write `schemas/<table>.suite.json` for every table; return the paths."""
    out = []
    for c in project.contracts.values():
        p = suite_path(c)
        p.write_text(render_suite(c), encoding="utf-8")
        out.append(p)
    return out


if __name__ == "__main__":  # pragma: no cover - a maintainer's tool
    root = sys.argv[1] if len(sys.argv) > 1 else None
    for written in write_suites(Project.find(root)):
        print(written)
