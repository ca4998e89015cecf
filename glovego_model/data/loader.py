"""Training batches addressed by step: the data a step sees depends only on (seed, step).

That is what makes `--resume` exact: the sampler restarts at the saved step, and every random
augmentation choice is drawn from a generator seeded with (seed, step, slot).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, Sequence

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset, Sampler

from glovego_model.data.index import DatasetIndex
from glovego_model.data.targets import pixel_tensor, sample_targets
from glovego_model.data.transforms import hflip, load_sample, photometric_jitter, resize


@dataclass(frozen=True)
class AugmentConfig:
    sizes: tuple[int, ...] = (640,)  # square training sizes, one drawn per batch
    flip: float = 0.5
    jitter: bool = True


@dataclass(frozen=True)
class SlotKey:
    """Which image fills which place of which step's batch."""

    index: int  # position in the concatenated indexes
    step: int
    slot: int


class ConcatIndex:
    """Several dataset indexes (e.g. synthetic + real) seen as one list of records."""

    def __init__(self, indexes: Sequence[DatasetIndex]) -> None:
        self.indexes = list(indexes)
        self.starts = np.cumsum([0] + [len(ix) for ix in self.indexes])

    def __len__(self) -> int:
        return int(self.starts[-1])

    def locate(self, i: int) -> tuple[DatasetIndex, int]:
        k = int(np.searchsorted(self.starts, i, side="right") - 1)
        return self.indexes[k], i - int(self.starts[k])


class StepBatchSampler(Sampler[list[SlotKey]]):
    """Batches for steps `start_step` … `total_steps − 1`; a new permutation per epoch.

    With several processes each takes its own slice of the global batch (batch_size per process).
    """

    def __init__(self, num_items: int, batch_size: int, seed: int, start_step: int, total_steps: int,
                 rank: int = 0, world: int = 1) -> None:
        self.n, self.batch_size, self.seed = num_items, batch_size, seed
        self.start, self.total, self.rank, self.world = start_step, total_steps, rank, world

    def __len__(self) -> int:
        return max(0, self.total - self.start)

    def indices_for_step(self, step: int) -> list[int]:
        per_step = self.batch_size * self.world
        first = step * per_step
        out = []
        for position in range(first + self.rank * self.batch_size, first + (self.rank + 1) * self.batch_size):
            epoch, offset = divmod(position, self.n)
            perm = np.random.default_rng([self.seed, epoch]).permutation(self.n)
            out.append(int(perm[offset]))
        return out

    def __iter__(self) -> Iterator[list[SlotKey]]:
        for step in range(self.start, self.total):
            yield [SlotKey(i, step, slot) for slot, i in enumerate(self.indices_for_step(step))]


def step_size(sizes: Sequence[int], seed: int, step: int) -> int:
    """The square training size of `step`'s batch, drawn from (seed, step) alone."""
    rng = np.random.default_rng([seed, step, 2])
    return int(sizes[int(rng.integers(0, len(sizes)))])


class TrainDataset(Dataset):
    """Loads one image per `SlotKey` already at its batch's size (resize on read), then flips and
    jitters it there: the full-size frame is decoded once and never copied or jittered."""

    def __init__(self, index: ConcatIndex, augment: AugmentConfig, seed: int) -> None:
        self.index, self.augment, self.seed = index, augment, seed

    def __len__(self) -> int:
        return len(self.index)

    def __getitem__(self, key: SlotKey):  # type: ignore[override]
        dataset, i = self.index.locate(key.index)
        rng = np.random.default_rng([self.seed, key.step, key.slot, 1])
        size = step_size(self.augment.sizes, self.seed, key.step)
        sample = load_sample(dataset.records[i], size=(size, size))
        if rng.random() < self.augment.flip:
            sample = hflip(sample)
        if self.augment.jitter:
            sample.image = photometric_jitter(sample.image, rng)
        return sample, dataset.depth_range_m, key.step


class Collate:
    """Stack a batch at its square size drawn from (seed, step) (already that size from
    `TrainDataset`; `resize` is then a no-op); build targets."""

    def __init__(self, sizes: Sequence[int], seed: int) -> None:
        self.sizes, self.seed = tuple(sizes), seed

    def __call__(self, items):
        size = step_size(self.sizes, self.seed, items[0][2])
        pixels, labels = [], []
        for sample, depth_range, _ in items:
            sample = resize(sample, size, size)
            pixels.append(pixel_tensor(sample.image))
            labels.append(sample_targets(sample, depth_range))
        return torch.stack(pixels), labels


def train_loader(index: ConcatIndex, *, batch_size: int, seed: int, start_step: int, total_steps: int,
                 augment: AugmentConfig, workers: int = 0, rank: int = 0, world: int = 1) -> DataLoader:
    sampler = StepBatchSampler(len(index), batch_size, seed, start_step, total_steps, rank, world)
    # Its own generator: a DataLoader otherwise draws its base seed from the global torch RNG, which
    # would shift the model's random stream (denoising noise) between a fresh and a resumed run.
    return DataLoader(TrainDataset(index, augment, seed), batch_sampler=sampler, collate_fn=Collate(augment.sizes, seed),
                      num_workers=workers, persistent_workers=False, generator=torch.Generator().manual_seed(seed),
                      pin_memory=torch.cuda.is_available())  # pinned: the trainer's non_blocking copies overlap
