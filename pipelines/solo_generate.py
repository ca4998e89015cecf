"""`glovego solo-generate`: write a generated SOLO export of hand scenes (tests, demos, benchmarks)."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from glovego_data.errors import GlovegoError
from glovego_data.solo.generator import GeneratedSolo, generate_solo


def run_solo_generate(
    out_dir: Path,
    *,
    sequences: int = 2,
    steps: int = 3,
    width: int = 640,
    height: int = 360,
    seed: int = 0,
    dense: bool = False,
    cameras: int = 1,
    metadata: float = 1.0,
    id_space: str = "instanceId",
    label_style: str = "unity",
    depth: bool = True,
    overwrite: bool = False,
    console: Console | None = None,
) -> GeneratedSolo:
    """Generate with a progress bar, then print what the export holds."""
    console = console or Console(stderr=True)
    if out_dir.exists() and not overwrite:
        raise GlovegoError(f"{out_dir}: already exists; choose a new folder or pass --overwrite")
    try:
        with Progress(TextColumn("solo-generate"), BarColumn(), MofNCompleteColumn(), TextColumn("steps"),
                      TimeElapsedColumn(), console=console) as bars:
            task = bars.add_task("steps", total=sequences * steps)
            generated = generate_solo(
                out_dir, sequences=sequences, steps=steps, width=width, height=height, seed=seed, dense=dense,
                hands=(2, 2), cameras=cameras, metadata=metadata, id_space=id_space, label_style=label_style,
                depth=depth, overwrite=overwrite, progress=lambda done, total: bars.update(task, completed=done, total=total),
            )
    except ValueError as exc:
        raise GlovegoError(str(exc)) from None
    console.print(summary_table(generated))
    return generated


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
