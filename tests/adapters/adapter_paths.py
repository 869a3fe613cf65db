"""Where the adapter tests find their files (a module name unique across the test tree)."""

from __future__ import annotations

from pathlib import Path

REAL = Path(__file__).resolve().parents[1] / "fixtures" / "real"
DATA = Path(__file__).resolve().parent / "data"
SHARED_REAL = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "real"
