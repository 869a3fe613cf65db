"""Waivers: reviewed acceptances of a do-no-harm finding, with justification and an expiry date.

Waivers live in `indicators/checks/waivers/*.yml` (a folder of their own so that the checks'
`*.yml` glob never mistakes one for a check); a single `indicators/checks/waivers.yml` or
`pipelines/waivers.yml` is read too. A waiver selects findings by check, program and
optionally unit and status; a waived finding stays in `dnh_findings` with `waived = true` and
the waiver's id, and does not trip the gate. A waiver that has expired, or that names a check,
program or unit that does not exist, is an error (exit 2): a stale acceptance must be renewed
or removed on purpose, not silently ignored.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from sceval.errors import ProjectError
from sceval.project import Project, read_yaml

REQUIRED = ("id", "check_id", "program_id", "justification", "mitigation", "approver", "expires")
WAIVABLE = ("flag", "insufficient_data")


@dataclass(frozen=True)
class Waiver:
    """One accepted finding (or set of findings of one check and program)."""

    id: str
    check_id: str
    program_id: str
    unit_id: str | None
    status: str | None
    justification: str
    mitigation: str
    approver: str
    expires: dt.date
    path: Path


WAIVER_FILES = (("indicators", "checks", "waivers.yml"), ("pipelines", "waivers.yml"))


def waiver_files(project: Project) -> list[Path]:
    """The project's waiver files: `indicators/checks/waivers/*.yml`, and the single files
    `indicators/checks/waivers.yml` and `pipelines/waivers.yml` where a team keeps one."""
    folder = project.path("indicators", "checks", "waivers")
    found = sorted([*folder.glob("*.yml"), *folder.glob("*.yaml")]) if folder.is_dir() else []
    return found + [
        project.path(*parts) for parts in WAIVER_FILES if project.path(*parts).is_file()
    ]


def _date(value: object, where: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ProjectError(f"{where}: expires {value!r} is not a date (YYYY-MM-DD)") from None


def parse_waivers(path: Path) -> list[Waiver]:
    """The waivers of one file, each with every required field present."""
    data = read_yaml(path) or {}
    items = data.get("waivers") if isinstance(data, dict) else None
    if items is None:
        items = []
    if not isinstance(items, list):
        raise ProjectError(f"{path}: `waivers` must be a list")
    out = []
    for i, raw in enumerate(items):
        label = (
            f"{path}: waiver {raw.get('id', f'#{i + 1}') if isinstance(raw, dict) else f'#{i + 1}'}"
        )
        if not isinstance(raw, dict):
            raise ProjectError(f"{label}: must be a mapping")
        missing = [k for k in REQUIRED if raw.get(k) in (None, "")]
        if missing:
            raise ProjectError(f"{label}: missing field(s) {', '.join(missing)}")
        status = raw.get("status")
        if status is not None and status not in WAIVABLE:
            raise ProjectError(f"{label}: status {status!r}; expected one of {', '.join(WAIVABLE)}")
        out.append(
            Waiver(
                id=str(raw["id"]),
                check_id=str(raw["check_id"]),
                program_id=str(raw["program_id"]),
                unit_id=None if raw.get("unit_id") in (None, "") else str(raw["unit_id"]),
                status=status,
                justification=str(raw["justification"]),
                mitigation=str(raw["mitigation"]),
                approver=str(raw["approver"]),
                expires=_date(raw["expires"], label),
                path=path,
            )
        )
    return out


def _existing(
    con: duckdb.DuckDBPyConnection, table: str, column: str, values: set[str]
) -> set[str]:
    if not values:
        return set()
    present = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    if table not in present:
        return set()
    rows = con.execute(
        f'SELECT DISTINCT "{column}" FROM "{table}" WHERE "{column}" IN (SELECT unnest(?))',
        [sorted(values)],
    ).fetchall()
    return {r[0] for r in rows}


def load_waivers(
    project: Project,
    con: duckdb.DuckDBPyConnection,
    *,
    known_checks: set[str],
    today: dt.date | None = None,
) -> list[Waiver]:
    """Every waiver of the project, validated: unexpired, naming a real check, program and unit."""
    today = today or dt.date.today()
    waivers = [w for p in waiver_files(project) for w in parse_waivers(p)]
    seen: dict[str, Waiver] = {}
    programs = _existing(con, "programs", "program_id", {w.program_id for w in waivers})
    units = _existing(con, "units", "unit_id", {w.unit_id for w in waivers if w.unit_id})
    for w in waivers:
        label = f"{w.path}: waiver {w.id}"
        if w.id in seen:
            raise ProjectError(f"{label}: id already used in {seen[w.id].path}")
        seen[w.id] = w
        if w.expires < today:
            raise ProjectError(
                f"{label}: expired on {w.expires} (approver {w.approver}); renew it after review or remove it"
            )
        if w.check_id not in known_checks:
            raise ProjectError(f"{label}: names unknown check {w.check_id!r}")
        if w.program_id not in programs:
            raise ProjectError(
                f"{label}: names program {w.program_id!r}, which is not in the warehouse"
            )
        if w.unit_id is not None and w.unit_id not in units:
            raise ProjectError(f"{label}: names unit {w.unit_id!r}, which is not in the warehouse")
    return waivers


def apply_waivers(findings: pl.DataFrame, waivers: list[Waiver]) -> pl.DataFrame:
    """Findings with `waived` and `waiver_id`: the first waiver (by id) matching each flag or gap."""
    indexed = findings.with_row_index("_row")
    if not waivers:
        return indexed.drop("_row").with_columns(
            pl.lit(False).alias("waived"), pl.lit(None, dtype=pl.String).alias("waiver_id")
        )
    table = pl.DataFrame(
        {
            "check_id": [w.check_id for w in waivers],
            "program_id": [w.program_id for w in waivers],
            "w_unit": [w.unit_id for w in waivers],
            "w_status": [w.status for w in waivers],
            "waiver_id": [w.id for w in waivers],
        },
        schema={
            k: pl.String for k in ("check_id", "program_id", "w_unit", "w_status", "waiver_id")
        },
    )
    matches = (
        indexed.filter(pl.col("status").is_in(WAIVABLE))
        .join(table, on=["check_id", "program_id"], how="inner")
        .filter(
            (pl.col("w_unit").is_null() | (pl.col("w_unit") == pl.col("unit_id")))
            & (pl.col("w_status").is_null() | (pl.col("w_status") == pl.col("status")))
        )
        .group_by("_row")
        .agg(pl.col("waiver_id").min())
    )
    return (
        indexed.join(matches, on="_row", how="left")
        .with_columns(pl.col("waiver_id").is_not_null().alias("waived"))
        .sort("_row")
        .drop("_row")
    )
