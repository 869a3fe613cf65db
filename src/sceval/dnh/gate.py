"""Showing a run's findings and turning them into a CI exit code.

Insufficient data counts toward the gate exactly like a flag of the same severity: absence of
evidence is not evidence of no harm, so a gate that passed on missing data would pass by
silence. A data gap that is known and accepted is waived like any other finding.
"""

from __future__ import annotations

import sys

import duckdb

from sceval.dnh.spec import SEVERITIES, SEVERITY_RANK
from sceval.errors import UsageError
from sceval.safe_text import terminal_safe

STYLE = {"flag": "bold red", "insufficient_data": "bold magenta", "pass": "green"}
LABEL = {"flag": "FLAG", "insufficient_data": "INSUFFICIENT DATA", "pass": "pass"}


def _rank_sql() -> str:
    return (
        "CASE severity "
        + " ".join(f"WHEN '{s}' THEN {r}" for s, r in SEVERITY_RANK.items())
        + " ELSE 9 END"
    )


def _number(v: float | None, status: str) -> str:
    """A measured value or threshold as printed: never a raw `nan`, and why there is none."""
    if v is not None and v == v:
        return f"{v:g}"
    return "no value (" + (
        "insufficient data)" if status == "insufficient_data" else "not measured)"
    )


def print_findings(con: duckdb.DuckDBPyConnection, run_id: str, console) -> None:
    """A table of the run's flags and insufficient-data findings, then a one-line summary."""
    from rich.table import Table
    from rich.text import Text

    rows = con.execute(
        f"""SELECT severity, status, check_id, program_id, unit_id, measured_value, threshold,
                   message, waived, waiver_id, evidence_table, len(evidence)
            FROM dnh_findings WHERE run_id = ? AND status <> 'pass'
            ORDER BY {_rank_sql()}, CASE status WHEN 'flag' THEN 0 ELSE 1 END, check_id,
                     program_id, unit_id NULLS LAST""",
        [run_id],
    ).fetchall()
    counts = dict(
        con.execute(
            "SELECT status, count(*) FROM dnh_findings WHERE run_id = ? GROUP BY status", [run_id]
        ).fetchall()
    )
    lines = []
    for sev, status, check, prog, unit, meas, thr, msg, waived, wid, etable, n_ev in rows:
        value = _number(meas, status)
        value += "" if thr is None or thr != thr else f" / {thr:g}"
        evidence = f" [evidence: {n_ev} {etable} row(s)]" if n_ev else ""
        label = LABEL[status] + (f" (waived {wid})" if waived else "")
        style = "dim" if waived else STYLE[status]
        lines.append(
            (
                sev.upper(),
                label,
                *(terminal_safe(x) for x in (check, prog or "-", unit or "-")),
                value,
                terminal_safe(msg + evidence),
                style,
            )
        )
    if lines and console.is_terminal:
        table = Table(title=f"Do-no-harm findings, run {run_id}", expand=True)
        for col in (
            "severity",
            "status",
            "check",
            "program",
            "unit",
            "measured / threshold",
            "message",
        ):
            table.add_column(col, overflow="fold", ratio=6 if col == "message" else None)
        for *cells, style in lines:
            table.add_row(*(Text(c) for c in cells), style=style)  # text, never markup
        console.print(table)
    elif lines:
        # Logs and pipes (CI): one finding per line, never wrapped or cut.
        console.print(f"Do-no-harm findings, run {run_id}", soft_wrap=True)
        for sev, label, check, prog, unit, value, msg, style in lines:
            console.print(
                f"{sev:<8} {label:<17} {check} program={prog} unit={unit} measured/threshold={value}: {msg}",
                style=style,
                soft_wrap=True,
                markup=False,
                highlight=False,
            )
    waived = con.execute(
        "SELECT count(*) FROM dnh_findings WHERE run_id = ? AND waived", [run_id]
    ).fetchone()[0]
    console.print(
        f"do-no-harm: {counts.get('flag', 0)} flag(s), {counts.get('insufficient_data', 0)} "
        f"insufficient-data finding(s), {counts.get('pass', 0)} pass(es), {waived} waived"
    )


def gate(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    fail_on: str | None,
    *,
    count_insufficient: bool = True,
) -> int:
    """Exit code: 1 when a non-waived flag or insufficient-data finding is at or above `fail_on`."""
    if fail_on is None:
        return 0
    if fail_on not in SEVERITIES:
        raise UsageError(f"--fail-on {fail_on!r}: expected one of {', '.join(SEVERITIES)}")
    levels = list(SEVERITIES[: SEVERITY_RANK[fail_on] + 1])
    statuses = ["flag", "insufficient_data"] if count_insufficient else ["flag"]
    rows = con.execute(
        """SELECT status, count(*) FROM dnh_findings
           WHERE run_id = ? AND NOT waived AND status IN (SELECT unnest(?))
             AND severity IN (SELECT unnest(?)) GROUP BY status""",
        [run_id, statuses, levels],
    ).fetchall()
    counts = dict(rows)
    total = sum(counts.values())
    verdict = "FAILED" if total else "passed"
    print(
        f"gate --fail-on {fail_on}: {verdict}: {counts.get('flag', 0)} flag(s) and "
        f"{counts.get('insufficient_data', 0)} insufficient-data finding(s) at or above {fail_on} "
        "(waived findings excluded)",
        file=sys.stderr,
    )
    return 1 if total else 0
