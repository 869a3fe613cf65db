"""Polars frames over `partnership_scores` for reports and charts (documented in docs/partnership.md).

Every function takes the warehouse connection and, optionally, a run id (default: the latest
run that scored partnerships) and a model id. Labels and order come from the model file of the
project that produced the run.
"""

from __future__ import annotations

import polars as pl

from sceval.errors import UsageError
from sceval.partnership.model import load_model, model_files
from sceval.project import Project


def resolve_run(con, run_id: str | None) -> str:
    """The given run id, or the latest run that wrote partnership scores."""
    if run_id is None:
        # fetchall, not fetchone: DuckDB 2.0 blocks the connection on a half-read result.
        found = con.execute(
            """SELECT r.run_id FROM runs r WHERE r.status IN ('draft', 'approved') AND EXISTS
               (SELECT 1 FROM partnership_scores s WHERE s.run_id = r.run_id)
               ORDER BY r.started_at DESC, r.run_id DESC LIMIT 1"""
        ).fetchall()
        run_id = found[0][0] if found else None
    if run_id is None:
        raise UsageError("no partnership scores in this warehouse; run `sceval score` first")
    return run_id


def run_model(con, run_id: str, model_id: str, project=None):
    """The model definition a run used (its project's file, else the default project's)."""
    from pathlib import Path

    if project is None:
        found = con.execute("SELECT project_root FROM runs WHERE run_id = ?", [run_id]).fetchall()
        root = Path(found[0][0]) if found and found[0][0] else None
        project = (
            Project(root) if root and (root / "sceval_project.yml").is_file() else Project.find()
        )
    files = model_files(project)
    if model_id not in files:
        raise UsageError(f"unknown partnership model {model_id!r}; available: {', '.join(files)}")
    return load_model(files[model_id])


# The reference rating round of a model in a run: its first (undated first). Later rounds are
# re-ratings, shown beside it (`rounds_frame`); data-derived rows belong to no round.
FIRST_ROUND = """(source = 'data' OR rating_round IS NOT DISTINCT FROM (
    SELECT f.rating_round FROM partnership_scores f
    WHERE f.run_id = partnership_scores.run_id AND f.model_id = partnership_scores.model_id
      AND f.source IS DISTINCT FROM 'data'
    ORDER BY f.rating_round NULLS FIRST LIMIT 1))"""


def _rows(con, run_id: str, model_id: str, level: str, source: str | None = "expert"):
    q = (
        "SELECT * FROM partnership_scores WHERE run_id = ? AND model_id = ? AND level = ? AND "
        + FIRST_ROUND
    )
    params = [run_id, model_id, level]
    if source is not None:
        q += " AND source = ?"
        params.append(source)
    return con.sql(q, params=params).pl()


def _orders(model) -> tuple[pl.DataFrame, dict[str, int]]:
    items = pl.DataFrame(
        [
            {
                "dimension_id": d.id,
                "dimension_label": d.label,
                "item_id": i.id,
                "item_label": i.label,
                "item_order": n,
            }
            for n, (d, i) in enumerate((d, i) for d in model.dimensions for i in d.items)
        ]
    )
    return items, {c: k for k, c in enumerate(model.cases)}


def _case_cols(df: pl.DataFrame, model, col: str = "case_id") -> pl.DataFrame:
    _, order = _orders(model)
    return df.with_columns(
        pl.col(col)
        .replace_strict(order, default=len(order), return_dtype=pl.Int64)
        .alias("case_order"),
        pl.col(col).map_elements(model.case_label, return_dtype=pl.String).alias("case_label"),
    )


def item_scores(
    con,
    run_id: str | None = None,
    model_id: str = "attina2005",
    *,
    source: str = "expert",
    project=None,
) -> pl.DataFrame:
    """Long frame, one row per (case, item): rating text, base, qualifier, score, rank, labels."""
    run_id = resolve_run(con, run_id)
    model = run_model(con, run_id, model_id, project)
    items, _ = _orders(model)
    df = _rows(con, run_id, model_id, "item", source).drop("dimension_id")
    df = items.join(df, on="item_id", how="inner")
    return (
        _case_cols(df, model)
        .sort("item_order", "case_order")
        .select(
            "model_id",
            "dimension_id",
            "dimension_label",
            "item_id",
            "item_label",
            "item_order",
            "case_id",
            "case_label",
            "case_order",
            "rating_text",
            "rating_base",
            "qualifier",
            "score",
            "rank",
            "source",
            "note",
        )
    )


def table1_frame(
    con,
    run_id: str | None = None,
    model_id: str = "attina2005",
    *,
    values: str = "rating_text",
    project=None,
) -> pl.DataFrame:
    """Items x cases like Attinà's Table 1: one row per item, one column per case (`values`)."""
    long = item_scores(con, run_id, model_id, project=project)
    if long.is_empty():
        return long.select("dimension_id", "dimension_label", "item_id", "item_label")
    cases = long.sort("case_order")["case_id"].unique(maintain_order=True).to_list()
    wide = long.pivot(
        on="case_id",
        index=["item_order", "dimension_id", "dimension_label", "item_id", "item_label"],
        values=values,
    )
    return wide.sort("item_order").select(
        "dimension_id", "dimension_label", "item_id", "item_label", *cases
    )


def dimension_profiles(
    con, run_id: str | None = None, model_id: str = "attina2005", *, project=None
) -> pl.DataFrame:
    """Long frame, one row per (case, dimension) plus each case's overall (dimension_id 'overall')."""
    run_id = resolve_run(con, run_id)
    model = run_model(con, run_id, model_id, project)
    labels = {d.id: d.label for d in model.dimensions} | {"overall": "Overall"}
    order = {d.id: k for k, d in enumerate(model.dimensions)} | {"overall": len(model.dimensions)}
    df = pl.concat(
        [
            _rows(con, run_id, model_id, "dimension"),
            _rows(con, run_id, model_id, "overall").with_columns(
                pl.lit("overall").alias("dimension_id")
            ),
        ]
    )
    df = df.with_columns(
        pl.col("dimension_id")
        .replace_strict(labels, return_dtype=pl.String)
        .alias("dimension_label"),
        pl.col("dimension_id")
        .replace_strict(order, return_dtype=pl.Int64)
        .alias("dimension_order"),
    )
    return (
        _case_cols(df, model)
        .sort("case_order", "dimension_order")
        .select(
            "model_id",
            "case_id",
            "case_label",
            "case_order",
            "dimension_id",
            "dimension_label",
            "dimension_order",
            "score",
            "weight",
            "rank",
            "note",
        )
    )


def pair_stability(
    con,
    run_id: str | None = None,
    model_id: str = "attina2005",
    *,
    scope: str | None = None,
    project=None,
) -> pl.DataFrame:
    """One row per ordered pair of cases: share of alternative mappings ranking A above B.

    `scope` None = overall scores; a dimension id = that dimension's scores.
    """
    run_id = resolve_run(con, run_id)
    model = run_model(con, run_id, model_id, project)
    df = _rows(con, run_id, model_id, "pair_stability")
    df = df.filter(
        pl.col("dimension_id").is_null() if scope is None else pl.col("dimension_id") == scope
    )
    df = df.select(
        "model_id",
        pl.col("dimension_id").fill_null("overall").alias("scope"),
        pl.col("case_id").alias("case_a"),
        pl.col("item_id").alias("case_b"),
        pl.col("score").alias("share_above"),
        pl.col("rating_text").alias("verdict"),
        "note",
    )
    _, order = _orders(model)
    key = pl.col("case_a").replace_strict(order, default=len(order), return_dtype=pl.Int64)
    key_b = pl.col("case_b").replace_strict(order, default=len(order), return_dtype=pl.Int64)
    return df.sort(key, key_b)


def conclusions_frame(con, run_id: str | None = None, model_id: str = "attina2005") -> pl.DataFrame:
    """One row per paper conclusion: holds/fails under the model's mapping, and its stability."""
    run_id = resolve_run(con, run_id)
    return _rows(con, run_id, model_id, "conclusion").select(
        "model_id",
        pl.col("item_id").alias("conclusion_id"),
        pl.col("rating_text").alias("verdict"),
        pl.col("score").alias("stability"),
        "note",
    )


def separates(
    con,
    case_a: str,
    case_b: str,
    *,
    run_id: str | None = None,
    model_id: str = "attina2005",
    top: int | None = None,
    project=None,
) -> pl.DataFrame:
    """The items on which two cases differ, largest contribution to their overall gap first.

    contribution = item weight x (score A - score B); the contributions of all items sum to
    the gap in overall scores when both cases are rated on every item.
    """
    long = item_scores(con, run_id, model_id, project=project)
    for c in (case_a, case_b):
        if c not in set(long["case_id"].to_list()):
            raise UsageError(f"case {c!r} has no item scores for model {model_id}")
    w = pl.col("weight")
    a = long.filter(pl.col("case_id") == case_a)
    b = long.filter(pl.col("case_id") == case_b)
    weights = _rows(con, resolve_run(con, run_id), model_id, "item").select("item_id", "weight")
    weights = weights.unique("item_id")
    df = (
        a.select("item_order", "dimension_id", "item_id", "item_label", "rating_text", "score")
        .join(b.select("item_id", "rating_text", "score"), on="item_id", how="inner", suffix="_b")
        .join(weights, on="item_id", how="left")
        .with_columns((pl.col("score") - pl.col("score_b")).alias("difference"))
        .with_columns((w * pl.col("difference")).alias("contribution"))
        .filter(pl.col("difference").abs() > 1e-9)
        .sort(pl.col("contribution").abs(), "item_order", descending=[True, False])
        .select(
            "dimension_id",
            "item_id",
            "item_label",
            pl.col("rating_text").alias("rating_a"),
            pl.col("rating_text_b").alias("rating_b"),
            pl.col("score").alias("score_a"),
            "score_b",
            "difference",
            "contribution",
        )
    )
    return df.head(top) if top else df


def evidence_frame(
    con, run_id: str | None = None, model_id: str = "shared_responsibility"
) -> pl.DataFrame:
    """Expert and data-based ratings side by side, with a `disagree` flag (null: no comparison)."""
    run_id = resolve_run(con, run_id)
    data = _rows(con, run_id, model_id, "item", "data")
    expert = _rows(con, run_id, model_id, "item", "expert").select(
        "case_id",
        "item_id",
        pl.col("rating_text").alias("expert_rating"),
        pl.col("score").alias("expert_score"),
    )
    return (
        data.select(
            "case_id",
            "dimension_id",
            "item_id",
            pl.col("rating_text").alias("data_rating"),
            pl.col("score").alias("data_score"),
            "note",
        )
        .join(expert, on=["case_id", "item_id"], how="left")
        .with_columns(
            pl.when(pl.col("note").str.starts_with("disagree"))
            .then(True)
            .when(pl.col("note").str.starts_with("agree"))
            .then(False)
            .otherwise(None)
            .alias("disagree")
        )
        .sort("case_id", "item_id")
    )


def rounds_frame(con, run_id: str | None = None, model_id: str | None = None) -> pl.DataFrame:
    """Overall and dimension scores of every case rated in more than one round, the rounds
    side by side: case_id, level, dimension_id, one column per round (ISO date, or
    `undated`), and `change` (last round minus first)."""
    run_id = resolve_run(con, run_id)
    q = """SELECT model_id, case_id, level, dimension_id,
                  coalesce(CAST(rating_round AS VARCHAR), 'undated') AS round, score
           FROM partnership_scores
           WHERE run_id = ? AND source = 'expert' AND level IN ('overall', 'dimension')"""
    params: list = [run_id]
    if model_id is not None:
        q += " AND model_id = ?"
        params.append(model_id)
    long = con.sql(q, params=params).pl()
    multi = (
        long.group_by("model_id", "case_id")
        .agg(pl.col("round").n_unique().alias("rounds"))
        .filter(pl.col("rounds") > 1)
    )
    long = long.join(multi.drop("rounds"), on=["model_id", "case_id"], how="inner")
    if long.is_empty():
        return pl.DataFrame(
            schema={
                "model_id": pl.String,
                "case_id": pl.String,
                "level": pl.String,
                "dimension_id": pl.String,
            }
        )
    rounds = sorted(long["round"].unique().to_list(), key=lambda r: (r != "undated", r))
    wide = long.pivot(
        on="round", index=["model_id", "case_id", "level", "dimension_id"], values="score"
    )
    present = [r for r in rounds if r in wide.columns]
    wide = wide.select("model_id", "case_id", "level", "dimension_id", *present)
    first = pl.coalesce([pl.col(r) for r in present])
    last = pl.coalesce([pl.col(r) for r in reversed(present)])
    return wide.with_columns(change=(last - first)).sort(
        "model_id", "case_id", pl.col("level") != "overall", "dimension_id", nulls_last=False
    )


def agreement_table(con, run_id: str | None = None, model_id: str | None = None) -> pl.DataFrame:
    """`partnership_agreement` rows of a run (alpha per model and item, disagreements)."""
    run_id = resolve_run(con, run_id)
    q = "SELECT * FROM partnership_agreement WHERE run_id = ?"
    params: list = [run_id]
    if model_id is not None:
        q += " AND model_id = ?"
        params.append(model_id)
    return con.sql(
        q + " ORDER BY model_id, rating_round, level DESC, item_id, case_id", params=params
    ).pl()
