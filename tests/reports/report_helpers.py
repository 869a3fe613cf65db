"""Reading back what the reports wrote: embedded chart specs, image sizes, PDF pages."""

from __future__ import annotations

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
            rows.extend(values)
        data = spec.get("data")
        if isinstance(data, dict) and isinstance(data.get("values"), list):
            rows.extend(data["values"])
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
