"""What one labelled image holds, in Label Studio's terms: boxes with their hand choices, keypoints
and links. Export builds `Region`s from EHOI-COCO records or predictions and writes them as
Label Studio results; the keypoint-owner rule is shared with the import side."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Sequence

from glovego_data.ehoi_coco.constants import HAND_CATEGORY, KEYPOINT_NAMES
from glovego_data.ehoi_coco.geometry import box_centre
from glovego_data.label_studio import config as cfg
from glovego_data.label_studio.geometry import box_to_percent, keypoint_to_percent, point_in_box

KEYPOINT_SIZE = 0.6  # the dot's diameter in percent of the image width (Label Studio draws it)


@dataclass
class Region:
    """A box; hand attributes are −1 where unknown (no choice is written), keypoints (x, y, v)
    in EHOI-COCO pixels with v ∈ {1, 2}, `link` the region id of the active object."""

    rid: str
    label: str
    bbox: Sequence[float]
    score: float | None = None
    side: int = -1
    contact: int = -1
    glove: int = -1
    keypoints: list[tuple[int, float, float, int]] = field(default_factory=list)  # (index, x, y, v)
    link: str | None = None

    @property
    def is_hand(self) -> bool:
        return self.label == HAND_CATEGORY


def keypoint_owner(x: float, y: float, hands: Sequence[tuple[str, Sequence[float]]]) -> str | None:
    """The box rule for a keypoint without a `keypoint of` relation: the hand whose box holds it;
    among several, the one whose box centre is nearest (the first on a tie); none → None."""
    best, best_d = None, math.inf
    for rid, box in hands:
        if point_in_box(x, y, box):
            cx, cy = box_centre(box)
            d = math.hypot(x + 0.5 - cx, y + 0.5 - cy)
            if d < best_d:
                best, best_d = rid, d
    return best


def _code_name(choices: dict[str, int], code: int) -> str | None:
    return next((name for name, value in choices.items() if value == code), None)


def to_results(regions: Sequence[Region], width: int, height: int) -> list[dict[str, Any]]:
    """Label Studio result items for these regions (boxes, per-region choices, keypoints, relations)."""
    size = {"original_width": int(width), "original_height": int(height), "image_rotation": 0}
    out: list[dict[str, Any]] = []
    relations: list[dict[str, Any]] = []
    hands = [(r.rid, r.bbox) for r in regions if r.is_hand]
    for region in regions:
        geometry = {**box_to_percent(region.bbox, width, height), "rotation": 0}
        box = {"id": region.rid, "from_name": cfg.BOX, "to_name": cfg.IMAGE, "type": "rectanglelabels", **size,
               "value": {**geometry, "rectanglelabels": [region.label]}}
        if region.score is not None:
            box["score"] = region.score
        out.append(box)
        if region.is_hand:
            for name, code in ((cfg.SIDE, region.side), (cfg.CONTACT, region.contact), (cfg.GLOVE, region.glove)):
                choice = _code_name(cfg.HAND_CHOICES[name], code)
                if choice is not None:
                    out.append({"id": region.rid, "from_name": name, "to_name": cfg.IMAGE, "type": "choices", **size,
                                "value": {**geometry, "choices": [choice]}})
            if region.link is not None:
                relations.append(_relation(region.rid, region.link, cfg.ACTIVE_OBJECT))
        for index, x, y, v in region.keypoints:
            kid = f"{region.rid}k{index}"
            point = {**keypoint_to_percent(x, y, width, height), "width": KEYPOINT_SIZE}
            out.append({"id": kid, "from_name": cfg.KEYPOINT, "to_name": cfg.IMAGE, "type": "keypointlabels", **size,
                        "value": {**point, "keypointlabels": [KEYPOINT_NAMES[index]]}})
            if v == 1:
                out.append({"id": kid, "from_name": cfg.VISIBILITY, "to_name": cfg.IMAGE, "type": "choices", **size,
                            "value": {**point, "choices": [cfg.OCCLUDED]}})
            if keypoint_owner(x, y, hands) != region.rid:
                relations.append(_relation(kid, region.rid, cfg.KEYPOINT_OF))
    return out + relations


def _relation(source: str, target: str, label: str) -> dict[str, Any]:
    return {"from_id": source, "to_id": target, "type": "relation", "direction": "right", "labels": [label]}
