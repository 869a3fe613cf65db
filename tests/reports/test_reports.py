"""The report set written from a real warehouse with hand-made results."""

from __future__ import annotations

import re

import pytest
from report_data import EVIL, populate
from report_helpers import dataset_rows, matrix_cells, pdf_pages, png_size, specs_of, svg_size

from sceval.errors import ProjectError, UsageError
from sceval.reports import write_reports
from sceval.warehouse import open_warehouse

PAGES = {
    "portfolio.html",
    "dnh.html",
    "partnership.html",
    "dialogues.html",
    "scorecard-P1.html",
    "scorecard-P2.html",
    "index.html",
}


def _html(out, name):
    return (out / name).read_text(encoding="utf-8")


def test_every_page_and_pdf_is_written(written):
    out, files, _ = written
    names = {p.name for p in files}
    assert PAGES <= names
    assert {"scorecard-P1.pdf", "scorecard-P2.pdf"} <= names
    # MD has dialogues but no results or findings: no scorecard for it
    assert "scorecard-MD.html" not in names
    assert all(p.exists() and p.stat().st_size > 0 for p in files)


def test_pages_are_self_contained(written):
    out, _, _ = written
    for name in PAGES:
        text = _html(out, name)
        # markup outside the script bodies (the inlined vega code mentions <img src= in strings)
        markup = re.sub(r"(<script[^>]*>).*?(</script>)", r"\1\2", text, flags=re.S | re.I)
        assert not re.search(r"<script[^>]*\ssrc\s*=", markup, re.I), name
        assert not re.search(r"<(link|img|iframe|object|embed)\b", markup, re.I), name
        assert not re.search(r"(src|href)\s*=\s*[\"']?\s*(https?:)?//", markup, re.I), name
        assert "@import" not in text and "url(http" not in text and "@font-face" not in text
        if name != "index.html":
            assert "window.vegaEmbed=" in text, f"{name}: vega not inlined"


def test_provenance_on_every_page(written):
    out, _, run_id = written
    for name in PAGES:
        text = _html(out, name)
        assert run_id in text, name
        assert "2026-06-30" in text, name
        assert "ab12cd34ef56" in text, name  # the input file hash from runs.input_files
        assert re.search(r'class="catalogue-hash">[0-9a-f]{64}<', text), name


def test_data_text_is_escaped_in_html_and_in_specs(written):
    out, _, _ = written
    for name in PAGES:
        assert EVIL not in _html(out, name), name
        assert "</script" not in specs_text(_html(out, name)), name
    portfolio = _html(out, "portfolio.html")
    assert "\\u003cscript\\u003ealert(1)\\u003c/script\\u003e" in portfolio
    specs = specs_of(portfolio)
    programs = {r["program"] for r in matrix_cells(specs["chart-status_matrix"])}
    assert EVIL in programs  # round-trips as text for Vega to draw
    dnh = _html(out, "dnh.html")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dnh  # the finding's message, as text


def specs_text(html: str) -> str:
    m = re.search(r'id="sceval-specs">(.*?)</script>', html, re.S)
    return m.group(1) if m else ""


def test_portfolio_cells_say_suppressed_and_insufficient(written):
    out, _, _ = written
    rows = matrix_cells(specs_of(_html(out, "portfolio.html"))["chart-status_matrix"])
    cells = {(r["program"], r["title"]): r for r in rows}
    assert cells[("Border police training", "Completion rate")]["label"] == "green"
    assert cells[("Border police training", "vetting_rate")]["label"] == "insufficient data"
    # n = 4 persons < threshold 5: suppressed although its status is green, value removed
    assert cells[(EVIL, "vetting_rate")]["label"] == "suppressed"
    assert cells[(EVIL, "vetting_rate")]["value_text"] is None
    assert cells[(EVIL, "Completion rate")]["label"] == "red"
    # the sheet says delivery_rate does not count persons: n = 2 is not suppressed
    delivery = cells[(EVIL, "Delivery rate")]
    assert (delivery["label"], delivery["value_text"]) == ("red", "50.0%")
    assert cells[("Border police training", "Delivery rate")]["label"] == "not computed"
    page = _html(out, "portfolio.html")
    # status counts table: row label, green, amber, red, inconclusive, insufficient data,
    # suppressed; the program with red indicators first
    evil = EVIL.replace("<", "&lt;").replace(">", "&gt;")
    border = (
        "<td>Border police training</td><td>TUN · NATO · Border police training</td>"
        "<td>1</td><td>0</td><td>0</td><td>0</td><td>1</td><td>0</td>"
    )
    red = f"<td>{evil}</td><td>TUN · NATO · {evil}</td><td>0</td><td>0</td><td>2</td><td>0</td><td>0</td><td>1</td>"
    assert border in page and red in page
    assert page.index(red) < page.index(border)
    assert len(cells) == 6


def test_small_cells_never_reach_a_chart(written):
    out, _, _ = written
    page = _html(out, "scorecard-P1.html")
    rows = dataset_rows(specs_of(page)["chart-disaggregations"])
    by_group = {(r["panel"], r["group"]): r for r in rows}
    small = by_group[("Completion rate by sex", "X")]
    assert small["value"] is None and small["ci_low"] is None and small["label"] == "suppressed"
    # F 40, M 107, X 3 of 150: F is suppressed with X (secondary), or 150 - 107 - 40 gives X
    assert by_group[("Completion rate by sex", "F")]["label"] == "suppressed"
    assert by_group[("Completion rate by sex", "M")]["value"] == pytest.approx(0.82)
    assert by_group[("Completion rate by rank group", "officer")]["label"] == "suppressed"
    assert "0.67" not in page and "66.7%" not in page


def test_scorecard_bullets_bands_and_interval(written):
    out, _, _ = written
    rows = dataset_rows(specs_of(_html(out, "scorecard-P1.html"))["chart-indicator_bullets"])
    bullet = next(
        r for r in rows if r["row_type"] == "bullet" and r["indicator"] == "Completion rate"
    )
    assert (bullet["value"], bullet["ci_low"], bullet["ci_high"]) == (0.8, 0.73, 0.86)
    assert bullet["label"] == "80.0% (green)"
    bands = {r["band"]: (r["band_start"], r["band_end"]) for r in rows if r["row_type"] == "band"}
    # absolute cut-offs 0.6 / 0.8, upper end 1.1 x max(value, ci_high, target 0.9)
    assert bands["red"] == (0.0, 0.6)
    assert bands["amber"] == (0.6, 0.8)
    assert bands["green"][0] == 0.8 and bands["green"][1] == pytest.approx(0.99)


def test_scorecard_trend_has_target_path_and_projection(written):
    out, _, _ = written
    rows = dataset_rows(specs_of(_html(out, "scorecard-P1.html"))["chart-indicator_trends"])
    comp = [r for r in rows if r["indicator"] == "Completion rate"]
    path = [(r["date"][:10], r["value"]) for r in comp if r["series"] == "target path"]
    assert path == [
        ("2024-01-01", 0.5),
        ("2025-06-30", 0.6),
        ("2026-06-30", 0.75),
        ("2027-12-31", 0.9),
    ]
    proj = [(r["date"][:10], r["value"]) for r in comp if r["series"] == "projection"]
    assert proj == [("2026-06-30", 0.8), ("2027-12-31", 0.88)]


def test_dnh_cells_link_to_evidence_and_persons_stay_counts(written):
    out, _, _ = written
    page = _html(out, "dnh.html")
    rows = matrix_cells(specs_of(page)["chart-dnh_matrix"])
    cells = {(r["program"], r["check_id"]): r for r in rows}
    assert cells[("Border police training", "vetting")]["label"] == "waived"
    assert cells[("Border police training", "diversion")]["label"] == "flag high"
    assert cells[(EVIL, "vetting")]["label"] == "insufficient data"
    assert cells[(EVIL, "embargo")]["label"] == "pass"
    assert cells[(EVIL, "diversion")]["label"] == "not run"
    for r in rows:
        if r.get("href"):
            assert f'id="{r["href"][1:]}"' in page
    assert "p-001" not in page and "p-002" not in page
    assert "fewer than 5 followups records (person-level: ids withheld)" in page
    assert "fewer than 5 trainees joined non-state groups" in page
    assert "3 trainees" not in page
    assert "2 end_use_checks rows: T1, T2" in page
    assert "W-1" in page  # the waiver is listed
    # evidence from a table the check did not name could be anything: count only
    assert "ZZ-UNNAMED-1" not in page
    assert "1 rows (source table not named: ids withheld)" in page


def test_partnership_reads_like_table_1(written):
    out, _, _ = written
    rows = dataset_rows(specs_of(_html(out, "partnership.html"))["chart-partnership_heatmap"])
    cell = {(r["item"], r["case_id"]): r for r in rows}
    assert cell[("Restrained use of violence", "africa")]["rating"] == "Medium/low"
    assert cell[("Restrained use of violence", "africa")]["relative"] == 0.5
    # the expert's "Unclear" is the cell; the data-derived "High" is listed under the chart
    assert cell[("No opposite alliances", "africa")]["score_text"] == "insufficient data"
    assert cell[("No opposite alliances", "africa")]["rating"] == "Unclear"
    assert len(rows) == 6
    page = _html(out, "partnership.html")
    assert "Ratings derived from program data" in page


def test_partnership_robustness_figures(written):
    out, _, _ = written
    page = _html(out, "partnership.html")
    rows = dataset_rows(specs_of(page)["chart-robustness"])
    africa = next(r for r in rows if r.get("case_id") == "africa" and "stability_label" in r)
    assert africa["label"] == "0.6 (rank 2)"
    assert africa["stability_label"] == "75% keep rank, varies"
    pairs = {(r["case_a"], r["case_b"]): r for r in rows if "case_a" in r}
    assert set(pairs) == {("europe", "africa"), ("africa", "europe")}  # overall scope only
    assert pairs[("europe", "africa")]["label"] == "100%"
    assert "europe_most_advanced" in page and "holds" in page
    assert "<td>conditions</td><td>europe</td><td>africa</td><td>fragile</td>" in page


def test_dialogues_show_the_decline(written):
    out, _, _ = written
    rows = dataset_rows(specs_of(_html(out, "dialogues.html"))["chart-dialogue_levels"])
    count = {(r["year"], r["level"]): r["meetings"] for r in rows}
    assert count[(2006, "ministerial")] == 2
    assert count[(2009, "ministerial")] == 0 and count[(2009, "working")] == 0
    assert count[(2015, "working")] == 1
    assert max(r["year"] for r in rows if r["level"] == "ministerial" and r["meetings"]) == 2008
    assert len(rows) == 10 * 5  # 2006..2015 x five levels, not one row per meeting


def test_png_svg_sizes_and_pdf_pages(written):
    out, files, _ = written
    charts = sorted(p for p in files if p.suffix == ".png")
    # dialogues 2 + dnh 1 + partnership 3 + portfolio 1 + P1 4 + P2 3 (no disaggregations)
    assert len(charts) == 14
    for png in charts:
        w, h = png_size(png)
        assert w > 100 and h > 50
        assert (w, h) == svg_size(png.with_suffix(".svg")), png
    # cover + results chain + initial assessment + bullets + trend + disaggregations + do-no-harm
    assert pdf_pages(out / "scorecard-P1.pdf") == 7
    assert pdf_pages(out / "scorecard-P2.pdf") == 7


def test_empty_result_tables_are_reported_as_such(tmp_path, report_project):
    con = open_warehouse(tmp_path / "wh.duckdb", report_project)
    try:
        populate(con, report_project, empty=True)
        files = write_reports(con, report_project, tmp_path / "out", formats=["html", "pdf"])
    finally:
        con.close()
    names = {p.name for p in files}
    # no results and no findings: a scorecard for every program in the warehouse
    assert {"scorecard-P1.pdf", "scorecard-MD.html", "partnership.html"} <= names
    part = (tmp_path / "out" / "partnership.html").read_text()
    assert "No partnership scores in run" in part and 'class="chart"' not in part
    port = (tmp_path / "out" / "portfolio.html").read_text()
    assert "No indicator results in run" in port
    card = (tmp_path / "out" / "scorecard-P1.html").read_text()
    assert "the checks were not run, so nothing can be said about harm" in card
    assert pdf_pages(tmp_path / "out" / "scorecard-P1.pdf") == 7
    dialogues = (tmp_path / "out" / "dialogues.html").read_text()
    assert 'id="chart-dialogue_levels"' in dialogues


def test_unknown_run_and_bad_format_are_usage_errors(warehouse, tmp_path, report_project):
    con, _ = warehouse
    with pytest.raises(UsageError, match="no such run"):
        write_reports(con, report_project, tmp_path / "o", formats=["html"], run_id="nope")
    with pytest.raises(UsageError, match="docx"):
        write_reports(con, report_project, tmp_path / "o", formats=["docx"])


def test_no_run_is_a_usage_error(tmp_path, report_project):
    con = open_warehouse(tmp_path / "wh.duckdb", report_project)
    try:
        with pytest.raises(UsageError, match="no finished run"):
            write_reports(con, report_project, tmp_path / "o", formats=["html"])
    finally:
        con.close()


def test_bad_report_definition_names_the_file(tmp_path, report_project):
    from sceval.reports.build import parse_report

    bad = tmp_path / "broken.yml"
    bad.write_text("kind: portfolio\ncharts: [status_matrix, pie]\n")
    with pytest.raises(ProjectError, match=r"broken\.yml.*pie"):
        parse_report(bad)
    bad.write_text("kind: gallery\n")
    with pytest.raises(ProjectError, match="kind 'gallery'"):
        parse_report(bad)


def test_unsafe_program_ids_get_distinct_file_names():
    from sceval.reports.build import ReportDef, page_name

    spec = ReportDef("scorecard", "scorecard", "t", "", ("indicator_bullets",))
    assert page_name(spec, "P1") == "scorecard-P1"
    a, b = page_name(spec, "A/B"), page_name(spec, "A-B")
    assert a != b and a.startswith("scorecard-A-B-") and "/" not in a


def test_unwritable_output_is_a_usage_error(warehouse, tmp_path, report_project):
    con, _ = warehouse
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(UsageError, match="not a folder"):
        write_reports(con, report_project, blocker, formats=["html"])
    with pytest.raises(UsageError, match="cannot write the reports"):
        write_reports(con, report_project, blocker / "sub", formats=["html"])
