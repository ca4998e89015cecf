"""`--preview N`: original | raw | final rows with the SSIM printed, so people judge at a glance."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image as PILImage
from PIL import ImageDraw

from glovego_data.atomic import atomic_write_bytes

ROW_HEIGHT = 240
LABEL_HEIGHT = 22


def _thumb(rgb: np.ndarray) -> PILImage.Image:
    image = PILImage.fromarray(rgb[..., :3])
    width = max(1, round(image.width * ROW_HEIGHT / image.height))
    return image.resize((width, ROW_HEIGHT), PILImage.LANCZOS)


def preview_row(original: np.ndarray, raw: np.ndarray, final: np.ndarray, name: str, status: str, ssim: float) -> bytes:
    """One PNG row: three thumbnails and a caption line."""
    tiles = [_thumb(a) for a in (original, raw, final)]
    width = sum(t.width for t in tiles) + 8 * 2
    row = PILImage.new("RGB", (width, ROW_HEIGHT + LABEL_HEIGHT), (255, 255, 255))
    x = 0
    for tile in tiles:
        row.paste(tile, (x, LABEL_HEIGHT))
        x += tile.width + 8
    colour = (0, 120, 0) if status == "accepted" else (170, 0, 0)
    ImageDraw.Draw(row).text((4, 4), f"{name}   SSIM {ssim:.4f}   {status}   (original | raw | final)", fill=colour)
    buffer = io.BytesIO()
    row.save(buffer, format="PNG")
    return buffer.getvalue()


def write_contact_sheet(rows: list[Path], out: Path) -> None:
    """Stack the rows (left-aligned) into one PNG."""
    if not rows:
        return
    images = [PILImage.open(p).convert("RGB") for p in rows]
    sheet = PILImage.new("RGB", (max(i.width for i in images), sum(i.height + 6 for i in images)), (255, 255, 255))
    y = 0
    for image in images:
        sheet.paste(image, (0, y))
        y += image.height + 6
    buffer = io.BytesIO()
    sheet.save(buffer, format="PNG")
    atomic_write_bytes(out, buffer.getvalue())
