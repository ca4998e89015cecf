"""Draw `docs/viz/before.png` and `docs/viz/after.png`: one crowded 320×240 frame (hands and objects
at every edge, predicted scores), drawn by the drawing of `--before` (a git revision) and by today's.

The frame is made here (a plain gradient, small as a PNG), so the pictures change only when the
drawing does. Run from the repository root:

    .venv/bin/python docs/make_viz_pictures.py
"""

from __future__ import annotations

import argparse
import io
import subprocess
import sys
import types
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image as PILImage

ROOT = Path(__file__).resolve().parent.parent
BEFORE = "5712615"  # the drawing before labels were kept inside the frame and the key moved below it
NAMES = {1: "hand", 2: "screwdriver", 3: "cardboard box", 4: "cup"}


def frame(width: int = 320, height: int = 240) -> np.ndarray:
    """A plain gradient: something to draw on that is not distracting."""
    ys, xs = np.mgrid[0:height, 0:width]
    base = np.stack([90 + 60 * xs / width, 100 + 50 * ys / height, 120 - 40 * xs / width], axis=-1)
    return np.clip(base, 0, 255).astype(np.uint8)


def records() -> list[dict[str, Any]]:
    """Predictions as `glovego infer` writes them: two hands at the right and top edges, objects around."""
    def hand(bbox: list[float], side: int, contact: int, target: list[float], score: float) -> dict[str, Any]:
        return {"image_id": 1, "category_id": 1, "bbox": bbox, "score": score, "hand_side": side, "gloves": 1,
                "contact_state": contact, "side_score": 0.93 if side else 0.08, "glove_score": 0.88,
                "contact_score": 0.91 if contact == 1 else 0.2, "bbox_obj": target if contact == 1 else [],
                "category_id_obj": 2 if contact == 1 else -1}

    return [
        {"image_id": 1, "category_id": 2, "bbox": [240.0, 150.0, 70.0, 40.0], "score": 0.81},
        {"image_id": 1, "category_id": 3, "bbox": [4.0, 2.0, 90.0, 60.0], "score": 0.6},
        {"image_id": 1, "category_id": 4, "bbox": [20.0, 190.0, 50.0, 46.0], "score": 0.44},
        hand([250.0, 90.0, 66.0, 70.0], 1, 1, [240.0, 150.0, 70.0, 40.0], 0.97),
        hand([110.0, 0.0, 70.0, 64.0], 0, 0, [], 0.86),
    ]


def drawing_at(revision: str) -> types.ModuleType:
    """`glovego_data/drawing.py` as it was at `revision`, loaded as a module of its own."""
    source = subprocess.run(["git", "-C", str(ROOT), "show", f"{revision}:glovego_data/drawing.py"],
                            capture_output=True, text=True, check=True).stdout
    module = types.ModuleType(f"drawing_{revision}")
    exec(compile(source, f"{revision}:glovego_data/drawing.py", "exec"), module.__dict__)
    return module


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", default=BEFORE, help="git revision of the old drawing")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "viz")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from glovego_data import drawing
    from glovego_data.atomic import atomic_write_bytes

    image = frame()
    args.out.mkdir(parents=True, exist_ok=True)
    for name, module in (("before", drawing_at(args.before)), ("after", drawing)):
        png = io.BytesIO()
        PILImage.fromarray(module.draw_ehoi(image, records(), NAMES, 1)).save(png, format="PNG", optimize=True)
        atomic_write_bytes(args.out / f"{name}.png", png.getvalue())
    print(f"wrote {args.out}/before.png and after.png")


if __name__ == "__main__":
    main()
