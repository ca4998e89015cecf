"""Resuming an interrupted `solo2coco`: the staging folder `OUT_DIR.tmp/` is kept, with a checkpoint
of everything written for the frames before it.

A checkpoint is taken between frames, so it always describes whole frames: the part files'
lengths, the id counters and the report so far. Resuming truncates the part files to those lengths
and converts the remaining frames; the output bytes equal an uninterrupted run's. The checkpoint
is only used for the same frames with the same output options (its key), and when the frame files
it covers are unchanged (name, size, time): a frame after it may have been fixed since.
"""

from __future__ import annotations

import hashlib
import json
import pickle
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from glovego_data import __version__
from glovego_data.atomic import atomic_write_bytes
from glovego_data.solo.reader import FrameRef
from glovego_data.solo.report import ConversionReport, Tally

CHECKPOINT = Path(".work") / "checkpoint.pkl"


@dataclass
class Checkpoint:
    key: str
    frames_done: int  # frames converted or skipped, all written
    inputs: str  # InputsDigest of those frames
    parts: dict[str, tuple[int, bool]]  # part file → (bytes, still empty)
    next_image: int
    next_annotation: int
    report: ConversionReport
    without_depth: Tally
    seconds: float  # time spent by the runs before


def run_key(solo_dir: Path, refs: list[FrameRef], output_options: dict[str, Any]) -> str:
    """Fingerprint of the frame list (ids follow its order) and of the options that shape the output."""
    text = json.dumps({"glovego": __version__, "solo": str(solo_dir.resolve()), "frames": [ref.rel for ref in refs],
                       "options": output_options}, sort_keys=True, default=repr)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class InputsDigest:
    """Running digest of the frame files converted so far: name, size and modification time."""

    def __init__(self, refs: list[FrameRef] = ()) -> None:
        self._hash = hashlib.sha256()
        for ref in refs:
            self.add(ref)

    def add(self, ref: FrameRef) -> None:
        stat = ref.path.stat()
        self._hash.update(f"{ref.rel}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode("utf-8"))

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


def load_checkpoint(stage: Path, key: str, refs: list[FrameRef]) -> Checkpoint | None:
    """The staging folder's checkpoint when it was made for this conversion, else None."""
    path = stage / CHECKPOINT
    if not path.is_file():
        return None
    try:
        checkpoint = pickle.loads(path.read_bytes())
    except Exception:  # a checkpoint from another version, or damaged: start over
        return None
    if not isinstance(checkpoint, Checkpoint) or checkpoint.key != key:
        return None
    if InputsDigest(refs[: checkpoint.frames_done]).hexdigest() != checkpoint.inputs:
        return None
    return checkpoint


def save_checkpoint(stage: Path, checkpoint: Checkpoint) -> None:
    atomic_write_bytes(stage / CHECKPOINT, pickle.dumps(checkpoint, protocol=pickle.HIGHEST_PROTOCOL))
