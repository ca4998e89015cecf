"""Label Studio tasks: one per image, its picture's URL, what import needs to rebuild the
EHOI-COCO records exactly (`data.glovego`), and the pre-annotations as a prediction."""

from __future__ import annotations

from typing import Any, Iterable, Sequence
from urllib.parse import quote

from glovego_data.ehoi_coco.io import annotation_to_dict, image_to_dict
from glovego_data.ehoi_coco.schema import EhoiDataset, Image, keypoint_triples
from glovego_data.label_studio.regions import Region, to_results

HAND_KEYS_NOT_KEPT = ("hand_side", "contact_state", "gloves", "id_obj", "bbox_obj", "category_id_obj", "dx", "dy",
                      "magnitude", "category_id", "image_id", "num_keypoints")
PREDICTION_KEYPOINT_MIN = 0.5  # a predicted keypoint becomes a region when its visibility probability is ≥ this


def local_files_url(relative: str) -> str:
    """Label Studio's local-files address of a file below LABEL_STUDIO_LOCAL_FILES_DOCUMENT_ROOT."""
    return "/data/local-files/?d=" + quote(relative, safe="/")


def dataset_regions(dataset: EhoiDataset, image: Image) -> tuple[list[Region], dict[str, dict[str, Any]]]:
    """The image's records as regions (ids `a<annotation id>`), and per region what import keeps
    when the annotator leaves it unchanged (id, area, mask, instance id, keypoint source…)."""
    names = {c.id: c.name for c in dataset.categories}
    regions: list[Region] = []
    kept: dict[str, dict[str, Any]] = {}
    for ann in dataset.annotations_by_image().get(image.id, []):
        rid = f"a{ann.id}"
        region = Region(rid=rid, label=names[ann.category_id], bbox=list(ann.bbox))
        if dataset.is_hand(ann):
            region.side, region.contact, region.glove = ann.hand_side, ann.contact_state, ann.gloves
            obj = dataset.active_object(ann)
            region.link = f"a{obj.id}" if obj is not None else None
            region.keypoints = [(i, x, y, v) for i, (x, y, v) in enumerate(keypoint_triples(ann)) if v > 0]
        regions.append(region)
        record = annotation_to_dict(ann)
        kept[rid] = {k: v for k, v in record.items() if k not in HAND_KEYS_NOT_KEPT}
    return regions, kept


def prediction_regions(records: Iterable[dict[str, Any]], names: dict[int, str], threshold: float) -> list[Region]:
    """Predictions-file records (ehoi-metrics.md §2.2) of one image with score ≥ threshold as
    regions `p<i>` (record order) carrying their scores; a hand links to the kept object record
    with its `bbox_obj` and `category_id_obj`."""
    kept = [r for r in records if r["score"] >= threshold]
    regions = [Region(rid=f"p{i}", label=names[r["category_id"]], bbox=list(r["bbox"]), score=float(r["score"]))
               for i, r in enumerate(kept)]
    for region, record in zip(regions, kept):
        if "hand_side" not in record:
            continue
        region.side, region.contact = int(record["hand_side"]), int(record["contact_state"])
        region.glove = int(record.get("gloves", -1))
        target = (list(record.get("bbox_obj") or []), record.get("category_id_obj", -1))
        if region.contact == 1 and target[0]:
            region.link = next((o.rid for o, r in zip(regions, kept)
                                if "hand_side" not in r and (list(r["bbox"]), r["category_id"]) == target), None)
        flat = record.get("keypoints") or []
        region.keypoints = [(i, float(flat[3 * i]), float(flat[3 * i + 1]), 2) for i in range(len(flat) // 3)
                            if flat[3 * i + 2] >= PREDICTION_KEYPOINT_MIN]
    return regions


def build_task(image: Image, url: str, key: str, kept: dict[str, dict[str, Any]],
               regions: Sequence[Region] | None, model_version: str, score: float | None) -> dict[str, Any]:
    """One task; `regions` None: no pre-annotation."""
    task: dict[str, Any] = {"data": {"image": url, "glovego": {"labels": key, "image": image_to_dict(image),
                                                                "regions": kept}}}
    if regions is not None:
        prediction: dict[str, Any] = {"model_version": model_version,
                                      "result": to_results(regions, image.width, image.height)}
        if score is not None:
            prediction["score"] = score
        task["predictions"] = [prediction]
    return task
