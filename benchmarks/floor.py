"""The independent floor for the five core participant indicators: one DuckDB SQL query.

`benchmarks/fused.py` is written the engine's way (DuckDB -> Arrow -> Polars, a distinct
count of persons per indicator and grouping), so it says how fast the engine's design can be.
This floor is written from the reference sheets (`indicators/<id>.yml`: definition,
numerator, denominator, filter, dates, disaggregations) without the engine's code, and
shaped differently:

- it never leaves DuckDB: one SQL statement over the warehouse's own tables;
- the disaggregations are GROUPING SETS: the program total and one set per dimension;
- distinct persons (for suppression, and learning gain's mean over persons) come from one
  person-level reduction: the grouping sets include `participant_id`, so each (cell, person)
  is one row, and a second GROUP BY counts persons as rows - no DISTINCT anywhere;
- the four earlier dates of the trend line (totals only, like the engine's) are one more
  GROUP BY over the same joined rows, crossed with the four dates.

It skips what the engine adds after aggregation (settings, targets, intervals, statuses,
notes, storage), so it is a floor, not a competitor. `check_against_engine` compares its
numerator, denominator, n and value per program, dimension and value with the engine's rows
of the same warehouse and as-of date, and fails loudly on any difference.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import duckdb
import polars as pl
import yaml

ROOT = Path(__file__).resolve().parents[1]
CORE5 = (
    "training_completion_rate",
    "women_share_participants",
    "learning_gain",
    "vetting_coverage",
    "absorption_rate",
)
# The dimensions a participation carries, in GROUPING_ID bit order (first = highest bit).
DIMS = ("sex", "age_band", "rank_group", "activity_kind", "country", "provider")
# The earlier dates of the trend line of an on-the-fly indicator (days before as-of).
TREND_LAGS = (91, 182, 273, 364)

# What each sheet's `compute:` says, as written by hand for this floor (read from
# indicators/<id>.yml; `sheet_drift` fails if a sheet changes under it). `{day}` is the date
# computed at. Share indicators: (mask, numerator); learning_gain: (mask, value per row).
MASKS = {
    # Participations in training/education/exercise activities ended by the day; completed.
    "training_completion_rate": (
        "ended <= {day} AND kind IN ('training', 'education', 'exercise')",
        "coalesce(completed, false)",
    ),
    # Participations in activities started by the day, of known sex; sex = F.
    "women_share_participants": (
        "started <= {day} AND sex_code IN ('F', 'M', 'X')",
        "sex_code = 'F'",
    ),
    # Participations ended by the day with both scores; gain = post - pre (mean per person).
    "learning_gain": (
        "ended <= {day} AND pre_score IS NOT NULL AND post_score IS NOT NULL",
        "CAST(post_score AS DOUBLE) - CAST(pre_score AS DOUBLE)",
    ),
    # Participations in activities started by the day; vetted.
    "vetting_coverage": ("started <= {day}", "coalesce(vetted, false)"),
    # Completers of activities ended 30 or more days before the day; posted within 30 days.
    "absorption_rate": (
        "ended <= {day} - INTERVAL 30 DAY AND coalesce(completed, false)",
        "posted_within_days IS NOT NULL AND posted_within_days <= 30",
    ),
}
# The sheets' compute sections this floor was written for.
SHEETS = {
    "training_completion_rate": {
        "aggregate": "share",
        "source": "participants",
        "date": "activity_actual_end",
        "filter": "activity_kind IN ('training', 'education', 'exercise')",
        "numerator": "completed",
    },
    "women_share_participants": {
        "aggregate": "share",
        "source": "participants",
        "filter": "sex IN ('F', 'M', 'X')",
        "numerator": "sex = 'F'",
    },
    "learning_gain": {
        "aggregate": "mean",
        "source": "participants",
        "date": "activity_actual_end",
        "filter": "pre_score IS NOT NULL AND post_score IS NOT NULL",
        "value": "post_score - pre_score",
        "per": "participant_id",
    },
    "vetting_coverage": {"aggregate": "share", "source": "participants", "numerator": "vetted"},
    "absorption_rate": {
        "aggregate": "share",
        "source": "participants",
        "date": "activity_actual_end",
        "filter": "completed AND activity_actual_end <= as_of - INTERVAL '30 days'",
        "numerator": "posted_within_days IS NOT NULL AND posted_within_days <= 30",
    },
}
SHORT = {
    "training_completion_rate": "tc",
    "women_share_participants": "ws",
    "learning_gain": "lg",
    "vetting_coverage": "vc",
    "absorption_rate": "ab",
}


def sheets(root: Path = ROOT) -> dict[str, dict]:
    """The reference sheets of the core five."""
    return {
        i: yaml.safe_load((root / "indicators" / f"{i}.yml").read_text(encoding="utf-8"))
        for i in CORE5
    }


def sheet_drift(root: Path = ROOT) -> list[str]:
    """Sheets whose compute section is no longer the one this floor was written for."""
    out = []
    for i, sheet in sheets(root).items():
        if sheet.get("compute") != SHEETS[i]:
            out.append(f"{i}: compute is {sheet.get('compute')!r}, the floor assumes {SHEETS[i]!r}")
    return out


def _per_person(day: str, tag: str = "") -> list[str]:
    """Per (cell, person): participations under each mask, numerators, learning gain sums."""
    cols = []
    for ind in CORE5:
        k = SHORT[ind]
        mask, x = (s.format(day=day) for s in MASKS[ind])
        if ind == "learning_gain":
            cols += [
                f"count(*) FILTER (WHERE {mask}) AS {k}{tag}_rows",
                f"sum({x}) FILTER (WHERE {mask}) AS {k}{tag}_sum",
            ]
        else:
            cols += [
                f"count(*) FILTER (WHERE {mask}) AS {k}{tag}_n",
                f"count(*) FILTER (WHERE {mask} AND {x}) AS {k}{tag}_num",
            ]
    return cols


def _per_cell(tag: str = "", indicators: tuple[str, ...] = CORE5) -> list[str]:
    """Per cell, from the (cell, person) rows: sums, and persons as rows with a participation."""
    cols = []
    for ind in indicators:
        k = SHORT[ind] + tag
        if ind == "learning_gain":
            mean = f"{k}_sum / {k}_rows"
            cols += [
                f"sum({mean}) FILTER (WHERE {k}_rows > 0) AS {k}_num",
                f"count(*) FILTER (WHERE {k}_rows > 0) AS {k}_n",
                f"stddev_samp({mean}) FILTER (WHERE {k}_rows > 0) AS {k}_sd",
            ]
        else:
            cols += [
                f"sum({k}_n) AS {k}_n",
                f"sum({k}_num) AS {k}_num",
                f"count(*) FILTER (WHERE {k}_n > 0) AS {k}_persons",
            ]
    return cols


def _fields() -> list[tuple[str, str]]:
    """(indicator short name, field) of every per-cell column."""
    out = []
    for ind in CORE5:
        k = SHORT[ind]
        fields = ("num", "n", "sd") if ind == "learning_gain" else ("n", "num", "persons")
        out += [(k, f) for f in fields]
    return out


def floor_sql(as_of: dt.date, lags: tuple[int, ...] = TREND_LAGS) -> str:
    """The one SQL statement: every core indicator per program and per dimension value at
    as-of, and per program at each of the earlier trend dates."""
    day = f"DATE '{as_of.isoformat()}'"
    sets = ", ".join(
        ["(program_id, participant_id)"] + [f"(program_id, {d}, participant_id)" for d in DIMS]
    )
    # GROUPING_ID: bit set for every dimension NOT grouped (highest bit = first dimension).
    full = 2 ** len(DIMS) - 1
    which = " ".join(
        f"WHEN {full - 2 ** (len(DIMS) - 1 - i)} THEN '{d}'" for i, d in enumerate(DIMS)
    )
    lag_part = ""
    if lags:
        # The trend dates (program totals only): the shares need no persons, so one GROUP BY
        # program with one set of masked counts per date; learning gain's mean over persons
        # one GROUP BY (program, person) over the rows with both scores. No cross join.
        share, gain = [], []
        for lag in lags:
            at = f"({day} - INTERVAL {lag} DAY)"
            for ind in CORE5:
                k = SHORT[ind]
                mask, x = (t.format(day=at) for t in MASKS[ind])
                if ind == "learning_gain":
                    gain += [
                        f"count(*) FILTER (WHERE {mask}) AS {k}_{lag}_rows",
                        f"sum({x}) FILTER (WHERE {mask}) AS {k}_{lag}_sum",
                    ]
                else:
                    share += [
                        f"count(*) FILTER (WHERE {mask}) AS {k}_{lag}_n",
                        f"count(*) FILTER (WHERE {mask} AND {x}) AS {k}_{lag}_num",
                        f"NULL::BIGINT AS {k}_{lag}_persons",
                    ]
        gain_cell = [c for lag in lags for c in _per_cell(f"_{lag}", ("learning_gain",))]
        paired = MASKS["learning_gain"][0].format(day=f"({day} - INTERVAL {min(lags)} DAY)")
        rows = " UNION ALL ".join(
            f"SELECT {lag} AS lag, program_id, NULL::VARCHAR AS dimension,"
            " NULL::VARCHAR AS dimension_value, "
            + ", ".join(f"{c}_{lag}_{f} AS {c}_{f}" for c, f in _fields())
            + " FROM lag_cell"
            for lag in lags
        )
        lag_part = f""",
lag_share AS (
    SELECT program_id, {", ".join(share)} FROM base GROUP BY program_id
),
lag_person AS (
    SELECT program_id, participant_id, {", ".join(gain)}
    FROM base WHERE {paired} GROUP BY program_id, participant_id
),
lag_gain AS (
    SELECT program_id, {", ".join(gain_cell)} FROM lag_person GROUP BY program_id
),
lag_cell AS (SELECT * FROM lag_share LEFT JOIN lag_gain USING (program_id)),
lag_rows AS ({rows})"""
    return f"""
WITH base AS (
    SELECT pa.participant_id, a.program_id,
           a.actual_start AS started, a.actual_end AS ended, a.kind,
           pa.sex AS sex_code, pa.completed, pa.vetted, pa.pre_score, pa.post_score, pa.posted_within_days,
           coalesce(pa.sex, 'unknown') AS sex,
           CASE WHEN pa.age IS NULL THEN 'unknown' WHEN pa.age < 25 THEN '16-24'
                WHEN pa.age < 35 THEN '25-34' WHEN pa.age < 45 THEN '35-44' ELSE '45+' END
               AS age_band,
           coalesce(pa.rank_group, 'unknown') AS rank_group,
           coalesce(a.kind, 'unknown') AS activity_kind,
           coalesce(u.partner_country, pr.partner_country, 'unknown') AS country,
           coalesce(pr.provider, 'unknown') AS provider
    FROM participants pa
    JOIN activities a USING (activity_id)
    LEFT JOIN programs pr ON pr.program_id = a.program_id
    LEFT JOIN units u ON u.unit_id = pa.unit_id
    -- Programs in scope: started by the as-of date.
    WHERE a.program_id IS NOT NULL AND pr.start_date <= {day}
),
cell_person AS (
    SELECT GROUPING_ID({", ".join(DIMS)}) AS gid, program_id, participant_id,
           {", ".join(DIMS)}, {", ".join(_per_person(day))}
    FROM base
    GROUP BY GROUPING SETS ({sets})
),
cell AS (
    SELECT 0 AS lag, program_id,
           CASE gid {which} END AS dimension,
           coalesce({", ".join(DIMS)}) AS dimension_value,
           {", ".join(_per_cell())}
    FROM cell_person GROUP BY gid, program_id, {", ".join(DIMS)}
){lag_part}
SELECT * FROM cell{" UNION ALL BY NAME SELECT * FROM lag_rows" if lags else ""}
"""


def floor_core5(
    con: duckdb.DuckDBPyConnection, as_of: dt.date, lags: tuple[int, ...] = TREND_LAGS
) -> pl.DataFrame:
    """Rows (indicator, program, dimension, value, lag) with numerator, denominator, n, value,
    persons and sd: the query's wide result (a few thousand cells), made long."""
    return _long(con.sql(floor_sql(as_of, lags)).pl())


def _long(wide: pl.DataFrame) -> pl.DataFrame:
    """One row per (indicator, lag, program, dimension, value) from the wide cells."""
    dis = {i: s["disaggregations"] for i, s in sheets().items()}
    parts = []
    for ind in CORE5:
        k = SHORT[ind]
        rows = wide.filter(
            pl.col("dimension").is_null() | pl.col("dimension").is_in(dis[ind])
        ).select(
            pl.lit(ind).alias("indicator_id"),
            "lag",
            "program_id",
            "dimension",
            "dimension_value",
            pl.col(f"{k}_num").cast(pl.Float64).alias("numerator"),
            pl.col(f"{k}_n").cast(pl.Float64).alias("denominator"),
            pl.col(f"{k}_n").cast(pl.Int64).alias("n"),
            pl.col(f"{k}_n" if ind == "learning_gain" else f"{k}_persons")
            .cast(pl.Int64)
            .alias("persons"),
            (pl.col(f"{k}_sd") if ind == "learning_gain" else pl.lit(None, pl.Float64)).alias("sd"),
        )
        if ind == "learning_gain":
            # A mean over persons exists only where there is a person to average.
            rows = rows.filter(pl.col("n") > 0)
        else:
            # A program's total exists for every program with participations; a cell only
            # where a row falls under the indicator (the engine drops empty cells).
            rows = rows.filter(pl.col("dimension").is_null() | (pl.col("n") > 0))
        parts.append(rows)
    out = pl.concat(parts).with_columns(
        value=pl.when(pl.col("denominator") > 0).then(pl.col("numerator") / pl.col("denominator"))
    )
    return out.sort("indicator_id", "lag", "program_id", "dimension", "dimension_value")


def engine_core5(con: duckdb.DuckDBPyConnection, project, as_of: dt.date) -> pl.DataFrame:
    """The engine's rows for the core five on this warehouse (stored under a new run)."""
    from sceval.indicators import compute_indicators
    from sceval.pipeline import Pipeline
    from sceval.runs import start_run

    pipeline = Pipeline(
        name="floor-check",
        as_of=as_of.isoformat(),
        indicators=list(CORE5),
        partnership_models=[],
        dnh_checks=[],
        reports=[],
        raw={},
    )
    run_id = start_run(con, project, command="run", as_of=as_of)
    return compute_indicators(con, project, run_id=run_id, as_of=as_of, pipeline=pipeline)


def _close(a: float | None, b: float | None) -> bool:
    if a is None or b is None or (isinstance(a, float) and math.isnan(a)):
        return (a is None or math.isnan(a)) and (b is None or math.isnan(b))
    return abs(a - b) <= 1e-6 * max(1.0, abs(a), abs(b))


def disagreements(
    floor: pl.DataFrame, engine: pl.DataFrame, suppression_threshold: int = 5
) -> list[str]:
    """Every difference between the floor's rows at as-of and the engine's, row for row:

    - the same (indicator, program, dimension, value) keys on both sides;
    - the same numerator, denominator, n and value wherever the engine shows them (not
      suppressed);
    - every cell the floor finds with 1 to threshold-1 persons is suppressed by the engine
      (the engine may suppress more: secondary suppression)."""
    keys = ["indicator_id", "program_id", "dimension", "dimension_value"]
    mine = floor.filter(pl.col("lag") == 0).drop("lag")
    theirs = (
        engine.filter(pl.col("period") == "cumulative") if "period" in engine.columns else engine
    )
    theirs = theirs.filter(pl.col("indicator_id").is_in(CORE5)).select(
        *keys, "numerator", "denominator", "n", "value", "suppressed"
    )
    out: list[str] = []
    j = mine.join(theirs, on=keys, how="full", nulls_equal=True, suffix="_e")
    only_floor = j.filter(pl.col("indicator_id_e").is_null() & pl.col("program_id_e").is_null())
    only_engine = j.filter(pl.col("indicator_id").is_null() & pl.col("program_id").is_null())
    for r in only_floor.head(20).to_dicts():
        out.append(f"only in the floor: {[r[k] for k in keys]} n={r['n']}")
    for r in only_engine.head(20).to_dicts():
        out.append(f"only in the engine: {[r[k + '_e'] for k in keys]} n={r['n_e']}")
    both = j.filter(pl.col("indicator_id").is_not_null() & pl.col("indicator_id_e").is_not_null())
    bad = 0
    for r in both.iter_rows(named=True):
        where = [r[k] for k in keys]
        primary = 1 <= (r["persons"] or 0) < suppression_threshold
        if primary and not r["suppressed"]:
            out.append(f"{where}: {r['persons']} persons but the engine does not suppress it")
            bad += 1
        if r["suppressed"]:
            continue
        for c in ("numerator", "denominator", "n", "value"):
            a, b = r[c], r[c + "_e"]
            if not _close(None if a is None else float(a), None if b is None else float(b)):
                out.append(f"{where} {c}: floor {a} vs engine {b}")
                bad += 1
        if bad > 50:
            out.append("... (more)")
            break
    return out


def engine_trend_totals(con: duckdb.DuckDBPyConnection, project, as_of: dt.date) -> pl.DataFrame:
    """The engine's program totals of the core five at the earlier trend dates (its raw rows,
    before the rules: what it fits the trend line on; not part of its returned results)."""
    from sceval.indicators import sources
    from sceval.indicators.catalogue import load_catalogue
    from sceval.indicators.engine import raw_rows

    catalogue = load_catalogue(project)
    tables = sources.warehouse_tables(con, project)
    parts = []
    for lag in TREND_LAGS:
        rows = raw_rows(
            [catalogue[i] for i in CORE5], tables, as_of - dt.timedelta(days=lag), totals_only=True
        )
        parts.append(rows.with_columns(lag=pl.lit(lag, pl.Int32)))
    return pl.concat(parts)


def trend_disagreements(floor: pl.DataFrame, engine_raw: pl.DataFrame) -> list[str]:
    """Differences in the program totals at the trend dates (every floor row must match)."""
    keys = ["indicator_id", "lag", "program_id"]
    mine = floor.filter(pl.col("lag") > 0)
    theirs = engine_raw.select(*keys, "numerator", "denominator", "n", "value")
    j = mine.join(theirs, on=keys, how="left", suffix="_e")
    out = []
    for r in j.iter_rows(named=True):
        for c in ("numerator", "denominator", "n", "value"):
            a, b = r[c], r[c + "_e"]
            if not _close(None if a is None else float(a), None if b is None else float(b)):
                out.append(f"{[r[k] for k in keys]} {c}: floor {a} vs engine {b}")
        if len(out) > 50:
            break
    if mine.height == 0:
        out.append("the floor has no rows at the trend dates")
    return out


def check_against_engine(
    con: duckdb.DuckDBPyConnection,
    project,
    as_of: dt.date,
    engine: pl.DataFrame | None = None,
    *,
    trend: bool = True,
    polars: bool = False,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The floor's rows and the engine's, after checking they agree (AssertionError if not):
    every row at as-of, and with `trend` the program totals at the four earlier dates; the
    DuckDB floor, or with `polars` the Polars one."""
    drift = sheet_drift()
    if drift:
        raise AssertionError("the reference sheets changed under the floor:\n" + "\n".join(drift))
    floor = floor_core5_polars(con, as_of) if polars else floor_core5(con, as_of)
    if engine is None:
        engine = engine_core5(con, project, as_of)
    diff = disagreements(floor, engine, project.suppression_threshold)
    if trend:
        diff += trend_disagreements(floor, engine_trend_totals(con, project, as_of))
    if diff:
        raise AssertionError(
            f"the {'Polars' if polars else 'DuckDB'} floor and the engine disagree "
            f"({len(diff)} differences):\n" + "\n".join(diff)
        )
    return floor, engine


# --- the second floor: one Polars query shaped the other way -----------------------------


# The same masks as MASKS, as Polars expressions of the day (written from the same sheets).
def _polars_masks(day: dt.date) -> dict[str, tuple[pl.Expr, pl.Expr]]:
    d = pl.lit(day, pl.Date)
    ended = pl.col("ended") <= d
    started = pl.col("started") <= d
    completed = pl.col("completed").fill_null(False)
    return {
        "training_completion_rate": (
            ended & pl.col("kind").is_in(["training", "education", "exercise"]),
            completed,
        ),
        "women_share_participants": (
            started & pl.col("sex_code").is_in(["F", "M", "X"]),
            pl.col("sex_code") == "F",
        ),
        "learning_gain": (
            ended & pl.col("pre_score").is_not_null() & pl.col("post_score").is_not_null(),
            pl.col("post_score").cast(pl.Float64) - pl.col("pre_score").cast(pl.Float64),
        ),
        "vetting_coverage": (started, pl.col("vetted").fill_null(False)),
        "absorption_rate": (
            (pl.col("ended") <= d - dt.timedelta(days=30)) & completed,
            pl.col("posted_within_days").is_not_null() & (pl.col("posted_within_days") <= 30),
        ),
    }


def floor_core5_polars(
    con: duckdb.DuckDBPyConnection, as_of: dt.date, lags: tuple[int, ...] = TREND_LAGS
) -> pl.DataFrame:
    """The core five as one lazy Polars query, shaped the other way round from the SQL floor:
    each participation becomes one row per (dimension, value) it falls in (the program total
    is the dimension `None`), and a single group-by over (program, dimension, value, person)
    followed by one over (program, dimension, value) gives every cell at once."""

    def read(sql: str) -> pl.LazyFrame:
        return con.sql(sql).pl().lazy()

    base = (
        read(
            "SELECT participant_id, activity_id, unit_id, sex AS sex_code, age, rank_group,"
            " completed, vetted, pre_score, post_score, posted_within_days FROM participants"
        )
        .join(
            read(
                "SELECT activity_id, program_id, kind, actual_start AS started,"
                " actual_end AS ended FROM activities"
            ),
            on="activity_id",
            how="inner",
        )
        .join(
            read(
                "SELECT program_id, provider, partner_country AS program_country FROM programs"
                f" WHERE start_date <= DATE '{as_of.isoformat()}'"
            ),
            on="program_id",
            how="inner",
        )
        .join(
            read("SELECT unit_id, partner_country AS unit_country FROM units"),
            on="unit_id",
            how="left",
        )
    )
    age = pl.col("age")
    dims = {
        "sex": pl.col("sex_code"),
        "age_band": pl.when(age.is_null())
        .then(pl.lit("unknown"))
        .when(age < 25)
        .then(pl.lit("16-24"))
        .when(age < 35)
        .then(pl.lit("25-34"))
        .when(age < 45)
        .then(pl.lit("35-44"))
        .otherwise(pl.lit("45+")),
        "rank_group": pl.col("rank_group"),
        "activity_kind": pl.col("kind"),
        "country": pl.coalesce("unit_country", "program_country"),
        "provider": pl.col("provider"),
    }
    masks = _polars_masks(as_of)
    flags = []
    for ind, (m, x) in masks.items():
        k = SHORT[ind]
        flags.append(m.fill_null(False).alias(f"{k}_m"))
        flags.append(
            x.alias(f"{k}_x") if ind == "learning_gain" else x.fill_null(False).alias(f"{k}_x")
        )
    rows = base.select(
        "program_id",
        "participant_id",
        *flags,
        pl.concat_list(
            [pl.lit(None, pl.String)]
            + [e.cast(pl.String).fill_null("unknown") for e in dims.values()]
        ).alias("dimension_value"),
        pl.lit([None, *DIMS], pl.List(pl.String)).alias("dimension"),
    ).explode("dimension", "dimension_value")
    per_person = rows.group_by("program_id", "dimension", "dimension_value", "participant_id").agg(
        [
            a
            for ind in CORE5
            for a in (
                [
                    pl.col(f"{SHORT[ind]}_m").sum().alias(f"{SHORT[ind]}_rows"),
                    pl.col(f"{SHORT[ind]}_x")
                    .filter(pl.col(f"{SHORT[ind]}_m"))
                    .mean()
                    .alias("lg_mean"),
                ]
                if ind == "learning_gain"
                else [
                    pl.col(f"{SHORT[ind]}_m").sum().alias(f"{SHORT[ind]}_n"),
                    (pl.col(f"{SHORT[ind]}_m") & pl.col(f"{SHORT[ind]}_x"))
                    .sum()
                    .alias(f"{SHORT[ind]}_num"),
                ]
            )
        ]
    )
    cell_aggs = []
    for ind in CORE5:
        k = SHORT[ind]
        if ind == "learning_gain":
            has = pl.col(f"{k}_rows") > 0
            cell_aggs += [
                pl.col("lg_mean").filter(has).sum().alias(f"{k}_num"),
                has.sum().alias(f"{k}_n"),
                pl.col("lg_mean").filter(has).std().alias(f"{k}_sd"),
            ]
        else:
            cell_aggs += [
                pl.col(f"{k}_n").sum(),
                pl.col(f"{k}_num").sum(),
                (pl.col(f"{k}_n") > 0).sum().alias(f"{k}_persons"),
            ]
    cells = per_person.group_by("program_id", "dimension", "dimension_value").agg(cell_aggs)
    parts = [cells.with_columns(lag=pl.lit(0, pl.Int32))]
    for lag in lags:
        day = as_of - dt.timedelta(days=lag)
        lm = _polars_masks(day)
        share_aggs, k_lg = [], SHORT["learning_gain"]
        for ind in CORE5:
            k = SHORT[ind]
            if ind == "learning_gain":
                continue
            m, x = lm[ind]
            m = m.fill_null(False)
            share_aggs += [
                m.sum().alias(f"{k}_n"),
                (m & x.fill_null(False)).sum().alias(f"{k}_num"),
                pl.lit(None, pl.Int64).alias(f"{k}_persons"),
            ]
        m, x = lm["learning_gain"]
        gain = (
            base.filter(m.fill_null(False))
            .group_by("program_id", "participant_id")
            .agg(x.mean().alias("g"))
            .group_by("program_id")
            .agg(
                pl.col("g").sum().alias(f"{k_lg}_num"),
                pl.len().alias(f"{k_lg}_n"),
                pl.col("g").std().alias(f"{k_lg}_sd"),
            )
        )
        parts.append(
            base.group_by("program_id")
            .agg(share_aggs)
            .join(gain, on="program_id", how="left")
            .with_columns(
                lag=pl.lit(lag, pl.Int32),
                dimension=pl.lit(None, pl.String),
                dimension_value=pl.lit(None, pl.String),
            )
        )
    wide = pl.concat(pl.collect_all(parts), how="diagonal_relaxed")
    return _long(wide)
