"""Drawn test scenes: 4:3 and 3:4 frames with skin ellipses as hands, written as an EHOI-COCO root."""

from __future__ import annotations

from pathlib import Path

from builders import drawn_scene, hand, polygon_of_box, write_root
from glovego_data.ehoi_coco import EhoiDataset


def kontext_root(root: Path, *, jpeg_one: bool = False) -> EhoiDataset:
    """5 images: 3 landscape (one with an already-gloved hand), 1 portrait, 1 with no editable hand."""
    specs = [
        ("10_1.png", 96, 72, [(8, 20, 28, 30, 0, True), (60, 30, 26, 28, 1, True)]),
        ("10_2.png", 96, 72, [(30, 24, 30, 30, 0, False)]),
        ("11_1.jpg" if jpeg_one else "11_1.png", 96, 72, [(40, 10, 30, 36, 0, True)]),
        ("12_1.png", 72, 96, [(20, 40, 30, 30, 0, True)]),
        ("13_1.png", 96, 72, [(20, 20, 30, 30, 1, True)]),  # already gloved: not eligible
    ]
    images = []
    ann_id = 1
    for n, (name, w, h, hands_) in enumerate(specs):
        rgb = drawn_scene(w, h, [hb[:4] for hb in hands_], seed=n)
        anns = []
        for x, y, bw, bh, gl_or_side, with_mask in hands_:
            gloves = 1 if name == "13_1.png" else 0
            seg = polygon_of_box(x + 2, y + 2, bw - 4, bh - 4) if with_mask else None
            anns.append(hand(ann_id, 0, [x, y, bw, bh], gloves=gloves, side=gl_or_side if gloves == 0 else 1, segmentation=seg))
            ann_id += 1
        images.append((name, rgb, anns))
    return write_root(root, images)
