"""Plausible dates (issue 14, point 5): the contracts declare how early and how far after the
load a date may be, and the checks run like every other rule (validate, load, GX suite)."""

from __future__ import annotations

import datetime as dt
import json

import duckdb
import pytest
from test_hostile_text import replace_cell, valid_copy

from sceval.contracts.suites import expectations_for, resolve_dates
from sceval.errors import ProjectError
from sceval.project import parse_contract


@pytest.mark.parametrize(
    ("table", "column", "value", "rule"),
    [
        ("events", "event_date", "2099-03-01", "events.event_date.plausible_date"),
        ("followups", "check_date", "2199-01-01", "followups.check_date.plausible_date"),
        ("incidents", "date", "0000-06-01", "incidents.date.type"),  # no such year
        ("incidents", "date", "0001-06-01", "incidents.date.plausible_date"),
        ("incidents", "date", "1900-06-01", "incidents.date.plausible_date"),
    ],
)
def test_implausible_dates_are_refused(cli, tmp_path, table, column, value, rule):
    data = valid_copy(tmp_path)
    replace_cell(data / f"{table}.csv", 1, column, value)
    out_json = tmp_path / "v.json"
    code, out, _ = cli("validate", str(data), "--json", str(out_json))
    assert code == 1, out
    failed = [r for r in json.loads(out_json.read_text())["results"] if r["status"] == "failed"]
    assert [r["rule"] for r in failed] == [rule]
    assert failed[0]["unexpected_count"] == 1 and failed[0]["examples"][0]["row"] == 1
    db = tmp_path / "wh.duckdb"
    code, _, err = cli("load", str(data), "--db", str(db))
    assert code == 1 and rule in err
    if db.exists():  # nothing stored
        with duckdb.connect(str(db), read_only=True) as con:
            assert con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0


def test_tolerance_is_measured_from_the_load_date(cli, tmp_path):
    """events declare future_days: 1 — tomorrow passes, the day after fails."""
    today = dt.date.today()
    data = valid_copy(tmp_path)
    for day, ok in ((today + dt.timedelta(days=1), True), (today + dt.timedelta(days=2), False)):
        replace_cell(data / "events.csv", 1, "event_date", day.isoformat())
        code, out, _ = cli("validate", str(data / "events.csv"))
        assert (code == 0) is ok or ("plausible_date" not in out) is ok, out
        assert ("events.event_date.plausible_date" in out) is not ok


def test_planned_dates_may_be_years_ahead_actual_ones_may_not(cli, tmp_path):
    data = valid_copy(tmp_path)
    ahead = (dt.date.today() + dt.timedelta(days=3 * 365)).isoformat()
    replace_cell(data / "activities.csv", 1, "planned_end", ahead)
    code, out, _ = cli("validate", str(data / "activities.csv"))
    assert "plausible_date" not in out, out
    replace_cell(data / "activities.csv", 1, "actual_end", ahead)
    code, out, _ = cli("validate", str(data / "activities.csv"))
    assert code == 1 and "activities.actual_end.plausible_date" in out


def test_suite_holds_a_load_date_parameter_resolved_at_validation(project):
    exps = expectations_for(project.contract("events"))
    (rule,) = [e for e in exps if e["meta"]["rule"] == "events.event_date.plausible_date"]
    assert rule["kwargs"] == {
        "column": "event_date",
        "min_value": "1946-01-01",
        "max_value": {"$PARAMETER": "load_date+1"},
    }
    (done,) = [
        e
        for e in resolve_dates(exps, dt.date(2026, 5, 31))
        if e["meta"]["rule"] == rule["meta"]["rule"]
    ]
    assert done["kwargs"]["min_value"] == dt.date(1946, 1, 1)
    assert done["kwargs"]["max_value"] == dt.date(2026, 6, 1)


def test_date_options_are_checked(tmp_path, project):
    src = project.contract("events").path.read_text(encoding="utf-8")
    for bad, words in (
        ("dates: {earliest: soon}", "earliest must be a year"),
        ("dates: {future_days: -1}", "future_days must be a whole number"),
        ("dates: {latest: 3}", "dates takes earliest and future_days"),
    ):
        p = tmp_path / "events.yml"
        p.write_text(src.replace("dates: {earliest: 1946, future_days: 1}", bad))
        with pytest.raises(ProjectError, match=words):
            parse_contract(p)
