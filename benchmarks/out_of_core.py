"""Out-of-core run: `sceval run` over 1e8 conflict events, peak memory measured by /usr/bin/time -v.

    .venv/bin/python benchmarks/out_of_core.py                       # 1e8 events, 1e6 participants
    .venv/bin/python benchmarks/out_of_core.py --events 1e7 --participants 1e5   # a quick check

Steps: the participant-side tables come from the benchmark dataset (generated once); the
events table is generated streamed, chunk by chunk, at the requested size; the warehouse is
built once, all through `sceval load` (the small tables in one call, the events in parts of
--part-rows, 1e7 by default, each part a validated all-or-nothing load whose peak memory is
recorded: a single file of 1e8 events is more than a load can hold in 8 GiB); then
`/usr/bin/time -v sceval run` is timed and its "Maximum resident set size" compared with the
bound (8 GiB). The result goes to benchmarks/results/out_of_core.json.

`/usr/bin/time` is GNU time (Debian package `time`: `apt-get install -y time`); the shell's
`time` keyword cannot report peak memory.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchlib import AS_OF, DATA, ROOT, SEED, ensure_dataset, label, split_table
from sceval.project import Project

GIB = 1024**3
TIME = Path("/usr/bin/time")


def _tree_rss(pid: int) -> int:
    """Resident bytes of a process and its children (from /proc)."""
    total = 0
    todo = [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/status") as fh:
                for line in fh:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
            with open(f"/proc/{p}/task/{p}/children") as fh:
                todo += [int(c) for c in fh.read().split()]
        except (FileNotFoundError, ProcessLookupError, ValueError):
            continue
    return total


def timed(argv: list[str], *, env: dict | None = None, kill_gib: float | None = None) -> dict:
    """Run argv under GNU time -v; wall seconds, peak RSS and exit code.

    With `kill_gib`, a watchdog stops the run when its memory passes that many GiB, so that a
    run far over the bound cannot push other work on a shared machine out of memory.
    """
    if not TIME.is_file():
        raise SystemExit(
            "out_of_core: /usr/bin/time is missing; install GNU time (apt-get install -y time)"
        )
    t0 = time.perf_counter()
    # Files, not pipes: a long run's output must never block it while the watchdog polls.
    out_f, err_f = tempfile.TemporaryFile("w+"), tempfile.TemporaryFile("w+")
    proc = subprocess.Popen(
        [str(TIME), "-v", *argv],
        stdout=out_f,
        stderr=err_f,
        text=True,
        env={**os.environ, **(env or {})},
        cwd=ROOT,
    )
    killed_at = None
    seen_peak = 0
    if kill_gib is not None:
        while proc.poll() is None:
            rss = _tree_rss(proc.pid)
            seen_peak = max(seen_peak, rss)
            if rss > kill_gib * GIB:
                killed_at = rss
                for child in open(f"/proc/{proc.pid}/task/{proc.pid}/children").read().split():
                    os.kill(int(child), 9)
                break
            time.sleep(0.25)
    proc.wait()
    wall = time.perf_counter() - t0
    out_f.seek(0)
    err_f.seek(0)
    out, err = out_f.read(), err_f.read()
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", err)
    rss = int(m.group(1)) * 1024 if m else None
    return {
        "argv": argv,
        "exit_code": proc.returncode,
        "wall_s": round(wall, 2),
        "peak_rss_bytes": rss,
        "peak_rss_gib": round(rss / GIB, 3) if rss else None,
        "watchdog_peak_gib": round(seen_peak / GIB, 3) if kill_gib else None,
        "killed_by_watchdog_at_gib": round(killed_at / GIB, 3) if killed_at else None,
        "stdout_tail": out[-2000:],
        "stderr_tail": "\n".join(line for line in err.splitlines() if not line.startswith("\t"))[
            -2000:
        ],
    }


def write_events(path: Path, n_events: int, base: Path) -> int:
    """The events table at `n_events` rows, streamed (the seed generator's when it offers it)."""
    try:
        from sceval.seed import generate_events
    except ImportError:
        generate_events = None
    if generate_events is not None:
        return generate_events(path, n_events=n_events, seed=SEED, units=base / "units.parquet")
    import numpy as np
    import polars as pl

    from datamaker import write_events as make_events

    units = pl.read_parquet(base / "units.parquet", columns=["unit_id"])["unit_id"]
    return make_events(path, n_events, units, np.random.default_rng(SEED))


def build_warehouse(work: Path, base: Path, events: Path, project: Project, part_rows: int) -> dict:
    """Every table through `sceval load`: the small ones in one call, the events in parts, each
    part one validated, all-or-nothing load (the way a user loads more data than memory)."""
    db = work / "ooc.duckdb"
    db.unlink(missing_ok=True)
    Path(str(db) + ".wal").unlink(missing_ok=True)
    small = [p for p in sorted(base.glob("*.parquet")) if p.stem != "events"]
    exe = str(Path(sys.executable).with_name("sceval"))
    load = timed([exe, "load", *map(str, small), "--db", str(db)])
    if load["exit_code"] != 0:
        raise SystemExit(f"out_of_core: sceval load failed: {load['stderr_tail']}")
    t0 = time.perf_counter()
    parts = split_table(events, work, part_rows)
    split_s = round(time.perf_counter() - t0, 1)
    loads = []
    for part in parts:
        r = timed([exe, "load", str(part), "--db", str(db)])
        if r["exit_code"] != 0:
            raise SystemExit(f"out_of_core: sceval load {part} failed: {r['stderr_tail']}")
        loads.append(r)
        print(f"  loaded {part.parent.name}: {r['wall_s']} s, peak {r['peak_rss_gib']} GiB")
    con = duckdb.connect(str(db), read_only=True)
    try:
        n = con.execute("SELECT count(*) FROM events").fetchone()[0]
    finally:
        con.close()
    return {
        "db": str(db),
        "sceval_load_small_tables": load,
        "events_parts": len(parts),
        "events_part_rows": part_rows,
        "events_split_s": split_s,
        "events_load_s": round(sum(r["wall_s"] for r in loads), 1),
        "events_load_peak_rss_gib": max(r["peak_rss_gib"] or 0 for r in loads),
        "events_loads": [{k: r[k] for k in ("wall_s", "peak_rss_gib", "exit_code")} for r in loads],
        "events_rows": n,
        "events_primary_key": False,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="sceval run over 1e8 events under a memory bound")
    ap.add_argument("--events", type=float, default=1e8)
    ap.add_argument("--participants", type=float, default=1e6)
    ap.add_argument("--limit-gib", type=float, default=8.0)
    ap.add_argument(
        "--part-rows",
        type=float,
        default=1e7,
        help="events per `sceval load` call when building the warehouse",
    )
    ap.add_argument(
        "--kill-gib",
        type=float,
        default=14.0,
        help="stop the run when it passes this much memory (protects a shared machine)",
    )
    ap.add_argument(
        "--out", type=Path, default=ROOT / "benchmarks" / "results" / "out_of_core.json"
    )
    ap.add_argument(
        "--stage",
        choices=["all", "prepare", "run"],
        default="all",
        help="prepare: generate and build the warehouse only; run: measure on a prepared one",
    )
    args = ap.parse_args(argv)
    n_events, n_part = int(args.events), int(args.participants)
    project = Project(ROOT)
    base = ensure_dataset(n_part)
    work = DATA / f"ooc-e{label(n_events)}-p{label(n_part)}"
    work.mkdir(parents=True, exist_ok=True)
    events = work / "events.parquet"
    result: dict = {
        "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "events": n_events,
        "participants": n_part,
        "limit_gib": args.limit_gib,
        "machine": {
            "cpus": os.cpu_count(),
            "ram_gib": round(os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") / GIB, 1),
        },
    }
    marker = work / "events.rows"
    t0 = time.perf_counter()
    if not (marker.is_file() and events.is_file() and int(marker.read_text()) == n_events):
        rows = write_events(events, n_events, base)
        marker.write_text(str(rows))
    result["events_generate_s"] = round(time.perf_counter() - t0, 1)
    result["events_file_bytes"] = events.stat().st_size
    built = work / "warehouse.json"
    if args.stage == "run" and built.is_file():
        result["warehouse"] = json.loads(built.read_text())
    else:
        result["warehouse"] = build_warehouse(work, base, events, project, int(args.part_rows))
        built.write_text(json.dumps(result["warehouse"], indent=2))
    if args.stage == "prepare":
        print(f"prepared {result['warehouse']['db']} ({n_events:,} events)")
        return 0
    exe = str(Path(sys.executable).with_name("sceval"))
    run = timed(
        [exe, "run", "--db", result["warehouse"]["db"], "--as-of", AS_OF.isoformat()],
        kill_gib=args.kill_gib,
    )
    result["sceval_run"] = run
    result["met"] = bool(
        run["exit_code"] == 0
        and run["peak_rss_bytes"]
        and run["peak_rss_bytes"] < args.limit_gib * GIB
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))
    print(
        f"sceval run over {n_events:,} events: exit {run['exit_code']}, {run['wall_s']} s, "
        f"peak RSS {run['peak_rss_gib']} GiB (bound {args.limit_gib} GiB): "
        f"{'met' if result['met'] else 'NOT met'}; details in {args.out}"
    )
    return 0 if result["met"] else 1


if __name__ == "__main__":
    sys.exit(main())
