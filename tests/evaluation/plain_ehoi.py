"""A plain, per-detection implementation of ehoi-metrics.md §3–§5, written straight from the
spec's pseudo-code: the oracle the vectorised evaluator is compared with (tests and benchmark)."""

from __future__ import annotations

from typing import Any, Callable

EPS = 2.220446049250313e-16  # np.spacing(1)


def iou(a, b) -> float:
    iw = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    ih = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    if iw <= 0 or ih <= 0:
        return 0.0
    return iw * ih / (a[2] * a[3] + b[2] * b[3] - iw * ih)


def ap50(G: list[dict], D: list[dict], cats, image_order: list, gate: Callable = lambda g, d: True,
         keep_gt: Callable = lambda g: True) -> float | None:
    """G, D: dicts with image, cat, bbox (+ score for D), in file order. Returns AP in [0, 1] or None."""
    aps = []
    for c in cats:
        Gc = [g for g in G if g["cat"] == c and keep_gt(g)]
        Dc = [d for d in D if d["cat"] == c]
        npos = len(Gc)
        gt_by_image: dict = {}
        det_by_image: dict = {}
        for g in Gc:
            gt_by_image.setdefault(g["image"], []).append(g)  # file order kept
        for d in Dc:
            det_by_image.setdefault(d["image"], []).append(d)
        marks = []
        for m in image_order:
            gts = gt_by_image.get(m, [])
            dets = sorted(det_by_image.get(m, []), key=lambda d: -d["score"])[:100]
            used = [False] * len(gts)
            for d in dets:
                best, j = 0.5, None
                for k, g in enumerate(gts):
                    if not used[k]:
                        v = iou(d["bbox"], g["bbox"])
                        if v >= best:
                            best, j = v, k
                tp = j is not None and gate(gts[j], d)
                if tp:
                    used[j] = True
                marks.append((d["score"], tp))
        if npos == 0:
            continue
        marks.sort(key=lambda t: -t[0])
        tp_cum = fp_cum = 0
        rc, pr = [], []
        for _, tp in marks:
            tp_cum += tp
            fp_cum += not tp
            rc.append(tp_cum / npos)
            pr.append(tp_cum / (tp_cum + fp_cum + EPS))
        for i in range(len(pr) - 2, -1, -1):
            pr[i] = max(pr[i], pr[i + 1])
        samples = []
        for step in range(101):
            r = step * 0.01  # pycocotools' np.linspace grid: 0.7 is 0.7000000000000001 there too
            value = 0.0
            for i, rec in enumerate(rc):
                if rec >= r:
                    value = pr[i]
                    break
            samples.append(value)
        aps.append(sum(samples) / 101)
    return sum(aps) / len(aps) if aps else None


def plain_ehoi(gt, records: list[dict[str, Any]]) -> dict[str, float | None]:
    """All ten EHOI metrics ×100 (None = undefined) of §4, from an EhoiDataset and prediction records."""
    hand_id = gt.hand_category_id
    objects = [c.id for c in gt.categories if c.id != hand_id]
    try:
        image_order = sorted(img.id for img in gt.images)
    except TypeError:
        image_order = sorted((img.id for img in gt.images), key=lambda v: (isinstance(v, str), str(v)))
    by_id = {a.id: a for a in gt.annotations}

    gt_hands, gt_objects = [], []
    for a in gt.annotations:
        if a.category_id == hand_id:
            obj = by_id.get(a.id_obj) if a.contact_state == 1 else None
            ok = obj is not None and obj.image_id == a.image_id and obj.category_id != hand_id
            gt_hands.append({"image": a.image_id, "cat": hand_id, "bbox": a.bbox, "side": a.hand_side,
                             "gloves": a.gloves, "contact": a.contact_state, "bbox_obj": list(a.bbox_obj or []),
                             "cat_obj": obj.category_id if ok else -1})
        else:
            gt_objects.append({"image": a.image_id, "cat": a.category_id, "bbox": a.bbox})
    preds = [{"image": r["image_id"], "cat": r["category_id"], "bbox": r["bbox"], "score": r["score"],
              "side": r.get("hand_side", -1), "gloves": r.get("gloves", -1), "contact": r.get("contact_state", -1),
              "bbox_obj": list(r.get("bbox_obj") or []), "cat_obj": r.get("category_id_obj", -1),
              "score_obj": r.get("score_obj")} for r in records]
    hand_preds = [p for p in preds if p["cat"] == hand_id]
    targets_gt = [{"image": g["image"], "cat": g["cat_obj"], "bbox": g["bbox_obj"]} for g in gt_hands
                  if g["cat_obj"] != -1]
    targets_dt = [{"image": p["image"], "cat": p["cat_obj"], "bbox": p["bbox_obj"], "score": p["score_obj"]}
                  for p in hand_preds if p["contact"] == 1 and p["bbox_obj"]]

    def side(g, d):
        return g["side"] == d["side"]

    def glove(g, d):
        return g["gloves"] == d["gloves"]

    def state(g, d):
        return g["contact"] == d["contact"]

    def obj(g, d, cls):
        if g["contact"] != 1:
            return True
        if len(g["bbox_obj"]) != len(d["bbox_obj"]):
            return False
        return len(g["bbox_obj"]) == 0 or (iou(g["bbox_obj"], d["bbox_obj"]) >= 0.5
                                           and (not cls or g["cat_obj"] == d["cat_obj"]))

    def all_(g, d, cls):
        return state(g, d) and obj(g, d, cls) and side(g, d)

    def per_class(gate):
        aps = []
        for c in objects:
            Gc = [dict(g, cat=c) for g in gt_hands if g["cat_obj"] == c]
            Dc = [dict(d, cat=c) for d in hand_preds if d["cat_obj"] == c]
            if not Gc:
                continue
            aps.append(ap50(Gc, Dc, [c], image_order, gate) if Dc else 0.0)
        return sum(aps) / len(aps) if aps else None

    H = [hand_id]
    out = {
        "AP Hand": ap50(gt_hands, hand_preds, H, image_order),
        "mAP Objects": ap50(gt_objects, preds, objects, image_order),
        "mAP Target Objects": ap50(targets_gt, targets_dt, objects, image_order),
        "AP Hand + Side": ap50(gt_hands, hand_preds, H, image_order, side, lambda g: g["side"] != -1),
        "AP Hand + Glove": ap50(gt_hands, hand_preds, H, image_order, glove, lambda g: g["gloves"] != -1),
        "AP Hand + State": ap50(gt_hands, hand_preds, H, image_order, state, lambda g: g["contact"] != -1),
        "mAP Hand + State": per_class(state),
        "mAP Hand + Target Objects": per_class(lambda g, d: obj(g, d, True)),
        "mAP Hand + ALL": per_class(lambda g, d: all_(g, d, True)),
        "AP All": ap50(gt_hands, hand_preds, H, image_order, lambda g, d: all_(g, d, False)),
    }
    return {k: None if v is None else v * 100.0 for k, v in out.items()}
