"""Reading back what the reports wrote: embedded chart specs, image sizes, PDF pages."""

from __future__ import annotations

import csv
import io
import json
import re
import struct
from pathlib import Path

from pypdf import PdfReader

SPEC_RE = re.compile(r'<script type="application/json" id="sceval-specs">(.*?)</script>', re.S)


def specs_of(html: str) -> dict:
    """The chart specs a page embeds (container id -> Vega-Lite spec)."""
    m = SPEC_RE.search(html)
    return json.loads(m.group(1)) if m else {}


def dataset_rows(spec) -> list[dict]:
    """Every data row a spec embeds: top-level datasets and inline `values` at any depth."""
    rows: list[dict] = []
    if isinstance(spec, dict):
        for values in spec.get("datasets", {}).values():
            # the matrices embed their cells and lookup tables as CSV text
            rows.extend(csv.DictReader(io.StringIO(values)) if isinstance(values, str) else values)
        data = spec.get("data")
        if isinstance(data, dict) and isinstance(data.get("values"), list):
            rows.extend(data["values"])
        elif isinstance(data, dict) and isinstance(data.get("values"), str):
            rows.extend(csv.DictReader(io.StringIO(data["values"])))
        for key, value in spec.items():
            if key not in ("datasets", "data"):
                rows.extend(dataset_rows(value))
    elif isinstance(spec, list):
        for item in spec:
            rows.extend(dataset_rows(item))
    return rows


def png_size(path: Path) -> tuple[int, int]:
    """(width, height) from a PNG's IHDR chunk."""
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", head[16:24])


def svg_size(path: Path) -> tuple[int, int]:
    """(width, height) attributes of an SVG's root element."""
    text = path.read_text(encoding="utf-8")
    m = re.search(r'<svg[^>]*\swidth="([\d.]+)"[^>]*\sheight="([\d.]+)"', text)
    assert m, f"{path}: no width/height on the svg element"
    return round(float(m.group(1))), round(float(m.group(2)))


def pdf_pages(path: Path) -> int:
    """Number of pages of a PDF."""
    return len(PdfReader(path).pages)


def _values(data: dict, datasets: dict) -> list[dict]:
    """The rows of a `data` entry (inline or named), CSV text parsed, "" read as null."""
    values = data.get("values")
    if values is None and "name" in data:
        values = datasets.get(data["name"], [])
    if isinstance(values, str):
        return [
            {k: (None if v == "" else v) for k, v in r.items()}
            for r in csv.DictReader(io.StringIO(values))
        ]
    return list(values or [])


def _lookups(spec, out: list[dict]) -> list[dict]:
    """Every lookup transform in a spec, at any depth."""
    if isinstance(spec, dict):
        if "lookup" in spec and "from" in spec:
            out.append(spec)
        for value in spec.values():
            _lookups(value, out)
    elif isinstance(spec, list):
        for item in spec:
            _lookups(item, out)
    return out


def matrix_cells(spec: dict) -> list[dict]:
    """The cells of a matrix chart (portfolio, do-no-harm) as the page draws them: each cell
    with the fields its lookups add (program name, row label, column title...)."""
    datasets = spec.get("datasets", {})
    cells = _values(spec["data"], datasets)
    for lk in _lookups(spec, []):
        table = {str(r[lk["from"]["key"]]): r for r in _values(lk["from"]["data"], datasets)}
        for cell in cells:
            hit = table.get(str(cell[lk["lookup"]]), {})
            cell.update({f: hit.get(f) for f in lk["from"]["fields"]})
    return cells
