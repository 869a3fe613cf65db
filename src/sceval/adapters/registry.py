"""The one registry of source formats: their names, the module that adapts each, and how a
file says which it is (header signatures, XML roots). `sceval load --from` and plain
`sceval load PATH` (folder discovery included) both read it."""

from __future__ import annotations

import importlib
import os
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

from sceval.errors import UsageError
from sceval.project import Project

# Source name -> module implementing `adapt(path, ctx)`.
SOURCES = {
    "iati": "sceval.adapters.iati",
    "ucdp-ged": "sceval.adapters.events",
    "acled": "sceval.adapters.events",
    "wgi": "sceval.adapters.context",
    "vdem": "sceval.adapters.context",
    "sipri-tiv": "sceval.adapters.context",
    "coups": "sceval.adapters.context",
    "ucdp-acd": "sceval.adapters.context",
    "fmtr": "sceval.adapters.fmtr",
    "iati-codelist": "sceval.adapters.reference",
    "gw-states": "sceval.adapters.reference",
}

# Header columns that identify a CSV export (all must be present).
SIGNATURES = [
    ("ucdp-ged", {"type_of_violence", "where_prec", "date_prec", "side_a", "best"}),
    ("acled", {"event_id_cnty", "event_type", "sub_event_type", "fatalities"}),
    ("fmtr", {"course_title", "student_unit", "quantity", "total_cost"}),
    ("sipri-tiv", {"supplier", "recipient", "year", "value"}),
    ("coups", {"gwcode", "year", "pt_attempt"}),
    ("coups", {"ccode", "year", "month", "day", "coup"}),
    ("wgi", {"code", "year", "indicator", "estimate", "stddev"}),
    ("ucdp-acd", {"conflict_id", "year", "gwno_a", "intensity_level"}),
    ("vdem", {"country_text_id", "year"}),
    ("wgi", {"code", "year", "rle"}),
    ("wgi", {"code", "year", "cce"}),
]


# Reference tables the adapters use themselves: recognised, and refused with the reason.
REFERENCE = {
    "iati-codelist": "an IATI codelist (reference table; the iati adapter ships the DAC sector "
    "names it needs), not data to load",
    "gw-states": "the Gleditsch-Ward list of states (reference table; the adapters ship its "
    "mapping to ISO3 in sceval/adapters/data/gw_iso3.csv), not data to load",
}
SIGNATURES += [
    ("iati-codelist", {"code", "name", "description", "category", "status", "withdrawn"}),
    ("gw-states", {"gwcode", "stateabb", "statename", "startdate", "enddate"}),
]


def detect_source(path: str | os.PathLike[str]) -> str | None:
    """The source format a file declares (IATI root element, export header), or None."""
    p = Path(path)
    try:
        with p.open("rb") as fh:
            head = fh.read(8192).decode("utf-8", errors="replace")
    except OSError:
        return None
    if "<iati-activities" in head:
        return "iati"
    if p.suffix.lower() not in {".csv", ".txt", ".tsv"}:
        return None
    import csv

    first = head.lstrip("\ufeff").splitlines()[0] if head.strip() else ""
    sep = "\t" if first.count("\t") > first.count(",") else ","
    header = {c.strip().lower() for c in next(csv.reader([first], delimiter=sep), [])}
    for source, needed in SIGNATURES:
        if needed <= header:
            return source
    if "vdem" not in header and any(c.startswith("v2x") for c in header) and "year" in header:
        return "vdem"
    return None


def _files(paths: Sequence[str | os.PathLike[str]]) -> list[Path]:
    out: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if not p.exists():
            raise UsageError(f"{p}: no such file or folder")
        if p.is_dir():
            found = sorted(
                f for f in p.iterdir() if f.is_file() and f.suffix.lower() in {".csv", ".xml"}
            )
            if not found:
                raise UsageError(f"{p}: folder holds no CSV or XML file")
            out.extend(found)
        else:
            out.append(p)
    return out


def adapter(source: str) -> ModuleType:
    """The module implementing a source."""
    try:
        return importlib.import_module(SOURCES[source])
    except KeyError:
        raise UsageError(f"unknown source {source!r}") from None


def all_source_files(paths: Sequence[str | os.PathLike[str]], project: Project) -> bool:
    """Whether every PATH (or file in a PATH folder) is named after no table and names its source.

    Lets plain `sceval load ged.csv` (no --from) go through the right adapter, while table
    files (`programs.csv`) and folders keep the contract loader.
    """
    files: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            inside = [
                f for f in p.iterdir() if f.is_file() and f.suffix.lower() in {".csv", ".xml"}
            ]
            if not inside:
                return False
            files.extend(inside)
        else:
            files.append(p)
    return bool(files) and all(
        p.is_file() and p.stem not in project.contracts and detect_source(p) is not None
        for p in files
    )
