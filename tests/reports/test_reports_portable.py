"""Reports carry no machine paths: the same files loaded from two folders give the same pages.

Two "machines" are two different absolute folders holding the same input files (and two
warehouses). Each loads its folder, runs the default pipeline at one as-of date and writes the
HTML report set; apart from the run id and the clock times the pages are byte-identical, and
no page names either folder.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest

from sceval.load import load_paths
from sceval.pipeline import execute, load_pipeline
from sceval.reports import write_reports
from sceval.warehouse import open_warehouse

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "valid"
AS_OF = dt.date(2025, 6, 30)
RUN_ID = re.compile(r"\d{8}T\d{6}Z-[0-9a-f]{8}")
TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d+)?")


def _machine(root: Path, project) -> tuple[dict[str, str], str, str]:
    """Copy the inputs under `root`, load, run and report there: ({page: html}, run id, data dir)."""
    data = root / "home" / "analyst" / "incoming"
    # The fixture's ratings use item codes of another model than the default project's.
    shutil.copytree(FIXTURES, data, ignore=shutil.ignore_patterns("partnership_ratings.csv"))
    con = open_warehouse(root / "wh.duckdb", project)
    try:
        load_paths(con, project, [data])
        run_id = execute(
            con, project, pipeline=load_pipeline(project, None), as_of=AS_OF, command="run"
        )
        files = write_reports(con, project, root / "out", formats=["html"], run_id=run_id)
    finally:
        con.close()
    pages = {p.name: p.read_text(encoding="utf-8") for p in files if p.suffix == ".html"}
    return pages, run_id, str(data)


def _masked(text: str) -> str:
    return TIMESTAMP.sub("<time>", RUN_ID.sub("<run>", text))


@pytest.mark.slow
def test_two_machines_write_identical_reports(tmp_path: Path, project) -> None:
    a, run_a, dir_a = _machine(tmp_path / "machine-a", project)
    b, run_b, dir_b = _machine(tmp_path / "elsewhere" / "machine-b", project)
    assert run_a != run_b
    assert set(a) == set(b) and "portfolio.html" in a and "index.html" in a
    for name in a:
        for folder in (dir_a, dir_b, str(tmp_path), str(project.root)):
            assert folder not in a[name] and folder not in b[name], (name, folder)
        assert run_a in a[name] and run_b in b[name], name
        assert a[name] != b[name], name  # the run ids differ: masking is what makes them equal
        assert _masked(a[name]) == _masked(b[name]), name


def test_provenance_names_files_by_name_with_their_hash(tmp_path: Path, project) -> None:
    """The input-file table shows `programs.csv` and its SHA-256, folded at the end of the
    page; the one-line header holds run id, as-of date, engine version and catalogue hash."""
    import hashlib

    pages, run_id, data = _machine(tmp_path, project)
    html = pages["portfolio.html"]
    digest = hashlib.sha256((FIXTURES / "programs.csv").read_bytes()).hexdigest()
    row = re.search(r"<tr><td>programs</td><td>([^<]*)</td><td>(\d+)</td><td><code>(\w+)", html)
    assert row is not None
    assert row.groups() == ("programs.csv", "3", digest)
    header = re.search(r'<p class="provenance">(.*?)</p>', html, re.S).group(1)
    assert run_id in header and "2025-06-30" in header and "catalogue-hash" in header
    assert "engine-version" in header and "<table" not in header
    # The file table comes after every section, folded in a <details> block.
    details = html.index('<details class="input-files"')
    assert details > html.rindex("<section") and html.index("programs.csv") > details
    # The warehouse keeps where the file was loaded from.
    con = open_warehouse(tmp_path / "wh.duckdb", project)
    try:
        files = con.execute("SELECT file FROM loads WHERE table_name = 'programs'").fetchall()
    finally:
        con.close()
    assert files == [(str(Path(data, "programs.csv").resolve()),)]
