"""Country-year context: arms embargoes, WGI rule of law and control of corruption.

WGI values are anchored on the published estimates (WGI replication file, years 2004, 2008,
2012, 2016 and 2021; read once from ../shared/data/real/governance/wgi_1996_2021.csv),
interpolated between anchors and carried forward to the snapshot year with the last trend
damped. Between anchors and after 2021 the values are therefore synthetic.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from sceval.seed.spec import SNAPSHOT

ANCHOR_YEARS = (2004, 2008, 2012, 2016, 2021)
# (rule of law, control of corruption) at the anchor years.
WGI = {
    "IRQ": [(-1.82, -1.49), (-1.77, -1.46), (-1.57, -1.25), (-1.76, -1.45), (-1.73, -1.25)],
    "LBY": [(-0.91, -0.92), (-0.82, -0.98), (-0.98, -1.32), (-1.69, -1.56), (-1.78, -1.57)],
    "KWT": [(0.51, 0.77), (0.58, 0.41), (0.36, -0.2), (0.02, -0.27), (0.26, -0.03)],
    "TUN": [(0.05, 0.07), (0.08, -0.17), (-0.16, -0.03), (0.04, -0.14), (0.1, -0.23)],
    "NER": [(-0.65, -0.89), (-0.68, -0.73), (-0.66, -0.65), (-0.67, -0.64), (-0.4, -0.55)],
    "MLI": [(-0.19, -0.68), (-0.32, -0.54), (-0.66, -0.83), (-0.78, -0.66), (-0.9, -0.87)],
    "BFA": [(-0.54, -0.15), (-0.34, -0.31), (-0.43, -0.48), (-0.44, -0.15), (-0.44, -0.06)],
    "DZA": [(-0.62, -0.7), (-0.77, -0.63), (-0.81, -0.52), (-0.91, -0.65), (-0.82, -0.61)],
    "EGY": [(0.01, -0.58), (-0.13, -0.77), (-0.54, -0.58), (-0.47, -0.57), (-0.24, -0.68)],
    "ISR": [(0.85, 0.91), (0.84, 0.88), (0.93, 0.9), (1.06, 1.18), (0.94, 0.86)],
    "JOR": [(0.3, 0.29), (0.4, 0.38), (0.35, 0.07), (0.27, 0.28), (0.21, 0.05)],
    "MAR": [(-0.05, -0.24), (-0.39, -0.43), (-0.29, -0.49), (-0.26, -0.17), (-0.25, -0.43)],
    "MRT": [(-0.76, -0.37), (-1.16, -0.79), (-0.94, -0.79), (-0.73, -0.74), (-0.67, -0.82)],
    "ARE": [(0.43, 1.04), (0.42, 1.07), (0.53, 1.16), (0.84, 1.17), (0.83, 1.18)],
    "QAT": [(0.34, 0.5), (0.67, 0.93), (0.95, 1.05), (0.79, 0.9), (0.93, 0.81)],
    "BHR": [(0.7, 0.44), (0.53, 0.18), (0.25, 0.37), (0.45, -0.02), (0.47, 0.17)],
}
# UN arms embargoes in force (country: first year, last year) over the years covered.
EMBARGO = {"LBY": (2011, SNAPSHOT.year)}
# Countries where a human-rights monitoring source reports incidents by partner units: a
# unit there with no incident row has been watched and found clean, not merely unobserved.
INCIDENT_REPORTING = ("IRQ", "LBY", "TUN", "NER", "MLI", "BFA")
FIRST_YEAR = 2004


def context_frame(rng: np.random.Generator) -> pl.DataFrame:
    """arms_embargo, wgi_rule_of_law, wgi_control_of_corruption (and incident_reporting) rows."""
    years = np.arange(FIRST_YEAR, SNAPSHOT.year + 1)
    parts = []
    for country, anchors in WGI.items():
        values = np.array(anchors)
        for j, series in enumerate(("wgi_rule_of_law", "wgi_control_of_corruption")):
            trend = (values[-1, j] - values[-2, j]) / (ANCHOR_YEARS[-1] - ANCHOR_YEARS[-2])
            known = np.interp(years, ANCHOR_YEARS, values[:, j])
            ahead = np.clip(years - ANCHOR_YEARS[-1], 0, None)
            path = (
                known
                + 0.5 * trend * ahead
                + rng.normal(0, 0.04, len(years)) * (~np.isin(years, ANCHOR_YEARS))
            )
            source = np.where(
                years <= ANCHOR_YEARS[-1],
                "WGI (anchored, interpolated)",
                "synthetic extension of WGI",
            )
            parts.append(
                _series(country, years, series, np.round(np.clip(path, -2.5, 2.5), 2), source)
            )
        first, last = EMBARGO.get(country, (0, -1))
        embargo = ((years >= first) & (years <= last)).astype(float)
        parts.append(
            _series(
                country, years, "arms_embargo", embargo, np.full(len(years), "UNSC (synthetic)")
            )
        )
        if country in INCIDENT_REPORTING:
            parts.append(
                _series(
                    country,
                    years,
                    "incident_reporting",
                    np.ones(len(years)),
                    np.full(len(years), "human-rights monitoring coverage (synthetic)"),
                )
            )
    return pl.concat(parts).sort("country", "indicator", "year")


def _series(country, years, indicator, values, source) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "country": [country] * len(years),
            "year": years.astype(np.int64),
            "indicator": [indicator] * len(years),
            "value": np.asarray(values, dtype=float),
            "source": source,
        }
    )
