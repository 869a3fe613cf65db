"""Violence against protesters by units the program trained."""

from __future__ import annotations

import polars as pl

from sceval.dnh.harms import PROTEST_TYPES, unit_violence
from sceval.dnh.inputs import Inputs
from sceval.dnh.spec import CheckSpec


def violence_against_protesters(x: Inputs, spec: CheckSpec) -> pl.LazyFrame:
    """Protest or riot events with deaths or civilian targeting by a trained unit after training."""
    events = x.unit_events.filter(
        pl.col("event_type").is_in(spec.threshold("protest_types", PROTEST_TYPES))
        & ((pl.col("fatalities") > 0) | pl.col("civilian_targeting"))
    )
    return unit_violence(
        x,
        spec,
        events=events,
        since="first_training",
        what="violence against protesters",
        pass_message="Event reporting covers every trained unit, and none is named in violence "
        "against protesters after its training.",
    )
