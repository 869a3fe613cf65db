"""Turn a pytest-benchmark JSON file into the tables of BENCHMARKS.md, with the targets checked.

    python benchmarks/summarize.py benchmarks/results/latest.json [--out summary.md]

Ratios are medians of the engine over medians of its baseline from the same run.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import defaultdict
from pathlib import Path

# comparison -> (how the ratio is read, bound, the scale it applies at or None for every scale)
TARGETS = {
    "catalogue": ("engine/baseline <=", 1.5, None),
    "core5": ("baseline/engine >=", 10.0, "1e7"),
    # The core five against the independent DuckDB floor (benchmarks/floor.py, issue 20).
    "floor-core5": ("engine/baseline <=", 1.5, "1e7"),
    "load-csv": ("engine/baseline <=", 2.0, None),
    "load-parquet": ("engine/baseline <=", 2.0, None),
    "validate-participants": ("engine/baseline <=", 3.0, None),
    # sceval run --period (one quarter) against the cumulative run (issue 15).
    "periods-quarter": ("engine/baseline <=", 2.0, None),
}
STARTUP_LIMIT_S = 0.3
# A light command run for real (list the catalogue, validate one small file, list the runs).
STARTUP_WORK_LIMIT_S = 2.0
# Issue 19: the default report set, HTML and PDF, per program, charts converted on every core.
REPORT_PER_PROGRAM_S = 0.5
LINEAR_LIMIT = 12.0
# Issue 20: peak RSS of `sceval run --full` (GiB) by scale, and the incremental run after a 1%
# correction as a share of the full run from 1e7 on (bench_memory.py, GNU time).
RUN_RSS_GIB = {"1e7": 6.0, "1e8": 16.0}
INCREMENTAL_SHARE = 0.10


def split_group(group: str) -> tuple[str, str]:
    """'load-csv-1e6' -> ('load-csv', '1e6'); groups without a scale get ''."""
    m = re.match(r"^(.*)-(1e\d+|\d+)$", group or "")
    return (m.group(1), m.group(2)) if m else (group or "", "")


def fmt_s(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    return f"{seconds:.2f} s"


def load(path: Path) -> dict:
    return json.loads(path.read_text())


def rows_by_group(data: dict) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = defaultdict(list)
    for b in data.get("benchmarks", []):
        out[b.get("group") or ""].append(b)
    return out


def comparisons(groups: dict[str, list[dict]]) -> tuple[list[str], list[dict]]:
    """Markdown lines of the engine-vs-baseline table, and the verdicts."""
    lines = [
        "| comparison | scale | sceval (median) | baseline (median) | ratio | target | met |",
        "|---|---|---|---|---|---|---|",
    ]
    verdicts = []
    for group in sorted(groups, key=lambda g: (split_group(g)[0], len(split_group(g)[1]), g)):
        kind, scale = split_group(group)
        engine = [b for b in groups[group] if b["extra_info"].get("role") == "engine"]
        base = [b for b in groups[group] if b["extra_info"].get("role") == "baseline"]
        if kind == "startup":
            continue
        if not engine or not base:
            continue
        # Several baselines in a group (the two independent floors): the faster one counts.
        base.sort(key=lambda x: x["stats"]["median"])
        e, b = engine[0]["stats"]["median"], base[0]["stats"]["median"]
        rule = TARGETS.get(kind)
        ratio_eb = e / b if b else float("inf")
        if rule is None:
            ratio_txt, target, met = f"{ratio_eb:.2f}x", "—", ""
        else:
            how, bound, at = rule
            if how.startswith("baseline/engine"):
                r = b / e if e else float("inf")
                ratio_txt = f"{r:.1f}x faster"
                ok = r >= bound
                target = f">= {bound:g}x faster" + (f" at {at}" if at else "")
            else:
                r = ratio_eb
                ratio_txt = f"{r:.2f}x"
                ok = r <= bound
                target = f"<= {bound:g}x" + (f" at {at}" if at else "")
            applies = at is None or at == scale
            met = ("yes" if ok else "**no**") if applies else "(n/a)"
            if applies:
                verdicts.append(
                    {"target": f"{kind} {target}", "scale": scale, "ratio": r, "met": ok}
                )
        lines.append(
            f"| {kind}: {engine[0]['name']} vs {base[0]['name']} | {scale} | {fmt_s(e)} | "
            f"{fmt_s(b)} | {ratio_txt} | {target} | {met} |"
        )
    return lines, verdicts


def startup(groups: dict[str, list[dict]]) -> tuple[list[str], list[dict]]:
    rows = groups.get("startup", [])
    if not rows:
        return [], []
    lines = ["| command | median | min | max | rounds |", "|---|---|---|---|---|"]
    verdicts = []
    for b in sorted(rows, key=lambda b: b["stats"]["median"]):
        s = b["stats"]
        lines.append(
            f"| `{b['name']}` | {fmt_s(s['median'])} | {fmt_s(s['min'])} | {fmt_s(s['max'])} | {s['rounds']} |"
        )
        if b["extra_info"].get("role") == "engine":
            limit = STARTUP_LIMIT_S if b["name"].endswith("--help") else STARTUP_WORK_LIMIT_S
            ok = s["median"] < limit
            verdicts.append(
                {
                    "target": f"{b['name']} < {limit} s",
                    "scale": "",
                    "ratio": s["median"],
                    "met": ok,
                }
            )
    return lines, verdicts


def singles(groups: dict[str, list[dict]]) -> list[str]:
    """Engine-only measurements (do-no-harm, partnership, reports): median and per-unit time."""
    lines = ["| step | scale | median | per unit | rounds |", "|---|---|---|---|---|"]
    found = False
    for group in sorted(groups):
        kind, scale = split_group(group)
        if kind in TARGETS or kind in ("startup", "memory"):
            continue
        for b in groups[group]:
            info = b["extra_info"]
            if any(x["extra_info"].get("role") == "baseline" for x in groups[group]):
                continue
            per = ""
            if info.get("per_unit"):
                unit, count = info["per_unit"], info.get("units") or 1
                per = f"{fmt_s(b['stats']['median'] / count)} per {unit} ({count} {unit}s)"
            lines.append(
                f"| {b['name']} | {scale} | {fmt_s(b['stats']['median'])} | {per} | {b['stats']['rounds']} |"
            )
            found = True
    return lines if found else []


def of_kind(groups: dict[str, list[dict]], kind: str) -> list[tuple[str, dict, dict]]:
    """(scale, benchmark, its extra_info) of every benchmark in the groups of one kind."""
    out = []
    for group, rows in sorted(groups.items()):
        found, scale = split_group(group)
        if found == kind:
            out += [(scale, b, b["extra_info"]) for b in rows]
    return out


def report_targets(groups: dict[str, list[dict]]) -> list[dict]:
    """HTML + PDF per program under REPORT_PER_PROGRAM_S (test_report_set_many_programs)."""
    verdicts = []
    for scale, b, info in of_kind(groups, "reports-many"):
        if info.get("formats") != "html-pdf" or info.get("workers") != "auto":
            continue
        per = b["stats"]["median"] / (info.get("units") or 1)
        verdicts.append(
            {
                "target": f"reports HTML+PDF < {REPORT_PER_PROGRAM_S} s per program",
                "scale": f"{scale} programs",
                "ratio": per,
                "met": per < REPORT_PER_PROGRAM_S,
            }
        )
    return verdicts


def memory(groups: dict[str, list[dict]]) -> tuple[list[str], list[dict]]:
    """Peak RSS and wall time of each command a user runs (bench_memory.py), with targets."""
    lines, verdicts = [], []
    for scale, _, info in of_kind(groups, "memory"):
        for name, step in info.get("steps", {}).items():
            lines.append(
                f"| {scale} | `sceval {name}` | {step['rss_gib']:.2f} GiB | "
                f"{step['seconds']:.1f} s |"
            )
        if scale not in RUN_RSS_GIB:
            continue
        run = info.get("steps", {}).get("run --full")
        share = info.get("incremental_over_full")
        checks = [
            (f"sceval run --full < {RUN_RSS_GIB[scale]:g} GiB peak RSS",
             run and run["rss_gib"], RUN_RSS_GIB[scale]),
            (f"incremental run < {INCREMENTAL_SHARE:.0%} of the full run",
             share, INCREMENTAL_SHARE),
        ]  # fmt: skip
        verdicts += [
            {"target": target, "scale": scale, "ratio": value, "met": value < bound}
            for target, value, bound in checks
            if value is not None
        ]
    if lines:
        lines = ["| scale | command | peak RSS | wall |", "|---|---|---|---|", *lines]
        lines += [""] + [
            f"- {v['target']} at {v['scale']}: {v['ratio']:.3g} ({'met' if v['met'] else 'missed'})"
            for v in verdicts
        ]
    return lines, verdicts


def linearity(groups: dict[str, list[dict]]) -> tuple[list[str], list[dict]]:
    """Median at 1e7 over median at 1e6 for every sceval benchmark measured at both."""
    by_name: dict[tuple[str, str], dict[str, float]] = defaultdict(dict)
    for group, rows in groups.items():
        kind, scale = split_group(group)
        for b in rows:
            if b["extra_info"].get("role") == "baseline" and kind not in ("dnh", "partnership"):
                continue
            base_name = re.sub(r"\[(1e\d+)-?", "[", b["name"]).replace("[]", "")
            by_name[(kind, base_name)][scale] = b["stats"]["median"]
    lines = [
        "| benchmark | from | to | median from | median to | ratio (10x data) | met |",
        "|---|---|---|---|---|---|---|",
    ]
    verdicts = []
    for (kind, name), med in sorted(by_name.items()):
        for lo, hi in (("1e5", "1e6"), ("1e6", "1e7")):
            if lo not in med or hi not in med:
                continue
            r = med[hi] / med[lo]
            ok = r <= LINEAR_LIMIT
            # The target (within 12x) is for 1e6 -> 1e7; 1e5 -> 1e6 is shown in parentheses.
            counted = hi == "1e7"
            met = ("yes" if ok else "**no**") if counted else ("(yes)" if ok else "(no)")
            lines.append(
                f"| {kind}: {name} | {lo} | {hi} | {fmt_s(med[lo])} | {fmt_s(med[hi])} | "
                f"{r:.1f}x | {met} |"
            )
            if counted:
                verdicts.append(
                    {"target": f"linear {kind}: {name}", "scale": "1e6->1e7", "ratio": r, "met": ok}
                )
    return (lines if len(lines) > 2 else []), verdicts


def datasets(folder: Path) -> list[str]:
    """Rows per table of the generated datasets the run used."""
    found = []
    for p in sorted(folder.glob("p1e*/dataset.json"), key=lambda p: float(p.parent.name[1:])):
        d = json.loads(p.read_text())
        found.append((p.parent.name[1:], d.get("source", "?"), d.get("rows", {})))
    if not found:
        return []
    tables = ["programs", "activities", "participants", "followups", "events", "units"]
    lines = [
        "| scale | generator | " + " | ".join(tables) + " |",
        "|---|---|" + "---|" * len(tables),
    ]
    for scale, source, rows in found:
        lines.append(
            f"| {scale} | {source} | " + " | ".join(f"{rows.get(t, 0):,}" for t in tables) + " |"
        )
    return lines


def render(data: dict, data_dir: Path | None = None) -> tuple[str, list[dict]]:
    groups = rows_by_group(data)
    m = data.get("machine_info", {})
    cpu = m.get("cpu", {})
    out = [
        f"Run of {data.get('datetime', '?')}: {cpu.get('brand_raw', '?')}, "
        f"{cpu.get('count', '?')} logical cores, Python {m.get('python_version', '?')}.",
        "",
    ]
    ds = datasets(data_dir) if data_dir else []
    if ds:
        out += ["### Data (rows per table)", "", *ds, ""]
    verdicts = []
    comp, v = comparisons(groups)
    verdicts += v
    out += ["### sceval against its baselines (medians, one run)", "", *comp, ""]
    st, v = startup(groups)
    verdicts += v
    if st:
        out += ["### Start-up", "", *st, ""]
    lin, v = linearity(groups)
    verdicts += v
    if lin:
        out += ["### Growth with 10x the data (target: within 12x from 1e6 to 1e7)", "", *lin, ""]
    verdicts += report_targets(groups)
    mem, v = memory(groups)
    verdicts += v
    if mem:
        out += ["### Peak memory of the commands (GNU time)", "", *mem, ""]
    sg = singles(groups)
    if sg:
        out += ["### Steps measured alone", "", *sg, ""]
    missed = [x for x in verdicts if not x["met"]]
    out.append(
        f"Targets checked: {len(verdicts)}, met: {len(verdicts) - len(missed)}, missed: {len(missed)}."
    )
    return "\n".join(out) + "\n", verdicts


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("json_file", type=Path, nargs="+", help="one or more result files (merged)")
    ap.add_argument("--out", type=Path, help="also write the markdown here")
    args = ap.parse_args(argv)
    missing = [p for p in args.json_file if not p.is_file()]
    if missing:
        print(f"summarize: {missing[0]}: no such file (run `make bench` first)", file=sys.stderr)
        return 2
    data = load(args.json_file[0])
    for extra in args.json_file[1:]:
        more = load(extra)
        data["benchmarks"] = data.get("benchmarks", []) + more.get("benchmarks", [])
        data["datetime"] = f"{data.get('datetime', '?')} and {more.get('datetime', '?')}"
    text, _ = render(data, Path(__file__).resolve().parent / "data")
    print(text)
    if args.out:
        args.out.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
