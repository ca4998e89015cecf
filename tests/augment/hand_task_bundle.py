"""A Tasks-API `hand_landmarker.task` built from the models inside the mediapipe 0.10.21 wheel.

MediaPipe's own `hand_landmarker.task` is a zip of `hand_detector.tflite` (palm detection) and
`hand_landmarks_detector.tflite`; the legacy wheel ships the same two networks (Apache-2.0) as
`palm_detection_full.tflite` and `hand_landmark_full.tflite`. Zipped under the Tasks names they
run through `HandLandmarker` (mediapipe 0.10.21 and 1.x), so the Tasks path is tested on real
models without a download. CI builds it in the legacy environment and hands it to the numpy-2 run
through GLOVEGO_HAND_MODEL.
"""

from __future__ import annotations

import sys
import zipfile
from importlib import util as importlib_util
from pathlib import Path

MEMBERS = {
    "hand_detector.tflite": "modules/palm_detection/palm_detection_full.tflite",
    "hand_landmarks_detector.tflite": "modules/hand_landmark/hand_landmark_full.tflite",
}


def legacy_model_dir() -> Path | None:
    """The installed mediapipe package folder if it bundles the legacy hand models."""
    spec = importlib_util.find_spec("mediapipe")
    if spec is None or not spec.submodule_search_locations:
        return None
    root = Path(list(spec.submodule_search_locations)[0])
    return root if all((root / rel).is_file() for rel in MEMBERS.values()) else None


def build_hand_task(dest: Path) -> Path | None:
    """Write the bundle to `dest` (a .task file); None when the legacy models are not installed."""
    root = legacy_model_dir()
    if root is None:
        return None
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.name + ".tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_STORED) as bundle:
        for name, rel in MEMBERS.items():
            bundle.write(root / rel, arcname=name)
    tmp.replace(dest)
    return dest


if __name__ == "__main__":  # python tests/augment/hand_task_bundle.py OUT.task
    built = build_hand_task(Path(sys.argv[1]))
    if built is None:
        sys.exit("mediapipe 0.10.21 (with its bundled hand models) is not installed here")
    print(built)
