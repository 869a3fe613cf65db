"""Charts to PNG, SVG and PDF on every available core.

vl-convert runs Vega in one JavaScript runtime per process and its calls do not overlap:
two threads took longer than one (measured, BENCHMARKS.md). So each page's conversion (its
charts rendered to SVG once, then the PNG/SVG files and the PDF drawn from that SVG) is one
job for worker processes, while the main process goes on building the next pages.
A job carries only the page's chart specs and texts, never the report data.
"""

from __future__ import annotations

import os
import pickle
import queue
import subprocess
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future
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


class _Worker:
    """One worker process (`python -m sceval.reports.convert`): jobs in, files out, pickled
    over its stdin and stdout. A plain subprocess rather than multiprocessing: spawn would
    import the caller's main script again (a script without a `__main__` guard would run
    twice), and fork would copy DuckDB's and Polars' threads mid-flight."""

    def __init__(self) -> None:
        env = dict(os.environ)
        src = str(Path(__file__).resolve().parents[2])  # the folder holding `sceval`
        env["PYTHONPATH"] = os.pathsep.join(p for p in (src, env.get("PYTHONPATH")) if p)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "sceval.reports.convert"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
        )

    def run(self, job: ExportJob) -> list[Path]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        pickle.dump(job, self.proc.stdin)
        self.proc.stdin.flush()
        try:
            ok, value = pickle.load(self.proc.stdout)
        except EOFError:
            raise RuntimeError(f"the chart converter stopped (exit {self.proc.wait()})") from None
        if not ok:
            raise value
        return value

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        self.proc.wait()


class Converter:
    """Runs export jobs on worker processes (or here, for small sets or one core); `submit`
    returns a Future either way. Use as a context manager: leaving waits for every job."""

    def __init__(self, pages: int) -> None:
        n = workers()
        self._queue: queue.Queue = queue.Queue()
        self._threads: list[threading.Thread] = []
        self._stop = False
        if n > 1 and pages >= MIN_PAGES:
            # One thread per worker process: it waits on the pipe, without the GIL.
            self._threads = [threading.Thread(target=self._serve, daemon=True) for _ in range(n)]
            for t in self._threads:
                t.start()

    def _serve(self) -> None:
        worker: _Worker | None = None
        try:
            while (item := self._queue.get()) is not None:
                job, fut = item
                if self._stop or not fut.set_running_or_notify_cancel():
                    continue
                try:
                    worker = worker or _Worker()
                    fut.set_result(worker.run(job))
                except BaseException as exc:  # noqa: BLE001 - handed to the caller's result()
                    fut.set_exception(exc)
        finally:
            if worker is not None:
                worker.close()

    def submit(self, job: ExportJob) -> Future:
        fut: Future = Future()
        if self._threads and not job.empty:
            self._queue.put((job, fut))
        else:
            fut.set_result(run_job(job) if not job.empty else [])
        return fut

    def __enter__(self) -> Converter:
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop = exc[0] is not None  # an error: the jobs not started are dropped
        for _ in self._threads:
            self._queue.put(None)
        for t in self._threads:
            t.join()


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


def _serve_pipe() -> None:
    """A worker's loop: a pickled job in on stdin, (ok, files or error) out on stdout."""
    channel_in, channel_out = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing printed may corrupt the channel
    while True:
        try:
            job = pickle.load(channel_in)
        except EOFError:
            return
        try:
            reply: tuple[bool, Any] = (True, run_job(job))
        except Exception as exc:  # noqa: BLE001 - sent back, raised in the main process
            try:
                pickle.dumps(exc)
                reply = (False, exc)
            except Exception:  # noqa: BLE001 - an error that cannot be pickled: its text
                reply = (False, RuntimeError(repr(exc)))
        pickle.dump(reply, channel_out)
        channel_out.flush()


if __name__ == "__main__":
    _serve_pipe()
