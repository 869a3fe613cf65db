"""The six portfolio programs of the committed seed, each modelled on a case in the papers.

All of it is SYNTHETIC: names, units, persons and numbers are invented; only the scale and
the patterns follow the sources (GMF 2017 = papers/002, Borsari = papers/001, Weyland =
papers/000). See docs/seed-data.md. One file per program in `sceval.seed.programs`;
the order here is the order of the random draws, so it stays as it is.
"""

from __future__ import annotations

from sceval.seed.programs.ici import ici
from sceval.seed.programs.iraq import iraq
from sceval.seed.programs.libya import libya
from sceval.seed.programs.mediterranean_dialogue import mediterranean_dialogue
from sceval.seed.programs.sahel import sahel
from sceval.seed.programs.tunisia import tunisia

PORTFOLIO = (iraq, libya, ici, tunisia, sahel, mediterranean_dialogue)
