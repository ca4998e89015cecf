"""What holds for the whole export before any frame is converted: labelers, categories, glove rule
and keypoint templates (solo.md §6.3–6.6). Built once in the main process, shared with workers."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from glovego_data.ehoi_coco import Category, build_categories, reference_categories
from glovego_data.ehoi_coco.constants import REFERENCE_CATEGORIES
from glovego_data.solo.errors import DatasetError, FrameError
from glovego_data.solo.keypoints import TemplateMap, map_template, undefined_template_error
from glovego_data.solo.mapping import Mapping, has_glove_token, is_hand_label
from glovego_data.solo.reader import FrameRef, SoloFolder, read_frame
from glovego_data.solo.report import Tally
from glovego_data.solo.schema import (
    BOUNDING_BOX_2D,
    DEPTH,
    INSTANCE_SEGMENTATION,
    KEYPOINT,
    BoundingBox2D,
    InstanceSegmentation,
    KeypointTemplate,
)

LABELER_TYPES = {"bbox": BOUNDING_BOX_2D, "instance": INSTANCE_SEGMENTATION, "keypoints": KEYPOINT, "depth": DEPTH}


@dataclass
class FolderPlan:
    name: str
    labelers: dict[str, str | None]  # annotation type → chosen labeler id (None: the first in each capture)
    label_names: dict[int, str]  # labelId → name of the chosen box / instance labelers


@dataclass
class ConversionPlan:
    root: Path
    stage: Path
    mapping: Mapping
    mask_format: str
    folders: dict[str, FolderPlan]
    categories: list[Category]
    category_set: str  # "reference-20" | "custom"
    category_ids: dict[str, int]  # lower-cased category name → id
    glove_by_label: bool
    templates: dict[str, KeypointTemplate]
    strict: bool = False  # a box validate would refuse fails its frame instead of being dropped
    _template_maps: dict[str, TemplateMap] = field(default_factory=dict, repr=False)

    @property
    def hand_id(self) -> int:
        return self.categories[-1].id

    def category_of(self, label: str) -> int | None:
        name = self.mapping.rename.get(label, label)
        return self.category_ids.get(name.lower())

    def template_map(self, template_id: str) -> TemplateMap:
        """The 21-slot map of a hand template; raises the §6.6 dataset errors."""
        wanted = self.mapping.keypoint_template or template_id
        if wanted not in self._template_maps:
            template = self.templates.get(wanted)
            if template is None:
                for candidate in self.templates.values():
                    if candidate.name == wanted:
                        template = candidate
            if template is None:
                if not self.mapping.keypoint_names:
                    raise undefined_template_error(wanted)
                template = KeypointTemplate(wanted, wanted, list(self.mapping.keypoint_names))
            self._template_maps[wanted] = map_template(template, self.mapping.keypoint_aliases)
        return self._template_maps[wanted]


def _choose_labelers(folder: SoloFolder, mapping: Mapping) -> dict[str, str | None]:
    chosen: dict[str, str | None] = {}
    for kind, type_ in LABELER_TYPES.items():
        ids = [a.id for a in folder.definitions.annotations if a.type == type_]
        wanted = mapping.labelers.get(kind, "")
        if wanted and ids and wanted not in ids:
            raise DatasetError(
                f"mapping {mapping.source}: labelers.{kind}: no {type_} labeler '{wanted}' in {folder.name} "
                f"(found: {', '.join(ids)})"
            )
        chosen[type_] = wanted or (ids[0] if ids else None)
    return chosen


def _labels_from_frames(refs: list[FrameRef], labelers: dict[str, str | None]) -> tuple[set[str], dict[int, str]]:
    """Label names seen in the frames of a folder without annotation definitions (a pre-scan)."""
    names: set[str] = set()
    by_id: dict[int, str] = {}
    for ref in refs:
        try:
            frame = read_frame(ref)
        except FrameError:
            continue  # reported when the frame itself is converted
        for capture in frame.rgb_captures:
            for ann in capture.annotations:
                if not isinstance(ann, (BoundingBox2D, InstanceSegmentation)):
                    continue
                wanted = labelers.get(ann.type)
                if wanted is not None and ann.id != wanted:
                    continue
                for v in ann.values if isinstance(ann, BoundingBox2D) else ann.instances:
                    if v.label_name is not None:
                        names.add(v.label_name)
                        if v.label_id is not None:
                            by_id.setdefault(v.label_id, v.label_name)
    return names, by_id


def _category_list(object_labels: list[str], mapping: Mapping) -> tuple[list[Category], str]:
    renamed = sorted({mapping.rename.get(n, n) for n in object_labels}, key=lambda n: (n.lower(), n))
    reference_lower = {n.lower() for n in REFERENCE_CATEGORIES[:-1]}
    chosen = mapping.category_set
    if isinstance(chosen, list):
        return build_categories([n for n in chosen if n.lower() != "hand"]), "custom"
    if chosen == "reference" or (chosen == "auto" and all(n.lower() in reference_lower for n in renamed)):
        return reference_categories(), "reference-20"
    unique: dict[str, str] = {}
    for name in renamed:
        unique.setdefault(name.lower(), name)
    return build_categories([n for n in unique.values() if n.lower() != "hand"]), "custom"


def build_plan(
    root: Path, stage: Path, folders: list[SoloFolder], refs: list[FrameRef], mapping: Mapping, mask_format: str, tally: Tally,
    *, strict: bool = False,
) -> ConversionPlan:
    folder_plans: dict[str, FolderPlan] = {}
    labels: set[str] = set()
    templates: dict[str, KeypointTemplate] = {}
    for folder in folders:
        defs = folder.definitions
        labelers = _choose_labelers(folder, mapping)
        missing = [n for n in ("annotation_definitions.json", "sensor_definitions.json", "metadata.json") if n not in defs.present]
        if missing:
            tally.add("definition files missing (categories taken from the frames)" if "annotation_definitions.json" in missing
                      else "definition files missing", f"{folder.name}: {', '.join(missing)}")
        if "annotation_definitions.json" in defs.present:
            by_id: dict[int, str] = {}
            for ann in defs.annotations:
                if ann.type in (BOUNDING_BOX_2D, INSTANCE_SEGMENTATION) and ann.id == labelers[ann.type]:
                    for spec in ann.spec:
                        labels.add(spec.label_name)
                        if spec.label_id is not None:
                            by_id.setdefault(spec.label_id, spec.label_name)
                if ann.template is not None:
                    templates.setdefault(ann.template.template_id, ann.template)
        else:
            names, by_id = _labels_from_frames([r for r in refs if r.folder_path == folder.path], labelers)
            labels |= names
        folder_plans[folder.name] = FolderPlan(folder.name, labelers, by_id)
    hand_labels = sorted(n for n in labels if is_hand_label(n, mapping))
    object_labels = sorted(n for n in labels if not is_hand_label(n, mapping))
    categories, category_set = _category_list(object_labels, mapping)
    plan = ConversionPlan(
        root=root,
        stage=stage,
        mapping=mapping,
        mask_format=mask_format,
        folders=folder_plans,
        categories=categories,
        category_set=category_set,
        category_ids={c.name.lower(): c.id for c in categories if c.name != "hand"},
        glove_by_label=any(has_glove_token(n) for n in hand_labels),
        templates=templates,
        strict=strict,
    )
    if mapping.keypoint_template:
        plan.template_map(mapping.keypoint_template)  # a named template fails before any frame is read
    return plan
