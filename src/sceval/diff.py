"""What changed between two runs, and why (`sceval diff RUN_A RUN_B`).

Differences are listed per result: indicator values and statuses, partnership scores and
do-no-harm findings. Each carries the causes that can be traced:

- `input`: input rows that differ between the inputs as run A read them and as run B read
  them (each run read every table as it stood when it ran, or at its `--as-known-at` time;
  sceval.history rebuilds both states), with the load, user, time and reason that changed
  them. A result is tied to the changed rows of the tables it reads (an indicator's
  `source_tables`; partnership_ratings for scores) and, where the table has a program_id,
  of its program;
- `catalogue`: the project's declarative files (catalogue, overrides, models, checks) hash
  differently;
- `as_of`, `periods`, `program_filter`, `engine_version`: the runs were asked different things.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from sceval.project import Project

# Result tables: the columns that identify a result, and the ones compared.
RESULTS = {
    "indicator_results": (
        (
            "indicator_id",
            "program_id",
            "period_start",
            "period_end",
            "dimension",
            "dimension_value",
        ),
        ("value", "status", "n", "numerator", "denominator", "target", "suppressed"),
    ),
    "partnership_scores": (
        ("model_id", "case_id", "level", "dimension_id", "item_id", "source"),
        ("score", "rating_text", "max_score"),
    ),
    "dnh_findings": (
        ("check_id", "program_id", "unit_id"),
        ("status", "severity", "measured_value", "waived"),
    ),
}
RUN_FIELDS = ("as_of", "periods", "program_filter", "engine_version", "catalogue_hash")


@dataclass
class RunDiff:
    run_a: str
    run_b: str
    run_causes: list[dict] = field(default_factory=list)
    inputs: list[dict] = field(default_factory=list)
    results: list[dict] = field(default_factory=list)

    def to_json(self) -> dict:
        return {
            "run_a": self.run_a,
            "run_b": self.run_b,
            "run_causes": self.run_causes,
            "input_changes": self.inputs,
            "differences": self.results,
        }


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _known_time(run: dict):
    return run["as_known_at"] or run["started_at"]


def _columns(con, table: str) -> set[str]:
    return {
        r[0]
        for r in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE table_name = ? "
            "AND schema_name = 'main' AND database_name = current_database()",
            [table],
        ).fetchall()
    }


def _row(text: str | None) -> dict | None:
    row = json.loads(text) if text else None
    return row if row and any(v is not None for v in row.values()) else None


def input_changes(con, project: Project, run_a: dict, run_b: dict) -> list[dict]:
    """Input rows that differ between the two runs' views of the inputs, with their loads."""
    from sceval.history import as_known_at_sql
    from sceval.warehouse import history_table

    ta, tb = _known_time(run_a), _known_time(run_b)
    lo, hi = min(ta, tb), max(ta, tb)
    catalog = con.execute("SELECT current_database()").fetchall()[0][0]
    out = []
    for contract in project.contracts.values():
        hist = _q(history_table(contract.name))
        key = ", ".join(_q(k) for k in contract.key)
        if not contract.key:
            continue
        touched = f"(SELECT DISTINCT {key} FROM {hist} WHERE changed_at > $1 AND changed_at <= $2)"
        if not con.execute(f"SELECT count(*) FROM {touched}", [lo, hi]).fetchall()[0][0]:
            continue
        cols = contract.column_names
        sel = ", ".join(_q(c) for c in cols)
        state_a = f"(SELECT {sel} FROM ({as_known_at_sql(contract, ta, catalog)}) s SEMI JOIN {touched} k ON {contract.key_match('s', 'k')})"
        state_b = f"(SELECT {sel} FROM ({as_known_at_sql(contract, tb, catalog)}) s SEMI JOIN {touched} k ON {contract.key_match('s', 'k')})"
        rows = con.execute(
            f"""SELECT k.*, to_json(a) AS before, to_json(b) AS after FROM {touched} k
                LEFT JOIN {state_a} a ON {contract.key_match("a", "k")}
                LEFT JOIN {state_b} b ON {contract.key_match("b", "k")}
                WHERE a IS DISTINCT FROM b""",
            [lo, hi],
        ).fetchall()
        for row in rows:
            keyvals = [None if v is None else str(v) for v in row[: len(contract.key)]]
            # An unmatched side of a LEFT JOIN reads as a struct of NULLs: the row was absent.
            before = _row(row[-2])
            after = _row(row[-1])
            where = " AND ".join(
                f"h.{_q(k)} IS NOT DISTINCT FROM ?::{contract.column(k).sql_type}"
                for k in contract.key
            )
            loads = con.execute(
                f"""SELECT DISTINCT h.change_load_id, strftime(h.changed_at, '%Y-%m-%d %H:%M:%S'),
                           n.loaded_by, n.reason, n.unlock_reason, l.file
                    FROM {hist} h LEFT JOIN loads l
                      ON l.load_id = h.change_load_id AND l.table_name = ?
                    LEFT JOIN load_notes n ON n.load_id = h.change_load_id
                    WHERE h.changed_at > ? AND h.changed_at <= ? AND {where}
                    ORDER BY 2""",
                [contract.name, lo, hi, *keyvals],
            ).fetchall()
            changed = sorted(
                c
                for c in cols
                if (before or {}).get(c) != (after or {}).get(c) and c not in contract.key
            )
            out.append(
                {
                    "table": contract.name,
                    "key": dict(zip(contract.key, keyvals, strict=True)),
                    "program_id": (after or before or {}).get("program_id"),
                    "change": "inserted" if before is None else "changed",
                    "columns": {c: [(before or {}).get(c), (after or {}).get(c)] for c in changed},
                    "loads": [
                        {
                            "load_id": lid,
                            "at": at,
                            "by": by,
                            "reason": reason,
                            "unlock_reason": unlock,
                            "file": file,
                        }
                        for lid, at, by, reason, unlock, file in loads
                    ],
                }
            )
    return out


def result_differences(con, table: str, run_a: str, run_b: str) -> list[dict]:
    """Results of `table` that differ between the runs (or exist in one only)."""
    ident, compared = RESULTS[table]
    present = _columns(con, table)
    if "period" in present:  # reporting periods: one result per period label
        ident = (*ident, "period")
    compared = tuple(c for c in compared if c in present)
    sel = ", ".join(_q(c) for c in (*ident, *compared))
    on = " AND ".join(f"a.{_q(c)} IS NOT DISTINCT FROM b.{_q(c)}" for c in ident)
    differs = " OR ".join(f"a.{_q(c)} IS DISTINCT FROM b.{_q(c)}" for c in compared)
    # Results that share an identity (two findings of one check for one program) pair up
    # in the order of their text.
    part = ", ".join(_q(c) for c in ident)
    order = "message" if "message" in present else sel
    ordinal = f"row_number() OVER (PARTITION BY {part} ORDER BY {order}) AS _ordinal"
    on += " AND a._ordinal = b._ordinal"
    rows = con.execute(
        f"""WITH a AS (SELECT {sel}, {ordinal} FROM {table} WHERE run_id = $1),
                 b AS (SELECT {sel}, {ordinal} FROM {table} WHERE run_id = $2)
            SELECT to_json(a), to_json(b), a.{_q(ident[0])} IS NULL, b.{_q(ident[0])} IS NULL
            FROM a FULL JOIN b ON {on}
            WHERE a.{_q(ident[0])} IS NULL OR b.{_q(ident[0])} IS NULL OR ({differs})
            ORDER BY ALL""",
        [run_a, run_b],
    ).fetchall()
    out = []
    for ja, jb, only_b, only_a in rows:
        a = json.loads(ja) if not only_b else None
        b = json.loads(jb) if not only_a else None
        for side in (a, b):
            if side is not None:
                side.pop("_ordinal", None)
        base = a or b
        out.append(
            {
                "table": table,
                "result": {c: base.get(c) for c in ident if base.get(c) is not None},
                "change": "only in B" if only_b else "only in A" if only_a else "changed",
                "values": {
                    c: [(a or {}).get(c), (b or {}).get(c)]
                    for c in compared
                    if (a or {}).get(c) != (b or {}).get(c)
                },
            }
        )
    return out


def _reads(project: Project, table: str, result: dict) -> set[str] | None:
    """The input tables a result reads (None: all of them)."""
    if table == "partnership_scores":
        return {"partnership_ratings"}
    if table == "indicator_results":
        from sceval.indicators.catalogue import load_catalogue

        ind = load_catalogue(project).get(result.get("indicator_id"))
        if ind is not None:
            return set(ind.raw.get("source_tables") or []) or None
    return None


def diff_runs(con: duckdb.DuckDBPyConnection, project: Project, run_a: str, run_b: str) -> RunDiff:
    """The full difference between two runs, each difference with its traced causes."""
    from sceval.cycle import run_row

    ra, rb = run_row(con, run_a), run_row(con, run_b)
    d = RunDiff(run_a, run_b)
    for f in RUN_FIELDS:
        if ra.get(f) != rb.get(f):
            kind = "catalogue" if f == "catalogue_hash" else f
            d.run_causes.append({"cause": kind, "a": str(ra.get(f)), "b": str(rb.get(f))})
    if ra.get("as_known_at") != rb.get("as_known_at") and (ra["as_known_at"] or rb["as_known_at"]):
        d.run_causes.append(
            {"cause": "as_known_at", "a": str(ra["as_known_at"]), "b": str(rb["as_known_at"])}
        )
    d.inputs = input_changes(con, project, ra, rb)
    for table in RESULTS:
        for diff in result_differences(con, table, run_a, run_b):
            reads = _reads(project, table, diff["result"])
            program = diff["result"].get("program_id")
            causes = [
                {"cause": "input", **c}
                for c in d.inputs
                if (reads is None or c["table"] in reads)
                and (program is None or c["program_id"] in (None, program))
            ]
            if table == "partnership_scores":
                causes = [
                    c
                    for c in causes
                    if c["key"].get("model_id") == diff["result"].get("model_id")
                    and c["key"].get("case_id") == diff["result"].get("case_id")
                ]
            diff["causes"] = causes + [dict(c) for c in d.run_causes]
            d.results.append(diff)
    return d


def describe_input(c: dict) -> str:
    key = ", ".join("" if v is None else str(v) for v in c["key"].values())
    cols = "; ".join(f"{k} {v[0]} -> {v[1]}" for k, v in c["columns"].items())
    loads = "; ".join(
        f"load {ld['load_id']} on {ld['at']} by {ld['by']}"
        + (f", reason: {ld['reason']}" if ld["reason"] else "")
        + (f", unlock reason: {ld['unlock_reason']}" if ld["unlock_reason"] else "")
        for ld in c["loads"]
    )
    what = "new row" if c["change"] == "inserted" else cols
    return f"{c['table']} ({key}): {what} [{loads}]"


def describe_cause(c: dict) -> str:
    if c["cause"] == "input":
        return "input row " + describe_input(c)
    if c["cause"] == "catalogue":
        return f"catalogue/overrides changed (hash {c['a'][:12]}… -> {c['b'][:12]}…)"
    return f"{c['cause']} differs ({c['a']} -> {c['b']})"


def describe_result(r: dict) -> str:
    what = ", ".join(f"{v}" for v in r["result"].values())
    if r["change"] != "changed":
        return f"{r['table']} [{what}]: {r['change']}"
    vals = "; ".join(f"{k} {v[0]} -> {v[1]}" for k, v in r["values"].items())
    return f"{r['table']} [{what}]: {vals}"


def lines(d: RunDiff) -> list[str]:
    out = [f"diff {d.run_a} -> {d.run_b}: {len(d.results)} result(s) differ"]
    for c in d.run_causes:
        out.append("  run: " + describe_cause(c))
    for c in d.inputs:
        out.append("  input: " + describe_input(c))
    for r in d.results:
        out.append("  " + describe_result(r))
        inputs = [c for c in r["causes"] if c["cause"] == "input"]
        others = [c for c in r["causes"] if c["cause"] != "input"]
        for c in [*inputs, *others]:
            out.append("    cause: " + describe_cause(c))
        if not r["causes"]:
            out.append("    cause: none traced (same inputs, catalogue, as-of and periods)")
    return out


def diff_page_html(d: RunDiff, project: Project, con) -> str:
    """A report page for readers: the run-level causes, the changed inputs, and a table of
    differing results with their causes."""
    from sceval.reports.data import run_record
    from sceval.reports.page import Page, Section, esc, render_page

    def table(head: list[str], rows: list[list[str]]) -> str:
        th = "".join(f"<th>{esc(h)}</th>" for h in head)
        body = "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in r) + "</tr>" for r in rows)
        return f"<table><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>"

    runs = [run_record(con, d.run_a), run_record(con, d.run_b)]
    sections = [
        Section(
            id="causes",
            title="Why the runs differ",
            html=table(["cause"], [[describe_cause(c)] for c in d.run_causes])
            if d.run_causes
            else "<p>Same as-of date, periods, program filter, engine and catalogue.</p>",
        ),
        Section(
            id="inputs",
            title="Input rows changed between the runs",
            html=table(["change"], [[describe_input(c)] for c in d.inputs])
            if d.inputs
            else "<p>No input row changed between the two runs.</p>",
        ),
        Section(
            id="results",
            title="Results that differ",
            html=table(
                ["result", "causes"],
                [
                    [describe_result(r), "; ".join(describe_cause(c) for c in r["causes"]) or "-"]
                    for r in d.results
                ],
            )
            if d.results
            else "<p>No result differs.</p>",
        ),
    ]
    page = Page(
        name="diff",
        title=f"What changed: run {d.run_a} -> run {d.run_b}",
        subtitle=f"{len(d.results)} result(s) differ",
        runs=runs,
        as_of=f"{runs[0].as_of} / {runs[1].as_of}",
        sections=sections,
        marking=project.marking,
    )
    return render_page(page)


def diff_command(
    run_a: str,
    run_b: str,
    *,
    db,
    project: Project,
    json_out: Path | None = None,
    html_out: Path | None = None,
) -> RunDiff:
    """`sceval diff RUN_A RUN_B [--json FILE] [--html FILE]`."""
    from sceval.cycle_cli import _open

    con = _open(db, project, read_only=True)
    try:
        d = diff_runs(con, project, run_a, run_b)
        if html_out is not None:
            Path(html_out).write_text(diff_page_html(d, project, con), encoding="utf-8")
    finally:
        con.close()
    for line in lines(d):
        print(line)
    if json_out is not None:
        Path(json_out).write_text(
            json.dumps(d.to_json(), indent=1, default=str) + "\n", encoding="utf-8"
        )
    return d
