"""Turning journal results into updated EHOI-COCO labels (spec §2, §6, §8, §11).

Only hands whose own pixels really changed become `gloves = 1`; boxes, sides, contacts and
keypoints are untouched. `--mode add` appends each accepted edit as a new image with new ids.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from glovego_data import __version__
from glovego_data.augment.backends import get_backend
from glovego_data.augment.mediapipe_hands import landmark_api
from glovego_data.augment.provenance import glove_augmentation_info
from glovego_data.ehoi_coco import EhoiDataset, make_info
from glovego_data.ehoi_coco.info import is_v1

COMMAND = "augment-gloves"


@dataclass(frozen=True)
class NewIds:
    """`--mode add`: ids of the copies, the same in every split file of the root."""

    images: dict[str, int]  # accepted file_name → new image id
    annotations: dict[int, int]  # old annotation id → id of its copy


def plan_new_ids(splits: dict[str, EhoiDataset], accepted: list[str]) -> NewIds:
    anns: dict[int, tuple[str, int]] = {}
    max_image = 0
    max_ann = 0
    for dataset in splits.values():
        by_name = {img.file_name: img for img in dataset.images}
        max_image = max([max_image] + [i.id for i in dataset.images if isinstance(i.id, int)] + [len(dataset.images)])
        max_ann = max([max_ann] + [a.id for a in dataset.annotations])
        for name in accepted:
            img = by_name.get(name)
            if img is None:
                continue
            for ann in dataset.annotations:
                if ann.image_id == img.id:
                    anns[ann.id] = (name, ann.id)
    new_images = {name: max_image + i for i, name in enumerate(sorted(accepted), start=1)}
    order = sorted(anns.values())
    new_anns = {old: max_ann + i for i, (_, old) in enumerate(order, start=1)}
    return NewIds(new_images, new_anns)


def _info(dataset: EhoiDataset, glove_info: dict[str, Any], pseudo: str | None) -> dict[str, Any]:
    info = copy.deepcopy(dataset.info) if is_v1(dataset.info) else make_info(
        command=COMMAND, description=str(dataset.info.get("description", "")) if dataset.info else ""
    )
    ehoi = info["ehoi"]
    ehoi["glove_augmentation"] = glove_info
    if pseudo:
        ehoi["pseudo_keypoints"] = pseudo
    ehoi["created_by"] = f"glovego {__version__} {COMMAND}"
    return info


def _set_pseudo(ann: Any, record: dict[str, Any]) -> None:
    kps = record.get("pseudo_keypoints", {}).get(str(ann.id))
    if kps and ann.count_keypoints() == 0:
        ann.keypoints = list(kps)
        ann.num_keypoints = sum(1 for v in kps[2::3] if v > 0)
        ann.keypoints_source = "mediapipe"


def apply_results(
    dataset: EhoiDataset,
    results: dict[str, dict[str, Any]],
    options: Any,
    new_ids: NewIds | None = None,
    unselected_keypoints: dict[str, dict[str, list[float]]] | None = None,
) -> EhoiDataset:
    """Update a (copied) split in place from the per-image journal records and return it.

    `unselected_keypoints`: pseudo-keypoints of images that were not edited (file_name → by hand id).
    """
    model = get_backend(options.backend).uses_model
    glove_info = glove_augmentation_info(
        backend=options.backend,
        model=options.model if model else None,
        prompt=options.prompt if model else None,
        threshold=options.ssim, ssim_on=options.ssim_on, fraction=options.fraction, seed=options.seed,
        mode=options.mode,
        glove_color=None if model else list(_color(options.glove_color)),
    )
    pseudo = landmark_api(getattr(options, "hand_model", None)).name if options.pseudo_keypoints else None
    dataset.info = _info(dataset, glove_info, pseudo)
    by_image = dataset.annotations_by_image()
    new_images, new_anns = [], []
    for img in list(dataset.images):
        record = results.get(img.file_name)
        if record is None:
            kps = (unselected_keypoints or {}).get(img.file_name)
            for ann in by_image.get(img.id, []) if kps else []:
                if dataset.is_hand(ann):
                    _set_pseudo(ann, {"pseudo_keypoints": kps})
            continue
        anns = sorted(by_image.get(img.id, []), key=lambda a: a.id)
        for ann in anns:
            if dataset.is_hand(ann):
                _set_pseudo(ann, record)
        img.glove_edit = copy.deepcopy(record["glove_edit"])
        if record["output"] is None:
            continue
        gloved = {h["id"] for h in record["glove_edit"]["hands"] if h.get("gloved")}
        if options.mode == "replace":
            img.file_name = record["output"]
            for ann in anns:
                if ann.id in gloved:
                    ann.gloves = 1
            continue
        assert new_ids is not None
        twin = copy.deepcopy(img)
        twin.id = new_ids.images[img.file_name]
        twin.file_name = record["output"]
        twin.orig_id = None
        new_images.append(twin)
        for ann in anns:
            copy_ann = copy.deepcopy(ann)
            copy_ann.id = new_ids.annotations[ann.id]
            copy_ann.image_id = twin.id
            if copy_ann.id_obj is not None and copy_ann.id_obj >= 0:
                copy_ann.id_obj = new_ids.annotations.get(copy_ann.id_obj, -1)
                if copy_ann.id_obj == -1:
                    copy_ann.clear_active_object()
            if ann.id in gloved:
                copy_ann.gloves = 1
            new_anns.append(copy_ann)
    dataset.images.extend(new_images)
    dataset.annotations.extend(new_anns)
    dataset.reindex()
    return dataset


def _color(name: str) -> tuple[int, int, int]:
    from glovego_data.augment.classical import parse_glove_color

    return parse_glove_color(name)
