"""The `info` block of an EHOI-COCO v1 file (ehoi-coco.md §3.1)."""

from __future__ import annotations

from typing import Any

from glovego_data import __version__
from glovego_data.ehoi_coco.constants import FORMAT_NAME, FORMAT_VERSION, HAND_CATEGORY, REFERENCE_DIAGONAL
from glovego_data.ehoi_coco.geometry import image_diagonal

EHOI_KEY_ORDER: tuple[str, ...] = (
    "format",
    "version",
    "hand_category",
    "magnitude",
    "offset",
    "keypoints",
    "contact_source",
    "segmentation",
    "depth",
    "categories",
    "pseudo_keypoints",
    "glove_augmentation",
    "created_by",
)
# `info.ehoi.magnitude`: what one unit of a stored `magnitude` stands for (ehoi-coco.md §6.1).
# "image_diagonal": √(W² + H²) of that image (ours, the default); "reference_diagonal": the fixed
# √(1280² + 720²) the reference decoder multiplies by, whatever the image size (`--layout reference`).
MAGNITUDE_CONVENTIONS: tuple[str, ...] = ("image_diagonal", "reference_diagonal")
CONTACT_SOURCES = ("metadata", "geometry", "geometry+depth", "manual", "mixed", "none")


def depth_info(range_m: float = 5.0, measurement: str = "Depth") -> dict[str, Any]:
    return {
        "map8": "depth_maps/map_{n}.png",
        "encoding": "linear-far-bright",
        "range_m": range_m,
        "lossless": "depth_mm/{stem}.png",
        "unit": "mm",
        "measurement": measurement,
    }


def make_info(
    *,
    command: str,
    description: str = "",
    contact_source: str = "none",
    segmentation: str = "polygon",
    depth: dict[str, Any] | None = None,
    categories: str = "custom",
    magnitude: str = "image_diagonal",
    pseudo_keypoints: str | None = None,
    glove_augmentation: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A complete v1 `info`; no timestamps, so the same inputs give the same bytes."""
    if contact_source not in CONTACT_SOURCES:
        raise ValueError(f"contact_source must be one of {CONTACT_SOURCES}, got {contact_source!r}")
    if magnitude not in MAGNITUDE_CONVENTIONS:
        raise ValueError(f"magnitude must be one of {MAGNITUDE_CONVENTIONS}, got {magnitude!r}")
    return {
        "description": description,
        "version": FORMAT_VERSION,
        "ehoi": {
            "format": FORMAT_NAME,
            "version": FORMAT_VERSION,
            "hand_category": HAND_CATEGORY,
            "magnitude": magnitude,
            "offset": "box_centres",
            "keypoints": {"layout": "mediapipe-21", "coordinates": "coco-pixel-index"},
            "contact_source": contact_source,
            "segmentation": segmentation,
            "depth": depth,
            "categories": categories,
            "pseudo_keypoints": pseudo_keypoints,
            "glove_augmentation": glove_augmentation,
            "created_by": f"glovego {__version__} {command}",
        },
    }


def is_v1(info: Any) -> bool:
    """True when `info.ehoi` declares EHOI-COCO 1.x."""
    if not isinstance(info, dict) or not isinstance(info.get("ehoi"), dict):
        return False
    ehoi = info["ehoi"]
    return ehoi.get("format") == FORMAT_NAME and str(ehoi.get("version", "")).startswith("1.")


def stored_magnitude_diagonal(convention: str, width: float, height: float) -> float:
    """The length, in pixels of a `width`×`height` image, of one unit of stored `magnitude`."""
    if convention == "reference_diagonal":
        return REFERENCE_DIAGONAL
    if convention == "image_diagonal":
        return image_diagonal(width, height)
    raise ValueError(f"info.ehoi.magnitude must be one of {MAGNITUDE_CONVENTIONS}, got {convention!r}")
