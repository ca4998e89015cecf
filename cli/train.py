"""`glovego train`: train the GlovEgo-Net detector on EHOI-COCO data (torch is imported inside)."""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import List, Optional

import typer
from rich.console import Console
from rich.table import Table

from glovego_cli.errors import run_guarded
from glovego_cli.warnings import print_warnings

EPILOG = """Examples:

  # the CI-size model from scratch on a generated package (minutes on a CPU)
  glovego train --config ci_tiny --train-json toy/annotations/train.json --output-dir runs/tiny

  # synthetic pre-training, then fine-tuning on 25 % of the real data with frozen modules
  glovego train --config synth_pretrain --train-json pkg/synth/annotations/train.json \\
      --val-json pkg/synth/annotations/val.json --output-dir runs/synth
  glovego train --config finetune_real_25 --init runs/synth/best --output-dir runs/ft25 \\
      --train-json pkg/real/annotations/train_25.json --val-json pkg/real/annotations/val.json

  # continue a killed run exactly where its last checkpoint left it
  glovego train --config ci_tiny --train-json toy/annotations/train.json --output-dir runs/tiny --resume

  # several GPUs / nodes
  accelerate launch -m glovego_cli.main train --config synth_pretrain ...
"""


def train(
    ctx: typer.Context,
    train_json: List[Path] = typer.Option([], "--train-json", help="Training EHOI-COCO JSON (repeat to mix, e.g. synthetic + real)."),
    val_json: Optional[Path] = typer.Option(None, "--val-json", help="Validation JSON (EHOI metrics, `best/` selection)."),
    output_dir: Optional[Path] = typer.Option(None, "--output-dir", help="Run folder: checkpoints/, best/, final/, metrics.csv, curves.png."),
    config: Optional[str] = typer.Option(None, "--config", help="Recipe TOML path or bundled name (ci_tiny, synth_pretrain, finetune_real_25, …)."),
    init: Optional[str] = typer.Option(None, "--init", help="scratch, a save_pretrained folder, or a hub id already in the local cache."),
    freeze: List[str] = typer.Option([], "--freeze", help="Module to freeze (repeat): backbone encoder decoder side contact glove offset keypoints depth mask contact_crop, or a reference name."),
    max_steps: Optional[int] = typer.Option(None, "--max-steps", help="Optimizer steps."),
    batch_size: Optional[int] = typer.Option(None, "--batch-size", help="Images per step per process."),
    grad_accumulation: Optional[int] = typer.Option(None, "--grad-accumulation", help="Micro-batches per optimizer step."),
    lr: Optional[float] = typer.Option(None, "--lr", help="AdamW learning rate (backbone × backbone_lr_scale)."),
    image_size: Optional[int] = typer.Option(None, "--image-size", help="Square input size; training draws 0.75–1.25× in steps of 32."),
    contact_modality: Optional[str] = typer.Option(None, "--contact-modality", help="'+'-joined subset of rgb depth mask kpts fusion."),
    arch: Optional[str] = typer.Option(None, "--arch", help="rt_detr_v2 (default), rt_detr or d_fine (scratch only)."),
    backbone_depth: Optional[int] = typer.Option(None, "--backbone-depth", help="ResNet depth 18/34/50/101 (scratch only)."),
    eval_every: Optional[int] = typer.Option(None, "--eval-every", help="Validate every N steps (0: at the end)."),
    save_every: Optional[int] = typer.Option(None, "--save-every", help="Checkpoint every N steps (0: at the end)."),
    seed: Optional[int] = typer.Option(None, "--seed", help="Seed of weights, data order and augmentation."),
    workers: Optional[int] = typer.Option(None, "--workers", help="Data-loading worker processes."),
    mixed_precision: Optional[str] = typer.Option(None, "--mixed-precision", help="auto (bf16/fp16 on GPU, none on CPU), no, bf16, fp16."),
    ema: Optional[bool] = typer.Option(None, "--ema/--no-ema", help="Keep an EMA of the weights for validation and saving."),
    resume: bool = typer.Option(False, "--resume", help="Continue from the run folder's last checkpoint."),
    stop_after: Optional[int] = typer.Option(None, "--stop-after", help="Checkpoint and stop at this step (time-limited jobs); continue with --resume."),
    wandb: bool = typer.Option(False, "--wandb", help="Also log to Weights & Biases."),
) -> None:
    """Train GlovEgo-Net (RT-DETRv2 + EHOI heads) with accelerate; resumable, validated, self-describing outputs."""

    resume_command = _resume_command(ctx)

    def job() -> None:
        from glovego_pipelines.train import load_recipe, merge_options, run_train

        recipe = load_recipe(config) if config else None
        options = merge_options(recipe, dict(
            train_json=[str(p) for p in train_json], val_json=str(val_json) if val_json else None,
            output_dir=str(output_dir) if output_dir else None, init=init, freeze=list(freeze), max_steps=max_steps,
            batch_size=batch_size, grad_accumulation=grad_accumulation, lr=lr, image_size=image_size,
            contact_modality=contact_modality, arch=arch, backbone_depth=backbone_depth, eval_every=eval_every,
            save_every=save_every, seed=seed, workers=workers, mixed_precision=mixed_precision, ema=ema,
            resume=resume or None, wandb=wandb or None, stop_after=stop_after,
        ))
        try:
            result = run_train(options, warn=lambda line: print_warnings([line]), on_notice=_notice)
        except KeyboardInterrupt:
            _say_how_to_resume(Path(options.output_dir), resume_command)
            raise
        console = Console()
        table = Table(title=f"glovego train → {result.run_dir}")
        table.add_column("metric")
        table.add_column("value", justify="right")
        table.add_row("steps", str(result.step))
        table.add_row("best headline", "–" if result.best_metric is None else f"{result.best_metric:.2f}")
        for key, value in result.final_metrics.items():
            table.add_row(key, f"{value:.4f}" if isinstance(value, float) else str(value))
        console.print(table)
        console.print(json.dumps({"run_dir": str(result.run_dir), "step": result.step, "best": result.best_metric}))

    run_guarded("train", job)


def _notice(message: str) -> None:
    Console(stderr=True).print(f"[bold yellow]train:[/] {message}", soft_wrap=True, highlight=False)


def _resume_command(ctx: typer.Context) -> str:
    """This very command line with `--resume`, rebuilt from the parsed options (quoted for a shell)."""
    words = ["glovego", "train"]
    for param in ctx.command.params:
        value = ctx.params.get(param.name)
        if param.param_type_name != "option" or value is None or value == () or value == []:
            continue
        if param.is_flag:  # --ema/--no-ema: None when not given; plain flags: False when not given
            if value or param.secondary_opts:
                words.append(param.opts[0] if value else param.secondary_opts[0])
            continue
        for item in value if param.multiple else [value]:
            words += [param.opts[0], str(item)]
    if "--resume" not in words:
        words.append("--resume")
    return shlex.join(words)


def _say_how_to_resume(output_dir: Path, command: str) -> None:
    from glovego_pipelines.train import resume_hint

    Console(stderr=True).print(f"[bold yellow]train:[/] {resume_hint(output_dir, command)}", soft_wrap=True,
                               highlight=False)


# The options that write, per mode (tests/safety/test_output_table.py tries each; see ARCHITECTURE.md).
OUTPUTS = {"train": {"": ("--output-dir",)}}


def register(app: typer.Typer) -> None:
    app.command("train", epilog=EPILOG)(train)
