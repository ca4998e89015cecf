"""Benchmark of `glovego eval --report` (target: the report on 10,000 images in < 30 s).

The test set of `benchmarks/eval.py` (10,000 images, ~20,000 hands, ~60,000 objects, noisy
predictions), written as a dataset root with a real JPEG per image (one 640×480 picture
hard-linked under every name), then timed in the same run, with one torch thread:

- plain: `run_evaluate(gt, predictions=…, out=…)` — what `glovego eval --out` does;
- report: the same with `--report DIR` (box and EHOI error analysis with every dAP re-scored,
  report.json, index.html, the gallery thumbnails: at most 12 images per kind);
- their difference and the ratio report / plain (runs interleaved, best of `--runs`);
- the report alone, timed directly: `write_report` on an evaluation already made (the error
  analysis, every re-scoring, the files), beside the EHOI evaluation without pycocotools
  (`evaluate_detailed(coco=False)`) it starts from.

    .venv/bin/python benchmarks/eval_report.py [--images 10000] [--seed 0] [--runs 2]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image as PILImage

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "evaluation"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from random_ehoi import HEIGHT, WIDTH, random_case  # noqa: E402
from record import Run  # noqa: E402

from glovego_data.atomic import staging_dir  # noqa: E402
from glovego_data.ehoi_coco import load_dataset, read_json  # noqa: E402
from glovego_model.evaluation import evaluate_detailed  # noqa: E402
from glovego_pipelines.eval_report import write_report  # noqa: E402
from glovego_pipelines.evaluate import run_evaluate  # noqa: E402
from glovego_pipelines.media import images_dir_of  # noqa: E402


def _dataset(root: Path, n_images: int, seed: int) -> tuple[Path, Path]:
    raw, records = random_case(np.random.default_rng(seed), n_images, hands_per_image=2.0, objects_per_image=6.0,
                               n_classes=19)
    (root / "annotations").mkdir(parents=True)
    images = root / "images"
    images.mkdir()
    gt_path, pred_path = root / "annotations" / "test.json", root / "predictions.json"
    gt_path.write_text(json.dumps(raw))
    pred_path.write_text(json.dumps(records))
    ramp = np.linspace(40, 200, WIDTH, dtype=np.uint8)
    picture = np.stack([np.tile(ramp, (HEIGHT, 1))] * 3, axis=-1)
    first = images / "_picture.jpg"
    PILImage.fromarray(picture).save(first, quality=85)
    for image in raw["images"]:
        os.link(first, images / image["file_name"])
    return gt_path, pred_path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--runs", type=int, default=2, help="interleaved timed runs of each; the shortest counts")
    args = parser.parse_args()
    import torch

    torch.set_num_threads(1)
    run = Run("eval_report")
    with tempfile.TemporaryDirectory(prefix="glovego-bench-report-") as tmp:
        root = Path(tmp)
        gt_path, pred_path = _dataset(root / "data", args.images, args.seed)
        t_plain, t_report, t_ehoi, t_alone = [], [], [], []
        for k in range(args.runs):  # interleaved, so a load change hits both alike; the shortest counts
            start = time.perf_counter()
            run_evaluate(gt_path, predictions=pred_path, out=root / f"plain{k}")
            t_plain.append(time.perf_counter() - start)
            start = time.perf_counter()
            result = run_evaluate(gt_path, predictions=pred_path, out=root / f"out{k}", report=root / f"report{k}")
            t_report.append(time.perf_counter() - start)
            gt, records = load_dataset(gt_path), read_json(pred_path)
            start = time.perf_counter()
            evaluation = evaluate_detailed(gt, records, coco=False)
            t_ehoi.append(time.perf_counter() - start)
            start = time.perf_counter()
            with staging_dir(root / f"alone{k}") as staging:
                write_report(staging, gt, gt_path, images_dir_of(gt_path), evaluation, records,
                             sources={"ground_truth": str(gt_path), "predictions": str(pred_path), "compare": None},
                             other=None)
            t_alone.append(time.perf_counter() - start)
        report = json.loads((result.report / "report.json").read_text())
        thumbs = len(list((result.report / "thumbs").iterdir()))
        size = sum(p.stat().st_size for p in result.report.rglob("*") if p.is_file())
    t_plain, t_report, t_ehoi, t_alone = min(t_plain), min(t_report), min(t_ehoi), min(t_alone)
    figures = {
        "images": args.images,
        "runs": args.runs,
        "gt_hands": report["metrics"]["counts"]["gt_hands"],
        "gt_objects": report["metrics"]["counts"]["gt_objects"],
        "predictions": report["metrics"]["counts"]["predictions"],
        "plain_eval_s": round(t_plain, 2),
        "eval_with_report_s": round(t_report, 2),
        "difference_s": round(t_report - t_plain, 2),
        "ratio_report_to_plain": round(t_report / t_plain, 2),
        "ehoi_eval_without_pycocotools_s": round(t_ehoi, 2),
        "report_alone_s": round(t_alone, 2),
        "ratio_report_alone_to_ehoi_eval": round(t_alone / t_ehoi, 2),
        "thumbnails": thumbs,
        "report_folder_mb": round(size / 2**20, 1),
        "target_s": 30,
    }
    path = run.write(figures)
    print(f"data: {args.images} images, {figures['gt_hands']} GT hands, {figures['gt_objects']} GT objects, "
          f"{figures['predictions']} predictions")
    print(f"plain eval --out          : {t_plain:6.2f} s")
    print(f"eval --out --report       : {t_report:6.2f} s   (ratio {t_report / t_plain:.2f}× plain)")
    print(f"difference                : {t_report - t_plain:6.2f} s   (noisy: pycocotools' bbox AP dominates both; "
          f"{thumbs} thumbnails, {figures['report_folder_mb']} MB)")
    print(f"the report alone (direct) : {t_alone:6.2f} s   (target < 30 s); the EHOI evaluation it starts from "
          f"(no pycocotools) {t_ehoi:.2f} s: ratio {t_alone / t_ehoi:.1f}×")
    print(run.note())
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
