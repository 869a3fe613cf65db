"""Partnership-model scoring: declarative models, explainable scores, robustness, evidence.

`score_partnerships` scores the expert ratings in `partnership_ratings` against each model of
`indicators/models/*.yml`, derives data-based ratings from program data where a model says how,
and INSERTs everything into `partnership_scores` (levels: item, dimension, overall,
pair_stability, rank_stability, conclusion; see docs/partnership.md).
"""

from __future__ import annotations

import polars as pl

from sceval.errors import InvalidDataError
from sceval.partnership.frames import (
    agreement_table,
    conclusions_frame,
    dimension_profiles,
    evidence_frame,
    item_scores,
    pair_stability,
    rounds_frame,
    separates,
    table1_frame,
)
from sceval.partnership.model import Model, load_model, load_models, model_files
from sceval.partnership.printing import print_scores

__all__ = [
    "Model",
    "agreement_table",
    "conclusions_frame",
    "dimension_profiles",
    "evidence_frame",
    "item_scores",
    "load_model",
    "load_models",
    "pair_stability",
    "print_scores",
    "rounds_frame",
    "score_model_frame",
    "score_partnerships",
    "separates",
    "table1_frame",
]


def ratings_frame(con) -> pl.DataFrame:
    """The expert ratings in the warehouse (every rater and rating round)."""
    return con.sql(
        """SELECT model_id, case_id, item_id, rating_text, evidence, rated_by, rated_on
           FROM partnership_ratings
           ORDER BY model_id, rated_on NULLS FIRST, case_id, item_id, rated_by NULLS FIRST"""
    ).pl()


def rating_rounds(ratings: pl.DataFrame) -> list:
    """The rating rounds (rated_on dates, undated first) of a model's ratings, in time order."""
    return sorted(set(ratings["rated_on"].to_list()), key=lambda d: (d is not None, d))


def score_model_frame(con, model: Model, ratings: pl.DataFrame, run_id: str) -> pl.DataFrame:
    """All `partnership_scores` rows of one model (expert, robustness and data rows).

    Each rating round is scored on its own (its raters combined by the model's consensus
    rule); its rows carry the round's date in `rating_round`.
    """
    from sceval.partnership.evidence import data_rows
    from sceval.partnership.rows import frame, robustness_rows, score_rows
    from sceval.partnership.score import score_model

    mine = ratings.filter(pl.col("model_id") == model.id)
    rows: list[dict] = []
    for rnd in rating_rounds(mine):
        part = mine.filter(
            pl.col("rated_on").is_null() if rnd is None else pl.col("rated_on") == rnd
        )
        scored = score_model(model, part)
        rows += [
            r | {"rating_round": rnd}
            for r in score_rows(scored, run_id) + robustness_rows(scored, run_id)
        ]
    rows += data_rows(con, model, mine, run_id)
    return frame(rows)


def agreement_model_frame(model: Model, ratings: pl.DataFrame, run_id: str) -> pl.DataFrame:
    """`partnership_agreement` rows of one model (empty when no round has two raters)."""
    from sceval.partnership.agreement import agreement_frame, agreement_rows

    mine = ratings.filter(pl.col("model_id") == model.id)
    return agreement_frame(agreement_rows(model, mine, run_id) if mine.height else [])


def score_partnerships(con, project, *, run_id: str, model=None, pipeline=None) -> pl.DataFrame:
    """Score every selected model and INSERT the rows into `partnership_scores`; return them."""
    from sceval.partnership.rows import frame
    from sceval.warehouse import ensure_schema

    ensure_schema(con, project)  # a bare connection still gets empty tables, not a crash
    selection = model if model is not None else (pipeline.partnership_models if pipeline else "all")
    models = load_models(project, selection)
    ratings = ratings_frame(con)
    known = set(model_files(project))
    stray = ratings.filter(~pl.col("model_id").is_in(list(known)))
    # Scoring everything: ratings no model file explains are an error, not silently skipped.
    if stray.height and selection in (None, "all"):
        first = stray.row(0, named=True)
        raise InvalidDataError(
            f"partnership_ratings: model {first['model_id']}, case {first['case_id']}, item "
            f"{first['item_id']}: the project has no model file indicators/models/"
            f"{first['model_id']}.yml",
            exit_code=2,
        )
    # Score every model before writing anything: a bad rating in one model stores nothing.
    parts = [score_model_frame(con, m, ratings, run_id) for m in models]
    agreement = [agreement_model_frame(m, ratings, run_id) for m in models]
    out = pl.concat(parts) if parts else frame([])
    agreed = pl.concat(agreement) if agreement else None
    for table, rows in (("partnership_scores", out), ("partnership_agreement", agreed)):
        if rows is None or not rows.height:
            continue
        con.register("_sceval_partnership_rows", rows)
        try:
            con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM _sceval_partnership_rows")
        finally:
            con.unregister("_sceval_partnership_rows")
    return out
