"""What a reader sees on a rendered report page, measured by the browser: overlapping text,
text hidden under a mark, anything wider than the page, and text too faint to read (WCAG
contrast).

`page_layout(page, width=1400)` takes a Playwright page that has already loaded a report
and returns a `Layout`; it waits for every chart to render first. The measurements are the
browser's own (getBoundingClientRect, computed styles, hit testing), so they hold for
whatever the charts become, at any portfolio size.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Runs in the page. Text boxes come from getBoundingClientRect after rendering; a text is
# ignored when empty or invisible (display, visibility or any ancestor's opacity).
# The background of a text is what hit testing finds beneath its midline (filled shapes,
# then HTML backgrounds, then white), so text drawn on a cell is judged against that cell.
MEASURE_JS = r"""
([tolerance, withContrast]) => {
  const parse = (c) => {
    const m = c && c.match(/rgba?\(([^)]+)\)/);
    if (!m) return null;
    const p = m[1].split(/[ ,\/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  const over = (top, bottom) => {
    const a = top[3];
    return [0, 1, 2].map(i => top[i] * a + bottom[i] * (1 - a)).concat([1]);
  };
  const lum = (c) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
  };
  const ratio = (a, b) => { const x = lum(a), y = lum(b); return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05); };
  const opacityOf = (el) => {
    let o = 1;
    for (let e = el; e && e.nodeType === 1; e = e.parentElement) {
      const s = getComputedStyle(e);
      if (s.display === 'none' || s.visibility === 'hidden') return 0;
      o *= Number(s.opacity);
    }
    return o;
  };
  const WHITE = [255, 255, 255, 1];
  const htmlBackground = (el) => {
    const layers = [];
    for (let e = el; e && e.nodeType === 1; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c && c[3] > 0) { layers.push(c); if (c[3] >= 1) break; }
    }
    return layers.reverse().reduce((acc, c) => over(c, acc), WHITE);
  };
  const shapeFill = (el) => {
    if (!(el instanceof SVGGeometryElement) || el.tagName === 'text') return null;
    const s = getComputedStyle(el);
    const c = parse(s.fill);
    if (!c) return null;
    const a = c[3] * Number(s.fillOpacity) * opacityOf(el);
    return a > 0 ? [c[0], c[1], c[2], a] : null;
  };
  const backgroundAt = (x, y, self, found) => {
    const stack = (found || document.elementsFromPoint(x, y)).filter(e => e !== self && e.tagName !== 'text');
    const layers = [];
    for (const e of stack) {
      const f = shapeFill(e);
      if (f) { layers.push(f); if (f[3] >= 1) return layers.reverse().reduce((acc, c) => over(c, acc), WHITE); continue; }
      if (!(e instanceof SVGElement)) { return layers.reverse().reduce((acc, c) => over(c, acc), htmlBackground(e)); }
    }
    return layers.reverse().reduce((acc, c) => over(c, acc), WHITE);
  };
  // Vega's marks are often not hit-testable; every SVG element is made so while measuring.
  const restore = [];
  document.querySelectorAll('svg *').forEach(e => { restore.push([e, e.style.pointerEvents]); e.style.pointerEvents = 'auto'; });
  const vw = window.innerWidth;
  const texts = [];
  document.querySelectorAll('svg text').forEach(t => {
    const s = (t.textContent || '').trim();
    if (!s) return;
    const op = opacityOf(t);
    if (op === 0) return;
    const r = t.getBoundingClientRect();
    if (r.width <= 0 || r.height <= 0) return;
    const chart = t.closest('div.chart');
    texts.push({el: t, text: s, chart: chart ? chart.id : '', r, op});
  });
  const overlaps = [];
  const sorted = texts.slice().sort((a, b) => a.r.left - b.r.left);
  for (let i = 0; i < sorted.length; i++) {
    const a = sorted[i];
    for (let j = i + 1; j < sorted.length; j++) {
      const b = sorted[j];
      if (b.r.left >= a.r.right - tolerance) break;
      const w = Math.min(a.r.right, b.r.right) - Math.max(a.r.left, b.r.left);
      const h = Math.min(a.r.bottom, b.r.bottom) - Math.max(a.r.top, b.r.top);
      if (w > tolerance && h > tolerance) overlaps.push({chart: a.chart || b.chart, a: a.text, b: b.text});
    }
  }
  const outside = [];
  texts.forEach(t => { if (t.r.left < -tolerance || t.r.right > vw + tolerance) outside.push({chart: t.chart, text: t.text, right: Math.round(t.r.right)}); });
  // A chart wider than its container is cut off there (the reader has to scroll it).
  document.querySelectorAll('div.chart').forEach(c => {
    const svg = c.querySelector('svg');
    const r = (svg || c).getBoundingClientRect();
    const box = c.getBoundingClientRect();
    const right = Math.min(vw, box.right);
    if (r.left < -tolerance || r.right > right + tolerance) outside.push({chart: c.id, text: '(chart)', right: Math.round(r.right)});
  });
  const faint = [];
  const covered = [];
  (withContrast ? texts : []).forEach(t => {
    const s = getComputedStyle(t.el);
    let fg = parse(s.fill);
    if (!fg) return;
    const a = fg[3] * Number(s.fillOpacity) * t.op;
    let worst = Infinity;
    // Hit testing only sees the viewport: bring the text into it first.
    let r = t.el.getBoundingClientRect();
    if (r.top < 0 || r.bottom > window.innerHeight) {
      window.scrollTo(0, window.scrollY + r.top - window.innerHeight / 2);
      r = t.el.getBoundingClientRect();
    }
    // One hit test at the midpoint serves both its background and the covered-text check.
    const stack = document.elementsFromPoint(r.left + r.width * 0.5, r.top + r.height / 2);
    for (const fx of [0.2, 0.5, 0.8]) {
      const bg = backgroundAt(r.left + r.width * fx, r.top + r.height / 2, t.el, fx === 0.5 ? stack : null);
      worst = Math.min(worst, ratio(over([fg[0], fg[1], fg[2], a], bg), bg));
    }
    // A filled shape drawn over the text (a band over tick labels) hides it.
    const at = stack.indexOf(t.el);
    if (at > 0 && stack.slice(0, at).some(e => { const f = shapeFill(e); return f && f[3] >= 0.5; }))
      covered.push({chart: t.chart, text: t.text});
    faint.push({chart: t.chart, text: t.text, ratio: Math.round(worst * 100) / 100});
  });
  window.scrollTo(0, 0);
  const htmlText = [];
  document.querySelectorAll('body *').forEach(e => {
    if (e.closest('svg') || ['SCRIPT', 'STYLE', 'NOSCRIPT'].includes(e.tagName)) return;
    const own = [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own || opacityOf(e) === 0) return;
    const r = e.getBoundingClientRect();
    if (r.width <= 0 || r.height <= 0) return;
    const fg = parse(getComputedStyle(e).color);
    const bg = htmlBackground(e);
    htmlText.push({chart: '(html ' + e.tagName.toLowerCase() + (e.className ? '.' + e.className : '') + ')',
                   text: e.textContent.trim().slice(0, 60),
                   ratio: Math.round(ratio(over(fg, bg), bg) * 100) / 100});
  });
  restore.forEach(([e, v]) => { e.style.pointerEvents = v; });
  return {
    texts: texts.length,
    overlaps,
    outside,
    covered,
    contrast: faint.concat(htmlText),
    scrollWidth: document.documentElement.scrollWidth,
    viewport: vw,
  };
}
"""

RENDERED_JS = (
    "() => [...document.querySelectorAll('div.chart')].every(e => e.hasAttribute('data-rendered'))"
)


@dataclass
class Layout:
    """What the browser measured on one page."""

    texts: int
    overlaps: list[dict] = field(default_factory=list)
    outside: list[dict] = field(default_factory=list)
    covered: list[dict] = field(default_factory=list)
    contrast: list[dict] = field(default_factory=list)
    scroll_width: int = 0
    viewport: int = 0

    def faint(self, minimum: float = 4.5) -> list[dict]:
        """Texts (SVG and HTML) whose contrast against their background is under `minimum`."""
        return [c for c in self.contrast if c["ratio"] < minimum]

    def problems(self, minimum: float = 4.5) -> list[str]:
        """Everything a reader would trip on, one line each (empty: the page reads well)."""
        lines = [f"overlap in {o['chart']}: {o['a']!r} / {o['b']!r}" for o in self.overlaps]
        lines += [f"outside the page in {o['chart']}: {o['text']!r}" for o in self.outside]
        lines += [f"covered by a mark in {o['chart']}: {o['text']!r}" for o in self.covered]
        if self.scroll_width > self.viewport:
            wide = sorted({o["chart"] for o in self.outside if o["text"] == "(chart)"})
            lines.append(
                f"page scrolls sideways: {self.scroll_width} > {self.viewport}"
                f" (wide: {', '.join(wide) or 'not a chart'})"
            )
        lines += [
            f"contrast {c['ratio']} < {minimum} in {c['chart']}: {c['text']!r}"
            for c in self.faint(minimum)
        ]
        return lines


def page_layout(
    page, *, tolerance: float = 1.0, contrast: bool = True, timeout: int = 60_000
) -> Layout:
    """Measure a loaded report page once every chart on it has rendered (vega-embed done).

    `tolerance`: pixels two boxes may share before they overlap; `contrast=False` skips the
    contrast and covered-text checks of SVG text (hit testing each text: the slow part on a
    page of tens of thousands of labels)."""
    page.wait_for_function(RENDERED_JS, timeout=timeout)
    page.evaluate("() => document.fonts.ready")
    got = page.evaluate(MEASURE_JS, [tolerance, contrast])
    return Layout(
        texts=got["texts"],
        overlaps=got["overlaps"],
        outside=got["outside"],
        covered=got["covered"],
        contrast=got["contrast"],
        scroll_width=got["scrollWidth"],
        viewport=got["viewport"],
    )
