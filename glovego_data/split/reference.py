"""`glovego split --layout reference`: a package the reference GlovEgo-Net code
(NextVisionLab/GlovEgo-HOI) scores right, not only reads.

What the reference code needs beyond our own layout (facts in ehoi-coco.md, marked [ref]):
- its decoder multiplies the stored `magnitude` by the fixed 1280×720 diagonal whatever the image
  size, so the files store distance ÷ √(1280² + 720²) (`info.ehoi.magnitude = "reference_diagonal"`);
- its keypoint evaluation hard-codes the hand as category 19, so the categories are exactly its 20;
- it asserts on an empty dataset, so no split file may be empty;
- its keypoint fine-tune silently drops images without a visible keypoint, so we count them.
"""

from __future__ import annotations

import difflib
import shlex
from typing import Any

from glovego_data.ehoi_coco import REFERENCE_CATEGORIES, Category, EhoiDataset
from glovego_data.ehoi_coco.categories import reference_categories
from glovego_data.errors import GlovegoError

LAYOUTS: tuple[str, ...] = ("glovego", "reference")
REFERENCE_MAGNITUDE = "reference_diagonal"


def parse_renames(args: list[str] | tuple[str, ...]) -> dict[str, str]:
    """`["box=pliers", "tool=socket"]` → {"box": "pliers", "tool": "socket"}."""
    renames: dict[str, str] = {}
    for text in args:
        old, sep, new = (part.strip() for part in text.partition("="))
        if not sep or not old or not new:
            raise GlovegoError(f"--rename-category must look like OLD=NEW; got '{text}'")
        if "hand" in (old, new):
            raise GlovegoError(f"--rename-category: the hand category cannot be renamed or merged into ('{text}')")
        if old in renames and renames[old] != new:
            raise GlovegoError(f"--rename-category: '{old}' is renamed twice")
        renames[old] = new
    return renames


def rename_categories(datasets: list[EhoiDataset], renames: dict[str, str]) -> None:
    """Rename object categories by name in every input (two names may become one class)."""
    present = {c.name for ds in datasets for c in ds.categories}
    unknown = sorted(set(renames) - present)
    if unknown:
        raise GlovegoError(f"--rename-category: {', '.join(repr(n) for n in unknown)} is in no input "
                           f"(categories: {', '.join(sorted(present))})")
    for ds in datasets:
        for cat in ds.categories:
            if cat.name in renames:
                cat.name = cat.supercategory = renames[cat.name]


def reference_package_categories(datasets: list[EhoiDataset]) -> list[Category]:
    """The reference's 20 classes (hand = 19); every input object class must be one of them."""
    allowed = set(REFERENCE_CATEGORIES)
    foreign = sorted({c.name for ds in datasets for c in ds.categories if c.name not in allowed})
    if foreign:
        raise GlovegoError(
            f"--layout reference: {len(foreign)} categor{'y is' if len(foreign) == 1 else 'ies are'} not among the "
            f"reference's 20 classes: {', '.join(repr(n) for n in foreign)}; map each to one with "
            f"--rename-category OLD=NEW (e.g. {suggested_renames(foreign)})"
        )
    return reference_categories()


def suggested_renames(foreign: list[str]) -> str:
    """Options that map every foreign class to its closest-named reference class, quoted for a
    shell: the suggestion works as printed (the user may of course pick other classes)."""
    objects = [name for name in REFERENCE_CATEGORIES if name != "hand"]
    options = []
    for name in foreign:
        close = difflib.get_close_matches(name.lower(), objects, n=1, cutoff=0.0)
        options.append(f"--rename-category {shlex.quote(f'{name}={close[0] if close else objects[0]}')}")
    return " ".join(options)


def check_no_empty_split(root: str, split: str, images: int) -> None:
    if images == 0:
        raise GlovegoError(
            f"--layout reference: {root}/annotations/{split}.json would hold 0 images, and the reference code "
            "cannot load an empty dataset; give that split a larger share (--ratios, --percent) or more data"
        )


def images_without_visible_keypoints(dataset: EhoiDataset, image_ids: list[Any]) -> int:
    """Images the reference keypoint fine-tune drops: no annotation with a keypoint of v > 0."""
    by_image = dataset.annotations_by_image()
    return sum(1 for i in image_ids if not any(a.count_keypoints() > 0 for a in by_image.get(i, [])))


def keypoint_note(root: str, split: str, missing: int, images: int) -> str:
    return (f"{root}/{split}: {missing} of {images} images have no visible keypoint; "
            "the reference keypoint fine-tune drops them")
