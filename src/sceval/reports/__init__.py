"""Offline reports: self-contained HTML pages, PNG/SVG charts and PDF scorecards.

`write_reports` is what `sceval report` and `sceval demo` call. The charts themselves are a
public API in `sceval.reports.charts` (Polars frames in, Altair charts out).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sceval.rundef import load_pipeline

if TYPE_CHECKING:
    from collections.abc import Callable

    from sceval.project import Project
    from sceval.reports.build import ReportDef
    from sceval.reports.convert import ExportJob, PdfJob
    from sceval.reports.data import ReportData
    from sceval.reports.page import Page

FORMATS = ("html", "pdf", "png", "svg")


def write_page(page: Page, out_dir: Path, formats: list[str]) -> list[Path]:
    """A page's HTML file and its charts as PNG/SVG (`charts/<page>/<section>.*`)."""
    from sceval.reports.convert import run_job

    written = write_html(page, out_dir, formats)
    return written + run_job(export_job(page, out_dir, formats, pdf=False))


def write_html(page: Page, out_dir: Path, formats: list[str]) -> list[Path]:
    """The page's HTML file, when HTML is among the formats."""
    from sceval.reports.page import render_page

    if "html" not in formats:
        return []
    path = out_dir / f"{page.name}.html"
    path.write_text(render_page(page), encoding="utf-8")
    return [path]


def pdf_job(page: Page, path: Path, *, paper: str = "a4") -> PdfJob:
    """What a page's print-ready PDF shows: a cover with the title, subtitle and
    provenance, then one part per section (a chart, split across pages when long, or the
    section's text); every page of the paper's size with the run's provenance, page numbers
    and the marking."""
    from sceval.reports.convert import PdfJob
    from sceval.reports.export import PrintPart
    from sceval.reports.page import file_label

    cover: list[tuple[str, str]] = [(page.subtitle, "subtitle"), (f"as of {page.as_of}", "text")]
    for run in page.runs:
        cover += [("", "text"), (run.status_line, "text")]
        cover += [
            (f"run id: {run.run_id}", "text"),
            (f"catalogue hash: {run.catalogue_hash}", "text"),
            (f"engine version: {run.engine_version}", "text"),
            (f"input files: {len(run.input_files)}", "text"),
        ]
        cover += [(f"{file_label(f)}  sha256 {f.get('sha256')}", "small") for f in run.input_files]
    parts = [PrintPart(heading="", lines=[(page.title, "title"), *cover])]
    for s in page.sections:
        if s.chart is not None:
            parts.append(PrintPart(heading=s.title, key=s.id))
        else:
            lines = [s.empty] if s.empty else s.lines or ["No data."]
            parts.append(PrintPart(heading=s.title, lines=[(x, "text") for x in lines]))
    footer = [f"run {run.run_id} · as of {run.as_of} · {run.status_line}" for run in page.runs] or [
        f"no run behind this page · as of {page.as_of}"
    ]
    return PdfJob(path, parts, paper, page.title, footer, page.marking)


def export_job(
    page: Page, out_dir: Path, formats: list[str], *, pdf: bool, paper: str = "a4"
) -> ExportJob:
    """A page's conversions (chart files, and the PDF when `pdf`), to run here or in a worker."""
    from sceval.reports.convert import ExportJob
    from sceval.reports.export import _vl_version

    return ExportJob(
        name=page.name,
        out_dir=Path(out_dir),
        formats=tuple(formats),
        marking=page.marking,
        charts=[(s.id, s.spec()) for s in page.charted()],
        pdf=pdf_job(page, Path(out_dir) / f"{page.name}.pdf", paper=paper) if pdf else None,
        vl_version=_vl_version(),
    )


def page_pdf(page: Page, path: Path, *, paper: str = "a4") -> Path:
    """A page as a print-ready PDF (see `pdf_job`)."""
    from sceval.reports.convert import ExportJob, run_job

    job = ExportJob(
        name=page.name,
        out_dir=path.parent,
        formats=("pdf",),
        marking=page.marking,
        charts=[(s.id, s.spec()) for s in page.charted()],
        pdf=pdf_job(page, path, paper=paper),
    )
    return run_job(job)[-1]


def scorecard_pdf(page: Page, path: Path, *, paper: str = "a4") -> Path:
    """The PDF scorecard (see `page_pdf`)."""
    return page_pdf(page, path, paper=paper)


def write_scorecard(
    data: ReportData,
    spec: ReportDef,
    program_id: str,
    out_dir: Path,
    formats: list[str],
    *,
    paper: str = "a4",
) -> list[Path]:
    """Every file of one program's scorecard (the unit the benchmarks time per program)."""
    from sceval.reports.build import build_page
    from sceval.reports.convert import run_job

    page = build_page(data, spec, program_id)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = write_html(page, out_dir, formats)
    job = export_job(page, out_dir, formats, pdf="pdf" in formats, paper=paper)
    return written + run_job(job)


def write_index(
    pages: list[tuple[str, str]], data: ReportData, out_dir: Path, marking: str | None = None
) -> Path:
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
        marking=marking,
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
    paper: str = "a4",
    progress: Callable[[int, int, str], None] | None = None,
) -> list[Path]:
    """Write the report set of one run (default: the latest) into `out_dir`; return the files.

    `profile`: internal, or public (see `reports.data.load_report_data`). `period` chooses
    the reporting period the pages show (default cumulative); scorecards also draw the run's
    per-period series. `paper`: the PDFs' page size (a4 or letter). `progress(done, total,
    page)` is called after each page is written (the index included).
    """
    from concurrent.futures import Future

    from sceval.errors import UsageError
    from sceval.reports.build import build_page, report_definitions, scorecard_programs
    from sceval.reports.convert import Converter, drain
    from sceval.reports.data import load_report_data
    from sceval.reports.export import PAPERS
    from sceval.reports.followup import followup_programs

    fmts = [f.lower() for f in formats]
    bad = [f for f in fmts if f not in FORMATS]
    if bad:
        raise UsageError(
            f"report format(s) {', '.join(bad)}: expected some of {', '.join(FORMATS)}"
        )
    if paper not in PAPERS:
        raise UsageError(f"paper {paper!r}: expected one of {', '.join(PAPERS)}")
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise UsageError(f"{out}: not a folder")
    data = load_report_data(con, project, run_id, period, profile=profile)
    specs = report_definitions(project, report_selection(con, project, data))
    # Every page to write, in order: (definition, program or None for the portfolio page).
    plan: list[tuple[ReportDef, str | None]] = []
    for spec in specs:
        if spec.per_program:
            plan += [(spec, program_id) for program_id in scorecard_programs(data)]
        else:
            plan.append((spec, None))
        if spec.kind == "followup":
            # the portfolio page above, and one page per program with findings
            plan += [(spec, program_id) for program_id in followup_programs(data.followup)]
    total = len(plan) + ("html" in fmts)
    if progress is not None:
        progress(0, total, "")
    written: list[Path] = []
    pages: list[tuple[str, str]] = []

    def done(name: str, files: list[Path]) -> None:
        written.extend(files)
        pages.append(titles[name])
        if progress is not None:
            progress(len(pages), total, name)

    titles: dict[str, tuple[str, str]] = {}
    try:
        out.mkdir(parents=True, exist_ok=True)
        # Pages are built here, one after the other; their charts are converted by the
        # converter's workers meanwhile (reports/convert.py).
        with Converter(len(plan)) as converter:
            pending: list[tuple[str, Future]] = []
            for spec, program_id in plan:
                page = build_page(data, spec, program_id)
                name = f"{page.name}.html"
                title = spec.title if program_id is None else f"{spec.title}: {program_id}"
                titles[name] = (name, title)
                written.extend(write_html(page, out, fmts))
                with_pdf = "pdf" in fmts and (spec.per_program or spec.kind == "portfolio")
                job = export_job(page, out, fmts, pdf=with_pdf, paper=paper)
                pending.append((name, converter.submit(job)))
                pending = drain(pending, done, block=False)
            drain(pending, done, block=True)
        if "html" in fmts:
            written.append(write_index(pages, data, out, project.marking))
            if progress is not None:
                progress(total, total, "index.html")
    except OSError as exc:
        where = exc.filename or out
        raise UsageError(f"{where}: cannot write the reports ({exc.strerror or exc})") from None
    return written
