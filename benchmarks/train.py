"""Training and inference speed of the default GlovEgo-Net (RT-DETRv2-R18 + every EHOI head) at 640².

Baseline, measured in the same run: the plain transformers `RTDetrV2ForObjectDetection` with the
same config (no EHOI heads), so the ratio is the cost of the EHOI heads and losses. On a GPU the
inference speed is also measured at 1280×720, against the reference GlovEgo-Net's 6.75 images/s
(Tesla V100S); the goal is ≥ 5× (33.75 images/s).

    python benchmarks/train.py                        # CPU, a few steps (about a minute on 2 cores)
    python benchmarks/train.py --steps 10 --depth 50  # longer, R50 layout

Writes `benchmarks/results/train.json` (figures + the machine's load; see `record.py`).
"""

from __future__ import annotations

import argparse
import os
import time

from record import Run

REFERENCE_IMAGES_PER_S = 6.75


def _labels(batch: int, size: int, torch):
    out = []
    for _ in range(batch):
        n = 6
        out.append({
            "class_labels": torch.tensor([0, 1, 2, 19, 19, 19]), "boxes": torch.rand(n, 4) * 0.3 + torch.tensor([0.3, 0.3, 0.1, 0.1]),
            "is_hand": torch.tensor([False] * 3 + [True] * 3), "side": torch.tensor([-1, -1, -1, 0, 1, 1]),
            "contact": torch.tensor([-1, -1, -1, 1, 0, 1]), "glove": torch.tensor([-1, -1, -1, 1, 0, 0]),
            "offset": torch.rand(n, 2) * 0.2, "offset_valid": torch.tensor([False] * 3 + [True, False, True]),
            "keypoints": torch.rand(n, 21, 2), "kp_vis": torch.full((n, 21), 2),
            "masks": torch.zeros(n, size, size, dtype=torch.uint8), "mask_valid": torch.ones(n, dtype=torch.bool),
            "depth": torch.rand(size, size),
        })
    return out


def _time(fn, steps: int, warmup: int, sync) -> float:
    for _ in range(warmup):
        fn()
    sync()
    start = time.perf_counter()
    for _ in range(steps):
        fn()
    sync()
    return (time.perf_counter() - start) / steps


def measure(model, device, size: tuple[int, int], batch: int, steps: int, warmup: int, train: bool, ehoi: bool, torch):
    """Images per second of a training step (forward, backward, AdamW) or of inference."""
    height, width = size
    pixels = torch.rand(batch, 3, height, width, device=device)
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    autocast = dict(device_type=device.type, dtype=torch.bfloat16, enabled=device.type == "cuda")
    if train:
        labels = [{k: v.to(device) for k, v in t.items()} for t in _labels(batch, height, torch)]
        if not ehoi:
            labels = [{"class_labels": t["class_labels"], "boxes": t["boxes"]} for t in labels]
        optimizer = torch.optim.AdamW(model.parameters(), lr=1e-5)
        model.train()

        def step():
            with torch.autocast(**autocast):
                loss = model(pixels, labels=labels).loss
            loss.backward()
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
    else:
        model.eval()

        @torch.no_grad()
        def step():
            with torch.autocast(**autocast):
                model(pixels)
    return batch / _time(step, steps, warmup, sync)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--batch", type=int, default=2)
    parser.add_argument("--depth", type=int, default=18)
    parser.add_argument("--threads", type=int, default=int(os.environ.get("OMP_NUM_THREADS", "2")))
    parser.add_argument("--device", default=None, help="cpu or cuda (default: cuda when available)")
    args = parser.parse_args()
    run = Run("train")

    import torch

    torch.set_num_threads(args.threads)
    from glovego_data.ehoi_coco.constants import REFERENCE_CATEGORIES
    from glovego_model.modeling import build_model
    from transformers import RTDetrV2ForObjectDetection

    device = torch.device(args.device or ("cuda" if torch.cuda.is_available() else "cpu"))
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else f"CPU ({args.threads} threads)"
    model = build_model(list(REFERENCE_CATEGORIES), backbone_depth=args.depth, seed=0).to(device)
    plain = RTDetrV2ForObjectDetection(model.config).to(device)
    params = sum(p.numel() for p in model.parameters())
    results = {"device": name, "model": f"RT-DETRv2-R{args.depth} + EHOI heads", "params_M": round(params / 1e6, 2),
               "size_MB_fp32": round(params * 4 / 2**20, 1), "batch": args.batch}
    for train in (True, False):
        kind = "train" if train else "infer"
        ours = measure(model, device, (640, 640), args.batch, args.steps, args.warmup, train, True, torch)
        base = measure(plain, device, (640, 640), args.batch, args.steps, args.warmup, train, False, torch)
        results[f"{kind}_images_per_s_640"] = round(ours, 3)
        results[f"{kind}_baseline_images_per_s_640"] = round(base, 3)
        results[f"{kind}_ratio_vs_plain_rtdetrv2"] = round(ours / base, 3)
    if device.type == "cuda":
        hd = measure(model, device, (720, 1280), 8, max(args.steps, 10), 3, False, True, torch)
        results["infer_images_per_s_1280x720_batch8"] = round(hd, 2)
        results["ratio_vs_reference_6.75"] = round(hd / REFERENCE_IMAGES_PER_S, 2)
    for key, value in results.items():
        print(f"{key:40s} {value}")
    print(f"wrote {run.write(results)}")
    print(run.note())


if __name__ == "__main__":
    main()
