"""The list of command modules, in the order `glovego --help` shows them."""

from __future__ import annotations

from types import ModuleType

from glovego_cli import augment, demo, solo2coco, solo_generate, split, stats, train, validate, evaluate, infer, viz

MODULES: tuple[ModuleType, ...] = (
    solo2coco,
    solo_generate,
    validate,
    split,
    stats,
    train,
    augment,
    evaluate,
    infer,
    viz,
    demo,
)
