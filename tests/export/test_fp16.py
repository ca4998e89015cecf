"""`--fp16`: half-precision weights, float32 contract, close to PyTorch fp32 on the CPU provider."""

from __future__ import annotations

import pytest


@pytest.mark.slow
def test_fp16_export_keeps_the_contract_and_agrees_with_fp32(tmp_path):
    import onnx

    from glovego_model.export import compare_outputs
    from glovego_model.export.exporter import run_graph, sample_pixels
    from glovego_model.export.graph import DetectorGraph
    from glovego_model.inference.onnx_predictor import OnnxEhoiPredictor
    from glovego_model.modeling import build_model
    from glovego_pipelines.export import run_export

    folder = tmp_path / "tiny"
    model = build_model(["box", "tool", "hand"], size="ci", seed=0, image_size=[64, 64])
    model.save_pretrained(folder)
    report = run_export(folder, tmp_path / "half.onnx", fp16=True)
    assert report.fp16 and (tmp_path / "half.onnx").is_file()
    proto = onnx.load(str(tmp_path / "half.onnx"))
    weights = [t for t in proto.graph.initializer if t.data_type in (onnx.TensorProto.FLOAT16, onnx.TensorProto.FLOAT)]
    assert sum(t.data_type == onnx.TensorProto.FLOAT16 for t in weights) > len(weights) // 2
    assert proto.graph.input[0].type.tensor_type.elem_type == onnx.TensorProto.FLOAT
    predictor = OnnxEhoiPredictor.from_file(tmp_path / "half.onnx", device="cpu")
    assert predictor.info.fp16
    pixels = sample_pixels(1, (64, 64), seed=4)
    half = predictor.run(pixels.numpy())
    assert all(half[name].dtype.kind in "fi" and half[name].dtype.itemsize >= 4 for name in half)
    agreement = compare_outputs(run_graph(DetectorGraph(model, (64, 64)), pixels), half, (64, 64), score_tol=1e-2)
    assert agreement.probability < 1e-2 and agreement.pixel_relative < 1e-2, agreement
