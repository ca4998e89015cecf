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
    assert [r["batch"] for r in detector["fp32"]] == [1, 2] and [r["batch"] for r in detector["bf16 autocast"]] == [1, 2]
    assert all(r["images_per_s"] > 0 for rows in (detector["fp32"], detector["bf16 autocast"]) for r in rows)
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
