"""MediaPipe hand landmarks (spec §8), one interface over both APIs: masks, pseudo-keypoints, choice of API.

- Legacy `mp.solutions.hands` (mediapipe 0.10.21, models inside the wheel; numpy < 2, cp310–cp312).
- Tasks `HandLandmarker` (any mediapipe ≥ 0.10.30, any numpy and Python) with a `hand_landmarker.task`
  file given as `--hand-model FILE` or `GLOVEGO_HAND_MODEL`.

Both return `HandLandmarks` in pixels with the wearer's side; everything after (matching, masks,
pseudo-keypoints) is the same code. Without MediaPipe, `hand_landmarks_unavailable` says what to
install or pass, and the regions fall back to masks or boxes (spec §5.1).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from importlib import util as importlib_util
from pathlib import Path

import numpy as np

from glovego_data._cv2 import cv2
from glovego_data.augment.hand_landmarks import MCPS, HandLandmarkDetector, HandLandmarks
from glovego_data.errors import GlovegoError

HAND_MODEL_ENV = "GLOVEGO_HAND_MODEL"
PALM = (0, 1, 2, 5, 9, 13, 17)
FINGERS = ((1, 2, 3, 4), (5, 6, 7, 8), (9, 10, 11, 12), (13, 14, 15, 16), (17, 18, 19, 20))
INSTALL_HINT = (
    "pip install 'glovego[mediapipe]' and pass --hand-model hand_landmarker.task (or set "
    f"{HAND_MODEL_ENV}), or on Python 3.10–3.12 with numpy < 2: pip install 'glovego[mediapipe-legacy]'"
)


@dataclass(frozen=True)
class LandmarkApi:
    """Which API a detector will use: "legacy" or "tasks" (with its model file); `version` of mediapipe."""

    kind: str
    version: str
    model: Path | None = None

    @property
    def name(self) -> str:
        """Provenance string for `info.ehoi.pseudo_keypoints`."""
        return f"mediapipe-{self.version}" + ("" if self.kind == "legacy" else f"-tasks:{self.model.name if self.model else ''}")


def resolve_hand_model(hand_model: str | os.PathLike[str] | None) -> Path | None:
    """The Tasks model file: the explicit option, else `GLOVEGO_HAND_MODEL`, else none."""
    value = os.fspath(hand_model) if hand_model is not None else os.environ.get(HAND_MODEL_ENV, "")
    return Path(value).expanduser() if value else None


def choose_api(hand_model: Path | None, version: str | None, has_legacy: bool) -> LandmarkApi:
    """A model file means the Tasks API (any mediapipe); none means the legacy bundled models.

    Raises GlovegoError naming what to install or pass when neither is possible.
    """
    if version is None:
        raise GlovegoError(f"hand landmarks need MediaPipe, which is not installed: {INSTALL_HINT}")
    if hand_model is not None:
        if not hand_model.is_file():
            raise GlovegoError(f"{hand_model}: hand landmark model not found (--hand-model / {HAND_MODEL_ENV})")
        return LandmarkApi("tasks", version, hand_model)
    if has_legacy:
        return LandmarkApi("legacy", version)
    raise GlovegoError(
        f"mediapipe {version} has no bundled hand models: pass --hand-model FILE (MediaPipe's "
        f"hand_landmarker.task, downloaded once) or set {HAND_MODEL_ENV}=FILE"
    )


def installed_mediapipe() -> tuple[str, bool] | None:
    """(version, whether `mp.solutions.hands` exists) of the installed mediapipe, or None."""
    if importlib_util.find_spec("mediapipe") is None:
        return None
    import mediapipe as mp

    has_legacy = getattr(getattr(mp, "solutions", None), "hands", None) is not None
    return str(getattr(mp, "__version__", "unknown")), has_legacy


def landmark_api(hand_model: str | os.PathLike[str] | None = None) -> LandmarkApi:
    """The API `open_hand_detector(hand_model)` uses here; GlovegoError if none can run."""
    installed = installed_mediapipe()
    version, has_legacy = installed if installed is not None else (None, False)
    return choose_api(resolve_hand_model(hand_model), version, has_legacy)


def hand_landmarks_unavailable(hand_model: str | os.PathLike[str] | None = None) -> str | None:
    """Why no landmarks can be had here (the message to show), or None when they can."""
    try:
        landmark_api(hand_model)
    except GlovegoError as exc:
        return str(exc)
    return None


def open_hand_detector(
    hand_model: str | os.PathLike[str] | None = None, *, max_hands: int = 2, min_confidence: float = 0.5
) -> HandLandmarkDetector:
    """A ready detector through whichever API `landmark_api` picks (reuse it for every image)."""
    api = landmark_api(hand_model)
    if api.kind == "tasks":
        from glovego_data.augment.mediapipe_tasks import TasksHandDetector

        assert api.model is not None
        return TasksHandDetector(api.model, api.name, max_hands=max_hands, min_confidence=min_confidence)
    from glovego_data.augment.mediapipe_legacy import LegacyHandDetector

    return LegacyHandDetector(api.name, max_hands=max_hands, min_confidence=min_confidence)


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
