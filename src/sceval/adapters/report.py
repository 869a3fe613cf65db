"""The mapping report of an adapter load: what was read, loaded, rejected, normalised.

One `MappingReport` per source file. Rejected rows carry a reason and a class:
`invalid` (a dirty value: missing date, end before start, a value the contract refuses)
blocks the load unless the user passes `--accept-partial`; `unmapped` (an entity with no
place in our tables: Kosovo in an ISO3 column, a rebel group as an arms recipient, an
aggregate line) is reported and skipped without blocking.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sceval.safe_text import csv_safe, neutralise, terminal_safe

INVALID = "invalid"
UNMAPPED = "unmapped"


@dataclass
class Reject:
    """One source row (or element) that was not loaded, and why."""

    row: str
    reason: str
    kind: str
    column: str | None = None
    value: str | None = None
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass
class MappingReport:
    """Counts and notes of one file's mapping into the contract tables."""

    source: str
    file: str
    rows_read: int = 0
    unit: str = "rows"
    loaded: dict[str, int] = field(default_factory=dict)
    rejects: list[Reject] = field(default_factory=list)
    normalised: Counter = field(default_factory=Counter)
    unrecognised: dict[str, Counter] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    # Loaded, but a reader should look: a source's own total that its rows do not add up to.
    warnings: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    side_outputs: dict[str, Any] = field(default_factory=dict)  # records or a Polars frame
    written: dict[str, str] = field(default_factory=dict)

    def reject(
        self,
        row: str,
        reason: str,
        *,
        kind: str = INVALID,
        column: str | None = None,
        value: Any = None,
        raw: dict[str, Any] | None = None,
    ) -> None:
        """Record one row that will not be loaded."""
        self.rejects.append(
            Reject(str(row), reason, kind, column, None if value is None else str(value), raw or {})
        )

    def normalise(self, what: str, n: int = 1) -> None:
        """Count a value changed on the way in (parsed money, merged spelling, ...)."""
        if n:
            self.normalised[what] += n

    def unknown(self, what: str, code: Any, n: int = 1) -> None:
        """Count a code the adapter could not map (country, actor, measure, ...)."""
        self.unrecognised.setdefault(what, Counter())[str(code)] += n

    @property
    def invalid(self) -> list[Reject]:
        return [r for r in self.rejects if r.kind == INVALID]

    def rejected_by_reason(self) -> dict[str, int]:
        return dict(Counter(r.reason for r in self.rejects).most_common())

    def to_json(self) -> dict[str, Any]:
        """The report as plain JSON (every rejected row with its reason)."""
        return {
            "source": self.source,
            "file": self.file,
            "unit": self.unit,
            "rows_read": self.rows_read,
            "loaded": dict(self.loaded),
            "rejected": len(self.rejects),
            "rejected_invalid": len(self.invalid),
            "rejected_unmapped": len(self.rejects) - len(self.invalid),
            "rejected_by_reason": self.rejected_by_reason(),
            "normalised": dict(self.normalised.most_common()),
            "codes_not_recognised": {
                k: dict(v.most_common()) for k, v in self.unrecognised.items()
            },
            "notes": list(self.notes),
            "warnings": list(self.warnings),
            "details": self.details,
            "written": dict(self.written),
            "rejected_rows": [
                {
                    "row": r.row,
                    "reason": r.reason,
                    "class": r.kind,
                    "column": r.column,
                    "value": r.value,
                }
                for r in self.rejects
            ],
        }

    def _sample(self, max_rows: int) -> list[Reject]:
        """Invalid rows to print: all when few, else the first rows of every reason."""
        if len(self.invalid) <= max_rows:
            return self.invalid
        reasons = list(dict.fromkeys(r.reason for r in self.invalid))
        each = max(3, max_rows // len(reasons))
        taken: Counter = Counter()
        out = []
        for r in self.invalid:
            if taken[r.reason] < each:
                taken[r.reason] += 1
                out.append(r)
        return out

    def render(self, console, *, max_rows: int = 50) -> None:
        """Print the report to the terminal (invalid rows listed, up to max_rows)."""
        from rich.table import Table

        console.print(f"[bold]{self.source}[/bold] {self.file}")
        t = Table(show_header=False, box=None, pad_edge=False)
        t.add_row(f"{self.unit} read", f"{self.rows_read:,}")
        for table, n in self.loaded.items():
            t.add_row(f"loaded into {table}", f"{n:,}")
        t.add_row("rejected", f"{len(self.rejects):,} ({len(self.invalid):,} invalid)")
        for reason, n in self.rejected_by_reason().items():
            t.add_row("  " + reason, f"{n:,}")
        for what, n in self.normalised.most_common():
            t.add_row("normalised: " + what, f"{n:,}")
        for what, codes in self.unrecognised.items():
            shown = terminal_safe(", ".join(f"{c} ({n})" for c, n in codes.most_common(8)))
            more = f" and {len(codes) - 8} more" if len(codes) > 8 else ""
            t.add_row("not recognised: " + what, shown + more)
        console.print(t)
        for note in self.notes:
            console.print(terminal_safe("  note: " + note), highlight=False, markup=False)
        for warning in self.warnings:
            console.print(terminal_safe("  warning: " + warning), highlight=False, markup=False)
        shown = self._sample(max_rows)
        for r in shown:
            where = ", ".join(
                x
                for x in (
                    f"row {r.row}",
                    f"column {r.column}" if r.column else "",
                    f"value {r.value!r}" if r.value is not None else "",
                )
                if x
            )
            console.print(
                terminal_safe(f"  rejected {where}: {r.reason}"), highlight=False, markup=False
            )
        if len(self.invalid) > len(shown):
            console.print(
                f"  ... and {len(self.invalid) - len(shown):,} more invalid rows "
                "(all of them in the rejects file and --report-json)"
            )
        for what, where in self.written.items():
            console.print(f"  wrote {what}: {where}", highlight=False)


def write_rejects(reports: list[MappingReport], path: Path) -> int:
    """Write every rejected row, with its file, reason and source values, as CSV (every cell
    neutralised: a rejected row is the most likely place for a hostile value)."""
    rows = [(rep, r) for rep in reports for r in rep.rejects]
    raw_cols: list[str] = []
    for _, r in rows:
        for k in r.raw:
            if k not in raw_cols:
                raw_cols.append(k)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(
            neutralise(v) for v in ["file", "row", "class", "reason", "column", "value", *raw_cols]
        )
        for rep, r in rows:
            w.writerow(
                neutralise(v)
                for v in [
                    rep.file,
                    r.row,
                    r.kind,
                    r.reason,
                    r.column or "",
                    r.value or "",
                    *["" if r.raw.get(c) is None else r.raw.get(c) for c in raw_cols],
                ]
            )
    return len(rows)


def write_side_output(rows, path: Path) -> None:
    """A side table (raw IATI values, event precision) as CSV: a Polars frame or records."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if hasattr(rows, "write_csv"):
        csv_safe(rows).write_csv(path)
        return
    cols: list[str] = []
    for r in rows:
        for k in r:
            if k not in cols:
                cols.append(k)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=cols)
        w.writeheader()
        w.writerows({k: neutralise(v) for k, v in r.items()} for r in rows)


def write_json(reports: list[MappingReport], path: Path, *, status: str) -> None:
    """The reports of one load as a JSON file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    files = [r.to_json() for r in reports]
    loaded: dict[str, int] = {}
    by_reason: Counter = Counter()
    for f in files:
        for table, n in f["loaded"].items():
            loaded[table] = loaded.get(table, 0) + n
        by_reason.update(f["rejected_by_reason"])
    data = {
        "status": status,
        "rows_read": sum(f["rows_read"] for f in files),
        "loaded": loaded,
        "rejected": sum(f["rejected"] for f in files),
        "rejected_by_reason": dict(by_reason.most_common()),
        "files": files,
    }
    path.write_text(json.dumps(data, indent=2, default=str) + "\n", encoding="utf-8")
