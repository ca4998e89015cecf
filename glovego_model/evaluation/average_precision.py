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


def accumulation_order(score: np.ndarray, image: np.ndarray) -> np.ndarray:
    """Detections in pycocotools' accumulation order: score descending, then image rank, then
    file order. One float sort; only runs of equal scores are sorted again by the other keys."""
    by_score = np.argsort(-score)
    ordered = score[by_score]
    tied = np.zeros(score.size, dtype=bool)
    tied[1:] = ordered[1:] == ordered[:-1]
    if tied.any():
        tied[:-1] |= tied[1:]
        run = np.cumsum(np.r_[True, ordered[1:] != ordered[:-1]])
        slots = np.flatnonzero(tied)
        members = by_score[slots]
        by_score[slots] = members[np.lexsort((members, image[members], run[slots]))]
    return by_score


def _small(keys: np.ndarray) -> np.ndarray:
    """Small non-negative integer keys as int16, so a stable argsort runs as a radix sort."""
    return keys.astype(np.int16) if keys.size and int(keys.max()) < 2**15 else keys


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


class Matching:
    """One family of AP computations sharing ground truth and detections, prepared once: the
    top-100 ranking, the candidate (detection, GT) pairs with IoU ≥ 0.5 in matching order and
    the accumulation order. `average_precision` then only runs the rounds for a GT subset and a
    gate (e.g. AP Hand, + Side, + Glove, + State and AP All share one Matching)."""

    def __init__(self, gt: BoxSet, dt: BoxSet, categories: Sequence[int], n_images: int) -> None:
        if gt.crowd is None or dt.score is None:
            raise ValueError("ground truth needs crowd flags and detections scores")
        self.cats = cats = np.unique(np.asarray(list(categories), dtype=np.int64))
        self.gt_index = np.flatnonzero(np.isin(gt.category, cats))
        gt = self.gt = gt.take(self.gt_index)
        considered = np.flatnonzero(np.isin(dt.category, cats))
        n_images = max(int(n_images), 1)

        # Detections: group by (category, image), best score first (ties: file order); top 100 each.
        # One integer key (group, accumulation rank) sorts them: no multi-key lexsort.
        dt_category, dt_image = dt.category[considered], dt.image[considered]
        accumulated = accumulation_order(dt.score[considered], dt_image)
        score_rank = np.empty(considered.size, dtype=np.int64)
        score_rank[accumulated] = np.arange(considered.size)
        d_key = np.searchsorted(cats, dt_category).astype(np.int64) * n_images + dt_image
        order = np.argsort(d_key * max(considered.size, 1) + score_rank)
        rank = _group_ranks(d_key[order])
        order, rank = order[rank < MAX_DETS], rank[rank < MAX_DETS]
        self.det = det = dt.take(considered[order])
        det_key = d_key[order]

        # Ground truth: regular and crowd separately, each sorted by group then file order.
        g_key = np.searchsorted(cats, gt.category).astype(np.int64) * n_images + gt.image
        regular = np.flatnonzero(~gt.crowd)
        self.regular = regular = regular[np.argsort(g_key[regular], kind="stable")]
        crowd = np.flatnonzero(gt.crowd)
        self.crowd = crowd = crowd[np.argsort(g_key[crowd], kind="stable")]

        # Candidate pairs, in matching order: by round (rank), detection, best IoU, later GT.
        # Pairs come grouped by detection, GT ascending; only detections with several candidates
        # need their candidates sorted, and the round key is small enough for a radix sort.
        pd, pg = _pairs(det_key, g_key[regular])
        iou = rowwise_iou(det.boxes[pd], gt.boxes[regular[pg]]) if pd.size else np.zeros(0)
        ok = iou >= IOU_THRESHOLD
        pd, pg, iou = pd[ok], pg[ok], iou[ok]
        several = np.flatnonzero(np.bincount(pd, minlength=len(det))[pd] > 1)
        if several.size:
            by_iou = several[np.lexsort((-pg[several], -iou[several], pd[several]))]
            pd[several], pg[several] = pd[by_iou], pg[by_iou]
        pr = rank[pd]
        by_round = np.argsort(_small(pr), kind="stable")
        self.pair_det, self.pair_gt = pd[by_round], pg[by_round]
        pr = pr[by_round]
        self.round_bounds = np.searchsorted(pr, np.arange(int(pr.max()) + 2)) if pr.size else np.zeros(1, np.int64)

        # Crowd GT (pycocotools: a detection reaching no regular GT but a crowd one is ignored).
        cd, cg = _pairs(det_key, g_key[crowd])
        if cd.size:
            hit = rowwise_iou(det.boxes[cd], gt.boxes[crowd[cg]], crowd=np.ones(cd.size, dtype=bool)) >= IOU_THRESHOLD
            cd, cg = cd[hit], cg[hit]
        self.crowd_det, self.crowd_gt = cd, cg

        # Accumulation: per category, in accumulation order (a stable radix sort by category).
        self.cat_code = np.searchsorted(cats, det.category)
        det_of = np.full(considered.size, -1, dtype=np.int64)
        det_of[order] = np.arange(order.size)
        in_order = det_of[accumulated]
        in_order = in_order[in_order >= 0]
        self.acc = in_order[np.argsort(_small(self.cat_code[in_order]), kind="stable")]

    def average_precision(self, keep_gt: np.ndarray | None = None, gate: Gate | None = None) -> APResult:
        """AP@0.5 per category over the GT rows where `keep_gt` (a mask over the GT given to the
        constructor) holds; the gate turns a match into a false positive without consuming the GT."""
        keep = np.ones(self.gt_index.size, dtype=bool) if keep_gt is None else np.asarray(keep_gt)[self.gt_index]
        regular_kept = keep[self.regular]
        matched, _ = self._rounds(regular_kept, gate)
        ignored = np.zeros(len(self.det), dtype=bool)
        if self.crowd_det.size:
            crowd_hit = keep[self.crowd][self.crowd_gt]
            ignored[self.crowd_det[crowd_hit]] = True
            ignored &= matched < 0
        counted = ~ignored[self.acc]
        cat_code = self.cat_code[self.acc][counted]
        tp = (matched == 1)[self.acc][counted]
        n_pos = np.bincount(np.searchsorted(self.cats, self.gt.category[self.regular[regular_kept]]),
                            minlength=self.cats.size)
        bounds = np.searchsorted(cat_code, np.arange(self.cats.size + 1))
        ap: dict[int, float] = {}
        precision: dict[int, np.ndarray] = {}
        for code, cat in enumerate(self.cats.tolist()):
            if n_pos[code] == 0:
                continue
            q = _sampled_precision(tp[bounds[code] : bounds[code + 1]], int(n_pos[code]))
            precision[cat] = q
            ap[cat] = float(np.mean(q))
        return APResult(ap=ap, precision=precision)

    def assignments(self, gate: Gate | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Per kept detection (`self.det` order): 1 true positive, 0 matched but gated out, −1 no
        GT reached IoU 0.5, −2 ignored (reaches only a crowd GT); and the GT (index into `self.gt`)
        it took or was gated on, else −1. The error analysis reads the very matching the AP uses."""
        matched, taken = self._rounds(np.ones(self.regular.size, dtype=bool), gate)
        if self.crowd_det.size:  # reaching only a crowd GT: ignored, as the AP ignores it
            crowd_only = np.zeros(len(self.det), dtype=bool)
            crowd_only[self.crowd_det] = True
            matched[crowd_only & (matched < 0)] = -2
        return matched, np.where(taken >= 0, self.regular[np.maximum(taken, 0)], -1)

    def _rounds(self, regular_kept: np.ndarray, gate: Gate | None) -> tuple[np.ndarray, np.ndarray]:
        """Greedy matching, all groups at once: per detection 1 true positive, 0 matched but
        gated out, −1 no kept GT reached IoU 0.5; and the regular-GT position it matched."""
        result = np.full(len(self.det), -1, dtype=np.int8)
        taken = np.full(len(self.det), -1, dtype=np.int64)
        used = ~regular_kept  # a GT left out can never be taken
        bounds = self.round_bounds
        for r in range(bounds.size - 1):
            lo, hi = bounds[r], bounds[r + 1]
            if lo == hi:
                continue
            rd, rg = self.pair_det[lo:hi], self.pair_gt[lo:hi]
            free = ~used[rg]
            rd, rg = rd[free], rg[free]
            if rd.size == 0:
                continue
            first = np.ones(rd.size, dtype=bool)
            first[1:] = rd[1:] != rd[:-1]
            rd, rg = rd[first], rg[first]
            passed = np.ones(rd.size, dtype=bool) if gate is None else np.asarray(
                gate(self.gt.row[self.regular[rg]], self.det.row[rd]), dtype=bool)
            result[rd] = np.where(passed, 1, 0)
            taken[rd] = rg
            used[rg[passed]] = True
        return result, taken


def average_precision(
    gt: BoxSet, dt: BoxSet, categories: Sequence[int], n_images: int, gate: Gate | None = None
) -> APResult:
    """AP@0.5 per category, as `ap50` of ehoi-metrics.md §3 (gate = always when None)."""
    return Matching(gt, dt, categories, n_images).average_precision(gate=gate)


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
