"""Which images are edited, with which seed, at which work size and in which batch (spec §2, §3.4).

Everything here depends only on (seed, file_name, size, batch size), so the batches and their
order are the same for any number of processes and after a restart.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

# FLUX.1-Kontext's preferred (width, height) resolutions [fact: diffusers PREFERRED_KONTEXT_RESOLUTIONS].
KONTEXT_RESOLUTIONS: tuple[tuple[int, int], ...] = (
    (672, 1568), (688, 1504), (720, 1456), (752, 1392), (800, 1328), (832, 1248), (880, 1184),
    (944, 1104), (1024, 1024), (1104, 944), (1184, 880), (1248, 832), (1328, 800), (1392, 752),
    (1456, 720), (1504, 688), (1568, 672),
)
SIZE_MULTIPLE = 16  # VAE ×8 and 2×2 latent packing


def _digest(seed: int, file_name: str) -> int:
    return int.from_bytes(hashlib.sha256(f"{seed}:{file_name}".encode()).digest()[:8], "big")


def selection_draw(seed: int, file_name: str) -> float:
    """u in [0, 1): first 8 bytes of sha256("<seed>:<file_name>") ÷ 2⁶⁴."""
    return _digest(seed, file_name) / 2**64


def image_seed(seed: int, file_name: str) -> int:
    """Per-image generator seed: the same 8 bytes mod 2⁶³ (independent of rank and batch)."""
    return _digest(seed, file_name) % 2**63


def is_selected(seed: int, file_name: str, fraction: float) -> bool:
    return selection_draw(seed, file_name) < fraction


def work_size(width: int, height: int, scale: float = 1.0) -> tuple[int, int]:
    """The preferred Kontext resolution nearest in aspect (first on ties, as diffusers picks).

    `scale` < 1 shrinks it (multiples of 16 kept) for previews and tiny test models.
    """
    aspect = width / height
    _, w, h = min((abs(aspect - w / h), w, h) for w, h in KONTEXT_RESOLUTIONS)
    if scale != 1.0:
        w = max(SIZE_MULTIPLE, round(w * scale / SIZE_MULTIPLE) * SIZE_MULTIPLE)
        h = max(SIZE_MULTIPLE, round(h * scale / SIZE_MULTIPLE) * SIZE_MULTIPLE)
    return w, h


@dataclass(frozen=True)
class Batch:
    """One unit of work and of the journal: images of one work size, in file-name order."""

    index: int
    work_size: tuple[int, int]
    file_names: tuple[str, ...]


def plan_batches(sizes: dict[str, tuple[int, int]], batch_size: int) -> list[Batch]:
    """Sort selected images by (work size, file_name) and cut each bucket into runs of batch_size.

    `sizes` maps file_name → work size.
    """
    if batch_size < 1:
        raise ValueError("batch size must be ≥ 1")
    ordered = sorted(sizes, key=lambda name: (sizes[name], name))
    batches: list[Batch] = []
    start = 0
    while start < len(ordered):
        size = sizes[ordered[start]]
        group = [ordered[start]]
        nxt = start + 1
        while nxt < len(ordered) and len(group) < batch_size and sizes[ordered[nxt]] == size:
            group.append(ordered[nxt])
            nxt += 1
        batches.append(Batch(len(batches), size, tuple(group)))
        start = nxt
    return batches
