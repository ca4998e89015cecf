"""`--select uncertain --n K`: the frames whose predictions the detector is least sure of.

A probability p is sure when it is far from the 0.5 decision boundary: its margin is |2p − 1|
(0 at p = 0.5, 1 at 0 or 1). A detection's margin is the smallest margin among its score and,
for hands, its side, contact and glove probabilities; a frame's certainty is the smallest margin
over all its records (every record the predictions file holds, below the pre-annotation
threshold too: a box at 0.45 is exactly the doubt worth a look). A frame without records has
certainty 1. The K frames of lowest certainty are chosen, ties broken by the order of the frames
in the sources, so the same inputs always give the same K.
"""

from __future__ import annotations

from typing import Any, Hashable, Iterable, Sequence

ATTRIBUTE_SCORES = ("side_score", "contact_score", "glove_score")


def record_margin(record: dict[str, Any]) -> float:
    probabilities = [record["score"]] + [record[k] for k in ATTRIBUTE_SCORES if record.get(k) is not None]
    return min(abs(2.0 * float(p) - 1.0) for p in probabilities)


def frame_certainty(records: Iterable[dict[str, Any]]) -> float:
    return min((record_margin(r) for r in records), default=1.0)


def least_certain(frames: Sequence[Hashable], records_of: dict[Hashable, list[dict[str, Any]]], n: int) -> list[Hashable]:
    """The `n` frames of lowest certainty, returned in their source order."""
    rank = sorted(range(len(frames)), key=lambda i: (frame_certainty(records_of.get(frames[i], [])), i))
    chosen = sorted(rank[:n])
    return [frames[i] for i in chosen]
