"""The shape of a finding and the helpers every check uses to build one.

A check returns a lazy frame of findings in `FINDING_SCHEMA`: flags and insufficient-data rows
for what it found, explicit passes where it looked and found nothing. `complete` adds a pass
row for every program in scope the check had nothing to say about, so that each (check,
program) appears in `dnh_findings` at least once.

A check reduces the tables lazily to a few rows per program or unit, collects those once
(`collect_reduced`) and builds its messages on the small eager frames. Messages are never
formatted inside a streamed plan: Polars 2.1's streaming engine panics (polars-arrow binview
`assertion failed: i < self.len()`) on a `pl.format` evaluated right after a filter over a
multi-chunk in-memory frame, such as a frame collected from a concat and made lazy again.
It is not about size: 402 rows in chunks of 203 and 199 are enough, depending on which rows
the filter keeps. The same plan on one chunk, or run eagerly, does not panic.
"""

from __future__ import annotations

from typing import Any

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


def evidence_finding(
    spec: CheckSpec, status: str, *, message: pl.Expr | str, **fields: Any
) -> list[pl.Expr]:
    """`finding` for a frame whose `evidence` list holds the rows behind each case: the
    measured value is how many there are."""
    evidence = pl.col("evidence")
    return finding(
        spec, status, message=message, measured=evidence.list.len(), evidence=evidence, **fields
    )


def empty() -> pl.LazyFrame:
    return pl.LazyFrame(schema=FINDING_SCHEMA)


def collect_reduced(*plans: pl.LazyFrame) -> list[pl.DataFrame]:
    """A check's reduced plans (rows per program or unit) collected in one pass, one chunk each.

    The heavy part (joins and aggregations over the input tables) runs once, on the default
    (streaming) engine; messages are then formatted eagerly on these frames (module docstring).
    """
    frames = pl.collect_all(list(plans)) if len(plans) > 1 else [plans[0].collect()]
    return [frame.rechunk() for frame in frames]


def program_list(frame: pl.LazyFrame) -> pl.LazyFrame:
    """The distinct programs of a frame: what `per_program_pass` needs of its applicable rows."""
    return frame.select("program_id").unique()


def complete(x: Inputs, spec: CheckSpec, found: pl.DataFrame) -> pl.LazyFrame:
    """Found rows plus a pass for each program in scope the check found nothing to look at."""
    found = found.select(list(FINDING_SCHEMA))
    quiet = x.program_ids.join(
        found.select("program_id").unique().lazy(), on="program_id", how="anti"
    )
    passes = quiet.select(
        finding(
            spec,
            "pass",
            message=f"Nothing to check as of {x.as_of}: the check covers {spec.applies_to}, "
            "and this program has none.",
        )
    )
    # The pass message is a literal: nothing is formatted in the streamed part of the plan.
    return pl.concat([found.lazy(), passes])


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
    applicable: pl.DataFrame,
    found: pl.DataFrame,
    message: str,
    *,
    threshold: float = 0.0,
) -> pl.DataFrame:
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
    rows: pl.DataFrame,
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
    interval: tuple[str, str] | None = None,
) -> pl.DataFrame:
    """One finding per row: a flag where harm is seen, else a pass with enough data, else a gap.

    Asymmetric on purpose: harm seen is evidence at any sample size; a pass needs `enough`.
    Rows carry an `evidence` list (the flag's evidence, and the gap's when `gap_evidence`).
    With the check's `status_rule: interval` and `interval` (the k and n columns of the
    share), a pass also needs the 95% Wilson interval's upper end within the threshold; a
    share within it whose interval reaches above is inconclusive, an `insufficient_data`
    finding that the gate counts like a flag.
    """
    enough = pl.lit(True) if enough is None else enough
    common = {"measured": measured, "threshold": threshold}
    inconclusive = []
    passes = enough
    if spec.status_rule == "interval" and interval is not None:
        high = wilson(*interval)[1]
        straddles = high > threshold
        inconclusive.append(
            rows.filter(~harm & enough & straddles).select(
                finding(
                    spec,
                    "insufficient_data",
                    message=pl.format(
                        "Inconclusive: {} is within the {} threshold, but the interval "
                        "reaches above it, so a share above the threshold cannot be ruled out.",
                        share_message(*interval),
                        fmt_pct(pl.lit(threshold)),
                    ),
                    **common,
                )
            )
        )
        passes = enough & ~straddles
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
        rows.filter(~harm & passes).select(finding(spec, "pass", message=pass_message, **common)),
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
    return pl.concat(out + inconclusive)


def uncovered(units: pl.LazyFrame) -> pl.LazyFrame:
    """Per program and country, the supported units no reporting reaches (from `covered_units`)."""
    return (
        units.filter(~pl.col("covered"))
        .group_by("program_id", "country")
        .agg(pl.col("unit_id").unique().sort().alias("evidence"))
    )


def coverage_gaps(
    x: Inputs, spec: CheckSpec, uncovered: pl.DataFrame, *, reporting: str, what: str
) -> pl.DataFrame:
    """Insufficient data per program and country where no `reporting` reaches supported units."""
    return uncovered.select(
        evidence_finding(
            spec,
            "insufficient_data",
            message=pl.format(
                "No {} covers {} by {}, so {} by the {} supported unit(s) cannot be ruled out.",
                pl.lit(reporting),
                pl.col("country"),
                pl.lit(str(x.as_of)),
                pl.lit(what),
                pl.col("evidence").list.len(),
            ),
            evidence_table="units",
        )
    )
