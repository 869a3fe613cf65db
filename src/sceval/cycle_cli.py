"""The evaluation cycle's commands: `sceval runs`, `approve`, `lock`, `history`.

Each opens the warehouse, does one thing, and prints plain lines (times in UTC).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from sceval.project import Project


def _open(db: str | os.PathLike[str] | None, project: Project, *, read_only: bool = False):
    from sceval.warehouse import open_existing

    return open_existing(db, project, read_only=read_only)


def _stamp(value) -> str:
    return "" if value is None else f"{value:%Y-%m-%d %H:%M:%S}"


def status_line(run: dict) -> str:
    """How a page or a listing states a run's status."""
    if run.get("status") == "approved":
        return f"Approved by {run['approver']} on {run['approved_at']:%Y-%m-%d}"
    if run.get("status") in ("draft", "ok"):
        return "DRAFT — not approved"
    return str(run.get("status", "")).upper()


def runs_command(
    *, db, project: Project, delete: str | None = None, json_out: Path | None = None
) -> list[dict]:
    from sceval.cycle import delete_run, list_runs

    con = _open(db, project, read_only=delete is None)
    try:
        if delete is not None:
            delete_run(con, delete)
            print(f"deleted draft run {delete} and its results")
            return []
        rows = list_runs(con)
    finally:
        con.close()
    if not rows:
        print("no runs yet: `sceval run` computes one")
    for r in rows:
        computed = ", ".join(
            f"{r[t]} {t}"
            for t in ("indicator_results", "partnership_scores", "dnh_findings")
            if r[t]
        )
        status = r["status"] if r["status"] != "ok" else "draft"
        approval = (
            f" by {r['approver']} on {_stamp(r['approved_at'])}" if status == "approved" else ""
        )
        known = f" as-known-at {_stamp(r['as_known_at'])}" if r["as_known_at"] else ""
        program = f" program {r['program_filter']}" if r["program_filter"] else ""
        periods = ",".join(r["periods"] or ["cumulative"])
        print(
            f"{r['run_id']}  {_stamp(r['started_at'])}  {r['command']}  as-of {r['as_of']}"
            f"{known}  periods {periods}{program}  {status}{approval}"
            f"{'  note: ' + r['note'] if r['note'] else ''}  [{computed or 'no results'}]"
        )
    if json_out is not None:
        Path(json_out).write_text(json.dumps(rows, indent=1, default=str) + "\n", encoding="utf-8")
    return rows


def approve_command(run_id: str, *, db, project: Project, by: str, note: str | None) -> dict:
    from sceval.cycle import approve_run

    con = _open(db, project)
    try:
        run = approve_run(con, run_id, by=by, note=note)
    finally:
        con.close()
    print(
        f"run {run_id} approved by {run['approver']} on {_stamp(run['approved_at'])} UTC"
        + (f" ({note})" if note else "")
    )
    return run


def lock_command(
    period: str,
    *,
    db,
    project: Project,
    program: str | None,
    by: str | None,
    note: str | None,
) -> dict:
    from sceval.cycle import lock_label, lock_period
    from sceval.history import current_user

    con = _open(db, project)
    try:
        lock = lock_period(con, period, program=program, by=by or current_user(), note=note)
    finally:
        con.close()
    print(
        f"locked {lock_label(lock['period'], program)}: {lock['period_start']} to "
        f"{lock['period_end']} ({lock['lock_id']}, by {lock['locked_by']}); loads that change "
        "rows dated in it are refused unless they give --unlock-reason"
    )
    return lock


def history_command(
    table: str, key: list[str], *, db, project: Project, json_out: Path | None = None
) -> list[dict]:
    from sceval.history import history_rows, inserted_by

    con = _open(db, project, read_only=True)
    try:
        names, rows = history_rows(con, project, table, key)
        first = inserted_by(con, project, table, key) if rows else None
    finally:
        con.close()
    contract = project.contract(table)
    label = ", ".join(f"{k}={v!r}" for k, v in zip(contract.key, key, strict=True))
    if not rows:
        print(f"{table}: no row with {label}, now or in its history")
        return []
    out = [dict(zip(names, r, strict=True)) for r in rows]
    print(f"{table} ({label}): {len(out)} version(s), oldest first")
    if first is not None:
        print(f"  first loaded {_stamp(first[0])} by {first[2]} (load {first[1]})")
    values = contract.column_names
    for i, v in enumerate(out, 1):
        cells = ", ".join(f"{c}={v[c]}" for c in values if c not in contract.key)
        if v["version"] == "current":
            print(f"  v{i} current: {cells}")
        else:
            why = f", reason: {v['reason']}" if v["reason"] else ""
            unlock = f", unlock reason: {v['unlock_reason']}" if v["unlock_reason"] else ""
            print(
                f"  v{i} replaced {_stamp(v['valid_until'])} by {v['replaced_by']} "
                f"(load {v['replaced_by_load']}{why}{unlock}): {cells}"
            )
    if json_out is not None:
        Path(json_out).write_text(json.dumps(out, indent=1, default=str) + "\n", encoding="utf-8")
    return out
