"""Publication profiles (issue 14, point 3): `public` hides units, incident details and the
cells under a stricter threshold (with their complements); `internal` shows what evaluators
need. Secondary suppression also holds inside the reports."""

from __future__ import annotations

import re

import pytest
from report_helpers import dataset_rows, specs_of

from sceval.errors import UsageError
from sceval.reports import write_reports


@pytest.fixture
def both(warehouse, tmp_path, report_project):
    con, _ = warehouse
    out = {}
    for profile in ("internal", "public"):
        write_reports(con, report_project, tmp_path / profile, formats=["html"], profile=profile)
        out[profile] = tmp_path / profile
    return out


def _page(folder, name):
    return (folder / name).read_text(encoding="utf-8")


def _data_part(page: str) -> str:
    """The page without its inlined Vega code (the chart specs, with their data, stay)."""
    return re.sub(r"<script>.*?</script>", "", page, flags=re.S)


def test_public_hides_units_and_incident_details(both):
    internal = _data_part(_page(both["internal"], "dnh.html"))
    public = _data_part(_page(both["public"], "dnh.html"))
    # internal: the unit, the message and the incident id behind the finding
    assert "U1" in internal and "unit with credible incidents" in internal
    assert "12% of transferred items missing" in internal and "T1, T2" in internal
    # public: none of them; the check, status and severity stay
    assert "end_use_checks rows: T1, T2" in internal and "incidents rows: I1" in internal
    hidden = ("U1", "unit with credible incidents", "12% of transferred", "rows: T1", "rows: I1")
    for word in hidden:
        assert word not in public, word
    assert "Details withheld in the public profile" in public
    assert "flag high" in public and "Public profile" in public


def test_public_threshold_is_stricter_and_complements_follow(both):
    """completion_rate P1 by sex: F 40, M 107, X 3 of 150. Internal (threshold 5): X and its
    complement F are suppressed (150 - 107 - 40 would give X). Public (threshold 10): the
    same cells, and vetting_rate P2 (n 4) and the scorecard say fewer than 10."""
    rows = {
        p: {
            (r["panel"], r["group"]): r
            for r in dataset_rows(
                specs_of(_page(both[p], "scorecard-P1.html"))["chart-disaggregations"]
            )
        }
        for p in both
    }
    for p in both:
        assert rows[p][("Completion rate by sex", "X")]["label"] == "suppressed"
        assert rows[p][("Completion rate by sex", "F")]["label"] == "suppressed"
        assert rows[p][("Completion rate by sex", "M")]["value"] == pytest.approx(0.82)
    assert "fewer than 10 persons" in _page(both["public"], "scorecard-P1.html")


def test_unknown_profile_is_a_usage_error(warehouse, tmp_path, report_project):
    con, _ = warehouse
    with pytest.raises(UsageError, match="--profile 'press'"):
        write_reports(con, report_project, tmp_path / "x", formats=["html"], profile="press")


def test_cli_profile_flag(sceval_cli, tmp_path):
    r = sceval_cli("report", "--profile", "press", "--db", str(tmp_path / "none.duckdb"))
    assert r.returncode == 2
