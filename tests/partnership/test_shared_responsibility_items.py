"""Issue 16: the shared-responsibility model against Weyland's paper, item by item."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from sceval.partnership.model import load_model

ROOT = Path(__file__).resolve().parents[2]
PAPER = (
    Path(os.environ.get("SCEVAL_SHARED") or ROOT.parent / "shared")
    / "papers"
    / "000_eb6b65f1419c6580.txt"
)
pytestmark = pytest.mark.skipif(
    not PAPER.is_file(), reason=f"Weyland's paper is not at {PAPER} (set SCEVAL_SHARED)"
)

# Each bullet of the paper's three lists (by its opening words) and the model item for it.
BULLETS = {
    "Mutual trust and respect": "mutual_trust_respect",
    "Partnerships need to be based on honesty": "honesty_frankness",
    "All partners need to practice": "practise_what_you_preach",
    "Partnerships need to be horizontal": "horizontal_not_vertical",
    "Partnerships must be based on complementarity": "complementarity",
    "Cultural differences": "cultural_differences",
    "The inclusiveness of security": "inclusiveness",
    "Partners need to accept": "equals",
    "Unfolding the positive power": "responsibility_for_past_mistakes",
    # Two claims in one bullet: acting at all, and where the effort goes (human security).
    "There must be a commitment to action": "commitment_to_action human_security_focus",
    "Alternative voices": "alternative_voices",
    "The priority should be": "win_win_shared_solutions",
    "There is considerable criticism": "democracy_stability_conditionality",
    "It is clear that these principles": "democracy_stability_conditionality",
    "Conflicts of interest": "conflicts_of_interest",
    "A number of questions are crucial": "goals_and_challenges_clear",
    "For MENA and Africa": "goals_and_challenges_clear",
    "What are the security challenges": "goals_and_challenges_clear",
    "Solutions need to be found": "sovereignty_interference",
    "The issue of conditionality": "conditionality_respectful",
}


def norm(text: str) -> str:
    text = text.replace("\u2019", "'").replace("\u201c", '"').replace("\u201d", '"')
    return re.sub(r"\s+", " ", text).strip()


def test_every_bullet_of_the_paper_is_an_item_of_the_model():
    model = load_model(ROOT / "indicators" / "models" / "shared_responsibility.yml")
    items = {it.id: it for d in model.dimensions for it in d.items}
    text = PAPER.read_text(encoding="utf-8")
    bullets = [b for b in re.findall(r"^- (.+)$", text, flags=re.M)]
    assert len(bullets) == 20
    for bullet in bullets:
        (key,) = [k for k in BULLETS if bullet.startswith(k)]
        for item in BULLETS[key].split():
            assert item in items, (bullet, item)
    assert "human_security_focus" in items
    assert items["human_security_focus"].dimension_id == "openness_to_new_solutions"


def test_every_item_quotes_the_paper_word_for_word():
    model = load_model(ROOT / "indicators" / "models" / "shared_responsibility.yml")
    paper = norm(PAPER.read_text(encoding="utf-8"))
    for d in model.dimensions:
        for item in d.items:
            assert norm(item.wording) in paper, item.id
