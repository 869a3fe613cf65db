"""The gate's exit codes and the waiver file, against real warehouses and through the real CLI."""

from __future__ import annotations

import textwrap

import polars as pl
import pytest

from sceval.dnh import gate, run_checks
from sceval.dnh.waivers import load_waivers
from sceval.errors import ProjectError, UsageError

from .scenario import AS_OF


def check(sceval_cli, db, *args):
    return sceval_cli("check", "--db", str(db), "--as-of", AS_OF, *args)


def write_waivers(project, body: str) -> None:
    path = project.path("indicators", "checks", "waivers", "waivers.yml")
    path.write_text("waivers:\n" + textwrap.indent(textwrap.dedent(body), "  "), encoding="utf-8")


WAIVER = """\
- id: {id}
  check_id: {check}
  program_id: {program}
  {extra}
  justification: Training paused; unit under review by the embassy.
  mitigation: No further deliveries until vetting clears.
  approver: Head of evaluation
  expires: {expires}
"""


def waiver(id="W1", check="unvetted_recipients", program="LBY1", extra="", expires="2099-12-31"):
    return WAIVER.format(id=id, check=check, program=program, extra=extra, expires=expires)


def point_rule(project):
    """The project with every share check judged on its point share (`status_rule: point`)."""
    for path in project.path("indicators", "checks").glob("*.yml"):
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("status_rule: interval", "status_rule: point"), "utf-8")
    return project


def test_gate_counts_flags_at_or_above_the_level(scenario_db, project, own_project, as_of):
    _, con = scenario_db
    run_checks(con, project, run_id="g", as_of=as_of, program="LBY1")
    assert gate(con, "g", None) == 0
    assert gate(con, "g", "critical") == 1
    # TUN1's 0 defections of 20 followed up cannot show a share under 5% (upper end 16.1%):
    # inconclusive, an insufficient-data finding of the check's severity (high); its 0 of 2
    # meetings lacking women, youth or civil society is inconclusive too (medium).
    run_checks(con, project, run_id="t", as_of=as_of, program="TUN1")
    assert gate(con, "t", "critical") == 0
    assert gate(con, "t", "high") == 1
    run_checks(con, point_rule(own_project), run_id="tp", as_of=as_of, program="TUN1")
    for level in ("critical", "high", "medium", "low"):
        assert gate(con, "tp", level) == 0
    with pytest.raises(UsageError, match="--fail-on 'severe'"):
        gate(con, "t", "severe")


def test_gate_medium_only_program(make_db, own_project, as_of):
    # A program whose only problem is medium (no local ownership) trips medium but not high.
    def edit(frames):
        acts = frames["activities"]
        frames["activities"] = acts.with_columns(
            pl.when(pl.col("program_id") == "TUN1")
            .then(False)
            .otherwise(pl.col("co_designed"))
            .alias("co_designed"),
            pl.when(pl.col("program_id") == "TUN1")
            .then(0.0)
            .otherwise(pl.col("partner_cost_share"))
            .alias("partner_cost_share"),
        )

    _, con = make_db("medium", edit=edit)
    df = run_checks(con, point_rule(own_project), run_id="m", as_of=as_of, program="TUN1")
    assert df.filter(pl.col("status") == "flag")["check_id"].to_list() == ["no_local_ownership"]
    assert gate(con, "m", "high") == 0
    assert gate(con, "m", "medium") == 1
    assert gate(con, "m", "low") == 1


def test_cli_gate_exit_codes(scenario_db, sceval_cli):
    db, con = scenario_db
    con.close()
    res = check(sceval_cli, db, "--fail-on", "critical")
    assert res.returncode == 1, res.stderr
    assert "FAILED" in res.stderr
    assert "unvetted_recipients" in res.stdout
    ok = check(sceval_cli, db, "--program", "TUN1", "--fail-on", "critical")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    # An inconclusive defection share (0 of 20, interval up to 16.1%) trips a high gate.
    res = check(sceval_cli, db, "--program", "TUN1", "--fail-on", "high")
    assert res.returncode == 1 and "Inconclusive: 0 of 20" in res.stdout


def test_gate_can_leave_insufficient_data_out(make_db, project, as_of):
    _, con = make_db("gaps", drop=("incidents",))
    run_checks(con, project, run_id="gaps", as_of=as_of, program="TUN1")
    assert gate(con, "gaps", "critical") == 1
    assert gate(con, "gaps", "critical", count_insufficient=False) == 0


def test_cli_insufficient_data_trips_the_gate(make_db, sceval_cli):
    db, con = make_db("no-incidents", drop=("incidents",))
    con.close()
    res = check(sceval_cli, db, "--program", "TUN1", "--fail-on", "critical")
    assert res.returncode == 1
    assert "INSUFFICIENT DATA" in res.stdout
    assert "1 insufficient-data finding(s) at or above critical" in res.stderr


def test_valid_waiver_marks_findings_waived_and_keeps_them(scenario_db, own_project, as_of):
    _, con = scenario_db
    write_waivers(own_project, waiver(extra="unit_id: LU1"))
    df = run_checks(con, own_project, run_id="w", as_of=as_of)
    vet = df.filter(
        (pl.col("check_id") == "unvetted_recipients") & (pl.col("program_id") == "LBY1")
    )
    assert vet.height == 3
    assert vet["waived"].all() and set(vet["waiver_id"]) == {"W1"}
    stored = con.execute(
        "SELECT count(*) FROM dnh_findings WHERE run_id = 'w' AND waived AND waiver_id = 'W1'"
    ).fetchone()[0]
    assert stored == 3
    others = df.filter(pl.col("check_id") != "unvetted_recipients")
    assert not others["waived"].any()
    assert gate(con, "w", "critical") == 1  # other critical flags remain


def test_waiver_for_insufficient_data_lets_the_gate_pass(make_db, own_project, sceval_cli):
    db, con = make_db("no-incidents", drop=("incidents",))
    con.close()
    write_waivers(
        own_project,
        waiver(
            check="gross_violation_unremedied", program="TUN1", extra="status: insufficient_data"
        ),
    )
    res = check(
        sceval_cli,
        db,
        "--program",
        "TUN1",
        "--fail-on",
        "critical",
        "--project",
        str(own_project.root),
    )
    assert res.returncode == 0, res.stdout + res.stderr
    assert "waived W1" in res.stdout


def test_waiver_on_status_flag_does_not_cover_insufficient_data(make_db, own_project, as_of):
    _, con = make_db("no-incidents", drop=("incidents",))
    write_waivers(
        own_project,
        waiver(check="gross_violation_unremedied", program="TUN1", extra="status: flag"),
    )
    run_checks(con, own_project, run_id="s", as_of=as_of, program="TUN1")
    assert gate(con, "s", "critical") == 1


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        (waiver(id="W-OLD", expires="2020-01-31"), "waiver W-OLD: expired on 2020-01-31"),
        (
            waiver(id="W-CHK", check="no_such_check"),
            "waiver W-CHK: names unknown check 'no_such_check'",
        ),
        (waiver(id="W-PRG", program="NOPE"), "waiver W-PRG: names program 'NOPE'"),
        (waiver(id="W-UNT", extra="unit_id: U404"), "waiver W-UNT: names unit 'U404'"),
        (waiver(id="W-ST", extra="status: pass"), "waiver W-ST: status 'pass'"),
    ],
)
def test_bad_waivers_are_errors(scenario_db, own_project, body, needle):
    _, con = scenario_db
    write_waivers(own_project, body)
    with pytest.raises(ProjectError, match=needle.split(": ", 1)[1].replace("(", r"\(")):
        load_waivers(own_project, con, known_checks={"unvetted_recipients"})


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        (waiver(id="W-OLD", expires="2020-01-31"), "waiver W-OLD: expired on 2020-01-31"),
        (waiver(id="W-PRG", program="NOPE"), "waiver W-PRG: names program 'NOPE'"),
    ],
)
def test_cli_bad_waiver_exits_2_with_one_line(scenario_db, own_project, sceval_cli, body, needle):
    db, con = scenario_db
    con.close()
    write_waivers(own_project, body)
    res = check(sceval_cli, db, "--project", str(own_project.root), "--fail-on", "critical")
    assert res.returncode == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0], res.stderr
    assert "waivers.yml" in lines[0]


def test_waiver_missing_fields_is_an_error(scenario_db, own_project):
    _, con = scenario_db
    write_waivers(own_project, "- id: W9\n  check_id: defection\n  program_id: LBY1\n")
    with pytest.raises(
        ProjectError, match="W9: missing field.*justification, mitigation, approver, expires"
    ):
        load_waivers(own_project, con, known_checks={"defection"})


def test_default_project_ships_no_active_waiver(project, scenario_db):
    _, con = scenario_db
    assert load_waivers(project, con, known_checks=set()) == []


@pytest.mark.parametrize(
    "where", [("indicators", "checks", "waivers.yml"), ("pipelines", "waivers.yml")]
)
def test_single_waiver_file_beside_checks_or_pipelines(scenario_db, own_project, as_of, where):
    _, con = scenario_db
    own_project.path(*where).write_text(
        "waivers:\n" + textwrap.indent(waiver(id="W-ONE", check="defection"), "  "),
        encoding="utf-8",
    )
    df = run_checks(con, own_project, run_id="one", as_of=as_of, program="LBY1")
    assert len({r for r in df["check_id"]}) == 18  # the waiver file is not read as a check
    dfc = df.filter(pl.col("check_id") == "defection")
    assert dfc.select("status", "waived", "waiver_id").rows() == [("flag", True, "W-ONE")]


def test_print_findings_on_a_terminal_shows_gaps_like_flags(make_db, own_project, as_of):
    import io

    from rich.console import Console

    from sceval.dnh import print_findings

    _, con = make_db("print", drop=("incidents",))
    write_waivers(own_project, waiver(extra="unit_id: LU1"))
    run_checks(con, own_project, run_id="p", as_of=as_of)
    out = io.StringIO()
    print_findings(con, "p", Console(file=out, force_terminal=True, width=220, color_system=None))
    text = out.getvalue()
    assert "Do-no-harm findings, run p" in text
    assert "INSUFFICIENT DATA" in text and "FLAG" in text
    assert "waived W1" in text
    # Every critical row comes before the first high row, gaps and flags alike.
    assert text.rindex("CRITICAL") < text.index("HIGH")
    assert "insufficient-data finding(s)" in text.splitlines()[-1]
