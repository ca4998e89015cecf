"""Resuming an interrupted `solo2coco`: the staging folder `OUT_DIR.tmp/` is kept, with a checkpoint
of everything written for the frames before it.

A checkpoint is taken between frames, so it always describes whole frames: the part files'
lengths and sha256, the id counters and the report so far. Resuming verifies each part against its
length and sha256 (else it starts over), truncates the part files to those lengths and converts the
remaining frames; the output bytes equal an uninterrupted run's. The checkpoint
is only used for the same frames with the same output options (its key), and when the frame files
it covers are unchanged (name, size, time): a frame after it may have been fixed since.

The checkpoint is JSON, read field by field into known types: anyone who can write beside the
output can make a resume fail or start over, never run code (no pickle).
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, fields, is_dataclass
from pathlib import Path
from typing import Any

from glovego_data import __version__
from glovego_data.atomic import atomic_write_bytes
from glovego_data.solo.reader import FrameRef
from glovego_data.solo.report import ConversionReport, Tally
from glovego_data.solo.writer import PART_NAMES, PartMark, part_digest

CHECKPOINT = Path(".work") / "checkpoint.json"


@dataclass
class Checkpoint:
    key: str
    frames_done: int  # frames converted or skipped, all written
    inputs: str  # InputsDigest of those frames
    parts: dict[str, PartMark]  # part file → (bytes, still empty, sha256 of those bytes)
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
        checkpoint = checkpoint_from_dict(json.loads(path.read_bytes()))
    except (ValueError, TypeError, KeyError, AttributeError):  # another version's, damaged or forged: start over
        return None
    if checkpoint.key != key:
        return None
    if InputsDigest(refs[: checkpoint.frames_done]).hexdigest() != checkpoint.inputs:
        return None
    if set(checkpoint.parts) != set(PART_NAMES) or not all(
            part_matches(stage / CHECKPOINT.parent / f"{name}.part", checkpoint.parts[name]) for name in PART_NAMES):
        return None
    return checkpoint


def part_matches(path: Path, mark: PartMark) -> bool:
    """The part file holds at least the checkpoint's length, those bytes have its sha256, and they
    end on a whole record: an edited, cut or swapped part is never continued."""
    length, empty, sha256 = mark
    if length < 0 or empty != (length == 0) or not path.is_file() or path.stat().st_size < length:
        return False
    with open(path, "rb") as handle:
        if part_digest(handle, length).hexdigest() != sha256:
            return False
        if length:
            handle.seek(length - 1)
            return handle.read(1) == b"}"
    return True


def save_checkpoint(stage: Path, checkpoint: Checkpoint) -> None:
    atomic_write_bytes(stage / CHECKPOINT, json.dumps(checkpoint_to_dict(checkpoint), allow_nan=False).encode("utf-8"))


def checkpoint_to_dict(checkpoint: Checkpoint) -> Any:
    return _plain(checkpoint)


def _plain(value: Any) -> Any:
    """JSON values of dataclasses, counters (keys as strings: gloves are −1/0/1), dicts and tuples."""
    if is_dataclass(value):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def checkpoint_from_dict(raw: dict[str, Any]) -> Checkpoint:
    """Rebuild a checkpoint, every value checked against the type it must have (TypeError if not)."""
    if not isinstance(raw, dict) or set(raw) != {f.name for f in fields(Checkpoint)}:
        raise KeyError("not a checkpoint")
    parts = {_str(name): _part(value) for name, value in _dict(raw["parts"]).items()}
    return Checkpoint(key=_str(raw["key"]), frames_done=_int(raw["frames_done"]), inputs=_str(raw["inputs"]), parts=parts,
                      next_image=_int(raw["next_image"]), next_annotation=_int(raw["next_annotation"]),
                      report=_report(_dict(raw["report"])), without_depth=_tally(raw["without_depth"]),
                      seconds=_float(raw["seconds"]))


def _part(raw: Any) -> PartMark:
    length, empty, sha256 = _list(raw)  # ValueError unless three values
    return _int(length), _bool(empty), _str(sha256)


def _report(raw: dict[str, Any]) -> ConversionReport:
    if set(raw) != {f.name for f in fields(ConversionReport)}:
        raise KeyError("not a conversion report")
    counters = {"annotations_per_category", "gloves", "contact_sources", "ignored_types", "depth_measurements"}
    values: dict[str, Any] = {}
    for f in fields(ConversionReport):
        value = raw[f.name]
        if f.name in counters:
            keys = int if f.name == "gloves" else str
            values[f.name] = Counter({keys(_str(k)): _int(n) for k, n in _dict(value).items()})
        elif f.name == "warnings":
            values[f.name] = _tally(value)
        elif f.name == "skipped":
            values[f.name] = [{_str(k): _str(v) for k, v in _dict(item).items()} for item in _list(value)]
        elif f.name in ("other_labelers", "template_extras"):
            values[f.name] = {_str(k): [_str(v) for v in _list(items)] for k, items in _dict(value).items()}
        elif f.name == "seconds":
            values[f.name] = _float(value)
        elif isinstance(f.default, int):
            values[f.name] = _int(value)
        else:
            values[f.name] = _str(value)
    return ConversionReport(**values)


def _tally(raw: Any) -> Tally:
    raw = _dict(raw)
    if set(raw) != {"counts", "examples"}:
        raise KeyError("not a tally")
    return Tally(counts=Counter({_str(k): _int(n) for k, n in _dict(raw["counts"]).items()}),
                 examples={_str(k): [_str(e) for e in _list(v)] for k, v in _dict(raw["examples"]).items()})


def _typed(kind: type | tuple[type, ...]):
    def check(value: Any) -> Any:
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise TypeError(f"expected {kind}, got {type(value).__name__}")
        return value

    return check


_str, _bool, _dict, _list = _typed(str), _typed(bool), _typed(dict), _typed(list)
_int = _typed(int)


def _float(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"expected a number, got {type(value).__name__}")
    return float(value)
