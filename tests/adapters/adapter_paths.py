"""Where the adapter tests find their files (a module name unique across the test tree)."""

from __future__ import annotations

import os
from pathlib import Path

REAL = Path(__file__).resolve().parents[1] / "fixtures" / "real"
DATA = Path(__file__).resolve().parent / "data"
# ../shared/data/real beside the checkout; SCEVAL_SHARED_REAL points elsewhere (a worktree).
SHARED_REAL = Path(
    os.environ.get("SCEVAL_SHARED_REAL")
    or Path(__file__).resolve().parents[2].parent / "shared" / "data" / "real"
)
