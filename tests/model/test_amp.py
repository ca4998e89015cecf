"""Training that stays finite: bf16 autocast learns on the CPU, a non-finite step is dropped and
counted with the weights untouched, and the fp16 overflow guard keeps an overflowing decoder finite."""

from __future__ import annotations

import csv
import math

import pytest
import torch


@pytest.fixture(autouse=True)
def fresh_accelerate_state():
    """accelerate keeps one process-wide state whose precision cannot change: these tests use several."""
    from accelerate.state import AcceleratorState

    AcceleratorState._reset_state(reset_partial_state=True)
    yield
    AcceleratorState._reset_state(reset_partial_state=True)


def _series(run_dir, name: str) -> list[tuple[int, float]]:
    with (run_dir / "metrics.csv").open(newline="") as handle:
        return [(int(r["step"]), float(r["value"])) for r in csv.DictReader(handle)
                if r["kind"] == "train" and r["name"] == name]


@pytest.mark.slow
def test_bf16_autocast_on_cpu_stays_finite_and_learns(toy_json, tmp_path, tiny_options):
    from glovego_pipelines.train import run_train

    options = tiny_options(toy_json, tmp_path / "run", max_steps=16, mixed_precision="bf16", lr=5e-4)
    result = run_train(options)
    assert result.step == 16
    losses = [v for _, v in _series(tmp_path / "run", "loss")]
    assert len(losses) == 16 and all(math.isfinite(v) for v in losses), losses
    assert [v for _, v in _series(tmp_path / "run", "skipped_steps")] == [0.0] * 16
    first, last = sum(losses[:4]) / 4, sum(losses[-4:]) / 4
    assert last < 0.9 * first, losses


@pytest.mark.slow
def test_non_finite_step_is_skipped_counted_and_leaves_weights_unchanged(toy_json, tmp_path, tiny_options):
    from glovego_model.data import ConcatIndex, build_index
    from glovego_model.engine import Trainer, TrainSettings
    from glovego_model.modeling import build_model

    index = build_index(toy_json)
    model = build_model(index.category_names, size="ci", seed=0)
    states: list[dict[str, torch.Tensor]] = []

    def poison_second_batch(module, args, kwargs):
        """Record the state each step starts from; feed the second step an inf image."""
        states.append({k: v.detach().clone() for k, v in module.state_dict().items()})
        if len(states) == 2:
            return (torch.full_like(args[0], math.inf), *args[1:]), kwargs
        return None

    model.register_forward_pre_hook(poison_second_batch, with_kwargs=True)
    settings = TrainSettings(output_dir=tmp_path / "run", max_steps=3, batch_size=2, sizes=(128,), log_every=1,
                             warmup_steps=1, grad_clip=1.0, progress=False, mixed_precision="no")
    trainer = Trainer(model, ConcatIndex([index]), None, settings, {"command": "test"})
    result = trainer.fit()
    assert result.step == 3 and trainer.skipped == 1
    assert _series(tmp_path / "run", "skipped_steps") == [(1, 0.0), (2, 1.0), (3, 1.0)]
    assert math.isnan(dict(_series(tmp_path / "run", "loss"))[2])
    before, bad, after = states[0], states[1], states[2]
    assert any(not torch.equal(before[k], bad[k]) for k in before)  # step 1 trained
    changed = [k for k in bad if not torch.equal(bad[k], after[k])]
    assert changed == []  # step 2 left every weight and BatchNorm statistic as it was
    assert all(torch.isfinite(v.float()).all() for v in trainer.unwrapped.state_dict().values())


def test_many_non_finite_steps_in_a_row_end_the_run_with_one_line(toy_json, tmp_path):
    from glovego_data.errors import GlovegoError
    from glovego_model.data import ConcatIndex, build_index
    from glovego_model.engine import Trainer, TrainSettings
    from glovego_model.engine.finite import MAX_CONSECUTIVE_SKIPS
    from glovego_model.modeling import build_model

    index = build_index(toy_json)
    model = build_model(index.category_names, size="ci", seed=0)
    model.register_forward_pre_hook(lambda m, args: (torch.full_like(args[0], math.nan), *args[1:]))
    settings = TrainSettings(output_dir=tmp_path / "run", max_steps=MAX_CONSECUTIVE_SKIPS + 5, batch_size=1,
                             sizes=(64,), log_every=100, warmup_steps=1, progress=False, mixed_precision="no")
    with pytest.raises(GlovegoError, match=f"{MAX_CONSECUTIVE_SKIPS} steps in a row had a non-finite loss"):
        Trainer(model, ConcatIndex([index]), None, settings, {"command": "test"}).fit()


def _one_batch(toy_json):
    from glovego_model.data import ConcatIndex, build_index
    from glovego_model.data.loader import AugmentConfig, train_loader

    index = build_index(toy_json)
    loader = train_loader(ConcatIndex([index]), batch_size=2, seed=0, start_step=0, total_steps=1,
                          augment=AugmentConfig(sizes=(128,), flip=0.0, jitter=False))
    return index, next(iter(loader))


def test_fp16_guard_keeps_an_overflowing_decoder_finite(toy_json):
    """A decoder feed-forward scaled past 65504 turns the fp16 loss non-finite; the guard clamps it."""
    from glovego_model.modeling import build_model
    from glovego_model.modeling.amp import guard_fp16_overflow

    index, (pixels, labels) = _one_batch(toy_json)

    def loss(guarded: bool) -> torch.Tensor:
        model = build_model(index.category_names, size="ci", seed=0).train()
        with torch.no_grad():
            layer = model.model.decoder.layers[0]
            layer.mlp.fc2.weight.mul_(1e5)
            layer.mlp.fc2.bias.fill_(1e5)
        if guarded:
            assert guard_fp16_overflow(model) > 0
        torch.manual_seed(0)
        with torch.autocast("cpu", dtype=torch.float16):
            return model(pixels, labels=labels).loss

    assert not torch.isfinite(loss(guarded=False))
    assert torch.isfinite(loss(guarded=True))
