"""Fixed vocabulary of EHOI-COCO v1 (`shared/spec/ehoi-coco.md`)."""

from __future__ import annotations

FORMAT_NAME = "EHOI-COCO"
FORMAT_VERSION = "1.0"
HAND_CATEGORY = "hand"
HAND_CATEGORY_FALLBACK = "mano"  # [ref] the reference loader's fallback name

# The reference dataset's 20 classes, in id order; `hand` is the last id [ref data/ref_enigma.json].
REFERENCE_CATEGORIES: tuple[str, ...] = (
    "power supply",
    "oscilloscope",
    "welder station",
    "electric screwdriver",
    "screwdriver",
    "pliers",
    "welder probe tip",
    "oscilloscope probe tip",
    "low voltage board",
    "high voltage board",
    "register",
    "electric screwdriver battery",
    "working area",
    "welder base",
    "socket",
    "left red button",
    "left green button",
    "right red button",
    "right green button",
    "hand",
)
# The reference file spells id 4 "screwdriver,": read both.
CATEGORY_NAME_ALIASES = {"screwdriver,": "screwdriver"}

KEYPOINT_NAMES: tuple[str, ...] = (
    "wrist",
    "thumb_cmc",
    "thumb_mcp",
    "thumb_ip",
    "thumb_tip",
    "index_mcp",
    "index_pip",
    "index_dip",
    "index_tip",
    "middle_mcp",
    "middle_pip",
    "middle_dip",
    "middle_tip",
    "ring_mcp",
    "ring_pip",
    "ring_dip",
    "ring_tip",
    "pinky_mcp",
    "pinky_pip",
    "pinky_dip",
    "pinky_tip",
)
NUM_KEYPOINTS = len(KEYPOINT_NAMES)

# [ref] COCO body sigmas reused by the reference, in keypoint index order.
OKS_SIGMAS: tuple[float, ...] = (
    0.079, 0.072, 0.062, 0.079, 0.079, 0.107, 0.107, 0.087, 0.089, 0.089, 0.107,
    0.107, 0.087, 0.089, 0.089, 0.107, 0.107, 0.087, 0.089, 0.089, 0.025,
)

# 1-based pairs, each finger chained from the wrist (COCO `skeleton` convention).
SKELETON: tuple[tuple[int, int], ...] = tuple(
    pair
    for finger_start in (2, 6, 10, 14, 18)
    for pair in ((1, finger_start), (finger_start, finger_start + 1),
                 (finger_start + 1, finger_start + 2), (finger_start + 2, finger_start + 3))
)

HAND_KEYS: tuple[str, ...] = (
    "hand_side",
    "contact_state",
    "gloves",
    "id_obj",
    "bbox_obj",
    "category_id_obj",
    "dx",
    "dy",
    "magnitude",
)
TRI_STATE_KEYS: tuple[str, ...] = ("hand_side", "contact_state", "gloves")

# The diagonal the reference decoder hard-codes (1280×720) whatever the image size [ref
# utils/converters.py]; `info.ehoi.magnitude = "reference_diagonal"` files store distance ÷ this.
REFERENCE_DIAGONAL = (1280.0**2 + 720.0**2) ** 0.5

SSIM_DEFINITION = "gray-bt601-pil/gauss1.5/k.01-.03/dr255/full-res"
