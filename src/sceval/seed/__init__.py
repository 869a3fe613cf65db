"""Deterministic synthetic seed data: the committed portfolio and benchmark-scale versions.

`generate(out_dir, seed=..., scale=..., fmt="csv"|"parquet")` writes one file per input table
(SPEC §3) and returns the rows written per table. See docs/seed-data.md.
"""

from sceval.seed.generate import GENERATED, HAND_WRITTEN, generate, generate_events

__all__ = ["GENERATED", "HAND_WRITTEN", "generate", "generate_events"]
