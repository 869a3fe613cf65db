"""Adapters: the files evaluators already hold, read into the contract tables.

`sceval load --from SOURCE PATH...` (or plain `sceval load PATH` when the file says what it
is) maps each file through its adapter, prints a mapping report (rows read, loaded,
rejected by reason, values normalised, codes not recognised) and writes it as JSON with
`--report-json`. Rows the contract refuses block the whole load (exit 1, nothing stored)
unless `--accept-partial` is given; then the valid rows load in one transaction and the
rejected ones go, with their reasons, to the rejects CSV.
"""

from __future__ import annotations

from sceval.adapters.loader import load_from_source
from sceval.adapters.registry import (
    REFERENCE,
    SIGNATURES,
    SOURCES,
    adapter,
    all_source_files,
    detect_source,
)
from sceval.errors import InvalidDataError

__all__ = [
    "REFERENCE",
    "SIGNATURES",
    "SOURCES",
    "InvalidDataError",
    "adapter",
    "all_source_files",
    "detect_source",
    "load_from_source",
]
