"""The evaluation project: found where users expect it, shipped in the wheel, copied by init."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from sceval.errors import ProjectError
from sceval.project import MARKER, Project, find_project_root

ROOT = Path(__file__).resolve().parents[2]


def test_working_directory_project_wins(tmp_path, monkeypatch, sceval_cli):
    r = sceval_cli("init", str(tmp_path / "team"))
    assert r.returncode == 0, r.stderr
    monkeypatch.delenv("SCEVAL_PROJECT", raising=False)
    monkeypatch.chdir(tmp_path / "team")
    assert find_project_root() == (tmp_path / "team").resolve()


def test_init_copies_every_project_folder(tmp_path, sceval_cli):
    r = sceval_cli("init", str(tmp_path / "p"))
    assert r.returncode == 0, r.stderr
    p = Project(tmp_path / "p")
    assert set(p.contracts) == set(Project(ROOT).contracts)
    for d in ("indicators", "schemas", "pipelines", "reports", "seeds"):
        assert (tmp_path / "p" / d).is_dir(), d
    assert p.catalogue_hash == Project(ROOT).catalogue_hash


def test_init_refuses_non_empty_folder(tmp_path, sceval_cli):
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "keep.txt").write_text("mine")
    r = sceval_cli("init", str(tmp_path / "p"))
    assert r.returncode == 2
    assert "not an empty folder" in r.stderr and "Traceback" not in r.stderr
    assert (tmp_path / "p" / "keep.txt").read_text() == "mine"


def test_explicit_project_must_be_a_project(tmp_path):
    with pytest.raises(ProjectError, match=MARKER):
        find_project_root(tmp_path)


def test_catalogue_hash_changes_with_a_definition(tmp_path, sceval_cli):
    sceval_cli("init", str(tmp_path / "p"))
    before = Project(tmp_path / "p").catalogue_hash
    f = tmp_path / "p" / "pipelines" / "default.yml"
    f.write_text(f.read_text() + "\n# reviewed\n")
    assert Project(tmp_path / "p").catalogue_hash != before


@pytest.mark.slow
def test_wheel_ships_one_package_with_the_default_project(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "hatchling", "build", "-t", "wheel", "-d", str(tmp_path)],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("sceval-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    top = {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")}
    assert top == {"sceval"}
    assert "sceval/_project/sceval_project.yml" in names
    assert "sceval/_project/schemas/programs.yml" in names
    assert "sceval/_project/pipelines/default.yml" in names
    assert any(n.startswith("sceval/_project/seeds/data/") for n in names)

    # Installed from the wheel (not this checkout), run from elsewhere: the shipped project is used.
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    code = "import sceval.project as p; print(p.find_project_root())"
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=elsewhere,
        env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert Path(out.stdout.strip()) == target / "sceval" / "_project"
