"""Running the checks: select, reduce lazily and collect once per check, escalate, waive, store."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import duckdb
import polars as pl

from sceval.dnh.findings import FINDING_SCHEMA
from sceval.dnh.inputs import Inputs
from sceval.dnh.spec import SEVERITY_RANK, CheckSpec, load_checks
from sceval.dnh.waivers import apply_waivers, load_waivers
from sceval.errors import ProjectError
from sceval.indicators.sources import program_batches
from sceval.project import Project
from sceval.rundef import selected
from sceval.warehouse import RESULT_DDL

STATUS_ORDER = {"flag": 0, "insufficient_data": 1, "pass": 2}
# Participation rows per batch of programs checked together, unless the project sets
# `dnh_batch_participants`. The checks at 1e7 participants (2026-12-06, 2 cores, 92,766
# findings identical in all three): one batch 33.8 s and 4.45 GiB, batches of 5e6 rows
# 37.6 s and 2.99 GiB, 1e6 rows 52.2 s and 1.66 GiB (each batch reads its programs' tables
# again; the whole tables and the events' reductions are read once).
CHECK_BATCH_PARTICIPANTS = 5_000_000


def selected_checks(project: Project, pipeline=None) -> tuple[dict[str, CheckSpec], list[str]]:
    """All checks of the project and the ids this run computes."""
    specs = load_checks(project)
    if pipeline is None:
        return specs, list(specs)
    return specs, selected(pipeline.dnh_checks, list(specs))


def escalated(findings: pl.DataFrame, specs: dict[str, CheckSpec]) -> pl.DataFrame:
    """Raise a check's flags to `severity_escalated` when its program has another check's flag.

    The governance-risk check is medium alone and high next to any other flag: weak rule of
    law or control of corruption makes every other harm harder to remedy. Eager on the small
    frame of findings, so its message is not formatted in a streamed plan
    (see `sceval.dnh.findings`).
    """
    rules = {
        cid: s.threshold("severity_escalated")
        for cid, s in specs.items()
        if s.threshold("severity_escalated")
    }
    if not rules:
        return findings
    flags = findings.filter(pl.col("status") == "flag")
    others = (
        flags.select("program_id", pl.col("check_id").alias("other"))
        .unique()
        .join(pl.DataFrame({"check_id": list(rules)}), how="cross")
        .filter(pl.col("other") != pl.col("check_id"))
        .group_by("program_id", "check_id")
        .agg(pl.col("other").sort().str.join(", ").alias("others"))
    )
    to = pl.col("check_id").replace_strict(rules, default=None, return_dtype=pl.String)
    hit = (pl.col("status") == "flag") & pl.col("others").is_not_null() & to.is_not_null()
    return (
        findings.join(others, on=["program_id", "check_id"], how="left")
        .with_columns(
            pl.when(hit).then(to).otherwise(pl.col("severity")).alias("severity"),
            pl.when(hit)
            .then(
                pl.format(
                    "{} Raised to {} because the program also has flags from: {}.",
                    pl.col("message"),
                    to,
                    pl.col("others"),
                )
            )
            .otherwise(pl.col("message"))
            .alias("message"),
        )
        .drop("others")
    )


def plan(x: Inputs, spec: CheckSpec) -> pl.LazyFrame:
    """One check's lazy plan; a threshold of the wrong type is the check file's mistake."""
    try:
        return spec.implementation()(x, spec).select(list(FINDING_SCHEMA))
    except (ValueError, TypeError) as exc:
        raise ProjectError(
            f"{spec.path}: check {spec.id!r} cannot use its thresholds {spec.thresholds} ({exc})"
        ) from None


def findings_in_batches(
    con: duckdb.DuckDBPyConnection,
    project: Project,
    *,
    as_of: dt.date,
    program: str | list[str] | None = None,
    checks: tuple[dict[str, CheckSpec], list[str]],
) -> Iterator[pl.DataFrame]:
    """Each batch of programs' findings, escalated (not yet waived, sorted or stored)."""
    specs, chosen = checks
    scope = [program] if isinstance(program, str) else program
    rows = int(project.settings.get("dnh_batch_participants", CHECK_BATCH_PARTICIPANTS))
    batches = program_batches(con, scope, rows)
    # No finding of a program reads another program's rows (as for the indicators, and as an
    # incremental run relies on), and escalation looks only within a program: batches of
    # programs give the rows of one pass, with the memory of a batch.
    kept: dict[str, pl.LazyFrame] = {}
    for batch in batches:
        scoped = batch if len(batches) > 1 else program
        x = Inputs(con, project, as_of=as_of, program=scoped).shared(kept)
        # Building a plan collects the check's reduced frames (`collect_reduced`): checks run
        # one by one, each over the shared inputs. Measured faster than pl.collect_all over
        # the sixteen whole plans (0.5 s against 1.0 s on the scenario, 0.7 s against 1.1 s on
        # the seed). What is left lazy (found rows plus programs with nothing to check) is cheap.
        parts = [plan(x, specs[c]).collect() for c in chosen]
        x.keep()
        # One chunk: escalation filters and formats this frame (see `sceval.dnh.findings`).
        found = pl.concat(parts, rechunk=True) if parts else pl.DataFrame(schema=FINDING_SCHEMA)
        # 0/0 is no value, not a number: stored as NULL, printed as "no value".
        yield escalated(found, specs).with_columns(
            pl.col("measured_value", "threshold").fill_nan(None)
        )


def most_severe_first(findings: pl.DataFrame) -> pl.DataFrame:
    """Findings ordered flags first, then by severity, check, program and unit."""
    return (
        findings.with_columns(
            pl.col("severity").replace_strict(SEVERITY_RANK, return_dtype=pl.Int8).alias("_sev"),
            pl.col("status").replace_strict(STATUS_ORDER, return_dtype=pl.Int8).alias("_st"),
        )
        .sort("_st", "_sev", "check_id", "program_id", "unit_id", nulls_last=True)
        .drop("_sev", "_st")
    )


def compute_findings(
    con: duckdb.DuckDBPyConnection,
    project: Project,
    *,
    as_of: dt.date,
    program: str | list[str] | None = None,
    pipeline=None,
    checks: tuple[dict[str, CheckSpec], list[str]] | None = None,
) -> pl.DataFrame:
    """Every selected check's findings (not yet waived or stored), most severe first."""
    parts = list(
        findings_in_batches(
            con,
            project,
            as_of=as_of,
            program=program,
            checks=checks or selected_checks(project, pipeline),
        )
    )
    return most_severe_first(pl.concat(parts))  # one part at least: one batch at least


def stored_batches(
    con: duckdb.DuckDBPyConnection,
    project: Project,
    *,
    run_id: str,
    as_of: dt.date,
    program: str | list[str] | None = None,
    pipeline=None,
) -> Iterator[pl.DataFrame]:
    """Each batch's waived findings, INSERTed into dnh_findings before it is yielded.

    A batch's findings are stored before the next batch is computed: held until the end, the
    findings of 1e8 participations (about 0.7 GiB per batch of 5e6 rows, with the buffers
    their strings point into) outgrew a 16 GiB machine. A run stopped part-way is marked
    `running` or `failed`, and nothing reads an unfinished run's rows as results.
    """
    checks = selected_checks(project, pipeline)
    waivers = load_waivers(project, con, known_checks=set(checks[0]))
    con.execute(RESULT_DDL["dnh_findings"])  # a connection opened without open_warehouse
    for found in findings_in_batches(con, project, as_of=as_of, program=program, checks=checks):
        out = apply_waivers(found, waivers).select(pl.lit(run_id).alias("run_id"), pl.all())
        con.register("_sceval_dnh", out)
        try:
            con.execute("INSERT INTO dnh_findings BY NAME SELECT * FROM _sceval_dnh")
        finally:
            con.unregister("_sceval_dnh")
        yield out


def store_findings(
    con: duckdb.DuckDBPyConnection,
    project: Project,
    *,
    run_id: str,
    as_of: dt.date,
    program: str | list[str] | None = None,
    pipeline=None,
) -> int:
    """Compute the do-no-harm checks as of a date, apply waivers, INSERT into dnh_findings
    batch by batch, holding none; the number of rows stored."""
    batches = stored_batches(
        con, project, run_id=run_id, as_of=as_of, program=program, pipeline=pipeline
    )
    return sum(out.height for out in batches)


def run_checks(
    con: duckdb.DuckDBPyConnection,
    project: Project,
    *,
    run_id: str,
    as_of: dt.date,
    program: str | list[str] | None = None,
    pipeline=None,
) -> pl.DataFrame:
    """Compute the do-no-harm checks as of a date, apply waivers, INSERT into dnh_findings
    (`program`: one program or a list of them; all by default); the findings, most severe
    first."""
    batches = stored_batches(
        con, project, run_id=run_id, as_of=as_of, program=program, pipeline=pipeline
    )
    return most_severe_first(pl.concat(list(batches)))
