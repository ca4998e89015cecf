"""Seeded random EHOI ground truth with realistic noisy predictions (property test and benchmark).

`coarse=True` puts boxes on a 10-px grid and scores on 0.1 steps, so equal scores and equal IoUs
(the tie rules) happen often.
"""

from __future__ import annotations

from typing import Any

import numpy as np

WIDTH, HEIGHT = 640, 480


def _box(rng: np.random.Generator, coarse: bool) -> list[float]:
    w, h = rng.uniform(30, 160, size=2)
    x, y = rng.uniform(0, WIDTH - w), rng.uniform(0, HEIGHT - h)
    box = [x, y, w, h]
    if coarse:
        box = [float(max(10, round(v / 10) * 10)) if i >= 2 else float(round(v / 10) * 10) for i, v in enumerate(box)]
    return [float(v) for v in box]


def _jitter(rng: np.random.Generator, box: list[float], scale: float, coarse: bool) -> list[float]:
    x, y, w, h = box
    if coarse:
        dx, dy, dw, dh = (float(v) for v in rng.choice([-10, 0, 0, 10], size=4))
    else:
        dx, dy = rng.normal(0, scale * w), rng.normal(0, scale * h)
        dw, dh = rng.normal(0, scale * w), rng.normal(0, scale * h)
    return [float(x + dx), float(y + dy), float(max(2.0, w + dw)), float(max(2.0, h + dh))]


def _score(rng: np.random.Generator, coarse: bool, high: bool) -> float:
    if coarse:
        return float(rng.integers(1, 10) / 10)
    return float(np.clip(rng.beta(5, 2) if high else rng.beta(2, 5), 0.05, 1.0))


def _tri(rng: np.random.Generator, truth: int, p_right: float) -> int:
    if truth != -1 and rng.random() < p_right:
        return truth
    return int(rng.choice([0, 1]))


def random_case(
    rng: np.random.Generator, n_images: int, hands_per_image: float = 2.0, objects_per_image: float = 6.0,
    n_classes: int = 4, coarse: bool = False,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A foreign-style GT dict (no info.ehoi) and prediction records in the §2.2 format."""
    hand = n_classes
    categories = [{"id": c, "name": f"class{c}"} for c in range(n_classes)] + [{"id": hand, "name": "hand"}]
    images, anns, records = [], [], []
    next_id = 1
    image_ids = rng.permutation(np.arange(1, n_images + 1) * 3).tolist()  # not in file order
    for image_id in image_ids:
        images.append({"id": int(image_id), "file_name": f"{image_id}.jpg", "width": WIDTH, "height": HEIGHT})
        objs = []
        for _ in range(rng.poisson(objects_per_image)):
            box = _box(rng, coarse)
            objs.append({"id": next_id, "image_id": int(image_id), "category_id": int(rng.integers(0, n_classes)),
                         "bbox": box, "area": box[2] * box[3], "iscrowd": 0})
            next_id += 1
        if objs and coarse and rng.random() < 0.3:  # an exact duplicate GT box: equal IoU ties
            twin = dict(objs[0], id=next_id)
            next_id += 1
            objs.append(twin)
        hands = []
        for _ in range(rng.poisson(hands_per_image)):
            box = _box(rng, coarse)
            contact = int(rng.choice([-1, 0, 1, 1, 1]))
            active = objs[int(rng.integers(len(objs)))] if contact == 1 and objs and rng.random() < 0.85 else None
            hands.append({"id": next_id, "image_id": int(image_id), "category_id": hand, "bbox": box,
                          "area": box[2] * box[3], "iscrowd": 0, "hand_side": int(rng.choice([-1, 0, 1, 1])),
                          "gloves": int(rng.choice([-1, 0, 1])), "contact_state": contact,
                          "id_obj": active["id"] if active else -1,
                          "bbox_obj": list(active["bbox"]) if active else []})
            next_id += 1
        anns.extend(objs + hands)
        records.extend(_object_predictions(rng, objs, int(image_id), n_classes, coarse))
        records.extend(_hand_predictions(rng, hands, objs, int(image_id), hand, coarse))
    order = rng.permutation(len(records))
    gt = {"images": images, "categories": categories, "annotations": anns}
    return gt, [records[i] for i in order]


def _object_predictions(rng, objs, image_id, n_classes, coarse) -> list[dict[str, Any]]:
    out = []
    for obj in objs:
        for _ in range(int(rng.random() < 0.85) + int(rng.random() < 0.15)):
            cat = obj["category_id"] if rng.random() < 0.9 else int(rng.integers(0, n_classes))
            out.append({"image_id": image_id, "category_id": cat, "bbox": _jitter(rng, obj["bbox"], 0.08, coarse),
                        "score": _score(rng, coarse, True)})
    for _ in range(rng.poisson(1.5)):
        out.append({"image_id": image_id, "category_id": int(rng.integers(0, n_classes)), "bbox": _box(rng, coarse),
                    "score": _score(rng, coarse, False)})
    return out


def _hand_record(rng, image_id, hand_id, box, score, side, gloves, contact, objs, active, coarse) -> dict[str, Any]:
    rec: dict[str, Any] = {"image_id": image_id, "category_id": hand_id, "bbox": box, "score": score,
                           "hand_side": side, "contact_state": contact}
    if rng.random() < 0.9:
        rec["gloves"] = gloves
    if contact == 1 and objs and rng.random() < 0.9:
        target = active if active is not None and rng.random() < 0.75 else objs[int(rng.integers(len(objs)))]
        rec["bbox_obj"] = _jitter(rng, target["bbox"], 0.08, coarse)
        rec["category_id_obj"] = target["category_id"]
        rec["score_obj"] = _score(rng, coarse, True)
    else:
        rec["bbox_obj"] = []
        rec["category_id_obj"] = -1
    return rec


def _hand_predictions(rng, hands, objs, image_id, hand_id, coarse) -> list[dict[str, Any]]:
    by_id = {o["id"]: o for o in objs}
    out = []
    for h in hands:
        for _ in range(int(rng.random() < 0.9) + int(rng.random() < 0.2)):
            contact = _tri(rng, h["contact_state"], 0.7)
            out.append(_hand_record(rng, image_id, hand_id, _jitter(rng, h["bbox"], 0.06, coarse),
                                    _score(rng, coarse, True), _tri(rng, h["hand_side"], 0.85),
                                    _tri(rng, h["gloves"], 0.8), contact, objs, by_id.get(h["id_obj"]), coarse))
    for _ in range(rng.poisson(0.5)):
        out.append(_hand_record(rng, image_id, hand_id, _box(rng, coarse), _score(rng, coarse, False),
                                int(rng.integers(0, 2)), int(rng.integers(0, 2)), int(rng.integers(0, 2)), objs,
                                None, coarse))
    return out
