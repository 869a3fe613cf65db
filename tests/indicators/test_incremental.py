"""Incremental runs (issue 20, point 3): a run recomputes only the programs whose inputs
changed since the previous run of the same definition and as-of date, copies the others, and
its results equal those of a full run (`--full`) on the same warehouse."""

from __future__ import annotations

import json

import duckdb
import polars as pl
import pytest
import world

AS_OF = "2024-06-30"


@pytest.fixture
def db(tmp_path, project):
    from conftest_cli import run_sceval

    data = world.write_csvs(project, tmp_path / "data")
    path = tmp_path / "w.duckdb"
    res = run_sceval("load", str(data), "--db", str(path))
    assert res.returncode == 0, res.stderr
    return path


def _sceval(*args):
    from conftest_cli import run_sceval

    res = run_sceval(*args)
    assert res.returncode == 0, res.stdout + res.stderr
    return res


def _run(db, *extra) -> tuple[str, str]:
    out = _sceval("run", "--db", str(db), "--as-of", AS_OF, *extra).stdout
    return out.split("run ", 1)[1].split(":", 1)[0].strip(), out


def _rows(db, table: str, run_id: str) -> pl.DataFrame:
    with duckdb.connect(str(db), read_only=True) as con:
        frame = con.sql(f"SELECT * EXCLUDE (run_id) FROM {table} WHERE run_id = ?", params=[run_id])
        return frame.pl().sort(pl.all(), nulls_last=True)


def _run_row(db, run_id: str) -> tuple:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(
            "SELECT copied_from, recomputed, incremental_note FROM runs WHERE run_id = ?", [run_id]
        ).fetchall()[0]


def _correct(project, tmp_path, table: str, edit) -> None:
    frame = edit(world.frames(project)[table])
    path = tmp_path / "fix" / f"{table}.csv"
    path.parent.mkdir(exist_ok=True)
    frame.write_csv(path)


def _p031_defected(project, tmp_path) -> None:
    """A correction file: p031 (activity A2 of P1) was in fact found in a non-state group."""
    _correct(
        project,
        tmp_path,
        "followups",
        lambda f: f.filter(pl.col("participant_id") == "p031").head(1)
        .with_columns(status=pl.lit("joined_non_state_group")),
    )  # fmt: skip


def test_incremental_run_equals_a_full_run(db, project, tmp_path):
    first, _ = _run(db)
    assert _run_row(db, first)[2].startswith("full: no earlier run")

    # Nothing changed: every program copied, nothing recomputed.
    same, out = _run(db)
    copied_from, recomputed, note = _run_row(db, same)
    assert (copied_from, json.loads(recomputed)) == (first, {})
    assert "incremental: 0 program(s) recomputed" in out
    for table in ("indicator_results", "dnh_findings"):
        assert _rows(db, table, same).equals(_rows(db, table, first)), table

    # p031 (activity A2 of P1) was in fact found in a non-state group in 2021: a follow-up
    # reaches its program through participants and activities; only P1 is recomputed.
    _p031_defected(project, tmp_path)
    _sceval("load", str(tmp_path / "fix"), "--db", str(db), "--reason", "p031 found in a militia")
    inc, out = _run(db)
    copied_from, recomputed, _ = _run_row(db, inc)
    assert copied_from == same
    assert json.loads(recomputed) == {"P1": "changed: followups"}
    assert "incremental: 1 program(s) recomputed" in out
    full, _ = _run(db, "--full")
    assert _run_row(db, full)[2] == "full: --full"
    for table in ("indicator_results", "dnh_findings"):
        a, b = _rows(db, table, inc), _rows(db, table, full)
        assert a.height > 0 and a.equals(b), table
    # and the correction shows: P1's defection rate moved
    before = _rows(db, "indicator_results", first).filter(
        (pl.col("indicator_id") == "defection_rate") & (pl.col("program_id") == "P1")
        & pl.col("dimension").is_null() & (pl.col("period") == "cumulative")
    )["numerator"]  # fmt: skip
    after = _rows(db, "indicator_results", inc).filter(
        (pl.col("indicator_id") == "defection_rate") & (pl.col("program_id") == "P1")
        & pl.col("dimension").is_null() & (pl.col("period") == "cumulative")
    )["numerator"]  # fmt: skip
    assert after.to_list() != before.to_list()


def test_a_unit_change_reaches_the_programs_that_supported_it(db, project, tmp_path):
    _run(db)
    # I5 (unit U3, trained by P2's activities) is downgraded: only P2 is recomputed.
    _correct(
        project,
        tmp_path,
        "incidents",
        lambda f: f.filter(pl.col("incident_id") == "I5").with_columns(
            credibility=pl.lit("alleged")
        ),
    )
    _sceval("load", str(tmp_path / "fix"), "--db", str(db), "--reason", "I5 not confirmed")
    inc, _ = _run(db)
    assert json.loads(_run_row(db, inc)[1]) == {"P2": "changed: incidents"}
    full, _ = _run(db, "--full")
    for table in ("indicator_results", "dnh_findings"):
        assert _rows(db, table, inc).equals(_rows(db, table, full)), table


def test_a_change_read_by_country_recomputes_the_programs_of_that_country(db, project, tmp_path):
    """Events and context series reach the programs of their country and those that supported
    a unit there (or the event's actor): the rest is copied, and the run equals a full run."""
    import datetime as dt

    from sceval.load import load_paths
    from sceval.pipeline import execute
    from sceval.rundef import load_pipeline
    from sceval.warehouse import open_existing

    pipe, day = load_pipeline(project), dt.date.fromisoformat(AS_OF)
    con = open_existing(db, project)

    def rows(table: str, run_id: str) -> pl.DataFrame:
        frame = con.sql(f"SELECT * EXCLUDE (run_id) FROM {table} WHERE run_id = ?", params=[run_id])
        return frame.pl().sort(pl.all(), nulls_last=True)

    def correct(table: str, edit) -> tuple[dict, str]:
        """Load a correction of `table`; the next run's recomputed programs and id, after
        checking that it equals the full run after it."""
        _correct(project, tmp_path, table, edit)
        load_paths(con, project, [tmp_path / "fix" / f"{table}.csv"], reason="corrected")
        inc = execute(con, project, pipeline=pipe, as_of=day)
        full = execute(con, project, pipeline=pipe, as_of=day, full=True)
        for name in ("indicator_results", "dnh_findings"):
            assert rows(name, inc).equals(rows(name, full)), (table, name)
        recomputed = con.execute("SELECT recomputed FROM runs WHERE run_id = ?", [inc])
        return json.loads(recomputed.fetchall()[0][0]), inc

    try:
        first = execute(con, project, pipeline=pipe, as_of=day)
        # Fatalities of Iraqi events doubled: P1 works in Iraq; P2 (Libya) and P3 (Morocco)
        # supported no Iraqi unit.
        doubled, run = correct(
            "events",
            lambda f: f.filter(pl.col("country") == "IRQ").with_columns(
                fatalities=pl.col("fatalities") * 2
            ),
        )
        assert doubled == {"P1": "changed: events"}
        assert not rows("indicator_results", run).equals(rows("indicator_results", first))
        # Iraq's rule of law (the world's context series are Iraq's) rescored reaches P1 alone;
        # the same series recorded for Libya reaches P2 alone.
        iraq, _ = correct("context", lambda f: f.with_columns(value=pl.col("value") - 0.5))
        assert iraq == {"P1": "changed: context"}
        libya, _ = correct(
            "context",
            lambda f: f.with_columns(country=pl.lit("LBY"), value=pl.col("value") - 0.5),
        )
        assert libya == {"P2": "changed: context"}
        # Then U3, trained and equipped by P2 (a Libyan program), turns out to be an Iraqi unit:
        # Iraq's series reach P2 too (the governance risk of E4, small arms delivered to U3,
        # reads the unit's country).
        moved, _ = correct(
            "units",
            lambda f: f.filter(pl.col("unit_id") == "U3").with_columns(
                partner_country=pl.lit("IRQ")
            ),
        )
        assert moved == {"P2": "changed: units"}
        again, _ = correct("context", lambda f: f.with_columns(value=pl.col("value") - 1.0))
        assert again == {"P1": "changed: context", "P2": "changed: context"}
    finally:
        con.close()


def test_a_program_computed_alone_reads_only_its_rows_and_equals_the_whole_run(tmp_path, project):
    """The reads are scoped to the programs computed (sources.PROGRAM_SCOPE): on the seed data,
    every program's rows computed alone equal its rows in the whole portfolio's computation,
    for every indicator of the catalogue (DiD, follow-ups, units, dialogues, observations)
    and every do-no-harm check."""
    from pathlib import Path

    from sceval.indicators.engine import compute
    from sceval.indicators.sources import warehouse_tables
    from sceval.load import load_paths
    from sceval.warehouse import open_warehouse

    seeds = Path(__file__).resolve().parents[2] / "seeds" / "data"
    if not (seeds / "participants.csv").is_file():
        pytest.skip("no seed data in this checkout")
    import datetime as dt

    con = open_warehouse(tmp_path / "seed.duckdb", project)
    try:
        load_paths(con, project, sorted(seeds.glob("*.csv")))
        as_of = dt.date(2025, 12, 31)
        whole = compute(con, project, run_id="r", as_of=as_of)
        programs = sorted(set(whole["program_id"]))
        assert len(programs) >= 6
        # The scope really narrows the reads: one program's participants only.
        one = warehouse_tables(con, project, [programs[0]])
        mine = one["participants"].select("activity_id").collect()["activity_id"]
        theirs = con.execute(
            "SELECT count(*) FROM participants JOIN activities USING (activity_id) "
            "WHERE program_id = ?",
            [programs[0]],
        ).fetchall()[0][0]
        assert (
            mine.len() == theirs < con.execute("SELECT count(*) FROM participants").fetchall()[0][0]
        )
        # Batches of programs (run_batch_participants) give the whole run's rows, in order.
        from sceval.indicators.sources import program_batches
        from sceval.project import Project

        small = Project(project.root)
        small.settings["run_batch_participants"] = 3000
        assert len(program_batches(con, None, 3000)) >= 3
        assert compute(con, small, run_id="r", as_of=as_of).equals(whole, null_equal=True)

        from sceval.dnh.run import compute_findings

        findings = compute_findings(con, project, as_of=as_of)
        assert set(findings["program_id"]) >= set(programs[:6])
        # Checked in batches of programs (dnh_batch_participants): the same findings.
        small.settings["dnh_batch_participants"] = 3000
        batched = compute_findings(con, small, as_of=as_of)
        assert batched.height == findings.height
        for a, b in ((batched, findings), (findings, batched)):
            assert a.join(b, on=a.columns, how="anti", nulls_equal=True).is_empty()
        for pid in programs:
            checked = compute_findings(con, project, as_of=as_of, program=[pid])
            mine = findings.filter(pl.col("program_id") == pid)
            assert checked.height == mine.height > 0, pid
            # The same findings (their order among equal sort keys is not defined).
            for a, b in ((checked, mine), (mine, checked)):
                assert a.join(b, on=a.columns, how="anti", nulls_equal=True).is_empty(), pid
            alone = compute(con, project, run_id="r", as_of=as_of, program=[pid])
            expected = whole.filter(pl.col("program_id") == pid)
            assert alone.height == expected.height > 0, pid
            assert alone.sort(pl.all(), nulls_last=True).equals(
                expected.sort(pl.all(), nulls_last=True), null_equal=True
            ), pid

        # A run stores each batch before computing the next (none is held in memory): the
        # rows stored in batches equal those of one batch, table for table.
        from sceval.pipeline import execute
        from sceval.rundef import load_pipeline

        pipe = load_pipeline(project)
        one = execute(con, project, pipeline=pipe, as_of=as_of, full=True)
        many = execute(con, small, pipeline=pipe, as_of=as_of, full=True)
        for table in ("indicator_results", "dnh_findings", "results_chain"):
            a, b = (
                con.sql(f"SELECT * EXCLUDE (run_id) FROM {table} WHERE run_id = ?", params=[r])
                .pl()
                .sort(pl.all(), nulls_last=True)
                for r in (one, many)
            )
            assert a.height > 0 and a.equals(b, null_equal=True), table
        assert (
            con.execute("SELECT count(*) FROM dnh_findings WHERE run_id = ?", [many]).fetchall()[0][
                0
            ]
            == findings.height
        )
    finally:
        con.close()


def test_a_run_that_fails_midway_stores_none_of_its_rows(db):
    """A run stores its rows in one transaction: when a later step fails (here the partnership
    scoring, on a rating text it cannot read), the indicators it had already stored go too,
    the run is marked failed, and the earlier run's rows are untouched."""
    first, _ = _run(db)
    before = {t: _rows(db, t, first) for t in ("indicator_results", "dnh_findings")}
    with duckdb.connect(str(db)) as con:
        con.execute(
            "INSERT INTO partnership_ratings BY NAME SELECT 'attina2005' AS model_id, "
            "'central_asia' AS case_id, 'restrained_violence' AS item_id, 'Meduim' AS rating_text"
        )
    from conftest_cli import run_sceval

    res = run_sceval("run", "--db", str(db), "--as-of", AS_OF, "--full")
    assert res.returncode == 2, res.stdout + res.stderr
    assert "'Meduim'" in res.stderr and "Traceback" not in res.stderr
    with duckdb.connect(str(db), read_only=True) as con:
        runs = con.execute("SELECT run_id, status FROM runs ORDER BY started_at").fetchall()
        assert [s for _, s in runs] == ["draft", "failed"]
        failed = runs[1][0]
        for table in ("indicator_results", "results_chain", "partnership_scores", "dnh_findings"):
            n = con.execute(f"SELECT count(*) FROM {table} WHERE run_id = ?", [failed]).fetchall()
            assert n == [(0,)], table
    for table, rows in before.items():
        assert _rows(db, table, first).equals(rows), table
    assert before["indicator_results"].height > 100


def test_a_run_inside_the_callers_transaction_joins_it(db, project):
    """`execute` on a connection already in a transaction opens none of its own: the run and
    its rows are the caller's to commit or roll back."""
    import datetime as dt

    from sceval.pipeline import execute
    from sceval.rundef import load_pipeline
    from sceval.warehouse import open_existing

    con = open_existing(db, project)
    try:
        con.execute("BEGIN TRANSACTION")
        run_id = execute(
            con, project, pipeline=load_pipeline(project), as_of=dt.date.fromisoformat(AS_OF)
        )
        stored = con.execute(
            "SELECT count(*) FROM indicator_results WHERE run_id = ?", [run_id]
        ).fetchall()[0][0]
        assert stored > 100
        con.execute("ROLLBACK")
        for table in ("runs", "indicator_results", "dnh_findings"):
            n = con.execute(f"SELECT count(*) FROM {table} WHERE run_id = ?", [run_id])
            assert n.fetchall() == [(0,)], table
    finally:
        con.close()


def test_each_run_keeps_row_groups_of_its_own(db):
    """The checkpoint after a run does not merge the previous run's row groups with the new
    rows (DuckDB's vacuum, off for `sceval run`): three small runs stay three row groups of
    the results (merged, they would fit in one), so earlier runs are not rewritten."""
    runs = [_run(db)[0], _run(db, "--full")[0], _run(db)[0]]
    with duckdb.connect(str(db), read_only=True) as con:
        for table in ("indicator_results", "dnh_findings"):
            groups, rows = con.execute(
                "SELECT count(DISTINCT row_group_id), max(count) FROM pragma_storage_info(?) "
                "WHERE column_name = 'run_id' AND persistent",
                [table],
            ).fetchall()[0]
            per_run = con.execute(
                f"SELECT count(*) FROM {table} GROUP BY run_id ORDER BY run_id"
            ).fetchall()
            assert len(per_run) == len(runs) and 3 * rows < 122_880, (table, per_run)
            assert groups == len(runs), (table, groups)


def _input_frames(
    con, project, programs: list[str] | None, *, dnh: tuple[str, ...], indicators: tuple[str, ...]
) -> dict[str, pl.DataFrame]:
    """Inputs as the checks read them (named "dnh <attribute>") and as the indicators read them
    (named after the table), as of AS_OF, for `programs` (None: all), collected and sorted."""
    import datetime as dt

    from sceval.dnh.inputs import Inputs
    from sceval.indicators.sources import warehouse_tables

    x = Inputs(con, project, as_of=dt.date.fromisoformat(AS_OF), program=programs)
    t = warehouse_tables(con, project, programs)
    out = {f"dnh {a}": getattr(x, a) for a in dnh} | {name: t[name] for name in indicators}
    return {k: f.collect().sort(pl.all(), nulls_last=True) for k, f in out.items()}


def test_a_run_counts_the_events_once_and_keeps_no_counts(db, project):
    """The events counted per (country, admin1, day) for a run (a temporary table) give the
    indicators and the checks the same frames as counting the events directly, every event
    with an area counted once; and a run leaves no counts on the connection."""
    import datetime as dt

    from sceval.indicators.sources import (
        event_days_shared,
        share_event_days,
        unshare_event_days,
    )
    from sceval.pipeline import execute
    from sceval.rundef import load_pipeline
    from sceval.warehouse import open_existing

    day = dt.date.fromisoformat(AS_OF)

    def frames() -> dict[str, pl.DataFrame]:
        names = ("event_area_days", "event_countries")
        return _input_frames(con, project, None, dnh=names, indicators=names)

    con = open_existing(db, project)
    try:
        direct = frames()
        assert min(f.height for f in direct.values()) > 0
        share_event_days(con)
        assert event_days_shared(con)
        shared = frames()
        for name, frame in direct.items():
            assert shared[name].equals(frame), name
        with_area = con.execute(
            "SELECT count(*) FROM events WHERE admin1 IS NOT NULL AND event_date <= ?", [day]
        ).fetchall()[0][0]
        assert shared["dnh event_area_days"]["n"].sum() == with_area > 0
        unshare_event_days(con)
        execute(con, project, pipeline=load_pipeline(project), as_of=day)
        assert not event_days_shared(con)
    finally:
        con.close()


def test_a_few_programs_rows_are_copied_once_and_read_alike(db, project, tmp_path):
    """An incremental run copies its programs' participants and follow-ups once (temporary
    tables): the indicators and the checks read from the copies exactly the frames they read
    from the tables, for those programs or some of them; other programs, or more participations
    than a batch, read the tables; and the run leaves no copy on the connection."""
    import datetime as dt

    from sceval.indicators.sources import (
        SCOPE,
        scoped_source,
        share_scope,
        unshare_scope,
    )
    from sceval.load import load_paths
    from sceval.pipeline import execute
    from sceval.rundef import load_pipeline
    from sceval.warehouse import open_existing

    day = dt.date.fromisoformat(AS_OF)

    def frames(programs: list[str]) -> dict[str, pl.DataFrame]:
        return _input_frames(
            con,
            project,
            programs,
            dnh=("participants", "followup_status"),
            indicators=("participants", "followups"),
        )

    def copies() -> set[str]:
        return {
            r[0]
            for r in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE temporary AND table_name LIKE ?",
                [SCOPE + "%"],
            ).fetchall()
        }

    con = open_existing(db, project)
    try:
        direct = {p: frames(list(p)) for p in (("P1",), ("P1", "P2"), ("P3",))}
        assert min(f.height for f in direct["P1", "P2"].values()) > 0
        assert not share_scope(con, ["P1", "P2"], max_rows=1)  # more than a batch: no copy
        assert copies() == set() and scoped_source(con, "participants", ["P1"])[0] == (
            '"participants"'
        )
        assert share_scope(con, ["P1", "P2"], max_rows=10**9)
        assert scoped_source(con, "followups", ["P1"])[0] == f"temp.main.{SCOPE}_followups"
        assert scoped_source(con, "followups", ["P1", "P3"])[0] == '"followups"'
        for programs, frame in direct.items():
            for name, shared in frames(list(programs)).items():
                assert shared.equals(frame[name]), (programs, name)
        unshare_scope(con)
        assert copies() == set()

        # An incremental run of P1 (a follow-up of p031 corrected) leaves no copy behind.
        pipe = load_pipeline(project)
        execute(con, project, pipeline=pipe, as_of=day)
        _p031_defected(project, tmp_path)
        load_paths(con, project, [tmp_path / "fix" / "followups.csv"], reason="p031")
        run = execute(con, project, pipeline=pipe, as_of=day)
        assert con.execute("SELECT recomputed FROM runs WHERE run_id = ?", [run]).fetchall()[0][
            0
        ] == json.dumps({"P1": "changed: followups"})
        assert copies() == set()
    finally:
        con.close()


def test_a_run_whose_process_ended_is_marked_failed_by_the_next(db, project):
    """A run left 'running' (its process killed part-way, for example out of memory: its
    `runs` row was committed, nothing else) is marked 'failed' by the next `sceval run`,
    which says so on stderr; the new run is a draft."""
    import datetime as dt

    from sceval.runs import start_run
    from sceval.warehouse import open_existing

    con = open_existing(db, project)
    try:
        stale = start_run(con, project, command="run", as_of=dt.date.fromisoformat(AS_OF))
    finally:
        con.close()
    res = _sceval("run", "--db", str(db), "--as-of", AS_OF)
    assert f"run {stale} had not finished (its process ended): marked failed" in res.stderr
    with duckdb.connect(str(db), read_only=True) as con:
        status = dict(con.execute("SELECT run_id, status FROM runs").fetchall())
    assert status.pop(stale) == "failed"
    assert list(status.values()) == ["draft"]
