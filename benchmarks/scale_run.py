"""What a user runs at one scale, each command timed with its peak memory (GNU time):

    .venv/bin/python benchmarks/scale_run.py 1e7          # 1e7 participants (about 15 minutes)
    .venv/bin/python benchmarks/scale_run.py 1e6 --report
    .venv/bin/python benchmarks/scale_run.py 1e8 --part-rows 1e7   # 1e8 participants, in parts

1. `sceval load` of the generated dataset (Parquet) into a fresh warehouse; with
   `--part-rows N`, a table of more than N rows is cut into parts of N rows, each loaded by its
   own `sceval load` after the smaller tables (the way a user loads more data than memory: a
   load validates one file's rows in memory); the step's peak is the largest of the loads;
2. `sceval run --full --as-of ...`: every program computed (the previous run of the definition);
3. `sceval load` of a correction: one participant's post_score changed in 1% of the programs
   (a CSV of the changed rows, with a reason: rows an earlier run used);
4. `sceval run --as-of ...`: incremental, only the corrected programs recomputed (issue 20:
   under 10% of the full run's time);
5. with `--report`, `sceval report --format html`.

Targets (issue 20): `sceval run` at 1e7 under 6 GiB peak RSS and at 1e8 under 16 GiB; the
incremental run under 10% of the full run. The figures go to benchmarks/results/scale-<scale>.json and are printed as a
table for BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchlib import (
    AS_OF,
    BENCH,
    ensure_dataset,
    label,
    one_percent_correction,
    parse_scales,
    split_table,
    table_files,
)

GIB = 1024**3
TIME = Path("/usr/bin/time")
SCEVAL = Path(sys.executable).with_name("sceval")
SHARE = 0.01
# Parts of a table load after the parts of the tables it refers to.
PART_ORDER = ("participants", "followups", "events")


def timed(argv: list[str]) -> dict:
    """Wall seconds and peak RSS of one command (GNU time); fails loudly on a non-zero exit."""
    cmd = [str(TIME), "-f", "%M %e", *argv]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    last = proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else ""
    m = re.fullmatch(r"(\d+) ([\d.]+)", last)
    if proc.returncode != 0 or m is None:
        raise SystemExit(f"{' '.join(argv)} failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    return {"rss_gib": int(m.group(1)) * 1024 / GIB, "seconds": float(m.group(2))}


def correction(db: Path, out: Path) -> tuple[Path, int]:
    """A CSV of one participant per program in 1% of the programs, post_score changed."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        frame, programs = one_percent_correction(con, SHARE)
    finally:
        con.close()
    path = out / "participants.csv"
    frame.write_csv(path)
    return path, programs


def load_steps(data: Path, db: Path, work: Path, part_rows: int) -> dict[str, dict]:
    """`sceval load` of every table: one call, or the small tables in one call and each large
    table's parts one by one (steps named after what they loaded)."""
    import polars as pl

    files = table_files(data)
    if not part_rows:
        return {"load": timed([str(SCEVAL), "load", *map(str, files), "--db", str(db)])}
    big = [
        f
        for f in files
        if f.suffix == ".parquet"
        and pl.scan_parquet(f).select(pl.len()).collect().item() > part_rows
    ]
    big.sort(key=lambda f: (PART_ORDER.index(f.stem) if f.stem in PART_ORDER else 99, f.stem))
    small = [f for f in files if f not in big]
    steps = {"load (small tables)": timed([str(SCEVAL), "load", *map(str, small), "--db", str(db)])}
    for f in big:
        loads = [
            timed([str(SCEVAL), "load", str(part), "--db", str(db)])
            for part in split_table(f, work, part_rows)
        ]
        steps[f"load {f.stem} ({len(loads)} parts)"] = {
            "rss_gib": max(r["rss_gib"] for r in loads),
            "seconds": sum(r["seconds"] for r in loads),
        }
        print(f"  loaded {f.stem} in {len(loads)} parts", flush=True)
    return steps


def scale_steps(
    n: int, *, work: Path | None = None, part_rows: int = 0, report: bool = False
) -> dict:
    """Each step a user runs at `n` participants (module docstring), timed with its peak RSS;
    the result is also written to benchmarks/results/scale-<scale>.json. `work`: a folder
    kept afterwards (its loaded warehouse is reused, the load then not timed)."""
    if not TIME.is_file():
        raise SystemExit("needs GNU time at /usr/bin/time (apt-get install -y time)")
    data = ensure_dataset(n)
    as_of = ["--as-of", AS_OF.isoformat()]
    steps: dict[str, dict] = {}
    with contextlib.ExitStack() as stack:
        if work is not None:
            work.mkdir(parents=True, exist_ok=True)
        else:
            work = Path(stack.enter_context(tempfile.TemporaryDirectory(dir=BENCH / "data")))
        db = work / "wh.duckdb"
        if db.is_file():
            print(f"  reusing the loaded warehouse {db} (load not timed)", flush=True)
        else:
            steps.update(load_steps(data, db, work, part_rows))
            print(f"  loaded: {steps}", flush=True)
        steps["run --full"] = timed([str(SCEVAL), "run", *as_of, "--full", "--db", str(db)])
        print(f"  run --full: {steps['run --full']}", flush=True)
        path, programs = correction(db, work)
        steps["load correction"] = timed(
            [str(SCEVAL), "load", str(path), "--db", str(db), "--reason", "1% corrected"]
        )
        steps["run (incremental)"] = timed([str(SCEVAL), "run", *as_of, "--db", str(db)])
        if report:
            steps["report --format html"] = timed(
                [str(SCEVAL), "report", "--format", "html", "--db", str(db),
                 "--out", str(work / "reports")]
            )  # fmt: skip
        con = duckdb.connect(str(db), read_only=True)
        reasons, note = con.execute(
            "SELECT recomputed, incremental_note FROM runs WHERE command = 'run' "
            "ORDER BY started_at DESC LIMIT 1"
        ).fetchall()[0]
        recomputed = len(json.loads(reasons)) if reasons else 0
        con.close()
        shutil.rmtree(work / "reports", ignore_errors=True)
    result = {
        "scale": label(n),
        "steps": steps,
        "corrected_programs": programs,
        "recomputed_programs": recomputed,
        "incremental_note": note,
        "incremental_over_full": steps["run (incremental)"]["seconds"]
        / steps["run --full"]["seconds"],
    }
    out = BENCH / "results" / f"scale-{label(n)}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scale", help="participants, e.g. 1e6 or 1e7")
    ap.add_argument("--report", action="store_true", help="also time sceval report (HTML)")
    ap.add_argument(
        "--work",
        help="folder kept after the run (its warehouse is reused, not loaded again, next time)",
    )
    ap.add_argument(
        "--part-rows", type=float, default=0, help="load tables larger than this in parts"
    )
    args = ap.parse_args()
    (n,) = parse_scales(args.scale)
    result = scale_steps(
        n,
        work=Path(args.work) if args.work else None,
        part_rows=int(args.part_rows),
        report=args.report,
    )
    print(f"| step ({result['scale']}) | peak RSS | wall |")
    print("|---|---|---|")
    for name, s in result["steps"].items():
        print(f"| `sceval {name}` | {s['rss_gib']:.2f} GiB | {s['seconds']:.1f} s |")
    print(
        f"\nincremental / full: {result['incremental_over_full']:.3f} "
        f"({result['recomputed_programs']} programs recomputed, "
        f"{result['corrected_programs']} corrected); written to "
        f"benchmarks/results/scale-{result['scale']}.json\n{result['incremental_note']}"
    )


if __name__ == "__main__":
    main()
