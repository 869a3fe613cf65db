"""`sceval load`: table files go through the contracts (`sceval.load`); source formats
(IATI, UCDP, ACLED, WGI, V-Dem, SIPRI, coups, FMTR) through their adapter (`sceval.adapters`),
chosen from the one registry of formats (`sceval.adapters.registry`)."""

from __future__ import annotations

import os
from collections.abc import Sequence

from sceval.adapters.loader import load_from_source
from sceval.adapters.registry import all_source_files
from sceval.errors import UsageError
from sceval.load import LoadResult, load_tables
from sceval.project import Project


def load_command(
    paths: Sequence[str | os.PathLike[str]],
    *,
    db: str | os.PathLike[str] | None,
    project: Project,
    source: str | None = None,
    accept_partial: bool = False,
    rejects: str | os.PathLike[str] | None = None,
    report_json: str | os.PathLike[str] | None = None,
    actor_map: str | os.PathLike[str] | None = None,
    by: str | None = None,
    reason: str | None = None,
    unlock_reason: str | None = None,
) -> LoadResult:
    """`sceval load`: table files go through the contracts; `--from SOURCE` through an adapter.
    `by`, `reason` and `unlock_reason` are recorded with the load (docs/evaluation-cycle.md)."""
    from rich.console import Console

    stamp = {"by": by, "reason": reason, "unlock_reason": unlock_reason}
    console = Console()
    sources = all_source_files(paths, project)
    if accept_partial and source is None and not sources:
        # Table files are the contract itself: a partner fixes the rows `sceval validate` names.
        raise UsageError(
            "--accept-partial applies to source formats (give --from SOURCE, or a file that names "
            "its source); table files load all or nothing: fix the rows `sceval validate` lists"
        )
    # A file named after no table that says what it is (IATI XML, a UCDP export) needs no --from.
    if source is not None or accept_partial or sources:
        return load_from_source(
            paths,
            db=db,
            project=project,
            source=source,
            accept_partial=accept_partial,
            rejects=rejects,
            report_json=report_json,
            console=console,
            actor_map=actor_map,
            stamp=stamp,
        )
    return load_tables(paths, db=db, project=project, stamp=stamp, console=console)
