"""The README's performance tables are what `benchmarks/readme_tables.py` makes of the committed
result files: nobody types a figure, and a loaded or missing run says so."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import readme_tables  # noqa: E402


def test_the_readme_tables_are_generated_from_the_committed_results():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "<!-- bench:performance -->" in readme
    assert readme_tables.render(readme) == readme, "run: python benchmarks/readme_tables.py"


def test_every_committed_result_has_an_entry_and_renders():
    known = {entry.result for entries in readme_tables.TABLES.values() for entry in entries}
    known |= {result for result, _ in readme_tables.BLOCKS.values()}
    for path in sorted(readme_tables.RESULTS.glob("*.json")):
        assert path.stem in known, f"{path.name}: add an Entry to benchmarks/readme_tables.py"


def test_a_loaded_run_is_flagged_and_a_missing_one_is_not_rerun(tmp_path):
    shutil.copy(readme_tables.RESULTS / "loader.json", tmp_path / "loader.json")
    payload = json.loads((tmp_path / "loader.json").read_text())
    payload["loaded"], payload["load_after"]["load_1m"] = False, 0.5
    payload["load_before"]["load_1m"] = 0.4
    (tmp_path / "loader.json").write_text(json.dumps(payload))
    quiet = readme_tables.table("performance", tmp_path)
    loader_row = next(line for line in quiet.splitlines() if "benchmarks/loader.py" in line)
    assert "load 0.4–0.5 on" in loader_row and "LOADED" not in loader_row
    assert "not rerun this round (no `benchmarks/results/eval.json`)" in quiet
    payload["loaded"] = True
    (tmp_path / "loader.json").write_text(json.dumps(payload))
    assert "**LOADED**" in readme_tables.table("performance", tmp_path)
    stale = "<!-- bench:performance -->\n| typed | 99 |\n<!-- /bench -->\n"
    assert "typed" not in readme_tables.render(stale, tmp_path)
