"""Statistical disclosure control: what may leave the warehouse, and in what form.

Two promises, kept for every output (exports, reports, findings' evidence):
- **No person-level ids.** `participant_id` is a pseudonym of a person; findings whose
  evidence rows are persons (`PERSON_TABLES`) leave the warehouse as a count
  (`evidence_count`), never as ids. `--include-person-ids` (authorised internal use) lets
  them out, and the run records that it did (`runs.include_person_ids`).
- **No small cell can be derived.** A cell of fewer persons than the threshold is suppressed
  (primary suppression, in the indicator engine). A table that shows its total and every
  other cell would give the suppressed one away by subtraction, so `complementary` suppresses
  more cells of the same table (secondary suppression) with the hypercube method of the
  statistical disclosure control tools (GHMITER in tau-ARGUS, Repsilber 1994), which for the
  one-way tables sceval publishes (a total and its cells along one dimension) reduces to:
  every table with a suppressed cell has at least two suppressed cells, and together they
  hold at least `threshold` persons; the complements are the smallest cells (least
  information lost). A table that cannot be protected that way (too few cells) is
  suppressed whole, total included, so that no other dimension's cells give its total away.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import duckdb
    import polars as pl

# Evidence rows from these tables are persons (pseudonyms).
PERSON_TABLES = ("participants", "followups")

SECONDARY_NOTE = "suppressed: would reveal a small cell of its table (secondary suppression)"


def redact_evidence(findings: pl.DataFrame, *, include_person_ids: bool = False) -> pl.DataFrame:
    """dnh_findings with `evidence_count`, and person ids left out of `evidence` unless asked."""
    import polars as pl

    if "evidence" not in findings.columns:
        return findings
    count = pl.col("evidence").list.len().fill_null(0).cast(pl.Int64)
    out = findings.with_columns(evidence_count=count)
    if include_person_ids:
        return out
    person = pl.col("evidence_table").is_in(list(PERSON_TABLES)).fill_null(False)
    return out.with_columns(evidence=pl.when(~person).then(pl.col("evidence")))


def record_person_ids(con: duckdb.DuckDBPyConnection, run_id: str) -> None:
    """Record on the run that person-level ids left the warehouse with its results."""
    con.execute("UPDATE runs SET include_person_ids = true WHERE run_id = ?", [run_id])


def person_ids_included(con: duckdb.DuckDBPyConnection, run_id: str) -> bool:
    """Whether the run was made (or exported) with --include-person-ids."""
    row = con.execute("SELECT include_person_ids FROM runs WHERE run_id = ?", [run_id]).fetchall()
    return bool(row and row[0][0])


def complementary(
    results: pl.LazyFrame | pl.DataFrame,
    threshold: int,
    *,
    size: pl.Expr,
    keys: list[str],
    new: pl.Expr | None = None,
) -> pl.LazyFrame:
    """Results with `secondary` (true where a cell is suppressed only to protect another) and
    `suppressed` widened to it (see the module's promise).

    A table is the total row (dimension null) and the cells of one dimension, for one
    indicator, program and period (`keys`). `size` is each cell's person count; a cell
    already suppressed whose count is no longer known counts as 0 (more complements, never
    fewer). `new` marks the suppressed cells that still need protecting (default: every
    suppressed cell); the reports pass the cells their stricter threshold adds, as the engine
    already protected its own.
    """
    import polars as pl

    lf = results.lazy().with_row_index("_order")
    cell = pl.col("dimension").is_not_null()
    table = [*keys, "dimension"]
    primary = pl.col("suppressed").fill_null(False) & cell
    lf = lf.with_columns(
        _size=size.cast(pl.Float64).fill_null(0.0),
        _primary=primary,
        _key=pl.col("dimension_value").cast(pl.String),
    )
    need = (new if new is not None else pl.col("suppressed").fill_null(False)) & cell
    lf = lf.with_columns(_needs=need.fill_null(False))
    # Only the blocks (keys) holding a cell to protect are worked on; the others keep their
    # cells as they are. Windows over every small table of a run cost more than the rest of
    # a report's loading: 4.0 s at 1e7 participants, 250 s at ten times the programs.
    blocks = lf.filter(pl.col("_needs")).select(keys).unique()
    rest = lf.join(blocks, on=keys, how="anti", nulls_equal=True)
    lf = lf.join(blocks, on=keys, how="semi", nulls_equal=True)
    lf = lf.with_columns(
        _need=pl.col("_needs").any().over(table),
        _k=pl.col("_primary").sum().over(table),
        _s=pl.when(pl.col("_primary")).then(pl.col("_size")).otherwise(0.0).sum().over(table),
    )
    # Candidates (shown cells of a table with a primary), smallest first: a candidate is taken
    # while the cells taken before it leave the table short of two cells or of `threshold`.
    lf = lf.sort([*table, "_primary", "_size", "_key"], nulls_last=False)
    candidate = cell & ~pl.col("_primary") & pl.col("_need")
    before_n = pl.col("_one").cum_sum().over(table) - pl.col("_one")
    before_s = pl.col("_cand_size").cum_sum().over(table) - pl.col("_cand_size")
    lf = lf.with_columns(
        _one=candidate.cast(pl.Int64),
        _cand_size=pl.when(candidate).then(pl.col("_size")).otherwise(0.0),
    ).with_columns(
        secondary=candidate
        & (((pl.col("_k") + before_n) < 2) | ((pl.col("_s") + before_s) < threshold)),
    )
    # Tables still short after every candidate: suppress the block (total and every cell of
    # every dimension of that indicator, program and period).
    taken_n = pl.col("_k") + pl.col("secondary").cast(pl.Int64).sum().over(table)
    taken_s = pl.col("_s") + pl.when(pl.col("secondary")).then(pl.col("_size")).otherwise(
        0.0
    ).sum().over(table)
    short = cell & pl.col("_need") & ((taken_n < 2) | (taken_s < threshold))
    lf = lf.with_columns(_short=short.any().over(keys))
    lf = lf.with_columns(
        secondary=(
            pl.col("secondary") | (pl.col("_short") & ~pl.col("suppressed").fill_null(False))
        ),
    ).with_columns(suppressed=pl.col("suppressed").fill_null(False) | pl.col("secondary"))
    work = ["_size", "_primary", "_key", "_needs", "_need", "_k", "_s", "_one", "_cand_size"]
    lf = lf.drop(*work, "_short")
    rest = rest.with_columns(
        suppressed=pl.col("suppressed").fill_null(False), secondary=pl.lit(False)
    ).select(lf.collect_schema().names())
    return pl.concat([lf, rest], how="vertical").sort("_order").drop("_order")
