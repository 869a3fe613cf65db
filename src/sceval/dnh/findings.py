"""The shape of a finding and the helpers every check uses to build one.

A check returns a lazy frame of findings in `FINDING_SCHEMA`: flags and insufficient-data rows
for what it found, explicit passes where it looked and found nothing. `complete` adds a pass
row for every program in scope the check had nothing to say about, so that each (check,
program) appears in `dnh_findings` at least once.
"""

from __future__ import annotations

import polars as pl

from sceval.dnh.inputs import Inputs
from sceval.dnh.spec import CheckSpec

FINDING_SCHEMA = {
    "check_id": pl.String,
    "program_id": pl.String,
    "unit_id": pl.String,
    "severity": pl.String,
    "status": pl.String,
    "measured_value": pl.Float64,
    "threshold": pl.Float64,
    "message": pl.String,
    "evidence": pl.List(pl.String),
    "evidence_table": pl.String,
}


def _expr(value: pl.Expr | str | float | int | None, dtype: pl.DataType) -> pl.Expr:
    if isinstance(value, pl.Expr):
        return value.cast(dtype)
    return pl.lit(value, dtype=dtype)


def finding(
    spec: CheckSpec,
    status: str,
    *,
    message: pl.Expr | str,
    program: pl.Expr | None = None,
    unit: pl.Expr | None = None,
    severity: pl.Expr | str | None = None,
    measured: pl.Expr | float | None = None,
    threshold: pl.Expr | float | None = None,
    evidence: pl.Expr | None = None,
    evidence_table: pl.Expr | str | None = None,
) -> list[pl.Expr]:
    """The select-list that turns a frame of cases into findings of this check."""
    return [
        pl.lit(spec.id).alias("check_id"),
        (program if program is not None else pl.col("program_id"))
        .cast(pl.String)
        .alias("program_id"),
        _expr(unit, pl.String).alias("unit_id"),
        _expr(spec.severity if severity is None else severity, pl.String).alias("severity"),
        pl.lit(status).alias("status"),
        _expr(measured, pl.Float64).alias("measured_value"),
        _expr(threshold, pl.Float64).alias("threshold"),
        _expr(message, pl.String).alias("message"),
        (
            evidence.cast(pl.List(pl.String)).list.unique(maintain_order=True).list.sort()
            if evidence is not None
            else pl.lit(None, dtype=pl.List(pl.String))
        ).alias("evidence"),
        _expr(evidence_table, pl.String).alias("evidence_table"),
    ]


def empty() -> pl.LazyFrame:
    return pl.LazyFrame(schema=FINDING_SCHEMA)


def complete(x: Inputs, spec: CheckSpec, found: pl.LazyFrame) -> pl.LazyFrame:
    """Found rows plus a pass for each program in scope the check found nothing to look at."""
    quiet = x.program_ids.join(found.select("program_id").unique(), on="program_id", how="anti")
    passes = quiet.select(
        finding(
            spec,
            "pass",
            message=f"Nothing to check as of {x.as_of}: the check covers {spec.applies_to}, "
            "and this program has none.",
        )
    )
    return pl.concat([found.select(list(FINDING_SCHEMA)), passes])


def fmt_pct(col: str | pl.Expr) -> pl.Expr:
    """A share as a whole percentage for messages ("62%")."""
    e = pl.col(col) if isinstance(col, str) else col
    return pl.format("{}%", (e * 100).round(0).cast(pl.Int64))


def fmt_num(col: str | pl.Expr, decimals: int = 2) -> pl.Expr:
    """A number for messages, rounded."""
    e = pl.col(col) if isinstance(col, str) else col
    return e.round(decimals).cast(pl.String)


def unit_label() -> pl.Expr:
    """`unit U1 (name)` for messages; needs unit_id and name columns."""
    return pl.format("Unit {} ({})", pl.col("unit_id"), pl.col("name").fill_null("unnamed"))


def per_program_pass(
    spec: CheckSpec,
    applicable: pl.LazyFrame,
    found: pl.LazyFrame,
    message: str,
    *,
    threshold: float = 0.0,
) -> pl.LazyFrame:
    """A pass (nothing counted, measured 0) for each applicable program without a flag or gap."""
    clean = (
        applicable.select("program_id")
        .unique()
        .join(found.select("program_id").unique(), on="program_id", how="anti")
    )
    return clean.select(finding(spec, "pass", message=message, measured=0.0, threshold=threshold))


def wilson(k: str, n: str, z: float = 1.959964) -> tuple[pl.Expr, pl.Expr]:
    """95% Wilson score interval (low, high) of the proportion k/n."""
    p = pl.col(k) / pl.col(n)
    denom = 1 + z**2 / pl.col(n)
    centre = (p + z**2 / (2 * pl.col(n))) / denom
    half = z * ((p * (1 - p) / pl.col(n) + z**2 / (4 * pl.col(n) ** 2)).sqrt()) / denom
    return (centre - half).clip(0, 1), (centre + half).clip(0, 1)


def share_message(k: str, n: str) -> pl.Expr:
    """ "4 of 20 (20%, 95% CI 8%-42%)" for messages."""
    low, high = wilson(k, n)
    return pl.format(
        "{} of {} ({}, 95% CI {}-{})",
        pl.col(k).cast(pl.Int64),
        pl.col(n).cast(pl.Int64),
        fmt_pct(pl.col(k) / pl.col(n)),
        fmt_pct(low),
        fmt_pct(high),
    )


def verdicts(
    spec: CheckSpec,
    rows: pl.LazyFrame,
    *,
    harm: pl.Expr,
    measured: pl.Expr,
    threshold: float,
    flag_message: pl.Expr,
    pass_message: pl.Expr,
    evidence_table: str,
    enough: pl.Expr | None = None,
    gap_message: pl.Expr | None = None,
    gap_evidence: bool = False,
) -> pl.LazyFrame:
    """One finding per row: a flag where harm is seen, else a pass with enough data, else a gap.

    Asymmetric on purpose: harm seen is evidence at any sample size; a pass needs `enough`.
    Rows carry an `evidence` list (the flag's evidence, and the gap's when `gap_evidence`).
    """
    enough = pl.lit(True) if enough is None else enough
    common = {"measured": measured, "threshold": threshold}
    out = [
        rows.filter(harm).select(
            finding(
                spec,
                "flag",
                message=flag_message,
                evidence=pl.col("evidence"),
                evidence_table=evidence_table,
                **common,
            )
        ),
        rows.filter(~harm & enough).select(finding(spec, "pass", message=pass_message, **common)),
    ]
    if gap_message is not None:
        out.append(
            rows.filter(~harm & ~enough).select(
                finding(
                    spec,
                    "insufficient_data",
                    message=gap_message,
                    evidence=pl.col("evidence") if gap_evidence else None,
                    evidence_table=evidence_table if gap_evidence else None,
                    **common,
                )
            )
        )
    return pl.concat(out)


def coverage_gaps(
    x: Inputs, spec: CheckSpec, units: pl.LazyFrame, *, reporting: str, what: str
) -> pl.LazyFrame:
    """Insufficient data per program and country where no `reporting` reaches supported units."""
    return (
        units.filter(~pl.col("covered"))
        .group_by("program_id", "country")
        .agg(pl.col("unit_id").unique().sort().alias("evidence"))
        .select(
            finding(
                spec,
                "insufficient_data",
                measured=pl.col("evidence").list.len(),
                message=pl.format(
                    "No {} covers {} by {}, so {} by the {} supported unit(s) cannot be ruled out.",
                    pl.lit(reporting),
                    pl.col("country"),
                    pl.lit(str(x.as_of)),
                    pl.lit(what),
                    pl.col("evidence").list.len(),
                ),
                evidence=pl.col("evidence"),
                evidence_table="units",
            )
        )
    )
