"""Time `glovego label export` of 10,000 images pre-annotated from a predictions file, and
`glovego label import` of a 10,000-task Label Studio export.

Targets: each under 20 s. The baseline, timed in the same run, is what the standard library alone
pays for the same JSON: `json.load` of the predictions file + `json.dump` of the tasks written
(export), `json.load` of the export file + `json.dump` of the dataset written (import).

    python benchmarks/label.py                 # 10,000 images
    python benchmarks/label.py --images 1000   # quicker
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from record import Run  # noqa: E402

WIDTH, HEIGHT = 64, 48
TARGET_S = 20.0


def _jpeg() -> bytes:
    from PIL import Image as PILImage

    buffer = io.BytesIO()
    PILImage.new("RGB", (WIDTH, HEIGHT), (90, 120, 150)).save(buffer, format="JPEG")
    return buffer.getvalue()


def generate(folder: Path, n_images: int) -> Path:
    """`n_images` frames and a predictions file: per frame two objects and a hand with keypoints,
    linked to one object."""
    rng = random.Random(0)
    (folder / "frames").mkdir(parents=True)
    data = _jpeg()
    records = []
    for k in range(n_images):
        name = f"{k // 100}_{k}.jpg"
        (folder / "frames" / name).write_bytes(data)
        boxes = [[rng.uniform(0, 20), rng.uniform(0, 14), rng.uniform(8, 40), rng.uniform(8, 30)] for _ in range(3)]
        boxes = [[round(x, 3), round(y, 3), round(min(w, WIDTH - x), 3), round(min(h, HEIGHT - y), 3)]
                 for x, y, w, h in boxes]
        records.append({"image_id": name, "category_id": 4, "bbox": boxes[0], "score": rng.random()})
        records.append({"image_id": name, "category_id": 12, "bbox": boxes[1], "score": rng.random()})
        hx, hy, hw, hh = boxes[2]
        keypoints = []
        for i in range(21):
            keypoints += [round(hx + hw * (i % 5) / 5, 3), round(hy + hh * (i // 5) / 5, 3), 0.9]
        records.append({"image_id": name, "category_id": 19, "bbox": boxes[2], "score": 0.6 + 0.4 * rng.random(),
                        "hand_side": 1, "contact_state": 1, "gloves": 0, "side_score": 0.8, "contact_score": 0.7,
                        "glove_score": 0.2, "dx": 0.6, "dy": 0.8, "magnitude": 0.1, "bbox_obj": boxes[0],
                        "category_id_obj": 4, "score_obj": records[-2]["score"], "keypoints": keypoints})
    (folder / "predictions.json").write_text(json.dumps(records))
    return folder / "predictions.json"


def submitted_export(tasks_file: Path, export_file: Path) -> None:
    """Label Studio's JSON export when every pre-annotation was submitted unchanged."""
    tasks = json.loads(tasks_file.read_text())
    for i, task in enumerate(tasks, start=1):
        result = task.pop("predictions")[0]["result"]
        task.update(id=i, project=1, annotations=[{"id": i, "result": result, "was_cancelled": False,
                                                    "updated_at": "2026-12-08T01:00:00Z"}])
    export_file.write_text(json.dumps(tasks))


def _timed(job) -> float:
    start = time.perf_counter()
    job()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=10_000)
    args = parser.parse_args()
    from glovego_pipelines.label import run_label_export, run_label_import

    run = Run("label")
    with tempfile.TemporaryDirectory(prefix="glovego-bench-label-") as tmp:
        work = Path(tmp)
        predictions = generate(work / "in", args.images)
        tasks_dir = work / "tasks"
        export_s = _timed(lambda: run_label_export([work / "in" / "frames"], tasks_dir, predictions=predictions,
                                                   threshold=0.0))
        tasks_file = tasks_dir / "tasks.json"

        def export_baseline() -> None:
            json.loads(predictions.read_bytes())
            (work / "baseline_tasks.json").write_text(json.dumps(json.loads(tasks_file.read_bytes())))

        export_base_s = _timed(export_baseline)
        export_file = work / "export.json"
        submitted_export(tasks_file, export_file)
        out = work / "real_coco"
        import_s = _timed(lambda: run_label_import(export_file, tasks_dir / "images", out,
                                                   config=tasks_dir / "label_config.xml"))
        written = out / "annotations" / "all.json"

        def import_baseline() -> None:
            json.loads(export_file.read_bytes())
            (work / "baseline_all.json").write_text(json.dumps(json.loads(written.read_bytes())))

        import_base_s = _timed(import_baseline)
        sizes = {"predictions_mb": round(os.path.getsize(predictions) / 1e6, 1),
                 "tasks_mb": round(os.path.getsize(tasks_file) / 1e6, 1),
                 "export_mb": round(os.path.getsize(export_file) / 1e6, 1)}
    rows = [
        {"step": "label export (predictions file)", "images": args.images, "seconds": round(export_s, 2),
         "json_baseline_s": round(export_base_s, 2), "ratio": round(export_s / export_base_s, 1),
         "target_s": TARGET_S, "ok": export_s < TARGET_S},
        {"step": "label import (Label Studio export)", "images": args.images, "seconds": round(import_s, 2),
         "json_baseline_s": round(import_base_s, 2), "ratio": round(import_s / import_base_s, 1),
         "target_s": TARGET_S, "ok": import_s < TARGET_S},
    ]
    path = run.write({"rows": rows, **sizes})
    print(f"{'step':38} {'images':>7} {'s':>7} {'json s':>7} {'ratio':>6}  target")
    for row in rows:
        print(f"{row['step']:38} {row['images']:>7} {row['seconds']:>7} {row['json_baseline_s']:>7} "
              f"{row['ratio']:>5}×  < {TARGET_S:.0f} s {'ok' if row['ok'] else 'MISSED'}")
    print(f"JSON sizes: {sizes}")
    print(run.note())
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
