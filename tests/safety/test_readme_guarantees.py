"""Every test the README's "What GlovEgo never does" table names exists."""

from __future__ import annotations

import ast
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _section() -> str:
    text = (REPO / "README.md").read_text()
    return text.split("## What GlovEgo never does", 1)[1].split("\n## ", 1)[0]


def test_every_guarantee_names_tests_that_exist():
    rows = [line for line in _section().splitlines() if line.startswith("| ") and not line.startswith("| guarantee")]
    assert len(rows) >= 6
    for row in rows:
        names = re.findall(r"`(tests/[\w/]+\.py)::(\w+)`", row)
        assert names, f"no test named for: {row[:80]}"
        for file, test in names:
            tree = ast.parse((REPO / file).read_text())
            defined = {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}
            assert test in defined, f"{file}::{test} does not exist"
