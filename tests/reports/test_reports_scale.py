"""Reports on a portfolio of 300 programs (issue 19, point 1): the portfolio and do-no-harm
pages fit 1400 px in headless Chromium, rows have short labels that tell programs apart,
full names are in the tooltips' data, the programs needing attention come first, the
reader's search works offline, and every page of the long PDF matrix has row labels."""

from __future__ import annotations

import math
import os
from pathlib import Path

import duckdb
import pytest
from pypdf import PdfReader
from report_helpers import matrix_cells, specs_of

from sceval.project import Project
from sceval.reports import page_pdf
from sceval.reports.build import build_page, report_definitions
from sceval.reports.data import load_report_data
from sceval.reports.page import render_page
from sceval.reports.sample import many_programs_warehouse

N = 300
WIDTH = 1400
PREFIX = "Foreign Military Training, FY2020"


@pytest.fixture(scope="module")
def pages(tmp_path_factory, project: Project):
    """The portfolio and do-no-harm pages of a 300-program warehouse: (folder, pages, db)."""
    tmp = tmp_path_factory.mktemp("scale")
    db = many_programs_warehouse(tmp / "wh.duckdb", project, N)
    con = duckdb.connect(str(db), read_only=True)
    try:
        data = load_report_data(con, project, None, None)
    finally:
        con.close()
    specs = {d.kind: d for d in report_definitions(project)}
    out = {}
    for kind in ("portfolio", "dnh"):
        page = build_page(data, specs[kind])
        (tmp / f"{page.name}.html").write_text(render_page(page), encoding="utf-8")
        out[kind] = page
    page_pdf(out["portfolio"], tmp / "portfolio.pdf")
    return tmp, out, db


def _query(db: Path, sql: str) -> dict[str, int]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return dict(con.execute(sql).fetchall())
    finally:
        con.close()


def _rows(cells: list[dict]) -> dict[str, dict]:
    """program id -> its matrix row (label, full name, attention rank)."""
    return {c["program_id"]: c for c in cells}


def test_row_labels_are_short_unique_and_full_names_are_in_the_tooltips(pages, project):
    folder, built, db = pages
    names = _query(db, "SELECT program_id, name FROM programs")
    assert len(names) == N and all(n.startswith(PREFIX) for n in names.values())
    for kind, chart in (("portfolio", "chart-status_matrix"), ("dnh", "chart-dnh_matrix")):
        spec = specs_of((folder / f"{built[kind].name}.html").read_text(encoding="utf-8"))[chart]
        rows = _rows(matrix_cells(spec))
        assert set(rows) == set(names), kind
        labels = [r["row"] for r in rows.values()]
        assert len(set(labels)) == N, kind  # one label per program
        assert max(len(x) for x in labels) <= 50, kind
        assert not any(x.startswith(PREFIX) or PREFIX in x for x in labels), kind
        # the full name travels with every cell, for the tooltip
        assert {pid: r["program"] for pid, r in rows.items()} == names, kind
        assert '"field":"program"' in str(spec).replace("'", '"').replace(": ", ":"), kind


def test_programs_needing_attention_come_first(pages):
    folder, built, db = pages
    reds = _query(
        db,
        "SELECT program_id, count(*) FILTER (WHERE status = 'red') FROM indicator_results "
        "GROUP BY 1",
    )
    spec = specs_of((folder / "portfolio.html").read_text(encoding="utf-8"))["chart-status_matrix"]
    order = sorted(_rows(matrix_cells(spec)).values(), key=lambda r: int(r["r_attention"]))
    counts = [reds[r["program_id"]] for r in order]
    assert counts == sorted(counts, reverse=True)
    assert counts[0] > counts[-1]  # the generated portfolio has programs of both kinds
    critical = _query(
        db,
        "SELECT program_id, count(*) FILTER (WHERE status = 'flag' AND severity = 'critical') "
        "FROM dnh_findings GROUP BY 1",
    )
    spec = specs_of((folder / "dnh.html").read_text(encoding="utf-8"))["chart-dnh_matrix"]
    order = sorted(_rows(matrix_cells(spec)).values(), key=lambda r: int(r["r_attention"]))
    counts = [critical[r["program_id"]] for r in order]
    assert counts == sorted(counts, reverse=True) and counts[0] > 0


def _windows(page) -> list[tuple[float, float]]:
    """The chart windows a PDF page draws, as (top, bottom) in chart units: each is a clip
    rectangle, then the chart's form placed by `cm` (see `export._draw_piece`)."""
    from pypdf.generic import ContentStream

    ops = ContentStream(page.get_contents(), page.pdf).operations
    forms = page["/Resources"].get("/XObject", {})
    out, clip, cm = [], None, None
    for args, op in ops:
        if op == b"re":
            clip = [float(a) for a in args]
        elif op == b"cm":
            cm = [float(a) for a in args]
        elif op == b"Do" and clip and cm and str(args[0]).startswith("/SceChart"):
            top_of_form = float(forms[args[0]].get_object()["/BBox"][3])
            s, ty = cm[0], cm[5]
            y0 = top_of_form - (clip[1] + clip[3] - ty) / s  # see _draw_piece
            out.append((y0, y0 + clip[3] / s))
            clip = cm = None
    return out


def test_every_pdf_page_of_the_matrix_has_row_and_column_labels(pages):
    """300 rows of 16 units under the matrix's header: every page draws the header strip
    (the column labels) on top, then its window of rows; together the windows hold every
    row, and each page at least ten of them (the row labels are drawn with their row)."""
    from sceval.reports.charts.matrix import ROW_STEP
    from sceval.reports.export import spec_svg, svg_plot_origin

    folder, built, _ = pages
    spec = built["portfolio"].sections[0].spec()
    head = svg_plot_origin(spec_svg(spec))[1]
    assert head > 100  # title, family headers and column labels written upwards
    reader = PdfReader(folder / "portfolio.pdf")
    drawn = [w for w in (_windows(p) for p in reader.pages) if w]
    matrix = [w for w in drawn if len(w) == 2]
    assert len(matrix) > 3  # 300 rows do not fit one page: split across pages
    rows = set()
    for strip, window in matrix:
        assert strip == pytest.approx((0.0, head), abs=0.01)  # the column labels, every page
        first = math.ceil((window[0] - head) / ROW_STEP - 1e-6)
        last = math.floor((window[1] - head) / ROW_STEP + 1e-6)  # rows wholly inside
        assert last - first >= 10, window
        rows |= set(range(first, min(last, N)))
    assert rows == set(range(N))  # no program lost between pages


@pytest.fixture(scope="module")
def browser():
    from test_reports_browser import ARGS, chromium_path

    exe = chromium_path()
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed: CI must run the browser tests")
        pytest.skip("chromium is not installed (run `make browser`)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=exe, headless=True, args=ARGS)
        yield b
        b.close()


def _open(browser, path: Path):
    context = browser.new_context(offline=True, viewport={"width": WIDTH, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.as_uri(), wait_until="load")
    page.wait_for_function(
        "() => [...document.querySelectorAll('div.chart')]"
        ".every(d => d.getAttribute('data-rendered') === 'true')",
        timeout=60_000,
    )
    return page, errors


@pytest.mark.browser
@pytest.mark.parametrize("kind", ["portfolio", "dnh"])
def test_matrix_pages_fit_1400_px_and_search_works_offline(browser, pages, kind):
    folder, built, _ = pages
    page, errors = _open(browser, folder / f"{built[kind].name}.html")
    try:
        assert page.evaluate("() => document.documentElement.scrollWidth") <= WIDTH
        boxes = page.evaluate(
            "() => [...document.querySelectorAll('div.chart svg.marks')].map(s => {"
            " const r = s.getBoundingClientRect(); return [r.left, r.right]; })"
        )
        assert boxes and all(0 <= left and right <= WIDTH for left, right in boxes), boxes
        row_labels = page.locator(".chart svg .role-axis-label text")
        drawn = set(row_labels.all_text_contents())
        spec = built[kind].sections[0].spec()
        cells = matrix_cells(spec)
        labels = {c["row"] for c in cells}
        assert labels <= drawn  # every program's label drawn, none cut
        # The search box filters the rows in the page, without a server.
        first = min(cells, key=lambda c: int(c["r_attention"]))
        page.fill("input[type=search]", first["program_id"])
        page.wait_for_function(
            f"() => ![...document.querySelectorAll('.chart svg .role-axis-label text')]"
            f".some(t => t.textContent === {sorted(labels - {first['row']})[0]!r})",
            timeout=20_000,
        )
        left = set(row_labels.all_text_contents()) & labels
        assert left == {first["row"]}
        assert errors == []
    finally:
        page.context.close()
