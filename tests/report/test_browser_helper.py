"""The one rule for a missing browser: fail under CI=true, skip elsewhere."""

from __future__ import annotations

import browser
import pytest


@pytest.mark.parametrize("ci, outcome", [("true", pytest.fail.Exception), ("", pytest.skip.Exception)])
def test_a_missing_browser_fails_in_ci_and_skips_elsewhere(monkeypatch, ci, outcome):
    monkeypatch.setenv("CI", ci)
    monkeypatch.setattr(browser, "CHROMIUM", "/nonexistent/chromium")
    with pytest.raises(outcome):
        with browser.chromium_page():
            pass
