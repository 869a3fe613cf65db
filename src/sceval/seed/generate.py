"""`sceval seed`: the deterministic synthetic dataset, streamed table by table.

Scale 1 is the committed seed (the six portfolio programs, ~18,000 participant rows). Each
unit of scale above 1 adds about two generic programs of ~5,000 participant rows and as
many conflict events, so `--scale 1000` gives ~10 million participants. Programs are
generated one at a time from their own random stream and written in chunks of about
`chunk_rows` rows, so memory holds one chunk whatever the scale.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import polars as pl

from sceval.errors import UsageError
from sceval.project import Project
from sceval.seed.build import build_program
from sceval.seed.capability import capability_frames
from sceval.seed.context import context_frame
from sceval.seed.events import scene_events
from sceval.seed.generic import event_stream_chunk, generic_program
from sceval.seed.portfolio import PORTFOLIO
from sceval.seed.spec import ProgramSpec
from sceval.seed.writer import FORMATS, TableWriter, conform

GENERATED = (
    "programs",
    "activities",
    "units",
    "participants",
    "followups",
    "dialogues",
    "equipment",
    "end_use_checks",
    "events",
    "incidents",
    "indicator_observations",
    "context",
    "unit_assessments",
    "equipment_status",
)
RATINGS = "partnership_ratings"
# Tables written by hand, not generated, copied next to the generated ones: Attinà's Table 1
# ratings, and the GMF paper's lessons as findings and recommendations with their follow-up.
HAND_WRITTEN = (RATINGS, "findings", "recommendations", "management_responses", "actions")
# Stream keys: each random stream is (seed, STREAM, index), so streams never overlap.
CORE, GENERIC, EVENTS, CONTEXT = 0, 1, 2, 3
GENERIC_PER_SCALE = 2


def generate(
    out_dir: str | os.PathLike[str],
    *,
    seed: int,
    scale: float,
    fmt: str = "csv",
    tables: Sequence[str] | None = None,
    events: int | None = None,
    chunk_rows: int = 1_000_000,
    project: Project | None = None,
    progress: bool = False,
    program_size: float = 1.0,
) -> dict[str, int]:
    """Write the synthetic tables to `out_dir` (one file per table) and return rows per table.

    `tables` limits the tables written; `events` replaces the events of the programs by a
    stream of that many events over the portfolio's countries (for out-of-core benchmarks:
    `tables=["events"], events=100_000_000`); `chunk_rows` bounds the rows held in memory;
    `progress` shows a progress bar on stderr; `program_size` multiplies the head counts and
    events of the generic programs (0.01: many programs of a few dozen participants, for
    benchmarks and screenshots of reports at a thousand programs that load in seconds).
    """
    if scale <= 0:
        raise UsageError(f"--scale {scale}: must be greater than 0")
    if fmt not in FORMATS:
        raise UsageError(f"--format {fmt!r}: expected one of {', '.join(FORMATS)}")
    wanted = list(GENERATED) if tables is None else list(dict.fromkeys(tables))
    unknown = [t for t in wanted if t not in (*GENERATED, *HAND_WRITTEN)]
    if unknown:
        raise UsageError(
            f"unknown table(s) {', '.join(unknown)}; expected some of: {', '.join(GENERATED)}"
        )
    if events is not None and events < 0:
        raise UsageError(f"--events {events}: must be 0 or more")
    project = project or Project.find()
    out = _output_folder(out_dir)
    contracts = project.contracts
    writers = {t: TableWriter(out, contracts[t], fmt) for t in wanted if t in GENERATED}
    program_tables = [
        t for t in writers if t != "context" and not (t == "events" and events is not None)
    ]
    n_generic = round(max(scale - 1.0, 0.0) * GENERIC_PER_SCALE)
    steps = (len(PORTFOLIO) + n_generic if program_tables else 0) + (
        -(-events // chunk_rows) if "events" in writers and events else 0
    )
    bar = _Bar(steps, enabled=progress)
    try:
        if program_tables:
            chunks = _program_chunks(seed, scale, chunk_rows, n_generic, bar.advance, program_size)
            _write_chunks(writers, program_tables, chunks)
        if "events" in writers and events is not None:
            for chunk in _event_stream(seed, events, chunk_rows):
                writers["events"].write(chunk)
                bar.advance()
        if "context" in writers:
            writers["context"].write(context_frame(np.random.default_rng([seed, CONTEXT])))
    finally:
        bar.close()
        for w in writers.values():
            w.close()
    counts = {t: w.rows for t, w in writers.items()}
    for table in HAND_WRITTEN:
        if tables is None or table in wanted:
            counts[table] = _copy_hand_written(project, out, table)
    return counts


def _output_folder(out_dir: str | os.PathLike[str]) -> Path:
    """The output folder, created if needed; a path that cannot be one is a usage error."""
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"{out}: cannot write the seed data there ({exc.strerror})") from None
    return out


def _write_chunks(
    writers: dict[str, TableWriter],
    names: list[str],
    chunks: Iterable[list[dict[str, pl.DataFrame]]],
) -> None:
    for programs in chunks:
        for t in names:
            parts = [p[t] for p in programs if t in p and p[t].height]
            if parts:
                # Typed first: a program's empty lists give Null-typed columns.
                typed = [conform(df, writers[t].contract) for df in parts]
                writers[t].write(pl.concat(typed, how="vertical"))


class _Bar:
    """A rich progress bar on stderr (programs, then event chunks); a no-op when disabled."""

    def __init__(self, total: int, *, enabled: bool) -> None:
        self._progress = None
        if enabled and total:
            from rich.console import Console
            from rich.progress import Progress

            self._progress = Progress(console=Console(stderr=True), transient=True)
            self._task = self._progress.add_task("generating", total=total)
            self._progress.start()

    def advance(self) -> None:
        if self._progress is not None:
            self._progress.advance(self._task)

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()


def _program_chunks(
    seed: int,
    scale: float,
    chunk_rows: int,
    n_generic: int,
    advance: Callable[[], None],
    program_size: float = 1.0,
) -> Iterator[list[dict[str, pl.DataFrame]]]:
    """Lists of per-program table frames, each list about `chunk_rows` rows of the big tables."""
    shrink = min(scale, 1.0)
    core = []
    for i, make in enumerate(PORTFOLIO):
        rng = np.random.default_rng([seed, CORE, i])
        spec, scenes = make(rng)
        core.append(_frames(_shrunk(spec, shrink), scenes, rng, f"EV-P{i + 1}", shrink))
        advance()
    yield core
    batch, rows = [], 0
    for g in range(1, n_generic + 1):
        rng = np.random.default_rng([seed, GENERIC, g])
        spec, scenes = generic_program(g, rng)
        frames = _frames(_shrunk(spec, program_size), scenes, rng, f"EV-G{g:05d}", program_size)
        advance()
        batch.append(frames)
        rows += sum(frames[t].height for t in ("participants", "followups", "events"))
        if rows >= chunk_rows:
            yield batch
            batch, rows = [], 0
    if batch:
        yield batch


def _frames(
    spec: ProgramSpec, scenes, rng: np.random.Generator, prefix: str, shrink: float
) -> dict[str, pl.DataFrame]:
    frames = build_program(spec, rng)
    ev = [scene_events(s, rng, f"{prefix}-{s.country}", shrink) for s in scenes]
    frames["events"] = pl.concat(ev, how="vertical_relaxed") if ev else pl.DataFrame()
    frames.update(capability_frames(spec, frames))
    return frames


def _shrunk(spec: ProgramSpec, factor: float) -> ProgramSpec:
    """The spec with every course's head count multiplied by `factor` (< 1: quick small data)."""
    if factor >= 1.0:
        return spec
    spec.courses = [replace(c, n=max(1, round(c.n * factor))) if c.n else c for c in spec.courses]
    return spec


def _event_stream(
    seed: int, total: int, chunk_rows: int, actors: pl.Series | None = None
) -> Iterator[pl.DataFrame]:
    for k, offset in enumerate(range(0, total, chunk_rows)):
        n = min(chunk_rows, total - offset)
        yield event_stream_chunk(n, offset, np.random.default_rng([seed, EVENTS, k]), actors)


def generate_events(
    path: str | os.PathLike[str],
    *,
    n_events: int,
    seed: int,
    units: str | os.PathLike[str] | None = None,
    chunk_rows: int = 1_000_000,
    project: Project | None = None,
) -> int:
    """Stream `n_events` events to one file (`.parquet` or `.csv`), chunk by chunk.

    With `units` (a units table file), 3% of the events name one of its units as actor, so
    the foreign key resolves when both are loaded. Returns the rows written.
    """
    path = Path(path)
    fmt = path.suffix.lstrip(".").lower()
    if fmt not in FORMATS:
        raise UsageError(f"{path}: expected a .parquet or .csv file name")
    if n_events < 0:
        raise UsageError(f"n_events={n_events}: must be 0 or more")
    _output_folder(path.parent)
    actors = None
    if units is not None:
        read = pl.read_parquet if str(units).endswith(".parquet") else pl.read_csv
        actors = read(units, columns=["unit_id"])["unit_id"].sort()
    contract = (project or Project.find()).contract("events")
    writer = TableWriter(path.parent, contract, fmt)
    writer.path = path
    try:
        for chunk in _event_stream(seed, n_events, chunk_rows, actors):
            writer.write(chunk)
    finally:
        writer.close()
    return writer.rows


def _copy_hand_written(project: Project, out: Path, table: str) -> int:
    """Copy a hand-maintained seed table next to the generated tables (unchanged)."""
    src = project.path("seeds", "data", f"{table}.csv")
    if not src.is_file():
        return 0
    dst = out / src.name
    if not (dst.exists() and os.path.samefile(src, dst)):
        shutil.copyfile(src, dst)
    return pl.read_csv(src, infer_schema=False).height
