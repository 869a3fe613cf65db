"""What every adapter shares: number parsing, contract-typed frames, row rejection."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from sceval.adapters.countries import USER_ASSIGNED_NAMES, is_currency, is_iso3
from sceval.adapters.report import INVALID, MappingReport
from sceval.errors import InvalidDataError
from sceval.load import POLARS_TYPES
from sceval.project import Project

ROW = "_row"  # source row id carried through an adapter for row-by-row reporting

_NUMBER = re.compile(
    r"^(?P<cur>[£$€¥]|[A-Z]{3}\s?)?\s*(?P<num>[-+]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?)\s*(?P<pct>%)?$"
)


@dataclass
class Context:
    """What an adapter may need beyond its file: the project and the actor mapping."""

    project: Project
    actor_map: dict[str, str] = field(default_factory=dict)
    actor_patterns: list[tuple[re.Pattern, str]] = field(default_factory=list)
    map_file: str | None = None

    def unit_for(self, actor: str | None) -> str | None:
        """The unit an actor name is mapped to, if any."""
        if not actor:
            return None
        if actor in self.actor_map:
            return self.actor_map[actor]
        for pattern, unit in self.actor_patterns:
            if pattern.search(actor):
                return unit
        return None


def parse_number(text: str | None) -> tuple[float | None, str | None]:
    """A number from text such as '20,000', '£3,500,000' or '12.5%'; (None, None) if not one.

    The second element names what was stripped ('thousands separators', 'currency £', ...),
    None when the text was already a plain number.
    """
    if text is None:
        return None, None
    s = str(text).strip()
    if not s:
        return None, None
    m = _NUMBER.match(s)
    if not m:
        return None, None
    num = m.group("num")
    changes = []
    if m.group("cur"):
        changes.append(f"currency {m.group('cur').strip()}")
    if "," in num:
        changes.append("thousands separators")
    if m.group("pct"):
        changes.append("percent sign")
    return float(num.replace(",", "")), (", ".join(changes) or None)


def slug(text: str) -> str:
    """A lower-case id fragment: letters, digits and single dashes."""
    return re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-")


def read_text_csv(path: Path, report: MappingReport) -> pl.DataFrame:
    """A CSV read with every column as text, plus the 1-based data line number in `_row`."""
    try:
        with path.open("rb") as fh:
            first = fh.readline().decode("utf-8", errors="replace")
        sep = "\t" if first.count("\t") > first.count(",") else ","
        df = pl.read_csv(path, infer_schema=False, encoding="utf8-lossy", separator=sep)
    except Exception as exc:  # noqa: BLE001 - reader errors become one clear line
        raise InvalidDataError(f"{path}: cannot read as CSV ({str(exc).splitlines()[0]})") from None
    report.rows_read = df.height
    # Line 1 is the header, so data row i (0-based) is line i + 2 of the file.
    return df.with_columns((pl.int_range(pl.len()) + 2).cast(pl.String).alias(ROW))


def require_columns(df: pl.DataFrame, columns: list[str], path: Path, source: str) -> None:
    """Refuse a file that lacks the columns the adapter reads."""
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise InvalidDataError(
            f"{path}: not a {source} export: missing column(s) {', '.join(missing)}"
        )


def reject_where(
    df: pl.DataFrame,
    mask: pl.Expr,
    report: MappingReport,
    reason: str,
    *,
    kind: str = INVALID,
    column: str | None = None,
    raw_cols: list[str] | None = None,
) -> pl.DataFrame:
    """Record the rows matching `mask` as rejected with one reason; return the others."""
    bad = df.filter(mask)
    if bad.height:
        cols = raw_cols or [c for c in df.columns if c != ROW and not c.startswith("__")]
        for rec in bad.select([ROW, *cols]).iter_rows(named=True):
            row = rec.pop(ROW)
            report.reject(
                row,
                reason,
                kind=kind,
                column=column,
                value=rec.get(column) if column else None,
                raw=rec,
            )
    return df.filter(~mask.fill_null(False))


def contract_frame(
    df: pl.DataFrame, table: str, project: Project, report: MappingReport
) -> pl.DataFrame:
    """Rows of `df` that meet the table's contract, typed exactly as the contract says.

    A row breaking a rule (null in a required column, a value outside its set or range,
    end before start, a code that is not ISO) is rejected with the column named; duplicate
    keys keep their first row. The result has the contract's columns only, in order.
    """
    contract = project.contract(table)
    missing = [c.name for c in contract.columns if c.name not in df.columns]
    if missing:
        raise InvalidDataError(f"adapter bug: {table} frame lacks {', '.join(missing)}")
    df = df.with_columns(
        [pl.col(c.name).cast(POLARS_TYPES[c.type], strict=True) for c in contract.columns]
    )
    for c in contract.columns:
        col = pl.col(c.name)
        checks: list[tuple[pl.Expr, str]] = []
        if not c.nullable:
            checks.append((col.is_null(), f"{table}.{c.name}: a value is required"))
        if c.values is not None:
            checks.append(
                (
                    col.is_not_null() & ~col.is_in(list(c.values)),
                    f"{table}.{c.name}: expected one of {', '.join(c.values)}",
                )
            )
        if c.min is not None:
            checks.append((col < c.min, f"{table}.{c.name}: below the minimum {c.min:g}"))
        if c.max is not None:
            checks.append((col > c.max, f"{table}.{c.name}: above the maximum {c.max:g}"))
        if c.min_column is not None:
            checks.append(
                (
                    col < pl.col(c.min_column),
                    f"{table}.{c.name}: before {c.min_column}",
                )
            )
        if c.format == "iso3166_alpha3":
            codes = df.get_column(c.name).drop_nulls().unique().to_list()
            bad = [x for x in codes if not _is_iso3(x) and x not in contract.user_countries]
            if bad:
                checks.append(
                    (
                        col.is_in(bad),
                        f"{table}.{c.name}: not an ISO 3166-1 alpha-3 code or a user-assigned "
                        "code the project declares",
                    )
                )
        if c.format == "iso4217":
            codes = df.get_column(c.name).drop_nulls().unique().to_list()
            bad = [x for x in codes if not _is_currency(x)]
            if bad:
                checks.append((col.is_in(bad), f"{table}.{c.name}: not an ISO 4217 code"))
        for mask, reason in checks:
            df = reject_where(df, mask, report, reason, column=c.name)
    key = list(contract.key) or [c.name for c in contract.columns if c.unique]
    if key:
        dup = pl.struct(key).is_first_distinct().not_()
        df = reject_where(df, dup, report, f"{table}: duplicate key ({', '.join(key)})")
    return df.select(contract.column_names)


def note_user_assigned(
    report: MappingReport, label: str, df: pl.DataFrame, source: str, code: str
) -> None:
    """Say in the mapping report which source values became a user-assigned country code
    (Kosovo's KSV, XK, 347 or name to XKX), with their row counts: unlike an ISO code, the
    reader cannot assume it."""

    hits = (
        df.filter(pl.col(code).is_in(list(USER_ASSIGNED_NAMES)))
        .group_by(source, code)
        .len()
        .sort(source)
    )
    for value, iso, n in hits.iter_rows():
        name = USER_ASSIGNED_NAMES[iso]
        shown = f"{value}" if str(value) == name else f"{value} ({name})"
        report.normalise(f"{label} {shown} to the user-assigned code {iso}", n)


def _is_iso3(code: str) -> bool:

    return is_iso3(code)


def _is_currency(code: str) -> bool:

    return is_currency(code)


def frame(records: list[dict[str, Any]], schema: dict[str, Any]) -> pl.DataFrame:
    """A frame from Python records with exactly the given columns and Polars types."""
    return pl.DataFrame([{c: r.get(c) for c in schema} for r in records], schema=schema)
