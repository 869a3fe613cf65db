"""The chart API on plain Polars frames: aggregation first, honest labels, no row limit."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import polars as pl
import pytest
from report_helpers import dataset_rows, matrix_cells

from sceval.reports import charts


def _rows(spec: dict) -> list[dict]:
    return dataset_rows(spec)


def test_dialogue_chart_aggregates_large_tables():
    # 20,000 meetings (over Altair's 5,000-row limit) become program x year x level counts
    n = 20_000
    meetings = pl.DataFrame(
        {
            "program_id": ["MD"] * n,
            "date": [dt.date(2000 + i % 10, 1 + i % 12, 1) for i in range(n)],
            "level": [("ministerial", "working")[i % 2] for i in range(n)],
        }
    )
    spec = charts.dialogue_levels(meetings).to_dict()
    rows = _rows(spec)
    assert len(rows) == 10 * 5
    assert sum(r["meetings"] for r in rows) == n
    by = {(r["year"], r["level"]): r["meetings"] for r in rows}
    # year = i % 10 and level = i % 2: even years are all ministerial, odd all working
    assert by[(2000, "ministerial")] == 2000 and by[(2001, "working")] == 2000
    assert by[(2000, "working")] == 0 and by[(2000, "ambassadorial")] == 0


def test_status_matrix_suppresses_small_counts_with_a_given_threshold():
    results = pl.DataFrame(
        {
            "indicator_id": ["a", "a", "b"],
            "program_id": ["P1", "P2", "P1"],
            "value": [0.5, 0.9, 0.7],
            "n": [9, 12, 30],
            "status": ["amber", "green", "green"],
            "suppressed": [False, False, False],
            "unit": ["proportion"] * 3,
        }
    )
    cells = charts.status_matrix_frame(results, threshold=10)
    got = {(r["program"], r["indicator"]): (r["label"], r["value_text"]) for r in cells.to_dicts()}
    assert got == {
        ("P1", "a"): ("suppressed", None),
        ("P2", "a"): ("green", "90.0%"),
        ("P1", "b"): ("green", "70.0%"),
        ("P2", "b"): ("not computed", None),
    }
    spec = charts.status_matrix(results, threshold=10, as_of="2026-06-30").to_dict()
    drawn = {(r["program"], r["title"]): (r["label"], r["value_text"]) for r in matrix_cells(spec)}
    assert drawn == got
    assert spec["title"]["subtitle"] == "as of 2026-06-30"


def test_dnh_cell_takes_the_worst_state_and_labels_flags():
    findings = pl.DataFrame(
        {
            "check_id": ["vetting"] * 4 + ["embargo"],
            "program_id": ["P1"] * 5,
            "unit_id": ["U1", "U2", "U3", "U4", None],
            "severity": ["medium", "high", "critical", "low", "critical"],
            "status": ["flag", "flag", "flag", "pass", "insufficient_data"],
            "waived": [False, False, True, False, False],
        }
    )
    cells = {r["check_id"]: r for r in charts.dnh_cells_frame(findings).to_dicts()}
    # the critical flag is waived: the worst unwaived flag is high, two flags stand
    assert cells["vetting"]["label"] == "flag high x2"
    assert cells["vetting"]["href"] == "#dnh-vetting--P1"
    assert cells["embargo"]["label"] == "insufficient data"


def test_disaggregations_show_text_for_missing_values():
    results = pl.DataFrame(
        {
            "indicator_id": ["a"] * 3,
            "program_id": ["P1"] * 3,
            "dimension": ["sex", "sex", "age_band"],
            "dimension_value": ["F", "M", "18-25"],
            "value": [0.4, None, 0.5],
            "n": [40, None, 50],
            "status": ["amber", "insufficient_data", "amber"],
            "suppressed": [False, False, False],
        }
    )
    frame = charts.disaggregations_frame(results, dimensions=["sex"])
    # the status in words beside the value (not by colour alone); a row without a value has
    # no bar and no interval to draw, only its words
    assert frame.select("group", "label").rows() == [
        ("F", "0.4 (amber)"),
        ("M", "insufficient data"),
    ]
    assert frame.select("group", "value", "ci_low", "no_data").rows() == [
        ("F", 0.4, None, None),
        ("M", None, None, "insufficient data"),
    ]


def test_portfolio_of_more_than_5000_cells_is_charted():
    # 101 programs x 50 indicators = 5,050 cells: aggregates, so no row limit applies
    ids = [(f"P{p:03d}", f"i{i:02d}") for p in range(101) for i in range(50)]
    results = pl.DataFrame(
        {
            "program_id": [p for p, _ in ids],
            "indicator_id": [i for _, i in ids],
            "value": [float("nan")] + [0.5] * (len(ids) - 1),
            "n": [100] * len(ids),
            "status": ["green"] * len(ids),
            "suppressed": [False] * len(ids),
        }
    )
    spec = charts.status_matrix(results).to_dict()
    rows = matrix_cells(spec)
    assert len(rows) == 5050
    assert {r["program"] for r in rows} == {f"P{p:03d}" for p in range(101)}
    json.dumps(spec, allow_nan=False)  # NaN never reaches the page as invalid JSON


def test_bullet_bands_use_the_programs_own_thresholds():
    """co_designed_share: catalogue green >= 0.5, amber >= 0.25; SYN-TUN-DCB's own 0.8 / 0.6."""
    from sceval.project import Project
    from sceval.reports.data import program_thresholds

    project = Project(Path(__file__).resolve().parents[2])
    own = program_thresholds(project)
    row = own.filter(
        (pl.col("program_id") == "SYN-TUN-DCB") & (pl.col("indicator_id") == "co_designed_share")
    )
    assert row.select("ov_green", "ov_amber").rows() == [(0.8, 0.6)]
    bullets = pl.DataFrame(
        {
            "program_id": ["SYN-TUN-DCB", "OTHER"],
            "indicator_id": ["co_designed_share"] * 2,
            "indicator": ["Co-designed", "Co-designed (other)"],
            "value": [0.7, 0.7],
            "ci_low": [0.6, 0.6],
            "ci_high": [0.75, 0.75],
            "target": [0.9, 0.9],
            "target_to_date": [None, None],
            "baseline": [None, None],
        },
        schema_overrides={"target_to_date": pl.Float64, "baseline": pl.Float64},
    )
    sheets = pl.DataFrame(
        {
            "indicator_id": ["co_designed_share"],
            "direction": ["higher"],
            "green": [0.5],
            "amber": [0.25],
            "relative_to": [None],
        },
        schema_overrides={"relative_to": pl.String},
    )
    bands = charts.threshold_bands_frame(bullets, sheets, own)
    amber = {
        r["indicator"]: (r["band_start"], r["band_end"])
        for r in bands.filter(pl.col("band") == "amber").to_dicts()
    }
    # 0.7 is amber for the Tunisian program (0.6-0.8), green elsewhere (amber 0.25-0.5)
    assert amber == {"Co-designed": (0.6, 0.8), "Co-designed (other)": (0.25, 0.5)}
    # without the overrides both take the catalogue's bands
    plain = charts.threshold_bands_frame(bullets, sheets)
    assert set(plain.filter(pl.col("band") == "amber")["band_start"]) == {0.25}


def test_threshold_bands_are_named_in_words_where_the_name_fits_clear_of_the_ticks():
    """Bands red 0-0.25, amber 0.25-0.30, green 0.30-1.0; target tick at 0.35.

    Row extent 0-1, so a pixel is at most 1.5 / 420 = 0.0035714 (Vega's nice domain), a name
    34 px = 0.121429 and its air 3 px = 0.0107143: the red band is named at its left end,
    amber (0.05 wide) is too narrow for its name, and green's left end lies under the target
    tick, so its name goes to its right end: 1.0 - 0.0107143 - 0.121429 = 0.867857.
    """
    bullets = pl.DataFrame(
        {
            "indicator": ["Completion"],
            "value": [0.7],
            "ci_low": [0.6],
            "ci_high": [0.75],
            "target": [0.35],
            "target_to_date": [None],
        },
        schema_overrides={"target_to_date": pl.Float64},
    )
    bands = pl.DataFrame(
        {
            "indicator": ["Completion"] * 3,
            "band": ["red", "amber", "green"],
            "band_start": [0.0, 0.25, 0.30],
            "band_end": [0.25, 0.30, 1.0],
        }
    )
    named = charts.band_labels_frame(bullets, bands)
    got = {r["band"]: r["label_x"] for r in named.to_dicts()}
    assert set(got) == {"red", "green"}
    assert got["red"] == pytest.approx(0.0107143, abs=1e-6)
    assert got["green"] == pytest.approx(0.867857, abs=1e-6)
    # a target-to-date tick on green's right end as well: green is left unnamed
    both = bullets.with_columns(target_to_date=pl.lit(0.9))
    assert set(charts.band_labels_frame(both, bands)["band"]) == {"red"}


def test_a_trend_of_one_measurement_says_there_is_no_trend():
    """An ex-post program measured once: the panel's subtitle says so, with the date."""
    base = {
        "program_id": "P1",
        "dimension": None,
        "group": None,
        "n": 40,
        "ci_low": None,
        "ci_high": None,
        "target": 0.9,
        "target_to_date": None,
        "baseline": None,
        "projected_value": None,
        "suppressed": False,
        "status": "green",
        "unit": "proportion",
    }
    rows = [
        {**base, "indicator_id": "once", "period_end": dt.date(2026, 6, 30), "value": 0.8},
        {**base, "indicator_id": "twice", "period_end": dt.date(2026, 3, 31), "value": 0.6},
        {**base, "indicator_id": "twice", "period_end": dt.date(2026, 6, 30), "value": 0.7},
    ]
    floats = ("ci_low", "ci_high", "target_to_date", "baseline", "projected_value")
    results = pl.DataFrame(
        rows,
        schema_overrides={c: pl.Float64 for c in floats}
        | {"dimension": pl.String, "group": pl.String},
    )
    programs = pl.DataFrame(
        {
            "program_id": ["P1"],
            "name": ["Program one"],
            "start_date": [dt.date(2024, 1, 1)],
            "end_date": [dt.date(2025, 12, 31)],
        }
    )
    frame = charts.trends_frame(results, programs)
    assert charts.lone_measurements(frame) == {"once": "2026-06-30"}
    spec = charts.indicator_trends(results, programs).to_dict()
    titles = {r["title"]["text"]: r["title"].get("subtitle") for r in spec["vconcat"]}
    assert titles == {"once": "one measurement (2026-06-30): no trend to draw", "twice": None}
