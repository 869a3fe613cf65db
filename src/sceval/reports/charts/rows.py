"""Charts of one row per indicator (or indicator x dimension), each row with its own axis.

A facet shares one axis format across its rows, but a scorecard's rows are in different
units (shares, money, days, counts): so each row is its own chart, with ticks in the row's
unit, stacked with the rows aligned. Every row's label sits in a column of fixed width on
the left and every value label in a column right of the plot, so no label can fall on a bar,
run into a tick label or into the next row.
"""

from __future__ import annotations

import copy
import math

import altair as alt
import polars as pl

from sceval.reports.charts.common import axis_format, axis_title, inline, unit_kind

LABEL_WIDTH = 340  # the row labels' column (long indicator titles are cut with an ellipsis)
PLOT_WIDTH = 420
VALUE_GAP = 10  # between the plot's right edge and the value labels


def row_label(field: str = "indicator") -> alt.Y:
    """The row's name as the y axis: one label, left, in a column as wide on every row."""
    return alt.Y(
        f"{field}:N",
        title=None,
        axis=alt.Axis(
            labelLimit=LABEL_WIDTH - 8,
            minExtent=LABEL_WIDTH,
            labelFontSize=11,
            labelColor="#000000",
            domain=False,
            ticks=False,
        ),
    )


def value_axis(
    unit: str | None,
    currency: str | None,
    *,
    orient: str = "bottom",
    extent: tuple[float, float] | None = None,
) -> alt.Axis:
    """Ticks in the unit's format; few of them, kept inside the plot, none overprinted.

    Whole units over a short range get a tick at each whole number only (Vega would put
    one at 0.5 and print it as "1" a second time)."""
    whole = unit_kind(unit) in ("count", "days", "money")
    values = alt.Undefined
    if whole and extent is not None and extent[1] - extent[0] <= 5:
        values = list(range(math.floor(extent[0]), math.ceil(extent[1]) + 1))
    return alt.Axis(
        values=values,
        format=axis_format(unit),
        title=axis_title(unit, currency),
        tickCount=5,
        # Whole units never get a tick between two whole numbers ("1, 1, 2").
        tickMinStep=1 if whole else alt.Undefined,
        labelFlush=True,
        labelOverlap="greedy",
        labelBound=True,
        labelColor="#000000",
        titleColor="#000000",
        titleFontWeight="normal",
        orient=orient,
    )


def span(frame: pl.DataFrame, fields: list[str], *, zero: bool = True) -> tuple[float, float]:
    """The range the row's marks need (from 0 where `zero`); (0, 1) when it has no number."""
    present = [f for f in fields if f in frame.columns]
    values = (
        frame.select(pl.concat_list([pl.col(f).cast(pl.Float64) for f in present]).alias("v"))
        .explode("v")
        .drop_nulls()
        .filter(pl.col("v").is_finite())["v"]
        if present
        else pl.Series([], dtype=pl.Float64)
    )
    lo = min([0.0] if zero else []) if values.is_empty() else float(values.min())
    hi = 1.0 if values.is_empty() else float(values.max())
    if zero:
        lo, hi = min(lo, 0.0), max(hi, 0.0)
    if hi <= lo:
        hi = lo + (abs(lo) or 1.0)
    return lo, hi


def x_channel(unit: str | None, currency: str | None, extent: tuple[float, float]):
    """`field -> alt.X` on one shared scale and axis for a row's marks."""
    if unit_kind(unit) in ("count", "days", "money"):
        extent = (math.floor(extent[0]), math.ceil(extent[1]))
    scale = alt.Scale(domain=list(extent), nice=True, zero=False)
    axis = value_axis(unit, currency, extent=extent)
    return lambda field: alt.X(f"{field}:Q", scale=scale, axis=axis)


def row_keys(
    frame: pl.DataFrame, key: str, fields: list[str], *, zero: bool = True
) -> list[tuple[str, str | None, str | None, tuple[float, float]]]:
    """(row name, unit, currency, value range) per row, in the frame's order."""
    out = []
    for name in frame[key].unique(maintain_order=True).drop_nulls().to_list():
        part = frame.filter(pl.col(key) == name)
        unit = _first(part, "unit")
        out.append((name, unit, _first(part, "currency"), span(part, fields, zero=zero)))
    return out


def _first(frame: pl.DataFrame, col: str) -> str | None:
    if col not in frame.columns:
        return None
    found = frame[col].drop_nulls()
    return str(found[0]) if len(found) else None


def value_column(base: alt.Chart, field: str = "label", size: int = 11) -> alt.Chart:
    """Each row's value (and status) in words, right of the plot, on the page's white."""
    return base.mark_text(
        align="left", baseline="middle", dx=VALUE_GAP, fontSize=size, color="#000000"
    ).encode(x=alt.XValue(PLOT_WIDTH), text=alt.Text(f"{field}:N"))


class Layer:
    """A row's marks drawn over each other, with the row's own properties (title, height).

    Kept apart until `stack` writes the page's spec: Altair's `layer()` deep-copies its
    members twice (for their params), which is wasted on rows that have none.
    """

    def __init__(self, *members: alt.Chart, **properties: object) -> None:
        self.members = members
        self.props = properties

    def to_dict(self, context: dict) -> dict:
        """The row's Vega-Lite spec, its data inherited from the stack's."""
        props = {
            k: v.to_dict(validate=False) if hasattr(v, "to_dict") else v
            for k, v in self.props.items()
        }
        layer = [m.to_dict(validate=False, context=dict(context)) for m in self.members]
        return {"layer": layer, **props}


def layer(*members: alt.Chart, **properties: object) -> Layer:
    """One row: `members` layered, with `properties` such as its title or height."""
    return Layer(*members, **properties)


class Stacked:
    """Rows stacked into one Vega-Lite spec, composed as a dict.

    Altair deep-copies every subchart each time charts are concatenated, and again on every
    `properties()`: for a scorecard's 30 layered rows that was most of the report's time
    (about 1.2 s a chart). Each row is turned into its dict once, and the stack is that
    list under one copy of the data. Quacks like the Altair charts the pages use.
    """

    def __init__(self, spec: dict) -> None:
        self._spec = spec

    def to_dict(self, validate: bool = False, **_: object) -> dict:
        """The spec (a copy the caller may change); `validate` checks it against the schema."""
        spec = copy.deepcopy(self._spec)
        if validate:
            alt.TopLevelVConcatSpec.validate(
                {k: v for k, v in spec.items() if k not in ("$schema", "datasets")}
            )
        return spec

    def properties(self, **kwargs: object) -> Stacked:
        """The same stack with top-level properties (title, description...) set."""
        return Stacked({**self._spec, **kwargs})

    def altair(self) -> alt.VConcatChart:
        """The stack as an Altair chart, for restyling (`.configure_*` and the like)."""
        return alt.VConcatChart.from_dict(self.to_dict(), validate=False)

    def __getattr__(self, name: str) -> object:
        # Anything else an Altair chart offers (configure_axis, save...) works on the
        # Altair chart built from the spec, only when asked for.
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.altair(), name)


def stack(
    charts: list,
    frame: pl.DataFrame,
    *,
    title: str,
    description: str,
    height: int | None = 34,
) -> Stacked:
    """The rows one under the other, over one copy of the data, titled and described
    (`height` None: each row keeps its own)."""
    data = inline(frame)
    size = {"width": PLOT_WIDTH} if height is None else {"width": PLOT_WIDTH, "height": height}
    # A context holding the data: rows then inherit it instead of getting an empty dataset.
    context = {"top_level": False, "data": data}
    rows = [
        {
            **(c.to_dict(context) if isinstance(c, Layer) else c.to_dict(False, context=context)),
            **size,
        }
        for c in charts
    ]
    # The top level ($schema, theme, the data as a named dataset) as Altair writes it.
    top = alt.Chart(data).mark_point().to_dict(validate=False)
    for key in ("mark", "encoding"):
        top.pop(key, None)
    return Stacked(
        {**top, "vconcat": rows, "spacing": 10, "title": title, "description": description}
    )
