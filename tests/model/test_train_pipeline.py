"""`glovego train` end to end on tiny data: outputs, exact resume, and every bad-input error."""

from __future__ import annotations

import json
import shutil

import pytest
import torch
from safetensors.torch import load_file
from typer.testing import CliRunner

from glovego_data.ehoi_coco import REFERENCE_CATEGORIES
from glovego_data.errors import GlovegoError


def test_run_writes_self_describing_outputs(toy_json, tmp_path, tiny_options):
    from glovego_model.inference import EhoiPredictor
    from glovego_pipelines.train import run_train

    result = run_train(tiny_options(toy_json, tmp_path / "run", val_json=str(toy_json), max_steps=3))
    run = tmp_path / "run"
    for name in ("best", "final"):
        assert (run / name / "model.safetensors").is_file() and (run / name / "config.json").is_file()
        info = json.loads((run / name / "glovego_run.json").read_text())
        assert info["categories"] == list(REFERENCE_CATEGORIES) and str(toy_json) in info["data_sha256"]
    assert (run / "curves.png").stat().st_size > 1000
    assert "val,headline" in (run / "metrics.csv").read_text()
    assert result.step == 3 and "hand_AP50" in result.final_metrics
    predictor = EhoiPredictor.from_pretrained(run, device="cpu")
    image = torch.randint(0, 255, (90, 120, 3), dtype=torch.uint8).numpy()
    [det] = predictor.predict([image], [7])
    assert det.image_id == 7 and (det.width, det.height) == (120, 90)
    assert len(det) <= 100 and (det.scores >= 0.05).all()
    assert det.keypoints.shape == (len(det), 21, 3) and det.offsets.shape == (len(det), 3)


def test_killed_and_resumed_run_ends_with_identical_weights(toy_json, tmp_path, tiny_options):
    from glovego_pipelines.train import run_train

    run_train(tiny_options(toy_json, tmp_path / "a", max_steps=4, ema=True))
    first = run_train(tiny_options(toy_json, tmp_path / "b", max_steps=4, stop_after=2, ema=True))
    assert first.step == 2 and not (tmp_path / "b" / "final").exists()
    with pytest.raises(GlovegoError, match="pass --resume"):
        run_train(tiny_options(toy_json, tmp_path / "b", max_steps=4))
    run_train(tiny_options(toy_json, tmp_path / "b", max_steps=4, resume=True, ema=True))
    for name in ("final/model.safetensors", "checkpoints/step_4/model.safetensors"):  # EMA weights, raw weights
        a = load_file(tmp_path / "a" / name)
        b = load_file(tmp_path / "b" / name)
        assert a.keys() == b.keys()
        assert all(torch.equal(a[k], b[k]) for k in a), name


def _cli(*args: str):
    from glovego_cli.main import app

    result = CliRunner().invoke(app, ["train", *args])
    text = result.output + (getattr(result, "stderr", "") or "")
    return result.exit_code, " ".join(text.split())


def test_cli_unknown_freeze(toy_json, tmp_path):
    code, text = _cli("--config", "ci_tiny", "--train-json", str(toy_json), "--output-dir", str(tmp_path / "r"),
                      "--freeze", "neck")
    assert code == 1 and "train: --freeze: unknown module 'neck'; valid: backbone" in text


def test_cli_init_nowhere(toy_json, tmp_path):
    code, text = _cli("--config", "ci_tiny", "--train-json", str(toy_json), "--output-dir", str(tmp_path / "r"),
                      "--init", "nobody/nothing-here")
    assert code == 1 and "--init nobody/nothing-here: not a local folder and not in the local hub cache" in text


def test_cli_categories_differ_from_checkpoint(toy_json, tmp_path):
    from glovego_model.modeling import build_model

    build_model(["pliers", "hand"], size="ci").save_pretrained(tmp_path / "ckpt")
    code, text = _cli("--config", "ci_tiny", "--train-json", str(toy_json), "--output-dir", str(tmp_path / "r"),
                      "--init", str(tmp_path / "ckpt"))
    assert code == 1
    assert f"{toy_json}: categories {list(REFERENCE_CATEGORIES)} differ from the checkpoint's ['pliers', 'hand']" in text


def test_cli_image_missing(toy_root, tmp_path):
    root = tmp_path / "copy"
    shutil.copytree(toy_root, root)
    (root / "images" / "camera_3.png").unlink()
    path = root / "annotations" / "train.json"
    code, text = _cli("--config", "ci_tiny", "--train-json", str(path), "--output-dir", str(tmp_path / "r"))
    assert code == 1 and f"{path}: image 3: file not found: images/camera_3.png" in text
    assert not (tmp_path / "r").exists()


def test_train_options_and_engine_settings_share_their_defaults():
    """`glovego train`'s options feed the engine's settings field by field: a default changed on one
    side only would make the CLI and the library train differently."""
    from dataclasses import MISSING, fields

    from glovego_model.engine.trainer import TrainSettings
    from glovego_pipelines.train import TrainOptions

    options = {f.name: f.default for f in fields(TrainOptions)}
    derived = {"output_dir", "grad_clip", "sizes"}  # set from other options (see run_train)
    for f in fields(TrainSettings):
        if f.name in derived or f.default is MISSING:
            continue
        assert f.name in options, f"TrainSettings.{f.name} has no `glovego train` option"
        assert options[f.name] == f.default, f.name
