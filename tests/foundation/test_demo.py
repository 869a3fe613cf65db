"""`sceval demo`: the main job end to end on the seed data (run from the wheel, see base_env.py),
then its steps again in this environment on a fresh warehouse, with the same results."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from base_env import base_env

INPUT_TABLES = [
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
    "partnership_ratings",
    "unit_assessments",
    "equipment_status",
    "findings",
    "recommendations",
    "management_responses",
    "actions",
]
RESULT_TABLES = [
    "runs",
    "indicator_results",
    "partnership_scores",
    "dnh_findings",
    "loads",
    "results_chain",
]

# Result columns that identify the run rather than describe the result.
VOLATILE = {"run_id"}


def _results(db) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(db), read_only=True)
    out = {}
    for t in ("indicator_results", "partnership_scores", "dnh_findings"):
        cols = [
            r[0]
            for r in con.execute(
                "SELECT column_name FROM duckdb_columns() WHERE table_name = ? ORDER BY column_index",
                [t],
            ).fetchall()
            if r[0] not in VOLATILE
        ]
        sel = ", ".join(f'"{c}"' for c in cols)
        out[t] = con.execute(f"SELECT {sel} FROM {t} ORDER BY ALL").fetchall()
    con.close()
    return out


@pytest.mark.slow
def test_demo_fills_every_table_writes_reports_and_repeats(tmp_path, sceval_cli):
    # The demo as a new user runs it: from the wheel, base dependencies only (base_env.py).
    env = base_env(tmp_path / "wheel")
    out1 = env.work / "demo"
    r = env.run("demo", "--out", str(out1))
    assert r.returncode == 0, r.stderr[-2000:]
    assert "Traceback" not in r.stderr
    assert list(out1.glob("scorecard-*.pdf")), "no PDF scorecard written"
    db = out1 / "sceval.duckdb"
    con = duckdb.connect(str(db), read_only=True)
    for t in INPUT_TABLES + RESULT_TABLES:
        assert con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] > 0, t
    run = con.execute(
        "SELECT as_of, engine_version, catalogue_hash, input_files FROM runs"
    ).fetchone()
    assert str(run[0]) == "2026-06-30"
    assert len(run[2]) == 64
    assert '"sha256"' in run[3] and "participants.csv" in run[3]
    # every result row carries the run id of a recorded run
    orphans = con.execute(
        "SELECT count(*) FROM indicator_results WHERE run_id NOT IN (SELECT run_id FROM runs)"
    ).fetchone()[0]
    assert orphans == 0
    # undefined statistics are NULL, not NaN, so that SQL readers see "no value"
    nans = con.execute(
        "SELECT count(*) FROM indicator_results WHERE isnan(value) OR isnan(ci_low) "
        "OR isnan(ci_high) OR isnan(numerator) OR isnan(denominator)"
    ).fetchall()[0][0]
    assert nans == 0
    # Every seed program has a results chain; the Libya-like program delivered its outputs
    # and did not reach its outcome (GMF 2017), the Tunisia-like program has no broken link.
    chained = con.execute("SELECT count(DISTINCT program_id) FROM results_chain").fetchone()[0]
    assert chained == 6
    broken = con.execute(
        "SELECT program_id, element_id, message FROM results_chain "
        "WHERE element = 'link' AND status = 'broken' ORDER BY ALL"
    ).fetchall()
    assert ("SYN-LBY-GPF", "courses_delivered->force_absorbed",
            "outputs delivered, outcome not reached") in broken  # fmt: skip
    assert not [b for b in broken if b[0] == "SYN-TUN-DCB"]
    goals = dict(
        con.execute(
            "SELECT program_id, message FROM results_chain WHERE element = 'goal'"
        ).fetchall()
    )
    assert goals["SYN-LBY-GPF"] == "outcome not reached"
    assert goals["SYN-TUN-DCB"] == "outcome reached"
    con.close()
    html = sorted(out1.rglob("*.html"))
    assert html, "no HTML report written"
    text = html[0].read_text(encoding="utf-8")
    assert "<script" in text and "cdn.jsdelivr" not in text
    # the recommendations and follow-up pages, for the portfolio and per program with findings
    for name in ("followup", "followup-SYN-LBY-GPF", "followup-SYN-MD-DIALOGUE"):
        assert "Recommendations and follow-up" in (out1 / f"{name}.html").read_text("utf-8")

    # The same seed data loaded and run on a fresh warehouse gives the same results (the
    # demo's steps without its reports, which the first run has checked).
    db2 = tmp_path / "d2.duckdb"
    seeds = Path(__file__).resolve().parents[2] / "seeds" / "data"
    r2 = sceval_cli("load", str(seeds), "--db", str(db2), cwd=tmp_path)
    assert r2.returncode == 0, r2.stderr[-2000:]
    r2 = sceval_cli(
        "run", "--pipeline", "quarterly", "--as-of", "2026-06-30", "--db", str(db2), cwd=tmp_path
    )
    assert r2.returncode == 0, r2.stderr[-2000:]
    assert _results(db) == _results(db2)
