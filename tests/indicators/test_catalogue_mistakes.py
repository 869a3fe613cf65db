"""`sceval catalogue --check`: every silent typo of issue 16 is one error line, exit 2.

Each test edits one file of a fresh copy of the default project (written by `sceval init`)
and writes the expected line in the test.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sceval.errors import ProjectError
from sceval.indicators.catalogue import load_catalogue
from sceval.indicators.literals import compared_literals, unknown_values
from sceval.init_project import init_project
from sceval.project import Project


@pytest.fixture
def proj_dir(tmp_path) -> Path:
    return init_project(tmp_path / "p")


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def errors(result) -> list[str]:
    return [ln for ln in result.stderr.splitlines() if ln.startswith("sceval: error:")]


def test_compared_literals_are_read_by_the_sql_parser():
    assert compared_literals("rank_group = 'officers'") == [("rank_group", "officers")]
    assert compared_literals("'x' <> kind AND sex IN ('F', 'Q')") == [
        ("kind", "x"),
        ("sex", "F"),
        ("sex", "Q"),
    ]
    # A literal inside CASE, NOT IN and parentheses is compared too; arithmetic is not.
    assert compared_literals("CASE WHEN (sex) = ('F') THEN 1 ELSE 0 END") == [("sex", "F")]
    assert compared_literals("sex NOT IN ('Q')") == [("sex", "Q")]
    assert compared_literals("as_of - INTERVAL '30 days' > actual_end") == []
    assert unknown_values("sex = 'female'", {"sex": ("F", "M", "X", "unknown")}) == [
        "value 'female' is not an allowed value of column sex (allowed: F, M, X, unknown)"
    ]


def test_mistyped_filter_value_is_an_error_naming_file_field_value_and_allowed(proj_dir):
    edit(
        proj_dir / "indicators" / "learning_gain.yml",
        "filter: pre_score IS NOT NULL",
        "filter: rank_group = 'officers' AND pre_score IS NOT NULL",
    )
    with pytest.raises(ProjectError) as err:
        load_catalogue(Project(proj_dir))
    assert err.value.problems == [
        "indicators/learning_gain.yml: field compute.filter: value 'officers' is not an allowed "
        "value of column rank_group (allowed: officer, nco, enlisted, civilian)"
    ]


def test_parent_column_values_are_checked_through_the_source(proj_dir):
    # activity_kind is activities.kind seen from participants.
    edit(
        proj_dir / "indicators" / "learning_gain.yml",
        "filter: pre_score IS NOT NULL",
        "filter: activity_kind IN ('training', 'drill') AND pre_score IS NOT NULL",
    )
    with pytest.raises(ProjectError) as err:
        load_catalogue(Project(proj_dir))
    (line,) = err.value.problems
    assert "value 'drill' is not an allowed value of column activity_kind" in line
    assert "(allowed: training, equipment, advisory, exercise, education, dialogue, " in line


def test_indicator_id_must_match_file_name(proj_dir):
    edit(proj_dir / "indicators" / "learning_gain.yml", "id: learning_gain", "id: learning_gains")
    with pytest.raises(ProjectError) as err:
        load_catalogue(Project(proj_dir))
    assert err.value.problems == [
        "indicators/learning_gain.yml: field id: 'learning_gains' differs from the file name "
        "'learning_gain'"
    ]


def test_check_threshold_codes_are_checked(proj_dir):
    from sceval.dnh.spec import parse_check

    path = proj_dir / "indicators" / "checks" / "non_state_recipient.yml"
    edit(path, "commands: [non_state, mixed]", "commands: [nonstate, mixed]")
    with pytest.raises(ProjectError, match=r"thresholds.commands: value 'nonstate' .*"
                       r"\(allowed: state, non_state, mixed\)"):  # fmt: skip
        parse_check(path, Project(proj_dir))


def test_catalogue_check_prints_one_line_per_mistake_and_exits_2(proj_dir, sceval_cli):
    ind = proj_dir / "indicators"
    edit(ind / "women_share_participants.yml", "numerator: sex = 'F'", "numerator: sex = 'female'")
    edit(ind / "learning_gain.yml", "id: learning_gain", "id: learning_gains")
    edit(ind / "checks" / "defection.yml", "id: defection", "id: defections")
    edit(ind / "models" / "attina2005.yml", "id: attina2005", "id: attina")
    edit(proj_dir / "reports" / "scorecard.yml", "id: scorecard", "id: scorecards")
    edit(proj_dir / "pipelines" / "default.yml", "name: default", "name: everything")
    r = sceval_cli("catalogue", "--check", cwd=proj_dir)
    assert r.returncode == 2, r.stderr
    lines = errors(r)
    assert len(lines) == 6, r.stderr
    assert "Traceback" not in r.stderr
    expected = [
        "learning_gain.yml: field id: 'learning_gains' differs from the file name",
        "women_share_participants.yml: field compute.numerator: value 'female'",
        "defection.yml: check id 'defections' must match the file name",
        "attina2005.yml: id 'attina' must match the file name 'attina2005'",
        "scorecard.yml: id 'scorecards' must match the file name 'scorecard'",
        "default.yml: name 'everything' must match the file name 'default'",
    ]
    for want, line in zip(expected, lines, strict=True):
        assert want in line, (want, line)


def test_catalogue_check_on_the_default_project_says_what_it_checked(proj_dir, sceval_cli):
    r = sceval_cli("catalogue", "--check", cwd=proj_dir)
    assert r.returncode == 0, r.stderr
    assert re.search(
        r"catalogue ok: \d+ indicators, \d+ checks, 2 models, 6 reports, 2 pipelines", r.stdout
    )


def test_check_source_read_as_a_mapping_is_an_error(proj_dir):
    from sceval.dnh.spec import parse_check

    path = proj_dir / "indicators" / "checks" / "violence_against_protesters.yml"
    edit(path, "  - 'Borsari (CEPA), papers/001 (Iraq: demonstrators killed, kidnapped and tortured, "
         "October 2019)'", "  - Borsari (CEPA), papers/001 (Iraq: demonstrators killed)")  # fmt: skip
    with pytest.raises(ProjectError, match=r"sources\[0\] is not text; quote it"):
        parse_check(path, Project(proj_dir))


def test_function_param_codes_are_checked(proj_dir):
    edit(
        proj_dir / "indicators" / "hr_incidents_per_1000.yml",
        "kinds: [unlawful_killing,",
        "kinds: [unlawful_killings,",
    )
    with pytest.raises(ProjectError) as err:
        load_catalogue(Project(proj_dir))
    assert err.value.problems == [
        "indicators/hr_incidents_per_1000.yml: field params.kinds: value 'unlawful_killings' is "
        "not an allowed value of incidents.kind (allowed: unlawful_killing, torture, "
        "arbitrary_detention, sexual_violence, excessive_force, corruption, other, "
        "enforced_disappearance)"
    ]
