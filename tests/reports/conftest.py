"""A real warehouse with hand-made result rows, as the other packages would write them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from report_data import populate

from sceval.project import Project
from sceval.warehouse import open_warehouse


@pytest.fixture(scope="session")
def report_project(tmp_path_factory, project) -> Project:
    """A copy of the default project (its reports/ definitions), isolated from other tests."""
    root = tmp_path_factory.mktemp("proj")
    for name in ("sceval_project.yml",):
        shutil.copy(project.path(name), root / name)
    for d in ("schemas", "reports", "pipelines"):
        shutil.copytree(project.path(d), root / d)
    (root / "indicators").mkdir()
    (root / "indicators" / "completion_rate.yml").write_text(
        "id: completion_rate\nname: Completion rate\ndirection: higher\n"
        "thresholds: {green: 0.8, amber: 0.6}\ncounts_persons: true\n"
    )
    (root / "indicators" / "delivery_rate.yml").write_text(
        "id: delivery_rate\nname: Delivery rate\ncounts_persons: false\n"
    )
    (root / "indicators" / "models").mkdir()
    (root / "indicators" / "models" / "attina2005.yml").write_text(
        "id: attina2005\ndimensions:\n"
        "  - id: pre_conditions\n    items:\n"
        "      - {id: awareness_interdependence, label: Awareness for interdependence}\n"
        "      - {id: restrained_violence, label: Restrained use of violence}\n"
    )
    return Project(root)


@pytest.fixture
def warehouse(tmp_path: Path, report_project: Project):
    """(connection, run id) of a populated warehouse."""
    con = open_warehouse(tmp_path / "wh.duckdb", report_project)
    run_id = populate(con, report_project)
    yield con, run_id
    con.close()


@pytest.fixture(scope="session")
def written(tmp_path_factory, report_project: Project):
    """The full report set written once for the session: (out dir, files, run id)."""
    from sceval.reports import write_reports

    tmp = tmp_path_factory.mktemp("reports")
    con = open_warehouse(tmp / "wh.duckdb", report_project)
    try:
        run_id = populate(con, report_project)
        files = write_reports(
            con, report_project, tmp / "out", formats=["html", "pdf", "png", "svg"]
        )
    finally:
        con.close()
    return tmp / "out", files, run_id
