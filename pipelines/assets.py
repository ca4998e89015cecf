"""Where the bundled assets live: `assets/` beside the packages (editable install or source tree)."""

from __future__ import annotations

from pathlib import Path

ASSETS_DIR = Path(__file__).resolve().parents[1] / "assets"
SAMPLE_DIR = ASSETS_DIR / "sample"
RECIPES_DIR = ASSETS_DIR / "recipes"
