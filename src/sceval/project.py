"""The evaluation project: locating it and reading its declarative files.

A project is a folder with `sceval_project.yml` and the folders `indicators/`, `schemas/`,
`pipelines/`, `reports/` and `seeds/`. The engine uses, in order: an explicit path
(`--project` or `SCEVAL_PROJECT`), the working directory when it holds `sceval_project.yml`,
and the default project shipped inside the wheel (`sceval/_project`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import os
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from sceval.errors import ProjectError

MARKER = "sceval_project.yml"
PROJECT_DIRS = ("indicators", "schemas", "pipelines", "reports", "seeds", "frameworks")

# Country codes a project accepts besides ISO 3166-1 alpha-3 unless its sceval_project.yml
# declares its own list (`user_assigned_countries`): Kosovo has no ISO code, and XKX is the
# user-assigned code the World Bank, the EU and most data providers use for it.
DEFAULT_USER_COUNTRIES = {"XKX": "Kosovo"}
# The alpha-3 ranges ISO 3166-1 leaves to users (AAA-AAZ, QMA-QZZ, XAA-XZZ, ZZA-ZZZ): no
# country will ever be given one, so a declared code cannot clash with a future ISO code.
USER_ASSIGNED_ALPHA3 = re.compile(r"AA[A-Z]|Q[M-Z][A-Z]|X[A-Z]{2}|ZZ[A-Z]")

# Types of SPEC §3 and their DuckDB and Polars names.
TYPES = {"str": "VARCHAR", "int": "BIGINT", "float": "DOUBLE", "bool": "BOOLEAN", "date": "DATE"}


MARKING_MAX = 80
_MARKING_RE = re.compile(
    r"[^\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]+"
)


def check_marking(value: Any, where: str) -> str | None:
    """A handling marking as written in a project file: one line of printable text of at most
    80 characters, or nothing (absent, null or empty: no marking)."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ProjectError(f"{where}: a marking is one line of text, e.g. OFFICIAL-SENSITIVE")
    text = value.strip()
    if not text:
        return None
    if len(text) > MARKING_MAX or not _MARKING_RE.fullmatch(text):
        raise ProjectError(
            f"{where}: a marking is one line of at most {MARKING_MAX} printable characters "
            "(no line breaks, control or direction-override characters)"
        )
    return text


def default_project_root() -> Path:
    """The project that ships with the engine: inside the wheel, or the source checkout."""
    packaged = Path(__file__).resolve().parent / "_project"
    if (packaged / MARKER).is_file():
        return packaged
    checkout = Path(__file__).resolve().parents[2]
    if (checkout / MARKER).is_file():
        return checkout
    raise ProjectError("the default sceval project is missing from this installation")


def find_project_root(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The project folder the engine should use (explicit path, env, working dir, default)."""
    candidate = explicit or os.environ.get("SCEVAL_PROJECT")
    if candidate:
        root = Path(candidate).expanduser().resolve()
        if not (root / MARKER).is_file():
            raise ProjectError(
                f"{root}: not a sceval project (no {MARKER}); create one with `sceval init DIR`"
            )
        return root
    cwd = Path.cwd()
    if (cwd / MARKER).is_file():
        return cwd
    return default_project_root()


def read_yaml(path: Path) -> Any:
    """One YAML file, with the file named in any parse error."""
    import yaml

    try:
        with path.open(encoding="utf-8") as fh:
            # libyaml's safe loader when present: same result, ~30x faster than pure Python.
            return yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise ProjectError(
            f"{path}{where}: not valid YAML ({getattr(exc, 'problem', exc)})"
        ) from None
    except OSError as exc:
        raise ProjectError(f"{path}: cannot read ({exc.strerror})") from None


@dataclass(frozen=True)
class Column:
    """One column of an input table's contract."""

    name: str
    type: str
    description: str = ""
    nullable: bool = False
    unique: bool = False
    values: tuple[str, ...] | None = None
    min: float | None = None
    max: float | None = None
    min_column: str | None = None
    max_column: str | None = None
    references: str | None = None
    format: str | None = None
    # Text with control or bidirectional-override characters: `refuse` (a contract rule
    # fails) or `escape` (stored with each written as a visible escape, `\x1b`).
    control_chars: str = "refuse"
    # Plausible dates: nothing before `earliest` (a year or an ISO date), nothing later than
    # `future_days` after the day of the load or validation.
    earliest: Any = None
    future_days: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def sql_type(self) -> str:
        return TYPES[self.type]


@dataclass(frozen=True)
class TableContract:
    """The contract of one input table (SPEC §3), read from `schemas/<table>.yml`."""

    name: str
    description: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    path: Path
    raw: dict[str, Any]
    # The project's declared user-assigned country codes, accepted by `iso3166_alpha3` columns.
    user_countries: tuple[str, ...] = ()

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def min_rows(self) -> int:
        """Fewest data rows a file of this table may have (0: a header alone is a valid,
        empty table)."""
        return int(self.raw.get("min_rows") or 0)

    @property
    def has_key(self) -> bool:
        """Whether rows are identified by a declared key. A nullable key column (an
        observation's `dimension`) takes part as a value: NULL matches NULL."""
        return bool(self.key)

    @property
    def nullable_key(self) -> tuple[str, ...]:
        """Key columns that may be empty (compared NULL-safe, never as a DuckDB index)."""
        return tuple(k for k in self.key if self.column(k).nullable)

    @property
    def period_columns(self) -> tuple[str, str] | None:
        """The date column(s) that place a row in a reporting period (`period:` in the
        contract: one column, or [start, end]); `sceval lock` refuses loads that change
        rows dated in a locked period. None: the table's rows are not dated."""
        spec = self.raw.get("period")
        if not spec:
            return None
        cols = [spec] if isinstance(spec, str) else list(spec)
        return (cols[0], cols[-1])

    def key_match(self, a: str, b: str) -> str:
        """SQL that is true when rows aliased `a` and `b` have the same key (NULL-safe on the
        nullable key columns only: plain `=` keeps DuckDB's fastest hash join elsewhere)."""
        nullable = set(self.nullable_key)
        return " AND ".join(
            f'{a}."{k}" IS NOT DISTINCT FROM {b}."{k}"'
            if k in nullable
            else f'{a}."{k}" = {b}."{k}"'
            for k in self.key
        )

    @property
    def indexed_key(self) -> bool:
        """Whether DuckDB holds the key as a PRIMARY KEY index (`key_index: false` leaves it to
        sceval's own key checks: big fact tables load 3x faster and need no in-memory index).
        A key with a nullable column cannot be a PRIMARY KEY and is always sceval's."""
        return (
            self.has_key and not self.nullable_key and self.raw.get("key_index", True) is not False
        )

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


_COLUMN_FIELDS = {f for f in Column.__dataclass_fields__ if f != "extra"}


def _checked(path: Path, c: Column) -> Column:
    """The column, once its text and date options are known to make sense."""
    where = f"{path}: column {c.name!r}"
    if c.control_chars not in ("refuse", "escape"):
        raise ProjectError(f"{where}: control_chars must be refuse or escape")
    if c.control_chars != "refuse" and c.type != "str":
        raise ProjectError(f"{where}: control_chars applies to str columns only")
    if (c.earliest is not None or c.future_days is not None) and c.type != "date":
        raise ProjectError(f"{where}: earliest and future_days apply to date columns only")
    if c.earliest is not None and not (
        (isinstance(c.earliest, int) and not isinstance(c.earliest, bool))
        or (isinstance(c.earliest, dt.date) and not isinstance(c.earliest, dt.datetime))
    ):
        raise ProjectError(f"{where}: earliest must be a year (1946) or a date (1946-01-01)")
    if c.future_days is not None and (
        not isinstance(c.future_days, int) or isinstance(c.future_days, bool) or c.future_days < 0
    ):
        raise ProjectError(f"{where}: future_days must be a whole number of days >= 0")
    return c


def parse_contract(path: Path) -> TableContract:
    """A table contract from its YAML file, with the file and field named on error."""
    data = read_yaml(path)
    if not isinstance(data, dict) or "table" not in data or "columns" not in data:
        raise ProjectError(f"{path}: a table contract needs `table` and `columns`")
    cols = []
    # `dates:` gives every date column of the table its plausible range unless it sets its own.
    dates = data.get("dates") or {}
    if not isinstance(dates, dict) or set(dates) - {"earliest", "future_days"}:
        raise ProjectError(f"{path}: dates takes earliest and future_days")
    for i, raw in enumerate(data["columns"]):
        if not isinstance(raw, dict) or "name" not in raw or "type" not in raw:
            raise ProjectError(f"{path}: columns[{i}] needs `name` and `type`")
        if raw["type"] not in TYPES:
            raise ProjectError(
                f"{path}: column {raw['name']!r} has type {raw['type']!r}; expected one of {', '.join(TYPES)}"
            )
        known = {k: v for k, v in raw.items() if k in _COLUMN_FIELDS}
        if "values" in known and known["values"] is not None:
            known["values"] = tuple(str(v) for v in known["values"])
        extra = {k: v for k, v in raw.items() if k not in _COLUMN_FIELDS}
        if raw["type"] == "date":
            for k, v in dates.items():
                known.setdefault(k, v)
        cols.append(_checked(path, Column(**known, extra=extra)))
    min_rows = data.get("min_rows", 0)
    if not isinstance(min_rows, int) or isinstance(min_rows, bool) or min_rows < 0:
        raise ProjectError(f"{path}: min_rows must be a whole number >= 0 (got {min_rows!r})")
    if not isinstance(data.get("key_index", True), bool):
        raise ProjectError(f"{path}: key_index must be true or false")
    names = {c.name: c for c in cols}
    for k in data.get("key") or ():
        if k not in names:
            raise ProjectError(f"{path}: key column {k!r} is not a column of the table")
    period = data.get("period")
    if period is not None:
        given = [period] if isinstance(period, str) else period
        if (
            not isinstance(given, list)
            or not 1 <= len(given) <= 2
            or any(g not in names or names[g].type != "date" for g in given)
        ):
            raise ProjectError(
                f"{path}: period must name a date column of the table, or [start, end]"
            )
    return TableContract(
        name=str(data["table"]),
        description=str(data.get("description", "")),
        key=tuple(data.get("key") or ()),
        columns=tuple(cols),
        path=path,
        raw=data,
    )


class Project:
    """An evaluation project on disk. Files are read lazily and cached."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root).resolve()
        if not (self.root / MARKER).is_file():
            raise ProjectError(f"{self.root}: not a sceval project (no {MARKER})")

    def __repr__(self) -> str:
        return f"Project({str(self.root)!r})"

    @classmethod
    def find(cls, explicit: str | os.PathLike[str] | None = None) -> Project:
        return cls(find_project_root(explicit))

    @cached_property
    def settings(self) -> dict[str, Any]:
        return read_yaml(self.root / MARKER) or {}

    @property
    def suppression_threshold(self) -> int:
        return int(self.settings.get("suppression_threshold", 5))

    @cached_property
    def marking(self) -> str | None:
        """The handling marking printed on every report page and export (`marking:` in
        sceval_project.yml, e.g. OFFICIAL-SENSITIVE, NATO UNCLASSIFIED, CUI; None: no marking)."""
        return check_marking(self.settings.get("marking"), f"{self.root / MARKER}: marking")

    @cached_property
    def user_countries(self) -> dict[str, str]:
        """Declared user-assigned country codes -> the name reports use (`XKX: Kosovo` unless
        `user_assigned_countries` in sceval_project.yml says otherwise)."""
        raw = self.settings.get("user_assigned_countries", DEFAULT_USER_COUNTRIES)
        where = f"{self.root / MARKER}: user_assigned_countries"
        if raw is None:
            return {}
        if not isinstance(raw, dict):
            raise ProjectError(f"{where} maps codes to names, e.g. {{XKX: Kosovo}}")
        out = {}
        for code, name in raw.items():
            if not isinstance(code, str) or not USER_ASSIGNED_ALPHA3.fullmatch(code):
                raise ProjectError(
                    f"{where}: {code!r} is not a user-assigned alpha-3 code "
                    "(ISO 3166-1 leaves AAA-AAZ, QMA-QZZ, XAA-XZZ and ZZA-ZZZ to users)"
                )
            if not isinstance(name, str) or not name.strip():
                raise ProjectError(f"{where}: {code} needs the name reports use")
            out[code] = name.strip()
        return out

    def country_name(self, code: str | None) -> str | None:
        """A country's name: the project's declared name, else ISO 3166-1's; None if unknown."""
        if not code:
            return None
        if code in self.user_countries:
            return self.user_countries[code]
        import pycountry

        found = pycountry.countries.get(alpha_3=code)
        return getattr(found, "common_name", None) or getattr(found, "name", None)

    def path(self, *parts: str) -> Path:
        return self.root.joinpath(*parts)

    @cached_property
    def contracts(self) -> dict[str, TableContract]:
        """Input-table contracts by table name, in file-name order."""
        out: dict[str, TableContract] = {}
        for p in sorted(self.path("schemas").glob("*.yml")):
            c = dataclasses.replace(parse_contract(p), user_countries=tuple(self.user_countries))
            if c.name in out:
                raise ProjectError(
                    f"{p}: table {c.name!r} is already declared in {out[c.name].path}"
                )
            out[c.name] = c
        return out

    def contract(self, table: str) -> TableContract:
        try:
            return self.contracts[table]
        except KeyError:
            raise ProjectError(
                f"unknown table {table!r}; the project declares: {', '.join(self.contracts)}"
            ) from None

    def files(self) -> list[Path]:
        """Every declarative file of the project (what the catalogue hash covers)."""
        out = [self.root / MARKER]
        for d in PROJECT_DIRS:
            if d == "seeds":
                continue  # data, not definitions: its hash goes with the loaded files
            base = self.path(d)
            if base.is_dir():
                out.extend(
                    sorted(
                        p
                        for p in base.rglob("*")
                        if p.is_file() and p.suffix in {".yml", ".yaml", ".csv", ".json", ".sql"}
                    )
                )
        return out

    @cached_property
    def catalogue_hash(self) -> str:
        """SHA-256 over the project's declarative files, names and bytes."""
        h = hashlib.sha256()
        for p in self.files():
            h.update(p.relative_to(self.root).as_posix().encode())
            h.update(b"\0")
            h.update(p.read_bytes())
            h.update(b"\0")
        return h.hexdigest()


def sha256_file(path: str | os.PathLike[str], chunk: int = 1 << 20) -> str:
    """SHA-256 of a file's bytes, streamed."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()
