"""The catalogue: reference sheets, its self-check, and adding an indicator without Python."""

from __future__ import annotations

import shutil
import textwrap

import pytest
import world
from world import pick

from sceval.errors import ProjectError
from sceval.indicators.catalogue import REQUIRED, load_catalogue
from sceval.project import Project

ON_THE_FLY = {
    "activity_delivery_rate", "schedule_slippage_days", "budget_execution",
    "training_completion_rate", "learning_gain", "women_share_participants",
    "women_share_dialogues", "youth_share_dialogues", "civil_society_presence",
    "dialogue_frequency", "dialogue_seniority", "co_designed_share", "partner_cost_share",
    "vetting_coverage", "absorption_rate", "end_use_check_coverage",
    "partner_funded_sustainment",
}  # fmt: skip
EX_POST = {
    "retention_12m", "retention_24m", "defection_rate", "lethal_diversion_rate",
    "hr_incidents_per_1000", "civilian_harm_did", "conflict_events_did", "protester_violence",
    "cost_per_retained_trainee", "partner_cost_share_trend", "context_change",
    "targets_met_share", "baseline_to_target_progress",
    "unit_readiness", "capability_growth", "trained_units_employed",
    "equipment_serviceability_12m", "equipment_serviceability_24m",
}  # fmt: skip

SHARE = """\
id: women_officers_share
name: Women among officers trained
definition: Share of officer participations by women.
rationale: Women in command positions.
source: Weyland (papers/000).
kind: on_the_fly
dac_criterion: relevance
unit: share
direction: higher
numerator: Officer participations by women.
denominator: Officer participations.
source_tables: [participants]
disaggregations: [activity_kind]
min_n: 5
baseline: null
target: 0.3
thresholds: {green: 0.25, amber: 0.1}
limitations: none.
counts_persons: true
compute:
  aggregate: share
  source: participants
  filter: rank_group = 'officer'
  numerator: sex = 'F'
"""


def copy_project(tmp_path, project) -> Project:
    root = tmp_path / "proj"
    for d in ("schemas", "indicators", "pipelines"):
        shutil.copytree(project.root / d, root / d)
    shutil.copy(project.root / "sceval_project.yml", root / "sceval_project.yml")
    return Project(root)


def test_catalogue_has_the_required_indicators_with_full_sheets(project):
    cat = load_catalogue(project)
    assert ON_THE_FLY <= set(cat) and EX_POST <= set(cat)
    for ind in cat.values():
        assert set(REQUIRED) <= set(ind.raw), ind.id
        assert ind.kind == (
            "on_the_fly" if ind.id in ON_THE_FLY | {"personnel_trained"} else "ex_post"
        )
        assert ind.path.stem == ind.id  # one file per indicator, named after it


def test_new_share_indicator_without_python(tmp_path, project):
    proj = copy_project(tmp_path, project)
    # counts_persons left out: a participants indicator suppresses small cells by default.
    text = SHARE.replace("counts_persons: true\n", "").replace(
        "[activity_kind]", "[activity_kind, sex]"
    )
    (proj.root / "indicators" / "women_officers_share.yml").write_text(text, encoding="utf-8")
    con = world.warehouse(proj, tmp_path / "w.duckdb")
    from sceval.indicators import compute_indicators

    out = compute_indicators(con, proj, run_id="r-new", as_of=world.AS_OF)
    # P1 officers: p001-p005, all women -> 5/5.
    r = pick(out, "women_officers_share", "P1")
    assert (r["numerator"], r["denominator"], r["status"]) == (5, 5, "green")
    assert pick(out, "women_officers_share", "P1", "activity_kind", "training")["n"] == 5


def test_added_person_indicator_suppresses_small_cells_by_default(tmp_path, project):
    proj = copy_project(tmp_path, project)
    text = (
        SHARE.replace("counts_persons: true\n", "")
        .replace("[activity_kind]", "[sex]")
        .replace("filter: rank_group = 'officer'", "filter: rank_group <> 'civilian'")
    )
    (proj.root / "indicators" / "women_officers_share.yml").write_text(text, encoding="utf-8")
    con = world.warehouse(proj, tmp_path / "w.duckdb")
    from sceval.indicators import compute_indicators

    out = compute_indicators(con, proj, run_id="r-new", as_of=world.AS_OF)
    x = pick(out, "women_officers_share", "P1", "sex", "X")  # p030 alone
    assert x["suppressed"] is True and x["value"] is None and x["n"] is None
    # F (6), the smallest other cell, is suppressed with X so that X cannot be derived.
    assert pick(out, "women_officers_share", "P1", "sex", "F")["suppressed"] is True
    assert pick(out, "women_officers_share", "P1", "sex", "M")["n"] is not None


@pytest.mark.parametrize(
    ("edit", "field", "reason"),
    [
        (lambda t: t.replace("source: participants\n", "source: trainees\n"),
         "compute.source", "unknown table 'trainees'"),
        (lambda t: t.replace("rank_group = 'officer'", "rank = 'officer'"),
         "compute.filter", "unknown column(s) rank"),
        (lambda t: t.replace("numerator: sex = 'F'", "numerator: sex = = 'F'"),
         "compute.numerator", "does not parse"),
        (lambda t: t.replace("min_n: 5\n", ""), "min_n", "missing"),
        (lambda t: t.replace("id: women_officers_share", "id: learning_gain"),
         "id", "duplicate id 'learning_gain'"),
        (lambda t: t.replace("direction: higher", "direction: up"), "direction", "'up'"),
        (lambda t: t.replace("{green: 0.25, amber: 0.1}", "{green: 0.1, amber: 0.25}"),
         "thresholds", "green >= amber"),
        (lambda t: t.replace("disaggregations: [activity_kind]", "disaggregations: [region]"),
         "disaggregations", "'region'"),
        (lambda t: t + "colour: blue\n", "colour", "unknown field"),
        (lambda t: t.replace("sex = 'F'", "sex + 1"), "compute", "does not compile"),
    ],
)  # fmt: skip
def test_self_check_names_file_field_and_reason(tmp_path, project, edit, field, reason):
    proj = copy_project(tmp_path, project)
    path = proj.root / "indicators" / "women_officers_share.yml"
    path.write_text(edit(SHARE), encoding="utf-8")
    with pytest.raises(ProjectError) as err:
        load_catalogue(proj)
    msg = str(err.value)
    assert f"indicators/women_officers_share.yml: field {field}:" in msg
    assert reason in msg


@pytest.mark.parametrize(
    ("text", "field", "reason"),
    [
        ("params: {month: 12}\n", "params.month", "takes no such param"),
        ("params: {months: soon}\n", "params", "fails with these params"),
    ],
)
def test_engine_function_params_are_checked(tmp_path, project, text, field, reason):
    proj = copy_project(tmp_path, project)
    path = proj.root / "indicators" / "retention_12m.yml"
    raw = path.read_text(encoding="utf-8")
    raw = "\n".join(line for line in raw.splitlines() if not line.startswith("params:"))
    path.write_text(raw + "\n" + text, encoding="utf-8")
    with pytest.raises(ProjectError) as err:
        load_catalogue(proj)
    assert f"indicators/retention_12m.yml: field {field}:" in str(err.value)
    assert reason in str(err.value)


def test_bad_override_is_rejected(tmp_path, project):
    proj = copy_project(tmp_path, project)
    (proj.root / "indicators" / "overrides" / "programs.yml").write_text(
        "programs:\n  P1:\n    no_such_indicator: {target: 1}\n", encoding="utf-8"
    )
    with pytest.raises(ProjectError, match="programs.P1.no_such_indicator: unknown indicator"):
        load_catalogue(proj)


def test_catalogue_cli_lists_shows_and_checks(sceval_cli, project):
    listing = sceval_cli("catalogue")
    assert listing.returncode == 0
    for ident in ON_THE_FLY | EX_POST:
        assert ident in listing.stdout
    sheet = sceval_cli("catalogue", "retention_12m")
    assert sheet.returncode == 0
    for fld in ("definition", "rationale", "source", "dac_criterion", "thresholds", "limitations"):
        assert fld in sheet.stdout
    assert "GMF" in sheet.stdout
    unknown = sceval_cli("catalogue", "no_such_id")
    assert unknown.returncode == 2 and "unknown indicator 'no_such_id'" in unknown.stderr
    ok = sceval_cli("catalogue", "--check")
    assert ok.returncode == 0 and "catalogue ok" in ok.stdout


def test_catalogue_check_cli_fails_before_anything_runs(tmp_path, project, sceval_cli):
    proj = copy_project(tmp_path, project)
    bad = SHARE.replace("rank_group = 'officer'", "rank_group = ")
    (proj.root / "indicators" / "women_officers_share.yml").write_text(bad, encoding="utf-8")
    res = sceval_cli("catalogue", "--check", "--project", str(proj.root))
    assert res.returncode == 2
    assert "women_officers_share.yml: field compute.filter: does not parse" in res.stderr
    assert "Traceback" not in res.stderr
    # `sceval run` refuses too, and records no run.
    db = tmp_path / "w.duckdb"
    world.warehouse(proj, db).close()
    run = sceval_cli("run", "--db", str(db), "--project", str(proj.root), "--as-of", "2024-06-30")
    assert run.returncode == 2 and "compute.filter" in run.stderr
    import duckdb

    with duckdb.connect(str(db)) as con:
        assert con.execute("SELECT count(*) FROM runs").fetchone()[0] == 0


def test_sheet_text_is_wrapped_reference(project):
    from sceval.indicators.cli import sheet_rows

    rows = dict(sheet_rows(load_catalogue(project)["budget_execution"]))
    assert rows["thresholds"] == textwrap.dedent(
        "green >= 0.85 x target_to_date; amber >= 0.7 x target_to_date; red otherwise"
    )
    assert rows["target to date"] == "pro-rated to time elapsed"


def test_generated_docs_are_current(project):
    # docs/indicators.md is generated from the catalogue: `make docs` after editing a sheet.
    from sceval.docs import indicators_markdown

    committed = (project.root / "docs" / "indicators.md").read_text(encoding="utf-8")
    assert committed == indicators_markdown(project)
    assert "## Adding an indicator without Python" in committed
