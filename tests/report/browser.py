"""Headless Chromium for the report tests: Debian's `chromium` driven by PyPI `playwright`.

One function decides what a missing browser means: under `CI=true` (where `.ci/run` installs
chromium and playwright) the test fails; elsewhere it is skipped.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from typing import Iterator

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"headless Chromium is required in CI: {reason}")
    pytest.skip(reason)


@contextmanager
def chromium_page(width: int = 1400, height: int = 900) -> Iterator[object]:
    """A fresh page of a headless Chromium (offline: every request that leaves file:// is refused)."""
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError:
        _unavailable("playwright is not installed (.venv/bin/pip install playwright)")
    if not os.path.exists(CHROMIUM):
        _unavailable(f"{CHROMIUM} is not installed (apt-get install chromium)")
    with sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        except Error as error:
            _unavailable(f"Chromium does not start: {error}")
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file://")
                       else route.abort())
            yield page
        finally:
            browser.close()
