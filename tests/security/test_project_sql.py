"""A malicious project (issue 14's probes): SQL in project files only reads the batch and the
warehouse's tables, never a file, never writes, never outside the load's transaction.

Each test runs the installed `sceval` in the project's folder, as CI does with a partner's data
repository that carries a `sceval_project.yml`.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

ROOT = Path(__file__).resolve().parents[2]
VALID = ROOT / "tests" / "fixtures" / "valid"
SECRET = "TOP-SECRET-7f3a9c"


def _project(tmp_path: Path) -> Path:
    """A copy of the default project to make hostile."""
    proj = tmp_path / "proj"
    proj.mkdir()
    shutil.copy(ROOT / "sceval_project.yml", proj / "sceval_project.yml")
    for d in ("indicators", "schemas", "pipelines", "reports"):
        shutil.copytree(ROOT / d, proj / d)
    return proj


def _add_rule(proj: Path, table: str, rule_id: str, sql: str) -> Path:
    import yaml

    path = proj / "schemas" / f"{table}.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data.setdefault("rules", []).append({"id": rule_id, "description": "probe", "sql": sql})
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    p = tmp_path / "secret.txt"
    p.write_text(SECRET + "\nsecond line\n", encoding="utf-8")
    return p


def _batch(tmp_path: Path, *tables: str) -> Path:
    d = tmp_path / "batch"
    d.mkdir(exist_ok=True)
    for t in tables:
        shutil.copy(VALID / f"{t}.csv", d / f"{t}.csv")
    return d


def test_rule_reading_a_system_file_is_refused(tmp_path, secret_file, sceval_cli):
    proj = _project(tmp_path)
    contract = _add_rule(
        proj,
        "programs",
        "exfiltrate",
        f"SELECT b.__file, b.__row, t.content AS value FROM batch b, read_text('{secret_file}') t",
    )
    r = sceval_cli("validate", str(_batch(tmp_path, "programs")), cwd=proj)
    assert SECRET not in r.stdout + r.stderr
    assert r.returncode == 2, r.stdout + r.stderr
    line = r.stderr.strip().splitlines()[-1]
    assert str(contract) in line and "rule exfiltrate" in line and "read_text()" in line
    assert "Traceback" not in r.stderr


def test_multi_statement_rule_does_not_write_a_file(tmp_path, sceval_cli):
    proj = _project(tmp_path)
    pwned = tmp_path / "pwned.csv"
    # Breaks out of the parentheses sceval wraps a rule in: three statements, one a COPY.
    _add_rule(
        proj,
        "programs",
        "writer",
        "SELECT __file, __row, 'x' AS value FROM batch WHERE false); "
        f"COPY (SELECT 'pwned') TO '{pwned}' (HEADER false); "
        "SELECT * FROM (SELECT 0 AS __file, 1 AS __row, 'x' AS value",
    )
    r = sceval_cli("validate", str(_batch(tmp_path, "programs")), cwd=proj)
    assert not pwned.exists()
    assert r.returncode == 2, r.stdout + r.stderr
    assert "rule writer" in r.stderr and ("not allowed" in r.stderr or "does not parse" in r.stderr)


def _counts(db: Path) -> dict[str, int]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        names = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()]
        return {n: con.execute(f'SELECT count(*) FROM "{n}"').fetchall()[0][0] for n in names}
    finally:
        con.close()


def test_rule_cannot_delete_or_drop_during_load(tmp_path, sceval_cli):
    db = tmp_path / "wh.duckdb"
    r = sceval_cli("load", str(VALID), "--db", str(db))
    assert r.returncode == 0, r.stderr
    before = _counts(db)
    assert before["participants"] > 0 and "incidents" in before
    proj = _project(tmp_path)
    _add_rule(
        proj,
        "programs",
        "vandal",
        "SELECT __file, __row, 'x' AS value FROM batch WHERE false); "
        "DELETE FROM wh.main.participants; DROP TABLE wh.main.incidents; "
        "SELECT * FROM (SELECT 0 AS __file, 1 AS __row, 'bad' AS value",
    )
    r = sceval_cli("load", str(_batch(tmp_path, "programs")), "--db", str(db), cwd=proj)
    assert _counts(db) == before
    assert r.returncode == 2, r.stdout + r.stderr
    assert "rule vandal" in r.stderr and "does not parse" in r.stderr


def test_rule_with_a_table_function_cannot_read_during_load(tmp_path, secret_file, sceval_cli):
    db = tmp_path / "wh.duckdb"
    proj = _project(tmp_path)
    _add_rule(
        proj,
        "programs",
        "sneaky",
        f"SELECT b.__file, b.__row, c AS value FROM batch b, glob('{secret_file}') g(c)",
    )
    r = sceval_cli("load", str(_batch(tmp_path, "programs")), "--db", str(db), cwd=proj)
    assert r.returncode == 2 and "glob()" in r.stderr
    assert str(secret_file) not in r.stdout


def test_indicator_filter_subquery_over_read_csv_is_refused(tmp_path, secret_file, sceval_cli):
    proj = _project(tmp_path)
    ind = proj / "indicators" / "women_share_participants.yml"
    text = ind.read_text(encoding="utf-8")
    hostile = f"filter: sex IN (SELECT column_1 FROM read_csv('{secret_file}'))"
    ind.write_text(text.replace("filter: sex IN ('F', 'M', 'X')", hostile), encoding="utf-8")
    assert hostile in ind.read_text(encoding="utf-8")
    r = sceval_cli("catalogue", "--check", cwd=proj)
    assert SECRET not in r.stdout + r.stderr
    assert r.returncode == 2, r.stdout + r.stderr
    assert "women_share_participants.yml: field compute.filter" in r.stderr
    assert "SELECT" in r.stderr and "not allowed" in r.stderr


def test_default_project_rules_and_expressions_still_pass(tmp_path, sceval_cli):
    r = sceval_cli("catalogue", "--check")
    assert r.returncode == 0, r.stderr
    r = sceval_cli("validate", str(VALID))
    assert r.returncode == 0, r.stdout + r.stderr
