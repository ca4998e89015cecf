"""Two processes (torchrun on CPU) split the batches and merge into the same output as one process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from scenes import kontext_root
from glovego_data.ehoi_coco import load_dataset

pytestmark = pytest.mark.slow

VENV_BIN = Path(sys.executable).parent


def _tree(root: Path) -> dict[str, bytes]:
    skip = (".work", "augment_journal", "report.json")
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not str(p.relative_to(root)).startswith(skip)
    }


def _torchrun(nproc: int, glovego: str, args: list[str], env: dict[str, str]) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", str(nproc), "--no-python", glovego] + args,
        env=env, capture_output=True, text=True,
    )
    assert run.returncode == 0, run.stderr[-3000:]


@pytest.mark.parametrize("backend", ["flux-kontext", "flux-kontext-inpaint"])
def test_torchrun_two_processes_equal_one(backend: str, tiny_kontext: Path, tmp_path: Path) -> None:
    """Sharding is by batch, so 2 processes give the bytes of 1 process under the same launcher.

    (Measured: a plain process and a torchrun process differ by 1 level in a few pixels of the
    tiny model's output, so the comparison is between torchrun runs.)
    """
    root = tmp_path / "in"
    kontext_root(root)
    args = [
        "augment-gloves", str(root), "{out}", "--backend", backend, "--model", str(tiny_kontext), "--ssim", "0.01", "--steps", "2",
        "--max-sequence-length", "32", "--work-scale", "0.05", "--batch-size", "1",
    ]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    one, two = tmp_path / "one", tmp_path / "two"
    glovego = str(VENV_BIN / "glovego")
    _torchrun(1, glovego, [a.replace("{out}", str(one)) for a in args], env)
    _torchrun(2, glovego, [a.replace("{out}", str(two)) for a in args], env)
    # Both ranks journaled their own share (4 batches split 2/2), rank 0 merged.
    journals = sorted(p.name for p in two.glob("augment_journal.*.jsonl"))
    assert journals == ["augment_journal.0.jsonl", "augment_journal.1.jsonl"]
    for journal in journals:
        assert len((two / journal).read_text().splitlines()) == 1 + 2
    assert _tree(one) == _tree(two)
    assert any(name.startswith("annotations/") for name in _tree(two))
    data = load_dataset(two / "annotations" / "all.json")
    edits = [i.glove_edit for i in data.images if i.glove_edit]
    assert [e["status"] for e in edits] == ["accepted"] * 4 and {e["backend"] for e in edits} == {backend}
