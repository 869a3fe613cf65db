"""Indicators that need real logic: named Polars functions, Hamilton style.

Each function is named after what it computes; its parameters name what it needs: enriched
source tables (`participants`, `followups`, ...; see `sources.enriched`), `as_of` and the
indicator's `params`. It returns a lazy frame of result rows: `program_id`, `dimension`,
`dimension_value` and any of numerator, denominator, value, n, persons, sd, stat, ci_low,
ci_high, note, usable (False forces insufficient_data), ref_baseline, ref_target (defaults
used when the catalogue and overrides give none). The engine adds statuses, intervals for
proportions and means, targets, suppression and provenance.

Every function applies the as-of date itself: nothing dated after it is used.

The functions live by family — `cohorts` (participants and cohorts), `areas` (events and
comparison areas), `dialogues`, `resources` — and register themselves in `registry` on
import; this module imports them all and names them as before.
"""

from sceval.indicators import areas, cohorts, dialogues, resources  # noqa: F401 - registers them
from sceval.indicators.areas import (  # noqa: F401 - `functions.<name>` as before
    DID_COLUMNS,
    DID_KINDS,
    HR_KINDS,
    _did_row,
    area_did,
    area_start_years,
    context_change,
    did_estimate,
    did_panel,
    hr_incidents,
    protester_violence,
)
from sceval.indicators.cohorts import (  # noqa: F401 - `functions.<name>` as before
    completions,
    cost_per_retained,
    defection,
    followup_outcomes,
    personnel_trained,
    retention,
    trained_units,
)
from sceval.indicators.dialogues import (  # noqa: F401 - `functions.<name>` as before
    dialogue_frequency,
)
from sceval.indicators.registry import (  # noqa: F401 - `functions.<name>` as before
    DIMS,
    PARAMS,
    PERSON_DIMS,
    PROGRAM_DIMS,
    REGISTRY,
    SERVING,
    TERMINAL,
    _coverage_note,
    _days,
    _garwood,
    _months_after,
    _poisson_bounds,
    call,
    indicator_function,
    rollup,
)
from sceval.indicators.resources import (  # noqa: F401 - `functions.<name>` as before
    budget_execution,
    end_use_coverage,
    lethal_diversion,
    partner_cost_share_trend,
    reported_targets,
    schedule_slippage,
)
