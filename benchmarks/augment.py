"""Speed of `glovego augment-gloves`: the SSIM gate, the classical backend, and (GPU) one Kontext edit.

1. SSIM gate on full-HD pairs (a real photo and its classical glove edit, plus synthetic pairs):
   ours vs `skimage.metrics.structural_similarity(gaussian_weights=True, sigma=1.5,
   use_sample_covariance=False, data_range=255)` on the same gray arrays, in the same run.
   Target: ≥ 4× faster, |Δ| ≤ 1e-6.
2. Classical backend: images/s for the whole per-image job (MediaPipe + GrabCut regions, recolour,
   SSIM gate, composite, per-hand decision) on full-HD frames made from the fixture photos.
3. With a CUDA GPU and `--model DIR`: seconds per 28-step FLUX.1-Kontext-dev edit at 1024², bf16.

    python benchmarks/augment.py
    python benchmarks/augment.py --model ~/models/FLUX.1-Kontext-dev   # on a GPU machine

Writes `benchmarks/results/augment.json` (figures + the machine's load; see `record.py`).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "2")

import cv2
import numpy as np
from PIL import Image as PILImage

from glovego_data.augment.classical import GLOVE_PRESETS, recolor_hands
from glovego_data.augment.judge import GateSettings, judge_edit
from glovego_data.augment.mediapipe_hands import HandLandmarkDetector, open_hand_detector
from glovego_data.augment.regions import HandBox, hand_regions
from glovego_data.augment.ssim import ssim_gray, to_gray
from record import Run

FIXTURES = Path(__file__).resolve().parents[1].parent / "shared" / "fixtures" / "hands"
FULL_HD = (1920, 1080)


def full_hd_frames() -> list[np.ndarray]:
    """The two fixture photos letterboxed into 1920×1080 (hands keep their real appearance)."""
    frames = []
    for name in ("thumbs-up.png", "tfjs_hands.jpg"):
        photo = PILImage.open(FIXTURES / name).convert("RGB")
        scale = min(FULL_HD[0] / photo.width, FULL_HD[1] / photo.height) * 0.8
        photo = photo.resize((round(photo.width * scale), round(photo.height * scale)), PILImage.LANCZOS)
        canvas = np.full((FULL_HD[1], FULL_HD[0], 3), 90, np.uint8)
        rng = np.random.default_rng(len(frames))
        canvas = np.clip(canvas + cv2.GaussianBlur(rng.normal(0, 25, canvas.shape), (0, 0), 6), 0, 255).astype(np.uint8)
        x0, y0 = (FULL_HD[0] - photo.width) // 2, (FULL_HD[1] - photo.height) // 2
        canvas[y0 : y0 + photo.height, x0 : x0 + photo.width] = np.asarray(photo)
        frames.append(canvas)
    return frames


def hand_boxes(frame: np.ndarray, detector: HandLandmarkDetector) -> list[HandBox]:
    boxes = []
    for i, det in enumerate(detector.detect(frame), start=1):
        x, y, w, h = det.box
        boxes.append(HandBox(i, (x - 0.15 * w, y - 0.15 * h, 1.3 * w, 1.3 * h)))
    return boxes


def bench_ssim(pairs: list[tuple[np.ndarray, np.ndarray]], repeats: int) -> dict:
    from skimage.metrics import structural_similarity

    grays = [(to_gray(a), to_gray(b)) for a, b in pairs]
    ours, ref, delta = [], [], 0.0
    for _ in range(repeats):
        for ga, gb in grays:
            t = time.perf_counter()
            mine = ssim_gray(ga, gb)
            ours.append(time.perf_counter() - t)
            t = time.perf_counter()
            theirs = structural_similarity(ga, gb, gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=255)
            ref.append(time.perf_counter() - t)
            delta = max(delta, abs(mine - theirs))
    o, r = statistics.median(ours), statistics.median(ref)
    print(f"SSIM gate, {len(pairs)} full-HD pairs × {repeats}: ours {1000 * o:.1f} ms/pair, skimage {1000 * r:.1f} ms/pair")
    print(f"  speed-up {r / o:.2f}× (target ≥ 4×)   max |Δ| = {delta:.2e} (target ≤ 1e-6)")
    return {"pairs": len(pairs), "repeats": repeats, "ours_ms": 1000 * o, "skimage_ms": 1000 * r, "speedup": r / o,
            "max_abs_delta": delta}


def bench_classical(frames: list[np.ndarray], boxes: list[list[HandBox]], detector: HandLandmarkDetector,
                    repeats: int) -> tuple[list[tuple[np.ndarray, np.ndarray]], dict]:
    pairs = []
    times = []
    gate = GateSettings(threshold=0.95)
    for _ in range(repeats):
        for frame, hands in zip(frames, boxes):
            t = time.perf_counter()
            regions = hand_regions(frame, hands, detector.detect(frame), grabcut_boxes=True)
            raw = recolor_hands(frame, regions, GLOVE_PRESETS["yellow"], seed=0)
            judged = judge_edit(frame, raw, regions, gate)
            times.append(time.perf_counter() - t)
            if len(pairs) < len(frames):
                pairs.append((frame, raw))
                print(f"  {judged.status}: SSIM {judged.ssim:.4f}, hands {[round(h.region_ssim, 3) for h in judged.hands]}")
    per = statistics.median(times)
    print(f"classical backend, full HD, regions + recolour + gate + composite: {per:.3f} s/image = {1 / per:.2f} images/s")
    return pairs, {"frames": len(frames), "repeats": repeats, "seconds_per_image": per, "images_per_s": 1 / per}


def bench_kontext(model: str, repeats: int) -> dict:
    import torch

    from glovego_data.augment.flux_kontext import KontextEditor, KontextSettings, encode_prompt_cached, resolve_model

    settings = KontextSettings(model=model)
    model_dir = resolve_model(model)
    cache = Path("/tmp/glovego_bench_prompt_embeds.safetensors")
    embeds = encode_prompt_cached(settings, model_dir, cache, "cuda")
    editor = KontextEditor(settings, model_dir, embeds, "cuda")
    image = np.asarray(PILImage.open(FIXTURES / "thumbs-up.png").convert("RGB").resize((1024, 1024)))
    editor.edit([image], [0], (1024, 1024))  # warm-up
    times = []
    for i in range(repeats):
        torch.cuda.synchronize()
        t = time.perf_counter()
        editor.edit([image], [i + 1], (1024, 1024))
        torch.cuda.synchronize()
        times.append(time.perf_counter() - t)
    print(f"Kontext edit at 1024², 28 steps, bf16 on {torch.cuda.get_device_name()}: {statistics.median(times):.2f} s/edit")
    return {"gpu": torch.cuda.get_device_name(), "seconds_per_edit": statistics.median(times), "repeats": repeats}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--model", default=None, help="FLUX.1-Kontext-dev diffusers folder (GPU only)")
    args = parser.parse_args()
    run = Run("augment")
    cv2.setNumThreads(int(os.environ["OMP_NUM_THREADS"]))
    frames = full_hd_frames()
    figures: dict = {}
    with open_hand_detector() as detector:
        boxes = [hand_boxes(f, detector) for f in frames]
        pairs, figures["classical"] = bench_classical(frames, boxes, detector, args.repeats)
    rng = np.random.default_rng(0)
    for k in range(2):
        a = cv2.GaussianBlur(rng.integers(0, 256, (1080, 1920, 3), dtype=np.uint8), (0, 0), 2 + k)
        b = a.copy()
        b[300:700, 500:900] = cv2.add(b[300:700, 500:900], 35)
        pairs.append((a, b))
    figures["ssim"] = bench_ssim(pairs, args.repeats)
    try:
        import torch

        gpu = torch.cuda.is_available()
    except ImportError:
        gpu = False
    if gpu and args.model:
        figures["kontext"] = bench_kontext(args.model, args.repeats)
    else:
        print("Kontext: skipped (needs a CUDA GPU and --model DIR with the FLUX.1-Kontext-dev weights)")
    print(f"wrote {run.write(figures)}")
    print(run.note())


if __name__ == "__main__":
    main()
