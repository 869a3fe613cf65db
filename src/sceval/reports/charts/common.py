"""What every chart shares: status colours and words, the honesty rules' helpers (cell state,
value text, inline data), program labels.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

import altair as alt
import polars as pl
from altair.utils.schemapi import debug_mode

# Okabe-Ito colours: distinguishable by colour-blind readers; text labels carry the meaning too.
STATUS_COLOURS = {
    "green": "#009E73",
    "amber": "#E69F00",
    "red": "#D55E00",
    # The interval straddles the red line: neither red nor cleared (sky blue, not a traffic light).
    "inconclusive": "#56B4E9",
    "insufficient_data": "#E0E0E0",
    "suppressed": "#F4F4F4",
    "not computed": "#FFFFFF",
}
STATUS_TEXT = {
    "green": "green",
    "amber": "amber",
    "red": "red",
    "inconclusive": "inconclusive",
    "insufficient_data": "insufficient data",
    "suppressed": "suppressed",
    "not computed": "not computed",
}
DNH_STATES = ("flag", "insufficient_data", "waived", "pass")
DNH_COLOURS = {
    "flag critical": "#7A0019",
    "flag high": "#D55E00",
    "flag medium": "#E69F00",
    "flag low": "#F0E442",
    "insufficient data": "#E0E0E0",
    "waived": "#56B4E9",
    "pass": "#FFFFFF",
    "not run": "#F4F4F4",
}
SEVERITY_RANK = {"critical": 0, "high": 1, "medium": 2, "low": 3}
# Most senior darkest; the least senior ("working") is still a mid blue, and the bars carry
# a dark outline, so every level stands out from the white page.
LEVEL_COLOURS = ("#08306B", "#08519C", "#2171B5", "#4292C6", "#6BAED6")
PROPORTION_UNITS = ("proportion", "share", "rate", "ratio_0_1")


MAX_FRAME_ROWS = 5000  # Altair's guard against row-level data


@contextmanager
def unchecked() -> Iterator[None]:
    """Build charts without Altair checking every object against the Vega-Lite schema as it
    is made: that check was a third of a report's time. The specs are checked in the tests."""
    with debug_mode(False):
        yield


def inline(frame: pl.DataFrame) -> pl.DataFrame | alt.Data:
    """A chart's (already aggregated) rows, ready to embed: NaN as null, dates as ISO text.

    Altair's 5,000-row guard is meant to stop row-level data; these rows are cells, bars
    and points, and a 200-program portfolio has more than 5,000 cells: those go in as
    inline values (slower for Altair to copy, so only then).
    """
    fixed = frame.with_columns(
        [pl.col(c).fill_nan(None) for c, t in frame.schema.items() if t.is_float()]
        + [pl.col(c).cast(pl.String) for c, t in frame.schema.items() if t.is_temporal()]
    )
    return fixed if fixed.height <= MAX_FRAME_ROWS else alt.Data(values=fixed.to_dicts())


def _tips(*fields: str) -> list[alt.Tooltip]:
    """Tooltip channels for the given `field:type` shorthands."""
    return [alt.Tooltip(f) for f in fields]


def _contrast(condition: str) -> alt.ExprRef:
    """Text colour: white on dark cells (where `condition` holds), black elsewhere."""
    return alt.ExprRef(expr=f"({condition}) ? 'white' : 'black'")


def slug(text: str) -> str:
    """A string safe in a file name or an HTML id."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", str(text)).strip("-") or "x"


def _titled(frame: pl.DataFrame, titles: Mapping[str, str] | None) -> pl.DataFrame:
    """Add `indicator`: the catalogue title where known, else the id."""
    mapping = dict(titles or {})
    return frame.with_columns(
        indicator=pl.col("indicator_id").replace_strict(
            mapping, default=pl.col("indicator_id"), return_dtype=pl.String
        )
    )


# Units as the indicator catalogue writes them (`indicators/*.yml`, field `unit`), by how a
# reader expects to see them: a share as a percentage, money with its currency, a count of
# persons or events as a whole number, days as days. (A change in `levels` is a mean, not a
# count: it keeps its decimals.)
COUNT_UNITS = ("persons", "events")


def unit_kind(unit: str | None) -> str:
    """share, money, count, days or number: how values in `unit` are printed."""
    u = (unit or "").strip().lower()
    if u in PROPORTION_UNITS or u.startswith("share"):
        return "share"
    if u.startswith("currency"):
        return "money"
    if u in COUNT_UNITS:
        return "count"
    if u == "days":
        return "days"
    return "number"


def _unit_rest(unit: str | None, head: str) -> str:
    """What follows the unit's kind word ("per trainee" of "currency per trainee")."""
    rest = (unit or "").strip()[len(head) :].strip()
    return f" {rest}" if rest else ""


def format_value(value: float | None, unit: str | None, currency: str | None = None) -> str | None:
    """A value as a reader reads it: `94.4%`, `USD 5,520 per trainee`, `1,250`, `4 days`;
    other units with three significant figures and thousands separators."""
    if value is None or value != value:
        return None
    kind = unit_kind(unit)
    if kind == "share":
        head = (unit or "").split(" ")[0] if (unit or "").startswith("share") else unit or ""
        return f"{value * 100:,.1f}%{_unit_rest(unit, head)}"
    if kind == "money":
        return f"{currency or 'currency'} {value:,.0f}{_unit_rest(unit, 'currency')}"
    if kind == "count":
        return f"{value:,.0f}"
    if kind == "days":
        return f"{value:,.0f} days" if abs(value) >= 1.5 or value == 0 else f"{value:,.1f} days"
    digits = max(1, 2 - int(f"{abs(value):e}".split("e")[1])) if value else 1
    text = f"{value:,.{min(digits, 4)}f}"
    text = text.rstrip("0")
    return text + "0" if text.endswith(".") else text


def axis_format(unit: str | None) -> str:
    """The d3 format of an axis in `unit`: percentages, whole numbers, or as needed."""
    return {"share": ".1~%", "money": ",.0f", "count": ",.0f", "days": ",.0f"}.get(
        unit_kind(unit), ",.3~r"
    )


def axis_title(unit: str | None, currency: str | None = None) -> str | None:
    """The axis title a unit needs (none for shares, whose ticks say %)."""
    kind = unit_kind(unit)
    if kind == "share" or not unit:
        return None
    if kind == "money":
        return f"{currency or 'currency'}{_unit_rest(unit, 'currency')}"
    return unit


def _value_text(value: pl.Expr, unit: pl.Expr, currency: pl.Expr | None = None) -> pl.Expr:
    """A value as printed (`format_value`), per row."""
    cur = pl.lit(None, pl.String) if currency is None else currency
    return pl.struct(v=value, u=unit, c=cur).map_elements(
        lambda r: format_value(r["v"], r["u"], r["c"]), return_dtype=pl.String
    )


NO_DATA = "no data (n = 0)"


def _cell_state(frame: pl.DataFrame) -> pl.DataFrame:
    """`state`: the status, or `suppressed` when the cell is a small count (1 <= n < the
    threshold); `label`: its text, "no data (n = 0)" where there was nothing to count."""
    state = pl.when(pl.col("suppressed")).then(pl.lit("suppressed")).otherwise(pl.col("status"))
    empty = (
        (pl.col("state") == "insufficient_data") & (pl.col("n") == 0)
        if "n" in frame.columns
        else pl.lit(False)
    )
    return frame.with_columns(state=state).with_columns(
        label=pl.when(empty)
        .then(pl.lit(NO_DATA))
        .otherwise(
            pl.col("state").replace_strict(
                STATUS_TEXT, default=pl.col("state"), return_dtype=pl.String
            )
        ),
        value_text=_value_text(
            pl.col("value"),
            pl.col("unit"),
            pl.col("currency") if "currency" in frame.columns else None,
        ),
    )


def _currency(rows: pl.DataFrame) -> pl.Expr:
    """The rows' currency (null where the results carry none)."""
    if "currency" in rows.columns:
        return pl.col("currency")
    return pl.lit(None, pl.String).alias("currency")


def latest_totals(results: pl.DataFrame) -> pl.DataFrame:
    """One total row (no disaggregation) per program and indicator: the latest period."""
    return (
        results.lazy()
        .filter(pl.col("dimension").is_null())
        .sort("period_end", nulls_last=False)
        .group_by("program_id", "indicator_id", maintain_order=True)
        .last()
        .collect()
    )


def program_labels(programs: pl.DataFrame) -> pl.DataFrame:
    """program_id -> `program` label: the name, with the id added where names repeat."""
    return programs.select("program_id", "program").with_columns(
        program=pl.when(pl.col("program").is_null())
        .then(pl.col("program_id"))
        .when(pl.len().over("program") > 1)
        .then(pl.col("program") + " [" + pl.col("program_id") + "]")
        .otherwise(pl.col("program"))
    )


def _with_program(frame: pl.DataFrame, programs: pl.DataFrame | None) -> pl.DataFrame:
    """Add the `program` label column (program id where the program table has no row)."""
    if programs is None or programs.is_empty():
        return frame.with_columns(program=pl.col("program_id").fill_null("(no program)"))
    labels = program_labels(programs)
    return frame.join(labels, on="program_id", how="left").with_columns(
        program=pl.coalesce("program", "program_id", pl.lit("(no program)"))
    )


def _status_scale() -> alt.Scale:
    """Status colours, in a fixed order so every chart reads the same."""
    return alt.Scale(domain=list(STATUS_COLOURS), range=list(STATUS_COLOURS.values()))


# The status in words for legends and the marks' descriptions ("insufficient data", never
# the code `insufficient_data`): computed in the chart from `state`, coloured like it.
STATUS_WORDS_EXPR = "replace(datum.state, '_', ' ')"


def _status_colour() -> alt.Color:
    """The status colour channel, keyed and labelled by the status in words.

    The mark it is used on needs `.transform_calculate(status_text=STATUS_WORDS_EXPR)`.
    """
    scale = alt.Scale(
        domain=[STATUS_TEXT[k] for k in STATUS_COLOURS], range=list(STATUS_COLOURS.values())
    )
    return alt.Color("status_text:N", scale=scale, title="status")
