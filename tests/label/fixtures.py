"""Small EHOI-COCO roots for the label tests, built in the test: every field a record can carry."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image as PILImage

from glovego_data.ehoi_coco import Annotation, EhoiDataset, Image, make_info, reference_categories, save_dataset

SAMPLE = Path(__file__).resolve().parents[2] / "assets" / "sample" / "real" / "annotations" / "all.json"


def _keypoints(x0: float, y0: float, visibility: list[int]) -> list[float]:
    flat: list[float] = []
    for i, v in enumerate(visibility):
        flat += [round(x0 + 3.25 * (i % 5), 3), round(y0 + 2.5 * (i // 5), 3), v] if v else [0, 0, 0]
    return flat


def every_field_root(root: Path, first_id: int = 1001) -> Path:
    """Two 200×150 images: hands left / right / unknown side, contact with and without a visible
    object, unknown contact, every glove value, occluded and unlabelled keypoints, two
    overlapping hands (a keypoint inside both boxes), masks, instance ids, keypoint sources,
    image `video` / `source` and extra keys on records."""
    cats = reference_categories()
    hand = cats[-1].id
    (root / "images").mkdir(parents=True)
    images, anns = [], []
    rng = np.random.default_rng(0)
    for k in range(2):
        img = Image(id=first_id + k, file_name=f"site7_{k}.jpg", width=200, height=150, video="site7", source="real",
                    extra={"camera": "helmet-2"})
        PILImage.fromarray(rng.integers(0, 255, (150, 200, 3), dtype=np.uint8)).save(root / "images" / img.file_name)
        images.append(img)
    a = 5000
    obj1 = Annotation(id=a + 1, image_id=first_id, category_id=3, bbox=[120.5, 30.25, 40.0, 35.125], area=1111.0,
                      segmentation=[[120.5, 30.25, 160.5, 30.25, 160.5, 65.375, 120.5, 65.375]], instance_id=77,
                      extra={"note": "screwdriver on the bench"})
    obj2 = Annotation(id=a + 2, image_id=first_id, category_id=12, bbox=[0.0, 100.0, 200.0, 50.0], area=10000.0)
    left = Annotation(id=a + 3, image_id=first_id, category_id=hand, bbox=[60.0, 40.0, 50.0, 45.0], area=2250.0,
                      keypoints=_keypoints(62.0, 42.0, [2] * 15 + [1] * 4 + [0, 2]), keypoints_source="manual",
                      hand_side=0, contact_state=1, gloves=1)
    left.set_active_object(obj1, 200, 150)
    right = Annotation(id=a + 4, image_id=first_id, category_id=hand, bbox=[95.0, 60.0, 40.0, 40.0], area=1600.0,
                       keypoints=_keypoints(100.0, 62.0, [2] * 21), keypoints_source="mediapipe",
                       hand_side=1, contact_state=1, gloves=0)  # in contact, object not visible
    right.clear_active_object()
    unknown = Annotation(id=a + 5, image_id=first_id + 1, category_id=hand, bbox=[10.5, 10.5, 30.0, 30.0], area=900.0,
                         hand_side=-1, contact_state=-1, gloves=-1)
    unknown.clear_active_object()
    bare = Annotation(id=a + 6, image_id=first_id + 1, category_id=hand, bbox=[150.0, 90.0, 49.999, 59.999],
                      area=2999.0, keypoints=_keypoints(152.0, 92.0, [1] * 21), keypoints_source="synthetic",
                      hand_side=1, contact_state=0, gloves=0, instance_id=9)
    bare.clear_active_object()
    for ann in (obj1, obj2, left, right, unknown, bare):
        ann.num_keypoints = ann.count_keypoints()
        anns.append(ann)
    dataset = EhoiDataset(images=images, categories=cats, annotations=anns,
                          info=make_info(command="tests", contact_source="manual", categories="reference-20"))
    save_dataset(dataset, root / "annotations" / "all.json")
    return root / "annotations" / "all.json"
