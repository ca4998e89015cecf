"""Images/s one training-loader worker produces on this CPU, for realistic inputs, against the
loader before its decode-once / resize-on-read fix, measured in the same run.

Inputs: 1920×1080 JPEG frames (quality 95), 16-bit depth PNGs of the same size, polygon masks
(48 vertices per instance), the recipe's training size (640²), flip 0.5 and photometric jitter on.
One worker's work is one `TrainDataset[...]` per image plus the `Collate` of its batch, exactly
what each DataLoader process runs; so workers needed per GPU = GPU training images/s ÷ this.

The baseline is the `glovego_model` + `glovego_data` of `--baseline` (a git revision; default:
the commit before the fix), unpacked with `git archive` into a temporary folder. Old and new run
alternately in fresh processes (best of `--rounds`; the machine is shared, compare the ratio).

    python benchmarks/loader.py                      # ~2 minutes on 2 busy cores; writes results/loader.json
    python benchmarks/loader.py --rounds 5
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASELINE = "0f8dd3a"  # main before the loader fix (decode and jitter at 1920×1080, masks one by one)
SIZE = 640
BATCH = 4


def make_frames(root: Path, n: int) -> Path:
    """`n` toy scenes at 1920×1080 as JPEG + depth, their masks rewritten as 48-vertex polygons."""
    import numpy as np

    sys.path.insert(0, str(ROOT))
    from glovego_data.ehoi_coco import load_dataset, save_dataset
    from glovego_data.toy_scenes import generate_toy_dataset

    path = generate_toy_dataset(root, n, size=(1920, 1080), seed=0, synthetic=False, with_depth=True, with_masks=True)
    dataset = load_dataset(path)
    angles = np.linspace(0.0, 2.0 * np.pi, 48, endpoint=False)
    for ann in dataset.annotations:
        x, y, w, h = ann.bbox
        xs = x + w / 2 + (w / 2 - 0.5) * np.cos(angles)
        ys = y + h / 2 + (h / 2 - 0.5) * np.sin(angles)
        ann.segmentation = [[round(float(v), 2) for xy in zip(xs, ys) for v in xy]]
    save_dataset(dataset, path)
    return path


def measure(json_path: str, images: int, passes: int) -> dict:
    """In this process: best-of-`passes` images/s of one worker (Dataset items + collate)."""
    import numpy as np
    import torch

    torch.set_num_threads(1)
    import glovego_model
    from glovego_model.data import ConcatIndex, build_index
    from glovego_model.data.loader import AugmentConfig, Collate, StepBatchSampler, TrainDataset

    index = ConcatIndex([build_index(json_path)])
    dataset = TrainDataset(index, AugmentConfig(sizes=(SIZE,), flip=0.5, jitter=True), seed=0)
    collate = Collate((SIZE,), seed=0)
    steps = max(1, images // BATCH)
    best = math.inf
    checksum = 0.0
    for _ in range(passes):
        sampler = StepBatchSampler(len(index), BATCH, seed=0, start_step=0, total_steps=steps)
        started = time.perf_counter()
        for keys in sampler:
            pixels, labels = collate([dataset[k] for k in keys])
            checksum = float(pixels.mean()) + float(sum(t["masks"].float().mean() for t in labels))
        best = min(best, time.perf_counter() - started)
    assert pixels.shape[-2:] == (SIZE, SIZE) and np.isfinite(checksum)
    return {"images_per_s": steps * BATCH / best, "package": str(Path(glovego_model.__file__).parent.parent),
            "checksum": checksum}


def run_child(package_root: Path, json_path: Path, images: int, passes: int) -> dict:
    env = {**os.environ, "PYTHONPATH": str(package_root), "OMP_NUM_THREADS": "1"}
    code = (f"import json, sys; sys.path.insert(0, {str(package_root)!r}); sys.argv = ['loader']; "
            f"import runpy; m = runpy.run_path({str(Path(__file__).resolve())!r}); "
            f"print('RESULT', json.dumps(m['measure']({str(json_path)!r}, {images}, {passes})))")
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=package_root)
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"measuring {package_root} failed:\n{done.stderr[-2000:]}")
    result = json.loads(lines[-1][len("RESULT "):])
    if Path(result["package"]).resolve() != package_root.resolve():
        raise RuntimeError(f"imported {result['package']}, not {package_root}")
    return result


def unpack_baseline(revision: str, into: Path) -> Path:
    into.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", revision, "glovego_model", "glovego_data"],
                             capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=8, help="distinct frames generated")
    parser.add_argument("--images", type=int, default=16, help="images per timed pass")
    parser.add_argument("--passes", type=int, default=2, help="timed passes per process (best kept)")
    parser.add_argument("--rounds", type=int, default=3, help="old/new process pairs, alternating (best kept)")
    parser.add_argument("--baseline", default=BASELINE, help="git revision of the old loader")
    args = parser.parse_args()
    from record import Run  # here, not at the top: the child processes run this file from another root

    run = Run("loader")
    with tempfile.TemporaryDirectory(prefix="glovego-loader-") as tmp:
        tmp_path = Path(tmp)
        json_path = make_frames(tmp_path / "frames", args.frames)
        old_root = unpack_baseline(args.baseline, tmp_path / "baseline")
        old, new = [], []
        for round_ in range(args.rounds):
            old.append(run_child(old_root, json_path, args.images, args.passes)["images_per_s"])
            new.append(run_child(ROOT, json_path, args.images, args.passes)["images_per_s"])
            print(f"round {round_ + 1}: old {old[-1]:.2f}, new {new[-1]:.2f} images/s per worker", flush=True)
    result = {
        "input": "1920x1080 JPEG q95 + 16-bit depth PNG + 48-vertex polygon masks (2-4 instances)",
        "size": SIZE, "batch": BATCH, "rounds": args.rounds, "baseline": args.baseline,
        "old_images_per_s_per_worker": round(max(old), 2), "new_images_per_s_per_worker": round(max(new), 2),
        "speedup": round(max(new) / max(old), 2),
        "speedup_per_round": [round(n / o, 2) for n, o in zip(new, old)],
        "workers_per_gpu": "ceil(GPU training images/s / new_images_per_s_per_worker)",
        "workers_for_100_images_per_s": math.ceil(100 / max(new)),
    }
    for key, value in result.items():
        print(f"{key:32s} {value}")
    print(f"wrote {run.write(result)}")
    print(run.note())


if __name__ == "__main__":
    main()
