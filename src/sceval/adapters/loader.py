"""Running adapters and loading their frames: all-or-nothing, partial only when asked."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path

import duckdb
import polars as pl

from sceval.adapters.common import Context
from sceval.adapters.registry import SOURCES, _files, adapter, detect_source
from sceval.adapters.report import (
    MappingReport,
    write_json,
    write_rejects,
    write_side_output,
)
from sceval.errors import InvalidDataError, UsageError, classify
from sceval.load import InputFile, insert_batch
from sceval.project import Project, read_yaml
from sceval.warehouse import open_warehouse, resolve_db_path


def actor_context(project: Project, map_file: str | os.PathLike[str] | None) -> Context:
    """The adapter context, with the actor-to-unit mapping file read if one is given.

    The file is YAML: `actors:` maps exact actor names to unit ids, `patterns:` lists
    `{regex: ..., unit_id: ...}` for names that vary (ACLED's "Military Forces of Myanmar
    (2021-)"). A CSV with columns actor,unit_id also works.
    """
    ctx = Context(project)
    if map_file is None:
        return ctx
    path = Path(map_file)
    if not path.is_file() and (project.root / path).is_file():
        path = project.root / path  # a mapping shipped with the project (seeds/mappings/...)
    if not path.is_file():
        raise UsageError(f"--map {path}: no such file")
    ctx.map_file = str(path)
    if path.suffix.lower() == ".csv":
        import csv

        with path.open(encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        if rows and not {"actor", "unit_id"} <= set(rows[0]):
            raise UsageError(f"--map {path}: a CSV mapping needs columns actor,unit_id")
        ctx.actor_map = {r["actor"].strip(): r["unit_id"].strip() for r in rows if r["actor"]}
        return ctx
    data = read_yaml(path) or {}
    if not isinstance(data, dict) or not isinstance(data.get("actors", {}), dict):
        raise UsageError(f"--map {path}: expected `actors:` mapping actor names to unit ids")
    ctx.actor_map = {str(k).strip(): str(v).strip() for k, v in (data.get("actors") or {}).items()}
    for i, p in enumerate(data.get("patterns") or []):
        if not isinstance(p, dict) or "regex" not in p or "unit_id" not in p:
            raise UsageError(f"--map {path}: patterns[{i}] needs `regex` and `unit_id`")
        try:
            ctx.actor_patterns.append((re.compile(str(p["regex"])), str(p["unit_id"])))
        except re.error as exc:
            raise UsageError(f"--map {path}: patterns[{i}]: bad regex ({exc})") from None
    return ctx


def _check_units(con, frames, ctx: Context) -> None:
    """Every unit an actor is mapped to must exist (in the warehouse or this load)."""
    wanted: set[str] = set()
    have: set[str] = set()
    for _, table, df in frames:
        if table == "events" and df.height:
            wanted |= set(df.get_column("actor_unit_id").drop_nulls().unique().to_list())
        if table == "units":
            have |= set(df.get_column("unit_id").to_list())
    if not wanted:
        return
    have |= {r[0] for r in con.execute("SELECT unit_id FROM units").fetchall()}
    missing = sorted(wanted - have)
    if missing:
        raise InvalidDataError(
            f"{ctx.map_file}: maps actors to unit(s) {', '.join(missing)} that are not in the "
            "warehouse's units table; load units first (`sceval load units.csv`); nothing stored"
        )


def _keep_known_units(con, frames, reports: dict) -> list:
    """Units already in the warehouse stay as they are.

    A source such as the training report knows a unit's name but not its vetting; an
    evaluator may have recorded that since the last load, and a reload must not undo it.
    """
    known = {r[0] for r in con.execute("SELECT unit_id FROM units").fetchall()}
    out = []
    for path, table, df in frames:
        if table == "units" and known and df.height:
            fresh = df.filter(~pl.col("unit_id").is_in(list(known)))
            kept = df.height - fresh.height
            if kept:
                rep = reports[path]
                rep.normalise("unit already in the warehouse: kept as it is, not overwritten", kept)
                rep.loaded["units"] = fresh.height
            df = fresh
        out.append((path, table, df))
    return out


def _write_rejects(reports: list[MappingReport], given, default: Path) -> None:
    """The rejected rows of every file, with reasons, to --rejects or next to the warehouse."""
    if not any(r.rejects for r in reports):
        return
    target = Path(given) if given else default
    write_rejects(reports, target)
    for rep in reports:
        if rep.rejects:
            rep.written["rejected rows"] = str(target)


def run_load(
    plan: list[tuple[Path, str]],
    *,
    db,
    project: Project,
    accept_partial: bool,
    rejects,
    report_json,
    console,
    actor_map=None,
    stamp=None,
):
    """Adapt every file, then load all of it in one transaction or nothing."""
    from rich.console import Console

    console = console or Console()
    ctx = actor_context(project, actor_map)
    reports: list[MappingReport] = []
    frames = []
    for path, source in plan:
        out, rep = adapter(source).adapt(path, ctx, source)
        reports.append(rep)
        for table, df in out.items():
            rep.loaded[table] = df.height
            frames.append((path, table, df))
    out_dir = resolve_db_path(db).resolve().parent
    stem = plan[0][0].stem if len(plan) == 1 else "load"
    invalid = sum(len(r.invalid) for r in reports)
    if invalid and not accept_partial:
        _write_rejects(reports, rejects, out_dir / f"{stem}.rejects.csv")
        for rep in reports:
            rep.loaded = {}
            rep.render(console)
        if report_json:
            write_json(reports, Path(report_json), status="refused")
        valid: dict[str, int] = {}
        for _, table, df in frames:
            valid[table] = valid.get(table, 0) + df.height
        listed = ", ".join(f"{n:,} {t}" for t, n in valid.items())
        raise InvalidDataError(
            f"{', '.join(r.file for r in reports if r.invalid)}: {invalid:,} row(s) rejected "
            f"(reasons above); nothing stored. Rerun with --accept-partial to load the valid "
            f"rows ({listed}) and write the rejected ones, with reasons, to a file"
        )
    con = open_warehouse(db, project)
    try:
        _check_units(con, frames, ctx)
        frames = _keep_known_units(
            con, frames, dict(zip([p for p, _ in plan], reports, strict=True))
        )
        batch = [(InputFile(p, t), df) for p, t, df in frames if df.height]
        sources = sorted({s for _, s in plan})
        try:
            result = insert_batch(
                con, project, batch, source_format=",".join(sources), **(stamp or {})
            )
        except InvalidDataError:
            raise
        except duckdb.Error as exc:
            machine = classify(exc)  # a full disk or a damaged file is not the data's fault
            if machine is not None:
                raise machine from None
            raise InvalidDataError(
                f"load refused, nothing stored: {str(exc).splitlines()[0]}"
            ) from None
    finally:
        con.close()
    _write_rejects(reports, rejects, out_dir / f"{stem}.rejects.csv")
    for rep in reports:
        for name, rows in rep.side_outputs.items():
            if len(rows):
                target = out_dir / f"{Path(rep.file).stem}.{name}.csv"
                write_side_output(rows, target)
                rep.written[name] = str(target)
    for rep in reports:
        rep.render(console)
    if report_json:
        write_json(reports, Path(report_json), status="loaded")
        console.print(f"mapping report: {report_json}", highlight=False)
    console.print(
        "loaded "
        + (", ".join(f"{n:,} rows into {t}" for t, n in result.rows.items()) or "nothing"),
        highlight=False,
    )
    return result


def load_from_source(
    paths: Sequence[str | os.PathLike[str]],
    *,
    db: str | os.PathLike[str] | None,
    project: Project,
    source: str | None,
    accept_partial: bool = False,
    rejects: str | os.PathLike[str] | None = None,
    report_json: str | os.PathLike[str] | None = None,
    console=None,
    actor_map: str | os.PathLike[str] | None = None,
    stamp: dict | None = None,
):
    """Map source files into the contract tables and load them in one transaction.
    `stamp`: the load's by / reason / unlock_reason (see `sceval.load.insert_batch`)."""
    if source is not None and source not in SOURCES:
        raise UsageError(f"--from {source!r}: unknown source; expected one of {', '.join(SOURCES)}")
    files = _files(paths)
    plan = []
    for f in files:
        src = source or detect_source(f)
        if src is None:
            raise UsageError(
                f"{f}: cannot tell the source format from the file; give --from ({', '.join(SOURCES)})"
            )
        plan.append((f, src))
    return run_load(
        plan,
        db=db,
        project=project,
        accept_partial=accept_partial,
        rejects=rejects,
        report_json=report_json,
        console=console,
        actor_map=actor_map,
        stamp=stamp,
    )
