"""Re-records tests/augment/data/fixture_landmarks.json: both MediaPipe APIs on shared/fixtures/hands.

Run in the README environment (mediapipe 0.10.21): `python tests/augment/record_landmarks.py`.
The legacy numbers come from `mp.solutions.hands`, the Tasks numbers from `HandLandmarker` with the
bundle of `hand_task_bundle.py`; the tests rebuild each API's own result objects from them.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from hand_task_bundle import build_hand_task  # noqa: E402

IMAGES = ("tfjs_hands.jpg", "thumbs-up.png")


def _rgb(path: Path) -> np.ndarray:
    return np.ascontiguousarray(np.asarray(Image.open(path).convert("RGB")))


def main() -> None:
    import mediapipe as mp
    from mediapipe.tasks.python import BaseOptions, vision

    fixtures = HERE.parents[1].parent / "shared" / "fixtures" / "hands"
    out: dict = {"mediapipe": mp.__version__, "images": {}}
    with tempfile.TemporaryDirectory() as tmp:
        model = build_hand_task(Path(tmp) / "hand_landmarker.task")
        options = vision.HandLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(model)), running_mode=vision.RunningMode.IMAGE,
            num_hands=2, min_hand_detection_confidence=0.5, min_hand_presence_confidence=0.5,
        )
        with mp.solutions.hands.Hands(static_image_mode=True, max_num_hands=2, model_complexity=1, min_detection_confidence=0.5) as hands, \
                vision.HandLandmarker.create_from_options(options) as landmarker:
            for name in IMAGES:
                rgb = _rgb(fixtures / name)
                legacy = hands.process(rgb)
                tasks = landmarker.detect(mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb))
                out["images"][name] = {
                    "width": rgb.shape[1], "height": rgb.shape[0],
                    "legacy": [
                        {"landmarks": [[round(p.x, 6), round(p.y, 6), round(p.z, 6)] for p in marks.landmark],
                         "handedness": {"index": c.classification[0].index, "label": c.classification[0].label, "score": round(c.classification[0].score, 6)}}
                        for marks, c in zip(legacy.multi_hand_landmarks or [], legacy.multi_handedness or [])
                    ],
                    "tasks": [
                        {"landmarks": [[round(p.x, 6), round(p.y, 6), round(p.z, 6)] for p in marks],
                         "handedness": {"index": c[0].index, "label": c[0].category_name, "score": round(c[0].score, 6)}}
                        for marks, c in zip(tasks.hand_landmarks, tasks.handedness)
                    ],
                }
    target = HERE / "data" / "fixture_landmarks.json"
    target.write_text(json.dumps(out, indent=1) + "\n")
    print(target)


if __name__ == "__main__":
    main()
