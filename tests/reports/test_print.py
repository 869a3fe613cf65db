"""Print-ready PDFs, handling markings, status words in legends, and `sceval report`'s
progress and summary line (issue 19), on real files written from a real warehouse."""

from __future__ import annotations

import html as htmllib
import os
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from pypdf import PdfReader
from report_data import populate
from report_helpers import png_size, svg_size

from sceval.errors import ProjectError
from sceval.project import Project
from sceval.reports import write_reports
from sceval.warehouse import open_warehouse

A4 = (595.28, 841.89)
LETTER = (612.0, 792.0)
MARKING = "OFFICIAL-SENSITIVE"
PORTFOLIO_MARKING = "NATO UNCLASSIFIED"


@pytest.fixture(scope="module")
def marked_project(tmp_path_factory, report_project: Project) -> Project:
    """The report project with a marking, and the portfolio definition overriding it."""
    root = tmp_path_factory.mktemp("marked")
    shutil.copytree(report_project.root, root, dirs_exist_ok=True)
    settings = (root / "sceval_project.yml").read_text(encoding="utf-8")
    (root / "sceval_project.yml").write_text(settings + f"marking: {MARKING}\n", encoding="utf-8")
    portfolio = root / "reports" / "portfolio.yml"
    portfolio.write_text(
        portfolio.read_text(encoding="utf-8") + f"marking: {PORTFOLIO_MARKING}\n",
        encoding="utf-8",
    )
    return Project(root)


@pytest.fixture(scope="module")
def printed(tmp_path_factory, marked_project: Project):
    """The full report set of the marked project: (out dir, files, run id)."""
    tmp = tmp_path_factory.mktemp("printed")
    con = open_warehouse(tmp / "wh.duckdb", marked_project)
    try:
        run_id = populate(con, marked_project)
        files = write_reports(
            con, marked_project, tmp / "out", formats=["html", "pdf", "png", "svg"]
        )
    finally:
        con.close()
    return tmp / "out", files, run_id


def _lines_with_y(page) -> list[tuple[str, float]]:
    """The text lines of a PDF page with their baseline height (points from the bottom): the
    pieces the text extractor reports (a glyph or a run of glyphs) joined per baseline."""
    lines: dict[float, str] = {}

    def visit(text, cm, tm, font_dict, font_size):
        if text:
            # the position in page space: text matrix, then current transformation
            y = round(tm[4] * cm[1] + tm[5] * cm[3] + cm[5], 1)
            lines[y] = lines.get(y, "") + text

    page.extract_text(visitor_text=visit)
    return [(text.strip(), y) for y, text in lines.items()]


def _check_pdf(path: Path, paper: tuple[float, float], marking: str, run_id: str) -> int:
    reader = PdfReader(path)
    total = len(reader.pages)
    assert total > 0, path
    for i, page in enumerate(reader.pages, 1):
        w, h = float(page.mediabox.width), float(page.mediabox.height)
        assert abs(w - paper[0]) < 0.5 and abs(h - paper[1]) < 0.5, (path.name, i, w, h)
        text = page.extract_text()
        assert f"page {i} of {total}" in text, (path.name, i)
        assert run_id in text and "as of 2026-06-30" in text, (path.name, i)
        # the marking twice: in the top band and in the bottom band of the page
        # `in`, not `==`: pypdf places a chart's text (drawn from a form) at the page's own
        # coordinates, so a cell code can share the marking's baseline in the extraction.
        ys = [y for t, y in _lines_with_y(page) if marking in t]
        assert any(y > h - 40 for y in ys) and any(y < 40 for y in ys), (path.name, i, ys)
    return total


def test_scorecard_and_portfolio_pdfs_are_a4_numbered_and_marked(printed):
    out, files, run_id = printed
    names = {p.name for p in files}
    assert {"scorecard-P1.pdf", "scorecard-P2.pdf", "portfolio.pdf"} <= names
    assert _check_pdf(out / "scorecard-P1.pdf", A4, MARKING, run_id) >= 7
    _check_pdf(out / "scorecard-P2.pdf", A4, MARKING, run_id)
    # the portfolio definition's own marking replaces the project's
    _check_pdf(out / "portfolio.pdf", A4, PORTFOLIO_MARKING, run_id)
    assert MARKING not in PdfReader(out / "portfolio.pdf").pages[0].extract_text()


def test_cover_subtitle_is_whole(printed):
    out, _, _ = printed
    page = (out / "scorecard-P1.html").read_text(encoding="utf-8")
    subtitle = re.search(r'<p class="subtitle">(.*?) — as of', page).group(1)
    assert len(subtitle) > 150  # long enough to need several lines on the cover
    cover = " ".join(PdfReader(out / "scorecard-P1.pdf").pages[0].extract_text().split())
    assert " ".join(htmllib.unescape(subtitle).split()) in cover


def test_a_long_chart_is_split_across_pages_not_shrunk(tmp_path):
    from sceval.reports.export import (
        FOOT,
        HEAD,
        HEADING,
        PrintPart,
        print_pdf,
        spec_svg,
        text_chart,
    )

    lines = [f"line {i:03d} of a long chart" for i in range(200)]  # 200 x 20 = 4,000 units
    svg = spec_svg(text_chart("A long chart", lines).to_dict())
    path = print_pdf(
        [PrintPart(heading="Long", svg=svg)],
        tmp_path / "long.pdf",
        title="t",
        footer=["run R · as of 2026-06-30 · draft"],
        marking="CUI",
    )
    reader = PdfReader(path)
    # the chart is narrower than the page: drawn at full size, so cut into page-high pieces
    per_page = A4[1] - HEAD - FOOT - HEADING
    assert len(reader.pages) >= 4000 / per_page
    n = len(reader.pages)
    for i, page in enumerate(reader.pages, 1):
        assert (round(float(page.mediabox.width), 2), round(float(page.mediabox.height), 2)) == A4
        text = page.extract_text()
        assert f"Long (part {i} of {n})" in text and f"page {i} of {n}" in text


def test_paper_letter_from_the_cli_and_the_summary_line(tmp_path, marked_project, sceval_cli):
    db = tmp_path / "wh.duckdb"
    con = open_warehouse(db, marked_project)
    run_id = populate(con, marked_project)
    con.close()
    out = tmp_path / "out"
    env = {"SCEVAL_PROJECT": str(marked_project.root)}
    res = sceval_cli(
        "report", "--db", str(db), "--out", str(out), "--format", "html,pdf", "--paper", "letter",
        env=env,
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    for name in ("scorecard-P1.pdf", "portfolio.pdf"):
        _check_pdf(
            out / name, LETTER, PORTFOLIO_MARKING if "portfolio" in name else MARKING, run_id
        )
    # stdout is not a terminal: no bar, only the one summary line
    lines = res.stdout.splitlines()
    assert len(lines) == 1, res.stdout
    m = re.fullmatch(
        rf"wrote (\d+) file\(s\) to {re.escape(str(out))}: reports of run {run_id} "
        r"\(.*\), (\d+) page\(s\) in (\d+\.\d) s",
        lines[0],
    )
    assert m, lines[0]
    written = [p for p in out.rglob("*") if p.is_file()]
    assert int(m.group(1)) == len(written)
    assert int(m.group(2)) == len([p for p in written if p.suffix == ".html"])
    res = sceval_cli("report", "--db", str(db), "--out", str(out), "--paper", "a3", env=env)
    assert res.returncode == 2 and "paper 'a3'" in res.stderr and "Traceback" not in res.stderr


def test_progress_bar_on_a_terminal(tmp_path, marked_project):
    """Under a pseudo-terminal the run (over a second: PDFs) draws the bar, then the summary."""
    db = tmp_path / "wh.duckdb"
    con = open_warehouse(db, marked_project)
    populate(con, marked_project)
    con.close()
    env = {k: v for k, v in os.environ.items() if k not in {"SCEVAL_DB", "SCEVAL_PROJECT"}}
    env |= {"SCEVAL_PROJECT": str(marked_project.root), "COLUMNS": "120", "TERM": "xterm"}
    master, slave = os.openpty()
    exe = Path(sys.executable).with_name("sceval")
    proc = subprocess.Popen(
        [str(exe), "report", "--db", str(db), "--out", str(tmp_path / "o"), "--format", "pdf"],
        stdout=slave,
        stderr=subprocess.PIPE,
        env=env,
    )
    os.close(slave)
    chunks: list[bytes] = []

    def read() -> None:
        while True:
            try:
                data = os.read(master, 4096)
            except OSError:
                return
            if not data:
                return
            chunks.append(data)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    assert proc.wait(timeout=300) == 0, proc.stderr.read()
    reader.join(timeout=10)
    os.close(master)
    shown = b"".join(chunks).decode("utf-8", "replace")
    assert "report pages" in shown  # the bar's label
    assert re.search(r"\d+/\d+", shown)  # pages done / total
    assert re.search(r"\d:\d\d:\d\d", shown)  # elapsed
    assert re.search(r"wrote \d+ file\(s\) to .*, \d+ page\(s\) in \d+\.\d s", shown)


def test_html_pages_carry_the_marking_at_top_and_bottom(printed):
    out, _, _ = printed
    for name, marking in (
        ("scorecard-P1.html", MARKING),
        ("dnh.html", MARKING),
        ("index.html", MARKING),
        ("portfolio.html", PORTFOLIO_MARKING),
    ):
        page = (out / name).read_text(encoding="utf-8")
        top = page.index(f'<div class="marking marking-top" role="note">{marking}</div>')
        bottom = page.index(f'<div class="marking marking-bottom" role="note">{marking}</div>')
        assert top < page.index("<h1>") < page.rindex("</section>") < bottom, name
        assert page.index("<body>") < top and bottom < page.rindex("</body>"), name


def test_exported_images_carry_the_marking(printed):
    out, files, _ = printed
    svgs = [p for p in files if p.suffix == ".svg"]
    assert svgs
    for svg in svgs:
        text = svg.read_text(encoding="utf-8")
        marking = PORTFOLIO_MARKING if svg.parent.name == "portfolio" else MARKING
        found = re.findall(r'<text class="marking"[^>]*\sy="([\d.]+)"[^>]*>([^<]*)</text>', text)
        assert [m for _, m in found] == [marking, marking], svg
        height = svg_size(svg)[1]
        assert float(found[0][0]) < 30 and float(found[1][0]) > height - 30, svg
        assert png_size(svg.with_suffix(".png")) == svg_size(svg)


def test_legends_say_insufficient_data_in_words(printed):
    out, _, _ = printed
    svg = (out / "charts" / "scorecard-P1" / "indicator_bullets.svg").read_text(encoding="utf-8")
    # the fixture has an insufficient-data result: the bullet chart's status legend lists it
    legend = re.search(r"aria-label=\"Symbol legend titled 'status'[^\"]*\"", svg).group(0)
    assert "insufficient data" in legend
    texts = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    assert "insufficient data" in texts
    for path in (out / "charts").rglob("*.svg"):
        assert "insufficient_data" not in path.read_text(encoding="utf-8"), path


def test_a_bad_marking_names_the_file(tmp_path, report_project):
    from sceval.reports.build import parse_report

    bad = tmp_path / "bad.yml"
    bad.write_text("id: bad\nkind: portfolio\nmarking: [SECRET]\n", encoding="utf-8")
    with pytest.raises(ProjectError, match=r"bad\.yml: marking"):
        parse_report(bad)
    bad.write_text('id: bad\nkind: portfolio\nmarking: "CUI\\nSECRET"\n', encoding="utf-8")
    with pytest.raises(ProjectError, match=r"bad\.yml: marking"):
        parse_report(bad)
    # an empty marking in a definition: that report has none, whatever the project says
    bad.write_text("id: bad\nkind: portfolio\nmarking:\n", encoding="utf-8")
    spec = parse_report(bad)
    assert spec.marking is None and spec.own_marking
    root = tmp_path / "proj"
    shutil.copytree(report_project.root, root)
    with (root / "sceval_project.yml").open("a", encoding="utf-8") as fh:
        fh.write("marking: " + "X" * 81 + "\n")
    with pytest.raises(ProjectError, match=r"sceval_project\.yml: marking"):
        _ = Project(root).marking


@pytest.mark.parametrize("head", [0, 150])
@pytest.mark.parametrize("size", [(1029, 2643), (1100, 900), (2321, 247), (500, 5000), (300, 200)])
def test_chart_pieces_cover_the_chart_without_slivers(size, head):
    from sceval.reports.export import (
        FOOT,
        HEAD,
        HEADING,
        MARGIN,
        MIN_SCALE,
        PrintPart,
        _chart_pieces,
    )

    w, h = size
    # Vega's one group, moved right of the row labels and below the header (150 units)
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}">'
        f'<rect width="{w}" height="{h}"/><g transform="translate(80,{head})"></g></svg>'
    )
    width, height = A4[0] - 2 * MARGIN, A4[1] - HEAD - FOOT
    pages = [p for _, p in _chart_pieces(PrintPart("c", svg=svg), 0, width, height)]
    windows = [page[-1] for page in pages]
    continued = len({p.y for p in windows}) > 1  # the chart runs down over several pages
    for page in pages:
        *strip, p = page
        # on the page: inside the content box, never shrunk below 90% of MIN_SCALE
        assert p.width * p.scale <= width + 1e-6
        assert p.at + p.height * p.scale <= height - HEADING + 1e-6
        assert MIN_SCALE * 0.9 <= p.scale <= 1.0
        # no sliver: every piece at least a third of the page's width and of the chart's height
        assert p.width * p.scale >= min(width, w * p.scale) / 3
        assert p.height >= min(h, (height - HEADING) / p.scale) / 3
        if continued and head:
            # continued over pages: the header (column labels) on top of every page
            assert [(s.y, s.height, s.at) for s in strip] == [(0.0, head, 0.0)]
            assert p.at == pytest.approx(head * p.scale) and p.y >= head
        else:
            assert strip == [] and p.at == 0
    # together they cover the whole chart
    assert min(p.x for p in windows) == 0
    assert min(p.y for p in windows) == (head if continued else 0)
    assert max(p.x + p.width for p in windows) == pytest.approx(w)
    assert max(p.y + p.height for p in windows) == pytest.approx(h)
    # a chart that fits is one piece at full size
    if w <= width and h <= height - HEADING:
        assert len(windows) == 1 and windows[0].scale == 1.0


def test_the_diff_page_carries_the_project_marking(tmp_path, marked_project):
    from sceval.diff import RunDiff, diff_page_html

    con = open_warehouse(tmp_path / "wh.duckdb", marked_project)
    try:
        run_id = populate(con, marked_project)
        page = diff_page_html(RunDiff(run_id, run_id), marked_project, con)
    finally:
        con.close()
    top = page.index(f'<div class="marking marking-top" role="note">{MARKING}</div>')
    bottom = page.index(f'<div class="marking marking-bottom" role="note">{MARKING}</div>')
    assert top < page.index("<h1>") < bottom
