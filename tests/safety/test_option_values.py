"""Option values a type does not check end in one usage error naming the option (Typer's, exit 2)
or one GlovegoError line (exit 1) — never a traceback — and nothing is written."""

from __future__ import annotations

import pytest
import torch
from typer.testing import CliRunner


def _run(*args: str):
    from glovego_cli.main import app

    result = CliRunner().invoke(app, list(args))
    return result.exit_code, " ".join(result.output.replace("│", " ").split()), result


@pytest.mark.parametrize(("args", "message"), [
    (["--label-style", "foo"], "Invalid value for '--label-style': 'foo' is not one of unity, mediapipe, snake, camel"),
    (["--width", "100000"], "Invalid value for '--width'"),
    (["--height", "100000"], "Invalid value for '--height'"),
])
def test_solo_generate_option_values(tmp_path, args, message):
    code, text, result = _run("solo-generate", str(tmp_path / "solo"), *args)
    assert code == 2 and message in text, text
    assert not (tmp_path / "solo").exists()


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
@pytest.mark.parametrize("command", ["eval", "infer"])
def test_cuda_device_without_cuda(tmp_path, command):
    args = ["--gt", str(tmp_path / "gt.json"), "--weights", str(tmp_path)] if command == "eval" else [
        str(tmp_path), str(tmp_path / "frames"), "--out", str(tmp_path / "out")]
    code, text, _ = _run(command, *args, "--device", "cuda")
    assert code == 2 and "Invalid value for '--device': 'cuda': this machine has no usable CUDA GPU" in text
    assert not (tmp_path / "out").exists()


def test_unknown_device(tmp_path):
    code, text, _ = _run("eval", "--gt", str(tmp_path / "gt.json"), "--weights", str(tmp_path), "--device", "potato")
    assert code == 2 and "Invalid value for '--device': 'potato' is not a device (cpu, cuda, cuda:1, mps)" in text


@pytest.mark.parametrize("value", ["nan", "inf", "-1"])
def test_solo2coco_depth_range_must_be_finite_and_positive(tmp_path, value):
    (tmp_path / "solo").mkdir()
    code, text, _ = _run("solo2coco", str(tmp_path / "solo"), str(tmp_path / "out"), "--depth-range", value)
    assert code == 1 and text == f"solo2coco: --depth-range must be a finite number > 0, got {float(value)}"
    assert not (tmp_path / "out").exists()


def test_a_folder_where_a_file_is_expected_is_one_line(tmp_path):
    folder = tmp_path / "folder"
    folder.mkdir()
    code, text, _ = _run("eval", "--gt", str(folder), "--predictions", str(folder))
    assert code == 1 and text == f"eval: {folder}: is a folder; expected a JSON file"
    code, text, _ = _run("solo2coco", str(folder), str(tmp_path / "out"), "--mapping", str(folder))
    assert code == 1 and text == f"solo2coco: mapping {folder}: is a folder; give the mapping TOML file"
    assert not (tmp_path / "out").exists()
