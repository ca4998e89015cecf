"""`glovego viz`: ground-truth annotations drawn on their images, to check a dataset by eye."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image as PILImage

from glovego_data.atomic import staging_dir
from glovego_data.drawing import annotation_records, draw_ehoi
from glovego_data.ehoi_coco import EhoiDataset, find_hand_category, load_dataset
from glovego_data.errors import GlovegoError
from glovego_data.paths import check_output
from glovego_data.progress import Progress, no_progress
from glovego_pipelines.media import dataset_image, images_dir_of

JPEG_QUALITY = 92


@dataclass
class VizReport:
    out: Path
    pictures: dict[str, int] = field(default_factory=dict)  # annotation file → pictures written


def annotation_files(target: Path) -> list[Path]:
    """A JSON file; a dataset root's `annotations/*.json`; or every root of a package. `_hands`
    companions are skipped (their hands are in the main file)."""
    if target.is_file():
        if target.suffix.lower() != ".json":
            raise GlovegoError(f"{target}: not a JSON file, a dataset root or a package")
        return [target]
    if not target.is_dir():
        raise GlovegoError(f"{target}: no such file or folder")
    roots = [target] if (target / "annotations").is_dir() else sorted(
        p for p in target.iterdir() if p.is_dir() and (p / "annotations").is_dir())
    files = [f for root in roots for f in sorted((root / "annotations").glob("*.json")) if not f.stem.endswith("_hands")]
    if not files:
        raise GlovegoError(f"{target}: no annotations/*.json here (expected a JSON file, a dataset root or a package)")
    return files


def pick_images(dataset: EhoiDataset, n: int) -> list:
    """`n` images evenly spread over the file's images in id order (all when n ≥ their number)."""
    images = sorted(dataset.images, key=lambda im: str(im.id) if isinstance(im.id, str) else f"{im.id:020d}")
    if n >= len(images):
        return images
    picks = np.unique(np.round(np.linspace(0, len(images) - 1, n)).astype(int))
    return [images[i] for i in picks]


def run_viz(target: Path, out: Path, n: int = 20, *, overwrite: bool = False,
            progress: Progress = no_progress) -> VizReport:
    if n < 1:
        raise GlovegoError(f"--n must be ≥ 1, got {n}")
    files = annotation_files(target)
    datasets = [(f, load_dataset(f)) for f in files]
    for path, dataset in datasets:  # every file is checked before any picture is drawn
        if find_hand_category(dataset.categories) is None:
            raise GlovegoError(f"{path}: no category named 'hand'")
    check_output(out, [target, *(images_dir_of(path) for path in files)])
    if out.exists() and not overwrite:
        raise GlovegoError(f"{out}: already exists (use --overwrite to replace it)")
    report = VizReport(out=out)
    base = target if target.is_dir() else target.parent
    with staging_dir(out, replace=True) as staging:
        for path, dataset in datasets:
            names = {c.id: c.name for c in dataset.categories}
            hand_id = dataset.hand_category_id
            images_dir = images_dir_of(path)
            relative = path.relative_to(base) if path.is_relative_to(base) else Path(path.name)
            folder = staging / relative.parent.parent / path.stem if len(relative.parts) > 2 else staging / path.stem
            folder.mkdir(parents=True, exist_ok=True)
            chosen = pick_images(dataset, n)
            advance = progress(f"viz {path.name}", len(chosen))
            for image in chosen:
                pixels = dataset_image(image, images_dir, path)
                picture = draw_ehoi(pixels, annotation_records(dataset, image.id), names, hand_id)
                PILImage.fromarray(picture).save(folder / f"{Path(image.file_name).stem}.jpg", quality=JPEG_QUALITY)
                advance(1)
            report.pictures[str(path)] = len(chosen)
    return report
