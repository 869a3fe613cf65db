"""Data contracts: GX expectation suites from `schemas/*.yml`, checked on every input batch.

`validate_paths(paths, project)` reads files or folders (CSV, Parquet, XLSX), types them,
runs the row rules through Great Expectations and the key, foreign-key and cross-table rules
as DuckDB SQL, and returns a `ValidationReport` (`.ok`, `.render(console)`, `.to_json()`,
`.to_junit()`). GX is imported only when a validation runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sceval.contracts.report import ValidationReport


def validate_paths(paths: Any, project: Any) -> ValidationReport:
    """Check files or folders against the contracts without loading them."""
    from sceval.contracts.validate import validate_paths as run

    return run(paths, project)


def validate_command(paths: Any, *, project: Any, junit: Any = None, json_out: Any = None) -> int:
    """`sceval validate PATH... [--junit FILE] [--json FILE]`; returns the exit code."""
    from sceval.contracts.validate import validate_command as run

    return run(paths, project=project, junit=junit, json_out=json_out)


def __getattr__(name: str) -> Any:
    if name == "ValidationReport":
        from sceval.contracts.report import ValidationReport

        return ValidationReport
    raise AttributeError(name)
