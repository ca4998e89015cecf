"""Rebuild the bundled sample data in `assets/sample/` (run from the repo root; deterministic).

- `sample/solo/`: a small Unity-SOLO export of egocentric hand scenes made by GlovEgo's own
  scene generator (no public SOLO sample has hands).
- `sample/real/`: an EHOI-COCO dataset root of "real" frames: two public hand photos (see
  `assets/README.md` for their licences) annotated with MediaPipe hand landmarks, plus generated
  real-style frames (`<video>_<frame>.jpg`) whose every EHOI label is known.

    .venv/bin/python assets/make_sample.py [--fixtures ../shared/fixtures]
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import numpy as np
from PIL import Image as PILImage

from glovego_data.augment.mediapipe_hands import open_hand_detector, pseudo_keypoints
from glovego_data.ehoi_coco import Annotation, Image, load_dataset, save_dataset
from glovego_data.ehoi_coco.geometry import clip_box
from glovego_data.solo.generator import generate_solo
from glovego_data.toy_scenes import generate_toy_dataset

ASSETS = Path(__file__).resolve().parent
SAMPLE = ASSETS / "sample"
BACKGROUND_GREY = (120, 120, 120)

# (source file, stored name, video, hand sides in left-to-right order of the hands in the picture)
PHOTOS = (
    ("hands/tfjs_hands.jpg", "tfjs_1.jpg", "tfjs", (0, 0)),  # two left hands, backs towards the camera
    ("hands/thumbs-up.png", "thumbsup_1.jpg", "thumbsup", (-1,)),  # a third-person view: side left unknown
)


def _photo(src: Path) -> np.ndarray:
    """RGB pixels; a transparent background is flattened on grey and the size capped at 960 px."""
    image = PILImage.open(src)
    if image.mode == "RGBA":
        flat = PILImage.new("RGBA", image.size, (*BACKGROUND_GREY, 255))
        flat.alpha_composite(image)
        image = flat
    image = image.convert("RGB")
    if max(image.size) > 960:
        scale = 960 / max(image.size)
        image = image.resize((round(image.width * scale), round(image.height * scale)), PILImage.Resampling.LANCZOS)
    return np.asarray(image)


def _add_photos(root: Path, fixtures: Path) -> None:
    json_path = root / "annotations" / "all.json"
    dataset = load_dataset(json_path)
    hand_id = dataset.hand_category_id
    next_image = max(img.id for img in dataset.images) + 1
    next_ann = max(ann.id for ann in dataset.annotations) + 1
    with open_hand_detector(max_hands=2) as detector:
        for src, name, video, sides in PHOTOS:
            rgb = _photo(fixtures / src)
            height, width = rgb.shape[:2]
            PILImage.fromarray(rgb).save(root / "images" / name, quality=92)
            found = sorted(detector.detect(rgb), key=lambda hand: hand.box[0])
            if len(found) != len(sides):
                raise SystemExit(f"{src}: MediaPipe found {len(found)} hands, expected {len(sides)}")
            dataset.images.append(Image(id=next_image, file_name=name, width=width, height=height, video=video, source="real"))
            for hand, side in zip(found, sides):
                x, y, w, h = hand.box
                margin = 0.12 * max(w, h)
                box = clip_box([x - margin, y - margin, w + 2 * margin, h + 2 * margin], width, height)
                ann = Annotation(id=next_ann, image_id=next_image, category_id=hand_id, bbox=box,
                                 area=box[2] * box[3], hand_side=side, contact_state=0, gloves=0)
                ann.clear_active_object()
                ann.keypoints = pseudo_keypoints(hand, width, height)
                ann.num_keypoints = ann.count_keypoints()
                ann.keypoints_source = "mediapipe"
                dataset.annotations.append(ann)
                next_ann += 1
            next_image += 1
    dataset.info["description"] = "GlovEgo bundled real sample: public hand photos and generated real-style frames"
    dataset.info["ehoi"]["pseudo_keypoints"] = detector.name
    dataset.info["ehoi"]["contact_source"] = "manual"
    dataset.info["ehoi"]["created_by"] = dataset.info["ehoi"]["created_by"].replace("toy-scenes", "assets/make_sample.py")
    dataset.reindex()
    save_dataset(dataset, json_path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fixtures", type=Path, default=ASSETS.parent.parent / "shared" / "fixtures")
    args = parser.parse_args()
    shutil.rmtree(SAMPLE, ignore_errors=True)
    generate_solo(SAMPLE / "solo", sequences=4, steps=2, width=480, height=270, seed=5)
    real = SAMPLE / "real"
    generate_toy_dataset(real, n_images=36, size=(320, 240), seed=11, synthetic=False, split="all")
    _add_photos(real, args.fixtures)
    print(f"wrote {SAMPLE}")


if __name__ == "__main__":
    main()
