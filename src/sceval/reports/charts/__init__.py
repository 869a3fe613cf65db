"""The report charts as a Python API: Polars frames in, an Altair chart out.

Each chart has two parts: a `*_frame` function that aggregates in Polars (one row per cell,
bar or point, never a person-level row) and the chart function that draws it. Analysts can
call either in a notebook and restyle the result (`.properties(...)`, `.configure_*`).

Honesty rules drawn into every chart: a missing value is labelled `insufficient data` or
`suppressed` in text, never drawn as zero or left blank; intervals are drawn; status is
carried by text as well as colour (readable in grey and by colour-blind readers).

Numbers are printed in their indicator's unit (`format_value`: 94.4%, EUR 5,520 per
trainee, 1,250, 4 days) and every text reads at WCAG AA contrast on what lies beneath it.

One module per report family — `portfolio`, `scorecard` (and its `trends`), `dnh`, `partnership`, `dialogues` —
over what they share (`common`, and `rows` for charts of one row per indicator, each with an
axis in its unit); this package names every chart and frame function.
"""

from sceval.reports.charts.common import (  # noqa: F401 - `charts.<name>`
    DNH_COLOURS,
    DNH_STATES,
    LEVEL_COLOURS,
    MAX_FRAME_ROWS,
    PROPORTION_UNITS,
    SEVERITY_RANK,
    STATUS_COLOURS,
    STATUS_TEXT,
    STATUS_WORDS_EXPR,
    _cell_state,
    _titled,
    _with_program,
    axis_format,
    format_value,
    inline,
    latest_totals,
    program_labels,
    slug,
    unchecked,
)
from sceval.reports.charts.dialogues import (  # noqa: F401 - `charts.<name>`
    dialogue_counts_frame,
    dialogue_levels,
    dialogue_seniority,
)
from sceval.reports.charts.dnh import (  # noqa: F401 - `charts.<name>`
    dnh_anchor,
    dnh_cells_frame,
    dnh_frames,
    dnh_matrix,
)
from sceval.reports.charts.matrix import (  # noqa: F401 - `charts.<name>`
    program_rows,
    short_names,
)
from sceval.reports.charts.partnership import (  # noqa: F401 - `charts.<name>`
    conclusions_frame,
    dimension_profiles,
    pair_stability_frame,
    partnership_cells_frame,
    partnership_heatmap,
    profiles_frame,
    robustness,
    robustness_frame,
)
from sceval.reports.charts.portfolio import (  # noqa: F401 - `charts.<name>`
    indicator_columns,
    portfolio_frames,
    status_matrix,
    status_matrix_chart,
    status_matrix_frame,
)
from sceval.reports.charts.scorecard import (  # noqa: F401 - `charts.<name>`
    band_labels_frame,
    bullets_frame,
    disaggregations,
    disaggregations_frame,
    indicator_bullets,
    threshold_bands_frame,
)
from sceval.reports.charts.trends import (  # noqa: F401 - `charts.<name>`
    indicator_trends,
    lone_measurements,
    period_series,
    period_series_frame,
    trends_frame,
)
