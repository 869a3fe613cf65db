"""Violence against civilians attributed to supported units after support began."""

from __future__ import annotations

import polars as pl

from sceval.dnh.harms import PROTEST_TYPES, unit_violence
from sceval.dnh.inputs import Inputs
from sceval.dnh.spec import CheckSpec


def violence_against_civilians(x: Inputs, spec: CheckSpec) -> pl.LazyFrame:
    """Events of violence against civilians (or targeting civilians) by supported units."""
    protests = spec.threshold("protest_types", PROTEST_TYPES)
    events = x.unit_events.filter(
        (pl.col("event_type") == "violence_against_civilians")
        | (pl.col("civilian_targeting") & ~pl.col("event_type").is_in(protests))
    )
    return unit_violence(
        x,
        spec,
        events=events,
        since="first_support",
        what="violence against civilians",
        pass_message="Event reporting covers every supported unit, and none is named in violence "
        "against civilians after support began.",
    )
