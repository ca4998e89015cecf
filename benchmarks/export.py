"""Benchmark of the deployment runtimes, speed and accuracy in one table (issues 21 and 22).

Speed: the default GlovEgo-Net (RT-DETRv2-R18 with every EHOI head, random init — speed does not
depend on the weights) at `--size`² (640), exported once with a dynamic batch, then quantised
to int8 (`glovego export --int8`'s code, calibrated on generated frames: ranges do not change the
speed). Timed in the same run, `--threads` (2) each, on generated input, median of `--runs`:

- PyTorch: the exported graph's module (`DetectorGraph`: detector, heads, top-k) under no_grad;
- onnxruntime fp32 / int8: the files on the CPU provider (`runtime.session_options`);
- OpenVINO fp32 / int8: the same files compiled by OpenVINO for the CPU (fp32 kept in fp32).

Batch 1 for all five, batch 4 for PyTorch vs onnxruntime fp32. Accuracy: with `--demo DIR`
(a `glovego demo --out DIR` folder: its trained CI-size model and its test split), the EHOI
metrics of that model's fp32 and int8 files (calibrated on the demo's real train frames) on the
test split. Then the smallest input size (multiple of 32) at which the fastest path keeps
`--fps` (10) frames/s here, and what that size costs the demo model in AP.

Figures go to `benchmarks/results/export.json` (`record.Run`); `--readme` rewrites the README's
`<!-- bench:export -->` block from that file (`render_table`).

    .venv/bin/python benchmarks/export.py [--size 640] [--runs 5] [--threads 2] [--demo demo_out] [--readme]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from record import Run, read  # noqa: E402

from glovego_model.export import export_detector  # noqa: E402
from glovego_model.export.exporter import run_graph, run_session, sample_pixels  # noqa: E402
from glovego_model.export.graph import DetectorGraph  # noqa: E402
from glovego_model.export.quantize import quantize_int8  # noqa: E402
from glovego_model.export.runtime import OpenVinoSession, open_session  # noqa: E402
from glovego_model.modeling import build_model  # noqa: E402

CATEGORIES = ["screwdriver", "wrench", "drill", "box", "hand"]
TARGET_VS_PYTORCH = 1.5  # issue 22: onnxruntime fp32 vs PyTorch, batch 1 and 4
TARGET_INT8 = 2.0  # issue 21: fastest int8 path vs onnxruntime fp32
MAX_DROP = 1.0  # issue 21: points of AP Hand and mAP Hand + ALL
README = Path(__file__).resolve().parent.parent / "README.md"
MIN_SIZE = 128  # below it the three feature maps hold fewer anchors than the decoder's 300 queries


def images_per_second(run: Callable[[Any], Any], pixels: Any, runs: int) -> float:
    run(pixels)  # warm-up (allocations, the runtimes' first-run planning)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        run(pixels)
        times.append(time.perf_counter() - start)
    return len(pixels) / float(np.median(times))


def export_pair(model: Any, folder: Path, size: tuple[int, int], calibration: np.ndarray,
                dynamic_batch: bool = False) -> tuple[Path, Path]:
    """fp32 and int8 files of `model` at `size`."""
    fp32, int8 = folder / f"fp32_{size[0]}.onnx", folder / f"int8_{size[0]}.onnx"
    export_detector(model, fp32, image_size=size, dynamic_batch=dynamic_batch)
    quantize_int8(fp32, int8, calibration)
    return fp32, int8


def runners(fp32: Path, int8: Path, threads: int, openvino: bool) -> dict[str, Callable[[np.ndarray], Any]]:
    sessions: dict[str, Any] = {"onnxruntime fp32": open_session(str(fp32), "cpu", threads),
                                "onnxruntime int8": open_session(str(int8), "cpu", threads)}
    if openvino:
        sessions["OpenVINO fp32"] = OpenVinoSession(fp32, threads)
        sessions["OpenVINO int8"] = OpenVinoSession(int8, threads)
    return {name: (lambda x, s=session: run_session(s, x)) for name, session in sessions.items()}


def speed_rows(args: argparse.Namespace, folder: Path, openvino: bool) -> tuple[list[dict[str, Any]], dict[str, float]]:
    size = (args.size, args.size)
    model = build_model(CATEGORIES, seed=0, image_size=list(size))
    graph = DetectorGraph(model, size)
    calibration = np.concatenate([sample_pixels(1, size, seed=100 + i).numpy() for i in range(4)])
    fp32, int8 = export_pair(model, folder, size, calibration, dynamic_batch=True)
    run = runners(fp32, int8, args.threads, openvino)
    pixels = sample_pixels(1, size, seed=1)
    speeds = {"PyTorch": images_per_second(lambda x: run_graph(graph, x), pixels, args.runs)}
    for name, fn in run.items():
        speeds[name] = images_per_second(fn, pixels.numpy(), args.runs)
    batch4 = sample_pixels(4, size, seed=4)
    batch4_speeds = {"PyTorch": images_per_second(lambda x: run_graph(graph, x), batch4, args.runs),
                     "onnxruntime fp32": images_per_second(run["onnxruntime fp32"], batch4.numpy(), args.runs)}
    base = speeds["onnxruntime fp32"]
    rows = [{"runtime": name, "images_per_s": round(ips, 3), "vs_onnxruntime_fp32": round(ips / base, 3)}
            for name, ips in speeds.items()]
    return rows, {"batch1": round(speeds["onnxruntime fp32"] / speeds["PyTorch"], 3),
                  "batch4": round(batch4_speeds["onnxruntime fp32"] / batch4_speeds["PyTorch"], 3),
                  "batch4_images_per_s": {k: round(v, 3) for k, v in batch4_speeds.items()}}


def demo_accuracy(demo: Path, folder: Path, size: int, threads: int) -> dict[str, Any]:
    """EHOI metrics of the demo model's fp32 and int8 files at `size` on its test split."""
    from glovego_model.modeling import load_model
    from glovego_pipelines.export import _measure_on_gt, calibration_pixels

    gt = demo / "GlovEgo-HOI" / "real" / "annotations" / "test.json"
    frames = folder / "calibration"
    if not frames.exists():
        frames.mkdir()
        train = json.loads((demo / "GlovEgo-HOI" / "real" / "annotations" / "train.json").read_text())
        for image in train["images"]:
            (frames / Path(image["file_name"]).name).symlink_to(demo / "GlovEgo-HOI" / "real" / "images" / image["file_name"])
    model = load_model(str(demo / "run" / "best"))
    pixels = calibration_pixels(frames, (size, size))
    (folder / f"demo_{size}").mkdir()
    fp32, int8 = export_pair(model, folder / f"demo_{size}", (size, size), pixels)
    agreement, metrics = _measure_on_gt(fp32, int8, gt, len(model.config.id2label) - 1)
    session = open_session(str(int8), "cpu", threads)
    ips = images_per_second(lambda x: run_session(session, x), sample_pixels(1, (size, size)).numpy(), 5)
    return {"size": size, "test_images": len(json.loads(gt.read_text())["images"]), "metrics": metrics,
            "agreement": agreement.as_dict(), "int8_images_per_s": round(ips, 3)}


def smallest_size(args: argparse.Namespace, folder: Path, fastest: str, fastest_ips: float, openvino: bool) -> dict[str, Any]:
    """Step down from the size the 640² speed predicts (speed ∝ 1 / pixels) until `fastest` keeps --fps."""
    guess = int(args.size * (fastest_ips / args.fps) ** 0.5) // 32 * 32
    tried: list[dict[str, Any]] = []
    for size in range(max(guess, MIN_SIZE), MIN_SIZE - 1, -32):
        model = build_model(CATEGORIES, seed=0, image_size=[size, size])
        calibration = np.concatenate([sample_pixels(1, (size, size), seed=100 + i).numpy() for i in range(4)])
        fp32, int8 = export_pair(model, folder, (size, size), calibration)
        run = runners(fp32, int8, args.threads, openvino)[fastest]
        ips = images_per_second(run, sample_pixels(1, (size, size), seed=2).numpy(), args.runs)
        tried.append({"size": size, "images_per_s": round(ips, 3)})
        if ips >= args.fps:
            return {"runtime": fastest, "size": size, "images_per_s": round(ips, 3), "tried": tried}
    return {"runtime": fastest, "size": None, "tried": tried}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=640)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--fps", type=float, default=10.0)
    parser.add_argument("--demo", type=Path, help="a `glovego demo --out DIR` folder, for the accuracy rows")
    parser.add_argument("--readme", action="store_true", help="rewrite the README's export table from the result file")
    parser.add_argument("--only-readme", action="store_true", help="only rewrite the README table (no measuring)")
    args = parser.parse_args()
    if args.only_readme:
        write_readme(read("export"))
        return
    torch.set_num_threads(args.threads)
    try:
        import openvino  # noqa: F401
        has_openvino = True
    except ImportError:
        has_openvino = False
    record = Run("export")
    figures: dict[str, Any] = {"size": args.size, "threads": args.threads, "runs": args.runs, "batch": 1}
    with tempfile.TemporaryDirectory() as tmp:
        rows, vs_pytorch = speed_rows(args, Path(tmp), has_openvino)
        figures["rows"], figures["onnxruntime_vs_pytorch"] = rows, vs_pytorch
        print(json.dumps(figures), flush=True)  # the speed rows survive a failure in a later stage
        int8 = [row for row in rows if "int8" in row["runtime"]]
        fastest = max(int8, key=lambda row: row["images_per_s"])
        figures["fastest_int8"] = fastest["runtime"]
        figures["int8_target_met"] = fastest["vs_onnxruntime_fp32"] >= TARGET_INT8
        figures["vs_pytorch_target_met"] = min(vs_pytorch["batch1"], vs_pytorch["batch4"]) >= TARGET_VS_PYTORCH
        small = smallest_size(args, Path(tmp), fastest["runtime"], fastest["images_per_s"], has_openvino)
        figures["smallest_size_at_fps"] = {**small, "fps": args.fps}
        if args.demo is not None:
            demo_size = int(json.loads((args.demo / "run" / "best" / "config.json").read_text())["ehoi_image_size"][0])
            figures["accuracy"] = demo_accuracy(args.demo, Path(tmp), demo_size, args.threads)
            if small["size"] is not None and small["size"] < demo_size:
                figures["accuracy_at_smallest"] = demo_accuracy(args.demo, Path(tmp), small["size"], args.threads)
    path = record.write(figures)
    result = read("export")
    print(render_table(result))
    print(f"\nwrote {path}")
    if args.readme:
        write_readme(result)


def render_table(result: dict[str, Any]) -> str:
    """The README's deployment table (markdown) from a result file written by this script."""
    f = result["figures"]
    loaded = " — **LOADED** (1-min load above the cores: read the ratios, not the speeds)" if result["loaded"] else ""
    lines = [f"Default model (RT-DETRv2-R18 + EHOI heads) at {f['size']}², batch {f['batch']}, {f['threads']} threads "
             f"each, {result['machine']['processor']}, {result['date'][:10]}; load (1 min) "
             f"{result['load_before']['load_1m']} → {result['load_after']['load_1m']} on "
             f"{result['load_after']['cores']} cores{loaded}.", "",
             "| runtime | images/s | vs onnxruntime fp32 |", "|---|---|---|"]
    for row in f["rows"]:
        lines.append(f"| {row['runtime']} | {row['images_per_s']:.2f} | {row['vs_onnxruntime_fp32']:.2f}× |")
    vs = f["onnxruntime_vs_pytorch"]
    lines += ["", f"onnxruntime fp32 vs PyTorch: **{vs['batch1']:.2f}×** at batch 1, **{vs['batch4']:.2f}×** at batch 4 "
              f"(target ≥ {TARGET_VS_PYTORCH}×: {'met' if f['vs_pytorch_target_met'] else 'not met'}). "
              f"Fastest int8 path: {f['fastest_int8']} (target ≥ {TARGET_INT8}× onnxruntime fp32: "
              f"{'met' if f['int8_target_met'] else 'not met'})."]
    small = f["smallest_size_at_fps"]
    if small["size"] is not None:
        lines.append(f"Smallest input keeping {small['fps']:.0f} frames/s here with {small['runtime']}: "
                     f"**{small['size']}²** ({small['images_per_s']:.1f} images/s).")
    else:
        lines.append(f"No input size ≥ {MIN_SIZE}² keeps {small['fps']:.0f} frames/s here with {small['runtime']}.")
    for key, what in (("accuracy", "at its training size"), ("accuracy_at_smallest", "at that smallest size")):
        if key in f:
            acc = f[key]
            m = acc["metrics"]
            lines.append(f"Demo model (CI size, `make demo`) {what}, {acc['size']}², on the demo's {acc['test_images']} "
                         "test images: " + "; ".join(
                             f"{name} fp32 {m['fp32'][name]:.2f}, int8 {m['int8'][name]:.2f} (drop {m['drop'][name]:.2f})"
                             for name in m["fp32"]) + ".")
    return "\n".join(lines)


def write_readme(result: dict[str, Any], readme: Path = README) -> None:
    """Rewrite the README's `<!-- bench:export -->` block from `result` (the layout `readme_tables`
    renders from the committed file, so `readme_tables.py --check` agrees)."""
    from readme_tables import MARKER as BLOCK

    text = readme.read_text(encoding="utf-8")
    fresh = BLOCK.sub(lambda m: m.group(1) + render_table(result) + "\n" + m.group(4)
                      if m.group("name") == "export" else m.group(0), text)
    readme.write_text(fresh, encoding="utf-8")


if __name__ == "__main__":
    main()
