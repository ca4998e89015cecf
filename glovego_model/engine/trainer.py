"""The training loop: accelerate for devices and precision, step-addressed data, exact resume,
periodic validation, `best/` and `final/` model folders (detector.md §2.9)."""

from __future__ import annotations

import json
import logging
import math
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

import torch

from glovego_data.atomic import atomic_write_json, staging_dir
from glovego_data.errors import GlovegoError
from glovego_model.data.index import DatasetIndex
from glovego_model.data.loader import AugmentConfig, ConcatIndex, train_loader
from glovego_model.data.targets import labels_to
from glovego_model.engine.finite import MAX_CONSECUTIVE_SKIPS, FiniteStepGuard
from glovego_model.engine.logs import RunLogger, plot_curves
from glovego_model.engine.optim import ModelEMA, build_optimizer, lr_multiplier
from glovego_model.engine.validation import validate
from glovego_model.modeling.amp import guard_fp16_overflow
from glovego_model.modeling.loading import quiet_transformers

STATE_FILE = "trainer_state.json"


@dataclass
class TrainSettings:
    output_dir: Path
    max_steps: int = 1000
    batch_size: int = 4
    lr: float = 1e-4
    weight_decay: float = 1e-4
    backbone_lr_scale: float = 0.1
    warmup_steps: int = 100
    schedule: str = "step"
    min_lr_ratio: float = 0.1
    grad_clip: float = 0.1
    grad_accumulation: int = 1
    eval_every: int = 0  # 0: only at the end
    save_every: int = 0  # 0: only at the end
    keep_checkpoints: int = 2
    log_every: int = 10
    seed: int = 0
    workers: int = 0
    mixed_precision: str = "auto"
    ema: bool = False
    sizes: tuple[int, ...] = (640,)
    flip: float = 0.5
    jitter: bool = True
    eval_batch_size: int = 8
    wandb: bool = False
    progress: bool = True
    stop_after: int | None = None  # checkpoint and stop at this step (time-limited jobs); resume later


@dataclass
class TrainResult:
    step: int
    best_metric: float | None
    final_metrics: dict[str, float] = field(default_factory=dict)
    run_dir: Path | None = None


def pick_mixed_precision(requested: str) -> str:
    """`auto`: bf16 on GPUs that support it, else fp16 (with a scaler) on GPUs, none on CPU."""
    if requested != "auto":
        return requested
    if torch.cuda.is_available():
        return "bf16" if torch.cuda.is_bf16_supported() else "fp16"
    return "no"


def checkpoint_dirs(run_dir: Path) -> list[Path]:
    root = run_dir / "checkpoints"
    if not root.is_dir():
        return []
    found = [p for p in root.iterdir() if p.is_dir() and p.name.startswith("step_") and p.name[5:].isdigit()
             and (p / STATE_FILE).is_file()]
    return sorted(found, key=lambda p: int(p.name[5:]))


class Trainer:
    """Trains `model` on `train_index`; `run_info` goes into every `glovego_run.json`."""

    def __init__(self, model: torch.nn.Module, train_index: ConcatIndex, val_index: DatasetIndex | None,
                 settings: TrainSettings, run_info: dict[str, Any], *, resume: bool = False,
                 on_validation: Callable[[int, dict], None] | None = None) -> None:
        from accelerate import Accelerator
        from accelerate.utils import DistributedDataParallelKwargs

        self.settings, self.run_info, self.on_validation = settings, run_info, on_validation
        self.run_dir = Path(settings.output_dir)
        self.accelerator = Accelerator(
            mixed_precision=pick_mixed_precision(settings.mixed_precision),
            gradient_accumulation_steps=settings.grad_accumulation,
            step_scheduler_with_optimizer=False,  # our schedule counts optimizer steps, not processes × steps
            kwargs_handlers=[DistributedDataParallelKwargs(find_unused_parameters=True)],
        )
        self.train_index, self.val_index = train_index, val_index
        if self.accelerator.mixed_precision == "fp16":
            guard_fp16_overflow(model)
        torch.manual_seed(settings.seed)
        optimizer = build_optimizer(model, settings.lr, settings.weight_decay, settings.backbone_lr_scale)
        scheduler = torch.optim.lr_scheduler.LambdaLR(
            optimizer, lr_multiplier(settings.schedule, settings.warmup_steps, settings.max_steps, settings.min_lr_ratio))
        self.model, self.optimizer, self.scheduler = self.accelerator.prepare(model, optimizer, scheduler)
        self.ema = ModelEMA(self.unwrapped) if settings.ema else None
        if self.ema is not None:
            self.accelerator.register_for_checkpointing(self.ema)
        self.step = 0
        self.skipped = 0  # optimizer steps skipped for a non-finite loss or gradient (metrics.csv: skipped_steps)
        self.best: float | None = None
        if resume:
            self._resume()
        elif checkpoint_dirs(self.run_dir):
            raise GlovegoError(f"{self.run_dir}: holds checkpoints of an earlier run; pass --resume or a new --output-dir")

    @property
    def unwrapped(self) -> torch.nn.Module:
        return self.accelerator.unwrap_model(self.model)

    @property
    def is_main(self) -> bool:
        return self.accelerator.is_main_process

    # ----- checkpoints -------------------------------------------------------------------------
    def _resume(self) -> None:
        found = checkpoint_dirs(self.run_dir)
        if not found:
            raise GlovegoError(f"--resume: no checkpoint in {self.run_dir / 'checkpoints'}")
        latest = found[-1]
        self.accelerator.load_state(str(latest))
        state = json.loads((latest / STATE_FILE).read_text())
        self.step, self.best = int(state["step"]), state.get("best_metric")
        self.skipped = int(state.get("skipped_steps", 0))

    def _save_checkpoint(self) -> None:
        """`accelerator.save_state` (weights, optimizer, scheduler, EMA, RNG) + step and best metric;
        written to a temporary folder and renamed, so a kill never leaves a half checkpoint."""
        final = self.run_dir / "checkpoints" / f"step_{self.step}"
        tmp = final.with_name(final.name + ".tmp")
        if self.is_main and tmp.exists():
            shutil.rmtree(tmp)
        self.accelerator.wait_for_everyone()
        # accelerate warns about every tied decoder head it stores once; the tie is restored on load.
        tied_warning = logging.getLogger("accelerate.utils.other")
        level = tied_warning.level
        tied_warning.setLevel(logging.ERROR)
        try:
            self.accelerator.save_state(str(tmp))
        finally:
            tied_warning.setLevel(level)
        if self.is_main:
            atomic_write_json(tmp / STATE_FILE, {"step": self.step, "best_metric": self.best,
                                                 "skipped_steps": self.skipped, "settings": _jsonable(asdict(self.settings))})
            if final.exists():
                shutil.rmtree(final)
            tmp.rename(final)
            for old in checkpoint_dirs(self.run_dir)[: -max(1, self.settings.keep_checkpoints)]:
                shutil.rmtree(old, ignore_errors=True)
        self.accelerator.wait_for_everyone()

    def _save_model(self, name: str, metrics: dict[str, float]) -> None:
        model = self.ema.module if self.ema is not None else self.unwrapped
        with staging_dir(self.run_dir / name, replace=True) as folder, quiet_transformers():
            model.save_pretrained(folder, safe_serialization=True)
            atomic_write_json(folder / "glovego_run.json", {
                **self.run_info, "step": self.step, "metrics": metrics, "best_metric": self.best,
                "settings": _jsonable(asdict(self.settings)),
            })

    # ----- validation --------------------------------------------------------------------------
    def _validate(self, logger: RunLogger) -> dict[str, float]:
        from glovego_model.inference.predictor import EhoiPredictor

        metrics: dict[str, float] = {}
        if self.is_main and self.val_index is not None:
            model = self.ema.module if self.ema is not None else self.unwrapped
            was_training = model.training
            predictor = EhoiPredictor(model, device=self.accelerator.device)
            metrics = validate(predictor, self.val_index, self.settings.eval_batch_size)
            model.train(was_training)
            logger.log(self.step, "val", metrics)
            if self.best is None or metrics["headline"] > self.best:
                self.best = metrics["headline"]
                self._save_model("best", metrics)
            if self.on_validation is not None:
                self.on_validation(self.step, metrics)
        self.accelerator.wait_for_everyone()
        return metrics

    # ----- loop --------------------------------------------------------------------------------
    def fit(self) -> TrainResult:
        s = self.settings
        self.run_dir.mkdir(parents=True, exist_ok=True)
        logger = RunLogger(self.run_dir, enabled=self.is_main, wandb=s.wandb, config=_jsonable(asdict(s)),
                           resume_step=self.step)
        accum = s.grad_accumulation
        loader = train_loader(
            self.train_index, batch_size=s.batch_size, seed=s.seed, start_step=self.step * accum,
            total_steps=s.max_steps * accum, augment=AugmentConfig(sizes=s.sizes, flip=s.flip, jitter=s.jitter),
            workers=s.workers, rank=self.accelerator.process_index, world=self.accelerator.num_processes,
        )
        self.model.train()
        progress, task = self._progress()
        window: dict[str, float] = {}
        window_n = 0
        last_metrics: dict[str, float] = {}
        started = time.time()
        guard = FiniteStepGuard(self.model, self.accelerator, self.skipped)
        try:
            for micro, (pixels, labels) in enumerate(loader):
                pixels = pixels.to(self.accelerator.device, non_blocking=True)
                labels = labels_to(labels, self.accelerator.device)
                with self.accelerator.accumulate(self.model):
                    guard.before_forward()
                    with self.accelerator.autocast():
                        outputs = self.model(pixels, labels=labels)
                    loss = outputs.loss
                    if guard.loss_is_finite(loss):
                        self.accelerator.backward(loss)
                    elif self.accelerator.num_processes > 1:
                        # DDP needs a backward after every forward (its reducer waits for it); these
                        # gradients are thrown away with the step below.
                        self.accelerator.backward(loss * 0.0)
                    if self.accelerator.sync_gradients:
                        grad_norm = None
                        if not guard.step_is_bad:
                            grad_norm = self.accelerator.clip_grad_norm_(
                                self.model.parameters(), s.grad_clip if s.grad_clip > 0 else math.inf)
                        if guard.commit(grad_norm, scaled=self.accelerator.scaler is not None):
                            self.optimizer.step()
                        self.scheduler.step()  # a skipped step still moves the schedule: lr stays a function of step
                        self.optimizer.zero_grad(set_to_none=True)
                if guard.last_loss_finite:
                    window["loss"] = window.get("loss", 0.0) + float(loss.detach())
                    for key, value in (outputs.loss_dict or {}).items():
                        if key.startswith("loss_ehoi") or key in ("loss_vfl", "loss_bbox", "loss_giou"):
                            window[key] = window.get(key, 0.0) + float(torch.as_tensor(value).detach())
                    window_n += 1
                if not self.accelerator.sync_gradients:
                    continue
                self.step += 1
                self.skipped = guard.skipped
                if guard.consecutive >= MAX_CONSECUTIVE_SKIPS:
                    raise GlovegoError(
                        f"training diverged at step {self.step}: {guard.consecutive} steps in a row had a non-finite "
                        "loss or gradient (weights kept from before them); lower --lr or use --mixed-precision no")
                if self.ema is not None and not guard.last_step_skipped:
                    self.ema.update(self.unwrapped)
                if progress is not None:
                    progress.update(task, completed=self.step, loss=window["loss"] / window_n if window_n else math.nan)
                if self.step % max(1, s.log_every) == 0 or self.step == s.max_steps:
                    row = {k: v / window_n for k, v in window.items()} if window_n else {"loss": math.nan}
                    row["lr"] = self.scheduler.get_last_lr()[-1]
                    row["skipped_steps"] = self.skipped
                    logger.log(self.step, "train", row)
                    window, window_n = {}, 0
                if s.eval_every and self.step % s.eval_every == 0 and self.step < s.max_steps:
                    last_metrics = self._validate(logger)
                if s.save_every and self.step % s.save_every == 0 and self.step < s.max_steps:
                    self._save_checkpoint()
                if s.stop_after is not None and self.step >= s.stop_after and self.step < s.max_steps:
                    break
        finally:
            if progress is not None:
                progress.stop()
        if self.step < s.max_steps:
            self._save_checkpoint()
            logger.close()
            return TrainResult(step=self.step, best_metric=self.best, final_metrics=last_metrics, run_dir=self.run_dir)
        last_metrics = self._validate(logger) if self.val_index is not None else last_metrics
        self._save_checkpoint()
        if self.is_main:
            self._save_model("final", last_metrics)
            if logger.csv_path.is_file():
                plot_curves(logger.csv_path, self.run_dir / "curves.png")
        logger.close()
        self.accelerator.wait_for_everyone()
        self.run_info["train_seconds"] = time.time() - started
        return TrainResult(step=self.step, best_metric=self.best, final_metrics=last_metrics, run_dir=self.run_dir)

    def _progress(self):
        if not (self.is_main and self.settings.progress):
            return None, None
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

        progress = Progress(
            TextColumn("[bold]train"), BarColumn(), MofNCompleteColumn(), TextColumn("loss {task.fields[loss]:.3f}"),
            TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
        )
        task = progress.add_task("train", total=self.settings.max_steps, completed=self.step, loss=math.nan)
        progress.start()
        return progress, task


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    return value
