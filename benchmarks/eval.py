"""Benchmark of the EHOI evaluator (target: < 10 s for 10,000 images, ≥ 20× the plain version).

Generates 10,000 images with ~20,000 hands and ~60,000 objects (19 object classes + hand) and
realistic noisy predictions (jittered boxes, wrong classes, duplicates, false positives, wrong
side / glove / contact, active objects right or wrong), then times in the same run:

- ours: `evaluate(..., coco=False)` — validation of every record + all ten EHOI metrics;
- plain: the per-detection implementation of the spec's pseudo-code that the property test uses
  (`tests/evaluation/plain_ehoi.py`), on the same data (or a subset, scaled, with --plain-images);
- reference-style: pycocotools' COCOeval restricted to what AP Hand and mAP Objects need (IoU 0.5,
  area "all", 100 detections) — the machinery the reference evaluator runs once per metric
  (8 edited copies, plus one run per object class for the per-class mAPs); here for 2 of the 10;
- floor: only reading, once, every field the metrics need from the GT objects and the records (no
  checks, no matching): the time no evaluator taking these Python objects can beat, so
  plain / floor bounds the ratio any implementation can reach;
- for information: the COCO bbox / keypoint metrics through pycocotools (`evaluate(..., coco=True)`).

It checks that ours and plain agree to 1e-9 on every metric, and ours and COCOeval on AP Hand and
on every object class of mAP Objects.

    .venv/bin/python benchmarks/eval.py [--images 10000] [--plain-images N] [--runs 3] [--seed 0] [--skip-coco]

Writes `benchmarks/results/eval.json` (figures + the machine's load; see `record.py`).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "evaluation"))

from plain_ehoi import plain_ehoi  # noqa: E402
from random_ehoi import random_case  # noqa: E402
from record import Run  # noqa: E402

import contextlib  # noqa: E402
import io  # noqa: E402
from operator import attrgetter, itemgetter, methodcaller  # noqa: E402

from pycocotools.coco import COCO  # noqa: E402
from pycocotools.cocoeval import COCOeval  # noqa: E402

from glovego_data.ehoi_coco import EhoiDataset, dataset_from_dict, load_dataset, read_json  # noqa: E402
from glovego_model.evaluation import EHOI_METRICS, evaluate, evaluate_detailed  # noqa: E402
from glovego_model.evaluation.ehoi import ehoi_results  # noqa: E402
from glovego_model.evaluation.ground_truth import ground_truth_table  # noqa: E402
from glovego_model.evaluation.predictions import parse_predictions  # noqa: E402


def _cocoeval_ap50(gt_raw: dict, records: list[dict]) -> dict[int, float]:
    """AP@0.5 per category with pycocotools, set up to do only that work."""
    coco = COCO()
    coco.dataset = {"images": gt_raw["images"], "categories": gt_raw["categories"], "annotations": gt_raw["annotations"]}
    with contextlib.redirect_stdout(io.StringIO()):
        coco.createIndex()
        results = coco.loadRes([{k: r[k] for k in ("image_id", "category_id", "bbox", "score")} for r in records])
        evaluator = COCOeval(coco, results, "bbox")
        evaluator.params.iouThrs = np.array([0.5])
        evaluator.params.areaRng = [[0, 1e10]]
        evaluator.params.areaRngLbl = ["all"]
        evaluator.params.maxDets = [100]
        evaluator.evaluate()
        evaluator.accumulate()
    precision = evaluator.eval["precision"][0, :, :, 0, 0]
    return {cat: float(precision[:, k].mean()) * 100 for k, cat in enumerate(evaluator.params.catIds)
            if (precision[:, k] > -1).any()}


class _Files:
    """GT and predictions as `glovego eval` gets them: written to JSON files and read back.

    Reading is not timed. It matters for every implementation alike: the generator's dicts lie
    scattered over the heap, and reading 100 k of them is ~3× slower than reading the same records
    parsed from a file, whose objects lie in file order. Every timed run gets a freshly read GT, so
    no cache built on the dataset by an earlier run helps a later one.
    """

    def __init__(self, gt_raw: dict, records: list[dict], folder: Path) -> None:
        self.gt_path, pred_path = folder / "test.json", folder / "predictions.json"
        self.gt_path.write_text(json.dumps(gt_raw))
        pred_path.write_text(json.dumps(records))
        self.gt_raw, self.records = read_json(self.gt_path), read_json(pred_path)

    def gt(self) -> EhoiDataset:
        return load_dataset(self.gt_path)


def _best_of(runs: int, fn, fresh_gt) -> tuple[object, float]:
    """(first result, shortest time) of `runs` calls of fn(gt), each on a freshly read GT."""
    results = []
    for _ in range(runs):
        gt = fresh_gt()
        results.append(_timed(lambda: fn(gt)))
    return results[0][0], min(t for _, t in results)


def _subset(gt_raw: dict, records: list[dict], n_images: int) -> tuple[dict, list[dict]]:
    keep = {img["id"] for img in gt_raw["images"][:n_images]}
    return ({"images": gt_raw["images"][:n_images], "categories": gt_raw["categories"],
             "annotations": [a for a in gt_raw["annotations"] if a["image_id"] in keep]},
            [r for r in records if r["image_id"] in keep])


def _read_fields(gt: EhoiDataset, records: list[dict]) -> None:
    """Only read every field the metrics need, once, at C speed, into lists: no checks, no
    columns, no matching. A lower bound for any evaluator that takes these Python objects."""
    anns, hand_id = gt.annotations, gt.hand_category_id
    for key in ("id", "image_id", "category_id", "bbox", "iscrowd"):
        list(map(attrgetter(key), anns))
    hands = [a for a in anns if a.category_id == hand_id]
    for key in ("hand_side", "gloves", "contact_state", "id_obj", "bbox_obj"):
        list(map(attrgetter(key), hands))
    for key in ("image_id", "category_id", "bbox", "score"):
        list(map(itemgetter(key), records))
    hand_records = [r for r in records if r["category_id"] == hand_id]
    for key in ("hand_side", "contact_state", "gloves", "bbox_obj", "category_id_obj", "score_obj"):
        list(map(methodcaller("get", key), hand_records))


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
    parser.add_argument("--runs", type=int, default=3, help="timed runs of each implementation; the shortest counts")
    parser.add_argument("--skip-coco", action="store_true")
    args = parser.parse_args()
    run = Run("eval")

    (gt_raw, records), t_gen = _timed(lambda: random_case(np.random.default_rng(args.seed), args.images,
                                                          hands_per_image=2.0, objects_per_image=6.0, n_classes=19))
    files = _Files(gt_raw, records, Path(tempfile.mkdtemp(prefix="glovego-bench-eval-")))
    gt_raw, records, gt = files.gt_raw, files.records, files.gt()
    n_hands = sum(1 for a in gt.annotations if a.category_id == gt.hand_category_id)
    print(f"data: {len(gt.images)} images, {n_hands} GT hands, {len(gt.annotations) - n_hands} GT objects, "
          f"{len(records)} predictions (generated in {t_gen:.1f} s)")

    ours, t_ours = _best_of(args.runs, lambda g: evaluate(g, records, coco=False), files.gt)
    table, t_parse = _best_of(args.runs, lambda g: parse_predictions(records, g, "generated"), files.gt)
    gt_table, t_gt = _best_of(args.runs, lambda g: ground_truth_table(g, g.hand_category_id), files.gt)
    _, t_match = _best_of(args.runs, lambda g: ehoi_results(gt_table, table), files.gt)
    print(f"ours : {t_ours:6.3f} s   (best of {args.runs}; target < 10 s) = checking + reading the records "
          f"{t_parse:.3f} s, ground truth {t_gt:.3f} s, matching + AP {t_match:.3f} s")
    for name in EHOI_METRICS:
        print(f"       {name:<26} {ours['ehoi'][name]:7.3f}")

    plain_n = args.plain_images or args.images
    if plain_n < args.images:
        sub_raw, sub_records = _subset(gt_raw, records, plain_n)
        sub_gt = dataset_from_dict(sub_raw, source="subset.json")
        sub_ours = evaluate(sub_gt, sub_records, coco=False)
        plain, t_plain_part = _best_of(args.runs, lambda g: plain_ehoi(g, sub_records),
                                       lambda: dataset_from_dict(sub_raw, source="subset.json"))
        t_plain = t_plain_part * args.images / plain_n
        diff = _agree(sub_ours, plain)
        print(f"plain: {t_plain:6.2f} s   (measured {t_plain_part:.2f} s on {plain_n} images, scaled ×{args.images / plain_n:.1f})")
    else:
        plain, t_plain = _best_of(args.runs, lambda g: plain_ehoi(g, records), files.gt)
        diff = _agree(ours, plain)
        print(f"plain: {t_plain:6.3f} s   (best of {args.runs})")
    print(f"ratio: {t_plain / t_ours:6.1f}×  (target ≥ 20×); largest difference ours vs plain: {diff:.2e} points")
    _, t_floor = _best_of(args.runs, lambda g: _read_fields(g, records), files.gt)
    print(f"floor: {t_floor:6.3f} s   only reading the fields any evaluator needs from these objects: no "
          f"implementation taking them can be more than {t_plain / t_floor:.0f}× faster than plain")
    if diff > 1e-9:
        raise SystemExit("ours and plain disagree")

    detailed = evaluate_detailed(gt, records, coco=False)
    ap50, t_coco = _timed(lambda: _cocoeval_ap50(gt_raw, records))
    hand = gt.hand_category_id
    ours_ap50 = {**detailed.per_category["mAP Objects"], hand: detailed.metrics["ehoi"]["AP Hand"]}
    coco_diff = max(abs(ours_ap50[c] - v) for c, v in ap50.items())
    print(f"pycocotools COCOeval, AP Hand + mAP Objects only: {t_coco:6.2f} s  → ours (all 10 metrics) is "
          f"{t_coco / t_ours:.1f}× faster; largest difference on those: {coco_diff:.2e} points")
    if coco_diff > 1e-9 or ours_ap50.keys() != ap50.keys():
        raise SystemExit("ours and pycocotools disagree")

    figures = {
        "images": len(gt.images), "gt_hands": n_hands, "gt_objects": len(gt.annotations) - n_hands,
        "predictions": len(records), "runs": args.runs, "ours_s": t_ours, "parse_s": t_parse, "gt_s": t_gt,
        "match_s": t_match, "plain_s": t_plain, "plain_images": plain_n, "ratio_plain": t_plain / t_ours,
        "floor_s": t_floor, "ceiling_ratio": t_plain / t_floor, "pycocotools_s": t_coco,
        "ratio_pycocotools": t_coco / t_ours, "max_diff_plain": diff, "max_diff_pycocotools": coco_diff,
    }
    if not args.skip_coco:
        full, t_full = _timed(lambda: evaluate(gt, records, coco=True))
        figures["with_coco_s"] = t_full
        print(f"with pycocotools bbox + keypoint metrics (coco=True): {t_full:.2f} s "
              f"(bbox AP {full['coco']['bbox']['AP']:.2f}, AP50 {full['coco']['bbox']['AP50']:.2f})")
    print(f"wrote {run.write(figures)}")
    print(run.note())


if __name__ == "__main__":
    main()
