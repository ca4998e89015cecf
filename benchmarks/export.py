"""Benchmark of the ONNX export (target: onnxruntime ≥ 1.5× PyTorch images/s on the CPU).

The same model both ways: the default GlovEgo-Net (RT-DETRv2-R18 with every EHOI head, random
init — speed does not depend on the weights) at 640², exported once with a dynamic batch. Timed
in the same run, 2 threads each, batch 1 and batch 4, on generated input:

- PyTorch: the exported graph's module (`DetectorGraph`: detector, heads, top-k) under no_grad;
- onnxruntime: the exported file on the CPU provider.

Then the `--fp16` export of the same model: whether onnxruntime can run it here and how far its
outputs are from fp32 (probabilities absolute, boxes relative to the image size), and its speed.

    .venv/bin/python benchmarks/export.py [--size 640] [--runs 5] [--threads 2]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import onnx
import torch

from glovego_model.export import compare_outputs, export_detector
from glovego_model.export.exporter import run_graph, run_session, sample_pixels, to_fp16
from glovego_model.export.graph import DetectorGraph
from glovego_model.export.runtime import open_session
from glovego_model.modeling import build_model

CATEGORIES = ["screwdriver", "wrench", "drill", "box", "hand"]
TARGET = 1.5


def images_per_second(run, pixels, runs: int) -> float:
    run(pixels)  # warm-up (allocations, ORT's first-run planning)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        run(pixels)
        times.append(time.perf_counter() - start)
    return len(pixels) / float(np.median(times))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=640)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    size = (args.size, args.size)
    model = build_model(CATEGORIES, seed=0, image_size=list(size))
    graph = DetectorGraph(model, size)
    with tempfile.TemporaryDirectory() as tmp:
        paths = {False: Path(tmp) / "model.onnx", True: Path(tmp) / "model_fp16.onnx"}
        start = time.perf_counter()
        report = export_detector(model, paths[False], image_size=size, dynamic_batch=True)
        print(f"export: {time.perf_counter() - start:.0f} s, {report.bytes / 2**20:.1f} MiB, onnxruntime vs "
              f"PyTorch: probabilities ±{report.agreement.probability:.1e}, boxes ±{report.agreement.pixel_relative:.1e}")
        # --fp16 converts the traced fp32 graph the same way (`to_fp16`); converting the file saves a second trace
        onnx.save(to_fp16(onnx.load(str(paths[False]))), str(paths[True]))
        session = open_session(str(paths[False]), "cpu", threads=args.threads)
        print(f"\nimages/s at {args.size}², {args.threads} threads each (median of {args.runs}):")
        print(f"{'batch':>5} {'PyTorch':>9} {'onnxruntime':>12} {'ratio':>7}")
        ratios = []
        for batch in (1, 4):
            pixels = sample_pixels(batch, size, seed=batch)
            torch_ips = images_per_second(lambda x: run_graph(graph, x), pixels, args.runs)
            ort_ips = images_per_second(lambda x: run_session(session, x.numpy()), pixels, args.runs)
            ratios.append(ort_ips / torch_ips)
            print(f"{batch:>5} {torch_ips:>9.2f} {ort_ips:>12.2f} {ratios[-1]:>6.2f}×")
        verdict = "met" if min(ratios) >= TARGET else "NOT met"
        print(f"target onnxruntime ≥ {TARGET}× PyTorch: {verdict} (lowest {min(ratios):.2f}×)")

        pixels = sample_pixels(1, size, seed=11)
        try:
            fp16_session = open_session(str(paths[True]), "cpu", threads=args.threads)
            fp32_out, fp16_out = run_session(session, pixels.numpy()), run_session(fp16_session, pixels.numpy())
        except Exception as error:  # an operator without a CPU fp16 kernel
            print(f"\nfp16: onnxruntime cannot run it on this CPU ({str(error).splitlines()[0][:200]})")
            return
        agreement = compare_outputs(fp32_out, fp16_out, size, score_tol=1e-2)
        fp16_ips = images_per_second(lambda x: run_session(fp16_session, x.numpy()), pixels, args.runs)
        top = float(np.abs(fp32_out["scores"][0, :10] - fp16_out["scores"][0, :10]).max())
        if np.isfinite(agreement.probability):
            rows = (f"probabilities ±{agreement.probability:.1e}, boxes ±{agreement.pixel_relative:.1e} of the image "
                    f"over {agreement.matched} paired rows ({agreement.unmatched} only at the top-k boundary)")
        else:
            rows = "some rows away from the top-k boundary have no fp32 partner (score ±1e-2, box ±1 % of the image)"
        print(f"\nfp16 vs fp32 (onnxruntime CPU, batch 1): top-10 scores ±{top:.1e}; {rows}; "
              f"{fp16_ips:.2f} images/s")


if __name__ == "__main__":
    main()
