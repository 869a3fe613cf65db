"""`sceval score` output: ratings as printed, scores, ranks, what separates cases, robustness."""

from __future__ import annotations

from sceval.partnership import frames as fr


def _fmt(x) -> str:
    return "-" if x is None else f"{x:.2f}"


def print_scores(con, run_id: str, console) -> None:
    """Print every model scored in the run, one section per model."""
    models = [
        r[0]
        for r in con.execute(
            "SELECT DISTINCT model_id FROM partnership_scores WHERE run_id = ? ORDER BY 1",
            [run_id],
        ).fetchall()
    ]
    if not models:
        console.print(f"run {run_id}: no partnership ratings to score (load partnership_ratings)")
        return
    for model_id in models:
        _print_model(con, run_id, model_id, console)


def _print_model(con, run_id: str, model_id: str, console) -> None:
    from rich.table import Table

    model = fr.run_model(con, run_id, model_id)
    line = lambda text="": console.print(text, soft_wrap=True, markup=False, highlight=False)  # noqa: E731
    console.rule(f"{model.title} [{model_id}]")
    items = fr.item_scores(con, run_id, model_id)
    if items.height:
        line("Ratings as printed (score under the model's mapping; [qualifier]):")
        for (dim_label,), part in items.group_by("dimension_label", maintain_order=True):
            line(f"  {dim_label}")
            for (label,), cells in part.group_by("item_label", maintain_order=True):
                texts = [
                    f"{r['case_id']}={r['rating_text']} ({_fmt(r['score'])})"
                    + (f" [{r['qualifier']}]" if r["qualifier"] else "")
                    for r in cells.iter_rows(named=True)
                ]
                line(f"    {label}: " + " | ".join(texts))
        prof = fr.dimension_profiles(con, run_id, model_id)
        table = Table(title="Dimension and overall scores (rank)", title_justify="left")
        table.add_column("case", no_wrap=True)
        dims = prof["dimension_label"].unique(maintain_order=True).to_list()
        for d in dims:
            table.add_column(d, justify="right", overflow="fold")
        for (case_id,), part in prof.group_by("case_id", maintain_order=True):
            cells = {r["dimension_label"]: r for r in part.iter_rows(named=True)}
            table.add_row(
                case_id,
                *[
                    f"{_fmt(cells[d]['score'])} ({cells[d]['rank'] or '-'})" if d in cells else "-"
                    for d in dims
                ],
            )
        console.print(table)
        _print_separates(con, run_id, model_id, prof, line)
        _print_robustness(con, run_id, model_id, line)
    ev = fr.evidence_frame(con, run_id, model_id)
    if ev.height:
        line("Program data beside expert ratings:")
        for r in ev.iter_rows(named=True):
            flag = "DISAGREE " if r["disagree"] else ""
            line(
                f"  {flag}{r['case_id']}/{r['item_id']}: data {r['data_rating'] or 'insufficient_data'}"
                f" vs expert {r['expert_rating'] or '-'} ({r['note']})"
            )
    line()


def _print_separates(con, run_id, model_id, prof, line) -> None:
    overall = prof.filter((prof["dimension_id"] == "overall") & prof["score"].is_not_null()).sort(
        "rank", "case_order"
    )
    ranked = overall["case_id"].to_list()
    if len(ranked) < 2:
        return
    line("What separates neighbours in the ranking (items by contribution to the overall gap):")
    for a, b in zip(ranked, ranked[1:], strict=False):
        sep = fr.separates(con, a, b, run_id=run_id, model_id=model_id, top=3)
        parts = [
            f"{r['item_id']} {r['rating_a']} vs {r['rating_b']} ({r['contribution']:+.3f})"
            for r in sep.iter_rows(named=True)
        ]
        line(f"  {a} vs {b}: " + ("; ".join(parts) or "no item differs"))


def _print_robustness(con, run_id, model_id, line) -> None:
    pairs = fr.pair_stability(con, run_id, model_id)
    if pairs.height:
        line("Pair stability (share of alternative mappings ranking A above B overall):")
        for r in pairs.filter(pairs["share_above"] >= 0.5).iter_rows(named=True):
            line(f"  {r['case_a']} > {r['case_b']}: {r['share_above']:.0%} ({r['verdict']})")
    concl = fr.conclusions_frame(con, run_id, model_id)
    if concl.height:
        line("Conclusions in the model file (verdict under the model's mapping; stability):")
        for r in concl.iter_rows(named=True):
            stab = "-" if r["stability"] is None else f"{r['stability']:.0%}"
            line(f"  {r['verdict']:<13} {stab:>5}  {r['conclusion_id']}")
