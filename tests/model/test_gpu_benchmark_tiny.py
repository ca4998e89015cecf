"""`benchmarks/gpu.py --tiny` on the CPU: every section of the GPU check runs its real code path, so
the script a GPU session runs once cannot rot; a failing section or an exhausted budget still
leaves a complete report."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "gpu.py"


@pytest.fixture(scope="module")
def gpu_bench():
    spec = importlib.util.spec_from_file_location("glovego_gpu_benchmark", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _rows(report: dict, section: str) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for row in report["sections"][section]["rows"]:
        out.setdefault(row["name"], []).append(row)
    return out


@pytest.mark.slow
def test_tiny_run_measures_every_section(gpu_bench, tmp_path):
    out = tmp_path / "gpu_report.json"
    code = gpu_bench.main(["--tiny", "--device", "cpu", "--threads", "1", "--max-batch", "2", "--out", str(out)])
    report = json.loads(out.read_text())
    assert code == 0, report
    assert {name: s["status"] for name, s in report["sections"].items()} == \
        {"detector": "ok", "training": "ok", "kontext": "ok"}

    detector = _rows(report, "detector")
    for label in ("model fp32", "model bf16 autocast", "predictor"):
        assert [r["batch"] for r in detector[label]] == [1, 2] and all(r["images_per_s"] > 0 for r in detector[label])
    assert detector["predictor"][0]["input"] == "96x64 frames"  # resized to the model's input by the predictor
    assert detector["onnxruntime"][0]["status"] == "not available"

    (train,) = _rows(report, "training")["bf16 autocast"]
    assert train["losses_finite"] is True and train["steps"] == 2 and train["images_per_s"] > 0

    kontext = _rows(report, "kontext")
    plain = kontext["fp32"]  # the editor runs fp32 on the CPU, bf16 on a GPU
    assert [r["batch"] for r in plain] == [1, 2] and plain[0]["output_std"] > 5  # a real picture, not a flat one
    assert report["sections"]["kontext"]["prompt_embeds_shape"] == [1, 512, 32]
    for label in ("first-block-cache", "fp8-storage"):
        (row,) = kontext[label]
        assert row["within_tolerance"] is True and row["tolerance"] == gpu_bench.TOLERANCE[label], row
    assert kontext["fp8-storage"][0]["mean_abs_diff"] > 0  # the option really ran: fp8 weights move the output
    for label in ("compile", "fp8"):
        assert kontext[label][0]["status"] == "not available" and kontext[label][0]["why"]


def test_a_failing_section_is_reported_and_the_next_still_runs(gpu_bench, tmp_path, monkeypatch):
    def broken(report, args, device):
        raise RuntimeError("CUDA error: an illegal memory access was encountered")

    monkeypatch.setitem(gpu_bench.SECTIONS, "detector", broken)
    out = tmp_path / "r.json"
    code = gpu_bench.main(["--tiny", "--device", "cpu", "--threads", "1", "--sections", "detector,training",
                           "--out", str(out)])
    report = json.loads(out.read_text())
    assert code == 1
    assert report["sections"]["detector"]["status"] == "failed"
    assert report["sections"]["detector"]["error"] == "RuntimeError: CUDA error: an illegal memory access was encountered"
    assert report["sections"]["training"]["status"] == "ok"


def test_an_exhausted_budget_skips_rows_and_still_writes_the_report(gpu_bench, tmp_path):
    out = tmp_path / "r.json"
    gpu_bench.main(["--tiny", "--device", "cpu", "--threads", "1", "--sections", "detector", "--budget-s", "0",
                    "--out", str(out)])
    section = json.loads(out.read_text())["sections"]["detector"]
    assert section["status"] == "partial"
    assert section["rows"][0]["status"] == "skipped" and "time budget" in section["rows"][0]["why"]


def test_full_size_configs_build_the_published_architectures(gpu_bench):
    """The configs a GPU run builds are accepted as written (on the meta device: no memory)."""
    import torch
    from diffusers import AutoencoderKL, FluxTransformer2DModel

    with torch.device("meta"):
        transformer = FluxTransformer2DModel(**gpu_bench.FLUX_TRANSFORMER_CONFIG)
        vae = AutoencoderKL(**gpu_bench.FLUX_VAE_CONFIG)
    assert round(sum(p.numel() for p in transformer.parameters()) / 1e9, 1) == 11.9  # FLUX.1's 12 B
    assert round(sum(p.numel() for p in vae.parameters()) / 1e6, 1) == 83.8
    assert len(transformer.transformer_blocks) == 19 and len(transformer.single_transformer_blocks) == 38


@pytest.mark.slow
def test_full_size_detector_is_the_r50_recipe_model(gpu_bench):
    model = gpu_bench.build_detector(tiny=False)
    assert model.config.backbone_config.depths == [3, 4, 6, 3]  # ResNet-50
    assert model.config.ehoi_contact_modality == "mask+rgb+depth+kpts+fusion"
    assert model.ehoi_depth is not None and model.ehoi_mask is not None and model.ehoi_contact_crop is not None
