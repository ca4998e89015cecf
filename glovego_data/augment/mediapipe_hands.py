"""MediaPipe 0.10.21 hand landmarks (spec §8): detection, landmark-seeded hand masks, pseudo-keypoints.

MediaPipe's handedness assumes a mirrored selfie; egocentric frames are not mirrored, so the
label is swapped. It is used only to break ties when matching detections to boxes.
"""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from types import TracebackType
from typing import Iterator

from glovego_data._cv2 import cv2
import numpy as np

MEDIAPIPE_VERSION = "mediapipe-0.10.21"
PALM = (0, 1, 2, 5, 9, 13, 17)
FINGERS = ((1, 2, 3, 4), (5, 6, 7, 8), (9, 10, 11, 12), (13, 14, 15, 16), (17, 18, 19, 20))
MCPS = (5, 9, 13, 17)


@dataclass(frozen=True)
class HandLandmarks:
    """21 landmarks in continuous pixel coordinates (x right, y down) and the wearer's side."""

    points: np.ndarray  # (21, 2) float64
    side: int  # 0 left, 1 right (egocentric, after the swap), -1 unknown
    score: float

    @property
    def box(self) -> tuple[float, float, float, float]:
        x0, y0 = self.points.min(axis=0)
        x1, y1 = self.points.max(axis=0)
        return float(x0), float(y0), float(x1 - x0), float(y1 - y0)

    @property
    def mcp_spacing(self) -> float:
        gaps = [np.linalg.norm(self.points[a] - self.points[b]) for a, b in zip(MCPS, MCPS[1:])]
        return float(np.mean(gaps))


@contextmanager
def _native_stderr_silenced() -> Iterator[None]:
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


class HandDetector:
    """One `mp.solutions.hands.Hands` in static-image mode, reused for every image of a process."""

    def __init__(self, max_hands: int = 2, model_complexity: int = 1, min_confidence: float = 0.5) -> None:
        import mediapipe as mp

        # MediaPipe's C++ side prints setup notices straight to fd 2 (they would tear the progress
        # bar): build the graph and run it once on a blank frame with fd 2 pointed at /dev/null.
        with _native_stderr_silenced():
            self._hands = mp.solutions.hands.Hands(
                static_image_mode=True,
                max_num_hands=max_hands,
                model_complexity=model_complexity,
                min_detection_confidence=min_confidence,
            )
            self._hands.process(np.zeros((64, 64, 3), np.uint8))

    def detect(self, rgb: np.ndarray) -> list[HandLandmarks]:
        height, width = rgb.shape[:2]
        result = self._hands.process(np.ascontiguousarray(rgb[..., :3]))
        found: list[HandLandmarks] = []
        for marks, handed in zip(result.multi_hand_landmarks or [], result.multi_handedness or []):
            pts = np.array([[lm.x * width, lm.y * height] for lm in marks.landmark], dtype=np.float64)
            label = handed.classification[0].label
            side = {"Left": 1, "Right": 0}.get(label, -1)  # swapped: frames are not mirrored
            found.append(HandLandmarks(pts, side, float(handed.classification[0].score)))
        return found

    def close(self) -> None:
        self._hands.close()

    def __enter__(self) -> "HandDetector":
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        self.close()


def landmark_mask(hand: HandLandmarks, shape: tuple[int, int]) -> np.ndarray:
    """Palm polygon ∪ finger capsules (0.5 × mean MCP spacing wide) ∪ a wrist capsule."""
    mask = np.zeros(shape, dtype=np.uint8)
    shift = 4  # sub-pixel drawing: OpenCV fixed point with 4 fractional bits
    scale = 1 << shift

    def fix(p: np.ndarray) -> tuple[int, int]:
        return int(round(p[0] * scale - scale / 2)), int(round(p[1] * scale - scale / 2))

    pts = hand.points
    width = max(2, int(round(0.5 * hand.mcp_spacing)))
    palm = np.array([fix(pts[i]) for i in PALM], dtype=np.int32)
    cv2.fillPoly(mask, [cv2.convexHull(palm)], 1, lineType=cv2.LINE_8, shift=shift)
    for chain in FINGERS:
        for a, b in zip(chain, chain[1:]):
            cv2.line(mask, fix(pts[a]), fix(pts[b]), 1, thickness=width, lineType=cv2.LINE_8, shift=shift)
        for i in chain:
            cv2.circle(mask, fix(pts[i]), width // 2, 1, thickness=-1, lineType=cv2.LINE_8, shift=shift)
    # Wrist: a capsule from the wrist landmark away from the middle MCP, as wide as the palm base.
    axis = pts[0] - pts[9]
    norm = float(np.linalg.norm(axis)) or 1.0
    wrist_end = pts[0] + axis / norm * 0.35 * norm
    cv2.line(mask, fix(pts[0]), fix(wrist_end), 1, thickness=max(2, int(round(2.2 * hand.mcp_spacing))), lineType=cv2.LINE_8, shift=shift)
    return mask.astype(bool)


def skeleton_mask(hand: HandLandmarks, shape: tuple[int, int]) -> np.ndarray:
    """Thin bones and the palm core: pixels that are hand for certain (GrabCut's sure foreground)."""
    mask = np.zeros(shape, dtype=np.uint8)
    pts = np.round(hand.points - 0.5).astype(np.int32)
    width = max(1, int(round(0.12 * hand.mcp_spacing)))
    for chain in ((0,) + FINGERS[0],) + FINGERS[1:]:
        for a, b in zip(chain, chain[1:]):
            cv2.line(mask, tuple(pts[a]), tuple(pts[b]), 1, thickness=width)
    for mcp in MCPS:
        cv2.line(mask, tuple(pts[0]), tuple(pts[mcp]), 1, thickness=width)
    return mask.astype(bool)


def pseudo_keypoints(hand: HandLandmarks, width: int, height: int) -> list[float]:
    """COCO pixel-index keypoints (x − 0.5, y − 0.5, v = 2) inside the image, else (0, 0, 0)."""
    out: list[float] = []
    for x, y in hand.points:
        px, py = float(x) - 0.5, float(y) - 0.5
        if -0.5 <= px <= width - 0.5 and -0.5 <= py <= height - 0.5:
            out.extend((round(px, 3), round(py, 3), 2))
        else:
            out.extend((0, 0, 0))
    return out
