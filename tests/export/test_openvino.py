"""`--runtime openvino`: the same file, the same predictions as onnxruntime within stated tolerances."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from glovego_cli.main import app
from glovego_model.export.check import compare_outputs
from glovego_model.export.exporter import run_session, sample_pixels
from glovego_model.export.quantize import MAX_SCORE_DRIFT, MIN_RECALL, agreement
from glovego_model.export.runtime import OpenVinoSession, open_session
from tests.export.conftest import require_openvino

# fp32 on both runtimes: the same arithmetic in another kernel order
OPENVINO_PROBABILITY_TOL = 1e-3
OPENVINO_PIXEL_TOL = 1e-3


def test_openvino_fp32_matches_onnxruntime(run_onnx):
    require_openvino()
    pixels = sample_pixels(2, (128, 128), seed=5).numpy()
    reference = run_session(open_session(str(run_onnx), "cpu", threads=1), pixels)
    other = run_session(OpenVinoSession(run_onnx, threads=1), pixels)
    result = compare_outputs(reference, other, (128, 128), score_tol=OPENVINO_PROBABILITY_TOL)
    assert result.within(OPENVINO_PROBABILITY_TOL, OPENVINO_PIXEL_TOL), result
    assert result.matched >= 100


def test_openvino_runs_the_int8_file_like_onnxruntime(int8_onnx):
    require_openvino()
    pixels = sample_pixels(2, (128, 128), seed=6).numpy()
    reference = run_session(open_session(str(int8_onnx), "cpu", threads=1), pixels)
    other = run_session(OpenVinoSession(int8_onnx, threads=1), pixels)
    result = agreement(reference, other, hand_label=19)
    assert result.recall >= MIN_RECALL and result.score_drift <= MAX_SCORE_DRIFT, result


def test_eval_and_infer_take_runtime_openvino(run_onnx, toy_root, tmp_path):
    require_openvino()
    gt = toy_root / "annotations" / "real.json"
    runner = CliRunner()
    outs = {}
    for runtime in ("onnxruntime", "openvino"):
        out = tmp_path / runtime
        result = runner.invoke(app, ["eval", "--gt", str(gt), "--weights", str(run_onnx), "--device", "cpu",
                                     "--runtime", runtime, "--out", str(out)])
        assert result.exit_code == 0, result.output
        outs[runtime] = json.loads((out / "predictions.json").read_text())
    a, b = outs["onnxruntime"], outs["openvino"]
    assert len(a) == len(b)
    strong = [(x, y) for x, y in zip(a, b) if x["score"] >= 0.1]
    assert all(x["category_id"] == y["category_id"] for x, y in strong)
    assert max((abs(x["score"] - y["score"]) for x, y in zip(a, b)), default=0.0) <= OPENVINO_PROBABILITY_TOL
    result = runner.invoke(app, ["infer", "--weights", str(run_onnx), "--runtime", "openvino", "--device", "cpu",
                                 str(toy_root / "images" / "100_101.jpg"), "--out", str(tmp_path / "pictures")])
    assert result.exit_code == 0, result.output
    assert list((tmp_path / "pictures").rglob("*.jpg"))


def test_runtime_openvino_on_a_model_folder_says_it_needs_onnx(trained_run, toy_root, tmp_path):
    result = CliRunner().invoke(app, ["infer", "--weights", str(trained_run), "--runtime", "openvino",
                                      str(toy_root / "images" / "100_101.jpg"), "--out", str(tmp_path / "o")])
    assert result.exit_code == 1 and "not one" in " ".join(result.output.split())


def test_missing_export_extra_names_the_install_command(trained_run, run_onnx, toy_root, tmp_path, monkeypatch):
    """Issue 22: no onnxscript → one line with `pip install 'glovego[export]'`, not the exporter's
    "No module named 'onnxscript'"; no openvino → the `openvino` extra's line."""
    import sys

    monkeypatch.setitem(sys.modules, "onnxscript", None)  # what `import onnxscript` meets when it is not installed
    monkeypatch.setitem(sys.modules, "openvino", None)
    runner = CliRunner()
    result = runner.invoke(app, ["export", str(trained_run), "--out", str(tmp_path / "m.onnx")])
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert result.exit_code == 1 and len(lines) == 1, result.output
    assert "pip install 'glovego[export]'" in lines[0]
    result = runner.invoke(app, ["infer", "--weights", str(run_onnx), "--runtime", "openvino", "--device", "cpu",
                                 str(toy_root / "images" / "100_101.jpg"), "--out", str(tmp_path / "o")])
    assert result.exit_code == 1 and "pip install 'glovego[openvino]'" in " ".join(result.output.split())
    assert not (tmp_path / "o").exists()
