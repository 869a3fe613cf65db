"""The notebook-style examples in docs/reports.md run as written."""

from __future__ import annotations

import re
from pathlib import Path

from report_data import populate

from sceval.warehouse import open_warehouse

DOC = Path(__file__).resolve().parents[2] / "docs" / "reports.md"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)


def test_docs_examples_run(tmp_path, monkeypatch, report_project):
    blocks = python_blocks()
    assert len(blocks) == 2
    (tmp_path / "sceval-demo").mkdir()
    con = open_warehouse(tmp_path / "sceval-demo" / "sceval.duckdb", report_project)
    populate(con, report_project)
    con.close()
    monkeypatch.chdir(tmp_path)
    for block in blocks:
        exec(compile(block, str(DOC), "exec"), {})
    html = (tmp_path / "md_meetings.html").read_text(encoding="utf-8")
    assert "Mediterranean Dialogue meetings" in html and "cdn.jsdelivr" not in html
    svg = (tmp_path / "portfolio.svg").read_text(encoding="utf-8")
    assert svg.startswith("<svg") and "Border police training" in svg
