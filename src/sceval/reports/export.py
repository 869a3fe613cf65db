"""Charts to PNG, SVG and PDF through vl-convert (no browser, no network)."""

from __future__ import annotations

import html
import io
import math
import re
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

PNG_SCALE = 1  # PNG pixels = SVG user units, so both files describe the same size


def _vl_version() -> str:
    """The Vega-Lite version Altair writes, for vl-convert."""
    from altair.utils._importers import vl_version_for_vl_convert

    return vl_version_for_vl_convert()


def spec_svg(spec: dict, vl_version: str | None = None) -> str:
    """A Vega-Lite spec rendered to SVG (the one rendering PNG and PDF are derived from).

    `vl_version` spares a worker process importing Altair just to learn it."""
    import vl_convert as vlc

    return vlc.vegalite_to_svg(spec, vl_version=vl_version or _vl_version())


def chart_files(svg: str, base: Path, formats: list[str], marking: str | None = None) -> list[Path]:
    """Write `base.png` / `base.svg` of one rendered chart, with the handling marking above
    and below it when there is one; return the paths written."""
    import vl_convert as vlc

    svg = marked_svg(svg, marking)
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


# ---------------------------------------------------------------- handling markings on images

_ROOT_RE = re.compile(r"<svg\b[^>]*>", re.S)
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
MARK_BAND = 22.0  # height of the marking band above and below an exported chart


def xml_text(value: Any) -> str:
    """Text for an SVG element: XML-escaped, without the control characters XML forbids."""
    return html.escape(_CONTROL_RE.sub("", "" if value is None else str(value)), quote=True)


def svg_box(svg: str) -> tuple[float, float]:
    """(width, height) of a rendered chart, from its root element."""
    root = _ROOT_RE.search(svg)
    tag = root.group(0) if root else ""
    w = re.search(r'\swidth="([\d.]+)', tag)
    h = re.search(r'\sheight="([\d.]+)', tag)
    if not (w and h):
        raise ValueError("a rendered chart without width and height")
    return float(w.group(1)), float(h.group(1))


def _svg_inner(svg: str) -> str:
    """A rendered chart's SVG from its root element on (no XML declaration)."""
    root = _ROOT_RE.search(svg)
    return svg[root.start() :] if root else svg


def marked_svg(svg: str, marking: str | None) -> str:
    """The chart with the handling marking centred above and below it (unchanged without one).

    The chart keeps its own size and drawing; the marked image is taller by two bands.
    """
    if not marking:
        return svg
    w, h = svg_box(svg)
    width = max(w, 8.0 * len(marking) + 24)
    height = h + 2 * MARK_BAND

    def band(y: float) -> str:
        return (
            f'<text class="marking" x="{width / 2:.2f}" y="{y:.2f}" text-anchor="middle" '
            'font-family="sans-serif" font-size="12" font-weight="bold" fill="#000">'
            f"{xml_text(marking)}</text>"
        )

    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{width:g}" '
        f'height="{height:g}" viewBox="0 0 {width:g} {height:g}">'
        f'<rect width="{width:g}" height="{height:g}" fill="white"/>'
        f"{band(MARK_BAND - 7)}"
        f'<g transform="translate({(width - w) / 2:g},{MARK_BAND:g})">{_svg_inner(svg)}</g>'
        f"{band(height - 7)}</svg>"
    )


# ---------------------------------------------------------------- print-ready PDF

# Page sizes in PDF points (1/72 inch).
PAPERS = {"a4": (595.28, 841.89), "letter": (612.0, 792.0)}
MARGIN = 42.0  # left and right margins (about 15 mm)
HEAD = 58.0  # top band: marking, document title, rule
FOOT = 64.0  # bottom band: rule, provenance, page number, marking
HEADING = 22.0  # a part's heading above its chart or text
MIN_SCALE = 0.5  # a wide chart is shrunk to the page width down to this, else split in columns
OVERLAP = 12.0  # chart units repeated at a cut between two pages, so no line is lost
CHAR_WIDTH = 0.56  # average width of a sans-serif character, in ems (for wrapping text)


@dataclass
class PrintPart:
    """One part of a printed document; each starts on a new page.

    A chart (`svg`, a rendered chart) or text lines (`lines`: (text, style) with style one
    of title, subtitle, text, small).
    """

    heading: str
    svg: str | None = None
    lines: list[tuple[str, str]] = field(default_factory=list)
    # The chart to draw, by its section id, where the SVG is rendered later (convert.py).
    key: str | None = None


_STYLES = {  # style -> (font size, line height, bold, colour)
    "title": (18.0, 26.0, True, "#000"),
    "subtitle": (12.0, 17.0, False, "#222"),
    "text": (10.0, 14.0, False, "#000"),
    "small": (8.0, 11.0, False, "#333"),
}


def wrap(text: str, size: float, width: float) -> list[str]:
    """`text` broken into lines that fit `width` points at font size `size` (nothing cut)."""
    per_line = max(10, int(width / (size * CHAR_WIDTH)))
    out: list[str] = []
    for para in (text or "").splitlines() or [""]:
        out += textwrap.wrap(para, per_line, break_long_words=True, break_on_hyphens=False) or [""]
    return out


def first_line(text: str, size: float, width: float) -> str:
    """The first line of `text` wrapped to `width`, ending in an ellipsis when more follows
    (running headers and headings: the whole text is on the cover or in the page)."""
    lines = wrap(text, size, width)
    return lines[0] if len(lines) == 1 else lines[0].rstrip() + " …"


def _text_el(x: float, y: float, text: str, size: float, **attrs: str) -> str:
    extra = "".join(f' {k.replace("_", "-")}="{v}"' for k, v in attrs.items())
    return (
        f'<text x="{x:.2f}" y="{y:.2f}" font-family="sans-serif" font-size="{size:g}"{extra}>'
        f"{xml_text(text)}</text>"
    )


def _heading(part: PrintPart, x: float, y: float, width: float, more: str = "") -> str:
    words = first_line(part.heading, 12.0, width - 7.0 * len(more)) + more
    return _text_el(x, y + 14, words, 12.0, font_weight="bold")


def _text_pages(part: PrintPart, width: float, height: float) -> list[str]:
    """Page bodies of a text part, in content coordinates (0,0 = top left of the content)."""
    pages: list[str] = []
    body: list[str] = [_heading(part, 0, 0, width)] if part.heading else []
    y = HEADING if part.heading else 0.0
    for text, style in part.lines:
        size, step, bold, colour = _STYLES.get(style, _STYLES["text"])
        for line in wrap(text, size, width):
            if y + step > height and body:
                pages.append("".join(body))
                body = [_heading(part, 0, 0, width, " (continued)")] if part.heading else []
                y = HEADING if part.heading else 0.0
            weight = {"font_weight": "bold"} if bold else {}
            body.append(_text_el(0, y + size, line, size, fill=colour, **weight))
            y += step
    pages.append("".join(body))
    return pages


@dataclass(frozen=True)
class Piece:
    """One page's window onto a chart (chart units, top-left origin), its scale, and how far
    below the top of the page's chart area it is drawn (`at`, in points)."""

    chart: int
    x: float
    y: float
    width: float
    height: float
    scale: float
    at: float = 0.0


_ORIGIN_RE = re.compile(r'<g\b[^>]*\btransform="translate\(([-\d.]+),([-\d.]+)\)"')
HEAD_SHARE = 0.4  # a header taller than this share of a page is not repeated


def svg_plot_origin(svg: str) -> tuple[float, float]:
    """Where a rendered chart's plot begins (chart units from its top left): Vega draws
    everything into one group moved right of the row labels and below the title, legends
    above and column labels, so what lies above its y is the chart's header."""
    root = _ROOT_RE.search(svg)
    found = _ORIGIN_RE.search(svg, root.end() if root else 0)
    return (float(found.group(1)), float(found.group(2))) if found else (0.0, 0.0)


def _chart_pieces(
    part: PrintPart, chart: int, width: float, height: float
) -> list[tuple[str, list[Piece]]]:
    """(heading, windows) of each page of a chart: shrunk to the page width down to
    MIN_SCALE (a little further when that saves a column of pages), then cut into windows
    no larger than the page (rows of pages, and columns when still wider than the page),
    all of one size so no page holds a sliver, with a little overlap between rows so no line
    is lost at a cut.

    A chart continued over several pages has its header (title, legends above the plot,
    column labels: what lies above the plot) repeated at the top of every page, so a
    matrix's columns can be read on each page, not only on the first."""
    assert part.svg is not None
    w, h = svg_box(part.svg)
    avail = height - HEADING
    fit = width / w
    if fit >= MIN_SCALE * 0.9:
        scale, cols = min(1.0, fit), 1
    else:
        scale = MIN_SCALE
        cols = math.ceil(w * scale / width)
    win_w, win_h = w / cols, avail / scale
    head = 0.0
    if h > win_h:
        head = min(max(svg_plot_origin(part.svg)[1], 0.0), h)
        if head > HEAD_SHARE * win_h:
            head = 0.0
    body, room = h - head, win_h - head  # the plot below the header, and a page's room for it
    rows = 1 if h <= win_h else math.ceil((body - OVERLAP) / (room - OVERLAP))
    piece_h = min(body, (body + (rows - 1) * OVERLAP) / rows)
    step_h = piece_h - OVERLAP
    out = []
    for r in range(rows):
        y0 = head + r * step_h
        for c in range(cols):
            x0 = c * win_w
            more = f" (part {r * cols + c + 1} of {rows * cols})" if rows * cols > 1 else ""
            window = Piece(chart, x0, y0, win_w, min(piece_h, h - y0), scale, at=head * scale)
            strip = [Piece(chart, x0, 0.0, win_w, head, scale)] if head > 0 else []
            out.append((_heading(part, 0, 0, width, more), [*strip, window]))
    return out


def _page_svg(
    paper: tuple[float, float],
    body: str,
    *,
    number: int,
    total: int,
    title: str,
    footer: list[str],
    marking: str | None,
) -> str:
    """One printed page: the marking at top and bottom, title, provenance and page number."""
    pw, ph = paper
    width = pw - 2 * MARGIN
    parts = [f'<rect width="{pw}" height="{ph}" fill="white"/>']
    if marking:
        for y in (18.0, ph - 12.0):
            parts.append(
                _text_el(pw / 2, y, marking, 10.0, text_anchor="middle", font_weight="bold")
            )
    parts.append(_text_el(MARGIN, HEAD - 14, first_line(title, 9.0, width), 9.0, fill="#333"))
    rule = 'stroke="#999" stroke-width="0.5"'
    parts.append(f'<line x1="{MARGIN}" y1="{HEAD - 8}" x2="{pw - MARGIN}" y2="{HEAD - 8}" {rule}/>')
    top = ph - FOOT + 8
    parts.append(f'<line x1="{MARGIN}" y1="{top}" x2="{pw - MARGIN}" y2="{top}" {rule}/>')
    wrapped = [wrap(text, 7.5, width - 70) for text in footer]
    lines = [ln for w in wrapped for ln in w]
    if len(lines) > 3:  # several runs behind the page: the cover lists them all
        lines, shown = [], 0
        while shown < len(wrapped) and len(lines) + len(wrapped[shown]) <= 2:
            lines += wrapped[shown]
            shown += 1
        lines.append(f"and {len(wrapped) - shown} more run(s): see the first page")
    for i, line in enumerate(lines):
        parts.append(_text_el(MARGIN, top + 11 + 10 * i, line, 7.5, fill="#333"))
    parts.append(
        _text_el(pw - MARGIN, top + 11, f"page {number} of {total}", 7.5, text_anchor="end")
    )
    parts.append(f'<g transform="translate({MARGIN:g},{HEAD:g})">{body}</g>')
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        f'version="1.1" width="{pw}" height="{ph}" viewBox="0 0 {pw} {ph}">{"".join(parts)}</svg>'
    )


def _chart_form(writer: Any, svg: str) -> tuple[Any, float, float]:
    """A chart converted to PDF once and added to `writer` as a form XObject (drawn by each
    page that shows a piece of it); returns (reference, top and left of its box)."""
    import vl_convert as vlc
    from pypdf import PdfReader
    from pypdf.generic import ArrayObject, DecodedStreamObject, FloatObject, NameObject

    page = PdfReader(io.BytesIO(vlc.svg_to_pdf(svg))).pages[0]
    box = page.mediabox
    form = DecodedStreamObject()
    form.set_data(page.get_contents().get_data())
    form[NameObject("/Type")] = NameObject("/XObject")
    form[NameObject("/Subtype")] = NameObject("/Form")
    form[NameObject("/BBox")] = ArrayObject(FloatObject(v) for v in box)
    form[NameObject("/Resources")] = page["/Resources"].clone(writer)
    form = form.flate_encode()
    return writer._add_object(form), float(box.top), float(box.left)


def _draw_piece(
    writer: Any, page: Any, name: str, piece: Piece, chart_top: float, chart_left: float, top: float
) -> None:
    """Draw a chart's window on `page`: clipped to the window, its top-left corner at
    (MARGIN, `top`) in PDF coordinates (origin bottom left)."""
    from pypdf.generic import ArrayObject, ContentStream, FloatObject, NameObject

    s = piece.scale
    tx = MARGIN - s * (piece.x + chart_left)
    ty = top - s * (chart_top - piece.y)
    clip = [MARGIN, top - s * piece.height, s * piece.width, s * piece.height]

    def stream(operations: list) -> Any:
        content = ContentStream(None, writer)
        content.operations = operations
        return writer._add_object(content)

    # The page's own drawing is kept as it is (not parsed again), between q and Q.
    before = stream([([], b"q")])
    after = stream(
        [
            ([], b"Q"),
            ([], b"q"),
            ([FloatObject(v) for v in clip], b"re"),
            ([], b"W"),
            ([], b"n"),
            ([FloatObject(v) for v in (s, 0, 0, s, tx, ty)], b"cm"),
            ([NameObject(name)], b"Do"),
            ([], b"Q"),
        ]
    )
    own = page.raw_get("/Contents")
    own = list(own) if isinstance(own, ArrayObject) else [own]
    page[NameObject("/Contents")] = ArrayObject([before, *own, after])


def print_pdf(
    parts: list[PrintPart],
    path: Path,
    *,
    paper: str = "a4",
    title: str = "",
    footer: list[str] | None = None,
    marking: str | None = None,
) -> Path:
    """A print-ready PDF: every page of the paper's size, with margins, the document title,
    the provenance lines (`footer`), "page i of n" and the handling marking at top and
    bottom. Each part starts on a new page; long charts continue on the next pages."""
    import vl_convert as vlc
    from pypdf import PdfReader, PdfWriter

    size = PAPERS[paper]
    width = size[0] - 2 * MARGIN
    height = size[1] - HEAD - FOOT
    pages: list[tuple[str, list[Piece]]] = []
    charts: list[str] = []
    for part in parts:
        if part.svg is not None:
            pages += _chart_pieces(part, len(charts), width, height)
            charts.append(part.svg)
        else:
            pages += [(body, []) for body in _text_pages(part, width, height)]
    writer = PdfWriter()
    forms: dict[int, tuple[Any, float, float]] = {}
    for i, (body, pieces) in enumerate(pages, 1):
        svg = _page_svg(
            size,
            body,
            number=i,
            total=len(pages),
            title=title,
            footer=footer or [],
            marking=marking,
        )
        page = writer.add_page(PdfReader(io.BytesIO(vlc.svg_to_pdf(svg))).pages[0])
        for piece in pieces:
            if piece.chart not in forms:
                forms[piece.chart] = _chart_form(writer, charts[piece.chart])
            ref, chart_top, chart_left = forms[piece.chart]
            from pypdf.generic import DictionaryObject, NameObject

            resources = page["/Resources"].get_object()
            if "/XObject" not in resources:
                resources[NameObject("/XObject")] = DictionaryObject()
            name = f"/SceChart{piece.chart}"
            resources["/XObject"].get_object()[NameObject(name)] = ref
            top = size[1] - HEAD - HEADING - piece.at
            _draw_piece(writer, page, name, piece, chart_top, chart_left, top)
    writer.add_metadata({"/Title": title, "/Producer": "sceval"})
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        writer.write(fh)
    return path
