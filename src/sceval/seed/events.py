"""Conflict events (ACLED/UCDP-like) in admin1 areas with and without trained units.

Monthly counts per area are Poisson with a country-year level, an area base rate and, in
treated areas after the training date, a multiplier: that is what an ex-post
difference-in-differences indicator has to recover. Events naming a partner unit as actor
(violence against civilians, repression of protests) are added explicitly per scenario.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from sceval.seed.build import SNAP, dates

EVENT_TYPES = ("battle", "violence_against_civilians", "explosion", "riot", "protest", "strategic")
# Mean fatalities per event type (gamma-Poisson, so most events have none or few).
FATALITY_MEAN = np.array([4.0, 2.0, 3.0, 0.1, 0.02, 0.0])


@dataclass(frozen=True)
class Area:
    """An admin1 area: events per month at level 1, and the effect after training (treated areas)."""

    admin1: str
    base: float
    treated_from: dt.date | None = None
    effect: float = 1.0


@dataclass(frozen=True)
class ActorEvents:
    """Events attributed to a partner unit (after its training, in its area)."""

    unit_id: str
    admin1: str
    start: dt.date
    end: dt.date
    n: int
    event_type: str
    fatalities: float = 1.0


@dataclass
class Scene:
    """One country's event history."""

    country: str
    areas: list[Area]
    levels: dict[int, float]  # country-year level (missing years: 1.0)
    mix: tuple[float, ...]  # event-type probabilities over EVENT_TYPES
    actors: list[ActorEvents] = field(default_factory=list)
    first_year: int = 2005


def scene_events(
    scene: Scene, rng: np.random.Generator, prefix: str, scale: float = 1.0
) -> pl.DataFrame:
    """The events of one scene, ids `<prefix>-<n>`, ordered by area and date."""
    months = np.arange(
        np.datetime64(f"{scene.first_year}-01", "M"),
        np.datetime64(SNAP, "M") + 1,
        dtype="datetime64[M]",
    )
    years = months.astype("datetime64[Y]").astype(int) + 1970
    level = np.array([scene.levels.get(int(y), 1.0) for y in years])
    base = np.array([a.base for a in scene.areas])
    treated = np.array(
        [
            np.datetime64(a.treated_from, "M") if a.treated_from else np.datetime64("NaT", "M")
            for a in scene.areas
        ]
    )
    effect = np.array([a.effect for a in scene.areas])
    after = months[None, :] >= treated[:, None]  # NaT compares False: comparison areas
    rate = base[:, None] * level[None, :] * np.where(after, effect[:, None], 1.0) * scale
    counts = rng.poisson(rate).ravel()
    area_of = np.repeat(np.repeat(np.arange(len(scene.areas)), len(months)), counts)
    month_of = np.repeat(np.tile(months, len(scene.areas)), counts)
    n = int(counts.sum())
    month_start = month_of.astype("datetime64[D]")
    month_len = ((month_of + 1).astype("datetime64[D]") - month_start).astype(int)
    day_of = month_start + (rng.random(n) * month_len).astype("timedelta64[D]")
    day_of = np.minimum(day_of, SNAP)
    mix = np.array(scene.mix) / sum(scene.mix)
    kind = rng.choice(len(EVENT_TYPES), n, p=mix)
    area_names = pl.Series([a.admin1 for a in scene.areas])
    frame = _events(rng, day_of, scene.country, area_names.gather(area_of), kind, None)
    extra = [_actor_events(a, scene.country, rng, scale) for a in scene.actors]
    out = pl.concat([frame, *extra], how="vertical_relaxed").sort(
        "admin1", "event_date", maintain_order=True
    )
    return out.with_columns(
        event_id=pl.format(
            "{}-{}", pl.lit(prefix), (pl.int_range(pl.len()) + 1).cast(pl.String).str.zfill(6)
        )
    )


def _events(rng, day_of, country, admin1, kind, actor) -> pl.DataFrame:
    n = len(day_of)
    mean = FATALITY_MEAN[kind]
    fatalities = rng.poisson(rng.gamma(0.6, np.maximum(mean, 1e-9) / 0.6))
    vac = kind == 1
    civilian = vac | ((kind == 2) & (rng.random(n) < 0.3)) | ((kind == 3) & (rng.random(n) < 0.1))
    return pl.DataFrame(
        {
            "event_date": dates(day_of),
            "country": pl.Series([country]).gather(np.zeros(n, dtype=np.int64)),
            "admin1": pl.Series(admin1, dtype=pl.String),
            "event_type": pl.Series(EVENT_TYPES).gather(kind),
            "fatalities": fatalities.astype(np.int64),
            "actor_unit_id": pl.Series([actor] * n, dtype=pl.String),
            "civilian_targeting": civilian,
        }
    )


def _actor_events(
    a: ActorEvents, country: str, rng: np.random.Generator, scale: float
) -> pl.DataFrame:
    n = max(1, round(a.n * min(scale, 1.0)))
    span = (a.end - a.start).days
    day_of = np.minimum(
        np.datetime64(a.start, "D") + rng.integers(0, span + 1, n).astype("timedelta64[D]"), SNAP
    )
    kind = np.full(n, EVENT_TYPES.index(a.event_type))
    frame = _events(rng, day_of, country, pl.Series([a.admin1] * n), kind, a.unit_id)
    fatal = rng.poisson(a.fatalities, n)
    # Security forces firing on a protest target civilians, whatever the event type says.
    return frame.with_columns(
        fatalities=pl.Series(fatal, dtype=pl.Int64), civilian_targeting=pl.lit(True)
    )
