"""Issue 16: hr_incidents_per_1000 counts human-rights kinds only, and says which."""

from __future__ import annotations

import pytest
import world
from world import pick

from sceval.indicators import compute_indicators
from sceval.indicators.catalogue import load_catalogue
from sceval.pipeline import Pipeline

ONLY = Pipeline(
    name="t", as_of="today", indicators=["hr_incidents_per_1000"], partnership_models=[],
    dnh_checks=[], reports=[], raw={},
)  # fmt: skip


def test_corruption_is_not_a_human_rights_incident_and_disappearance_is(tmp_path, project):
    con = world.warehouse(project, tmp_path / "w.duckdb")
    # U1 (t0 2020-03-31, 27 trained) and U2 (t0 2020-08-10, 20 trained): the world's own
    # incidents give 2 after (I1 torture, I4 unlawful killing). Added inside the windows:
    # a credible corruption case by U1 (not counted) and a credible enforced disappearance
    # by U2 (counted): 3 incidents after, per 47 trained.
    con.execute(
        "INSERT INTO incidents VALUES "
        "('I7', 'U1', DATE '2021-06-01', 'corruption', 'credible', 'none', 'test'), "
        "('I8', 'U2', DATE '2021-06-01', 'enforced_disappearance', 'credible', 'none', 'test'), "
        "('I9', 'U2', DATE '2021-07-01', 'other', 'confirmed', 'none', 'test')"
    )
    df = compute_indicators(con, project, run_id="k", as_of=world.AS_OF, pipeline=ONLY)
    r = pick(df, "hr_incidents_per_1000", "P1")
    assert r["numerator"] == 3
    assert r["value"] == pytest.approx(3 / 47 * 1000)
    con.close()


def test_reference_sheet_names_the_kinds(project):
    ind = load_catalogue(project)["hr_incidents_per_1000"]
    for kind in ("unlawful_killing", "torture", "enforced_disappearance", "arbitrary_detention",
                 "sexual_violence", "excessive_force"):  # fmt: skip
        assert kind in ind.raw["definition"] and kind in ind.params["kinds"]
    assert "not corruption or other" in " ".join(ind.raw["definition"].split())
