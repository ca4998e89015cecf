"""`make demo` as a user runs it: on any core count its detector trains, scores and infers on one
torch thread (how the spread in docs/demo.md was measured), and running it again replaces its own
earlier output."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import torch
from typer.testing import CliRunner

from glovego_cli.main import app
from glovego_pipelines.demo import DemoHooks, DemoOptions, run_demo

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_demo_pins_one_torch_thread_and_reruns_over_its_own_output(tmp_path):
    threads: dict[str, int] = {}
    out = tmp_path / "demo_out"
    before = torch.get_num_threads()
    torch.set_num_threads(2)  # as under `make demo` (OMP_NUM_THREADS=2)
    try:
        hooks = DemoHooks(stage=lambda index, name, what: threads.__setitem__(name, torch.get_num_threads()))
        run_demo(out, DemoOptions(steps=1), hooks)
        after = torch.get_num_threads()
    finally:
        torch.set_num_threads(before)
    assert {name: threads[name] for name in ("train", "eval", "infer")} == {"train": 1, "eval": 1, "infer": 1}
    assert threads["viz"] == 2 and after == 2  # restored once the model stages are done

    result = CliRunner().invoke(app, ["demo", "--out", str(out), "--steps", "1", "--overwrite"])
    assert result.exit_code == 0, result.output
    assert (out / "eval" / "metrics.json").is_file()


def test_make_demo_is_the_rerunnable_command_the_readme_names():
    recipe = re.search(r"^demo: setup\n\t(.+)$", (REPO / "Makefile").read_text(), re.M)
    assert recipe is not None and recipe.group(1) == "$(BIN)/glovego demo --out demo_out --overwrite"
    assert "`make demo` runs `glovego demo --out demo_out --overwrite`" in (REPO / "README.md").read_text()
