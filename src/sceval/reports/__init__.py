"""Offline reports: self-contained HTML pages, PNG/SVG charts and PDF scorecards.

`write_reports` is what `sceval report` and `sceval demo` call. The charts themselves are a
public API in `sceval.reports.charts` (Polars frames in, Altair charts out).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sceval.rundef import load_pipeline

if TYPE_CHECKING:
    from sceval.project import Project
    from sceval.reports.build import ReportDef
    from sceval.reports.data import ReportData
    from sceval.reports.page import Page

FORMATS = ("html", "pdf", "png", "svg")


def write_page(page: Page, out_dir: Path, formats: list[str]) -> list[Path]:
    """A page's HTML file and its charts as PNG/SVG (`charts/<page>/<section>.*`)."""
    from sceval.reports.export import chart_files
    from sceval.reports.page import render_page

    written = []
    if "html" in formats:
        path = out_dir / f"{page.name}.html"
        path.write_text(render_page(page), encoding="utf-8")
        written.append(path)
    if "png" in formats or "svg" in formats:
        for s in page.charted():
            written += chart_files(s.svg(), out_dir / "charts" / page.name / s.id, formats)
    return written


def scorecard_pdf(page: Page, path: Path) -> Path:
    """The PDF scorecard: a cover page with provenance, then one page per section."""
    from sceval.reports.export import pdf_document, spec_svg, text_chart
    from sceval.reports.page import file_label

    cover_lines = [page.subtitle, f"as of {page.as_of}"]
    for run in page.runs:
        cover_lines += [run.status_line]
        cover_lines += [
            f"run id: {run.run_id}",
            f"catalogue hash: {run.catalogue_hash}",
            f"engine version: {run.engine_version}",
            f"input files: {len(run.input_files)}",
        ]
        cover_lines += [
            f"  {file_label(f)}  sha256 {str(f.get('sha256'))[:16]}…" for f in run.input_files[:20]
        ]
    svgs = [spec_svg(text_chart(page.title, cover_lines).to_dict())]
    for s in page.sections:
        if s.chart is not None:
            svgs.append(s.svg())
        else:
            lines = [s.empty] if s.empty else s.lines or ["No data."]
            svgs.append(spec_svg(text_chart(s.title, lines).to_dict()))
    return pdf_document(svgs, path)


def write_scorecard(
    data: ReportData, spec: ReportDef, program_id: str, out_dir: Path, formats: list[str]
) -> list[Path]:
    """Every file of one program's scorecard (the unit the benchmarks time per program)."""
    from sceval.reports.build import build_page

    page = build_page(data, spec, program_id)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = write_page(page, out_dir, formats)
    if "pdf" in formats:
        written.append(scorecard_pdf(page, out_dir / f"{page.name}.pdf"))
    return written


def write_index(pages: list[tuple[str, str]], data: ReportData, out_dir: Path) -> Path:
    """index.html: links to every page written (no charts)."""
    from sceval.reports.page import Page, Section, esc, render_page

    links = "".join(f'<li><a href="{esc(href)}">{esc(title)}</a></li>' for href, title in pages)
    page = Page(
        name="index",
        title="sceval reports",
        subtitle="The report set of this run",
        runs=list(data.runs.values()),
        as_of=data.as_of,
        sections=[Section(id="reports", title="Reports", html=f"<ul>{links}</ul>")],
    )
    path = out_dir / "index.html"
    path.write_text(render_page(page), encoding="utf-8")
    return path


def report_selection(con, project: Project, data: ReportData) -> list[str] | str:
    """The `reports` choice of the pipeline the main run used (default pipeline otherwise)."""
    run_ids = list(data.runs)
    name = None
    if run_ids:
        rows = con.execute("SELECT pipeline FROM runs WHERE run_id = ?", [run_ids[0]]).fetchall()
        name = rows[0][0] if rows else None
    if name and not project.path("pipelines", f"{name}.yml").is_file():
        name = None
    return load_pipeline(project, name).reports


def write_reports(
    con,
    project: Project,
    out_dir: str | Path,
    *,
    formats: list[str] | tuple[str, ...] = FORMATS,
    run_id: str | None = None,
    profile: str = "internal",
    period: str | None = None,
) -> list[Path]:
    """Write the report set of one run (default: the latest) into `out_dir`; return the files.

    `profile`: internal, or public (see `reports.data.load_report_data`). `period` chooses
    the reporting period the pages show (default cumulative); scorecards also draw the run's
    per-period series.
    """
    from sceval.errors import UsageError
    from sceval.reports.build import build_page, page_name, report_definitions, scorecard_programs
    from sceval.reports.data import load_report_data

    fmts = [f.lower() for f in formats]
    bad = [f for f in fmts if f not in FORMATS]
    if bad:
        raise UsageError(
            f"report format(s) {', '.join(bad)}: expected some of {', '.join(FORMATS)}"
        )
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise UsageError(f"{out}: not a folder")
    data = load_report_data(con, project, run_id, period, profile=profile)
    specs = report_definitions(project, report_selection(con, project, data))
    written: list[Path] = []
    pages: list[tuple[str, str]] = []
    try:
        out.mkdir(parents=True, exist_ok=True)
        for spec in specs:
            if spec.per_program:
                for program_id in scorecard_programs(data):
                    written += write_scorecard(data, spec, program_id, out, fmts)
                    name = f"{page_name(spec, program_id)}.html"
                    pages.append((name, f"{spec.title}: {program_id}"))
            else:
                written += write_page(build_page(data, spec), out, fmts)
                pages.append((f"{spec.id}.html", spec.title))
            if spec.kind == "followup":
                # the portfolio page above, and one page per program with findings
                from sceval.reports.followup import followup_programs

                for program_id in followup_programs(data.followup):
                    written += write_page(build_page(data, spec, program_id), out, fmts)
                    name = f"{page_name(spec, program_id)}.html"
                    pages.append((name, f"{spec.title}: {program_id}"))
        if "html" in fmts:
            written.append(write_index(pages, data, out))
    except OSError as exc:
        where = exc.filename or out
        raise UsageError(f"{where}: cannot write the reports ({exc.strerror or exc})") from None
    return written
