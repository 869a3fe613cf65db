"""Each HTML report opened offline in headless Chromium: every chart draws marks, no errors.

Chromium comes from the system's packages (`make browser` installs it; `playwright install`
is never used). In CI (env CI set) a missing browser is a failure, not a skip.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--host-resolver-rules=MAP * ~NOTFOUND",
]

PAGES = [
    "portfolio.html",
    "scorecard-P1.html",
    "scorecard-P2.html",
    "partnership.html",
    "dnh.html",
    "dialogues.html",
    "index.html",
]


def chromium_path() -> str | None:
    """The system Chromium, if installed."""
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


@pytest.fixture(scope="module")
def browser():
    exe = chromium_path()
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed: CI must run the browser tests (`make browser`)")
        pytest.skip("chromium is not installed (run `make browser`); CI fails instead of skipping")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=exe, headless=True, args=ARGS)
        yield b
        b.close()


def open_offline(browser, path: Path):
    """Open a file with every non-file request aborted; return (page, errors, blocked, dialogs)."""
    context = browser.new_context(offline=True)
    page = context.new_page()
    errors: list[str] = []
    blocked: list[str] = []
    dialogs: list[str] = []

    def route(r):
        if r.request.url.startswith("file:"):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(path.as_uri(), wait_until="load")
    return page, errors, blocked, dialogs


@pytest.mark.parametrize("name", PAGES)
def test_report_renders_offline(browser, written, name):
    out, _, _ = written
    page, errors, blocked, dialogs = open_offline(browser, out / name)
    try:
        charts = page.locator("div.chart")
        n = charts.count()
        if name != "index.html":
            assert n >= 1, f"{name}: no chart container"
        page.wait_for_function(
            "() => [...document.querySelectorAll('div.chart')].every(e => e.hasAttribute('data-rendered'))",
            timeout=30_000,
        )
        for i in range(n):
            el = charts.nth(i)
            cid = el.get_attribute("id")
            assert el.get_attribute("data-rendered") == "true", f"{name} {cid}: {errors}"
            marks = el.evaluate("e => e.querySelectorAll('svg .role-mark > *').length")
            assert marks > 0, f"{name} {cid}: no marks drawn"
        assert errors == [], f"{name}: console errors {errors}"
        assert blocked == [], f"{name}: tried to fetch {blocked}"
        assert dialogs == [], f"{name}: script from the data ran: {dialogs}"
    finally:
        page.context.close()


def test_script_in_a_program_name_is_drawn_as_text(browser, written):
    out, _, _ = written
    page, errors, _, dialogs = open_offline(browser, out / "portfolio.html")
    try:
        page.wait_for_function(
            "() => document.querySelector('div.chart').getAttribute('data-rendered') === 'true'",
            timeout=30_000,
        )
        texts = page.locator("#chart-status_matrix svg text").all_text_contents()
        # the row label: country, provider, then the name, drawn as text
        assert "TUN · NATO · <script>alert(1)</script>" in texts
        assert dialogs == [] and errors == []
    finally:
        page.context.close()


def test_dnh_cell_click_goes_to_its_evidence(browser, written):
    out, _, _ = written
    page, errors, blocked, _ = open_offline(browser, out / "dnh.html")
    try:
        page.wait_for_function(
            "() => document.querySelector('#chart-dnh_matrix').getAttribute('data-rendered') === 'true'",
            timeout=30_000,
        )
        # the cell code H (a high-severity flag), not the legend's "H flag high"
        cell = (
            page.locator("#chart-dnh_matrix svg .mark-text text")
            .filter(has_text=re.compile(r"^H$"))
            .first
        )
        cell.click()
        page.wait_for_function("() => location.hash.startsWith('#dnh-')", timeout=10_000)
        anchor = page.evaluate("() => location.hash.slice(1)")
        assert anchor == "dnh-diversion--P1"
        assert "12% of transferred items missing" in page.locator(f"#{anchor}").inner_text()
        assert errors == [] and blocked == [] and len(page.context.pages) == 1
    finally:
        page.context.close()


def test_content_security_policy_blocks_remote_loads_and_charts_still_draw(
    browser, written, tmp_path
):
    """The page's CSP forbids every load (a tag that slipped through escaping fetches
    nothing: the browser refuses it before any request) while the inlined Vega draws."""
    out, _, _ = written
    text = (out / "portfolio.html").read_text(encoding="utf-8")
    assert '<meta http-equiv="Content-Security-Policy"' in text
    assert "default-src &#x27;none&#x27;" in text and "connect-src &#x27;none&#x27;" in text
    hostile = text.replace(
        "<body>",
        '<body><img id="probe" src="http://127.0.0.1:9/x.png">'
        '<script src="http://127.0.0.1:9/x.js"></script>'
        '<script>document.title = "inline script ran";</script>'
        '<link rel="stylesheet" href="http://127.0.0.1:9/x.css">',
        1,
    )
    page_file = tmp_path / "portfolio.html"
    page_file.write_text(hostile, encoding="utf-8")
    page, errors, blocked, dialogs = open_offline(browser, page_file)
    try:
        page.wait_for_function(
            "() => [...document.querySelectorAll('div.chart')].every(e => e.hasAttribute('data-rendered'))",
            timeout=30_000,
        )
        states = page.locator("div.chart").evaluate_all(
            "els => els.map(e => e.getAttribute('data-rendered'))"
        )
        assert states and set(states) == {"true"}
        assert blocked == [], f"requests were made: {blocked}"  # refused before the network
        assert page.title() != "inline script ran"  # an injected inline script does not run
        refused = [e for e in errors if "Content Security Policy" in e]
        assert len(refused) >= 3, errors
        assert dialogs == []
    finally:
        page.context.close()
