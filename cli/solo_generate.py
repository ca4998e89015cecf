"""`glovego solo-generate OUT_DIR`: parse the options and print; the work is in the pipeline."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.table import Table

from glovego_cli.errors import run_guarded
from glovego_cli.option_checks import one_of
from glovego_cli.progress import rich_progress

if TYPE_CHECKING:
    from glovego_data.solo.generator import GeneratedSolo

LABEL_STYLES = ("unity", "mediapipe", "snake", "camel")  # glovego_data.solo.generator.keypoint_labels
MAX_SIDE = 8192  # pixels: a larger frame is a typo, not a camera

EPILOG = """Examples:

  glovego solo-generate sample_solo/

  glovego solo-generate dense_solo/ --sequences 20 --steps 10 --width 1280 --height 720 --dense

  glovego solo-generate geo_solo/ --metadata 0 --cameras 2 --label-style mediapipe
"""


def solo_generate(
    out_dir: Path = typer.Argument(..., help="The SOLO folder to create."),
    sequences: int = typer.Option(2, "--sequences", min=1, help="Sequences (scenario iterations)."),
    steps: int = typer.Option(3, "--steps", min=1, help="Steps per sequence."),
    width: int = typer.Option(640, "--width", min=32, max=MAX_SIDE),
    height: int = typer.Option(360, "--height", min=32, max=MAX_SIDE),
    seed: int = typer.Option(0, "--seed", help="Same seed, same bytes."),
    dense: bool = typer.Option(False, "--dense", help="About 80 small instances per frame (benchmark setting)."),
    cameras: int = typer.Option(1, "--cameras", min=1, help="RGB sensors per step."),
    metadata: float = typer.Option(1.0, "--metadata", min=0.0, max=1.0, help="Share of frames with the interaction tag."),
    id_space: str = typer.Option("instanceId", "--id-space", help="How id_obj names the object: instanceId, labelId, metadata:object_info.object_id."),
    label_style: str = typer.Option("unity", "--label-style", callback=one_of(*LABEL_STYLES), help="Keypoint labels: unity, mediapipe, snake, camel."),
    depth: bool = typer.Option(True, "--depth/--no-depth", help="Write the depth EXR."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace OUT_DIR if it exists."),
) -> None:
    """Generate a Unity Perception SOLO export of egocentric hand scenes with known ground truth.

    Real SOLO 1.0 files (frame JSON, RGB and instance PNGs, depth EXR, 21-point hand template,
    hand_object_interaction metadata) for trying `glovego solo2coco` without Unity.
    """
    from glovego_pipelines.solo_generate import run_solo_generate

    console = Console(stderr=True)

    def job() -> GeneratedSolo:
        with rich_progress(console) as progress:
            return run_solo_generate(
                out_dir, sequences=sequences, steps=steps, width=width, height=height, seed=seed, dense=dense,
                cameras=cameras, metadata=metadata, id_space=id_space, label_style=label_style, depth=depth,
                overwrite=overwrite, progress=progress,
            )

    console.print(summary_table(run_guarded("solo-generate", job)))


def summary_table(generated: GeneratedSolo) -> Table:
    frames = generated.frames
    hands = [h for f in frames for h in f.hands]
    table = Table(title=f"solo-generate: {generated.root}")
    table.add_column("what")
    table.add_column("value", justify="right")
    table.add_row("captures (sequence × step × camera)", str(len(frames)))
    table.add_row("instances per capture", f"{sum(len(f.instances) for f in frames) / max(1, len(frames)):.1f}")
    table.add_row("hands", str(len(hands)))
    table.add_row("hands in contact", str(sum(h.contact for h in hands)))
    table.add_row("gloved hands", str(sum(h.glove == 1 for h in hands)))
    table.add_row("keypoints visible / occluded / outside",
                  " / ".join(str(sum(k[2] == s for h in hands for k in h.keypoints)) for s in (2, 1, 0)))
    table.add_row("id_obj space", generated.id_space)
    return table


# The options that write, per mode (tests/safety/test_output_table.py tries each; see ARCHITECTURE.md).
OUTPUTS = {"solo-generate": {"": ("OUT_DIR",)}}


def register(app: typer.Typer) -> None:
    app.command("solo-generate", epilog=EPILOG)(solo_generate)
