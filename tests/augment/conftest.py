"""Shared fixtures of the augmentation tests: the tiny Kontext folder is built once per session."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))


@pytest.fixture(scope="session")
def tiny_kontext(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tiny_kontext import build_tiny_kontext

    return build_tiny_kontext(tmp_path_factory.mktemp("tiny_kontext"))
