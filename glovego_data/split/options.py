"""The user's choices for a package, checked once so every later step can trust them."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from glovego_data.errors import GlovegoError
from glovego_data.split.groups import GROUP_MODES
from glovego_data.split.reference import LAYOUTS

SPLITS: tuple[str, ...] = ("train", "val", "test")
DEFAULT_RATIOS: tuple[float, float, float] = (0.7, 0.1, 0.2)
DEFAULT_PERCENTS: tuple[int, ...] = (10, 25, 50)


def parse_ratios(text: str) -> tuple[float, float, float]:
    """`"0.7,0.1,0.2"` → (0.7, 0.1, 0.2): three numbers ≥ 0 summing to 1, train > 0."""
    parts = [p.strip() for p in text.split(",")]
    try:
        values = tuple(float(p) for p in parts)
    except ValueError:
        values = ()
    if (
        len(values) != 3
        or not all(math.isfinite(v) and v >= 0 for v in values)
        or abs(sum(values) - 1.0) > 1e-6
        or values[0] <= 0
    ):
        raise GlovegoError(
            f"--ratios must be three numbers train,val,test ≥ 0 that sum to 1 with train > 0; got '{text}'"
        )
    return values  # type: ignore[return-value]


def check_percents(percents: list[int] | tuple[int, ...]) -> tuple[int, ...]:
    """Sorted distinct subset percentages, each strictly between 0 and 100 (train.json is the 100 %)."""
    bad = [p for p in percents if not 0 < p < 100]
    if bad:
        raise GlovegoError(
            f"--percent must lie strictly between 0 and 100 (train.json is always the 100 % split); got {bad[0]}"
        )
    return tuple(sorted(set(percents)))


@dataclass(frozen=True)
class SplitOptions:
    """Everything that decides which image goes where; recorded in MANIFEST.json."""

    ratios: tuple[float, float, float] = DEFAULT_RATIOS
    percents: tuple[int, ...] = DEFAULT_PERCENTS
    seed: int = 0
    group_by: str = "video"
    keep: dict[str, frozenset[str]] = field(default_factory=dict)  # split → image file names fixed there
    layout: str = "glovego"  # or "reference": what the reference GlovEgo-Net code scores right
    renames: dict[str, str] = field(default_factory=dict)  # object category OLD name → NEW name

    def __post_init__(self) -> None:
        if self.group_by not in GROUP_MODES:
            raise GlovegoError(f"--group-by must be one of {', '.join(GROUP_MODES)}; got '{self.group_by}'")
        if self.layout not in LAYOUTS:
            raise GlovegoError(f"--layout must be one of {', '.join(LAYOUTS)}; got '{self.layout}'")
        object.__setattr__(self, "percents", check_percents(self.percents))
        for split in self.keep:
            if split not in SPLITS:
                raise GlovegoError(f"--keep-split: unknown split '{split}' (use train, val or test)")

    @property
    def ratio_of(self) -> dict[str, float]:
        return dict(zip(SPLITS, self.ratios))

    def subset_name(self, percent: int) -> str:
        return f"train_{percent}"

    @property
    def split_names(self) -> tuple[str, ...]:
        """Every split file of a root, in the order they are written and listed."""
        return SPLITS + tuple(self.subset_name(p) for p in self.percents)
