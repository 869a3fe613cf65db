"""Several raters and rating rounds: consensus rules, Krippendorff's alpha, rounds side by side.

The published example is Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability"
(Annenberg School for Communication, University of Pennsylvania), section C: four observers,
twelve units, values 1-5 with missing data; the paper gives alpha = 0.743 (nominal),
0.815 (ordinal) and 0.849 (interval).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from sceval.partnership.agreement import (
    _alpha_from,
    _unit_coincidences,
    agreement_rows,
    ladder,
    ordinal_alpha,
)
from sceval.partnership.model import load_model
from sceval.partnership.score import score_model

NAN = np.nan
KRIPPENDORFF_C = np.array(
    [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, NAN, NAN, NAN],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NAN, 3],
        [NAN, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NAN],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NAN],
    ]
)
D05, D25 = dt.date(2005, 7, 1), dt.date(2025, 6, 30)
ITEM = "awareness_interdependence"


def test_alpha_reproduces_krippendorffs_published_example():
    a = ordinal_alpha(KRIPPENDORFF_C)
    assert round(a.alpha, 3) == 0.815
    # Unit 12 has one value only: 11 pairable units, 40 pairable values (as the paper counts).
    assert (a.units, a.values, a.raters) == (11, 40, 4)
    # The formula the bootstrap uses gives the same alpha as the package.
    domain = np.unique(KRIPPENDORFF_C[~np.isnan(KRIPPENDORFF_C)])
    coinc = _unit_coincidences(KRIPPENDORFF_C, domain).sum(axis=0)
    assert _alpha_from(coinc) == pytest.approx(a.alpha, abs=1e-12)
    # The coincidence matrix of the paper: n_c = 9, 13, 10, 5, 3 (its margins), n = 40.
    assert coinc.sum(axis=1) == pytest.approx([9, 13, 10, 5, 3])
    # The 95% interval holds the estimate and is the same on every run (fixed seed).
    assert a.ci_low < a.alpha < a.ci_high <= 1.0
    assert ordinal_alpha(KRIPPENDORFF_C) == a


def test_alpha_is_honest_about_too_little_data():
    one_value = ordinal_alpha(np.array([[2.0, 2.0, 2.0], [2.0, 2.0, 2.0]]))
    assert one_value.alpha is None and "one value" in one_value.note
    no_pairs = ordinal_alpha(np.array([[1.0, NAN], [NAN, 2.0]]))
    assert no_pairs.alpha is None and no_pairs.units == 0
    perfect = ordinal_alpha(np.array([[0.0, 1.0, 2.0, 4.0], [0.0, 1.0, 2.0, 4.0]]))
    assert perfect.alpha == pytest.approx(1.0)


def _model(tmp_path: Path, project, rule: str | None):
    src = project.path("indicators", "models", "attina2005.yml").read_text()
    if rule is not None:
        src += f"\nconsensus: {rule}\n"
    path = tmp_path / "attina2005.yml"
    path.write_text(src)
    return load_model(path)


def _ratings(rows: list[tuple]) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {
                "model_id": "attina2005",
                "case_id": c,
                "item_id": i,
                "rating_text": t,
                "evidence": None,
                "rated_by": r,
                "rated_on": d,
            }
            for c, i, t, r, d in rows
        ],  # fmt: skip
        schema={
            "model_id": pl.String,
            "case_id": pl.String,
            "item_id": pl.String,
            "rating_text": pl.String,
            "evidence": pl.String,
            "rated_by": pl.String,
            "rated_on": pl.Date,
        },
    )


THREE = [
    ("europe", ITEM, "High", "A", D25),  # 1
    ("europe", ITEM, "Medium", "B", D25),  # 2/3
    ("europe", ITEM, "No", "C", D25),  # 0
    ("europe", ITEM, "Medium/low", "adjudicated", D25),  # 1/2
]


@pytest.mark.parametrize(
    ("rule", "expected"),
    [(None, 2 / 3), ("median", 2 / 3), ("mean", (1 + 2 / 3 + 0) / 3), ("adjudicated", 1 / 2)],
)
def test_consensus_rule_of_the_model(tmp_path, project, rule, expected):
    model = _model(tmp_path, project, rule)
    scored = score_model(model, _ratings(THREE))
    k = scored.items.index(ITEM)
    assert scored.item_scores[0, 0, k] == pytest.approx(expected)


def test_adjudicated_rule_without_an_adjudication_falls_back_to_the_median(tmp_path, project):
    model = _model(tmp_path, project, "adjudicated")
    scored = score_model(model, _ratings(THREE[:3]))
    assert scored.item_scores[0, 0, scored.items.index(ITEM)] == pytest.approx(2 / 3)
    assert "not yet adjudicated" in scored.evidence[("europe", ITEM)]


def test_disagreements_of_more_than_one_step_are_listed(tmp_path, project):
    model = _model(tmp_path, project, None)
    # The ladder: 0 < low < medium/low < medium < 1 (five steps, positions 0-4).
    assert ladder(model).tolist() == pytest.approx([0, 1 / 3, 1 / 2, 2 / 3, 1])
    rows = _ratings(
        [
            ("europe", ITEM, "High", "A", D25),  # position 4
            ("europe", ITEM, "Medium/low", "B", D25),  # position 2: two steps apart
            ("africa", ITEM, "High", "A", D25),
            ("africa", ITEM, "Medium", "B", D25),  # one step: not listed
            ("east_asia", ITEM, "Low", "A", D25),
            ("east_asia", ITEM, "Low", "B", D25),
        ]
    )
    out = agreement_rows(model, rows, "r1")
    listed = [r for r in out if r["level"] == "disagreement"]
    assert [(r["case_id"], r["item_id"], r["steps_apart"]) for r in listed] == [
        ("europe", ITEM, 2.0)
    ]
    assert listed[0]["ratings"] == "A: High; B: Medium/low"
    item = next(r for r in out if r["level"] == "item")
    # Hand check: positions A = (4, 4, 1), B = (2, 3, 1) over europe, africa, east_asia.
    assert item["alpha"] == pytest.approx(
        ordinal_alpha(np.array([[4.0, 4.0, 1.0], [2.0, 3.0, 1.0]])).alpha
    )
    assert (item["raters"], item["units"]) == (2, 3)
    assert {r["level"] for r in out} == {"model", "item", "disagreement"}


def test_two_rounds_scored_and_shown_side_by_side(tmp_path, project):
    """End to end: a 2005 round by Attinà and a 2025 round by two raters, in a warehouse."""
    from partnership_helpers import score_run, table1_file, table1_rows

    from sceval.partnership import agreement_table, rounds_frame, table1_frame
    from sceval.warehouse import open_warehouse

    db = tmp_path / "wh.duckdb"
    con = open_warehouse(db, project)
    # The rating key (model, case, item, rater, round): two raters and rounds side by side.
    table1 = table1_rows(table1_file(tmp_path))
    later = [
        {**r, "rated_by": rater, "rated_on": "2025-06-30", "evidence": None}
        for r in table1
        if r["case_id"] == "europe"
        for rater in ("R1", "R2")
    ]
    # In 2025, R1 rates Europe's restrained violence Medium (2005: High); R2 keeps High:
    # median of (2/3, 1) = 5/6.
    for r in later:
        if r["item_id"] == "restrained_violence" and r["rated_by"] == "R1":
            r["rating_text"] = "Medium"
    frame = pl.DataFrame(table1 + later).with_columns(pl.col("rated_on").str.to_date())
    # sceval connections have no replacement scans (no external access): register the rows.
    con.register("frame", frame.to_arrow())
    con.execute("INSERT INTO partnership_ratings BY NAME SELECT * FROM frame")
    run = score_run(con, project, "attina2005")
    # The reference round (2005) is what the Table 1 frames read: unchanged.
    t1 = table1_frame(con, run, "attina2005", values="score")
    assert t1.filter(pl.col("item_id") == "restrained_violence")["europe"].to_list() == [1.0]
    assert t1.height == 15 and len(t1.columns) == 4 + 5
    side = rounds_frame(con, run, "attina2005")
    overall = side.filter(pl.col("level") == "overall").row(0, named=True)
    assert overall["case_id"] == "europe"
    dim = side.filter(pl.col("dimension_id") == "pre_conditions").row(0, named=True)
    # Pre-conditions: 2005 mean of (High, High, High...) vs 2025 with 5/6 for one of 3 items.
    assert dim["2025-06-30"] - dim["2005-07-01"] == pytest.approx((5 / 6 - 1) / 3)
    assert dim["change"] == pytest.approx((5 / 6 - 1) / 3)
    agree = agreement_table(con, run, "attina2005")
    assert agree.filter(pl.col("level") == "model")["rating_round"].to_list() == [D25]
    con.close()
