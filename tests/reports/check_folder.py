"""The browser checks of `layout_check.py` (overlap, width, contrast) on a written report set:
every page but the scorecards, and a random sample of K scorecards (K = all: every one).

    python tests/reports/check_folder.py OUT [K] [I/N]

With I/N, only part I (0-based) of N of the scorecards, and no shared pages unless I is 0:
run N processes, one per core, to check 1,000 scorecards in a reasonable time.

Pages over 1.5 MB (the matrices of hundreds of programs: tens of thousands of texts) are
checked for overlap and width only; the contrast check hit-tests each text and would take
hours there (the same chart code is checked for contrast on the seed pages by the tests).
"""

import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from layout_check import page_layout
from playwright.sync_api import sync_playwright
from test_reports_browser import ARGS, chromium_path


def main(out: Path, k: int, part: int = 0, parts: int = 1) -> int:
    """Check the pages of `out`; the number of pages with problems."""
    pages = sorted(
        (p for p in out.glob("*.html") if not p.name.startswith("scorecard-")),
        key=lambda p: p.stat().st_size,
    )
    if part:
        pages = []
    cards = sorted(out.glob("scorecard-*.html"))
    random.seed(1)
    pages += random.sample(cards, min(k, len(cards)))[part::parts]
    bad = 0
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=chromium_path(), headless=True, args=ARGS)
        for p in pages:
            t = time.perf_counter()
            ctx = b.new_context(offline=True, viewport={"width": 1400, "height": 900})
            page = ctx.new_page()
            page.goto(p.as_uri(), wait_until="load")
            big = p.stat().st_size > 1_500_000
            lay = page_layout(page, timeout=600000, contrast=not big)
            ctx.close()
            probs = lay.problems()
            bad += bool(probs)
            print(
                f"{p.name}: {'no contrast, ' if big else ''}{lay.texts} texts, width {lay.scroll_width}, {len(probs)} problems, {time.perf_counter() - t:.1f} s",
                flush=True,
            )
            for q in probs[:5]:
                print("   ", q, flush=True)
        b.close()
    print(f"{len(pages)} pages checked, {bad} with problems")
    return bad


if __name__ == "__main__":
    k = sys.argv[2] if len(sys.argv) > 2 else "20"
    i, n = (int(x) for x in (sys.argv[3] if len(sys.argv) > 3 else "0/1").split("/"))
    sys.exit(1 if main(Path(sys.argv[1]), 10**9 if k == "all" else int(k), i, n) else 0)
