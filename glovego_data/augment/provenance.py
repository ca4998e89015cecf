"""What an edit records about itself (spec §11) and how edited pixels are written to disk (§5.2)."""

from __future__ import annotations

import hashlib
import io
from pathlib import PurePosixPath
from typing import Any

import numpy as np
from PIL import Image as PILImage

from glovego_data import __version__
from glovego_data.augment.backends import get_backend
from glovego_data.augment.ssim import SSIM_DEFINITION

JPEG_SUFFIXES = (".jpg", ".jpeg")


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def edited_file_name(file_name: str, *, lossless: bool, mode: str) -> str:
    """`--mode add` → `<stem>-glove.<ext>`; `--lossless` → `.png`; else the same name."""
    path = PurePosixPath(file_name)
    suffix = ".png" if lossless else path.suffix
    stem = f"{path.stem}-glove" if mode == "add" else path.stem
    return f"{stem}{suffix}"


def is_jpeg(file_name: str) -> bool:
    return PurePosixPath(file_name).suffix.lower() in JPEG_SUFFIXES


def encode_image(rgb: np.ndarray, file_name: str, alpha: np.ndarray | None = None) -> bytes:
    """Encode as the name says: JPEG quality 95 without chroma subsampling, else lossless via Pillow."""
    image = PILImage.fromarray(rgb)
    buffer = io.BytesIO()
    suffix = PurePosixPath(file_name).suffix.lower()
    if suffix in JPEG_SUFFIXES:
        image.save(buffer, format="JPEG", quality=95, subsampling=0)
    else:
        if alpha is not None:
            image = PILImage.fromarray(np.dstack([rgb, alpha]))
        fmt = PILImage.registered_extensions().get(suffix, "PNG")
        image.save(buffer, format=fmt)
    return buffer.getvalue()


def glove_augmentation_info(
    *, backend: str, model: str | None, prompt: str | None, threshold: float, ssim_on: str,
    fraction: float, seed: int, mode: str, glove_color: list[int] | None,
) -> dict[str, Any]:
    """The `info.ehoi.glove_augmentation` block."""
    return {
        "backend": backend,
        "model": model,
        "prompt": prompt,
        "prompt_sha256": sha256_text(prompt) if prompt is not None else None,
        "ssim": SSIM_DEFINITION,
        "ssim_threshold": threshold,
        "ssim_on": ssim_on,
        "fraction": fraction,
        "seed": seed,
        "mode": mode,
        "glove_color": glove_color,
        "glovego": __version__,
    }


def edit_provenance(options: Any, seed: int, work_size: tuple[int, int]) -> dict[str, Any]:
    """The `images[].glove_edit` skeleton of one selected image, before its edit is judged.

    `options` are the run's `AugmentOptions`; model fields are null for the classical backend.
    """
    model = get_backend(options.backend).uses_model
    return {
        "status": None,
        "backend": options.backend,
        "model": options.model if model else None,
        "prompt_sha256": sha256_text(options.prompt) if model else None,
        "seed": seed,
        "steps": options.steps if model else None,
        "guidance": options.guidance if model else None,
        "work_size": list(work_size) if model else None,
        "ssim": None,
        "ssim_threshold": options.ssim,
        "ssim_on": options.ssim_on,
        "composite": options.composite,
        "hands": [],
        "glovego": __version__,
    }
