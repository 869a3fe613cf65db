"""Numbers as a reader reads them, and charts laid out one unit (and one model) at a time."""

from __future__ import annotations

import json

import polars as pl
import pytest
from report_helpers import dataset_rows

from sceval.reports import charts
from sceval.reports.charts.common import axis_format, format_value
from sceval.reports.charts.rows import PLOT_WIDTH


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        (0.944, "share", "94.4%"),
        (0.0169, "share per year", "1.7% per year"),
        (0.981, "share of the way", "98.1% of the way"),
        (4580.0, "currency per trainee", "EUR 4,580 per trainee"),
        (11700.0, "currency per trainee", "EUR 11,700 per trainee"),
        (1250.0, "persons", "1,250"),
        (4.0, "days", "4 days"),
        (2.0, "meetings per year", "2.0"),
        (1.58, "levels", "1.58"),
        (-0.1, "index points", "-0.1"),
        (None, "share", None),
    ],
)
def test_values_are_printed_in_their_unit(value, unit, text):
    assert format_value(value, unit, "EUR") == text


def test_axes_are_formatted_by_unit():
    assert [axis_format(u) for u in ("share", "currency per trainee", "persons", "days")] == [
        ".1~%",
        ",.0f",
        ",.0f",
        ",.0f",
    ]


def _results(**cols) -> pl.DataFrame:
    n = len(cols["indicator_id"])
    base = {
        "program_id": ["P1"] * n,
        "dimension": [None] * n,
        "dimension_value": [None] * n,
        "period_end": [None] * n,
        "n": [100] * n,
        "ci_low": [None] * n,
        "ci_high": [None] * n,
        "target": [None] * n,
        "target_to_date": [None] * n,
        "baseline": [None] * n,
        "suppressed": [False] * n,
        "currency": ["EUR"] * n,
    }
    frame = pl.DataFrame({**base, **cols}, schema_overrides={"period_end": pl.Date})
    nulls = [c for c, t in frame.schema.items() if t == pl.Null]
    return frame.with_columns(
        [pl.col(c).cast(pl.String if c.startswith("dimension") else pl.Float64) for c in nulls]
    )


def _axes(spec) -> list[dict]:
    """Every axis definition in a spec, at any depth."""
    found = []
    if isinstance(spec, dict):
        for key, value in spec.items():
            if key == "axis" and isinstance(value, dict):
                found.append(value)
            found.extend(_axes(value))
    elif isinstance(spec, list):
        for item in spec:
            found.extend(_axes(item))
    return found


def test_bullets_money_with_currency_and_labels_beside_the_plot():
    results = _results(
        indicator_id=["cost", "change", "share"],
        value=[4580.0, -0.2, 0.5],
        unit=["currency per trainee", "index points", "share"],
        status=["green", "red", "amber"],
    )
    spec = charts.indicator_bullets(results).to_dict()
    rows = {r["indicator"]: r for r in dataset_rows(spec) if r.get("row_type") == "bullet"}
    assert rows["cost"]["label"] == "EUR 4,580 per trainee (green)"
    assert rows["change"]["label"] == "-0.2 (red)"
    assert rows["share"]["label"] == "50.0% (amber)"
    # one row per indicator, each with its own axis in its unit
    assert len(spec["vconcat"]) == 3
    formats = {a.get("format") for a in _axes(spec)}
    assert {",.0f", ",.3~r", ".1~%"} <= formats
    assert "EUR per trainee" in {a.get("title") for a in _axes(spec)}
    # the value labels are placed at the plot's right edge (a pixel value), never at the
    # value: a negative value's label cannot fall inside its bar
    text = json.dumps(spec)
    assert f'"x": {{"value": {PLOT_WIDTH}}}' in text
    assert spec["description"]


def test_disaggregation_without_a_value_draws_no_bar():
    results = _results(
        indicator_id=["a", "a"],
        dimension=["sex", "sex"],
        dimension_value=["F", "M"],
        value=[0.4, 0.3],
        n=[40, 0],
        # not persons: no small-cell rule, so only n = 0 is missing
        counts_persons=[False, False],
        unit=["share", "share"],
        status=["amber", "insufficient_data"],
    )
    frame = charts.disaggregations_frame(results)
    got = frame.select("group", "value", "label", "no_data").rows()
    assert got == [("F", 0.4, "40.0% (amber)", None), ("M", None, "no data (n = 0)", "no data")]


def _scores() -> pl.DataFrame:
    rows = []
    for model, cases in (("m1", ("a", "b", "c")), ("m2", ("x", "y"))):
        for rank, case in enumerate(cases, start=1):
            rows.append(("overall", model, None, case, 1 - rank / 10, rank))
            for dim in ("first dimension", "second"):
                rows.append(("dimension", model, dim, case, 0.5, None))
    return pl.DataFrame(
        rows,
        schema=["level", "model_id", "dimension_id", "case_id", "score", "rank"],
        orient="row",
    ).with_columns(
        max_score=pl.lit(1.0),
        item_id=pl.lit(None, pl.String),
        rating_text=pl.lit(None, pl.String),
        note=pl.lit(None, pl.String),
    )


def test_dimension_profiles_and_ranks_one_panel_per_model():
    scores = _scores()
    profiles = charts.dimension_profiles(scores).to_dict()
    assert [p["title"]["text"] for p in profiles["vconcat"]] == ["Model: m1", "Model: m2"]
    # each panel's case legend lists only its model's cases
    domains = [p["layer"][0]["encoding"]["color"]["scale"]["domain"] for p in profiles["vconcat"]]
    assert domains == [["a", "b", "c"], ["x", "y"]]
    robust = charts.robustness(scores).to_dict()
    panels = [p for p in robust["vconcat"] if "hconcat" in p]
    assert [p["title"]["text"] for p in panels] == ["Model: m1", "Model: m2"]
    ranks = [sorted(r["label"] for r in robust["datasets"][p["data"]["name"]]) for p in panels]
    assert ranks == [
        ["0.7 (rank 3)", "0.8 (rank 2)", "0.9 (rank 1)"],
        ["0.8 (rank 2)", "0.9 (rank 1)"],
    ]


def test_whole_units_get_whole_ticks():
    """An events row from 0 to 1 has ticks at 0 and 1 only (no 0.5 printed as "1")."""
    results = _results(
        indicator_id=["events", "days"],
        value=[0.0, 2.4],
        unit=["events", "days"],
        status=["green", "green"],
    )
    spec = charts.indicator_bullets(results).to_dict()
    values = {json.dumps(a["values"]) for a in _axes(spec) if "values" in a}
    assert values == {"[0, 1]", "[0, 1, 2, 3]"}


def test_every_chart_has_a_text_alternative(written):
    """Each chart on a page is announced by its title and description (aria-label) and
    captioned by its description; the spec carries the same description."""
    import re

    from report_helpers import specs_of

    out, _, _ = written
    for name in ("scorecard-P1.html", "partnership.html", "dialogues.html"):
        page = (out / name).read_text(encoding="utf-8")
        specs = specs_of(page)
        assert specs, name
        for cid, spec in specs.items():
            assert spec.get("description"), f"{name} {cid}: no description"
            div = re.search(rf'<div class="chart" id="{cid}"[^>]*>', page).group(0)
            assert 'role="img"' in div and 'aria-label="' in div, div
            about = spec["description"][:40].replace("'", "&#x27;")
            assert about in div, div
            if cid != "chart-dnh_findings":  # described by its section (scale19 rewrites it)
                caption = re.search(rf'id="{cid}-caption">([^<]*)<', page).group(1)
                assert caption.startswith(about), caption


def test_stacked_rows_are_the_spec_altair_writes_and_can_be_restyled():
    """The rows are stacked as dicts (for speed): the spec must be the one Altair's own
    vconcat writes, valid against the schema, and restylable like any Altair chart."""
    import altair as alt

    from sceval.reports.charts import rows

    results = _results(
        indicator_id=["cost", "share"],
        value=[4580.0, 0.5],
        unit=["currency per trainee", "share"],
        status=["green", "amber"],
    )
    captured = {}
    original = rows.stack

    def keep(charts_, frame, **kw):
        captured["rows"], captured["frame"], captured["kw"] = charts_, frame, kw
        return original(charts_, frame, **kw)

    rows.stack = keep
    try:
        fast = charts.indicator_bullets(results)
    finally:
        rows.stack = original
    slow = alt.vconcat(
        *[
            alt.layer(*r.members).properties(**r.props, width=PLOT_WIDTH, height=34)
            for r in captured["rows"]
        ],
        data=charts.inline(captured["frame"]),
        spacing=10,
    ).properties(title=captured["kw"]["title"], description=captured["kw"]["description"])
    spec = fast.to_dict(validate=True)
    assert json.dumps(spec, sort_keys=True) == json.dumps(slow.to_dict(), sort_keys=True)
    assert len(spec["vconcat"]) == 2 and all("data" not in r for r in spec["vconcat"])
    styled = fast.configure_axis(labelFontSize=13).to_dict()
    assert styled["config"]["axis"] == {"labelFontSize": 13}
    assert fast.properties(title="Costs").to_dict()["title"] == "Costs"
