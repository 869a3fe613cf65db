"""Shared helpers of the benchmarks: scales, data generated once, and `measure`."""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from sceval.project import Project

ROOT = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve().parent
DATA = BENCH / "data"
SEED = 20171201
AS_OF = dt.date(2026, 6, 30)
DEFAULT_SCALES = "1e5,1e6,1e7"
# Participants per unit of the seed generator's `scale` (scale 1000 ~ 1e7 participants).
PARTICIPANTS_PER_SCALE = 10_000


def parse_scales(text: str) -> list[int]:
    """'1e5,1e6' -> [100000, 1000000]."""
    out = []
    for part in text.replace(" ", "").split(","):
        if part:
            out.append(int(float(part)))
    if not out:
        raise pytest.UsageError(f"SCEVAL_BENCH_SCALES={text!r}: expected e.g. 1e5,1e6,1e7")
    return sorted(set(out))


SCALES = parse_scales(os.environ.get("SCEVAL_BENCH_SCALES", DEFAULT_SCALES))


def label(n: int) -> str:
    """100000 -> '1e5' (other sizes print as plain integers)."""
    exp = round(math.log10(n)) if n > 0 else 0
    return f"1e{exp}" if 10**exp == n else str(n)


def scales_among(*wanted: int) -> list[int]:
    """The chosen scales among `wanted`; the largest chosen scale when none of them is."""
    hit = [n for n in SCALES if n in wanted]
    return hit or [max(SCALES)]


def largest() -> list[int]:
    """Only the largest chosen scale (for benchmarks the issue asks at the largest scale)."""
    return [max(SCALES)]


def rounds_for(n: int) -> int:
    """Fewer rounds for the big scales: the median of 3 is stable enough at several seconds."""
    override = os.environ.get("SCEVAL_BENCH_ROUNDS")
    if override:
        return int(override)
    return 3 if n >= 10_000_000 else 5


def measure(
    benchmark,
    fn: Callable,
    *,
    group: str,
    role: str,
    n: int,
    setup: Callable | None = None,
    rounds: int | None = None,
    **info,
):
    """Run `fn` with pytest-benchmark under `group`, recording role and scale for the summary."""
    benchmark.group = group
    benchmark.extra_info.update(
        {"role": role, "n_participants": n, **{k: v for k, v in info.items() if k != "warmup"}}
    )
    # One warm-up round below 1e7 (imports, caches); at 1e7 the median of 3 drops a cold round.
    warmup = info.pop("warmup", 1 if n < 10_000_000 else 0)
    kwargs = {
        "rounds": rounds or rounds_for(n),
        "iterations": 1,
        "warmup_rounds": warmup,
    }
    if setup is not None:
        kwargs["setup"] = setup
    result = benchmark.pedantic(fn, **kwargs)
    _log_partial(benchmark)
    return result


def _log_partial(benchmark) -> None:
    """Append the finished benchmark to results/partial.jsonl: pytest-benchmark writes its JSON
    only at the end of the session, and a long run stopped midway would keep nothing."""
    stats = getattr(getattr(benchmark, "stats", None), "stats", None)
    if stats is None:
        return
    row = {
        "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "group": benchmark.group,
        "name": benchmark.name,
        "median": stats.median,
        "min": stats.min,
        "max": stats.max,
        "rounds": stats.rounds,
        "extra_info": benchmark.extra_info,
    }
    out = BENCH / "results" / "partial.jsonl"
    out.parent.mkdir(exist_ok=True)
    with out.open("a") as fh:
        fh.write(json.dumps(row, default=str) + "\n")


# --- data -----------------------------------------------------------------------------


def _generator() -> str:
    try:
        from sceval.seed import generate  # noqa: F401
    except ImportError:
        return "datamaker"
    return "sceval.seed"


def ensure_dataset(n: int) -> Path:
    """Parquet files of every generated table at `n` participants; generated once, then reused."""
    out = DATA / f"p{label(n)}"
    marker = out / "dataset.json"
    source = _generator()
    if marker.is_file() and json.loads(marker.read_text()).get("source") == source:
        return out
    tmp = DATA / f".tmp-p{label(n)}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    if source == "sceval.seed":
        from sceval.seed import generate

        counts = generate(tmp, seed=SEED, scale=n / PARTICIPANTS_PER_SCALE, fmt="parquet")
    else:
        from datamaker import make

        counts = make(tmp, participants=n, seed=SEED)
    (tmp / "dataset.json").write_text(
        json.dumps({"source": source, "n_participants": n, "rows": counts}, indent=2)
    )
    shutil.rmtree(out, ignore_errors=True)
    tmp.rename(out)
    return out


def ensure_csv(n: int) -> Path:
    """The same tables as CSV (for the CSV load benchmark), converted once by DuckDB."""
    src = ensure_dataset(n)
    out = src / "csv"
    marker = out / ".complete"
    if marker.is_file():
        return out
    out.mkdir(exist_ok=True)
    con = duckdb.connect()
    for p in sorted(src.glob("*.parquet")):
        con.execute(
            f"COPY (SELECT * FROM read_parquet('{p}')) TO '{out / (p.stem + '.csv')}' (HEADER)"
        )
    con.close()
    for p in src.glob("*.csv"):
        shutil.copy(p, out / p.name)
    marker.touch()
    return out


def ensure_warehouse(n: int, project: Project) -> Path:
    """A warehouse loaded with the dataset through `sceval.load.load_paths`, built once."""
    from sceval.load import load_paths
    from sceval.warehouse import open_warehouse

    src = ensure_dataset(n)
    db = src / "warehouse.duckdb"
    marker = src / "warehouse.complete"
    if marker.is_file() and db.is_file():
        return db
    db.unlink(missing_ok=True)
    con = open_warehouse(db, project)
    try:
        load_paths(con, project, table_files(src))
        con.execute("CHECKPOINT")
    finally:
        con.close()
    marker.touch()
    return db


def ensure_report_warehouse(
    folder: Path, project: Project, *, files: list[Path] | None = None, base: Path | None = None
) -> Path:
    """A warehouse with one full run recorded (indicators, scores, checks): `files` loaded into
    a new warehouse, or a copy of the loaded warehouse `base`."""
    from sceval.load import load_paths
    from sceval.pipeline import execute, load_pipeline
    from sceval.warehouse import open_warehouse

    folder.mkdir(parents=True, exist_ok=True)
    db = folder / "reports.duckdb"
    marker = folder / "reports.complete"
    if marker.is_file() and db.is_file():
        return db
    db.unlink(missing_ok=True)
    if base is not None:
        shutil.copy(base, db)
    con = open_warehouse(db, project)
    try:
        if files:
            load_paths(con, project, files)
        execute(con, project, pipeline=load_pipeline(project), as_of=AS_OF)
        con.execute("CHECKPOINT")
    finally:
        con.close()
    marker.touch()
    return db


def ensure_many_programs(programs: int, project: Project) -> Path:
    """A report warehouse of about `programs` programs of a few dozen participants each
    (`generate(program_size=0.01)`), generated, loaded and run once: the engine's own results
    for a portfolio as large as the FY2020 Foreign Military Training report (676 programs).
    1,000 programs take about 30 s to generate and 5 minutes to load and run here."""
    from sceval.seed.generate import GENERIC_PER_SCALE, generate

    folder = DATA / f"programs{programs}"
    marker = folder / "dataset.json"
    if not marker.is_file():
        shutil.rmtree(folder, ignore_errors=True)
        scale = 1 + (programs - 6) / GENERIC_PER_SCALE
        counts = generate(folder, seed=SEED, scale=scale, fmt="parquet", program_size=0.01)
        marker.write_text(json.dumps({"source": "sceval.seed", "rows": counts}, indent=2))
    return ensure_report_warehouse(folder / "reports", project, files=table_files(folder))


def table_files(folder: Path, fmt: str = "parquet") -> list[Path]:
    """The table files of a dataset folder in one format (partnership ratings stay CSV)."""
    files = sorted(folder.glob(f"*.{fmt}"))
    names = {f.stem for f in files}
    extra = [f for f in sorted(folder.glob("*.csv")) if f.stem not in names]
    return files + extra


def split_table(path: Path, work: Path, part_rows: int) -> list[Path]:
    """A table's file cut into parts of `part_rows`, each `parts/partNN/<table>.parquet` (a file
    is named after its table), streamed so the whole file is never in memory; reused if cut."""
    import polars as pl

    n = pl.scan_parquet(path).select(pl.len()).collect().item()
    parts = []
    for k, start in enumerate(range(0, n, part_rows)):
        out = work / "parts" / f"part{k:02d}" / f"{path.stem}.parquet"
        out.parent.mkdir(parents=True, exist_ok=True)
        if not out.is_file():
            tmp = out.with_suffix(".tmp")
            pl.scan_parquet(path).slice(start, part_rows).sink_parquet(tmp)
            tmp.replace(out)
        parts.append(out)
    return parts


def dataset_rows(folder: Path) -> dict[str, int]:
    """Rows per table the generator wrote."""
    return json.loads((folder / "dataset.json").read_text())["rows"]


def one_percent_correction(con, share: float = 0.01):
    """The benchmarks' correction: one participant's post_score changed (+1, or -1 from the
    maximum of 100) in every 1/share-th program, as a frame of full participant rows; with the
    number of programs."""
    programs = [r[0] for r in con.execute("SELECT program_id FROM programs ORDER BY 1").fetchall()]
    chosen = programs[:: max(1, int(1 / share))]
    frame = (
        con.sql(
            """SELECT * REPLACE (CASE WHEN post_score >= 100 THEN post_score - 1
                                   ELSE coalesce(post_score, 50) + 1 END AS post_score) FROM (
             SELECT p.*, row_number() OVER (PARTITION BY a.program_id ORDER BY p.participant_id) AS k
             FROM participants p JOIN activities a USING (activity_id)
             WHERE list_contains($chosen, a.program_id)) WHERE k = 1""",
            params={"chosen": chosen},
        )
        .pl()
        .drop("k")
    )
    return frame, len(chosen)
