"""What a report set is made of, as data: a report definition, the runs it shows and the
frames it draws from. Kept apart from how they are loaded (`data`), built (`build`) and
written (`page`), so that each of those can name them without importing the others.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

RESULT_TABLES = ("indicator_results", "partnership_scores", "dnh_findings")


@dataclass(frozen=True)
class ReportDef:
    """One report definition file."""

    id: str
    kind: str
    title: str
    description: str
    charts: tuple[str, ...]
    options: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None
    # The handling marking of its pages: the definition's own `marking:` when it has one
    # (null or empty: none), else the project's (set by `report_definitions`).
    marking: str | None = None
    own_marking: bool = False

    @property
    def per_program(self) -> bool:
        """True when the report has one page per program."""
        return self.kind == "scorecard"


@dataclass
class Run:
    """Provenance of one run, as printed on every report page."""

    run_id: str
    as_of: str
    started_at: str
    engine_version: str
    catalogue_hash: str
    command: str
    input_files: list[dict[str, Any]]
    status: str = "draft"
    approver: str | None = None
    approved_at: str | None = None
    chosen: str = ""  # how the report came to show this run (see `runs_used`)

    @property
    def status_line(self) -> str:
        """The run's status as every page header states it."""
        if self.status == "approved":
            return f"Approved by {self.approver} on {self.approved_at}"
        return "DRAFT — not approved"


@dataclass
class ReportData:
    """Everything the report set needs, loaded once per `write_reports` call."""

    runs: dict[str, Run]
    run_of: dict[str, str | None]
    threshold: int
    programs: pl.DataFrame
    results: pl.DataFrame
    findings: pl.DataFrame
    scores: pl.DataFrame
    dialogues: pl.DataFrame
    sheets: pl.DataFrame = field(default_factory=pl.DataFrame)
    program_thresholds: pl.DataFrame | None = None
    item_labels: dict[str, str] = field(default_factory=dict)
    chain: pl.DataFrame = field(default_factory=pl.DataFrame)
    baseline: pl.DataFrame = field(default_factory=pl.DataFrame)
    profile: str = "internal"
    # findings, recommendations, management_responses, actions (reports/followup.py)
    followup: dict[str, pl.DataFrame] = field(default_factory=dict)
    # The reporting period `results` hold (`cumulative` or a label such as 2026Q2), and every
    # non-cumulative result row of the run (the per-period series of the scorecards).
    period: str = "cumulative"
    series: pl.DataFrame = field(default_factory=pl.DataFrame)
    # Partnership ratings over rounds (cases rated twice, side by side) and rater agreement.
    rounds: pl.DataFrame = field(default_factory=pl.DataFrame)
    agreement: pl.DataFrame = field(default_factory=pl.DataFrame)

    @property
    def indicator_titles(self) -> dict[str, str]:
        """Indicator id -> title as the catalogue gives it."""
        if self.sheets.is_empty():
            return {}
        return dict(zip(self.sheets["indicator_id"], self.sheets["title"], strict=True))

    def runs_for(self, *tables: str) -> list[Run]:
        """The distinct runs behind the given result tables (in table order)."""
        ids = [self.run_of.get(t) for t in tables]
        seen = list(dict.fromkeys(i for i in ids if i))
        return [self.runs[i] for i in seen]

    @property
    def as_of(self) -> str:
        """The as-of date of the main run (indicators, else the first run used)."""
        main = self.runs_for(*RESULT_TABLES)
        return main[0].as_of if main else "-"
