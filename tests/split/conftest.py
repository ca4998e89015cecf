"""Generated dataset roots for the split tests, written through the format library.

Every frame of a video shares that video's glove rate, so stratification has real work to do.
The generator also returns its own ground truth, for counting independently of `glovego stats`.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from PIL import Image as PILImage

from glovego_data.ehoi_coco import Annotation, EhoiDataset, Image, build_categories, make_info, save_dataset

WIDTH, HEIGHT = 32, 24


def _png() -> bytes:
    buffer = io.BytesIO()
    PILImage.new("RGB", (WIDTH, HEIGHT), (90, 120, 150)).save(buffer, format="PNG")
    return buffer.getvalue()


PNG = _png()


@dataclass
class Truth:
    """What the generator made, per image file name."""

    hands: dict[str, int] = field(default_factory=dict)
    gloved: dict[str, int] = field(default_factory=dict)
    ehois: dict[str, int] = field(default_factory=dict)
    video: dict[str, str] = field(default_factory=dict)
    category_of_annotation: dict[int, str] = field(default_factory=dict)


def make_root(
    root: Path,
    *,
    videos: int,
    frames: int,
    first_id: int = 1,
    synthetic: bool = False,
    objects: tuple[str, ...] = ("pliers", "socket"),
    video_field: bool = True,
    sizes: list[int] | None = None,
) -> Truth:
    """`root/images/*.png` + `root/annotations/all.json`: `videos` videos (or `sizes[v]` frames each),
    two hands and one object per frame; glove rate varies by video, contact by frame."""
    truth = Truth()
    categories = build_categories(objects)
    hand = categories[-1].id
    images: list[Image] = []
    annotations: list[Annotation] = []
    (root / "images").mkdir(parents=True, exist_ok=True)
    image_id, ann_id = first_id, 1
    for v in range(videos):
        rate = (v % 5) / 4.0
        for f in range(sizes[v] if sizes else frames):
            video = f"seq{v}" if synthetic else f"{10 + v}"
            name = f"camera_{image_id}.png" if synthetic else f"{video}_{1000 + f}.png"
            image = Image(id=image_id, file_name=name, width=WIDTH, height=HEIGHT,
                          video=(f"solo/sequence.{v}" if synthetic else video) if video_field else None,
                          source="synth" if synthetic else "real",
                          solo={"dataset": "solo", "sequence": v, "step": f, "frame": f, "sensor": "camera"} if synthetic else None)
            images.append(image)
            (root / "images" / name).write_bytes(PNG)
            obj = Annotation(id=ann_id, image_id=image_id, category_id=(v + f) % len(objects), bbox=[2, 2, 8, 8], area=64.0)
            truth.category_of_annotation[ann_id] = objects[obj.category_id]
            annotations.append(obj)
            ann_id += 1
            truth.hands[name] = truth.gloved[name] = truth.ehois[name] = 0
            truth.video[name] = f"solo/sequence.{v}" if synthetic else video
            for k in range(2):
                gloved = int((f * 2 + k) % 4 < rate * 4)
                h = Annotation(id=ann_id, image_id=image_id, category_id=hand, bbox=[12 + 8 * k, 10, 6, 6], area=36.0,
                               hand_side=k, contact_state=int((f + k + v) % 3 == 0), gloves=gloved)
                h.clear_active_object()
                if h.contact_state == 1 and k == 0:
                    h.set_active_object(obj, WIDTH, HEIGHT)
                    truth.ehois[name] += 1
                truth.category_of_annotation[ann_id] = "hand"
                truth.hands[name] += 1
                truth.gloved[name] += gloved
                annotations.append(h)
                ann_id += 1
            image_id += 1
    info = make_info(command="test", contact_source="manual")
    save_dataset(EhoiDataset(images, categories, annotations, info), root / "annotations" / "all.json")
    return truth


@pytest.fixture
def roots(tmp_path: Path) -> tuple[Path, Path, Truth, Truth]:
    """A synthetic root (ids 1..) and a real root (ids 10001..), 100 videos of 4 frames each."""
    synth, real = tmp_path / "synth", tmp_path / "real"
    t_synth = make_root(synth, videos=40, frames=4, synthetic=True)
    t_real = make_root(real, videos=100, frames=4, first_id=10001)
    return synth, real, t_synth, t_real


@pytest.fixture
def generate():
    """`make_root` as a fixture (test modules cannot import conftest in importlib mode)."""
    return make_root
