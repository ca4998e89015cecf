"""The list of command modules, in the order `glovego --help` shows them: the chain's order."""

from __future__ import annotations

from types import ModuleType

from glovego_cli import augment, demo, evaluate, export, infer, label, solo2coco, solo_generate, split, stats, train, validate, viz

MODULES: tuple[ModuleType, ...] = (
    solo2coco,
    solo_generate,
    augment,
    split,
    stats,
    train,
    evaluate,
    infer,
    export,
    viz,
    label,
    validate,
    demo,
)
