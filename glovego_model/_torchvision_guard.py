"""Keep a broken torchvision install from breaking transformers' RT-DETR imports (detector.md §3.4).

transformers decides whether torchvision exists from package metadata; a wheel that is installed but
fails to import (e.g. built for another torch) then breaks `RTDetr*`. GlovEgo never needs torchvision,
so when it cannot be imported we register it as absent before transformers looks.
"""

from __future__ import annotations

import importlib
import sys


def guard_torchvision() -> None:
    """Import torchvision if it works; otherwise make `import torchvision` fail cleanly everywhere."""
    if "torchvision" in sys.modules:
        return
    try:
        importlib.import_module("torchvision")
    except Exception:  # ImportError, or RuntimeError from a partial import (`torchvision::nms`)
        _mark_absent()


def _mark_absent() -> None:
    for name in [m for m in sys.modules if m == "torchvision" or m.startswith("torchvision.")]:
        del sys.modules[name]
    # find_spec() answers None for a None entry, so transformers then reports torchvision as missing.
    sys.modules["torchvision"] = None  # type: ignore[assignment]
