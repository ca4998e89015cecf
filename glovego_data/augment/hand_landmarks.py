"""What both MediaPipe APIs return, in one module each of them imports (spec §8).

`mediapipe_hands` chooses and opens an API; `mediapipe_legacy` and `mediapipe_tasks` wrap one each.
The types and helpers they share live here so that neither wrapper imports the module that
imports it.
"""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator, Protocol, Sequence

import numpy as np

MCPS = (5, 9, 13, 17)
# Handedness label → wearer's side. The legacy API assumes a mirrored selfie, so on egocentric
# (unmirrored) frames its labels are swapped. The Tasks API already names the wearer's hand: on the
# same images and networks (mediapipe 0.10.21) it reports the same class index as the legacy API
# under the opposite name (tests/augment/data/fixture_landmarks.json).
SIDE_FROM_MIRRORED_LABEL = {"Left": 1, "Right": 0}
SIDE_FROM_WEARER_LABEL = {"Left": 0, "Right": 1}


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


def hand_from_normalized(
    xy: Sequence[Sequence[float]], label: str | None, score: float, width: int, height: int, *, mirrored: bool
) -> HandLandmarks:
    """One hand from MediaPipe's normalised [0, 1] landmarks; `mirrored`: labels assume a selfie."""
    points = np.asarray(xy, dtype=np.float64).reshape(-1, 2) * np.array([width, height], dtype=np.float64)
    if points.shape != (21, 2):
        raise ValueError(f"a MediaPipe hand has 21 landmarks; got {len(points)}")
    sides = SIDE_FROM_MIRRORED_LABEL if mirrored else SIDE_FROM_WEARER_LABEL
    return HandLandmarks(points, sides.get(label or "", -1), float(score))


class HandLandmarkDetector(Protocol):
    """What both APIs offer: landmarks of the hands on one RGB uint8 image, and a provenance name."""

    name: str

    def detect(self, rgb: np.ndarray) -> list[HandLandmarks]: ...

    def close(self) -> None: ...

    def __enter__(self) -> "HandLandmarkDetector": ...

    def __exit__(self, *exc: object) -> None: ...


@contextmanager
def native_stderr_silenced() -> Iterator[None]:
    """MediaPipe's C++ side prints set-up notices straight to fd 2 (they would tear a progress bar)."""
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
