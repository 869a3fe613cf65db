"""Row rules compiled to DuckDB give what Great Expectations gives, rule by rule.

The default engine counts bad rows with one DuckDB scan per table and asks GX to report the
rules that failed; `SCEVAL_ROW_ENGINE=gx` runs every rule through GX. Both are run here on the
bad-input corpus, the seed data and hand-made edge cases, and must agree on every rule.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from sceval.contracts.duck_rules import bad_row_condition
from sceval.contracts.files import ROW, InputFile, TypedTable
from sceval.contracts.report import RuleResult
from sceval.contracts.validate import _confirmed, _suites, read_batch, run_row_rules

from .conftest import BAD

SEED = Path(__file__).resolve().parents[2] / "seeds" / "data"
CORPUS = sorted(d for d in BAD.iterdir() if (d / "case.yml").is_file())


def _outcomes(results: list[RuleResult]) -> dict[tuple[str | None, str], tuple]:
    return {
        (r.file, r.rule): (r.status, r.unexpected_count, [e["row"] for e in r.examples])
        for r in results
    }


def _both(project, typed) -> tuple[dict, dict, list[RuleResult]]:
    suites = _suites(project)
    duck = run_row_rules(typed, suites, engine="duckdb")
    gx = run_row_rules(typed, suites, engine="gx")
    return _outcomes(duck), _outcomes(gx), duck


def test_engines_agree_on_the_bad_corpus_and_the_seed(project):
    typed = []
    for d in [*CORPUS, SEED]:
        t, _ = read_batch([d], project)
        typed += [x for x in t if x.clean is not None]
    duck, gx, results = _both(project, typed)
    assert duck == gx
    failed = {rule for (_, rule), o in duck.items() if o[0] == "failed"}
    # the corpus's row-rule defects are among them, found by the compiled rules
    assert {
        "participants.age.range",
        "programs.budget.range",
        "activities.kind.in_set",
        "programs.currency.iso4217",
        "activities.planned_end.not_before_planned_start",
    } <= failed
    assert all(r.status != "error" for r in results)


def _frame() -> pl.DataFrame:
    return pl.DataFrame(
        {
            ROW: [1, 2, 3, 4, 5, 6],
            "age": [15, 16, 80, 81, None, 40],
            "score": [0.0, 100.0, 100.5, -0.1, None, 50.0],
            "sex": ["F", "M", "x", None, "unknown", "F"],
            "start": [dt.date(2020, 1, 1)] * 6,
            "end": [
                dt.date(2020, 1, 1),
                dt.date(2019, 12, 31),
                None,
                dt.date(2021, 1, 1),
                dt.date(2019, 1, 1),
                dt.date(2020, 1, 2),
            ],
        },
        schema_overrides={ROW: pl.Int64},
    )


def _exp(type_: str, rule: str, **kwargs) -> dict:
    return {"type": type_, "kwargs": kwargs, "meta": {"rule": rule, "engine": "great_expectations"}}


EDGE = [
    _exp("expect_column_values_to_be_between", "age", column="age", min_value=16, max_value=80),
    _exp(
        "expect_column_values_to_be_between",
        "age_strict",
        column="age",
        min_value=16,
        max_value=80,
        strict_min=True,
        strict_max=True,
    ),
    _exp("expect_column_values_to_be_between", "score", column="score", min_value=0, max_value=100),
    _exp("expect_column_values_to_be_between", "score_max", column="score", max_value=100),
    _exp(
        "expect_column_values_to_be_between",
        "score_frac",
        column="score",
        min_value=-0.05,
        max_value=100.25,
    ),
    _exp("expect_column_values_to_be_in_set", "sex", column="sex", value_set=["F", "M", "unknown"]),
    _exp("expect_column_values_to_not_be_in_set", "sex_not", column="sex", value_set=["x", "F"]),
    _exp("expect_column_values_to_not_be_null", "sex_null", column="sex"),
    _exp(
        "expect_column_pair_values_a_to_be_greater_than_b",
        "order",
        column_A="end",
        column_B="start",
        or_equal=True,
        ignore_row_if="either_value_is_missing",
    ),
    _exp(
        "expect_column_pair_values_a_to_be_greater_than_b",
        "order_strict",
        column_A="end",
        column_B="start",
        ignore_row_if="either_value_is_missing",
    ),
    # `mostly` is GX's own semantics: left to GX
    _exp("expect_column_values_to_not_be_null", "age_mostly", column="age", mostly=0.5),
]

# Bad rows, counted by hand from _frame()
SEX_NULL = next(e for e in EDGE if e["meta"]["rule"] == "sex_null")

EXPECTED = {
    "age": (2, [1, 4]),  # 15 and 81; the blank is ignored
    "age_strict": (4, [1, 2, 3, 4]),  # 16 and 80 are on the bounds
    "score": (2, [3, 4]),
    "score_max": (1, [3]),
    "score_frac": (2, [3, 4]),  # 100.5 and -0.1
    "sex": (1, [3]),  # 'x'; the blank is ignored
    "sex_not": (3, [1, 3, 6]),
    "sex_null": (1, [4]),
    "order": (2, [2, 5]),  # row 3 has no end and is ignored
    "order_strict": (3, [1, 2, 5]),
    "age_mostly": (0, []),  # 1 blank of 6 is within mostly=0.5
}


def test_edge_cases_counted_by_hand_in_both_engines():
    t = TypedTable(file=InputFile(Path("edge.csv"), "edge"), frame=_frame(), rows=6, clean=_frame())
    suites = {"edge": EDGE}
    for engine in ("duckdb", "gx"):
        got = {r.rule: r for r in run_row_rules([t], suites, engine=engine)}
        assert {
            k: (r.unexpected_count, [e["row"] for e in r.examples]) for k, r in got.items()
        } == (EXPECTED), engine
    got = {r.rule: r for r in run_row_rules([t], suites, engine="duckdb")}
    # passing compiled rules were counted by DuckDB; failing ones are reported by GX
    assert got["score_max"].engine == "great_expectations"
    assert got["age_mostly"].engine == "great_expectations"
    assert got["order"].examples == [
        {"row": 2, "value": "end=2019-12-31, start=2020-01-01"},
        {"row": 5, "value": "end=2019-01-01, start=2020-01-01"},
    ]


def test_passing_rules_need_no_great_expectations():
    t = TypedTable(file=InputFile(Path("edge.csv"), "edge"), frame=_frame(), rows=6, clean=_frame())
    res = run_row_rules([t], {"edge": [SEX_NULL]}, engine="duckdb")
    # sex_null fails: reported by GX. The same rule on rows without a blank passes in DuckDB.
    assert res[0].engine == "great_expectations" and res[0].unexpected_count == 1
    clean = _frame().filter(pl.col("sex").is_not_null())
    t2 = TypedTable(file=InputFile(Path("edge.csv"), "edge"), frame=clean, rows=5, clean=clean)
    res = run_row_rules([t2], {"edge": [SEX_NULL]}, engine="duckdb")
    assert (res[0].engine, res[0].status, res[0].element_count) == ("duckdb", "passed", 5)


def test_what_is_not_compiled_goes_to_gx():
    schema = _frame().schema
    # a numeric bound on a text column, mixed value types, an unknown kwarg, another type
    assert bad_row_condition(EDGE[-1], schema) is None
    assert (
        bad_row_condition(
            _exp("expect_column_values_to_be_between", "r", column="sex", min_value=1), schema
        )
        is None
    )
    assert (
        bad_row_condition(
            _exp("expect_column_values_to_be_in_set", "r", column="age", value_set=[1, "a"]), schema
        )
        is None
    )
    assert (
        bad_row_condition(_exp("expect_column_values_to_match_regex", "r", column="sex"), schema)
        is None
    )
    # quotes in a value set are escaped, not injected
    cond = bad_row_condition(
        _exp("expect_column_values_to_be_in_set", "r", column="sex", value_set=["a'b"]), schema
    )
    assert cond == "\"sex\" IS NOT NULL AND NOT (\"sex\" IN ('a''b'))"


def test_engines_that_disagree_are_an_engine_error():
    mine = RuleResult(rule="r", table="t", status="failed", unexpected_count=3, engine="duckdb")
    same = RuleResult(rule="r", table="t", status="failed", unexpected_count=3)
    other = RuleResult(rule="r", table="t", status="failed", unexpected_count=2)
    assert _confirmed(mine, same) is same
    res = _confirmed(mine, other)
    assert (
        res.status == "error"
        and "DuckDB found 3" in res.message
        and "Expectations 2" in res.message
    )


def test_unknown_engine_is_a_usage_error(monkeypatch):
    from sceval.contracts.validate import row_engine
    from sceval.errors import UsageError

    monkeypatch.setenv("SCEVAL_ROW_ENGINE", "spark")
    with pytest.raises(UsageError, match="SCEVAL_ROW_ENGINE='spark'"):
        row_engine()
    monkeypatch.setenv("SCEVAL_ROW_ENGINE", "GX")
    assert row_engine() == "gx"


CLEAN_TEXT = {
    "str": ["a", "b c", None, " padded "],
    "int": ["12", "-3", None, "0", "+7"],
    "float": ["1.5", "-0.25", None, "3", "1e3"],
    "bool": ["true", "false", None, "true"],
    "date": ["2020-01-31", "2020-02-30", None, "1999-12-01"],  # 30 February types as bad
}
DIRTY_TEXT = {
    "str": ["", "   ", "x" * 1_000_001],
    "int": [" 12", "12.0", "x"],
    "float": ["NaN", "inf", " 1.5 ", ""],
    "bool": ["TRUE", "yes", " true", "0"],
    "date": ["2020-01-31 00:00", " 2020-01-31", "2020/01/31", "2020-1-31", ""],
}


@pytest.mark.parametrize("kind", sorted(CLEAN_TEXT))
def test_plain_text_columns_type_as_the_careful_path_does(kind):
    from sceval.contracts.files import plain_column, typed_column

    raw = pl.DataFrame({"c": CLEAN_TEXT[kind]}, schema={"c": pl.String})
    applies, value, bad = plain_column(pl.col("c"), kind)
    assert raw.select(applies).item() is True
    careful = typed_column(pl.col("c"), pl.String, kind)
    fast = raw.select(value.alias("v"), bad.alias("b"))
    slow = raw.select(careful[0].alias("v"), careful[1].fill_null(False).alias("b"))
    assert fast.with_columns(pl.col("b").fill_null(False)).equals(slow)
    # each dirty value alone sends the column to the careful path
    for v in DIRTY_TEXT[kind]:
        one = pl.DataFrame({"c": [*CLEAN_TEXT[kind], v]}, schema={"c": pl.String})
        assert one.select(applies).item() is False, v
