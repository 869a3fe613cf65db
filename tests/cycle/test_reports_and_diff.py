"""Reports from a chosen run, and what changed between two runs (issue 15, points 4 and 5)."""

from __future__ import annotations

import json
import re
import subprocess
import sys

from .conftest import Q3


def _run_ids(html: str) -> set[str]:
    return set(re.findall(r'<code class="run-id">([^<]+)</code>', html))


def test_report_run_shows_the_approved_run_after_newer_drafts(cycle):
    approved = cycle.run()
    cycle("approve", approved, "--by", "Dr. Reviewer", "--note", "annual review")
    cycle("load", str(cycle.fix), "--reason", "Q3 correction")
    newer = cycle.run()
    cycle.run("--program", "P1")

    out = cycle.tmp / "chosen"
    r = cycle("report", "--run", approved, "--format", "html", "--out", str(out))
    assert f"reports of run {approved}" in r.stdout
    pages = sorted(out.glob("*.html"))
    assert len(pages) >= 3
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert _run_ids(html) == {approved}, page.name  # never mixes runs
        assert "Approved by Dr. Reviewer on " in html, page.name
        assert "DRAFT" not in html, page.name

    # the default is the latest approved run, not the newer drafts, and the page says so
    default = cycle.tmp / "default"
    cycle("report", "--format", "html", "--out", str(default))
    index = (default / "index.html").read_text(encoding="utf-8")
    assert _run_ids(index) == {approved}
    assert "the latest approved run" in index

    draft = cycle.tmp / "draft"
    cycle("report", "--run", newer, "--format", "html", "--out", str(draft))
    for page in draft.glob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert "DRAFT — not approved" in html and _run_ids(html) == {newer}, page.name


def test_report_without_approval_takes_the_latest_full_run(cycle):
    first = cycle.run()
    latest = cycle.run()
    out = cycle.tmp / "r"
    cycle("report", "--format", "html", "--out", str(out))
    html = (out / "index.html").read_text(encoding="utf-8")
    assert _run_ids(html) == {latest} and first != latest
    assert "DRAFT — not approved" in html and "no run is approved yet" in html
    r = cycle("report", "--run", "nosuchrun", "--out", str(out), ok=False)
    assert r.returncode == 2 and "nosuchrun" in r.stderr and "Traceback" not in r.stderr


def test_diff_names_the_changed_input_row_as_the_cause(cycle):
    before = cycle.run()
    cycle("load", str(cycle.fix), "--by", "alice", "--reason", "Q3 head count was misread")
    after = cycle.run()
    r = cycle(
        "diff",
        before,
        after,
        "--json",
        str(cycle.tmp / "d.json"),
        "--html",
        str(cycle.tmp / "d.html"),
    )
    data = json.loads((cycle.tmp / "d.json").read_text())
    assert data["run_causes"] == []  # same as-of, periods, catalogue
    [change] = data["input_changes"]
    assert change["table"] == "indicator_observations"
    assert change["key"] == {
        "program_id": "P1",
        "indicator_id": "personnel_trained",
        "period_start": "2024-07-01",
        "period_end": "2024-09-30",
        "dimension": None,
        "dimension_value": None,
    }
    assert change["columns"] == {"actual": [90.0, 105.0]}
    assert [(ld["by"], ld["reason"]) for ld in change["loads"]] == [
        ("alice", "Q3 head count was misread")
    ]
    met = [
        d
        for d in data["differences"]
        if d["result"].get("indicator_id") == "targets_met_share" and "dimension" not in d["result"]
    ]
    assert len(met) == 1
    assert met[0]["values"]["numerator"] == [3.0, 4.0]
    assert met[0]["values"]["value"] == [0.75, 1.0]
    causes = met[0]["causes"]
    assert [c["cause"] for c in causes] == ["input"]
    assert causes[0]["key"]["period_start"] == "2024-07-01"
    assert "actual 90.0 -> 105.0" in r.stdout and "reason: Q3 head count was misread" in r.stdout
    page = (cycle.tmp / "d.html").read_text(encoding="utf-8")
    assert "Input rows changed between the runs" in page and "Q3 head count was misread" in page


def test_diff_of_runs_asked_different_things(cycle):
    a = cycle.run()
    b = cycle("run", "--as-of", "2024-09-30").stdout.split("run ", 1)[1].split(":", 1)[0]
    data_file = cycle.tmp / "d.json"
    cycle("diff", a, b, "--json", str(data_file))
    data = json.loads(data_file.read_text())
    assert {"cause": "as_of", "a": "2026-01-31", "b": "2024-09-30"} in data["run_causes"]
    assert data["input_changes"] == []
    assert data["differences"] and all(
        any(c["cause"] == "as_of" for c in d["causes"]) for d in data["differences"]
    )
    r = cycle("diff", a, "nosuch", ok=False)
    assert r.returncode == 2 and "no run 'nosuch'" in r.stderr


def test_reading_steps_open_the_warehouse_read_only(cycle, monkeypatch):
    # Another process holds the warehouse read-only (a shared lock): a step that opened it for
    # writing could not; report, history, runs and diff read beside it.
    run = cycle.run()
    monkeypatch.setenv("SCEVAL_LOCK_TIMEOUT", "1")
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import duckdb, sys; c = duckdb.connect(sys.argv[1], read_only=True); "
         "print('held', flush=True); sys.stdin.read()", str(cycle.db)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "held"
        out = cycle.tmp / "ro"
        cycle("report", "--run", run, "--format", "html", "--out", str(out))
        assert (out / "index.html").is_file()
        assert "1 version(s)" in cycle("history", "indicator_observations", *Q3).stdout
        assert run in cycle("runs").stdout
        cycle("diff", run, run)
        # A writing step cannot open it beside the reader: it says so, with no traceback.
        busy = cycle("load", str(cycle.fix), "--reason", "x", ok=False)
        assert busy.returncode != 0 and "Traceback" not in busy.stderr
    finally:
        holder.communicate("")
    assert cycle.sql(
        "SELECT actual FROM indicator_observations WHERE period_start = '2024-07-01' "
        "AND dimension IS NULL"
    ) == [(90.0,)]
