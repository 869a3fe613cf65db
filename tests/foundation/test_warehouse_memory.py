"""DuckDB's memory limit and spill folder (issue 20, point 2): set on every warehouse connection
from the project's settings before the configuration is locked; a query larger than the limit
spills to the temp directory even with external access off; running out of memory anyway is
one line and exit 6."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from sceval.errors import ProjectError
from sceval.project import Project
from sceval.warehouse import DEFAULT_MEMORY_SHARE, connect, memory_settings, physical_memory

ROOT = Path(__file__).resolve().parents[2]
SCEVAL = Path(sys.executable).with_name("sceval")
# 3M distinct strings: a hash table of a few hundred MB, far beyond 50 MB.
BIG_QUERY = (
    "SELECT count(*) FROM (SELECT DISTINCT i::VARCHAR || 'abcdefghij' AS s "
    "FROM range(3000000) t(i))"
)


def _project(tmp_path: Path, **settings: str) -> Project:
    """A copy of the default project's settings file with extra settings (no other folders
    are needed to open a warehouse)."""
    root = tmp_path / "proj"
    root.mkdir()
    text = (ROOT / "sceval_project.yml").read_text(encoding="utf-8")
    text += "".join(f"\n{k}: {v}" for k, v in settings.items()) + "\n"
    (root / "sceval_project.yml").write_text(text, encoding="utf-8")
    return Project(root)


def _setting(con: duckdb.DuckDBPyConnection, name: str) -> str:
    return con.execute(f"SELECT current_setting('{name}')").fetchall()[0][0]


def _mib(text: str) -> float:
    number, unit = text.split()
    return float(number) * {"KiB": 1 / 1024, "MiB": 1, "GiB": 1024, "TiB": 1024**2}[unit]


def test_default_limit_is_a_share_of_the_machine(tmp_path, project):
    total = physical_memory()
    assert total and total > 0
    want = total * DEFAULT_MEMORY_SHARE / 2**20
    settings = memory_settings(project)
    assert "temp_directory" not in settings  # DuckDB's own: <warehouse>.tmp beside the file
    con = connect(tmp_path / "wh.duckdb", project=project)
    try:
        assert abs(_mib(_setting(con, "memory_limit")) - want) <= max(0.02 * want, 2)
        assert _setting(con, "temp_directory") == str(tmp_path / "wh.duckdb") + ".tmp"
    finally:
        con.close()


def test_project_settings_are_set_and_locked(tmp_path):
    spill = tmp_path / "spill"
    project = _project(tmp_path, duckdb_memory_limit="300MB", duckdb_temp_directory=str(spill))
    con = connect(tmp_path / "wh.duckdb", project=project)
    try:
        assert 280 <= _mib(_setting(con, "memory_limit")) <= 300
        assert _setting(con, "temp_directory") == str(spill)
        assert _setting(con, "enable_external_access") is False
        with pytest.raises(duckdb.Error, match="(?i)lock"):
            con.execute("SET memory_limit = '100GB'")
    finally:
        con.close()


def test_relative_temp_directory_and_share(tmp_path):
    project = _project(tmp_path, duckdb_memory_limit="'25%'", duckdb_temp_directory="spill")
    settings = memory_settings(project)
    assert settings["temp_directory"] == str(project.root / "spill")
    want = physical_memory() * 0.25 / 2**20
    assert abs(_mib(settings["memory_limit"].replace("MiB", " MiB")) - want) <= 1


@pytest.mark.parametrize("bad", ["'150%'", "lots"])
def test_bad_limit_is_a_project_error(tmp_path, bad):
    project = _project(tmp_path, duckdb_memory_limit=bad)
    with pytest.raises(ProjectError, match="duckdb_memory_limit"):
        connect(tmp_path / "wh.duckdb", project=project)


def test_query_beyond_the_limit_spills_with_external_access_off(tmp_path):
    spill = tmp_path / "spill"
    project = _project(tmp_path, duckdb_memory_limit="50MB", duckdb_temp_directory=str(spill))
    con = connect(tmp_path / "wh.duckdb", project=project)
    try:
        assert con.execute(BIG_QUERY).fetchall()[0][0] == 3_000_000
        # It did need the spill folder: with no room to spill, the same query fails.
    finally:
        con.close()
    raw = duckdb.connect(str(tmp_path / "raw.duckdb"))
    try:
        raw.execute("SET memory_limit = '50MB'")
        raw.execute(f"SET temp_directory = '{tmp_path / 'spill2'}'")
        raw.execute("SET max_temp_directory_size = '1MB'")
        raw.execute("SET enable_external_access = false")
        with pytest.raises(duckdb.OutOfMemoryException):
            raw.execute(BIG_QUERY).fetchall()
    finally:
        raw.close()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="the supervisor needs fork")
def test_out_of_memory_under_the_project_limit_is_one_line_exit_6(tmp_path):
    """A limit far too small for the work: `sceval load` ends with one line and exit 6."""
    project = _project(tmp_path, duckdb_memory_limit="4MB")
    for sub in ("schemas", "indicators"):
        shutil.copytree(ROOT / sub, project.root / sub)
    env = {k: v for k, v in os.environ.items() if k not in {"SCEVAL_DB", "SCEVAL_PROJECT"}}
    r = subprocess.run(
        [
            str(SCEVAL),
            "load",
            str(ROOT / "seeds" / "data"),
            "--db",
            str(tmp_path / "wh.duckdb"),
            "--project",
            str(project.root),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    text = r.stdout + r.stderr
    assert r.returncode == 6, text
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, text
    assert "out of memory" in lines[0] and "duckdb_memory_limit" in lines[0], text
    for bad in ("Traceback", "internal error", "engine error"):
        assert bad not in text


def _cgroup_file(path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text + "\n")


def test_the_cgroup_limit_comes_from_the_process_own_cgroup_v1_or_v2(tmp_path):
    from sceval.warehouse import cgroup_memory_limit

    root = tmp_path / "sys"
    me = tmp_path / "cgroup"
    # cgroup v2: the job's own memory.max is "max", its parent's is 8 GiB: the parent's holds.
    _cgroup_file(root / "user.slice" / "job" / "memory.max", "max")
    _cgroup_file(root / "user.slice" / "memory.max", str(8 * 2**30))
    me.write_text("0::/user.slice/job\n")
    assert cgroup_memory_limit(me, root) == 8 * 2**30
    # cgroup v1 (memory controller on its own hierarchy): 16 GiB, the root's "no limit" ignored.
    _cgroup_file(root / "memory" / "laptop16" / "memory.limit_in_bytes", str(16 * 2**30))
    _cgroup_file(root / "memory" / "memory.limit_in_bytes", "9223372036854771712")
    me.write_text("7:cpu,cpuacct:/\n5:memory:/laptop16\n")
    assert cgroup_memory_limit(me, root) == 16 * 2**30
    # No limit anywhere: none, and the machine's memory is used.
    me.write_text("5:memory:/\n")
    assert cgroup_memory_limit(me, root) is None
    assert cgroup_memory_limit(tmp_path / "absent", root) is None
