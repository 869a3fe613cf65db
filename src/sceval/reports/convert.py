"""Charts to PNG, SVG and PDF on every available core.

vl-convert runs Vega in one JavaScript runtime per process and its calls do not overlap:
two threads took longer than one (measured, BENCHMARKS.md). So each page's conversion (its
charts rendered to SVG once, then the PNG/SVG files and the PDF drawn from that SVG) is one
job for a pool of worker processes, while the main process goes on building the next pages.
A job carries only the page's chart specs and texts, never the report data.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sceval.reports.export import PrintPart, chart_files, print_pdf, spec_svg

# Below this many pages the workers' start (a second or two each: Python, vl-convert) costs
# more than it saves.
MIN_PAGES = 6


@dataclass
class PdfJob:
    """A page's print-ready PDF: parts whose `key` names the chart they show."""

    path: Path
    parts: list[PrintPart]
    paper: str
    title: str
    footer: list[str]
    marking: str | None


@dataclass
class ExportJob:
    """What one page needs converted: its charts (section id, Vega-Lite spec), the image
    files (`charts/<page>/<section>.png|svg`) and the PDF, if any."""

    name: str
    out_dir: Path
    formats: tuple[str, ...]
    marking: str | None
    charts: list[tuple[str, dict]] = field(default_factory=list)
    pdf: PdfJob | None = None
    vl_version: str | None = None

    @property
    def empty(self) -> bool:
        """Nothing to convert (an HTML-only page, or a page without charts or PDF)."""
        images = bool(self.charts) and ("png" in self.formats or "svg" in self.formats)
        return not images and self.pdf is None


def run_job(job: ExportJob) -> list[Path]:
    """Convert one page: each chart rendered once, then its files and the PDF."""
    needed = {p.key for p in job.pdf.parts if p.key} if job.pdf else set()
    images = "png" in job.formats or "svg" in job.formats
    svgs = {
        sid: spec_svg(spec, job.vl_version) for sid, spec in job.charts if images or sid in needed
    }
    written: list[Path] = []
    if images:
        for sid, _ in job.charts:
            base = job.out_dir / "charts" / job.name / sid
            written += chart_files(svgs[sid], base, list(job.formats), job.marking)
    if job.pdf is not None:
        pdf = job.pdf
        parts = [replace(p, svg=svgs[p.key]) if p.key else p for p in pdf.parts]
        written.append(
            print_pdf(
                parts,
                pdf.path,
                paper=pdf.paper,
                title=pdf.title,
                footer=pdf.footer,
                marking=pdf.marking,
            )
        )
    return written


def workers() -> int:
    """Worker processes: the cores this process may use (`SCEVAL_REPORT_WORKERS` overrides;
    1 converts in the main process)."""
    env = os.environ.get("SCEVAL_REPORT_WORKERS", "").strip()
    if env.isdigit() and int(env) > 0:
        return int(env)
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class Converter:
    """Runs export jobs in a process pool (or here, for small sets or one core); `submit`
    returns a Future either way. Use as a context manager: leaving waits for every job."""

    def __init__(self, pages: int) -> None:
        n = workers()
        self._pool: ProcessPoolExecutor | None = None
        if n > 1 and pages >= MIN_PAGES:
            # spawn, not fork: the main process holds DuckDB and Polars threads
            ctx = multiprocessing.get_context("spawn")
            self._pool = ProcessPoolExecutor(max_workers=n, mp_context=ctx)

    def submit(self, job: ExportJob) -> Future:
        if self._pool is not None and not job.empty:
            return self._pool.submit(run_job, job)
        done: Future = Future()
        done.set_result(run_job(job) if not job.empty else [])
        return done

    def __enter__(self) -> Converter:
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=exc[0] is None, cancel_futures=exc[0] is not None)


def drain(
    pending: list[tuple[str, Future]],
    on_done: Callable[[str, list[Path]], None],
    *,
    block: bool,
) -> list[tuple[str, Future]]:
    """Hand the finished jobs' files to `on_done` (in submission order, so the progress
    counts pages as the reader would); return those still running. `block`: wait for all."""
    still = []
    for i, (name, fut) in enumerate(pending):
        if not block and not fut.done():
            still = pending[i:]
            break
        on_done(name, fut.result())
    return still
