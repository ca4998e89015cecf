"""One category list for the whole package: synth and real files must agree on every id."""

from __future__ import annotations

from glovego_data.ehoi_coco import REFERENCE_CATEGORIES, Category, EhoiDataset, build_categories


def union_categories(datasets: list[EhoiDataset]) -> list[Category]:
    """Object names in first-seen order (the first dataset's id order, then new names of the next),
    `hand` last — deterministic, and the reference 20-class ids survive when the first input uses them."""
    names: list[str] = []
    for dataset in datasets:
        hand = dataset.hand_category
        for cat in sorted(dataset.categories, key=lambda c: c.id):
            if cat is not hand and cat.name not in names:
                names.append(cat.name)
    return build_categories(names)


def remap_categories(dataset: EhoiDataset, categories: list[Category]) -> None:
    """Rewrite `category_id` / `category_id_obj` to `categories` (matched by name, hand by role)."""
    new_id = {c.name: c.id for c in categories}
    hand_new = categories[-1].id
    hand_old = dataset.hand_category_id
    mapping = {c.id: (hand_new if c.id == hand_old else new_id[c.name]) for c in dataset.categories}
    if any(old != new for old, new in mapping.items()) or len(dataset.categories) != len(categories):
        for ann in dataset.annotations:
            ann.category_id = mapping[ann.category_id]
            if ann.category_id_obj is not None and ann.category_id_obj >= 0:
                ann.category_id_obj = mapping.get(ann.category_id_obj, ann.category_id_obj)
    dataset.categories = [Category(c.id, c.name, c.supercategory, dict(c.extra)) for c in categories]
    dataset.reindex()


def category_set_label(categories: list[Category]) -> str:
    """`info.ehoi.categories`: "reference-20" when the list is exactly the reference's."""
    return "reference-20" if tuple(c.name for c in categories) == REFERENCE_CATEGORIES else "custom"
