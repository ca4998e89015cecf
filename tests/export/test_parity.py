"""onnxruntime equals PyTorch: raw outputs, `ImageDetections`, and `glovego eval`'s EHOI metrics."""

from __future__ import annotations

import numpy as np
import pytest

from glovego_data.toy_scenes import generate_toy_dataset

VARIANTS = [("rt_detr_v2", "trained_run", "run_onnx"), ("d_fine", "dfine_dir", "dfine_onnx")]


def _images(tmp_path):
    """Generated scenes at sizes other than the model's, plus noise (flat score landscapes)."""
    from glovego_pipelines.media import read_rgb

    root = generate_toy_dataset(tmp_path / "scenes", 3, size=(200, 150), seed=7).parent.parent
    rng = np.random.default_rng(3)
    return [read_rgb(p) for p in sorted((root / "images").glob("*.png"))] + [
        rng.integers(0, 256, (96, 144, 3), dtype=np.uint8)]


@pytest.mark.slow
@pytest.mark.parametrize("arch,weights_fixture,onnx_fixture", VARIANTS)
def test_onnxruntime_equals_pytorch(arch, weights_fixture, onnx_fixture, request, tmp_path):
    from glovego_model.export import compare_outputs
    from glovego_model.export.exporter import run_graph
    from glovego_model.export.graph import DetectorGraph
    from glovego_model.inference import EhoiPredictor
    from glovego_model.inference.onnx_predictor import OnnxEhoiPredictor

    weights, onnx_path = request.getfixturevalue(weights_fixture), request.getfixturevalue(onnx_fixture)
    torch_predictor = EhoiPredictor.from_pretrained(weights, device="cpu")
    onnx_predictor = OnnxEhoiPredictor.from_file(onnx_path, device="cpu")
    info = onnx_predictor.info
    assert info.arch == arch and info.categories == torch_predictor.category_names and info.opset >= 17
    assert info.image_size == (128, 128) and info.ehoi["ehoi_contact_modality"] == torch_predictor.config.ehoi_contact_modality
    images = _images(tmp_path)

    pixels = torch_predictor.preprocess(images)
    graph = DetectorGraph(torch_predictor.model, info.image_size)
    agreement = compare_outputs(run_graph(graph, pixels), onnx_predictor.run(pixels.numpy()), info.image_size)
    assert agreement.within(1e-4, 1e-3), agreement
    assert agreement.matched >= len(images) * 90 and agreement.tied <= len(images) * 10, agreement

    ids = list(range(len(images)))
    for ref, got in zip(torch_predictor.predict(images, ids, min_score=0.0, with_masks=True),
                        onnx_predictor.predict(images, ids, min_score=0.0, with_masks=True)):
        assert (ref.width, ref.height) == (got.width, got.height) and len(ref) == len(got)
        final = compare_outputs(_as_outputs(ref), _as_outputs(got), (ref.height, ref.width))
        assert final.within(1e-4, 1e-3) and final.matched >= 90 and final.tied <= 10, final
        assert len(got.masks) == len(ref.masks) and got.masks[0]["size"] == [ref.height, ref.width]


def _as_outputs(dets) -> dict[str, np.ndarray]:
    """One image's `ImageDetections` as a batch of one in the graph's output layout (NaN → 0)."""
    fields = {"scores": dets.scores, "labels": dets.category_ids, "boxes": dets.boxes_xywh,
              "side_prob": dets.side_prob, "contact_prob": dets.contact_prob, "glove_prob": dets.glove_prob,
              "offsets": dets.offsets, "keypoints": dets.keypoints}
    return {name: np.nan_to_num(np.asarray(value))[None] for name, value in fields.items()}


@pytest.mark.slow
@pytest.mark.parametrize("arch,weights_fixture,onnx_fixture", VARIANTS)
def test_eval_gives_the_same_metrics_from_the_run_and_the_onnx_file(arch, weights_fixture, onnx_fixture, request,
                                                                     toy_root, tmp_path):
    from glovego_pipelines.evaluate import run_evaluate

    gt = toy_root / "annotations" / "real.json"
    weights, onnx_path = request.getfixturevalue(weights_fixture), request.getfixturevalue(onnx_fixture)
    from_torch = run_evaluate(gt, weights=weights, device="cpu", batch_size=2)
    from_onnx = run_evaluate(gt, weights=onnx_path, out=tmp_path / "eval", device="cpu", batch_size=2)
    assert from_onnx.metrics["counts"] == from_torch.metrics["counts"]
    for name, value in from_torch.metrics["ehoi"].items():
        assert round(from_onnx.metrics["ehoi"][name], 2) == round(value, 2), name
    assert (tmp_path / "eval" / "predictions.json").is_file()
