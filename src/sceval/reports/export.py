"""Charts to PNG, SVG and PDF through vl-convert (no browser, no network)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import polars as pl

PNG_SCALE = 1  # PNG pixels = SVG user units, so both files describe the same size


def _vl_version() -> str:
    """The Vega-Lite version Altair writes, for vl-convert."""
    from altair.utils._importers import vl_version_for_vl_convert

    return vl_version_for_vl_convert()


def spec_svg(spec: dict) -> str:
    """A Vega-Lite spec rendered to SVG (the one rendering PNG and PDF are derived from)."""
    import vl_convert as vlc

    return vlc.vegalite_to_svg(spec, vl_version=_vl_version())


def chart_files(svg: str, base: Path, formats: list[str]) -> list[Path]:
    """Write `base.png` / `base.svg` of one rendered chart; return the paths written."""
    import vl_convert as vlc

    base.parent.mkdir(parents=True, exist_ok=True)
    written = []
    if "svg" in formats:
        path = base.with_suffix(".svg")
        path.write_text(svg, encoding="utf-8")
        written.append(path)
    if "png" in formats:
        path = base.with_suffix(".png")
        path.write_bytes(vlc.svg_to_png(svg, scale=PNG_SCALE))
        written.append(path)
    return written


def text_chart(title: str, lines: list[str]) -> Any:
    """A chart of plain text lines: PDF cover pages and 'no data' pages."""
    import altair as alt

    frame = pl.DataFrame({"i": list(range(len(lines))), "line": lines})
    return (
        alt.Chart(frame)
        .mark_text(align="left", baseline="top", fontSize=12, limit=560)
        .encode(y=alt.Y("i:O", axis=None), x=alt.value(0), text="line:N")
        .properties(
            width=560, height=alt.Step(20), title=alt.Title(title, fontSize=16, anchor="start")
        )
    )


def pdf_document(svgs: list[str], path: Path) -> Path:
    """One PDF with one rendered chart (SVG) per page, in order."""
    import vl_convert as vlc
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for svg in svgs:
        for page in PdfReader(io.BytesIO(vlc.svg_to_pdf(svg))).pages:
            writer.add_page(page)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        writer.write(fh)
    return path
