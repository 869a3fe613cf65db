"""A scale-1 seed generated once per session into a temporary folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from sceval.project import read_yaml
from sceval.seed import generate

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def seed_settings() -> dict:
    """seeds/seed.yml."""
    return read_yaml(ROOT / "seeds" / "seed.yml")


@pytest.fixture(scope="session")
def seed_dir(tmp_path_factory, seed_settings) -> Path:
    """The scale-1 seed as CSV, generated with the committed seed number."""
    out = tmp_path_factory.mktemp("seed")
    generate(out, seed=int(seed_settings["seed"]), scale=1, fmt="csv")
    return out
