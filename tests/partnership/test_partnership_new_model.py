"""A model and a case are added with files only: no Python, no engine change."""

from __future__ import annotations

import shutil
import textwrap

import duckdb
import pytest
from partnership_helpers import ratings_warehouse, score_run

from sceval.errors import ProjectError
from sceval.project import Project

TOY = textwrap.dedent(
    """\
    id: toy_dialogue
    title: Toy dialogue quality model
    citation: Written for this test.
    scale:
      parameters:
        partial: {value: 1/2, alternatives: [1/4, 3/4]}
        fair: {value: 0.6, alternatives: [0.5, 0.7]}
      order:
        - [0, fair, 1]
      levels:
        good: {score: 1}
        fair: {score: fair}
        poor: {score: 0}
      qualifiers:
        partly: {factor: partial}
      ratings:
        Good: {base: good}
        Fair: {base: fair}
        Poor: {base: poor}
      patterns:
        - regex: '^(?P<base>Good|Fair)\\s+except\\s+(?P<qualifier>.+)$'
          qualifier: partly
    dimensions:
      - id: access
        weight: 2
        items:
          - {id: open_agenda, label: Open agenda, wording: Anyone may table an item.}
          - {id: minutes_public, label: Public minutes, wording: Minutes are published., weight: 3}
      - id: follow_up
        weight: 1
        items:
          - {id: decisions_tracked, label: Decisions tracked, wording: Decisions are followed up.}
    conclusions:
      - id: alpha_first
        quote: Alpha leads.
        claims:
          - left: {case: alpha}
            op: ">"
            right: {case: beta}
    """
)
RATINGS = textwrap.dedent(
    """\
    model_id,case_id,item_id,rating_text,evidence,rated_by,rated_on
    toy_dialogue,alpha,open_agenda,Good,,,
    toy_dialogue,alpha,minutes_public,Good except annexes,,,
    toy_dialogue,alpha,decisions_tracked,Fair,,,
    toy_dialogue,beta,open_agenda,Poor,,,
    toy_dialogue,beta,minutes_public,Fair,,,
    toy_dialogue,beta,decisions_tracked,Good,,,
    attina2005,north_east_asia,awareness_interdependence,High,Six-party talks (Attina 2005),,
    attina2005,north_east_asia,relaxed_power_competition,Low,,,
    attina2005,north_east_asia,fundamental_agreement,No,,,
    attina2005,north_east_asia,operative_agreements_offices,"Yes, among the six parties",,,
    """
)


@pytest.fixture
def team_project(tmp_path):
    root = tmp_path / "team"
    shutil.copytree(Project.find().root / "indicators" / "models", root / "indicators" / "models")
    for name in ("schemas", "pipelines"):
        shutil.copytree(Project.find().root / name, root / name)
    (root / "sceval_project.yml").write_text("name: team\n", encoding="utf-8")
    (root / "indicators" / "models" / "toy_dialogue.yml").write_text(TOY, encoding="utf-8")
    ratings = tmp_path / "partnership_ratings.csv"
    ratings.write_text(RATINGS, encoding="utf-8")
    return root, ratings


def test_new_model_file_and_new_case_are_scored(sceval_cli, tmp_path, team_project):
    root, ratings = team_project
    db = tmp_path / "wh.duckdb"
    ratings_warehouse(Project(root), db, ratings).close()
    res = sceval_cli("score", "--db", str(db), "--project", str(root))
    assert res.returncode == 0, res.stderr
    assert "Toy dialogue quality model" in res.stdout
    con = duckdb.connect(str(db), read_only=True)
    got = {
        (m, c, lvl, d, i): (s, q)
        for m, c, lvl, d, i, s, q in con.execute(
            "SELECT model_id, case_id, level, dimension_id, item_id, score, qualifier "
            "FROM partnership_scores WHERE level IN ('item', 'dimension', 'overall', 'conclusion')"
        ).fetchall()
    }
    con.close()
    # alpha: access = (1*1 + 3*0.5)/4 = 0.625, follow-up 0.6; overall (2*0.625 + 0.6)/3
    assert got[("toy_dialogue", "alpha", "item", "access", "minutes_public")] == (0.5, "annexes")
    assert got[("toy_dialogue", "alpha", "dimension", "access", None)][0] == pytest.approx(0.625)
    assert got[("toy_dialogue", "alpha", "overall", None, None)][0] == pytest.approx(1.85 / 3)
    # beta: access = (0 + 3*0.6)/4 = 0.45, follow-up 1; overall (0.9 + 1)/3
    assert got[("toy_dialogue", "beta", "overall", None, None)][0] == pytest.approx(1.9 / 3)
    assert ("toy_dialogue", "*", "conclusion", None, "alpha_first") in got
    # the new Attinà case: 4 of 15 items rated, so only pre-conditions (2 of 3) is scored
    nea = {k[3]: v[0] for k, v in got.items() if k[1] == "north_east_asia" and k[2] == "dimension"}
    assert nea["pre_conditions"] == pytest.approx((1 + 1 / 3) / 2)
    assert nea["structures_and_means"] is None  # 2 of 5 items: below min_coverage 0.5
    nea_item = got[
        (
            "attina2005",
            "north_east_asia",
            "item",
            "structures_and_means",
            "operative_agreements_offices",
        )
    ]
    assert nea_item == (0.5, "among the six parties")
    assert got[("attina2005", "north_east_asia", "overall", None, None)][0] is None


def test_a_toy_conclusion_is_checked_under_its_alternatives(tmp_path, team_project):
    root, ratings = team_project
    project = Project(root)
    con = ratings_warehouse(project, tmp_path / "wh.duckdb", ratings)
    run_id = score_run(con, project, "toy_dialogue")
    verdict, stability = con.execute(
        "SELECT rating_text, score FROM partnership_scores WHERE run_id = ? AND level = 'conclusion'",
        [run_id],
    ).fetchall()[0]
    # alpha - beta overall = (2*(1 + 3p - 3f)/4 + (f - 1))/3 under the model's weights (negative
    # under its own mapping p=1/2, f=0.6), and ((1 + p + f) - (0 + f + 1))/3 = p/3 with equal
    # item weights.
    assert verdict == "fails"
    held = 0
    for p in (0.5, 0.25, 0.75):
        for f in (0.6, 0.5, 0.7):
            held += (2 * (1 + 3 * p - 3 * f) / 4 + (f - 1)) / 3 > 1e-9  # model weights
            held += ((1 + p + f) - (0 + f + 1)) / 3 > 1e-9  # equal item weights
    assert held == 12
    assert stability == pytest.approx(held / 18)
    con.close()


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (("{score: fair}", "{score: unknown_param}"), "unknown_param"),
        (("base: good}", "base: excellent}"), "unknown base 'excellent'"),
        (('op: ">"', 'op: "~"'), "op '~'"),
        (("id: toy_dialogue", "id: other"), "must match the file name"),
    ],
)
def test_a_malformed_model_file_is_one_clear_error(tmp_path, edit, message):
    from sceval.partnership.model import load_model

    path = tmp_path / "toy_dialogue.yml"
    path.write_text(TOY.replace(*edit, 1), encoding="utf-8")
    with pytest.raises(ProjectError, match="toy_dialogue.yml") as exc:
        load_model(path)
    assert message in str(exc.value) and "\n" not in str(exc.value)
