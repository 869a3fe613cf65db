"""`sceval report` as a user runs it."""

from __future__ import annotations

from report_data import populate

from sceval.warehouse import open_warehouse


def _warehouse(path, project, *, with_run: bool = True):
    con = open_warehouse(path, project)
    run_id = populate(con, project) if with_run else None
    con.close()
    return run_id


def test_report_command_writes_the_set(tmp_path, report_project, sceval_cli):
    db = tmp_path / "wh.duckdb"
    run_id = _warehouse(db, report_project)
    out = tmp_path / "out"
    env = {"SCEVAL_PROJECT": str(report_project.root)}
    res = sceval_cli("report", "--db", str(db), "--out", str(out), "--format", "html,svg", env=env)
    assert res.returncode == 0, res.stderr
    assert run_id in (out / "portfolio.html").read_text(encoding="utf-8")
    assert (out / "charts" / "dnh" / "dnh_matrix.svg").is_file()
    assert not (out / "charts" / "dnh" / "dnh_matrix.png").exists()  # only the formats asked for
    assert not list(out.glob("*.pdf"))


def test_report_command_errors_are_one_line(tmp_path, report_project, sceval_cli):
    db = tmp_path / "wh.duckdb"
    env = {"SCEVAL_PROJECT": str(report_project.root)}
    _warehouse(db, report_project, with_run=False)
    res = sceval_cli("report", "--db", str(db), "--out", str(tmp_path / "o"), env=env)
    assert res.returncode == 2
    assert "no finished run" in res.stderr and "Traceback" not in res.stderr
    res = sceval_cli("report", "--db", str(db), "--format", "docx", env=env)
    assert res.returncode == 2 and "Traceback" not in res.stderr
