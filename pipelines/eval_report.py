"""`glovego eval … --report DIR`: the error report as a folder a person opens from `file://`.

`DIR/report.json` (every number, from `report_data`), `DIR/index.html` (the same data embedded, so
no fetch is needed offline), `report.js` / `report.css` (package data, no CDN) and
`thumbs/image_<rank>.jpg`: ground truth and predictions drawn side by side with `drawing.draw_ehoi`
(what `viz` draws), every error boxed and labelled. A GT picture missing from disk leaves its card
without a picture and is named in `missing_images`; the report is still written.
"""

from __future__ import annotations

import io
import json
from collections import defaultdict
from importlib import resources
from pathlib import Path
from typing import Any, Sequence

import numpy as np
from PIL import Image as PILImage
from PIL import ImageDraw, ImageFont

from glovego_data.atomic import atomic_write_bytes, atomic_write_json, atomic_write_text
from glovego_data.drawing import annotation_records, draw_ehoi
from glovego_data.ehoi_coco import EhoiDataset, read_json
from glovego_data.errors import GlovegoError
from glovego_data.progress import Progress, no_progress
from glovego_model.evaluation import EhoiEvaluation
from glovego_model.evaluation.report_data import build_report
from glovego_pipelines.media import dataset_image

DRAW_SCORE = 0.3
THUMB_WIDTH = 640  # both halves together, about (the page shows them 640 px wide)
THUMB_QUALITY = 85
ASSETS = ("report.js", "report.css")
KIND_COLOURS = {"cls": "#8e24aa", "loc": "#f9a825", "both": "#6d4c41", "dup": "#1e88e5", "bkg": "#e53935",
                "missed": "#ff6f00", "side": "#00897b", "contact": "#d81b60", "glove": "#5e35b1",
                "no_object": "#3949ab", "wrong_object": "#c0ca33", "object_box": "#00acc1", "object_class": "#43a047"}


def read_other_run(folder: Path) -> dict[str, Any]:
    """`--compare`: an earlier `--report` folder (report.json) or a plain `--out` folder (metrics.json)."""
    for name in ("report.json", "metrics.json"):
        if (folder / name).is_file():
            data = read_json(folder / name)
            if not isinstance(data, dict) or "ehoi" not in data.get("metrics", data):
                raise GlovegoError(f"{folder / name}: not a GlovEgo report.json or metrics.json")
            return data
    raise GlovegoError(f"--compare {folder}: no report.json or metrics.json in it")


def write_report(staging: Path, gt: EhoiDataset, gt_path: Path, images_dir: Path, evaluation: EhoiEvaluation,
                 records: Sequence[dict[str, Any]], *, sources: dict[str, str], other: dict[str, Any] | None,
                 progress: Progress = no_progress) -> dict[str, Any]:
    """Fill `staging` with the report; returns the report.json content."""
    report = build_report(gt, evaluation, sources=sources, other=other)
    report["settings"]["draw_score"] = DRAW_SCORE
    report["kind_colours"] = KIND_COLOURS
    report["missing_images"] = _thumbnails(staging, gt, gt_path, images_dir, report, records, progress)
    atomic_write_json(staging / "report.json", report)
    page = resources.files("glovego_pipelines").joinpath("report_assets", "index.html").read_text(encoding="utf-8")
    embedded = json.dumps({k: v for k, v in report.items() if k != "per_image"}, allow_nan=False)
    atomic_write_text(staging / "index.html", page.replace("__REPORT_DATA__", embedded.replace("</", "<\\/")))
    for name in ASSETS:
        atomic_write_bytes(staging / name, resources.files("glovego_pipelines").joinpath("report_assets", name).read_bytes())
    return report


def _thumbnails(staging: Path, gt: EhoiDataset, gt_path: Path, images_dir: Path, report: dict[str, Any],
                records: Sequence[dict[str, Any]], progress: Progress) -> list[dict[str, str]]:
    entries = report["images"]
    wanted = {entry["image_id"] for entry in entries.values()}
    by_image: dict[Any, list[tuple[int, dict[str, Any]]]] = defaultdict(list)
    for position, record in enumerate(records):  # error items name records by position
        if record["image_id"] in wanted:
            by_image[record["image_id"]].append((position, record))
    images = gt.image_by_id()
    names = {c.id: c.name for c in gt.categories}
    hand_id = report["hand_category_id"]
    missing: list[dict[str, str]] = []
    advance = progress("report pictures", len(entries))
    for entry in entries.values():
        image = images[entry["image_id"]]
        try:
            pixels = dataset_image(image, images_dir, gt_path)
        except GlovegoError as error:
            missing.append({"file_name": image.file_name, "problem": str(error)})
            entry["thumb"] = None
            advance(1)
            continue
        errors = entry["errors"]
        flagged = {e["record"] for e in errors if "record" in e}
        own = by_image[image.id]
        shown = [r for i, r in own if r["score"] >= DRAW_SCORE or i in flagged]
        truth = _label(draw_ehoi(pixels, annotation_records(gt, image.id), names, hand_id),
                       [e for e in errors if e["kind"] == "missed"], "ground truth")
        predicted = _label(draw_ehoi(pixels, shown, names, hand_id), [e for e in errors if e["kind"] != "missed"],
                           "predictions")
        # Inside the staging folder, which appears only once whole: no per-file fsync needed.
        (staging / entry["thumb"]).parent.mkdir(exist_ok=True)
        (staging / entry["thumb"]).write_bytes(_side_by_side(truth, predicted))
        advance(1)
    return missing


def _hex(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def _label(picture: np.ndarray, errors: list[dict[str, Any]], title: str) -> np.ndarray:
    """Each error's box in its kind's colour with the kind's name under it, and a title corner."""
    canvas = PILImage.fromarray(picture)
    draw = ImageDraw.Draw(canvas)
    scale = max(1.0, float(np.hypot(*picture.shape[:2])) / 800.0)
    font = ImageFont.load_default(size=max(14, round(16 * scale)))
    width = max(2, round(3 * scale))
    for error in errors:
        colour = _hex(KIND_COLOURS[error["kind"]])
        x, y, w, h = error["bbox"]
        draw.rectangle((x, y, x + w, y + h), outline=colour, width=width)
        text = error["kind"] + (f" {error['score']:.2f}" if "score" in error else "")
        left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
        ty = min(picture.shape[0] - (bottom - top) - 4, y + h + 2)
        draw.rectangle((x, ty, x + right - left + 4, ty + bottom - top + 4), fill=colour)
        draw.text((x + 2 - left, ty + 2 - top), text, font=font, fill=(255, 255, 255))
    left, top, right, bottom = draw.textbbox((0, 0), title, font=font)
    draw.rectangle((picture.shape[1] - right + left - 8, 0, picture.shape[1], bottom - top + 8), fill=(38, 50, 56))
    draw.text((picture.shape[1] - right + left - 4 - left, 4 - top), title, font=font, fill=(255, 255, 255))
    return np.asarray(canvas)


def _side_by_side(left: np.ndarray, right: np.ndarray) -> bytes:
    picture = PILImage.fromarray(np.concatenate([left, np.full((left.shape[0], 8, 3), 255, np.uint8), right], axis=1))
    factor = max(1, round(picture.width / THUMB_WIDTH))  # a box reduction by a whole factor: fast
    buffer = io.BytesIO()
    (picture.reduce(factor) if factor > 1 else picture).save(buffer, format="JPEG", quality=THUMB_QUALITY)
    return buffer.getvalue()
