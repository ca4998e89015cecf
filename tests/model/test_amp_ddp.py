"""Two processes (torchrun on CPU, gloo), a non-finite batch on rank 1 only: both ranks drop the
same step (no hang in DDP's reducer), keep identical weights, and leave that step's weights as
they were."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

WORKER = '''
import json, math, os, sys
from pathlib import Path
import torch
torch.set_num_threads(1)
from glovego_model.data import ConcatIndex, build_index
from glovego_model.engine import Trainer, TrainSettings
from glovego_model.modeling import build_model

toy_json, out = Path(sys.argv[1]), Path(sys.argv[2])
index = build_index(toy_json)
model = build_model(index.category_names, size="ci", seed=0)
states = []

def poison_rank1_step2(module, args, kwargs):
    states.append({k: v.detach().clone() for k, v in module.named_parameters()})
    if len(states) == 2 and os.environ["RANK"] == "1":
        return (torch.full_like(args[0], math.inf), *args[1:]), kwargs

model.register_forward_pre_hook(poison_rank1_step2, with_kwargs=True)
settings = TrainSettings(output_dir=out, max_steps=3, batch_size=1, sizes=(64,), log_every=1, warmup_steps=1,
                         grad_clip=1.0, progress=False, mixed_precision="no")
trainer = Trainer(model, ConcatIndex([index]), None, settings, {"command": "test"})
trainer.fit()
params = dict(trainer.unwrapped.named_parameters())
(out / f"rank{trainer.accelerator.process_index}.json").write_text(json.dumps({
    "processes": trainer.accelerator.num_processes, "skipped": trainer.skipped,
    "step2_unchanged": all(torch.equal(states[1][k], states[2][k]) for k in states[1]),
    "step1_moved": any(not torch.equal(states[0][k], states[1][k]) for k in states[0]),
    "checksum": sum(float(v.double().sum()) for v in params.values()),
}))
'''


@pytest.mark.slow
def test_a_step_non_finite_on_one_rank_is_dropped_on_every_rank(toy_json, tmp_path):
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    env = {**os.environ, "OMP_NUM_THREADS": "1", "ACCELERATE_USE_CPU": "true"}
    run = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2", str(script),
         str(toy_json), str(tmp_path / "run")],
        env=env, capture_output=True, text=True, timeout=600, cwd=Path(__file__).resolve().parents[2],
    )
    assert run.returncode == 0, run.stderr[-3000:]
    ranks = [json.loads((tmp_path / "run" / f"rank{r}.json").read_text()) for r in (0, 1)]
    assert all(r["processes"] == 2 and r["skipped"] == 1 for r in ranks), ranks
    assert all(r["step1_moved"] and r["step2_unchanged"] for r in ranks), ranks
    assert ranks[0]["checksum"] == ranks[1]["checksum"]
