"""Oracle tests of the error analysis on constructed predictions: each kind alone, two together,
perfect predictions; the fixes are scored by the evaluator itself, so the gaps must close exactly."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from plain_ehoi import iou
from random_ehoi import random_case

from glovego_data.drawing import annotation_records
from glovego_data.ehoi_coco import dataset_from_dict
from glovego_model.evaluation import EHOI_METRICS, evaluate_detailed
from glovego_model.evaluation.errors import BOX_KINDS, EHOI_KINDS, box_errors, ehoi_errors
from glovego_model.evaluation.errors.box import detection_kind_names

HAND = 3


@pytest.fixture(scope="module")
def gt():
    raw = random_case(np.random.default_rng(11), 14, n_classes=3)[0]
    for ann in raw["annotations"]:
        if "hand_side" in ann:
            ann["hand_side"] = 1 if ann["hand_side"] == -1 else ann["hand_side"]
            ann["gloves"] = 0 if ann["gloves"] == -1 else ann["gloves"]
            ann["contact_state"] = 0 if ann["contact_state"] == -1 else ann["contact_state"]
    return dataset_from_dict(raw, source="gt.json")


@pytest.fixture()
def perfect(gt):
    """The GT as predictions, every score distinct."""
    records = []
    for image in gt.images:
        for record in annotation_records(gt, image.id):
            record.pop("segmentation", None)
            record["score"] = 1.0 - 1e-3 * len(records)
            if record.get("bbox_obj"):
                record["score_obj"] = record["score"]
            records.append(record)
    return records


def others_overlap(gt, record, box) -> float:
    """The largest IoU of `box` with the GT boxes of `record`'s image other than the one `record`
    copies (a perfect prediction's box is its GT's)."""
    return max([iou(a.bbox, box) for a in gt.annotations
                if a.image_id == record["image_id"] and list(a.bbox) != list(record["bbox"])], default=0.0)


def analyse(gt, records):
    evaluation = evaluate_detailed(gt, records, coco=False)
    table, preds = evaluation.ground_truth, evaluation.predictions
    return evaluation.metrics["ehoi"], box_errors(table, preds), ehoi_errors(table, preds)


def box_counts(box) -> dict[str, int]:
    counts = {k: int(np.count_nonzero(box.kind_of(k))) for k in detection_kind_names()}
    counts["missed"] = int(np.count_nonzero(box.gt_missed))
    return counts


def hands(records, **where):
    return [r for r in records if r["category_id"] == HAND and all(r.get(k) == v for k, v in where.items())]


def linked(records):
    return [r for r in hands(records, contact_state=1) if r.get("bbox_obj")]


def test_perfect_predictions_have_no_error_and_every_dap_is_zero(gt, perfect):
    metrics, box, ehoi = analyse(gt, perfect)
    assert all(metrics[m] == pytest.approx(100.0) for m in EHOI_METRICS)
    assert set(box_counts(box).values()) == {0}
    for kind in (*BOX_KINDS, "false positives", "false negatives"):
        assert box.fixed_ap[kind] == box.base_ap
    assert not any(mask.any() for mask in ehoi.kinds.values())
    for fixed in ehoi.fixed.values():
        assert fixed == ehoi.base


def test_the_box_analysis_scores_as_the_evaluator(gt):
    raw, records = random_case(np.random.default_rng(4), 30, n_classes=3)
    data = dataset_from_dict(raw)
    metrics, box, _ = analyse(data, records)
    assert box.base_ap[HAND] * 100 == metrics["AP Hand"]
    assert np.mean([box.base_ap[c] for c in (0, 1, 2)]) * 100 == pytest.approx(metrics["mAP Objects"], abs=1e-12)
    counts = box_counts(box)
    assert all(counts[k] > 0 for k in BOX_KINDS)


def test_only_side_errors_fixing_side_raises_side_ap_to_hand_ap(gt, perfect):
    for record in hands(perfect)[::3]:
        record["hand_side"] = 1 - record["hand_side"]
    metrics, box, ehoi = analyse(gt, perfect)
    assert metrics["AP Hand + Side"] < metrics["AP Hand"] == pytest.approx(100.0)
    assert int(ehoi.kinds["side"].sum()) == len(hands(perfect)[::3])
    assert [k for k in EHOI_KINDS if ehoi.kinds[k].any()] == ["side"]
    assert ehoi.fixed["side"]["AP Hand + Side"] == ehoi.base["AP Hand"]
    assert set(box_counts(box).values()) == {0}


def test_side_errors_with_missed_hands_two_kinds_each_fixed_alone(gt, perfect):
    """Missed hands lower AP Hand; the side fix still lifts AP Hand + Side to exactly AP Hand, and
    the missed fix (TIDE: the GT removed) lifts AP Hand to 100."""
    all_hands = hands(perfect)
    for record in all_hands[1::3]:
        record["hand_side"] = 1 - record["hand_side"]
    dropped = all_hands[::4]
    records = [r for r in perfect if all(r is not d for d in dropped)]
    metrics, box, ehoi = analyse(gt, records)
    assert metrics["AP Hand"] < 100
    assert box_counts(box) == {"loc": 0, "cls": 0, "dup": 0, "bkg": 0, "both": 0, "missed": len(dropped)}
    assert ehoi.fixed["side"]["AP Hand + Side"] == pytest.approx(metrics["AP Hand"], abs=1e-12)
    assert box.fixed_ap["missed"][HAND] == pytest.approx(1.0)
    assert box.fixed_ap["false negatives"][HAND] == pytest.approx(1.0)


def test_only_duplicates_the_duplicate_dap_closes_the_whole_gap(gt, perfect):
    twins = [dict(copy.deepcopy(r), score=r["score"] - 5e-4, bbox=[r["bbox"][0] + 1, *r["bbox"][1:]])
             for r in perfect[::2] if others_overlap(gt, r, r["bbox"]) < 0.5]
    assert len(twins) > 10
    metrics, box, _ = analyse(gt, perfect + twins)
    assert metrics["AP Hand"] < 100 or metrics["mAP Objects"] < 100
    counts = box_counts(box)
    assert counts == {"loc": 0, "cls": 0, "dup": len(twins), "bkg": 0, "both": 0, "missed": 0}
    assert all(v == pytest.approx(1.0) for v in box.fixed_ap["dup"].values())
    assert box.fixed_ap["false positives"] == box.fixed_ap["dup"]


def _objects(records):
    return [r for r in records if r["category_id"] != HAND]


@pytest.mark.parametrize("kind", ["cls", "loc", "bkg", "missed"])
def test_each_box_kind_alone_is_counted_and_its_fix_gives_100(gt, perfect, kind):
    target = _objects(perfect)[2]
    records = perfect
    if kind == "cls":
        target["category_id"] = (target["category_id"] + 1) % 3
    elif kind == "loc":
        x, y, w, h = target["bbox"]
        target["bbox"] = [x + 0.6 * w, y, w, h]  # IoU 0.25 with its GT
    elif kind == "bkg":
        records = perfect + [{"image_id": target["image_id"], "category_id": 0, "bbox": [0.5, 0.5, 1.0, 1.0],
                              "score": 0.999}]
    else:
        records = [r for r in perfect if r is not target]
    _, box, _ = analyse(gt, records)
    counts = box_counts(box)
    assert counts == {k: int(k == kind) for k in counts}
    assert all(v == pytest.approx(1.0) for v in box.fixed_ap[kind].values())


def test_wrong_class_and_loose_box_is_both_and_leaves_its_gt_missed(gt, perfect):
    """Overlap rule: a `both` error points at no GT (TIDE), so its GT is also `missed`."""
    def shifted(r):
        x, y, w, h = r["bbox"]
        return [x + 0.6 * w, y, w, h]

    target = next(r for r in _objects(perfect) if others_overlap(gt, r, shifted(r)) < 0.1)
    target["bbox"], target["category_id"] = shifted(target), (target["category_id"] + 1) % 3
    _, box, _ = analyse(gt, perfect)
    counts = box_counts(box)
    assert counts["both"] == 1 and counts["missed"] == 1 and sum(counts.values()) == 2
    assert box.fixed_ap["both"] != box.base_ap  # removing the false positive helps its class
    assert min(box.fixed_ap["missed"].values()) < 1.0  # the wrong-class detection still costs


def test_loose_box_on_a_gt_of_another_class_is_localisation_first():
    """Overlap rule: TIDE's order tests localisation before classification. The detection (class 0)
    has IoU 0.25 with the class-0 GT and 1.0 with the class-1 GT: `loc`, pointing at the class-0 GT."""
    raw = {"images": [{"id": 1, "file_name": "a.jpg", "width": 640, "height": 480}],
           "categories": [{"id": 0, "name": "pliers"}, {"id": 1, "name": "socket"}, {"id": 3, "name": "hand"}],
           "annotations": [{"id": 1, "image_id": 1, "category_id": 0, "bbox": [100, 100, 100, 100], "area": 1e4,
                            "iscrowd": 0},
                           {"id": 2, "image_id": 1, "category_id": 1, "bbox": [160, 100, 100, 100], "area": 1e4,
                            "iscrowd": 0}]}
    records = [{"image_id": 1, "category_id": 0, "bbox": [160, 100, 100, 100], "score": 0.9},
               {"image_id": 1, "category_id": 1, "bbox": [160, 100, 100, 100], "score": 0.8}]
    _, box, _ = analyse(dataset_from_dict(raw), records)
    assert box_counts(box) == {"loc": 1, "cls": 0, "dup": 0, "bkg": 0, "both": 0, "missed": 0}
    assert box.gt_boxes[box.det_target[box.kind_of("loc")][0]].tolist() == [100, 100, 100, 100]
    assert box.fixed_ap["loc"] == {0: pytest.approx(1.0), 1: pytest.approx(1.0)}


def _fixed_own(ehoi, kind, metric):
    return ehoi.fixed[kind][metric]


@pytest.mark.parametrize("kind, metric", [
    ("contact", "AP Hand + State"), ("glove", "AP Hand + Glove"), ("no_object", "mAP Hand + Target Objects"),
    ("wrong_object", "mAP Hand + Target Objects"), ("object_box", "mAP Hand + Target Objects"),
    ("object_class", "mAP Hand + Target Objects"),
])
def test_each_ehoi_kind_alone_is_counted_and_its_fix_gives_100(gt, perfect, kind, metric):
    if kind == "contact":
        changed = hands(perfect, contact_state=0)[:3]
        for r in changed:
            r["contact_state"] = 1
    elif kind == "glove":
        changed = hands(perfect)[:4]
        for r in changed:
            r["gloves"] = 1 - r["gloves"]
    else:
        changed = linked(perfect)[:3]
        for r in changed:
            x, y, w, h = r["bbox_obj"]
            if kind == "no_object":
                r["bbox_obj"], r["category_id_obj"] = [], -1
                del r["score_obj"]
            elif kind == "wrong_object":
                r["bbox_obj"] = [0.5, 0.5, 1.0, 1.0]
            elif kind == "object_box":
                r["bbox_obj"] = [x + 0.6 * w, y, w, h]
            else:
                r["category_id_obj"] = (r["category_id_obj"] + 1) % 3
    assert changed
    metrics, box, ehoi = analyse(gt, perfect)
    assert metrics[metric] < 100
    assert {k: int(v.sum()) for k, v in ehoi.kinds.items()} == {k: len(changed) * (k == kind) for k in EHOI_KINDS}
    assert _fixed_own(ehoi, kind, metric) == pytest.approx(100.0)
    assert ehoi.fixed[kind]["mAP Hand + ALL"] == pytest.approx(100.0)
    assert set(box_counts(box).values()) == {0}


def test_side_and_glove_on_the_same_hands_count_in_both_and_each_fix_only_its_own(gt, perfect):
    changed = hands(perfect)[::2]
    for r in changed:
        r["hand_side"], r["gloves"] = 1 - r["hand_side"], 1 - r["gloves"]
    _, _, ehoi = analyse(gt, perfect)
    assert int(ehoi.kinds["side"].sum()) == int(ehoi.kinds["glove"].sum()) == len(changed)
    assert ehoi.fixed["side"]["AP Hand + Side"] == pytest.approx(100.0)
    assert ehoi.fixed["side"]["AP Hand + Glove"] == ehoi.base["AP Hand + Glove"] < 100
    assert ehoi.fixed["glove"]["AP Hand + Glove"] == pytest.approx(100.0)
    assert ehoi.fixed["all EHOI kinds"]["AP Hand + Side"] == pytest.approx(100.0)
    assert ehoi.fixed["all EHOI kinds"]["AP Hand + Glove"] == pytest.approx(100.0)


def test_contact_missed_with_its_object_needs_both_fixes(gt, perfect):
    """Overlap rule: a hand in contact predicted 'no contact' (so linking nothing) counts as wrong
    contact and as no object linked; the headline needs both fixes."""
    changed = linked(perfect)[:3]
    for r in changed:
        r["contact_state"], r["bbox_obj"], r["category_id_obj"] = 0, [], -1
        del r["score_obj"]
    _, _, ehoi = analyse(gt, perfect)
    assert int(ehoi.kinds["contact"].sum()) == int(ehoi.kinds["no_object"].sum()) == len(changed)
    assert ehoi.fixed["contact"]["mAP Hand + ALL"] < 100
    assert ehoi.fixed["no_object"]["mAP Hand + ALL"] < 100
    assert ehoi.fixed["all EHOI kinds"]["mAP Hand + ALL"] == pytest.approx(100.0)
