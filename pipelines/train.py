"""`glovego train`: recipe + options → data indexes → model (scratch or checkpoint, frozen parts) → trainer."""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Callable

from glovego_data.errors import GlovegoError
from glovego_data.hashing import sha256_file
from glovego_data.outputs import OutputPlan

RECIPES_DIR = Path(__file__).resolve().parents[1] / "assets" / "recipes"


@dataclass
class TrainOptions:
    """Every setting of a training run; a recipe fills some, command-line options override it."""

    train_json: list[str] = field(default_factory=list)
    val_json: str | None = None
    output_dir: str | None = None
    init: str = "scratch"
    arch: str = "rt_detr_v2"
    backbone_depth: int = 18
    model_size: str = "default"
    contact_modality: str | None = None  # None: the checkpoint's, else mask+rgb+depth+kpts+fusion
    use_depth: bool | None = None
    use_mask: bool | None = None
    loss_weights: dict[str, float] | None = None  # EHOI loss weights by term; None: the checkpoint's, else defaults
    image_size: int = 640
    sizes: list[int] | None = None
    freeze: list[str] = field(default_factory=list)
    max_steps: int = 1000
    batch_size: int = 4
    grad_accumulation: int = 1
    lr: float = 1e-4
    weight_decay: float = 1e-4
    backbone_lr_scale: float = 0.1
    warmup_steps: int = 100
    schedule: str = "step"
    min_lr_ratio: float = 0.1
    grad_clip: float | None = None
    ema: bool = False
    flip: float = 0.5
    jitter: bool = True
    eval_every: int = 0
    save_every: int = 0
    keep_checkpoints: int = 2
    log_every: int = 10
    seed: int = 0
    workers: int = 0
    mixed_precision: str = "auto"
    eval_batch_size: int = 8
    resume: bool = False
    wandb: bool = False
    progress: bool = True
    stop_after: int | None = None
    recipe: str | None = None


def option_names() -> list[str]:
    return [f.name for f in fields(TrainOptions)]


OPTION_NAMES = frozenset(option_names())


def resolve_recipe_path(name_or_path: str) -> Path:
    """A TOML path, or the name of a bundled recipe (`ci_tiny`, `synth_pretrain`, …)."""
    path = Path(name_or_path)
    if path.is_file():
        return path
    bundled = RECIPES_DIR / f"{name_or_path.removesuffix('.toml')}.toml"
    if bundled.is_file():
        return bundled
    known = sorted(p.stem for p in RECIPES_DIR.glob("*.toml"))
    raise GlovegoError(f"--config {name_or_path}: not a file and not a bundled recipe ({', '.join(known)})")


def load_recipe(name_or_path: str) -> dict[str, Any]:
    """Flat keys, optionally grouped in tables ([model], [data], [train]); unknown keys are errors."""
    path = resolve_recipe_path(name_or_path)
    try:
        raw = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as error:
        raise GlovegoError(f"{path}: not valid TOML: {error}") from None
    flat: dict[str, Any] = {}
    for key, value in raw.items():
        if isinstance(value, dict) and key in ("model", "data", "train"):
            flat.update(value)
        elif key != "description":
            flat[key] = value
    unknown = sorted(set(flat) - set(option_names()))
    if unknown:
        raise GlovegoError(f"{path}: unknown recipe key(s) {unknown}; valid: {option_names()}")
    base = path.parent
    for key in ("train_json", "val_json"):
        if key in flat and flat[key]:
            values = flat[key] if isinstance(flat[key], list) else [flat[key]]
            values = [str(Path(v) if Path(v).is_absolute() else (base / v)) for v in values]
            flat[key] = values if key == "train_json" else values[0]
    flat["recipe"] = str(path)
    return flat


def merge_options(recipe: dict[str, Any] | None, overrides: dict[str, Any]) -> TrainOptions:
    """Defaults ← recipe ← explicit options (None means 'not given')."""
    values: dict[str, Any] = {}
    values.update(recipe or {})
    values.update({k: v for k, v in overrides.items() if v is not None and not (k in ("train_json", "freeze") and not v)})
    unknown = sorted(set(values) - set(option_names()))
    if unknown:
        raise TypeError(f"unknown training options {unknown}")
    return TrainOptions(**values)


def training_sizes(options: TrainOptions) -> tuple[int, ...]:
    """Square sizes drawn per batch: the recipe's list, else 0.75–1.25 × image size in steps of 32
    (480–800 for 640, as RT-DETR trains)."""
    if options.sizes:
        return tuple(int(s) for s in options.sizes)
    low = max(32, int(round(options.image_size * 0.75 / 32)) * 32)
    high = int(round(options.image_size * 1.25 / 32)) * 32
    return tuple(range(low, high + 1, 32))


def _check_categories(json_path: str, names: list[str], expected: list[str], what: str) -> None:
    if names != expected:
        raise GlovegoError(f"{json_path}: categories {names} differ from {what} {expected}")


def loss_weights_of(options: TrainOptions) -> dict[str, float] | None:
    """The recipe's EHOI loss weights over the defaults; an unknown term is an error, not a silent no-op."""
    from glovego_model.modeling.config import EHOI_DEFAULTS

    if options.loss_weights is None:
        return None
    defaults = EHOI_DEFAULTS["ehoi_loss_weights"]
    unknown = sorted(set(options.loss_weights) - set(defaults))
    if unknown:
        raise GlovegoError(f"loss_weights: unknown term(s) {unknown}; valid: {sorted(defaults)}")
    return {**defaults, **{k: float(v) for k, v in options.loss_weights.items()}}


def build_model_for(options: TrainOptions, categories: list[str]):
    """Scratch (BatchNorm reset), an EHOI checkpoint (categories must match), or a COCO checkpoint."""
    from glovego_model.modeling import build_model, load_model
    from glovego_model.modeling.loading import is_ehoi_config, load_config

    ehoi = dict(contact_modality=options.contact_modality, use_depth=options.use_depth, use_mask=options.use_mask,
                loss_weights=loss_weights_of(options), image_size=[options.image_size, options.image_size])
    ehoi = {k: v for k, v in ehoi.items() if v is not None}
    if options.init == "scratch":
        return build_model(categories, arch=options.arch, backbone_depth=options.backbone_depth,
                           size=options.model_size, seed=options.seed, **ehoi)
    config = load_config(options.init)
    if is_ehoi_config(config):
        saved = [config.id2label[i] for i in sorted(int(k) for k in config.id2label)]
        _check_categories(options.train_json[0], categories, saved, "the checkpoint's")
    return load_model(options.init, categories=categories, **ehoi)


MIXED_PRECISION = ("auto", "no", "bf16", "fp16")
SCHEDULES = ("step", "cosine", "constant")
MAX_IMAGE_SIZE = 4096


def check_options(options: TrainOptions) -> None:
    """Every numeric and named setting in range, from the command line or a recipe alike: a bad value
    is one line here, not a traceback (or a silent untrained model) later."""
    def at_least(name: str, value: Any, low: int) -> None:
        if not isinstance(value, int) or isinstance(value, bool) or value < low:
            raise GlovegoError(f"--{name.replace('_', '-')} must be an integer ≥ {low}, got {value!r}")

    def finite(name: str, value: Any, *, positive: bool = False, low: float = 0.0, high: float = math.inf) -> None:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
        ok = ok and (value > 0 if positive else value >= low) and value <= high
        if not ok:
            bound = "> 0" if positive else f"in [{low:g}, {high:g}]"
            raise GlovegoError(f"--{name.replace('_', '-')} must be a finite number {bound}, got {value!r}")

    for name in ("max_steps", "batch_size", "grad_accumulation", "eval_batch_size", "keep_checkpoints", "log_every"):
        at_least(name, getattr(options, name), 1)
    for name in ("warmup_steps", "eval_every", "save_every", "workers", "seed"):
        at_least(name, getattr(options, name), 0)
    if options.stop_after is not None:
        at_least("stop_after", options.stop_after, 1)
    finite("lr", options.lr, positive=True)
    finite("weight_decay", options.weight_decay)
    finite("backbone_lr_scale", options.backbone_lr_scale)
    finite("min_lr_ratio", options.min_lr_ratio, high=1.0)
    finite("flip", options.flip, high=1.0)
    if options.grad_clip is not None:
        finite("grad_clip", options.grad_clip)
    for size in [options.image_size, *(options.sizes or [])]:
        if not isinstance(size, int) or isinstance(size, bool) or not 32 <= size <= MAX_IMAGE_SIZE:
            raise GlovegoError(f"--image-size must be an integer in [32, {MAX_IMAGE_SIZE}], got {size!r}")
    if options.mixed_precision not in MIXED_PRECISION:
        raise GlovegoError(f"--mixed-precision must be one of {', '.join(MIXED_PRECISION)}, got {options.mixed_precision!r}")
    if options.schedule not in SCHEDULES:
        raise GlovegoError(f"schedule must be one of {', '.join(SCHEDULES)}, got {options.schedule!r}")
    for name in [*options.train_json, *([options.val_json] if options.val_json else [])]:
        if Path(name).is_dir():
            raise GlovegoError(f"{name}: is a folder; give an annotation file (…/annotations/train.json)")


def resume_hint(output_dir: Path, command: str) -> str:
    """What an interrupted run tells its user: the checkpoint it can continue from, and how."""
    from glovego_model.engine.trainer import checkpoint_dirs

    found = checkpoint_dirs(output_dir)
    if found:
        return f"interrupted; the last checkpoint is {found[-1]}; continue with: {command}"
    return (f"interrupted before the first checkpoint in {output_dir / 'checkpoints'} (--save-every N writes "
            "them as training goes); run the same command again to start over")


def run_train(options: TrainOptions, warn: Callable[[str], None] = lambda line: None,
              on_notice: Callable[[str], None] | None = None):
    """Train as `options` says; returns the trainer's `TrainResult`. `warn` receives the loader's
    repair warnings and the depth assumptions of every index before the first step; `on_notice`
    hears what the run did differently from what was asked (a damaged checkpoint skipped on resume)."""
    from glovego_model.data import ConcatIndex, build_index
    from glovego_model.engine import Trainer, TrainSettings
    from glovego_model.modeling import freeze_modules
    from glovego_model.modeling.freeze import resolve_freeze_names

    if not options.train_json:
        raise GlovegoError("--train-json is required (or a recipe with train_json)")
    if not options.output_dir:
        raise GlovegoError("--output-dir is required")
    check_options(options)
    init = None if options.init == "scratch" else options.init
    outputs = OutputPlan("train", [*options.train_json, options.val_json, init]).in_place("--output-dir", options.output_dir)
    outputs.check()  # a folder train did not make is refused before any row or checkpoint is written
    resolve_freeze_names(options.freeze)  # unknown names fail before any heavy work
    indexes = [build_index(p) for p in options.train_json]
    categories = indexes[0].category_names
    for ix in indexes[1:]:
        _check_categories(str(ix.json_path), ix.category_names, categories, f"{indexes[0].json_path}'s")
    val_index = build_index(options.val_json) if options.val_json else None
    if val_index is not None:
        _check_categories(str(val_index.json_path), val_index.category_names, categories, "the training categories")
    for ix in [*indexes, *([val_index] if val_index is not None else [])]:
        for line in ix.warnings:
            warn(line)
    model = build_model_for(options, categories)
    if options.freeze:
        freeze_modules(model, options.freeze)
    scratch = options.init == "scratch"
    settings = TrainSettings(**{
        **{f.name: getattr(options, f.name) for f in fields(TrainSettings) if f.name in OPTION_NAMES},
        "output_dir": Path(options.output_dir),
        "grad_clip": options.grad_clip if options.grad_clip is not None else (1.0 if scratch else 0.1),
        "sizes": training_sizes(options),
    })
    data = {str(ix.json_path): sha256_file(ix.json_path) for ix in indexes}
    if val_index is not None:
        data[str(val_index.json_path)] = sha256_file(val_index.json_path)
    run_info = {"command": "glovego train", "arguments": {k: v for k, v in vars(options).items()},
                "data_sha256": data, "categories": categories}
    outputs.claim("--output-dir")
    trainer = Trainer(model, ConcatIndex(indexes), val_index, settings, run_info, resume=options.resume,
                      on_notice=on_notice)
    return trainer.fit()
