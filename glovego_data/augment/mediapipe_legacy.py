"""The legacy API: `mp.solutions.hands.Hands` with the models bundled in mediapipe 0.10.21 (spec §8)."""

from __future__ import annotations

from typing import Any

import numpy as np

from glovego_data.augment.hand_landmarks import HandLandmarks, hand_from_normalized, native_stderr_silenced


def parse_legacy_result(result: Any, width: int, height: int) -> list[HandLandmarks]:
    """`Hands.process` output → hands; its handedness assumes a mirrored selfie, so it is swapped."""
    found: list[HandLandmarks] = []
    for marks, handed in zip(result.multi_hand_landmarks or [], result.multi_handedness or []):
        best = handed.classification[0]
        xy = [(lm.x, lm.y) for lm in marks.landmark]
        found.append(hand_from_normalized(xy, best.label, best.score, width, height, mirrored=True))
    return found


class LegacyHandDetector:
    """One `Hands` graph in static-image mode, reused for every image of a process."""

    def __init__(self, name: str, max_hands: int = 2, model_complexity: int = 1, min_confidence: float = 0.5) -> None:
        import mediapipe as mp

        self.name = name
        # Build the graph and run it once on a blank frame with fd 2 pointed at /dev/null.
        with native_stderr_silenced():
            self._hands = mp.solutions.hands.Hands(
                static_image_mode=True,
                max_num_hands=max_hands,
                model_complexity=model_complexity,
                min_detection_confidence=min_confidence,
            )
            self._hands.process(np.zeros((64, 64, 3), np.uint8))

    def detect(self, rgb: np.ndarray) -> list[HandLandmarks]:
        height, width = rgb.shape[:2]
        return parse_legacy_result(self._hands.process(np.ascontiguousarray(rgb[..., :3])), width, height)

    def close(self) -> None:
        self._hands.close()

    def __enter__(self) -> "LegacyHandDetector":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
