"""Bad input to export / the ONNX backend: one clear line naming the thing, nothing written."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import torch
from torch import nn
from typer.testing import CliRunner

from glovego_cli.main import app
from glovego_data.errors import GlovegoError
from glovego_pipelines.export import run_export


@pytest.fixture(scope="module")
def tiny_dir(tmp_path_factory) -> Path:
    from glovego_model.modeling import build_model

    path = tmp_path_factory.mktemp("model") / "tiny"
    build_model(["box", "hand"], size="ci", seed=0, contact_modality="rgb", image_size=[64, 64]).save_pretrained(path)
    return path


def _foreign_onnx(path: Path) -> Path:
    """A valid ONNX model that `glovego export` did not write (no metadata of ours)."""
    import onnx
    from onnx import TensorProto, helper

    graph = helper.make_graph([helper.make_node("Identity", ["pixel_values"], ["scores"])], "foreign",
                              [helper.make_tensor_value_info("pixel_values", TensorProto.FLOAT, [1, 3, 64, 64])],
                              [helper.make_tensor_value_info("scores", TensorProto.FLOAT, [1, 3, 64, 64])])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)]), path)
    return path


def _frames(tmp_path: Path) -> Path:
    """An input folder beside (not around) the output: an output inside an input is refused first."""
    frames = tmp_path / "frames"
    frames.mkdir(exist_ok=True)
    return frames


def test_an_onnx_file_without_our_metadata(tmp_path):
    foreign = _foreign_onnx(tmp_path / "foreign.onnx")
    result = CliRunner().invoke(app, ["infer", "--weights", str(foreign), str(_frames(tmp_path)), "--out", str(tmp_path / "o")])
    assert result.exit_code == 1 and "not a GlovEgo ONNX model" in result.output and "foreign.onnx" in result.output
    assert not (tmp_path / "o").exists() and not (tmp_path / "o.tmp").exists()
    (tmp_path / "junk.onnx").write_bytes(b"not protobuf")
    from glovego_model.inference.onnx_predictor import OnnxEhoiPredictor

    with pytest.raises(GlovegoError, match="junk.onnx: onnxruntime cannot load it"):
        OnnxEhoiPredictor(tmp_path / "junk.onnx")


def test_image_size_opset_and_out_are_checked_before_any_work(tiny_dir, tmp_path):
    out = tmp_path / "m.onnx"
    with pytest.raises(GlovegoError, match=r"--image-size 100: must be a positive multiple of 32 .* 96 and 128"):
        run_export(tiny_dir, out, image_size=100)
    with pytest.raises(GlovegoError, match="--opset 16: GlovEgo exports need opset ≥ 17"):
        run_export(tiny_dir, out, opset=16)
    with pytest.raises(GlovegoError, match="ending in .onnx"):
        run_export(tiny_dir, tmp_path / "m.bin")
    (tmp_path / "notes").mkdir()
    with pytest.raises(GlovegoError, match="not a model folder"):
        run_export(tmp_path / "notes", out)
    with pytest.raises(GlovegoError, match="is inside the input"):  # the output may not lie in its input
        run_export(tmp_path, out)
    out.write_bytes(b"keep")
    with pytest.raises(GlovegoError, match="already exists"):
        run_export(tiny_dir, out)
    assert out.read_bytes() == b"keep" and sorted(p.name for p in tmp_path.iterdir()) == ["m.onnx", "notes"]


def test_missing_onnxruntime_names_the_extra(tiny_dir, tmp_path, monkeypatch):
    foreign = _foreign_onnx(tmp_path / "foreign.onnx")
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # what `import onnxruntime` meets when it is absent
    with pytest.raises(GlovegoError, match=r"onnxruntime is not installed .*pip install 'glovego\[export\]'"):
        run_export(tiny_dir, tmp_path / "m.onnx")
    result = CliRunner().invoke(app, ["infer", "--weights", str(foreign), str(_frames(tmp_path)), "--out", str(tmp_path / "o")])
    assert result.exit_code == 1 and "pip install 'glovego[export]'" in result.output
    assert not (tmp_path / "m.onnx").exists() and not (tmp_path / "o").exists()


def test_describe_export_error_names_the_operator():
    from glovego_model.export.exporter import describe_export_error

    class Spectrum(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return torch.linalg.eigh(x @ x.T)[0]

    with pytest.raises(Exception) as caught:
        torch.onnx.export(Spectrum(), (torch.rand(4, 4),), dynamo=True, verbose=False)
    message = describe_export_error(caught.value)
    assert message.startswith("operator aten._linalg_eigh has no ONNX conversion (No ONNX function found")
    assert "\n" not in message


@pytest.mark.slow
def test_a_model_with_an_unexportable_operator_is_refused_nothing_written(tmp_path):
    """A head whose operator has no ONNX form: the error names the variant, the operator and why."""
    from glovego_model.export import export_detector
    from glovego_model.modeling import build_model

    class SpectralGlove(nn.Module):
        def forward(self, hidden: torch.Tensor) -> torch.Tensor:
            gram = hidden[0, :4, :4] @ hidden[0, :4, :4].T
            return hidden[..., :1] * torch.linalg.eigh(gram)[0].sum()

    model = build_model(["box", "hand"], size="ci", seed=0, contact_modality="rgb", image_size=[64, 64])
    model.ehoi_glove = SpectralGlove()
    with pytest.raises(GlovegoError, match=r"run_x: the rt_detr_v2 model cannot be exported to ONNX opset 18: "
                                           r"operator aten._linalg_eigh has no ONNX conversion"):
        export_detector(model, tmp_path / "m.onnx", image_size=(64, 64), source="run_x")
    assert list(tmp_path.iterdir()) == []


def test_device_picks_the_onnxruntime_provider():
    from glovego_model.export.runtime import providers_for

    cpu_only, with_cuda = ["CPUExecutionProvider"], ["CUDAExecutionProvider", "CPUExecutionProvider"]
    assert providers_for(None, cpu_only) == ["CPUExecutionProvider"]
    assert providers_for(None, with_cuda) == with_cuda
    assert providers_for("cuda:1", with_cuda) == [("CUDAExecutionProvider", {"device_id": 1}), "CPUExecutionProvider"]
    assert providers_for("cpu", with_cuda) == ["CPUExecutionProvider"]
    with pytest.raises(GlovegoError, match="--device cuda: this onnxruntime has no CUDA provider"):
        providers_for("cuda", cpu_only)
    with pytest.raises(GlovegoError, match="--device mps"):
        providers_for("mps", with_cuda)
