"""The README's deployment table is rendered from `benchmarks/results/export.json`, never typed."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "export.py"


def _module():
    sys.path.insert(0, str(BENCH.parent))
    spec = importlib.util.spec_from_file_location("bench_export", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _result(loaded: bool) -> dict:
    rows = [{"runtime": name, "images_per_s": ips, "vs_onnxruntime_fp32": round(ips / 2.0, 3)}
            for name, ips in (("PyTorch", 1.5), ("onnxruntime fp32", 2.0), ("onnxruntime int8", 4.4),
                              ("OpenVINO fp32", 2.5), ("OpenVINO int8", 5.0))]
    metrics = {"fp32": {"AP Hand": 78.14, "mAP Hand + ALL": 72.5}, "int8": {"AP Hand": 78.0, "mAP Hand + ALL": 71.95},
               "drop": {"AP Hand": 0.14, "mAP Hand + ALL": 0.55}}
    return {"date": "2026-12-08T01:00:00+00:00", "loaded": loaded, "machine": {"processor": "x86_64"},
            "load_before": {"load_1m": 5.0 if loaded else 0.5}, "load_after": {"load_1m": 1.0, "cores": 2},
            "figures": {"size": 640, "batch": 1, "threads": 2, "rows": rows, "fastest_int8": "OpenVINO int8",
                        "int8_target_met": True, "vs_pytorch_target_met": False,
                        "onnxruntime_vs_pytorch": {"batch1": 1.33, "batch4": 1.2},
                        "smallest_size_at_fps": {"runtime": "OpenVINO int8", "size": 288, "images_per_s": 10.4,
                                                 "fps": 10.0},
                        "accuracy": {"size": 256, "test_images": 8, "metrics": metrics}}}


def test_table_has_every_runtime_and_flags_a_loaded_run(tmp_path):
    module = _module()
    table = module.render_table(_result(loaded=True))
    for name in ("PyTorch", "onnxruntime fp32", "onnxruntime int8", "OpenVINO fp32", "OpenVINO int8"):
        assert f"| {name} |" in table
    assert "| OpenVINO int8 | 5.00 | 2.50× |" in table
    assert "LOADED" in table and "not met" in table and "**288²**" in table and "drop 0.55" in table
    assert "LOADED" not in module.render_table(_result(loaded=False))
    readme = tmp_path / "README.md"
    readme.write_text("before\n<!-- bench:export -->\nold\n<!-- /bench -->\nafter\n<!-- bench:other -->x<!-- /bench -->\n")
    module.write_readme(_result(loaded=False), readme)
    text = readme.read_text()
    assert "old" not in text and "| OpenVINO int8 |" in text and text.endswith("<!-- bench:other -->x<!-- /bench -->\n")
