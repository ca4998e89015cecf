"""Pipelines and the CLI write a command's outputs only through its `OutputPlan`.

The low-level writers of output folders (`staging_dir`, `claim_output_dir`, `mark_ours`,
`remove_ours`) and the input check (`check_output`) are the plan's own tools: a pipeline that
called them directly would be a mode whose outputs nobody checked up front.
"""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PLAN_ONLY = {"staging_dir", "claim_output_dir", "mark_ours", "remove_ours", "check_output", "check_replaceable"}


def _uses(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            found += [f"imports {a.name}" for a in node.names if a.name in PLAN_ONLY]
        elif isinstance(node, ast.Attribute) and node.attr in PLAN_ONLY:
            found.append(f"calls .{node.attr}")
        elif isinstance(node, ast.Name) and node.id in PLAN_ONLY:
            found.append(f"uses {node.id}")
    return found


def test_no_pipeline_or_cli_module_writes_outputs_around_the_plan():
    offenders = {str(p.relative_to(REPO)): _uses(p) for folder in ("pipelines", "cli") for p in sorted((REPO / folder).rglob("*.py"))}
    offenders = {name: uses for name, uses in offenders.items() if uses}
    assert not offenders, f"use glovego_data.outputs.OutputPlan instead: {offenders}"


def test_the_check_sees_a_direct_call(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("from glovego_data import atomic\nwith atomic.staging_dir(out):\n    pass\n")
    assert _uses(module) == ["calls .staging_dir"]
