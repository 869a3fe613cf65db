"""What the portfolio and do-no-harm matrices share: short row labels, the attention order,
and the reader's controls (sort, search, show), all drawn by Vega-Lite in the page.

A matrix has one row per program and one narrow column per indicator or check, so that it
fits the page width at any number of programs; it grows downwards only. Cells carry a short
code (the legend gives its words) and the tooltip the full program name, column title,
status and value. Cells hold only small integer keys: the program's and the column's texts
are looked up from two small tables, so a thousand-program page stays a few megabytes.
"""

from __future__ import annotations

import re
from collections import Counter

import altair as alt
import polars as pl

from sceval.reports.charts.common import program_labels

ROW_STEP = 16  # px per program row: 10 px text with air, a thousand rows in one scroll
LABEL_LIMIT = 260  # px for the row labels: longer labels are cut to the short name
SHORT_NAME = 26  # characters of a program's short name
_WORD = re.compile(r"[\w'-]+", re.U)


def _words(name: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(name)]


def _cut(text: str) -> str:
    """`text` in SHORT_NAME characters: cut at a word, keeping a last word with a digit in
    it ("... cohort 12"), which is often what tells two names apart."""
    if len(text) <= SHORT_NAME:
        return text
    last = text.rsplit(" ", 1)[-1]
    tail = f" {last}" if any(ch.isdigit() for ch in last) and len(last) <= 8 else ""
    room = SHORT_NAME - 1 - len(tail)
    cut = text[:room]
    if text[room] != " " and len(cut.rsplit(" ", 1)[0]) >= room // 2:
        cut = cut.rsplit(" ", 1)[0]  # at a word, unless that leaves too little
    return cut.rstrip(",;: ") + "…" + tail


def short_names(names: list[str]) -> list[str]:
    """Each name without the words most names share ("Foreign Military Training ...",
    "Generic program 12 (SYNTHETIC)" -> "12"), cut at a word to SHORT_NAME characters: many
    program names start alike, and what tells rows apart is what is left."""
    common: set[str] = set()
    if len(names) >= 4:
        counts = Counter(w for n in names for w in set(_words(n)))
        common = {w for w, k in counts.items() if k >= 0.5 * len(names)}
    out = []
    for name in names:
        kept = [w for w in str(name).split() if not (set(_words(w)) and set(_words(w)) <= common)]
        text = " ".join(kept) or str(name)
        out.append(_cut(text))
    return out


def short_provider(provider: str | None) -> str:
    """The first provider named, as its initials when long ("United States" -> "US")."""
    first = (provider or "").split(",")[0].strip()
    words = first.split()
    if len(first) <= 10:
        return first
    if len(words) > 1:
        return "".join(w[0].upper() for w in words if w[0].isalnum())
    return first[:9] + "…"


def program_rows(program_ids: list[str], programs: pl.DataFrame | None) -> pl.DataFrame:
    """One row per program of the matrix: `p` (its key in the cells), `row` (country,
    provider and short name: unique), `program` (the full name), `country`, `provider`."""
    ids = pl.DataFrame({"program_id": program_ids}, schema={"program_id": pl.String})
    if programs is not None and not programs.is_empty():
        extra = [c for c in ("partner_country", "country_name", "provider") if c in programs]
        info = program_labels(programs).join(
            programs.select("program_id", *extra), on="program_id", how="left"
        )
        ids = ids.join(info, on="program_id", how="left")
    for c in ("program", "partner_country", "country_name", "provider"):
        if c not in ids.columns:
            ids = ids.with_columns(pl.lit(None, pl.String).alias(c))
    ids = ids.with_columns(program=pl.coalesce("program", "program_id", pl.lit("(no program)")))
    ids = ids.with_columns(
        short=pl.Series(short_names(ids["program"].to_list()), dtype=pl.String),
        provider_short=pl.Series(
            [short_provider(p) for p in ids["provider"].to_list()], dtype=pl.String
        ),
    )
    parts = [pl.col("partner_country"), pl.col("provider_short"), pl.col("short")]
    row = pl.concat_str(
        [pl.when(p.fill_null("") != "").then(p) for p in parts], separator=" · ", ignore_nulls=True
    )
    ids = ids.with_columns(row=row)
    # Two programs with the same label: the program id tells them apart.
    ids = ids.with_columns(
        row=pl.when(pl.len().over("row") > 1)
        .then(pl.col("row") + " [" + pl.col("program_id").fill_null("-") + "]")
        .otherwise(pl.col("row"))
    )
    return ids.with_columns(
        country=pl.coalesce("country_name", "partner_country", pl.lit("")),
        provider=pl.col("provider").fill_null(""),
    ).select("program_id", "row", "program", "country", "provider")


def ranked(rows: pl.DataFrame, attention: list[pl.Expr]) -> pl.DataFrame:
    """`p`: the program's key, and its rank in each order the reader can choose: attention
    (`attention`: descending counts, the worst first), name, country."""
    order = rows.sort([*attention, pl.col("row")], descending=[True] * len(attention) + [False])
    order = order.with_row_index("r_attention")
    return (
        order.with_columns(
            r_name=pl.col("row").rank("ordinal").cast(pl.Int32) - 1,
            r_country=pl.struct("country", "row").rank("ordinal").cast(pl.Int32) - 1,
            r_attention=pl.col("r_attention").cast(pl.Int32),
        )
        .with_row_index("p")
        .with_columns(pl.col("p").cast(pl.Int32))
    )


SORTS = ("needs attention first", "name", "country")


def controls(show: tuple[str, ...]) -> tuple[alt.Parameter, alt.Parameter, alt.Parameter]:
    """The reader's sort order, search text and which programs to show (offline: Vega-Lite
    parameters bound to form inputs above the chart)."""
    sort = alt.param(
        name="sort_by", value=SORTS[0], bind=alt.binding_select(options=list(SORTS), name="Sort ")
    )
    find = alt.param(
        name="find",
        value="",
        bind=alt.binding(input="search", name="Find (name, country, provider) "),
    )
    which = alt.param(
        name="show", value=show[0], bind=alt.binding_select(options=list(show), name="Show ")
    )
    return sort, find, which


SORT_KEY = (
    "sort_by === 'name' ? datum.r_name : sort_by === 'country' ? datum.r_country "
    ": datum.r_attention"
)
FIND = "!find || indexof(lower(datum.search), lower(find)) >= 0"


def lookup_rows(rows: pl.DataFrame, fields: list[str]) -> alt.LookupData:
    """The per-program texts, looked up by `p` from the cells."""
    return alt.LookupData(
        data=csv_values(rows.select("p", *fields), NUMBERS), key="p", fields=fields
    )


# The per-program fields the matrices compute with (the rest are texts).
NUMBERS = (
    "p",
    "c",
    "r_attention",
    "r_name",
    "r_country",
    "n_red",
    "n_amber",
    "n_inconclusive",
    "n_flags",
    "n_severe",
)


def search_text(rows: pl.DataFrame) -> pl.DataFrame:
    """`search`: what the Find box matches (label, full name, country, provider, id)."""
    return rows.with_columns(
        search=pl.concat_str(
            ["row", "program", "country", "provider", "program_id"],
            separator=" ",
            ignore_nulls=True,
        )
    )


def row_axis() -> alt.Y:
    """Programs down the side, in the chosen order, labels never cut mid-word."""
    return alt.Y(
        "row:N",
        title=None,
        sort=alt.EncodingSortField(field="sort_key", op="min"),
        axis=alt.Axis(labelLimit=LABEL_LIMIT, labelFontSize=10),
    )


def column_axis(field: str) -> alt.X:
    """Columns across the top: short labels written upwards (never cut: they are short)."""
    return alt.X(
        field,
        title=None,
        axis=alt.Axis(orient="top", labelAngle=-90, labelLimit=0, labelFontSize=10, title=None),
        sort=alt.EncodingSortField(field="c", op="min"),
        scale=alt.Scale(paddingInner=0.06),
    )


def legend_expr(words: dict[str, str], codes: dict[str, str] | None = None) -> str:
    """A legend label expression: each label with its code and words ("R red"); `codes`
    maps a label to its code where the legend is keyed by the words."""
    expr = "datum.label"
    for label, word in reversed(list(words.items())):
        code = (codes or {}).get(label, label)
        expr = f"datum.label === {label!r} ? {f'{code} {word}'!r} : ({expr})"
    return expr


def csv_values(frame: pl.DataFrame, numbers: tuple[str, ...] = ()) -> alt.InlineData:
    """A frame as inline CSV text: one string, which Altair copies as it is, where a list of
    tens of thousands of records costs it seconds to walk; the page parses it once. Only
    `numbers` are parsed as numbers (a value such as "95%" or "0.5" stays the text shown)."""
    text = frame.write_csv(null_value="")
    parse = {c: "number" for c in numbers}
    return alt.InlineData(values=text, format=alt.CsvDataFormat(type="csv", parse=parse or None))
