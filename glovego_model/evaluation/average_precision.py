"""AP@0.5 with pycocotools semantics, vectorised over detections (ehoi-metrics.md §3).

Matching is greedy per (category, image) group. Instead of a Python loop per detection, all
groups advance together in *rounds*: round r handles the r-th best detection of every group,
which never compete for the same ground truth, so a round is a handful of array operations.
The candidate pairs (detection, GT of its group with IoU ≥ 0.5) are computed once per call.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

IOU_THRESHOLD = 0.5
MAX_DETS = 100
# Exactly pycocotools' recall thresholds (same expression, so the same floats).
RECALL_THRESHOLDS = np.linspace(0.0, 1.00, int(np.round((1.00 - 0.0) / 0.01)) + 1, endpoint=True)

Gate = Callable[[np.ndarray, np.ndarray], np.ndarray]
"""(GT rows, detection rows) → bool array: whether an IoU match also gets its attributes right."""


@dataclass(frozen=True)
class BoxSet:
    """Boxes of one AP computation, in file order (the order that breaks score ties).

    `image` is the image's rank in ascending image-id order; `row` indexes the attribute table a
    gate reads (GT hands or prediction records).
    """

    image: np.ndarray  # int64 [n]
    category: np.ndarray  # int64 [n]
    boxes: np.ndarray  # float64 [n, 4] xywh
    row: np.ndarray  # int64 [n]
    score: np.ndarray | None = None  # float64 [n], detections only
    crowd: np.ndarray | None = None  # bool [n], ground truth only

    def __len__(self) -> int:
        return int(self.image.shape[0])

    def take(self, keep: np.ndarray) -> "BoxSet":
        return BoxSet(
            image=self.image[keep], category=self.category[keep], boxes=self.boxes[keep], row=self.row[keep],
            score=None if self.score is None else self.score[keep],
            crowd=None if self.crowd is None else self.crowd[keep],
        )


@dataclass(frozen=True)
class APResult:
    """AP per category with ground truth (others are undefined), and the 101 precision samples."""

    ap: dict[int, float]
    precision: dict[int, np.ndarray]

    @property
    def value(self) -> float:
        """Mean over defined categories, −1 when none is defined (pycocotools' summarize)."""
        if not self.precision:
            return -1.0
        return float(np.mean(np.concatenate(list(self.precision.values()))))

    @property
    def mean_precision(self) -> np.ndarray | None:
        """The PR curve of a (m)AP: precision at each recall threshold, mean over defined categories."""
        if not self.precision:
            return None
        return np.mean(np.stack(list(self.precision.values())), axis=0)


def rowwise_iou(a: np.ndarray, b: np.ndarray, *, crowd: np.ndarray | None = None) -> np.ndarray:
    """IoU of a[i] with b[i] on xywh boxes, with the operation order of pycocotools' C code.

    With `crowd[i]` true the union is a's area alone (pycocotools' iscrowd rule, a = detection).
    """
    iw = np.minimum(a[:, 0] + a[:, 2], b[:, 0] + b[:, 2]) - np.maximum(a[:, 0], b[:, 0])
    ih = np.minimum(a[:, 1] + a[:, 3], b[:, 1] + b[:, 3]) - np.maximum(a[:, 1], b[:, 1])
    inter = iw * ih
    area_a = a[:, 2] * a[:, 3]
    union = area_a + b[:, 2] * b[:, 3] - inter
    if crowd is not None:
        union = np.where(crowd, area_a, union)
    with np.errstate(divide="ignore", invalid="ignore"):
        iou = inter / union
    return np.where((iw > 0) & (ih > 0), iou, 0.0)


def _group_ranks(keys: np.ndarray) -> np.ndarray:
    """0-based position of each element within its run of equal (sorted) keys."""
    n = keys.shape[0]
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    starts = np.ones(n, dtype=bool)
    starts[1:] = keys[1:] != keys[:-1]
    index = np.arange(n)
    return index - np.maximum.accumulate(np.where(starts, index, 0))


def _pairs(det_keys: np.ndarray, gt_keys_sorted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All (detection, GT) index pairs sharing a group key; GT indices refer to the sorted keys."""
    lo = np.searchsorted(gt_keys_sorted, det_keys, side="left")
    hi = np.searchsorted(gt_keys_sorted, det_keys, side="right")
    counts = hi - lo
    total = int(counts.sum())
    pair_det = np.repeat(np.arange(det_keys.shape[0]), counts)
    first_of_det = np.repeat(np.cumsum(counts) - counts, counts)
    pair_gt = np.repeat(lo, counts) + (np.arange(total) - first_of_det)
    return pair_det, pair_gt


def average_precision(
    gt: BoxSet, dt: BoxSet, categories: Sequence[int], n_images: int, gate: Gate | None = None
) -> APResult:
    """AP@0.5 per category, as `ap50` of ehoi-metrics.md §3 (gate = always when None)."""
    cats = np.unique(np.asarray(list(categories), dtype=np.int64))
    gt = gt.take(np.isin(gt.category, cats))
    dt = dt.take(np.isin(dt.category, cats))
    if gt.crowd is None:
        raise ValueError("ground truth needs crowd flags")
    n_images = max(int(n_images), 1)

    # Detections: group by (category, image), best score first, file order on ties; top 100 each.
    d_key = np.searchsorted(cats, dt.category).astype(np.int64) * n_images + dt.image
    order = np.lexsort((np.arange(len(dt)), -dt.score, d_key))
    rank = _group_ranks(d_key[order])
    order, rank = order[rank < MAX_DETS], rank[rank < MAX_DETS]
    det = dt.take(order)
    det_key = d_key[order]

    # Ground truth: regular and crowd separately, each sorted by group then file order.
    g_key = np.searchsorted(cats, gt.category).astype(np.int64) * n_images + gt.image
    regular = np.flatnonzero(~gt.crowd)
    regular = regular[np.argsort(g_key[regular], kind="stable")]
    crowd = np.flatnonzero(gt.crowd)
    crowd = crowd[np.argsort(g_key[crowd], kind="stable")]

    matched = _greedy_match(det, det_key, rank, gt, regular, g_key[regular], gate)
    ignored = np.zeros(len(det), dtype=bool)
    if crowd.size:
        unmatched = np.flatnonzero(matched < 0)
        pd, pg = _pairs(det_key[unmatched], g_key[crowd])
        if pd.size:
            iou = rowwise_iou(det.boxes[unmatched[pd]], gt.boxes[crowd[pg]], crowd=np.ones(pd.size, dtype=bool))
            hit = unmatched[pd[iou >= IOU_THRESHOLD]]
            ignored[hit] = True
    tp = matched == 1

    keep = ~ignored
    cat_code = np.searchsorted(cats, det.category[keep])
    score = det.score[keep]
    tp = tp[keep]
    file_order = order[keep]
    acc = np.lexsort((file_order, det.image[keep], -score, cat_code))
    cat_code, tp = cat_code[acc], tp[acc]
    n_pos = np.bincount(np.searchsorted(cats, gt.category[regular]), minlength=cats.size)
    bounds = np.searchsorted(cat_code, np.arange(cats.size + 1))

    ap: dict[int, float] = {}
    precision: dict[int, np.ndarray] = {}
    for code, cat in enumerate(cats.tolist()):
        if n_pos[code] == 0:
            continue
        q = _sampled_precision(tp[bounds[code] : bounds[code + 1]], int(n_pos[code]))
        precision[cat] = q
        ap[cat] = float(np.mean(q))
    return APResult(ap=ap, precision=precision)


def _greedy_match(
    det: BoxSet, det_key: np.ndarray, rank: np.ndarray, gt: BoxSet, regular: np.ndarray,
    regular_keys: np.ndarray, gate: Gate | None,
) -> np.ndarray:
    """Per detection: 1 true positive, 0 matched but gated out, −1 no GT reached IoU 0.5."""
    result = np.full(len(det), -1, dtype=np.int8)
    pd, pg = _pairs(det_key, regular_keys)
    if pd.size == 0:
        return result
    iou = rowwise_iou(det.boxes[pd], gt.boxes[regular[pg]])
    ok = iou >= IOU_THRESHOLD
    pd, pg, iou = pd[ok], pg[ok], iou[ok]
    # Within a round: by detection, best IoU first, later GT first on equal IoU.
    pr = rank[pd]
    order = np.lexsort((-pg, -iou, pd, pr))
    pd, pg, pr = pd[order], pg[order], pr[order]
    round_bounds = np.searchsorted(pr, np.arange(int(pr.max()) + 2)) if pr.size else np.zeros(1, dtype=np.int64)
    used = np.zeros(regular.size, dtype=bool)
    for r in range(round_bounds.size - 1):
        lo, hi = round_bounds[r], round_bounds[r + 1]
        if lo == hi:
            continue
        rd, rg = pd[lo:hi], pg[lo:hi]
        free = ~used[rg]
        rd, rg = rd[free], rg[free]
        if rd.size == 0:
            continue
        first = np.ones(rd.size, dtype=bool)
        first[1:] = rd[1:] != rd[:-1]
        rd, rg = rd[first], rg[first]
        passed = np.ones(rd.size, dtype=bool) if gate is None else np.asarray(
            gate(gt.row[regular[rg]], det.row[rd]), dtype=bool)
        result[rd] = np.where(passed, 1, 0)
        used[rg[passed]] = True
    return result


def _sampled_precision(tp: np.ndarray, n_pos: int) -> np.ndarray:
    """Precision envelope sampled at the 101 recall thresholds (pycocotools `accumulate`)."""
    q = np.zeros(RECALL_THRESHOLDS.size)
    if tp.size == 0:
        return q
    tp_sum = np.cumsum(tp).astype(dtype=float)
    fp_sum = np.cumsum(~tp).astype(dtype=float)
    rc = tp_sum / n_pos
    pr = tp_sum / (fp_sum + tp_sum + np.spacing(1))
    pr = np.maximum.accumulate(pr[::-1])[::-1]
    inds = np.searchsorted(rc, RECALL_THRESHOLDS, side="left")
    valid = inds < pr.size
    q[valid] = pr[inds[valid]]
    return q
