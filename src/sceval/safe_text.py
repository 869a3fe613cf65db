"""Hostile text made inert on the way out: spreadsheets, terminals.

Text in sceval's inputs comes from partners' files and is not trusted. Two places would run it:
- a spreadsheet opening a CSV runs a cell that starts with `=`, `+`, `-` or `@` (or a tab or
  carriage return before them) as a formula: `neutralise` prefixes such a cell with an
  apostrophe, the OWASP rule, in every CSV the product writes (exports, rejects, side tables);
- a terminal obeys control characters (ESC sequences move the cursor, rewrite earlier lines,
  set the window title; BEL rings; NUL hides text) and shows text reversed after a
  bidirectional override (U+202E): `terminal_safe` writes each as a visible escape (`\\x1b`,
  `\\u202e`) in every line sceval prints from the data.
The contracts refuse such characters in text columns (or store them escaped the same way, per
column); these functions are the second line for what reaches an output by another road.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the CLI imports this module at start-up: Polars only when a CSV is written
    import polars as pl

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

# C0 controls but tab, line feed and carriage return (line ends of multi-line cells), DEL, C1 controls, and the Unicode bidirectional
# embeddings, overrides and isolates (the "Trojan Source" characters) with the marks.
CONTROL_CLASS = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\u061c"
CONTROL = re.compile(f"[{CONTROL_CLASS}]")


def neutralise(value: Any) -> Any:
    """Text a spreadsheet would run as a formula, made inert with a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_safe(df: pl.DataFrame) -> pl.DataFrame:
    """A Polars frame with every text (and list-of-text) cell neutralised, lists joined by `;`."""
    import polars as pl

    lists = [c for c, t in df.schema.items() if isinstance(t, pl.List)]
    df = df.with_columns([pl.col(c).cast(pl.List(pl.String)).list.join(";") for c in lists])
    text = [c for c, t in df.schema.items() if t == pl.String]
    return df.with_columns(
        [
            pl.when(pl.col(c).str.contains(r"^[=+\-@\t\r]"))
            .then(pl.lit("'") + pl.col(c))
            .otherwise(pl.col(c))
            .alias(c)
            for c in text
        ]
    )


def _escape(m: re.Match[str]) -> str:
    code = ord(m.group(0))
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


# Each such character and its visible escape (for Polars' `str.replace_many`).
ESCAPES = {
    chr(i): _escape(CONTROL.match(chr(i)))  # type: ignore[arg-type]
    for i in range(0x2070)
    if CONTROL.match(chr(i))
}


def escape_controls(text: str) -> str:
    """Control and bidirectional-override characters written as visible escapes."""
    return CONTROL.sub(_escape, text)


def terminal_safe(value: Any) -> str:
    """Text for a terminal line: control characters (and carriage return) escaped."""
    text = "" if value is None else str(value)
    return escape_controls(text).replace("\r", "\\r")


def has_controls(text: str) -> bool:
    """Whether the text holds a control or bidirectional-override character."""
    return CONTROL.search(text) is not None
