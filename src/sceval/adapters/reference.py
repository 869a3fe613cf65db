"""Reference tables the adapters use themselves (IATI codelists, the Gleditsch-Ward list).

They are recognised so that loading one says what it is instead of failing on its name:
the report states that nothing is stored, and why.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from sceval.adapters.common import Context, read_text_csv
from sceval.adapters.registry import REFERENCE
from sceval.adapters.report import MappingReport


def adapt(path: Path, ctx: Context, source: str) -> tuple[dict[str, pl.DataFrame], MappingReport]:
    """No frames; a report saying what the file is and that nothing is stored."""

    report = MappingReport(source, str(path), unit="rows")
    read_text_csv(path, report)
    report.notes.append(f"{REFERENCE[source]}: nothing stored")
    return {}, report
