"""`glovego solo-generate`: write a generated SOLO export of hand scenes (tests, demos, benchmarks)."""

from __future__ import annotations

from pathlib import Path

from glovego_data.errors import GlovegoError
from glovego_data.outputs import OutputPlan
from glovego_data.progress import Progress, no_progress
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
    progress: Progress = no_progress,
) -> GeneratedSolo:
    """Generate the export (progress: one task, "steps")."""
    outputs = OutputPlan("solo-generate", [], overwrite=overwrite).folder("OUT_DIR", out_dir).check()
    try:
        return generate_solo(
            out_dir, sequences=sequences, steps=steps, width=width, height=height, seed=seed, dense=dense,
            hands=(2, 2), cameras=cameras, metadata=metadata, id_space=id_space, label_style=label_style,
            depth=depth, progress=progress, open_stage=outputs.stager("OUT_DIR"),
        )
    except ValueError as exc:
        raise GlovegoError(str(exc)) from None
