"""The Tasks API: `mediapipe.tasks.python.vision.HandLandmarker` with a `hand_landmarker.task` file.

Works with every mediapipe from 0.10.x on (the only hand API of ≥ 0.10.30, whose single wheel
installs on any Python 3 beside numpy 2). Settings mirror the legacy ones (spec §8): image mode,
two hands, detection confidence 0.5.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from glovego_data.augment.hand_landmarks import HandLandmarks, hand_from_normalized, native_stderr_silenced
from glovego_data.errors import GlovegoError


def parse_tasks_result(result: Any, width: int, height: int) -> list[HandLandmarks]:
    """`HandLandmarkerResult` → hands; its handedness already names the wearer's hand."""
    found: list[HandLandmarks] = []
    for marks, categories in zip(result.hand_landmarks or [], result.handedness or []):
        best = max(categories, key=lambda c: c.score or 0.0) if categories else None
        xy = [(lm.x, lm.y) for lm in marks]
        label = best.category_name if best is not None else None
        score = best.score if best is not None and best.score is not None else 0.0
        found.append(hand_from_normalized(xy, label, score, width, height, mirrored=False))
    return found


class TasksHandDetector:
    """One `HandLandmarker` in IMAGE mode, reused for every image of a process."""

    def __init__(self, model: Path, name: str, max_hands: int = 2, min_confidence: float = 0.5) -> None:
        import mediapipe as mp
        from mediapipe.tasks.python import BaseOptions, vision

        self.name = name
        self._mp = mp
        options = vision.HandLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(model)),
            running_mode=vision.RunningMode.IMAGE,
            num_hands=max_hands,
            min_hand_detection_confidence=min_confidence,
            min_hand_presence_confidence=min_confidence,
        )
        try:
            with native_stderr_silenced():
                self._landmarker = vision.HandLandmarker.create_from_options(options)
                self._landmarker.detect(self._image(np.zeros((64, 64, 3), np.uint8)))
        except (RuntimeError, ValueError, OSError) as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise GlovegoError(f"{model}: not a usable MediaPipe hand landmarker model ({first})") from exc

    def _image(self, rgb: np.ndarray) -> Any:
        return self._mp.Image(image_format=self._mp.ImageFormat.SRGB, data=np.ascontiguousarray(rgb[..., :3]))

    def detect(self, rgb: np.ndarray) -> list[HandLandmarks]:
        height, width = rgb.shape[:2]
        return parse_tasks_result(self._landmarker.detect(self._image(rgb)), width, height)

    def close(self) -> None:
        self._landmarker.close()

    def __enter__(self) -> "TasksHandDetector":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
