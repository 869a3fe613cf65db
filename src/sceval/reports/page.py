"""One self-contained HTML page: provenance, sections, charts rendered by inlined Vega.

Nothing on the page is fetched, and its Content-Security-Policy tells the browser so
(`default-src 'none'`: a value that slipped through escaping could load nothing). The Vega,
Vega-Lite and vega-embed JavaScript is inlined (from vl-convert's bundle), styles are inline, fonts are the reader's system fonts. Every
piece of text from the data is HTML-escaped, and the chart specifications embedded in the
`<script>` element have `<`, `>` and `&` written as JSON escapes so that no data value can
close the script element.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

import polars as pl

if TYPE_CHECKING:
    from sceval.reports.model import Run

EMBED_OPTIONS = {"actions": False, "renderer": "svg"}

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;margin:24px;color:#111;max-width:1200px}
h1{margin-bottom:0}.subtitle{color:#444;margin-top:4px}
.provenance{background:#f6f6f6;border:1px solid #ddd;padding:4px 12px;font-size:12px;margin:8px 0}
.provenance code{word-break:break-all}.input-files{margin-top:28px;font-size:12px}
.input-files summary{cursor:pointer;font-weight:bold}
.run-status{padding:4px 8px;border-left:4px solid #b8860b;background:#fff8e1}
.run-status.approved{border-color:#2e7d32;background:#e8f5e9}
table{border-collapse:collapse;font-size:12px;margin:8px 0}
th,td{border:1px solid #ccc;padding:3px 6px;text-align:left;vertical-align:top}
th{background:#eee}.empty{font-style:italic;color:#444;border-left:4px solid #999;padding-left:8px}
.chart{margin:8px 0 16px 0;overflow-x:auto}
.chart.vega-embed{display:flex;flex-direction:column;align-items:flex-start}.chart .vega-bindings{order:-1;margin-bottom:8px}
.vega-bind{display:inline-block;margin-right:16px;font-size:13px}.note{font-size:12px;color:#444}
nav a{margin-right:12px}section{margin-top:28px}figure.chart-figure{margin:0}
td,th{overflow-wrap:anywhere}
.state-flag{font-weight:bold}.muted{color:#666}
.marking{text-align:center;font-weight:bold;letter-spacing:.06em;border:1px solid #111;padding:2px 8px;margin:8px 0;background:#fff}
@media print{.marking{position:fixed;left:0;right:0;margin:0}.marking-top{top:0}.marking-bottom{bottom:0}body{margin:48px 24px}}
"""

EMBED_JS = """
(function(){
  const specs = JSON.parse(document.getElementById("sceval-specs").textContent);
  const opts = %s;
  for (const id of Object.keys(specs)) {
    const el = document.getElementById(id);
    vegaEmbed(el, specs[id], opts)
      .then(function(){ el.setAttribute("data-rendered", "true"); })
      .catch(function(err){ el.setAttribute("data-rendered", "error"); console.error("chart " + id + ": " + err); });
  }
})();
"""


@dataclass
class Section:
    """One titled part of a page: an optional chart, or a message saying why there is none."""

    id: str
    title: str
    intro: str = ""
    chart: Any = None
    empty: str | None = None
    html: str = ""
    # What an HTML-only section says on its PDF page (one line each), when it has no chart.
    lines: list[str] = field(default_factory=list)
    _spec: dict | None = field(default=None, repr=False)
    _svg: str | None = field(default=None, repr=False)

    def spec(self) -> dict:
        """The chart's Vega-Lite spec (built once, then reused by HTML and exports).

        Schema validation is skipped: it is most of Altair's time on large pages, and every
        chart kind is rendered by vl-convert and by Chromium in the tests.
        """
        if self._spec is None:
            self._spec = self.chart.to_dict(validate=False)
            # Every chart has a text alternative: its own description, else the section's.
            self._spec.setdefault("description", self.fallback_description())
        return self._spec

    def fallback_description(self) -> str:
        """What a chart without a description of its own is described by: its section."""
        return f"{self.title}. {self.intro}" if self.intro else self.title

    def svg(self) -> str:
        """The chart rendered once as SVG; PNG and PDF are rasterised/converted from it."""
        if self._svg is None:
            from sceval.reports.export import spec_svg

            self._svg = spec_svg(self.spec())
        return self._svg


@dataclass
class Page:
    """One report file."""

    name: str
    title: str
    subtitle: str
    runs: list[Run]
    as_of: str
    sections: list[Section] = field(default_factory=list)
    nav: list[tuple[str, str]] = field(default_factory=list)
    # The handling marking printed at the top and bottom of the page and of its exports.
    marking: str | None = None

    def charted(self) -> list[Section]:
        """The sections that have a chart."""
        return [s for s in self.sections if s.chart is not None]


def esc(value: Any) -> str:
    """Text from the data, escaped for HTML."""
    return html.escape("" if value is None else str(value), quote=True)


def script_json(obj: Any) -> str:
    """JSON safe inside a <script> element: no `<`, `>` or `&` can end or confuse it."""
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


@cache
def vega_bundle() -> str:
    """vega + vega-lite + vega-embed, as one script (from vl-convert, no network).

    vl-convert builds the bundle on each call (seconds on a busy machine), so it is kept in
    the user's cache folder, keyed by the vl-convert and Vega-Lite versions.
    """
    import os
    from pathlib import Path

    import vl_convert as vlc
    from altair.utils._importers import vl_version_for_vl_convert

    vl_version = vl_version_for_vl_convert()
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "sceval"
    cached = base / f"vega-bundle-{getattr(vlc, '__version__', 'x')}-{vl_version}.js"
    try:
        text = cached.read_text(encoding="utf-8")
        if "window.vegaEmbed=" in text:
            return text
    except OSError:
        pass
    bundle = vlc.javascript_bundle(vl_version=vl_version)
    try:
        base.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(bundle, encoding="utf-8")
        tmp.replace(cached)
    except OSError:
        pass  # a read-only home: build the bundle every time
    return bundle


def html_table(frame: pl.DataFrame, columns: dict[str, str], *, missing: str = "-") -> str:
    """A frame as an HTML table (header -> column), every cell escaped."""
    head = "".join(f"<th>{esc(h)}</th>" for h in columns)
    body = []
    for row in frame.select(list(columns.values())).iter_rows():
        cells = "".join(f"<td>{esc(missing if v is None else v)}</td>" for v in row)
        body.append(f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def file_label(f: dict[str, Any]) -> str:
    """How a page names an input file: its path relative to the project (or the folder it was
    loaded from), never the loading machine's absolute path, which differs between machines
    and may name a user's home folder (the absolute path stays in the warehouse's `loads`)."""
    return str(f.get("path") or PurePath(str(f.get("file") or "")).name or "-")


def provenance_html(runs: list[Run], as_of: str) -> str:
    """One header line per run behind the page: run id, as-of date, engine version, catalogue hash."""
    if not runs:
        return '<p class="provenance"><span class="empty">No run behind this page.</span></p>'
    lines = [
        '<p class="provenance">'
        f'run <code class="run-id">{esc(run.run_id)}</code> · '
        f'as of <span class="as-of">{esc(run.as_of)}</span> · '
        f'engine <span class="engine-version">{esc(run.engine_version)}</span> · '
        f'catalogue <code class="catalogue-hash">{esc(run.catalogue_hash)}</code>'
        "</p>"
        for run in runs
    ]
    return "".join(lines)


def input_files_html(runs: list[Run]) -> str:
    """The input files of the runs behind the page (name, rows, SHA-256), folded at the page's end."""
    if not runs:
        return ""
    parts = []
    for run in runs:
        files = [
            "<tr><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td></tr>".format(
                esc(f.get("table")), esc(file_label(f)), esc(f.get("rows")), esc(f.get("sha256"))
            )
            for f in run.input_files
        ]
        table = (
            "<table><thead><tr><th>table</th><th>file</th><th>rows</th><th>SHA-256</th></tr>"
            f"</thead><tbody>{''.join(files)}</tbody></table>"
            if files
            else '<p class="empty">No input files recorded for this run.</p>'
        )
        parts.append(
            f'<p class="note">Run <code>{esc(run.run_id)}</code>, started {esc(run.started_at)} '
            f"(command: {esc(run.command)}): {len(files)} input file(s).</p>{table}"
        )
    return (
        '<details class="input-files" id="input-files"><summary>Input files '
        f"(provenance)</summary>{''.join(parts)}</details>"
    )


def content_security_policy(scripts: list[str]) -> str:
    """The page's Content-Security-Policy: nothing is loaded from anywhere, not even the
    page's own folder; only the page's own inline scripts run (by their SHA-256), with the
    `eval` that Vega's expression compiler needs; inline styles; images as data URIs."""
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'"
        for s in scripts
    )
    script_src = f"{hashes} 'unsafe-eval'" if scripts else "'none'"
    return (
        "default-src 'none'; "
        f"script-src {script_src}; "
        "style-src 'unsafe-inline'; img-src data: blob:; font-src data:; "
        "connect-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'"
    )


def status_html(runs: list[Run]) -> str:
    """The header line every page carries: which run it shows, why, and its status."""
    lines = []
    for run in runs:
        cls = "approved" if run.status == "approved" else "draft"
        why = f" ({esc(run.chosen)})" if run.chosen else ""
        lines.append(
            f'<p class="run-status {cls}"><strong>{esc(run.status_line)}</strong> — run '
            f"<code>{esc(run.run_id)}</code>{why}</p>"
        )
    return "".join(lines)


def marking_html(marking: str | None, where: str) -> str:
    """The handling marking as a banner (`where`: top or bottom); nothing without a marking."""
    if not marking:
        return ""
    return f'<div class="marking marking-{where}" role="note">{esc(marking)}</div>'


def chart_text(spec: dict) -> tuple[str, str]:
    """A chart's title and description, as the spec gives them (text alternatives)."""
    title = spec.get("title")
    if isinstance(title, dict):
        title = title.get("text")
    if isinstance(title, list):
        title = " ".join(str(t) for t in title)
    return str(title or ""), str(spec.get("description") or "")


def chart_figure(cid: str, section: Section, spec: dict) -> str:
    """A chart's container in a figure whose caption is its text alternative: screen readers
    announce the chart by its title and description (the SVG itself is hidden from them)."""
    title, about = chart_text(spec)
    own = about and about != section.fallback_description()
    label = f"{title}. {about}" if own and title else about or title or section.title
    # The section's intro already stands above the chart: a caption only says what is new.
    caption = (
        f'<figcaption class="note" id="{esc(cid)}-caption">{esc(about)}</figcaption>' if own else ""
    )
    return (
        f'<figure class="chart-figure">'
        f'<div class="chart" id="{esc(cid)}" data-chart="{esc(section.id)}" role="img" '
        f'aria-label="{esc(label)}"></div>{caption}</figure>'
    )


def render_page(page: Page) -> str:
    """The complete HTML of a page, with the Vega runtime and the chart specs inlined."""
    nav = "".join(f'<a href="{esc(href)}">{esc(text)}</a>' for href, text in page.nav)
    body = []
    specs = {}
    for s in page.sections:
        chart_div = ""
        if s.chart is not None:
            cid = f"chart-{s.id}"
            specs[cid] = s.spec()
            chart_div = chart_figure(cid, s, specs[cid])
        empty = f'<p class="empty">{esc(s.empty)}</p>' if s.empty else ""
        intro = f"<p>{esc(s.intro)}</p>" if s.intro else ""
        body.append(
            f'<section id="{esc(s.id)}"><h2>{esc(s.title)}</h2>{intro}{empty}{chart_div}{s.html}</section>'
        )
    toc = ""
    if len(page.sections) > 1:
        links = " · ".join(f'<a href="#{esc(s.id)}">{esc(s.title)}</a>' for s in page.sections)
        toc = f'<p class="toc">Contents: {links}</p>'
    scripts = ""
    code: list[str] = []
    if specs:
        code = [vega_bundle(), EMBED_JS % json.dumps(EMBED_OPTIONS)]
        scripts = (
            f"<script>{code[0]}</script>\n"
            f'<script type="application/json" id="sceval-specs">{script_json(specs)}</script>\n'
            f"<script>{code[1]}</script>"
        )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{esc(content_security_policy(code))}">
<title>{esc(page.title)}</title>
<style>{CSS}</style>
</head>
<body>
{marking_html(page.marking, "top")}
<nav>{nav}</nav>
<h1>{esc(page.title)}</h1>
<p class="subtitle">{esc(page.subtitle)} — as of <span class="as-of">{esc(page.as_of)}</span></p>
{status_html(page.runs)}
{provenance_html(page.runs, page.as_of)}
{toc}
{"".join(body)}
{input_files_html(page.runs)}
<noscript><p class="empty">The charts need JavaScript; the tables above carry the same figures.</p></noscript>
{scripts}
{marking_html(page.marking, "bottom")}
</body>
</html>
"""
