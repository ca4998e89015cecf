"""Counts of a GlovEgo-HOI package: the GlovEgo-HOI README table (#images, #hands, #EHOIs,
% gloved hands) per split and in total, plus per-category and per-attribute counts."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from glovego_data.ehoi_coco import EhoiDataset, load_dataset
from glovego_data.errors import GlovegoError
from glovego_data.split.options import SPLITS

ROOTS: tuple[str, ...] = ("synth", "real")
ATTRIBUTES: dict[str, dict[int, str]] = {
    "gloves": {1: "gloved", 0: "bare", -1: "unknown"},
    "contact_state": {1: "contact", 0: "no contact", -1: "unknown"},
    "hand_side": {0: "left", 1: "right", -1: "unknown"},
}


def _percent(part: int, whole: int) -> float:
    return round(100.0 * part / whole, 2) if whole else 0.0


def dataset_counts(dataset: EhoiDataset) -> dict[str, Any]:
    """One file's numbers. An EHOI is a hand in contact whose `id_obj` resolves to an object.

    Nothing is dropped silently: annotations on an image id the file does not list are counted
    apart (`annotations_without_image`), not as hands or objects, and an attribute value outside
    its labels (a string, 2, null) is counted as `invalid`."""
    image_ids = {img.id for img in dataset.images}
    placed = [ann for ann in dataset.annotations if ann.image_id in image_ids]
    hand_id = dataset.hand_category_id
    hands = [ann for ann in placed if ann.category_id == hand_id]
    gloved = sum(1 for h in hands if _label_value(h.gloves) == 1)
    ehois = sum(1 for h in hands if _label_value(h.contact_state) == 1 and dataset.active_object(h) is not None)
    per_category = Counter(ann.category_id for ann in placed)
    return {
        "images": len(dataset.images),
        "hands": len(hands),
        "ehois": ehois,
        "gloved_hands": gloved,
        "gloved_percent": _percent(gloved, len(hands)),
        "objects": len(placed) - len(hands),
        "annotations_without_image": len(dataset.annotations) - len(placed),
        "categories": {c.name: per_category.get(c.id, 0) for c in sorted(dataset.categories, key=lambda c: c.id)},
        "attributes": {key: _attribute_counts(hands, key, labels) for key, labels in ATTRIBUTES.items()},
    }


def _label_value(value: Any) -> int | None:
    """The tri-state value as an int, or None when it is not one (bools and strings are not)."""
    return value if type(value) is int else None


def _attribute_counts(hands: list[Any], key: str, labels: dict[int, str]) -> dict[str, int]:
    counts = {label: 0 for label in labels.values()}
    counts["invalid"] = 0
    for hand in hands:
        counts[labels.get(_label_value(getattr(hand, key)), "invalid")] += 1
    return counts


def _add(total: dict[str, Any], part: dict[str, Any]) -> None:
    for key in ("images", "hands", "ehois", "gloved_hands", "objects", "annotations_without_image"):
        total[key] = total.get(key, 0) + part[key]
    for group in ("categories",):
        bucket = total.setdefault(group, {})
        for name, n in part[group].items():
            bucket[name] = bucket.get(name, 0) + n
    attrs = total.setdefault("attributes", {})
    for key, counts in part["attributes"].items():
        bucket = attrs.setdefault(key, {})
        for label, n in counts.items():
            bucket[label] = bucket.get(label, 0) + n
    total["gloved_percent"] = _percent(total["gloved_hands"], total["hands"])


def _is_subset(name: str) -> bool:
    return name.startswith("train_") and name[6:].isdigit()


def _split_names(annotations: Path) -> list[str]:
    names = [p.stem for p in annotations.glob("*.json") if not p.stem.endswith("_hands")]
    subsets = sorted((n for n in names if _is_subset(n)), key=lambda n: int(n[6:]))
    return [s for s in SPLITS if s in names] + subsets + sorted(set(names) - set(SPLITS) - set(subsets))


def package_stats(package: str | Path) -> dict[str, Any]:
    """`{"roots": {root: {"splits": {split: counts}, "total": counts}}, "total": counts}`; a root's
    total sums train, val and test (the subsets are inside train), or, in a root without them, every
    split file (e.g. `all.json`)."""
    package = Path(package)
    roots = [r for r in ROOTS if (package / r / "annotations").is_dir()]
    if not roots or not any(_split_names(package / r / "annotations") for r in roots):
        raise GlovegoError(f"{package}: not a GlovEgo-HOI package (no synth/annotations or real/annotations)")
    out: dict[str, Any] = {"package": package.name, "roots": {}, "total": {}}
    for root in roots:
        splits = {name: dataset_counts(load_dataset(package / root / "annotations" / f"{name}.json"))
                  for name in _split_names(package / root / "annotations")}
        total: dict[str, Any] = {}
        parts = [n for n in SPLITS if n in splits] or [n for n in splits if not _is_subset(n)]
        for name in parts:
            _add(total, splits[name])
        out["roots"][root] = {"splits": splits, "total": total}
        _add(out["total"], total)
    return out


def readme_rows(stats: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(root, split, counts) rows of the README table: every split of every root, each root's total,
    then the package total."""
    rows: list[tuple[str, str, dict[str, Any]]] = []
    for root, data in stats["roots"].items():
        rows.extend((root, split, counts) for split, counts in data["splits"].items())
        rows.append((root, "total", data["total"]))
    rows.append(("all", "total", stats["total"]))
    return rows
