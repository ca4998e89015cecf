"""Reading the `--synth` / `--real` dataset roots and refusing inputs a package cannot be built from,
before anything is written."""

from __future__ import annotations

import copy
from pathlib import Path

from glovego_data import __version__
from glovego_data.ehoi_coco import Category, canonicalize, load_dataset, make_info
from glovego_data.ehoi_coco.validate import image_file_problem, validate_file
from glovego_data.errors import GlovegoError
from glovego_data.paths import image_file, resolve_inside
from glovego_data.split.categories import category_set_label, remap_categories, union_categories
from glovego_data.split.plan import RootInput
from glovego_data.split.reference import REFERENCE_MAGNITUDE, reference_package_categories

DEFAULT_ANNOTATIONS = "annotations/all.json"


def load_root(name: str, root_dir: Path, annotations: Path | None = None) -> RootInput:
    """A dataset root and its annotations (`annotations/all.json` unless given), schema-checked,
    ids canonical, every image file present and decodable at its JSON size."""
    if not root_dir.is_dir():
        raise GlovegoError(f"{root_dir}: --{name} must be a dataset root folder (with images/ and annotations/)")
    path = annotations or root_dir / DEFAULT_ANNOTATIONS
    if not path.is_file():
        raise GlovegoError(f"{path}: annotation file not found (use --{name}-json to name another one)")
    errors = [v for v in validate_file(path, check_companion=False) if v.severity == "error"]
    if errors:
        raise GlovegoError(
            f"{path}: not valid EHOI-COCO ({len(errors)} error(s); first: {errors[0].where + ': ' if errors[0].where else ''}"
            f"{errors[0].message}); run `glovego validate {path}` for the full list"
        )
    dataset = canonicalize(load_dataset(path))
    if not dataset.images:
        raise GlovegoError(f"{path}: no images — an empty input cannot be split")
    seen: set[str] = set()
    for image in dataset.images:
        if image.file_name in seen:
            raise GlovegoError(f"{path}: image {image.id}: file_name {image.file_name} is used by two images")
        seen.add(image.file_name)
    missing = [img.file_name for img in dataset.images
               if not image_file(root_dir, img.file_name, where=f"{path}: image {img.id}").is_file()]
    for img in dataset.images:
        if img.depth_file:
            resolve_inside(root_dir, img.depth_file, what=f"{path}: image {img.id}: depth_file")
    if missing:
        raise GlovegoError(
            f"{root_dir / 'images'}: {len(missing)} image file(s) named in {path.name} not found "
            f"(first: {', '.join(missing[:3])})"
        )
    _check_image_files(root_dir, path, dataset)
    return RootInput(name, root_dir, path, dataset)


def _check_image_files(root_dir: Path, path: Path, dataset) -> None:
    """Every image header decodes to its JSON size: the package's own `validate` checks the same."""
    for image in dataset.images:
        problem = image_file_problem(root_dir, image.file_name, (image.width, image.height))
        if problem is not None:
            raise GlovegoError(f"{path}: image {image.id}: {problem}")


def offset_image_ids(root: RootInput, offset: int) -> None:
    """Shift a real root's image ids by `offset` (keeping `orig_id`), so they can sit beside synthetic
    ids, which cannot move (`camera_<n>` and `map_<n>` carry them)."""
    if offset < 0:
        raise GlovegoError(f"--real-id-offset must be ≥ 0; got {offset}")
    if offset == 0:
        return
    for image in root.dataset.images:
        image.orig_id = image.id if image.orig_id is None else image.orig_id
        image.id += offset
    for ann in root.dataset.annotations:
        ann.image_id += offset
    root.dataset.reindex()


def check_disjoint_ids(roots: list[RootInput]) -> None:
    """Image ids must not repeat between synth and real: the MANIFEST id lists and any joint
    training would confuse them."""
    if len(roots) < 2:
        return
    a, b = roots
    shared = sorted({img.id for img in a.dataset.images} & {img.id for img in b.dataset.images}, key=str)
    if shared:
        raise GlovegoError(
            f"{a.annotations} and {b.annotations} share {len(shared)} image id(s) "
            f"(first: {', '.join(str(i) for i in shared[:5])}); image ids must be unique across synth and real — "
            f"shift the real ids with --real-id-offset {_round_up(max(img.id for img in a.dataset.images))}"
        )


def _round_up(n: int) -> int:
    """A readable offset above `n`: the next power of ten (e.g. 8000 → 10000)."""
    step = 10
    while step <= n:
        step *= 10
    return step


def unify(roots: list[RootInput], layout: str = "glovego") -> list[Category]:
    """One category list for every file (union, hand last; the reference's 20 for `--layout
    reference`) and a v1 `info` recording this command and the magnitude convention to write."""
    datasets = [r.dataset for r in roots]
    categories = reference_package_categories(datasets) if layout == "reference" else union_categories(datasets)
    label = category_set_label(categories)
    for root in roots:
        ds = root.dataset
        remap_categories(ds, categories)
        if ds.foreign:
            segmentation = "rle" if any(isinstance(a.segmentation, dict) for a in ds.annotations) else "polygon"
            ds.info = make_info(command="split", description=f"{root.name} data", contact_source="mixed",
                                segmentation=segmentation)
        else:
            ds.info = copy.deepcopy(ds.info)
        ds.info["ehoi"]["categories"] = label
        ds.info["ehoi"]["magnitude"] = REFERENCE_MAGNITUDE if layout == "reference" else "image_diagonal"
        ds.info["ehoi"]["created_by"] = f"glovego {__version__} split"
    return categories
