"""Makes docs/images/eval_report.png (the tables) and eval_report_gallery.png (a gallery):
`eval --report` on a generated test set with pictures, shot in headless Chromium.

    .venv/bin/python docs/report_screenshot.py

Same browser setup as the report's browser test (Debian's chromium through playwright, offline).
"""

from __future__ import annotations

import io
import json
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "evaluation"))
sys.path.insert(0, str(REPO / "tests" / "report"))

from browser import ARGS, CHROMIUM  # noqa: E402
from PIL import Image as PILImage  # noqa: E402
from report_case import write_case  # noqa: E402

from glovego_pipelines.evaluate import run_evaluate  # noqa: E402

TARGETS = (REPO / "docs" / "images" / "eval_report.png", REPO / "docs" / "images" / "eval_report_gallery.png")


def _save(shot: bytes, target: Path) -> None:
    """Two thirds of the size, 128 colours: a sharp PNG well under 300 KB."""
    picture = PILImage.open(io.BytesIO(shot)).convert("RGB")
    picture = picture.resize((picture.width * 2 // 3, picture.height * 2 // 3), PILImage.Resampling.LANCZOS)
    target.parent.mkdir(parents=True, exist_ok=True)
    picture.quantize(colors=128).save(target, optimize=True)
    print(f"wrote {target} ({target.stat().st_size // 1024} KB)")


def main() -> None:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="glovego-report-shot-") as tmp:
        root = Path(tmp)
        gt, pred, _, records = write_case(root / "data", 40, seed=7, n_classes=4)
        older = root / "older.json"
        older.write_text(json.dumps([r for i, r in enumerate(records) if i % 4]))
        old = run_evaluate(gt, predictions=older, report=root / "old").report
        report = run_evaluate(gt, predictions=pred, report=root / "report", compare=old).report
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
            page = browser.new_page(viewport={"width": 1300, "height": 1500})
            page.goto((report / "index.html").as_uri())
            tables = page.screenshot(full_page=False)
            page.select_option("#filter-kind", "wrong_object")
            page.wait_for_function("() => [...document.images].every(i => i.complete)")
            top = page.eval_on_selector("#gallery", "e => e.getBoundingClientRect().top + window.scrollY")
            gallery = page.screenshot(full_page=True, clip={"x": 0, "y": top, "width": 1300, "height": 1100})
            browser.close()
    for shot, target in zip((tables, gallery), TARGETS):
        _save(shot, target)


if __name__ == "__main__":
    main()
