"""Framework files: one clear error line per mistake, exit 2, before anything runs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from sceval.errors import ProjectError
from sceval.framework import load_frameworks
from sceval.project import Project

ROOT = Path(__file__).resolve().parents[2]

GOOD = """\
program_id: P1
goal: A force that holds ground.
objectives:
  - {id: ready, text: Units ready, indicator: unit_readiness, target: 0.75, target_date: 2025-12-31}
results:
  - {id: trained, level: output, text: Trained, indicators: [personnel_trained], leads_to: [holds]}
  - {id: holds, level: outcome, text: Holds, indicators: [unit_readiness, retention_12m]}
assumptions:
  - id: absorb
    text: Absorbed
    link: [trained, holds]
    monitor: {indicator: absorption_rate}
    broken_when: {below: 0.5}
"""


@pytest.fixture
def tmp_project(tmp_path: Path) -> Project:
    root = tmp_path / "proj"
    root.mkdir()
    shutil.copy2(ROOT / "sceval_project.yml", root)
    for d in ("indicators", "schemas", "pipelines", "reports"):
        shutil.copytree(ROOT / d, root / d)
    (root / "frameworks").mkdir()
    return Project(root)


def _write(project: Project, name: str, text: str) -> None:
    (project.root / "frameworks" / name).write_text(text)


def test_a_good_framework_parses(tmp_project):
    _write(tmp_project, "P1.yml", GOOD)
    (fw,) = load_frameworks(tmp_project)
    assert [r.id for r in fw.results] == ["trained", "holds"]
    assert fw.assumptions[0].below == 0.5


def test_each_mistake_is_one_line(tmp_project):
    bad = (
        GOOD.replace("indicators: [personnel_trained]", "indicators: [persons_trainedd]")
        .replace(", target_date: 2025-12-31", "")
        .replace("indicators: [unit_readiness, retention_12m]", "indicators: []")
    )
    _write(tmp_project, "P1.yml", bad)
    with pytest.raises(ProjectError) as err:
        load_frameworks(tmp_project)
    lines = str(err.value).splitlines()
    assert lines[0] == "the results frameworks have 3 mistakes:"
    assert lines[1:] == [
        "  frameworks/P1.yml: field objectives[0].target_date: missing: a SMART objective has a target date",
        "  frameworks/P1.yml: field results.trained.indicators: unknown indicator 'persons_trainedd' (not in indicators/)",
        "  frameworks/P1.yml: field results.holds.indicators: missing: a result is measured by at least one indicator",
    ]


def test_file_name_must_match_the_program(tmp_project):
    _write(tmp_project, "P2.yml", GOOD)
    with pytest.raises(ProjectError, match="program_id: 'P1' must equal the file name 'P2'"):
        load_frameworks(tmp_project)


def test_catalogue_check_reports_framework_mistakes_with_exit_2(tmp_project, sceval_cli):
    _write(tmp_project, "P1.yml", GOOD.replace("target: 0.75, ", ""))
    proc = sceval_cli("catalogue", "--check", "--project", str(tmp_project.root))
    assert proc.returncode == 2, proc.stderr
    assert "frameworks/P1.yml: field objectives[0].target: missing or not a number" in proc.stderr
    assert "Traceback" not in proc.stderr
    proc = sceval_cli("framework", "--check", "--project", str(tmp_project.root))
    assert proc.returncode == 2
    _write(tmp_project, "P1.yml", GOOD)
    proc = sceval_cli("framework", "--check", "--project", str(tmp_project.root))
    assert proc.returncode == 0, proc.stderr
    assert "frameworks ok: 1 results frameworks" in proc.stdout


def test_the_seed_frameworks_are_valid(project):
    ids = sorted(fw.id for fw in load_frameworks(project))
    assert ids == ["SYN-IRQ-NTMI", "SYN-KWT-ICIRC", "SYN-LBY-GPF", "SYN-MD-DIALOGUE",
                   "SYN-SAHEL-TE", "SYN-TUN-DCB"]  # fmt: skip
