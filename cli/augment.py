"""`glovego augment-gloves IN_DIR OUT_DIR`: parse options, show progress, print the report."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import typer
from rich.console import Console
from rich.table import Table

from glovego_cli.errors import run_guarded
from glovego_cli.progress import rich_progress
from glovego_data.augment.flux_kontext import DEFAULT_MODEL, DEFAULT_PROMPT  # plain constants: no torch import

EPILOG = """Examples:

  glovego augment-gloves real/ real-gloved/ --ssim 0.95 --model ~/models/FLUX.1-Kontext-dev --batch-size 2

  glovego augment-gloves real/ real-gloved/ --backend classical --glove-color orange --preview 12

  accelerate launch --num_processes 8 $(which glovego) augment-gloves real/ real-gloved/ --model DIR
"""



def augment_gloves(
    in_dir: Path = typer.Argument(..., help="Input EHOI-COCO root (images/ + annotations/)."),
    out_dir: Path = typer.Argument(..., help="Output root; also holds the resumable journal."),
    ssim: float = typer.Option(0.95, "--ssim", help="Keep an edit only if whole-image gray SSIM ≥ this (0, 1]."),
    backend: str = typer.Option("flux-kontext", "--backend", help="flux-kontext (whole image, as the paper; GPU, gated weights), flux-kontext-inpaint (the same model, hands only) or classical (CPU recolour)."),
    model: str = typer.Option(DEFAULT_MODEL, "--model", help="Local diffusers folder or a hub id already in the local cache."),
    prompt: str = typer.Option(DEFAULT_PROMPT, "--prompt", help="Kontext instruction."),
    fraction: float = typer.Option(1.0, "--fraction", help="Share of eligible images to edit (hash-drawn per file name)."),
    seed: int = typer.Option(0, "--seed", help="Selection and per-image generator seed."),
    batch_size: int = typer.Option(1, "--batch-size", help="Images per Kontext call (same work size)."),
    mode: str = typer.Option("replace", "--mode", help="replace: edited images replace originals; add: kept as <stem>-glove copies."),
    composite: bool = typer.Option(True, "--composite/--no-composite", help="Paste the edit back only inside dilated hand regions."),
    ssim_on: str = typer.Option("raw", "--ssim-on", help="Gate on the raw model output (paper) or the composite."),
    lossless: bool = typer.Option(False, "--lossless", help="Write edited images as PNG (file_name updated)."),
    hand_ssim_max: float = typer.Option(0.90, "--hand-ssim-max", help="A hand is gloved if its region SSIM is below this..."),
    hand_change_min: float = typer.Option(0.50, "--hand-change-min", help="...or this share of its pixels changed by > 24 levels."),
    pseudo_keypoints: bool = typer.Option(False, "--pseudo-keypoints", help="MediaPipe landmarks for edited-image hands without keypoints."),
    glove_color: str = typer.Option("yellow", "--glove-color", help="Classical: yellow, orange, grey-nitrile, blue-nitrile or R,G,B."),
    steps: int = typer.Option(28, "--steps", help="Kontext denoising steps."),
    guidance: float = typer.Option(2.5, "--guidance", help="Kontext distilled guidance."),
    max_sequence_length: int = typer.Option(512, "--max-sequence-length", help="T5 prompt tokens (512 = Kontext's maximum)."),
    work_scale: float = typer.Option(1.0, "--work-scale", help="Scale Kontext's preferred work size (1 = paper-faithful; < 1 for quick looks)."),
    compile_: bool = typer.Option(False, "--compile", help="torch.compile the transformer's repeated blocks."),
    offload: Optional[str] = typer.Option(None, "--offload", help="'model': diffusers model CPU offload for small GPUs."),
    preview: int = typer.Option(0, "--preview", help="Write preview.png for the first N selected images."),
    restart: bool = typer.Option(False, "--restart", help="Ignore and delete an existing journal."),
    strict: bool = typer.Option(False, "--strict", help="Stop on the first model failure instead of marking images failed."),
    hand_model: Optional[Path] = typer.Option(
        None, "--hand-model", envvar="GLOVEGO_HAND_MODEL",
        help="MediaPipe hand_landmarker.task for the Tasks API (mediapipe ≥ 0.10.30); default: the models bundled in mediapipe 0.10.21.",
    ),
) -> None:
    """Put work gloves on real hands; keep an edit only if it passes the SSIM gate; mark gloved hands.

    Resumable: run the same command again after an interruption. Multi-GPU: launch with accelerate.
    """

    def job() -> Optional[dict[str, Any]]:
        from glovego_pipelines.augment_gloves import AugmentOptions, run_augment

        options = AugmentOptions(
            ssim=ssim, backend=backend, model=model, prompt=prompt, fraction=fraction, seed=seed,
            batch_size=batch_size, mode=mode, composite=composite, ssim_on=ssim_on, lossless=lossless,
            hand_ssim_max=hand_ssim_max, hand_change_min=hand_change_min, pseudo_keypoints=pseudo_keypoints,
            glove_color=glove_color, steps=steps, guidance=guidance, max_sequence_length=max_sequence_length, work_scale=work_scale, preview=preview,
            restart=restart, strict=strict, compile=compile_, offload=offload,
            hand_model=str(hand_model) if hand_model is not None else None,
        )
        _note_missing_landmarks(pseudo_keypoints, hand_model)
        with rich_progress(Console(stderr=True)) as progress:
            return run_augment(in_dir, out_dir, options, progress)

    report = run_guarded("augment-gloves", job)
    if report is not None:
        print_report(report, out_dir)


def _note_missing_landmarks(pseudo_keypoints: bool, hand_model: Optional[Path]) -> None:
    """Without MediaPipe the regions come from masks or boxes (spec §5.1): say so, and how to get landmarks."""
    if pseudo_keypoints or hand_model is not None:
        return  # these need landmarks: the pipeline stops with the same message instead
    from glovego_data.augment.mediapipe_hands import hand_landmarks_unavailable

    problem = hand_landmarks_unavailable()
    if problem:
        Console(stderr=True).print(f"note: hand regions from masks or boxes only; {problem}", markup=False, highlight=False)


def print_report(report: dict[str, Any], out_dir: Path) -> None:
    console = Console()
    table = Table(title=f"augment-gloves → {out_dir}", show_header=True)
    table.add_column("images")
    table.add_column("count", justify="right")
    for key in ("images_seen", "eligible", "selected"):
        table.add_row(key.replace("_", " "), str(report[key]))
    for status, count in report["outcomes"].items():
        table.add_row(status.replace("_", " "), str(count))
    console.print(table)
    hands = Table(title="hands", show_header=True)
    for col in ("", "hands", "gloved", "%"):
        hands.add_column(col, justify="right")
    for key in ("gloved_hands_before", "gloved_hands_after"):
        h = report[key]
        hands.add_row(key.split("_")[-1], str(h["hands"]), str(h["gloved"]), f"{h['percent']:.2f}")
    console.print(hands)
    console.print("region sources: " + (", ".join(f"{k} {v}" for k, v in report["region_sources"].items()) or "none"))
    hist = report["ssim"]["histogram"]
    if hist:
        top = max(hist.values())
        ssim = Table(title=f"SSIM ({report['ssim']['on']}, threshold {report['ssim']['threshold']})", show_header=False)
        ssim.add_column("bin")
        ssim.add_column("n", justify="right")
        ssim.add_column("")
        for edge, n in hist.items():
            style = "green" if float(edge) + 0.01 > report["ssim"]["threshold"] else "red"
            ssim.add_row(edge, str(n), f"[{style}]" + "█" * max(1, round(30 * n / top)) + "[/]")
        console.print(ssim)
    timing = report["timing"]
    if timing["seconds_per_image"] is not None:
        console.print(f"{timing['images_this_run']} images edited this run: {timing['seconds_per_image']:.3f} s/image, {timing['images_per_second']:.3f} images/s")
    console.print(f"report: {out_dir / 'report.json'}")


# The options that write, per mode (tests/safety/test_output_table.py tries each; see ARCHITECTURE.md).
OUTPUTS = {"augment-gloves": {"": ("OUT_DIR",)}}


def register(app: typer.Typer) -> None:
    app.command("augment-gloves", epilog=EPILOG)(augment_gloves)
