"""The demo's data: toy scenes in the reference's 20 classes, and cues that survive the glove edit."""

from __future__ import annotations

import json

import numpy as np
from PIL import Image as PILImage

from glovego_data.augment.classical import recolor_hand
from glovego_data.augment.regions import HandRegion, box_mask
from glovego_data.ehoi_coco import REFERENCE_CATEGORIES, load_dataset
from glovego_data.toy_scenes import TOY_OBJECTS, generate_toy_dataset
from glovego_pipelines.assets import SAMPLE_DIR


def _names(categories: list[dict]) -> list[str]:
    return [c["name"] for c in sorted(categories, key=lambda c: c["id"])]


def test_toy_scenes_use_the_reference_categories_with_hand_19(tmp_path):
    path = generate_toy_dataset(tmp_path, 4, size=(96, 96), seed=1)
    raw = json.loads(path.read_text())
    assert _names(raw["categories"]) == list(REFERENCE_CATEGORIES)
    ids = {c["name"]: c["id"] for c in raw["categories"]}
    assert ids["hand"] == 19
    used = {a["category_id"] for a in raw["annotations"]} - {19}
    assert used and used <= {ids[name] for name in TOY_OBJECTS}


def test_bundled_real_sample_uses_the_reference_categories():
    raw = json.loads((SAMPLE_DIR / "real" / "annotations" / "all.json").read_text())
    assert _names(raw["categories"]) == list(REFERENCE_CATEGORIES)


def test_contact_outline_stays_dark_after_the_classical_glove_recolour(tmp_path):
    """`augment-gloves` keeps a hand's shading: a bright outline came out pale yellow (202 vs 153 grey
    levels inside), the dark one keeps most of its contrast."""
    path = generate_toy_dataset(tmp_path, 8, size=(320, 240), seed=11, synthetic=False, split="all")
    dataset = load_dataset(path)
    hand = next(a for a in dataset.annotations if dataset.is_hand(a) and a.contact_state == 1 and a.gloves == 0)
    image = next(i for i in dataset.images if i.id == hand.image_id)
    rgb = np.asarray(PILImage.open(tmp_path / "images" / image.file_name).convert("RGB"))
    region = HandRegion(hand.id, tuple(hand.bbox), box_mask(hand.bbox, rgb.shape[:2]), "box")
    edited = recolor_hand(rgb, region, (235, 200, 40), np.random.default_rng(0)).astype(float).mean(-1)
    x, y, w, h = (int(v) for v in hand.bbox)
    outline = edited[y : y + 3, x + w // 3 : x + 2 * w // 3].mean()
    inside = edited[y + h // 3 : y + 2 * h // 3, x + w // 3 : x + 2 * w // 3].mean()
    assert outline < 0.5 * inside, (outline, inside)
