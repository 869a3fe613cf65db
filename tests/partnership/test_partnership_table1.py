"""Table 1 of Attinà (2005) round-trips through `sceval load` and `sceval score` exactly."""

from __future__ import annotations

import shutil

import pytest
from partnership_helpers import ratings_warehouse, scores, table1_rows

# Hand-computed under the model's own mapping (indicators/models/attina2005.yml):
# High/Yes 1, Medium 2/3, Medium/low 1/2, Low 1/3, No 0, Uncertain/Unclear/Diversified 1/2,
# Possible 3/4, a qualified rating half its base.
EXPECTED_ITEMS = {
    ("africa", "restrained_violence"): 0.5,
    ("eu_neighbourhood", "restrained_violence"): 1 / 3,
    ("east_asia", "relaxed_power_competition"): 1 / 3,
    ("eu_neighbourhood", "relaxed_power_competition"): 0.5,
    ("eu_neighbourhood", "no_opposite_alliances"): 0.5,
    ("central_asia", "international_conflict_mechanisms"): 0.5,
    ("europe", "defence_denationalization"): 0.5,
    ("europe", "security_community"): 0.75,
    ("east_asia", "operative_agreements_offices"): 0.0,
}
EXPECTED_OVERALL = {
    "europe": (1 + 1 + 1 + 0.75) / 4,
    "central_asia": ((1 + 2 / 3 + 2 / 3) / 3 + 1 + 0.5 + 1 / 3) / 4,
    "east_asia": ((2 + 1 / 3) / 3 + 1 + 0.4 + 1 / 3) / 4,
    "africa": ((1 + 0.5 + 2 / 3) / 3 + (2 / 3 + 2 / 3 + 2) / 4 + 0.4 + 1 / 3) / 4,
    "eu_neighbourhood": ((1 + 1 / 3 + 0.5) / 3 + (0.5 + 0.5 + 1 + 0.5) / 4 + 0.1 + 1 / 3) / 4,
}


def test_every_cell_round_trips_through_the_cli(sceval_cli, db_path, table1_path):
    loaded = sceval_cli("load", str(table1_path), "--db", str(db_path))
    assert loaded.returncode == 0, loaded.stderr
    scored = sceval_cli("score", "--db", str(db_path))
    assert scored.returncode == 0, scored.stderr
    import duckdb

    con = duckdb.connect(str(db_path), read_only=True)
    got = {
        (c, i): t
        for c, i, t in con.execute(
            "SELECT case_id, item_id, rating_text FROM partnership_scores "
            "WHERE level = 'item' AND model_id = 'attina2005'"
        ).fetchall()
    }
    con.close()
    want = {(r["case_id"], r["item_id"]): r["rating_text"] for r in table1_rows(table1_path)}
    assert len(want) == 75
    assert got == want
    for text in ("Medium but absent in the M.E.", "Only among EU and the Med partners"):
        assert text in scored.stdout


def test_qualifiers_are_kept_and_indeterminate_bases_named(attina):
    con, run_id = attina
    rows = {
        (c, i): (base, q)
        for c, i, base, q in con.execute(
            "SELECT case_id, item_id, rating_base, qualifier FROM partnership_scores "
            "WHERE run_id = ? AND level = 'item'",
            [run_id],
        ).fetchall()
    }
    assert rows[("central_asia", "international_conflict_mechanisms")] == ("yes", "On border areas")
    assert rows[("central_asia", "domestic_conflict_mechanisms")] == ("yes", "On terrorism")
    assert rows[("central_asia", "operative_agreements_offices")] == ("yes", "Some")
    assert rows[("eu_neighbourhood", "no_opposite_alliances")] == (
        "yes",
        "at the exception of M.E.",
    )
    assert rows[("eu_neighbourhood", "restrained_violence")] == ("medium", "absent in the M.E.")
    assert rows[("europe", "defence_denationalization")] == ("yes", "Among EU and NATO members")
    assert rows[("africa", "restrained_violence")] == ("medium_low", None)
    assert rows[("eu_neighbourhood", "consensus_domestic_stability")] == ("diversified", None)
    assert rows[("eu_neighbourhood", "relaxed_power_competition")] == ("unclear", None)
    assert rows[("europe", "security_community")] == ("possible", None)


def test_item_and_overall_scores_match_hand_computation(attina):
    con, run_id = attina
    items = scores(con, run_id, "item")
    assert len(items) == 75 and all(v is not None for v in items.values())
    for key, want in EXPECTED_ITEMS.items():
        assert items[key] == pytest.approx(want, abs=1e-6), key
    overall = scores(con, run_id, "overall")
    for case, want in EXPECTED_OVERALL.items():
        assert overall[case] == pytest.approx(want, abs=1e-6), case
    ranks = dict(
        con.execute(
            "SELECT case_id, rank FROM partnership_scores WHERE run_id = ? AND level = 'overall'",
            [run_id],
        ).fetchall()
    )
    assert ranks == {
        "europe": 1,
        "central_asia": 2,
        "east_asia": 3,
        "africa": 4,
        "eu_neighbourhood": 5,
    }


def test_dimension_rows_name_the_ratings_behind_them(attina):
    con, run_id = attina
    dims = scores(con, run_id, "dimension")
    assert dims[("eu_neighbourhood", "structures_and_means")] == pytest.approx(0.1)
    assert dims[("europe", "consequences")] == pytest.approx(0.75)
    # East and Central Asia tie on pre-conditions (7/9 each) and share the rank.
    assert dims[("east_asia", "pre_conditions")] == pytest.approx(7 / 9)
    rank_note = con.execute(
        "SELECT rank, note FROM partnership_scores WHERE run_id = ? AND level = 'dimension' "
        "AND case_id = 'central_asia' AND dimension_id = 'structures_and_means'",
        [run_id],
    ).fetchall()[0]
    assert rank_note[0] == 2
    assert "international_conflict_mechanisms=On border areas" in rank_note[1]
    tie = con.execute(
        "SELECT DISTINCT rank FROM partnership_scores WHERE run_id = ? AND level = 'dimension' "
        "AND dimension_id = 'pre_conditions' AND case_id IN ('east_asia', 'central_asia')",
        [run_id],
    ).fetchall()
    assert tie == [(2,)]


def bad_table(tmp_path, table1_path, text: str):
    """Table 1 with Central Asia's "Medium" (restrained use of violence) replaced by `text`."""
    rows = table1_path.read_text(encoding="utf-8").splitlines()
    rows[8] = rows[8].replace(",Medium,", f",{text},", 1)
    assert "central_asia,restrained_violence" in rows[8]
    bad = tmp_path / "partnership_ratings.csv"
    bad.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return bad


def test_an_unknown_rating_fails_naming_case_and_item(sceval_cli, project, tmp_path, table1_path):
    db = tmp_path / "wh.duckdb"
    ratings_warehouse(project, db, bad_table(tmp_path, table1_path, "Meduim")).close()
    res = sceval_cli("score", "--db", str(db))
    assert res.returncode == 2
    err = res.stderr.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert "case central_asia" in err and "item restrained_violence" in err
    assert "'Meduim'" in err
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT count(*) FROM partnership_scores").fetchall() == [(0,)]
    assert con.execute("SELECT status FROM runs").fetchall() == [("failed",)]
    con.close()


@pytest.mark.parametrize("text", ["Quite high", "Yes and no", "Highish"])
def test_other_unknown_texts_are_refused_never_zero(project, tmp_path, table1_path, text):
    from sceval.errors import InvalidDataError
    from sceval.partnership import score_partnerships

    con = ratings_warehouse(project, tmp_path / "wh.duckdb", bad_table(tmp_path, table1_path, text))
    with pytest.raises(InvalidDataError, match="case central_asia, item restrained_violence"):
        score_partnerships(con, project, run_id="r1")
    assert con.execute("SELECT count(*) FROM partnership_scores").fetchall() == [(0,)]
    con.close()


def test_a_rating_for_an_item_the_model_lacks_is_refused(project, tmp_path, table1_path):
    from sceval.errors import InvalidDataError
    from sceval.partnership import score_partnerships

    bad = tmp_path / "partnership_ratings.csv"
    shutil.copy(table1_path, bad)
    with bad.open("a", encoding="utf-8") as fh:
        fh.write("attina2005,europe,nuclear_umbrella,Yes,,,\n")
    con = ratings_warehouse(project, tmp_path / "wh.duckdb", bad)
    with pytest.raises(InvalidDataError, match="case europe, item nuclear_umbrella"):
        score_partnerships(con, project, run_id="r1")
    con.close()


def test_unknown_model_flag_is_a_usage_error(sceval_cli, project, db_path, table1_path):
    ratings_warehouse(project, db_path, table1_path).close()
    res = sceval_cli("score", "--db", str(db_path), "--model", "nope")
    assert res.returncode == 2
    assert "nope" in res.stderr and "attina2005" in res.stderr


def test_a_bare_connection_scores_nothing_without_crashing(project):
    import duckdb

    from sceval.partnership import score_partnerships

    con = duckdb.connect()
    out = score_partnerships(con, project, run_id="r1")
    assert out.height == 0
    assert con.execute("SELECT count(*) FROM partnership_scores").fetchall() == [(0,)]


def test_rating_text_is_kept_byte_for_byte(project):
    from sceval.partnership.model import load_model

    m = load_model(project.path("indicators", "models", "attina2005.yml"))
    p = m.parse("On  border areas ", case_id="c", item_id="i")
    assert (p.text, p.base, p.qualifier) == ("On  border areas ", "yes", "On border areas")
    q = m.parse("medium/LOW", case_id="c", item_id="i")
    assert (q.text, q.base) == ("medium/LOW", "medium_low")
