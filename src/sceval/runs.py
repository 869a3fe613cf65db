"""Run provenance: every result row carries a run id that traces to its inputs."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Sequence
from pathlib import Path

import duckdb

from sceval.project import Project
from sceval.version import __version__


def _utcnow() -> dt.datetime:
    # UTC without a zone, like `loads.loaded_at`: `--as-known-at` compares the two.
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def input_files(con: duckdb.DuckDBPyConnection, known_at: dt.datetime | None = None) -> list[dict]:
    """The files loaded into the warehouse so far (or by `known_at`), with their SHA-256
    (latest load of each)."""
    rows = con.execute(
        """
        SELECT table_name, file, sha256, rows, CAST(loaded_at AS VARCHAR)
        FROM loads WHERE $1::TIMESTAMP IS NULL OR loaded_at <= $1::TIMESTAMP
        QUALIFY row_number() OVER (PARTITION BY table_name, file, sha256 ORDER BY loaded_at DESC) = 1
        ORDER BY table_name, file
        """,
        [known_at],
    ).fetchall()
    return [
        {"table": t, "file": f, "sha256": s, "rows": n, "loaded_at": at} for t, f, s, n, at in rows
    ]


def portable_path(file: str, root: str | Path) -> str:
    """A loaded file's path as reports show it: relative to the project when the file lies in
    it (`seeds/data/programs.csv`), else its name, which is its path relative to the folder
    given to `sceval load` (discovery does not descend into sub-folders). The same files give
    the same text on every machine; the absolute path stays in `loads.file`."""
    path = Path(file)
    try:
        return path.resolve().relative_to(Path(root).resolve()).as_posix()
    except (ValueError, OSError):
        return path.name


def start_run(
    con: duckdb.DuckDBPyConnection,
    project: Project,
    *,
    command: str,
    as_of: dt.date | None = None,
    pipeline: str | None = None,
    program: str | None = None,
    periods: Sequence[str] | None = None,
    as_known_at: dt.datetime | None = None,
) -> str:
    """Record a new run and return its id. `periods` are the labels of the reporting periods
    it computes (default `cumulative`); `as_known_at` when it read the inputs as they stood
    at that time (`sceval run --as-known-at`)."""
    run_id = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:8]
    con.execute(
        """INSERT INTO runs BY NAME SELECT
             ? AS run_id, ? AS started_at, ? AS as_of, ? AS command,
             ? AS pipeline, ? AS program_filter, ? AS engine_version, ? AS catalogue_hash,
             ? AS project_root, ? AS input_files, 'running' AS status,
             ?::VARCHAR[] AS periods, ?::TIMESTAMP AS as_known_at""",
        [
            run_id,
            _utcnow(),
            as_of or dt.date.today(),
            command,
            pipeline,
            program,
            __version__,
            project.catalogue_hash,
            str(project.root),
            json.dumps(
                [
                    dict(f, path=portable_path(f["file"], project.root))
                    for f in input_files(con, as_known_at)
                ]
            ),
            list(periods) if periods else ["cumulative"],
            as_known_at,
        ],
    )
    return run_id


def fail_interrupted(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Mark 'failed' the runs still 'running' when a `sceval run` has just opened the warehouse
    for writing, and return their ids. DuckDB lets one process at a time open a warehouse for
    writing, so their process ended before they finished (killed, or out of memory); left
    'running', they looked like runs still under way."""
    rows = con.execute(
        "UPDATE runs SET status = 'failed' WHERE status = 'running' RETURNING run_id"
    ).fetchall()
    return sorted(r[0] for r in rows)


def finish_run(con: duckdb.DuckDBPyConnection, run_id: str, status: str = "draft") -> None:
    """Mark a run as finished: 'draft' until approved (`sceval approve`), or 'failed'."""
    con.execute(
        "UPDATE runs SET finished_at = ?, status = ? WHERE run_id = ?",
        [_utcnow(), status, run_id],
    )


def latest_run(con: duckdb.DuckDBPyConnection, table: str | None = None) -> str | None:
    """The most recent finished run, or the most recent one that wrote rows to `table`."""
    if table is None:
        row = con.execute(
            "SELECT run_id FROM runs WHERE status IN ('draft', 'approved') ORDER BY started_at DESC, run_id DESC LIMIT 1"
        ).fetchall()
    else:
        row = con.execute(
            f"""SELECT r.run_id FROM runs r WHERE r.status IN ('draft', 'approved')
                AND EXISTS (SELECT 1 FROM "{table}" t WHERE t.run_id = r.run_id)
                ORDER BY r.started_at DESC, r.run_id DESC LIMIT 1"""
        ).fetchall()
    # fetchall, not fetchone: DuckDB 2.0 keeps a half-read result that blocks the next query
    return row[0][0] if row else None
