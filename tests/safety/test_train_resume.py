"""`train` checkpoints: never half-written (a full disk names the folder and the disk and leaves no
step_N.tmp), never a pickle of a user-replaceable object (the EMA is safetensors), a damaged
checkpoint named and skipped for the previous good one, and a resumed run's metrics.csv equal to an
uninterrupted run's (loss window and host RNG restored)."""

from __future__ import annotations

import errno
import shutil
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file
from typer.testing import CliRunner

from glovego_data.errors import GlovegoError
from glovego_data.toy_scenes import generate_toy_dataset

sys.path.insert(0, str(Path(__file__).parent))
from safety_trees import tree_digest  # noqa: E402

STEPS = 4


def _options(train_json: Path, out: Path, **overrides):
    from glovego_pipelines.train import load_recipe, merge_options

    values = dict(train_json=[str(train_json)], output_dir=str(out), max_steps=STEPS, batch_size=2, image_size=64,
                  sizes=[64], progress=False, log_every=3, warmup_steps=1, save_every=1, ema=True)
    values.update(overrides)
    return merge_options(load_recipe("ci_tiny"), values)


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("toy") / "toy"
    generate_toy_dataset(root, 4, size=(64, 64), seed=3)
    return root / "annotations" / "train.json"


@pytest.fixture(scope="module")
def reference(data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from glovego_pipelines.train import run_train

    out = tmp_path_factory.mktemp("ref") / "run"
    run_train(_options(data, out))
    return out


@pytest.fixture(scope="module")
def stopped(data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A run stopped at step 2, with checkpoints step_1 and step_2."""
    from glovego_pipelines.train import run_train

    out = tmp_path_factory.mktemp("stopped") / "run"
    run_train(_options(data, out, stop_after=2))
    assert sorted(p.name for p in (out / "checkpoints").iterdir()) == ["step_1", "step_2"]
    return out


def _copy(run: Path, tmp_path: Path) -> Path:
    out = tmp_path / "run"
    shutil.copytree(run, out)
    return out


def _same_weights(a: Path, b: Path) -> bool:
    x, y = load_file(a), load_file(b)
    return x.keys() == y.keys() and all(torch.equal(x[k], y[k]) for k in x)


class _Planted:
    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self):
        return (Path.touch, (self.path,))


def test_resume_gives_the_metrics_of_an_uninterrupted_run_and_runs_no_planted_pickle(data, reference, stopped, tmp_path):
    from glovego_pipelines.train import run_train

    run = _copy(stopped, tmp_path)
    proof = tmp_path / "pwned"
    torch.save({"module": _Planted(proof), "updates": 0}, run / "checkpoints" / "step_2" / "custom_checkpoint_0.pkl")
    run_train(_options(data, run, resume=True))
    assert not proof.exists()
    assert (run / "metrics.csv").read_text() == (reference / "metrics.csv").read_text()
    assert _same_weights(run / "final" / "model.safetensors", reference / "final" / "model.safetensors")  # the EMA's
    assert _same_weights(run / "checkpoints" / f"step_{STEPS}" / "model.safetensors",
                         reference / "checkpoints" / f"step_{STEPS}" / "model.safetensors")
    for written in (run / "checkpoints" / f"step_{STEPS}", reference / "checkpoints" / f"step_{STEPS}"):
        assert (written / "ema.safetensors").is_file() and not list(written.glob("custom_checkpoint*"))


def test_a_truncated_checkpoint_is_named_and_the_previous_good_one_used(data, reference, stopped, tmp_path):
    from glovego_pipelines.train import run_train

    run = _copy(stopped, tmp_path)
    weights = run / "checkpoints" / "step_2" / "model.safetensors"
    size = weights.stat().st_size
    weights.write_bytes(weights.read_bytes()[: size // 2])
    notices: list[str] = []
    run_train(_options(data, run, resume=True), on_notice=notices.append)
    assert notices == [f"{weights}: truncated or changed ({size // 2} bytes; the checkpoint wrote {size}); "
                       "resuming from the previous good checkpoint step_1 instead"]
    assert _same_weights(run / "final" / "model.safetensors", reference / "final" / "model.safetensors")


@pytest.mark.parametrize("damage", ["trainer_state.json", "model.safetensors", "optimizer.bin"])
def test_a_damaged_last_checkpoint_without_fallback_is_one_line(data, stopped, tmp_path, damage):
    run = _copy(stopped, tmp_path)
    shutil.rmtree(run / "checkpoints" / "step_1")
    path = run / "checkpoints" / "step_2" / damage
    path.write_bytes(path.read_bytes()[:40])
    before = tree_digest(tmp_path)
    result = CliRunner().invoke(_app(), ["train", "--config", "ci_tiny", "--train-json", str(data), "--output-dir",
                                         str(run), "--image-size", "64", "--max-steps", str(STEPS), "--resume"])
    lines = result.output.strip().splitlines()
    assert result.exit_code == 1 and len(lines) == 1, result.output
    assert lines[0].startswith(f"train: {path}: ")
    assert lines[0].endswith("; no earlier checkpoint to fall back to")
    assert tree_digest(tmp_path) == before


def test_a_full_disk_while_checkpointing_names_the_folder_and_leaves_no_half_checkpoint(data, tmp_path, monkeypatch):
    from glovego_pipelines.train import run_train

    real_save = torch.save

    def full_disk(obj, f, *args, **kwargs):
        if str(f).endswith("optimizer.bin"):
            Path(f).write_bytes(b"partial")
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_save(obj, f, *args, **kwargs)

    monkeypatch.setattr(torch, "save", full_disk)
    run = tmp_path / "run"
    with pytest.raises(GlovegoError) as caught:
        run_train(_options(data, run, max_steps=2))
    message = str(caught.value)
    assert message.startswith(f"{run / 'checkpoints'}: cannot write checkpoint step_1 (No space left on device); the disk ")
    assert message.endswith("; nothing half-written is left, the earlier checkpoints are kept")
    assert list((run / "checkpoints").iterdir()) == []


def _app():
    from glovego_cli.main import app

    return app


@pytest.mark.parametrize(("args", "line"), [
    (["--max-steps", "0"], "train: --max-steps must be an integer ≥ 1, got 0"),
    (["--batch-size", "0"], "train: --batch-size must be an integer ≥ 1, got 0"),
    (["--lr", "nan"], "train: --lr must be a finite number > 0, got nan"),
    (["--lr", "-1"], "train: --lr must be a finite number > 0, got -1.0"),
    (["--image-size", "1000000"], "train: --image-size must be an integer in [32, 4096], got 1000000"),
    (["--mixed-precision", "fp8"], "train: --mixed-precision must be one of auto, no, bf16, fp16, got 'fp8'"),
    (["--grad-accumulation", "0"], "train: --grad-accumulation must be an integer ≥ 1, got 0"),
])
def test_bad_training_options_are_one_line_and_leave_no_run_folder(data, tmp_path, args, line):
    before = tree_digest(data.parent.parent)
    result = CliRunner().invoke(_app(), ["train", "--config", "ci_tiny", "--train-json", str(data), "--output-dir",
                                         str(tmp_path / "run"), *args])
    assert result.exit_code == 1 and result.output.strip() == line, result.output
    assert not (tmp_path / "run").exists()
    assert tree_digest(data.parent.parent) == before


def test_a_folder_given_as_the_training_file_is_one_line(data, tmp_path):
    folder = data.parent
    result = CliRunner().invoke(_app(), ["train", "--config", "ci_tiny", "--train-json", str(folder), "--output-dir",
                                         str(tmp_path / "run")])
    assert result.exit_code == 1
    assert result.output.strip() == f"train: {folder}: is a folder; give an annotation file (…/annotations/train.json)"


def test_an_interrupted_run_says_the_exact_command_that_resumes_it(data, tmp_path, monkeypatch):
    from glovego_model.engine import logs

    real_log = logs.RunLogger.log

    def interrupt(self, step, kind, values):
        if step >= 3:
            raise KeyboardInterrupt
        return real_log(self, step, kind, values)

    monkeypatch.setattr(logs.RunLogger, "log", interrupt)
    run = tmp_path / "my run"
    args = ["train", "--config", "ci_tiny", "--train-json", str(data), "--output-dir", str(run), "--image-size", "64",
            "--max-steps", "5", "--save-every", "1", "--ema"]
    result = CliRunner().invoke(_app(), args)
    assert result.exit_code != 0
    from glovego_model.engine.trainer import checkpoint_dirs

    last = checkpoint_dirs(run)[-1]
    assert last.name != "step_5" and not (run / "final").exists()
    expected = (f"train: interrupted; the last checkpoint is {last}; continue with: "
                f"glovego train --train-json {data} --output-dir '{run}' --config ci_tiny --max-steps 5 --image-size 64 "
                "--save-every 1 --ema --resume")
    assert expected in result.output, result.output


@pytest.mark.parametrize(("name", "problem"), [
    ("model.safetensors", "not a whole safetensors file, truncated or damaged"),
    ("config.json", "not valid JSON, truncated or damaged"),
])
def test_a_truncated_model_file_is_named_by_eval_and_train_init(data, reference, tmp_path, name, problem):
    model = tmp_path / "model"
    shutil.copytree(reference / "final", model)
    path = model / name
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    before = tree_digest(tmp_path)
    for args in (["eval", "--gt", str(data), "--weights", str(model)],
                 ["train", "--config", "ci_tiny", "--train-json", str(data), "--output-dir", str(tmp_path / "run"),
                  "--init", str(model)]):
        result = CliRunner().invoke(_app(), args)
        lines = result.output.strip().splitlines()
        assert result.exit_code == 1 and len(lines) == 1, result.output
        assert lines[0].startswith(f"{args[0]}: {path}: {problem} ("), lines[0]
    assert tree_digest(tmp_path) == before
