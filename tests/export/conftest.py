"""A CI-size run trained here, a random-init D-FINE folder, and their ONNX exports (made once)."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("onnxruntime")
pytest.importorskip("onnxscript")


@pytest.fixture(scope="session")
def toy_root(tmp_path_factory) -> Path:
    """4 square synthetic frames to train on and 3 real-like 160×120 frames to evaluate on."""
    from glovego_data.toy_scenes import generate_toy_dataset

    root = tmp_path_factory.mktemp("toy")
    generate_toy_dataset(root, 4, size=(128, 128), seed=1)
    generate_toy_dataset(root, 3, size=(160, 120), seed=2, synthetic=False, split="real", first_image_id=101)
    return root


@pytest.fixture(scope="session")
def trained_run(toy_root, tmp_path_factory) -> Path:
    """RT-DETRv2 (the default variant) at the CI size, trained for a few steps by `run_train`."""
    from glovego_pipelines.train import load_recipe, merge_options, run_train

    out = tmp_path_factory.mktemp("runs") / "rt_detr_v2"
    options = merge_options(load_recipe("ci_tiny"), dict(
        train_json=[str(toy_root / "annotations" / "train.json")], output_dir=str(out), max_steps=3, batch_size=2,
        image_size=128, sizes=[128], progress=False, log_every=1, warmup_steps=1))
    run_train(options)
    return out


@pytest.fixture(scope="session")
def dfine_dir(tmp_path_factory) -> Path:
    """D-FINE at the CI size, random init, saved as a model folder."""
    from glovego_data.ehoi_coco import REFERENCE_CATEGORIES
    from glovego_model.modeling import build_model

    path = tmp_path_factory.mktemp("models") / "d_fine"  # the toy scenes' classes: the reference 20, hand last
    build_model(list(REFERENCE_CATEGORIES), arch="d_fine", size="ci", seed=0, image_size=[128, 128]).save_pretrained(path)
    return path


def export_with_cli(weights: Path, out: Path, *extra: str) -> Path:
    from typer.testing import CliRunner

    from glovego_cli.main import app

    result = CliRunner().invoke(app, ["export", str(weights), "--out", str(out), *extra])
    assert result.exit_code == 0, result.output
    assert "onnxruntime vs PyTorch" in result.output
    return out


@pytest.fixture(scope="session")
def run_onnx(trained_run, tmp_path_factory) -> Path:
    """The trained run exported with a dynamic batch."""
    return export_with_cli(trained_run, tmp_path_factory.mktemp("onnx") / "rt_detr_v2.onnx", "--dynamic-batch")


@pytest.fixture(scope="session")
def dfine_onnx(dfine_dir, tmp_path_factory) -> Path:
    """The D-FINE folder exported with the fixed batch of 1."""
    return export_with_cli(dfine_dir, tmp_path_factory.mktemp("onnx") / "d_fine.onnx")


def require_openvino():
    """OpenVINO, or a skip here and a failure under CI=true (where the `openvino` extra is installed)."""
    import os

    try:
        import openvino
    except ImportError:
        if os.environ.get("CI") == "true":
            pytest.fail("OpenVINO is missing under CI=true: pip install '.[openvino]'")
        pytest.skip("OpenVINO is not installed (pip install 'glovego[openvino]')")
    return openvino


@pytest.fixture(scope="session")
def calibration_frames(toy_root) -> Path:
    """The toy root's images: frames of the scene the model is trained on."""
    return toy_root / "images"


@pytest.fixture(scope="session")
def int8_run(toy_root, tmp_path_factory) -> Path:
    """The CI-size RT-DETRv2 trained long enough (60 steps) that its scores separate detections from
    background: a 3-step model scores every proposal alike, so no output can tell a good int8 file
    from a broken one."""
    from glovego_pipelines.train import load_recipe, merge_options, run_train

    out = tmp_path_factory.mktemp("runs") / "rt_detr_v2_60"
    options = merge_options(load_recipe("ci_tiny"), dict(
        train_json=[str(toy_root / "annotations" / "train.json")], output_dir=str(out), max_steps=60, batch_size=2,
        image_size=128, sizes=[128], progress=False, log_every=10, warmup_steps=5))
    run_train(options)
    return out


@pytest.fixture(scope="session")
def int8_run_onnx(int8_run, tmp_path_factory) -> Path:
    return export_with_cli(int8_run, tmp_path_factory.mktemp("onnx") / "rt_detr_v2_60.onnx", "--dynamic-batch")


@pytest.fixture(scope="session")
def int8_onnx(int8_run, calibration_frames, toy_root, tmp_path_factory) -> Path:
    """That run exported as int8, calibrated on the toy frames and checked on the real-like split."""
    return export_with_cli(int8_run, tmp_path_factory.mktemp("onnx") / "rt_detr_v2-int8.onnx", "--int8",
                           "--calibrate", str(calibration_frames), "--gt",
                           str(toy_root / "annotations" / "real.json"), "--dynamic-batch")
