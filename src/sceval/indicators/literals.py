"""Values a catalogue expression compares with a coded column, checked against the contracts.

`rank_group = 'officers'` compiles and runs, and then every program gets insufficient_data
with n = 0, because no row ever has that value. The expression is parsed with a maintained
SQL parser (sqlglot), never with regular expressions: a string literal compared (`=`, `<>`,
`!=`, `IN`, `NOT IN`) with a column whose contract declares a value set must be one of those
values. Which value set a column carries is read from the indicator's own source frame, typed
with Polars `Enum`s (`value_sets`), so the columns a source takes from its parents under a
prefix (`activity_kind`, `unit_command`) are checked too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sceval.indicators import sources

if TYPE_CHECKING:
    import polars as pl

    from sceval.project import Project


class ExpressionError(ValueError):
    """The SQL parser cannot read the expression."""


def parse_expression(text: str) -> Any:
    """One SQL expression as a sqlglot tree (the DuckDB dialect, a superset of Polars' SQL).

    Kept to this one entry point so that it can share the project's SQL guard
    (`sceval.sqlguard`) once that module parses project SQL.
    """
    import sqlglot
    from sqlglot.errors import ParseError

    try:
        return sqlglot.parse_one(str(text), read="duckdb")
    except ParseError as exc:
        raise ExpressionError(str(exc).splitlines()[0]) from None


def compared_literals(text: str) -> list[tuple[str, str]]:
    """(column, value) for every string literal the expression compares with a bare column."""
    from sqlglot import exp

    tree = parse_expression(text)
    out: list[tuple[str, str]] = []

    def bare(node: Any) -> Any:
        while isinstance(node, exp.Paren):
            node = node.this
        return node

    def literal(node: Any) -> str | None:
        node = bare(node)
        return node.this if isinstance(node, exp.Literal) and node.is_string else None

    for node in tree.find_all(exp.EQ, exp.NEQ, exp.In):
        if isinstance(node, exp.In):
            if isinstance(column := bare(node.this), exp.Column):
                out += [(column.name, v) for e in node.expressions if (v := literal(e)) is not None]
            continue
        left, right = bare(node.this), bare(node.expression)
        if isinstance(right, exp.Column):
            left, right = right, left
        if isinstance(left, exp.Column) and (v := literal(right)) is not None:
            out.append((left.name, v))
    return out


def enum_tables(project: Project) -> dict[str, pl.LazyFrame]:
    """Zero-row frames typed from the contracts, coded text columns as `Enum`s of their values."""
    import polars as pl

    def dtype(c) -> Any:
        if c.values and c.type == "str":
            return pl.Enum(list(dict.fromkeys(c.values)))
        return sources.POLARS_TYPES[c.type]

    out = {
        name: pl.LazyFrame(schema={c.name: dtype(c) for c in con.columns})
        for name, con in project.contracts.items()
    }
    out.update({n: pl.LazyFrame(schema=s) for n, s in sources.DERIVED_SCHEMAS.items()})
    return out


def value_sets(project: Project, source: str) -> dict[str, tuple[str, ...]]:
    """Allowed values per column of a source as the indicators see it (parents' columns too)."""
    import polars as pl

    try:
        schema = sources.enriched(enum_tables(project), source, as_of=None).collect_schema()
    except Exception:  # noqa: BLE001 - a source without a program link: its own contract only
        con = project.contracts.get(source)
        return {c.name: c.values for c in con.columns if c.values} if con else {}
    return {
        name: tuple(dt.categories.to_list())
        for name, dt in schema.items()
        if isinstance(dt, pl.Enum)
    }


def unknown_values(text: str, allowed: dict[str, tuple[str, ...]]) -> list[str]:
    """One reason per literal that is not in its column's value set."""
    out = []
    for column, value in compared_literals(text):
        values = allowed.get(column)
        if values is not None and value not in values:
            out.append(
                f"value {value!r} is not an allowed value of column {column} "
                f"(allowed: {', '.join(values)})"
            )
    return out
