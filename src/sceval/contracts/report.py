"""Validation results: one `RuleResult` per rule and file, rendered for people, JSON and JUnit.

Row numbers are 1-based data row numbers: the first row under the header is row 1.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass, field
from typing import Any

from sceval.safe_text import escape_controls, terminal_safe

ROW_CONVENTION = "row N is the N-th data row of the file (the header is not counted)"


@dataclass
class RuleResult:
    """The outcome of one rule on one file (or on the batch, for cross-table rules)."""

    rule: str
    table: str
    file: str | None = None
    column: str | None = None
    expectation: str | None = None
    kwargs: dict[str, Any] = field(default_factory=dict)
    engine: str = "great_expectations"
    severity: str = "error"  # error | warning
    status: str = "passed"  # passed | failed | skipped | error (the engine failed, not the data)
    element_count: int | None = None
    unexpected_count: int = 0
    examples: list[dict[str, Any]] = field(default_factory=list)
    message: str = ""

    @property
    def failing(self) -> bool:
        """Whether this result makes the batch invalid."""
        return self.status == "error" or (self.status == "failed" and self.severity == "error")

    def where(self) -> str:
        """`file`, then the first bad rows with their values."""
        rows = ", ".join(
            f"row {e['row']}"
            + (f" ({e['file']})" if e.get("file") and e["file"] != self.file else "")
            + (f": {'blank' if e['value'] is None else repr(e['value'])}" if "value" in e else "")
            + (f" (cell {e['cell']})" if e.get("cell") else "")
            for e in self.examples
        )
        return rows

    def line(self) -> str:
        """One line: file, table, rule, column, count, first bad rows and values."""
        table = f"table {self.table}: " if self.table != "?" else ""
        return f"{self.file or '(batch)'}: {table}rule {_detail(self)}"

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["examples"] = [{k: _jsonable(v) for k, v in e.items()} for e in self.examples]
        d["kwargs"] = {k: _jsonable(v) for k, v in self.kwargs.items()}
        return d


def example(row: int, columns: list[str] | tuple[str, ...], values: list[Any]) -> dict[str, Any]:
    """A bad row as reported: its number and its value, or `col=value, ...` (blank for a
    missing cell) when the rule reads several columns. Dates print as ISO text."""
    values = [v.isoformat() if isinstance(v, dt.date) else v for v in values]
    if len(values) == 1:
        return {"row": int(row), "value": values[0]}
    shown = escape_controls(
        ", ".join(
            f"{c}={'blank' if v is None else v}" for c, v in zip(columns, values, strict=True)
        )
    )
    return {"row": int(row), "value": shown}


def _jsonable(v: Any) -> Any:
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, tuple | list):
        return [_jsonable(x) for x in v]
    if isinstance(v, float) and v != v:
        return "NaN"
    if v is None or isinstance(v, str | int | float | bool):
        return v
    return str(v)


@dataclass
class FileSummary:
    """One input file (or sheet) of the batch."""

    file: str
    table: str
    rows: int
    format: str


@dataclass
class ValidationReport:
    """Everything one validation found; `ok` when no rule of severity error failed."""

    files: list[FileSummary] = field(default_factory=list)
    results: list[RuleResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(r.failing for r in self.results)

    @property
    def engine_error(self) -> bool:
        return any(r.status == "error" for r in self.results)

    @property
    def failures(self) -> list[RuleResult]:
        return [r for r in self.results if r.failing]

    @property
    def warnings(self) -> list[RuleResult]:
        return [r for r in self.results if r.status == "failed" and r.severity == "warning"]

    def counts(self) -> dict[str, int]:
        out = {
            "rules": len(self.results),
            "passed": 0,
            "failed": 0,
            "warnings": 0,
            "skipped": 0,
            "errors": 0,
        }
        for r in self.results:
            if r.status == "passed":
                out["passed"] += 1
            elif r.status == "skipped":
                out["skipped"] += 1
            elif r.status == "error":
                out["errors"] += 1
            elif r.severity == "warning":
                out["warnings"] += 1
            else:
                out["failed"] += 1
        return out

    def summary_line(self) -> str:
        c = self.counts()
        verdict = "VALID" if self.ok else "INVALID"
        return (
            f"{verdict}: {len(self.files)} file(s), {c['rules']} rule checks: {c['passed']} passed, "
            f"{c['failed']} failed, {c['warnings']} warning(s), {c['skipped']} skipped"
            + (f", {c['errors']} engine error(s)" if c["errors"] else "")
        )

    def first_failure(self) -> str:
        fails = self.failures
        if not fails:
            return "no failures"
        more = f" (and {len(fails) - 1} more failed rule(s))" if len(fails) > 1 else ""
        return fails[0].line() + more

    def _groups(self) -> list[tuple[str, str, list[RuleResult]]]:
        keys: dict[tuple[str, str], list[RuleResult]] = {}
        for f in self.files:
            keys.setdefault((f.file, f.table), [])
        for r in self.results:
            keys.setdefault((r.file or "(batch)", r.table), []).append(r)
        return [(f, t, rs) for (f, t), rs in keys.items()]

    def render(self, console: Any, *, failures_only: bool = False) -> None:
        """A readable summary per file and table: failed rules with column, count, rows, values."""
        from rich.markup import escape as markup_escape

        def escape(text: str) -> str:
            # Data text, never markup nor terminal control sequences.
            return markup_escape(terminal_safe(text))

        rows = {(f.file, f.table): f.rows for f in self.files}
        for file, table, results in self._groups():
            bad = [r for r in results if r.failing]
            warn = [r for r in results if r.status == "failed" and r.severity == "warning"]
            skipped = [r for r in results if r.status == "skipped"]
            if failures_only and not bad:
                continue
            n = rows.get((file, table))
            size = f", {n:,} rows" if n is not None else ""
            mark = "[red]FAIL[/red]" if bad else "[green]ok[/green]"
            console.print(
                f"{mark} {escape(file)} (table {escape(table)}{size}): {len(results)} rules, "
                f"{len(bad)} failed, {len(warn)} warning(s), {len(skipped)} skipped"
            )
            for r in bad:
                tag = "engine error" if r.status == "error" else "failed"
                console.print(f"  [red]x {tag}[/red] {escape(_detail(r))}")
            if failures_only:
                continue
            for r in warn:
                console.print(f"  [yellow]! warning[/yellow] {escape(_detail(r))}")
            for r in skipped:
                console.print(f"  [dim]- skipped {escape(r.rule)}: {escape(r.message)}[/dim]")
        for note in self.notes:
            console.print(f"[dim]note: {escape(note)}[/dim]")
        console.print(f"[dim]({ROW_CONVENTION})[/dim]")
        console.print(f"[bold]{escape(self.summary_line())}[/bold]")

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "summary": self.counts(),
            "row_numbers": ROW_CONVENTION,
            "files": [asdict(f) for f in self.files],
            "results": [r.to_json() for r in self.results],
            "notes": list(self.notes),
        }

    def to_junit(self) -> str:
        """JUnit XML: one testsuite per file and table, one testcase per rule."""
        from xml.etree import ElementTree as ET

        root = ET.Element("testsuites", name="sceval validate")
        totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        for file, table, results in self._groups():
            suite = ET.SubElement(root, "testsuite", name=f"{file} ({table})")
            counts = {"tests": len(results), "failures": 0, "errors": 0, "skipped": 0}
            for r in results:
                case = ET.SubElement(
                    suite, "testcase", name=r.rule, classname=f"sceval.{table}", file=file
                )
                if r.status == "error":
                    counts["errors"] += 1
                    ET.SubElement(
                        case, "error", message=r.line(), type="engine_error"
                    ).text = r.message
                elif r.failing:
                    counts["failures"] += 1
                    el = ET.SubElement(
                        case, "failure", message=r.line(), type=r.expectation or "rule"
                    )
                    el.text = json.dumps(r.to_json(), indent=1)
                elif r.status == "skipped":
                    counts["skipped"] += 1
                    ET.SubElement(case, "skipped", message=r.message)
                elif r.status == "failed":  # a warning: passes, but says so
                    ET.SubElement(case, "system-out").text = "warning: " + r.line()
            for k, v in counts.items():
                suite.set(k, str(v))
                totals[k] += v
        for k, v in totals.items():
            root.set(k, str(v))
        ET.indent(root)
        return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode")


def _detail(r: RuleResult) -> str:
    parts = [r.rule]
    if r.column:
        parts.append(f"column {r.column}")
    if r.unexpected_count:
        total = f" of {r.element_count:,}" if r.element_count is not None else ""
        parts.append(f"{r.unexpected_count:,}{total} bad row(s)")
    if r.examples:
        parts.append(r.where())
    if r.message:
        parts.append(r.message)
    return ": ".join(parts)
