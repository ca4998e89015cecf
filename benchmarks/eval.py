"""Benchmark of the EHOI evaluator (target: < 10 s for 10,000 images, ≥ 20× the plain version).

Generates 10,000 images with ~20,000 hands and ~60,000 objects (19 object classes + hand) and
realistic noisy predictions (jittered boxes, wrong classes, duplicates, false positives, wrong
side / glove / contact, active objects right or wrong), then times in the same run:

- ours: `evaluate(..., coco=False)` — validation of every record + all ten EHOI metrics;
- plain: the per-detection implementation of the spec's pseudo-code that the property test uses
  (`tests/evaluation/plain_ehoi.py`), on the same data (or a subset, scaled, with --plain-images);
- for information: the COCO bbox / keypoint metrics through pycocotools (`evaluate(..., coco=True)`).

It checks that ours and plain agree to 1e-9 on every metric of the data they both scored.

    .venv/bin/python benchmarks/eval.py [--images 10000] [--plain-images N] [--seed 0] [--skip-coco]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "evaluation"))

from plain_ehoi import plain_ehoi  # noqa: E402
from random_ehoi import random_case  # noqa: E402

from glovego_data.ehoi_coco import dataset_from_dict  # noqa: E402
from glovego_model.evaluation import EHOI_METRICS, evaluate  # noqa: E402


def _subset(gt_raw: dict, records: list[dict], n_images: int) -> tuple[dict, list[dict]]:
    keep = {img["id"] for img in gt_raw["images"][:n_images]}
    return ({"images": gt_raw["images"][:n_images], "categories": gt_raw["categories"],
             "annotations": [a for a in gt_raw["annotations"] if a["image_id"] in keep]},
            [r for r in records if r["image_id"] in keep])


def _timed(fn):
    start = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - start


def _agree(ours: dict, plain: dict) -> float:
    worst = 0.0
    for name in EHOI_METRICS:
        expected = plain[name]
        if expected is None:
            assert name in ours["undefined"], name
            continue
        worst = max(worst, abs(ours["ehoi"][name] - expected))
    return worst


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=int, default=10_000)
    parser.add_argument("--plain-images", type=int, default=None, help="score the plain version on the first N images only, and scale its time")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--skip-coco", action="store_true")
    args = parser.parse_args()

    (gt_raw, records), t_gen = _timed(lambda: random_case(np.random.default_rng(args.seed), args.images,
                                                          hands_per_image=2.0, objects_per_image=6.0, n_classes=19))
    gt = dataset_from_dict(gt_raw, source="generated.json")
    n_hands = sum(1 for a in gt.annotations if a.category_id == gt.hand_category_id)
    print(f"data: {len(gt.images)} images, {n_hands} GT hands, {len(gt.annotations) - n_hands} GT objects, "
          f"{len(records)} predictions (generated in {t_gen:.1f} s)")

    ours, t_ours = _timed(lambda: evaluate(gt, records, coco=False))
    print(f"ours : {t_ours:6.2f} s   (target < 10 s)")
    for name in EHOI_METRICS:
        print(f"       {name:<26} {ours['ehoi'][name]:7.3f}")

    plain_n = args.plain_images or args.images
    if plain_n < args.images:
        sub_raw, sub_records = _subset(gt_raw, records, plain_n)
        sub_gt = dataset_from_dict(sub_raw, source="subset.json")
        sub_ours = evaluate(sub_gt, sub_records, coco=False)
        plain, t_plain_part = _timed(lambda: plain_ehoi(sub_gt, sub_records))
        t_plain = t_plain_part * args.images / plain_n
        diff = _agree(sub_ours, plain)
        print(f"plain: {t_plain:6.2f} s   (measured {t_plain_part:.2f} s on {plain_n} images, scaled ×{args.images / plain_n:.1f})")
    else:
        plain, t_plain = _timed(lambda: plain_ehoi(gt, records))
        diff = _agree(ours, plain)
        print(f"plain: {t_plain:6.2f} s")
    print(f"ratio: {t_plain / t_ours:6.1f}×  (target ≥ 20×); largest difference ours vs plain: {diff:.2e} points")
    if diff > 1e-9:
        raise SystemExit("ours and plain disagree")

    if not args.skip_coco:
        full, t_full = _timed(lambda: evaluate(gt, records, coco=True))
        print(f"with pycocotools bbox + keypoint metrics (coco=True): {t_full:.2f} s "
              f"(bbox AP {full['coco']['bbox']['AP']:.2f}, AP50 {full['coco']['bbox']['AP50']:.2f})")


if __name__ == "__main__":
    main()
