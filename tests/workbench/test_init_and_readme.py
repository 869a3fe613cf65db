"""A project that starts with its data: `sceval init` writes data/, and README's "Using it"
block runs top to bottom, in order, on a fresh init."""

from __future__ import annotations

import csv
import os
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from sceval.project import Project

ROOT = Path(__file__).resolve().parents[2]


def using_it_commands() -> list[str]:
    """The shell lines of README's "Using it" block, comments and the venv activation dropped."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Using it", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    lines = [re.sub(r"\s+#.*$", "", ln).strip() for ln in block.splitlines()]
    return [ln for ln in lines if ln and not ln.startswith((".", "#"))]


def _env(home: Path) -> dict[str, str]:
    # a new user's home: README's key file must not touch the real one
    env = {k: v for k, v in os.environ.items() if k not in {"SCEVAL_DB", "SCEVAL_PROJECT"}}
    env["HOME"] = str(home)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    return env


def test_readme_using_it_runs_in_order_on_a_fresh_init(tmp_path):
    commands = using_it_commands()
    assert commands[0].startswith("sceval init my-evaluation --with-seed")
    assert any(c.startswith("sceval validate data/") for c in commands)
    cwd = tmp_path
    home = tmp_path / "home"
    home.mkdir()
    for cmd in commands:
        # `a && cd b`: run a, then move into b, as the shell would for the next line.
        parts = [p.strip() for p in cmd.split("&&")]
        for part in parts:
            if part.startswith("cd "):
                cwd = cwd / part[3:].strip()
                continue
            r = subprocess.run(
                part,
                shell=True,
                cwd=cwd,
                env=_env(home),
                capture_output=True,
                text=True,
                timeout=900,
            )
            assert r.returncode == 0, (part, r.stdout[-2000:], r.stderr[-2000:])
            assert "Traceback" not in r.stderr
            # every command says what it did
            assert (r.stdout + r.stderr).strip(), part
    assert (cwd / "validation.xml").is_file()
    assert (cwd / "sceval.duckdb").is_file()
    assert (cwd / "reports-out" / "index.html").is_file()
    assert (cwd / "reports-out" / "followup.html").is_file()
    assert (cwd / "entry.xlsx").is_file()
    key = home / ".sceval-key"
    assert key.stat().st_mode & 0o777 == 0o600
    assert len(key.read_text().strip()) == 64
    # encrypted: without the key DuckDB cannot read it
    with pytest.raises(duckdb.Error):
        duckdb.connect(str(cwd / "sceval.duckdb"), read_only=True).sql("FROM programs").fetchall()


def test_init_writes_header_only_tables_for_every_contract(tmp_path, sceval_cli):
    r = sceval_cli("init", str(tmp_path / "p"))
    assert r.returncode == 0, r.stderr
    assert "empty tables" in r.stdout and len(r.stdout.strip().splitlines()) == 1
    project = Project(tmp_path / "p")
    data = tmp_path / "p" / "data"
    assert sorted(p.stem for p in data.glob("*.csv")) == sorted(project.contracts)
    with (data / "programs.csv").open(encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows == [project.contract("programs").column_names]


def test_init_with_seed_copies_the_seed_data_and_it_loads(tmp_path, sceval_cli):
    r = sceval_cli("init", str(tmp_path / "p"), "--with-seed")
    assert r.returncode == 0, r.stderr
    data = tmp_path / "p" / "data"
    seed = ROOT / "seeds" / "data"
    assert sorted(p.name for p in data.glob("*.csv")) == sorted(p.name for p in seed.glob("*.csv"))
    assert (data / "programs.csv").read_bytes() == (seed / "programs.csv").read_bytes()
    db = tmp_path / "wh.duckdb"
    r = sceval_cli("load", "data/programs.csv", "--db", str(db), cwd=tmp_path / "p")
    assert r.returncode == 0, r.stderr
    n_seed = sum(1 for _ in (seed / "programs.csv").open(encoding="utf-8")) - 1
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT count(*) FROM programs").fetchone()[0] == n_seed
    con.close()


def test_init_refuses_a_folder_that_is_not_empty(tmp_path, sceval_cli):
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "keep.txt").write_text("mine")
    r = sceval_cli("init", str(tmp_path / "x"))
    assert r.returncode == 2
    assert (tmp_path / "x" / "keep.txt").read_text() == "mine"
    assert not (tmp_path / "x" / "data").exists()
