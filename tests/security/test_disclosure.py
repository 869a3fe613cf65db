"""Disclosure control (issue 14, point 3): no person ids leave the warehouse unless asked (and
recorded), and no suppressed cell can be derived from its table's total and other cells."""

from __future__ import annotations

import itertools
import json
import zipfile
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sceval
from sceval.disclosure import complementary

VALID = Path(__file__).resolve().parents[1] / "fixtures" / "valid"


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    """The valid fixture set loaded and run (indicators and do-no-harm)."""
    db = tmp_path_factory.mktemp("disc") / "wh.duckdb"
    wh = sceval.open(db)
    wh.load(VALID)
    run_id = wh.run(as_of="2024-06-30", steps=("indicators", "dnh"))
    return wh, run_id


def person_ids() -> set[str]:
    return set(pl.read_csv(VALID / "participants.csv")["participant_id"])


def exported_text(files: list[Path]) -> str:
    parts = []
    for f in files:
        if f.suffix == ".xlsx":
            with zipfile.ZipFile(f) as z:
                parts += [z.read(n).decode("utf-8", "replace") for n in z.namelist()]
        elif f.suffix == ".parquet":
            parts.append(str(pl.read_parquet(f).to_dicts()))
        else:
            parts.append(f.read_text(encoding="utf-8"))
    return "\n".join(parts)


def test_export_carries_no_person_ids(warehouse, tmp_path):
    wh, run_id = warehouse
    stored = wh.sql(
        f"SELECT evidence FROM dnh_findings WHERE run_id = '{run_id}' "
        "AND evidence_table = 'participants'"
    )
    assert stored.height >= 1  # the probe: findings whose evidence rows are persons
    files = wh.export(tmp_path / "out", run_id)
    text = exported_text(files)
    leaked = {p for p in person_ids() if p in text}
    assert leaked == set()
    findings = pl.read_json(tmp_path / "out" / "dnh_findings.json")
    person = findings.filter(pl.col("evidence_table") == "participants")
    assert person.height == stored.height
    assert person["evidence"].null_count() == person.height
    assert (person["evidence_count"] >= 1).all()
    runs = wh.sql(f"SELECT include_person_ids FROM runs WHERE run_id = '{run_id}'")
    assert runs["include_person_ids"].to_list() == [False]


def test_include_person_ids_lets_them_out_and_is_recorded(warehouse, tmp_path):
    wh, run_id = warehouse
    files = wh.export(tmp_path / "out", run_id, include_person_ids=True)
    assert "X004" in exported_text(files)
    runs = wh.sql(f"SELECT include_person_ids FROM runs WHERE run_id = '{run_id}'")
    assert runs["include_person_ids"].to_list() == [True]
    prov = json.loads((tmp_path / "out" / "provenance.json").read_text())
    assert prov["include_person_ids"] is True


def test_cli_flag_needs_export(sceval_cli, tmp_path):
    r = sceval_cli("run", "--include-person-ids", "--db", str(tmp_path / "none.duckdb"))
    assert r.returncode == 2 and "--include-person-ids applies to --export" in r.stderr


# --- secondary suppression -------------------------------------------------------------


def table(
    total: int, cells: dict[str, int], threshold: int = 5, dimension: str = "sex"
) -> pl.DataFrame:
    """One indicator's result rows: the total and one dimension's cells, primaries marked."""
    rows = [{"dimension": None, "dimension_value": None, "n": total}]
    rows += [{"dimension": dimension, "dimension_value": k, "n": v} for k, v in cells.items()]
    df = pl.DataFrame(rows, schema={"dimension": pl.String, "dimension_value": pl.String,
                                    "n": pl.Int64})  # fmt: skip
    return df.with_columns(
        indicator_id=pl.lit("women_share"),
        program_id=pl.lit("P1"),
        suppressed=pl.col("dimension").is_not_null() & pl.col("n").is_between(1, threshold - 1),
    )


def protect(df: pl.DataFrame, threshold: int = 5) -> pl.DataFrame:
    out = complementary(
        df, threshold, size=pl.col("n"), keys=["indicator_id", "program_id"]
    ).collect()
    return out.with_columns(shown=pl.when(~pl.col("suppressed")).then(pl.col("n")))


def feasible_values(protected: pl.DataFrame) -> dict[str, set[int]]:
    """What an attacker can derive: every assignment of the hidden cells (each >= 1, as a
    published cell holds at least one person) consistent with every shown total and cell."""
    total = protected.filter(pl.col("dimension").is_null())["shown"][0]
    cells = protected.filter(pl.col("dimension").is_not_null())
    hidden = cells.filter(pl.col("shown").is_null())["dimension_value"].to_list()
    out: dict[str, set[int]] = {h: set() for h in hidden}
    if total is None:
        return {h: set(range(1, 1000)) for h in hidden}  # nothing to subtract from
    rest = total - cells["shown"].drop_nulls().sum()
    for combo in itertools.product(range(1, rest + 1), repeat=len(hidden)):
        if sum(combo) == rest:
            for h, v in zip(hidden, combo, strict=True):
                out[h].add(v)
    return out


def test_primary_only_suppression_is_recoverable_from_the_total():
    """The probe: with the small cell alone blanked, total minus the shown cells gives it."""
    df = table(40, {"F": 3, "M": 25, "X": 7, "unknown": 5})
    primary_only = df.with_columns(shown=pl.when(~pl.col("suppressed")).then(pl.col("n")))
    assert feasible_values(primary_only) == {"F": {3}}


@pytest.mark.parametrize(
    ("total", "cells"),
    [
        (40, {"F": 3, "M": 25, "X": 7, "unknown": 5}),
        (40, {"F": 1, "M": 37, "X": 1, "unknown": 1}),
        (30, {"F": 2, "M": 28}),
        (12, {"F": 4, "M": 8}),
        (60, {"F": 3, "M": 4, "X": 50, "unknown": 3}),
    ],
)
def test_no_suppressed_cell_is_recoverable(total, cells):
    protected = protect(table(total, cells))
    hidden = feasible_values(protected)
    assert hidden, "a small cell was published"
    for name, values in hidden.items():
        assert cells[name] in values  # the truth is among the possibilities...
        assert len(values) >= 2, (name, values)  # ...and not the only one


def test_a_table_too_small_to_protect_is_suppressed_whole():
    """One small cell and no other cell to pair it with: the total goes too (it would equal
    the cell), and so do the other dimensions of that indicator and program."""
    df = pl.concat(
        [
            table(3, {"F": 3}),
            table(3, {"officer": 1, "nco": 2}, dimension="rank_group").filter(
                pl.col("dimension").is_not_null()
            ),
        ]
    )
    protected = protect(df)
    assert protected["suppressed"].all()


def test_complements_are_the_smallest_cells():
    protected = protect(table(40, {"F": 3, "M": 25, "X": 7, "unknown": 5}))
    hidden = protected.filter(pl.col("suppressed"))["dimension_value"].to_list()
    assert sorted(hidden) == ["F", "unknown"]  # 5 is the smallest shown cell: 3 + 5 >= 5
    notes = protected.filter(pl.col("secondary"))["dimension_value"].to_list()
    assert notes == ["unknown"]


def test_only_tables_with_a_cell_to_protect_change_and_rows_keep_their_order():
    """Many programs, periods (one null), one table needing complements: that table gets
    them, every other row comes back as it went in, in the same order."""
    needs = table(40, {"F": 3, "M": 25, "X": 7, "unknown": 5})
    safe = table(40, {"F": 13, "M": 27})
    frames = []
    for program in ("P1", "P2", "P3"):
        for period in ("2024-Q1", None):
            df = needs if (program, period) == ("P2", None) else safe
            frames.append(df.with_columns(program_id=pl.lit(program), period=pl.lit(period)))
    df = pl.concat(frames).with_row_index("i")
    out = complementary(
        df, 5, size=pl.col("n"), keys=["indicator_id", "program_id", "period"]
    ).collect()
    assert out["i"].to_list() == df["i"].to_list()
    hidden = out.filter(pl.col("suppressed"))
    assert hidden.select("program_id", "period", "dimension_value").rows() == [
        ("P2", None, "F"),
        ("P2", None, "unknown"),
    ]
    assert out.filter(pl.col("secondary"))["dimension_value"].to_list() == ["unknown"]
    untouched = ~((pl.col("program_id") == "P2") & pl.col("period").is_null())
    assert out.filter(untouched).drop("secondary").equals(df.filter(untouched))


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    cells=st.lists(st.integers(min_value=1, max_value=30), min_size=1, max_size=5),
    extra=st.integers(min_value=0, max_value=5),
)
def test_property_no_suppressed_cell_is_determined(cells, extra):
    """Any one-way table (cells summing to at most the total: some persons may lack a value)."""
    named = {f"c{i}": v for i, v in enumerate(cells)}
    protected = protect(table(sum(cells) + extra, named))
    for name, values in feasible_values(protected).items():
        # an attacker who takes the cells to add up to the total still cannot pin one down
        assert len(values) >= 2, (named, name, values)


def test_engine_writes_secondary_suppression(warehouse):
    wh, run_id = warehouse
    rows = wh.sql(
        f"SELECT indicator_id, program_id, dimension, n, suppressed, note "
        f"FROM indicator_results WHERE run_id = '{run_id}' AND dimension IS NOT NULL"
    )
    totals = wh.sql(
        f"SELECT indicator_id, program_id, suppressed AS total_suppressed "
        f"FROM indicator_results WHERE run_id = '{run_id}' AND dimension IS NULL"
    )
    # a table with one suppressed cell has its total suppressed too (nothing to subtract from)
    per_table = rows.group_by("indicator_id", "program_id", "dimension").agg(
        k=pl.col("suppressed").sum(), cells=pl.len()
    )
    lone = per_table.filter(pl.col("k") == 1).join(totals, on=["indicator_id", "program_id"])
    assert lone.height > 0 and lone["total_suppressed"].all()
