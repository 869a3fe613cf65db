"""Charts to PNG, SVG and PDF through vl-convert (no browser, no network)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import polars as pl

PNG_SCALE = 1  # PNG pixels = SVG user units, so both files describe the same size


def _vl_version() -> str:
    from altair.utils._importers import vl_version_for_vl_convert

    return vl_version_for_vl_convert()


def chart_files(chart: Any, base: Path, formats: list[str]) -> list[Path]:
    """Write `base.png` / `base.svg` for the requested formats; return the paths written."""
    import vl_convert as vlc

    spec = chart.to_dict()
    base.parent.mkdir(parents=True, exist_ok=True)
    written = []
    if "svg" in formats:
        path = base.with_suffix(".svg")
        path.write_text(vlc.vegalite_to_svg(spec, vl_version=_vl_version()), encoding="utf-8")
        written.append(path)
    if "png" in formats:
        path = base.with_suffix(".png")
        path.write_bytes(vlc.vegalite_to_png(spec, vl_version=_vl_version(), scale=PNG_SCALE))
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


def pdf_document(charts: list[Any], path: Path) -> Path:
    """One PDF with one chart per page, in order."""
    import vl_convert as vlc
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for chart in charts:
        page_pdf = vlc.vegalite_to_pdf(chart.to_dict(), vl_version=_vl_version())
        for page in PdfReader(io.BytesIO(page_pdf)).pages:
            writer.add_page(page)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        writer.write(fh)
    return path
