"""sceval.sqlguard: what a rule and an expression may be, and the locked-down DuckDB connection."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from sceval import sqlguard
from sceval.errors import ProjectError
from sceval.indicators.catalogue import load_catalogue
from sceval.warehouse import connect, scratch

TABLES = ["programs", "activities", "participants", "equipment"]


def test_every_rule_and_expression_of_the_default_project_is_accepted(project):
    for contract in project.contracts.values():
        for spec in contract.raw.get("rules") or []:
            sqlguard.parse_rule(spec["sql"], tables=list(project.contracts), rule=spec["id"])
    n = 0
    for ind in load_catalogue(project).values():
        comp = ind.raw["compute"]
        for key in ("filter", "numerator", "denominator", "value"):
            if isinstance(comp, dict) and comp.get(key) is not None:
                sqlguard.parse_expression(comp[key])
                n += 1
    assert n >= 10


@pytest.mark.parametrize(
    ("sql", "construct"),
    [
        ("SELECT * FROM read_csv('/etc/passwd')", "table function read_csv()"),
        ("SELECT content FROM batch, read_text('/etc/passwd')", "table function read_text()"),
        ("SELECT * FROM glob('/home/*')", "table function glob()"),
        ("SELECT * FROM query('SELECT 1')", "table function query()"),
        ("SELECT * FROM 'secrets.csv'", 'table "secrets.csv"'),
        ('SELECT * FROM "/etc/passwd"', 'table "/etc/passwd"'),
        ("SELECT * FROM other.main.participants", "qualified table name"),
        ("SELECT 1 AS value; COPY (SELECT 1) TO '/tmp/x.csv'", "a second statement (2 found)"),
        ("DELETE FROM participants", "a DELETE statement"),
        ("DROP TABLE incidents", "a DROP statement"),
        ("ATTACH 'x.duckdb' AS x", "statement"),
        ("COPY participants TO '/tmp/p.csv'", "statement"),
        ("PRAGMA version", "statement"),
        ("SET enable_external_access = true", "statement"),
        ("SELECT getenv('HOME') AS value FROM batch", "function getenv()"),
        ("SELECT current_setting('temp_directory') FROM batch", "function current_setting()"),
        ("SELECT not_a_function(x) FROM batch", "function not_a_function()"),
        ("SELECT * FROM batch WHERE x IN (SELECT 1 FROM read_parquet('p'))", "read_parquet()"),
    ],
)
def test_refused_rules_name_file_rule_and_construct(sql, construct):
    with pytest.raises(sqlguard.RefusedSql) as info:
        sqlguard.parse_rule(sql, tables=TABLES, path=Path("schemas/x.yml"), rule="r1")
    msg = str(info.value)
    assert msg.startswith("schemas/x.yml: rule r1: ")
    assert construct in msg
    assert isinstance(info.value, ProjectError) and info.value.exit_code == 2


def test_accepted_rule_shapes():
    ok = [
        "SELECT b.__file, b.__row, b.x AS value FROM batch b JOIN activities a USING (activity_id)",
        "WITH t AS (SELECT * FROM batch) SELECT __file, __row, x AS value FROM t",
        "SELECT __file, __row, concat_ws(', ', a, b) AS value FROM batch "
        "WHERE strftime(d, '%Y') > '2020' UNION ALL SELECT __file, __row, 'y' FROM batch",
        "SELECT __file, __row, 'x' AS value FROM batch WHERE x NOT IN (SELECT y FROM programs)",
    ]
    for sql in ok:
        sqlguard.parse_rule(sql, tables=TABLES)


@pytest.mark.parametrize(
    ("text", "construct"),
    [
        ("sex IN (SELECT column_1 FROM read_csv('/etc/passwd'))", "SELECT"),
        ("x = (select 1)", "SELECT"),
        ("read_text('/etc/passwd') IS NOT NULL", "READ_TEXT"),
        ("sex = 'F'; DROP TABLE x", "second statement"),
        ("sex = 'F' AS y", "ALIAS"),
        ("nope > 1", "unknown column(s) nope"),
    ],
)
def test_refused_expressions(text, construct):
    with pytest.raises(sqlguard.RefusedSql) as info:
        sqlguard.parse_expression(
            text, columns=["sex", "x"], path=Path("indicators/i.yml"), field="compute.filter"
        )
    assert str(info.value).startswith("indicators/i.yml: field compute.filter: ")
    assert construct in str(info.value)


def test_comparisons_for_value_set_checks():
    tree = sqlguard.parse_expression("sex IN ('F', 'M') AND status <> 'cancelled' AND 'x' = k")
    assert sqlguard.comparisons(tree) == [
        ("sex", "IN", ["F", "M"]),
        ("status", "<>", ["cancelled"]),
        ("k", "=", ["x"]),
    ]
    rule = sqlguard.parse_rule("SELECT 1 FROM batch b WHERE b.kind = 'training'", tables=[])
    assert sqlguard.comparisons(rule) == [("kind", "=", ["training"])]
    assert sqlguard.expression_columns(tree) == ["sex", "status", "k"]


def test_sceval_connections_cannot_touch_files_or_unlock(tmp_path, project):
    secret = tmp_path / "s.txt"
    secret.write_text("s3cret\n")
    for con in (connect(tmp_path / "wh.duckdb"), scratch()):
        try:
            assert con.execute("SELECT 41 + 1").fetchall() == [(42,)]
            for q in (
                f"SELECT * FROM read_text('{secret}')",
                f"COPY (SELECT 1) TO '{tmp_path / 'out.csv'}'",
                f"ATTACH '{tmp_path / 'other.duckdb'}' AS other",
            ):
                with pytest.raises(duckdb.PermissionException):
                    con.execute(q)
            with pytest.raises(duckdb.InvalidInputException, match="locked"):
                con.execute("SET enable_external_access = true")
        finally:
            con.close()
    assert not (tmp_path / "out.csv").exists() and not (tmp_path / "other.duckdb").exists()
