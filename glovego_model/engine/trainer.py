"""The training loop: accelerate for devices and precision, step-addressed data, exact resume,
periodic validation, `best/` and `final/` model folders (detector.md §2.9)."""

from __future__ import annotations

import json
import logging
import math
import os
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

import torch

from glovego_data.atomic import atomic_write_json, staging_dir
from glovego_data.errors import GlovegoError
from glovego_data.hashing import sha256_file
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
EMA_FILE = "ema.safetensors"
_log = logging.getLogger("glovego.train")


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
                 on_validation: Callable[[int, dict], None] | None = None,
                 on_notice: Callable[[str], None] | None = None) -> None:
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
        self.ema = ModelEMA(self.unwrapped) if settings.ema else None  # saved as safetensors, never pickled
        self.step = 0
        self.skipped = 0  # optimizer steps skipped for a non-finite loss or gradient (metrics.csv: skipped_steps)
        self.best: float | None = None
        self.on_notice = on_notice or _log.warning
        self.resumed_window: tuple[dict[str, float], int] = ({}, 0)  # loss sums since the last log row
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
        """Continue from the newest checkpoint that reads back whole; a damaged one (truncated
        weights, state or config) is named and the one before it is used."""
        found = checkpoint_dirs(self.run_dir)
        if not found:
            raise GlovegoError(f"--resume: no checkpoint in {self.run_dir / 'checkpoints'}")
        problems: list[str] = []
        for folder in reversed(found):
            try:
                self._load_checkpoint(folder)
            except GlovegoError as error:
                problems.append(str(error))
                continue
            if problems:
                self.on_notice(f"{'; '.join(problems)}; resuming from the previous good checkpoint {folder.name} instead")
            return
        raise GlovegoError(f"{'; '.join(problems)}; no earlier checkpoint to fall back to")

    def _load_checkpoint(self, folder: Path) -> None:
        state_path = folder / STATE_FILE
        try:
            state = json.loads(state_path.read_bytes())
            step, best = int(state["step"]), state.get("best_metric")
            window = state.get("loss_window") or {}
            window = ({str(k): float(v) for k, v in (window.get("sums") or {}).items()}, int(window.get("n", 0)))
            rng = _host_rng_from(state.get("rng"))
        except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError) as error:
            raise GlovegoError(f"{state_path}: damaged or truncated ({type(error).__name__}: {error})") from None
        _verify_files(folder, state.get("files"))
        try:
            self.accelerator.load_state(str(folder))
        except Exception as error:  # safetensors / torch errors name no file
            raise GlovegoError(f"{folder}: cannot load the checkpoint ({type(error).__name__}: {error})") from None
        if self.ema is not None:
            self._load_ema(folder, state)
        self.step, self.best, self.resumed_window = step, best, window
        self.skipped = int(state.get("skipped_steps", 0))
        _restore_host_rng(rng)

    def _load_ema(self, folder: Path, state: dict[str, Any]) -> None:
        from safetensors.torch import load_model

        path = folder / EMA_FILE
        if not path.is_file():
            raise GlovegoError(f"{path}: missing (the run used --ema; a checkpoint of an older version kept the EMA "
                               "in a pickle, which is no longer read)")
        try:
            load_model(self.ema.module, str(path))
        except Exception as error:
            raise GlovegoError(f"{path}: cannot load the EMA weights ({type(error).__name__}: {error})") from None
        self.ema.updates = int(state.get("ema_updates", 0))

    def _save_checkpoint(self, window: tuple[dict[str, float], int] = ({}, 0)) -> None:
        """`accelerator.save_state` (weights, optimizer, scheduler, RNG), the EMA as safetensors, and
        trainer_state.json (step, best metric, loss window, every file's size and hash) written last;
        built in a temporary folder and renamed, so a kill or a full disk never leaves a half checkpoint."""
        final = self.run_dir / "checkpoints" / f"step_{self.step}"
        tmp = final.with_name(final.name + ".tmp")
        if self.is_main and tmp.exists():
            shutil.rmtree(tmp)
        self.accelerator.wait_for_everyone()
        try:
            self._write_checkpoint(tmp, window)
        except (OSError, RuntimeError) as error:  # torch reports a full disk as a RuntimeError naming no disk
            if self.is_main:
                shutil.rmtree(tmp, ignore_errors=True)
            raise GlovegoError(_write_failure(tmp, final.name, error)) from None
        except BaseException:
            if self.is_main:
                shutil.rmtree(tmp, ignore_errors=True)
            raise
        if self.is_main:
            if final.exists():
                shutil.rmtree(final)
            tmp.rename(final)
            for old in checkpoint_dirs(self.run_dir)[: -max(1, self.settings.keep_checkpoints)]:
                shutil.rmtree(old, ignore_errors=True)
        self.accelerator.wait_for_everyone()

    def _write_checkpoint(self, tmp: Path, window: tuple[dict[str, float], int]) -> None:
        # accelerate warns about every tied decoder head it stores once; the tie is restored on load.
        tied_warning = logging.getLogger("accelerate.utils.other")
        level = tied_warning.level
        tied_warning.setLevel(logging.ERROR)
        try:
            self.accelerator.save_state(str(tmp))
        finally:
            tied_warning.setLevel(level)
        if self.is_main:
            state: dict[str, Any] = {"step": self.step, "best_metric": self.best,
                                     "skipped_steps": self.skipped,
                                     "loss_window": {"sums": window[0], "n": window[1]}, "rng": _host_rng()}
            if self.ema is not None:
                from safetensors.torch import save_model

                save_model(self.ema.module, str(tmp / EMA_FILE))
                state["ema_updates"] = self.ema.updates
            state["files"] = _file_digests(tmp)
            state["settings"] = _jsonable(asdict(self.settings))
            atomic_write_json(tmp / STATE_FILE, state)

    def _save_model(self, name: str, metrics: dict[str, float]) -> None:
        model = self.ema.module if self.ema is not None else self.unwrapped
        with staging_dir(self.run_dir / name, replace=True, command="train") as folder, quiet_transformers():
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
        window, window_n = self.resumed_window
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
                    self._save_checkpoint((window, window_n))
                if s.stop_after is not None and self.step >= s.stop_after and self.step < s.max_steps:
                    break
        finally:
            if progress is not None:
                progress.stop()
        if self.step < s.max_steps:
            self._save_checkpoint((window, window_n))
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


def _file_digests(folder: Path) -> dict[str, dict[str, Any]]:
    """Size and sha256 of every file of a checkpoint, so a truncated one is named on resume."""
    return {path.relative_to(folder).as_posix(): {"bytes": path.stat().st_size, "sha256": sha256_file(path)}
            for path in sorted(p for p in folder.rglob("*") if p.is_file())}


def _verify_files(folder: Path, files: Any) -> None:
    if not isinstance(files, dict):  # a checkpoint of an older version: loading will tell
        return
    for name, expected in files.items():
        path = folder / name
        if not path.is_file():
            raise GlovegoError(f"{path}: missing from the checkpoint")
        size = path.stat().st_size
        if size != expected.get("bytes"):
            raise GlovegoError(f"{path}: truncated or changed ({size} bytes; the checkpoint wrote {expected.get('bytes')})")
        if sha256_file(path) != expected.get("sha256"):
            raise GlovegoError(f"{path}: changed since the checkpoint was written (sha256 differs)")


def _host_rng() -> dict[str, Any]:
    """Python's and numpy's generator states as JSON (torch's travels in accelerate's state)."""
    import random

    import numpy as np

    version, internal, gauss = random.getstate()
    name, keys, pos, has_gauss, cached = np.random.get_state()
    return {"python": [version, list(internal), gauss],
            "numpy": [name, [int(k) for k in keys], int(pos), int(has_gauss), float(cached)]}


def _host_rng_from(state: Any) -> tuple[tuple, tuple] | None:
    """The states `_host_rng` stored, typed for `random.setstate` / `np.random.set_state` (None: none stored)."""
    import numpy as np

    if state is None:
        return None
    version, internal, gauss = state["python"]
    name, keys, pos, has_gauss, cached = state["numpy"]
    return ((int(version), tuple(int(v) for v in internal), None if gauss is None else float(gauss)),
            (str(name), np.asarray(keys, dtype=np.uint32), int(pos), int(has_gauss), float(cached)))


def _restore_host_rng(states: tuple[tuple, tuple] | None) -> None:
    import random

    import numpy as np

    if states is not None:
        random.setstate(states[0])
        np.random.set_state(states[1])


def _mount_point(path: Path) -> Path:
    path = path.resolve()
    while not path.exists():
        path = path.parent
    while not os.path.ismount(path):
        path = path.parent
    return path


def _write_failure(tmp: Path, name: str, error: BaseException) -> str:
    """One line for a checkpoint that could not be written: which folder, which disk, how full."""
    folder = tmp.parent
    reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error).splitlines()[0]
    try:
        usage = shutil.disk_usage(_mount_point(folder))
        disk = f"; the disk {_mount_point(folder)} has {usage.free / 2**20:.0f} MiB free of {usage.total / 2**20:.0f} MiB"
    except OSError:
        disk = ""
    return f"{folder}: cannot write checkpoint {name} ({reason}){disk}; nothing half-written is left, the earlier checkpoints are kept"


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    return value
