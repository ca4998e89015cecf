"""A dataset root on disk for the error-report tests: random EHOI ground truth (random_ehoi), its
noisy predictions, and a real JPEG per image (a smooth gradient), as `eval --report` reads them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image as PILImage
from random_ehoi import HEIGHT, WIDTH, random_case


def write_case(root: Path, n_images: int = 8, *, seed: int = 0, n_classes: int = 3,
               skip_pictures: int = 0) -> tuple[Path, Path, dict[str, Any], list[dict[str, Any]]]:
    """(GT path, predictions path, GT dict, records); the first `skip_pictures` images have no file."""
    raw, records = random_case(np.random.default_rng(seed), n_images, n_classes=n_classes)
    (root / "annotations").mkdir(parents=True)
    (root / "images").mkdir()
    gt_path = root / "annotations" / "test.json"
    gt_path.write_text(json.dumps(raw))
    pred_path = root / "predictions.json"
    pred_path.write_text(json.dumps(records))
    ramp = np.linspace(40, 200, WIDTH, dtype=np.uint8)
    for k, image in enumerate(raw["images"]):
        if k < skip_pictures:
            continue
        pixels = np.stack([np.tile(ramp, (HEIGHT, 1)), np.full((HEIGHT, WIDTH), 90 + 10 * (k % 8), np.uint8),
                           np.tile(ramp[::-1], (HEIGHT, 1))], axis=-1)
        PILImage.fromarray(pixels).save(root / "images" / image["file_name"], quality=80)
    return gt_path, pred_path, raw, records
