"""Reporting periods as the indicator engine sees them: the definitions live in
`sceval.periods` (a run definition, below the engine, parses them); kept here by name."""

from sceval.periods import (  # noqa: F401 - re-exported for `sceval.indicators.periods` users
    CALENDAR,
    CUMULATIVE,
    LABEL_HELP,
    Period,
    PeriodSpec,
    containing,
    month,
    parse_label,
    parse_spec,
    quarter,
    series,
    year,
)
