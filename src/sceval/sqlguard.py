"""Least privilege for the SQL that project files carry: parse it, accept only what it is for.

A project's files are reviewed like code, but in CI the project is found in the working
directory, so a partner's data repository can carry one. Two kinds of SQL reach an engine:

- a contract **rule** (`schemas/*.yml`, `rules: sql:`): exactly one SELECT (set operations
  and CTEs allowed) over `batch` and the project's tables, run by DuckDB;
- an indicator **expression** (`compute: filter/numerator/denominator/value`): one scalar or
  boolean expression over the source's columns, compiled by Polars (`pl.sql_expr`).

Refused everywhere: a second statement, anything but a query (DDL, DML, COPY, ATTACH, PRAGMA,
SET, INSTALL/LOAD), table functions (`read_csv`, `read_text`, `glob`, `query`, ...), a quoted
file name used as a table (DuckDB's replacement scans), qualified names that reach another
catalog or schema, and any function DuckDB does not know as scalar or aggregate. Expressions
also refuse subqueries. A refusal is a `RefusedSql` (a `ProjectError`, exit 2) naming the
file, the rule and the construct.

The parse is sqlglot's (DuckDB dialect). `parse_rule` and `parse_expression` return the
checked tree, so other checks (literals against contract value sets) can walk it; the text
that runs is the original, and the engines are locked down as well (see `warehouse.sandbox`):
this module is the first of two defences, not the only one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from sceval.errors import ProjectError

__all__ = [
    "RefusedSql",
    "comparisons",
    "expression_columns",
    "parse_expression",
    "parse_rule",
]

DIALECT = "duckdb"

# Scalar functions DuckDB knows that still have no business in a rule: they read the
# process's environment or configuration.
DENIED_FUNCTIONS = frozenset({"getenv", "current_setting", "getvariable", "duckdb_secrets"})

# Polars compiles an expression's subquery (and the table function inside it) while parsing:
# `pl.sql_expr` itself reads the file. So for expressions the raw text is also scanned for these
# words, whatever a parser thinks is a string literal: no difference between two parsers' ideas
# of quoting can smuggle a subquery through.
_EXPRESSION_WORDS = re.compile(r"(?i)\b(select|from|read_\w+|scan_\w+|glob|query)\b")


class RefusedSql(ProjectError):
    """SQL in a project file that does something other than what its field is for (exit 2).
    `reason` is the message without the file and field (for reports that name those apart)."""

    def __init__(self, message: str, *, reason: str | None = None) -> None:
        super().__init__(message)
        self.reason = reason or message


def _where(path: str | Path | None, what: str) -> str:
    return f"{path}: {what}" if path else what


def _error(path: str | Path | None, what: str, reason: str) -> RefusedSql:
    return RefusedSql(f"{_where(path, what)}: {reason}", reason=reason)


def _refuse(path: str | Path | None, what: str, construct: str, purpose: str) -> RefusedSql:
    return _error(path, what, f"{construct} is not allowed ({purpose})")


RULE_PURPOSE = "a rule is one SELECT over `batch` and the project's tables"
EXPR_PURPOSE = "an expression is one scalar or boolean expression over the source's columns"


@lru_cache(maxsize=1)
def _duckdb_functions() -> frozenset[str]:
    """Names DuckDB knows as scalar, aggregate, window or macro functions (not table ones)."""
    import duckdb

    con = duckdb.connect(config={"enable_external_access": False})
    try:
        rows = con.execute(
            "SELECT DISTINCT lower(function_name) FROM duckdb_functions() "
            "WHERE function_type IN ('scalar', 'aggregate', 'window', 'macro')"
        ).fetchall()
    finally:
        con.close()
    return frozenset(r[0] for r in rows)


def _statement_kinds():
    from sqlglot import exp

    # Anything that is not a query: a rule or an expression never defines, writes or configures.
    return tuple(
        getattr(exp, n)
        for n in (
            "DDL",
            "DML",
            "Command",
            "Copy",
            "Pragma",
            "Set",
            "Attach",
            "Detach",
            "Use",
            "Transaction",
            "Commit",
            "Rollback",
            "Install",
            "Describe",
            "Merge",
            "Insert",
            "Update",
            "Delete",
            "Create",
            "Drop",
            "Alter",
            "LoadData",
        )
        if hasattr(exp, n)
    )


def _function_name(node) -> str:
    from sqlglot import exp

    if isinstance(node, exp.Anonymous):
        return str(node.name).lower()
    return node.sql_name().lower()


def _check_functions(node, path, what, purpose: str, *, duckdb_names: bool) -> None:
    from sqlglot import exp

    for f in node.find_all(exp.Func):
        name = _function_name(f)
        if isinstance(f, exp.ReadCSV | exp.ReadParquet) or name.startswith(("read_", "scan_")):
            raise _refuse(path, what, f"table function {name}()", purpose)
        if name in DENIED_FUNCTIONS:
            raise _refuse(path, what, f"function {name}()", purpose)
        if duckdb_names and isinstance(f, exp.Anonymous) and name not in _duckdb_functions():
            raise _refuse(
                path, what, f"function {name}() (not a DuckDB scalar or aggregate)", purpose
            )


def _parse(text: str, path, what: str, purpose: str) -> list:
    import sqlglot
    from sqlglot.errors import ParseError, TokenError

    try:
        return [s for s in sqlglot.parse(text, read=DIALECT) if s is not None]
    except (ParseError, TokenError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise _error(path, what, f"does not parse ({first})") from None


def parse_rule(
    sql: str,
    *,
    tables: Iterable[str],
    path: str | Path | None = None,
    rule: str = "rule",
):
    """The checked tree of a contract rule: one query over `batch` and `tables` only.

    Raises `RefusedSql` naming `path`, `rule` and the refused construct."""
    from sqlglot import exp

    what = f"rule {rule}"
    purpose = RULE_PURPOSE
    if not isinstance(sql, str) or not sql.strip():
        raise _error(path, what, "`sql` must be a non-empty SELECT")
    statements = _parse(sql, path, what, purpose)
    if len(statements) != 1:
        raise _refuse(path, what, f"a second statement ({len(statements)} found)", purpose)
    tree = statements[0]
    if not isinstance(tree, exp.Query):
        raise _refuse(path, what, f"a {type(tree).__name__.upper()} statement", purpose)
    kinds = _statement_kinds()
    for node in tree.walk():
        if isinstance(node, kinds):
            raise _refuse(path, what, f"a {type(node).__name__.upper()} statement", purpose)
    allowed = {t.lower() for t in tables} | {"batch"}
    allowed |= {c.alias_or_name.lower() for c in tree.find_all(exp.CTE)}
    for t in tree.find_all(exp.Table):
        if not isinstance(t.this, exp.Identifier):
            name = _function_name(t.this) if isinstance(t.this, exp.Func) else t.this.sql()
            raise _refuse(path, what, f"table function {name}()", purpose)
        if t.args.get("db") or t.args.get("catalog"):
            raise _refuse(path, what, f"qualified table name {t.sql(dialect=DIALECT)}", purpose)
        if t.name.lower() not in allowed:
            shown = t.sql(dialect=DIALECT)
            raise _refuse(
                path,
                what,
                f"table {shown} (known: batch, {', '.join(sorted(allowed - {'batch'}))})",
                purpose,
            )
    _check_functions(tree, path, what, purpose, duckdb_names=True)
    return tree


def check_statement_count(con, sql: str, *, path: str | Path | None, rule: str) -> None:
    """DuckDB's own parser agrees: exactly one SELECT statement (no parser difference between
    sqlglot and DuckDB can hide a second statement)."""
    import duckdb

    try:
        statements = con.extract_statements(sql)
    except duckdb.Error as exc:
        raise _error(path, f"rule {rule}", f"does not parse ({str(exc).splitlines()[0]})") from None
    if len(statements) != 1 or statements[0].type != duckdb.StatementType.SELECT:
        kinds = ", ".join(s.type.name for s in statements)
        raise _refuse(path, f"rule {rule}", f"statements {kinds}", RULE_PURPOSE)


def parse_expression(
    text: object,
    *,
    columns: Iterable[str] | None = None,
    path: str | Path | None = None,
    field: str = "expression",
):
    """The checked tree of one scalar or boolean expression over `columns` (when given).

    No subquery, no table, no statement, no table function. Raises `RefusedSql`."""
    from sqlglot import exp

    what = f"field {field}"
    purpose = EXPR_PURPOSE
    raw = str(text)
    if not raw.strip():
        raise _error(path, what, "the expression is empty")
    word = _EXPRESSION_WORDS.search(raw)
    if word:
        construct = f"{word.group(1).upper()} (subqueries and table functions)"
        raise _refuse(path, what, construct, purpose)
    statements = _parse(raw, path, what, purpose)
    if len(statements) != 1:
        raise _refuse(path, what, f"a second statement ({len(statements)} found)", purpose)
    tree = statements[0]
    if isinstance(tree, exp.Query | exp.Alias) or isinstance(tree, _statement_kinds()):
        raise _refuse(path, what, f"a {type(tree).__name__.upper()}", purpose)
    for node in tree.walk():
        if isinstance(node, exp.Query | exp.Subquery | exp.Table | exp.From):
            raise _refuse(path, what, f"a subquery ({node.sql(dialect=DIALECT)[:60]})", purpose)
        if isinstance(node, exp.Star):
            raise _refuse(path, what, "*", purpose)
    _check_functions(tree, path, what, purpose, duckdb_names=False)
    if columns is not None:
        known = set(columns)
        missing = sorted({c for c in expression_columns(tree) if c not in known})
        if missing:
            raise _error(
                path,
                what,
                f"unknown column(s) {', '.join(missing)} (available: {', '.join(sorted(known))})",
            )
    return tree


def expression_columns(tree) -> list[str]:
    """The column names an expression reads, in order of first use."""
    from sqlglot import exp

    out: list[str] = []
    for c in tree.find_all(exp.Column, bfs=False):
        if c.name not in out:
            out.append(c.name)
    return out


def comparisons(tree) -> list[tuple[str, str, list[str]]]:
    """(column, operator, string literals) for every `col = 'x'`, `col <> 'x'` and
    `col IN ('x', ...)` in a parsed rule or expression: what a check of literals against a
    contract's value sets needs."""
    from sqlglot import exp

    out: list[tuple[str, str, list[str]]] = []
    for node in tree.walk(bfs=False):  # depth first: in the order they are written
        if isinstance(node, exp.EQ | exp.NEQ):
            a, b = node.this, node.expression
            if isinstance(b, exp.Column) and isinstance(a, exp.Literal):
                a, b = b, a
            if isinstance(a, exp.Column) and isinstance(b, exp.Literal) and b.is_string:
                op = "=" if isinstance(node, exp.EQ) else "<>"
                out.append((a.name, op, [b.this]))
        elif isinstance(node, exp.In) and isinstance(node.this, exp.Column):
            lits = [e.this for e in node.expressions if isinstance(e, exp.Literal) and e.is_string]
            if lits:
                out.append((node.this.name, "IN", lits))
    return out
