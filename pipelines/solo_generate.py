"""`glovego solo-generate`: write a generated SOLO export of hand scenes (tests, demos, benchmarks)."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

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
    progress: Callable[[int, int], None] | None = None,
) -> GeneratedSolo:
    """Generate the export; `progress(done, total)` after each step."""
    if out_dir.exists() and not overwrite:
        raise GlovegoError(f"{out_dir}: already exists; choose a new folder or pass --overwrite")
    try:
        return generate_solo(
            out_dir, sequences=sequences, steps=steps, width=width, height=height, seed=seed, dense=dense,
            hands=(2, 2), cameras=cameras, metadata=metadata, id_space=id_space, label_style=label_style,
            depth=depth, overwrite=overwrite, progress=progress,
        )
    except ValueError as exc:
        raise GlovegoError(str(exc)) from None
