"""Writing a GlovEgo-HOI package: `synth/` and `real/` dataset roots plus MANIFEST.json, built in
`<package>.tmp/` and renamed, so a failure never leaves a half-written package."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, Callable, ContextManager

from glovego_data import __version__
from glovego_data.atomic import link_or_copy, staging_dir
from glovego_data.ehoi_coco import Category, save_dataset
from glovego_data.errors import GlovegoError
from glovego_data.paths import image_file, resolve_inside
from glovego_data.split.groups import GROUP_RULE_TEXT
from glovego_data.hashing import sha256_file
from glovego_data.split.manifest import PACKAGE_FORMAT, PACKAGE_VERSION, file_entries, write_manifest
from glovego_data.split.options import SPLITS, SplitOptions
from glovego_data.split.plan import RootInput, RootPlan, split_summary
from glovego_data.split.reference import keypoint_note
from glovego_data.progress import Progress, no_progress
from glovego_data.split.subsets import STRATIFY_TOLERANCE


@dataclass
class PackageResult:
    manifest: dict[str, Any]
    linked: int  # files hard-linked
    copied: int  # files copied (another file system)


def _root_files(root: RootInput) -> list[tuple[Path, str]]:
    """(source path, root-relative destination) of every image and depth file of a root."""
    files: list[tuple[Path, str]] = []
    src = root.source_dir
    for image in root.dataset.images:
        where = f"{root.annotations}: image {image.id}"
        files.append((image_file(src, image.file_name, where=where), f"images/{image.file_name}"))
        if image.depth_file and resolve_inside(src, image.depth_file, what=f"{where}: depth_file").is_file():
            files.append((src / image.depth_file, image.depth_file))
        map8 = f"depth_maps/map_{image.id}.png"
        if (src / map8).is_file():
            files.append((src / map8, map8))
    return files


def _keep_record(options: SplitOptions) -> dict[str, Any]:
    return {
        split: {
            "images": len(names),
            "names_sha256": hashlib.sha256("\n".join(sorted(names)).encode("utf-8")).hexdigest(),
        }
        for split, names in sorted(options.keep.items())
    }


def _manifest(
    roots: list[RootInput], plans: dict[str, RootPlan], options: SplitOptions, categories: list[Category]
) -> dict[str, Any]:
    return {
        "format": PACKAGE_FORMAT,
        "version": PACKAGE_VERSION,
        "created_by": f"glovego {__version__} split",
        "seed": options.seed,
        "ratios": {s: r for s, r in zip(SPLITS, options.ratios)},
        "percents": list(options.percents),
        "group_by": options.group_by,
        "split_rule": GROUP_RULE_TEXT[options.group_by],
        "stratify_tolerance": STRATIFY_TOLERANCE,
        "keep_split": _keep_record(options),
        "layout": options.layout,
        "category_renames": dict(sorted(options.renames.items())),
        "categories": [{"id": c.id, "name": c.name} for c in categories],
        "roots": {root.name: _root_record(root, plans[root.name], options) for root in roots},
    }


def _root_record(root: RootInput, plan: RootPlan, options: SplitOptions) -> dict[str, Any]:
    splits = {split: split_summary(plan, split, root.dataset) for split in options.split_names}
    notes = list(plan.notes)
    if options.layout == "reference":
        notes += [keypoint_note(root.name, split, rec["images_without_visible_keypoints"], rec["images"])
                  for split, rec in splits.items() if rec["images_without_visible_keypoints"]]
    return {
        "source": {"annotations": root.annotations.name, "sha256": sha256_file(root.annotations)},
        "group_rules": plan.rules,
        "notes": notes,
        "splits": splits,
    }


def write_package(
    out: Path,
    roots: list[RootInput],
    plans: dict[str, RootPlan],
    options: SplitOptions,
    categories: list[Category],
    *,
    overwrite: bool = False,
    progress: Progress = no_progress,
    open_stage: Callable[..., ContextManager[Path]] | None = None,
) -> PackageResult:
    """Link the files, write every split (+ `_hands.json`) through the format library, hash, and
    write MANIFEST.json — all inside the staging folder (`open_stage`: the command's output plan's)."""
    if open_stage is None:
        if out.exists() and not overwrite:
            raise GlovegoError(f"{out}: already exists (pass --overwrite to replace it)")
        open_stage = partial(staging_dir, out, replace=overwrite, command="split")
    linked = copied = 0
    with open_stage() as stage:
        for root in roots:
            files = _root_files(root)
            advance = progress(f"linking {root.name} files", len(files))
            for src, rel in files:
                if link_or_copy(src, stage / root.name / rel):
                    linked += 1
                else:
                    copied += 1
                advance(1)
            plan = plans[root.name]
            advance = progress(f"writing {root.name} annotations", len(options.split_names))
            for split in options.split_names:
                subset = root.dataset.subset(plan.image_ids(split))
                save_dataset(subset, stage / root.name / "annotations" / f"{split}.json")
                advance(1)
        manifest = _manifest(roots, plans, options, categories)
        total = sum(1 for p in stage.rglob("*") if p.is_file())
        manifest["files"] = file_entries(stage, progress("hashing files", total))
        write_manifest(stage, manifest)
    return PackageResult(manifest, linked, copied)

