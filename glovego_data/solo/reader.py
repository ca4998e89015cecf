"""Finding and reading a SOLO export: folders, definitions, sequences, steps and frame JSON (solo.md §3).

Discovery looks at the disk only (folder and file names are authoritative; `totalFrames` and the
JSON's `sequence`/`step` are provenance). Everything is sorted numerically so ids are stable.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from glovego_data.solo.errors import DatasetError, FrameError
from glovego_data.solo.schema import (
    Definitions,
    Frame,
    MetricDefinition,
    SensorDefinition,
    as_list,
    get,
    norm_id,
    parse_annotation_definition,
    parse_frame,
    type_name,
)

_SEQUENCE = re.compile(r"^sequence\.(\d+)$")
_STEP = re.compile(r"^step(\d+)\.frame_data\.json$")
DEFINITION_FILES = ("metadata.json", "sensor_definitions.json", "annotation_definitions.json", "metric_definitions.json")
_PERCEPTION_JSON_MARKERS = ("captures_000.json", "egos.json")


@dataclass(frozen=True)
class FrameRef:
    """One `step<N>.frame_data.json` on disk, in sort order (folder, sequence, step)."""

    index: int  # position in the sort: 0..n-1
    folder: str  # the SOLO folder's name (the image `video` prefix and `solo.dataset`)
    folder_path: Path
    sequence: int
    step: int
    path: Path
    rel: str  # path relative to SOLO_DIR, as error messages show it


@dataclass
class SoloFolder:
    name: str
    path: Path
    definitions: Definitions
    sequences: list[tuple[int, Path]]


def natural_key(name: str) -> tuple:
    """`solo_2` before `solo_10`: digit runs compare as numbers."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"(\d+)", name) if part)


def _sequences(folder: Path) -> list[tuple[int, Path]]:
    found = []
    for child in folder.iterdir():
        match = _SEQUENCE.match(child.name)
        if match and child.is_dir():
            found.append((int(match.group(1)), child))
    return sorted(found)


def _is_perception_json(folder: Path) -> bool:
    if any((folder / marker).is_file() for marker in _PERCEPTION_JSON_MARKERS):
        return True
    return any(child.is_dir() and child.name.startswith("Dataset") and (child / "captures_000.json").is_file() for child in folder.iterdir())


def read_json_file(path: Path, rel: str, frame: str | None = None) -> Any:
    """Parse a JSON file; NaN/Infinity tokens, exponents and CRLF are all accepted by the parser."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise FrameError(frame or rel, rel, "file not found") from None
    try:
        return json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise FrameError(frame or rel, rel, f"not valid JSON ({error})") from None


def read_definitions(folder: Path, root: Path) -> Definitions:
    """The definition files of one SOLO folder, from the folder itself or its `metadata/` (cloud runs)."""
    defs = Definitions()
    present = []
    for name in DEFINITION_FILES:
        path = folder / name
        if not path.is_file():
            path = folder / "metadata" / name
        if not path.is_file():
            continue
        rel = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
        try:
            raw = read_json_file(path, rel)
        except FrameError as error:
            raise DatasetError(str(error)) from None
        if not isinstance(raw, dict):
            raise DatasetError(f"{rel}: expected a JSON object")
        present.append(name)
        if name == "metadata.json":
            defs.metadata = raw
        elif name == "sensor_definitions.json":
            defs.sensors = [
                SensorDefinition(norm_id(s.get("id")), type_name(s.get("@type")), str(get(s, "description") or ""))
                for s in as_list(raw.get("sensorDefinitions", raw.get("sensor_definitions")))
                if isinstance(s, dict)
            ]
        elif name == "annotation_definitions.json":
            defs.annotations = [
                parse_annotation_definition(a)
                for a in as_list(raw.get("annotationDefinitions", raw.get("annotation_definitions")))
                if isinstance(a, dict)
            ]
        else:
            defs.metrics = [
                MetricDefinition(norm_id(m.get("id")), type_name(m.get("@type")))
                for m in as_list(raw.get("metricDefinitions", raw.get("metric_definitions")))
                if isinstance(m, dict)
            ]
    defs.present = tuple(present)
    return defs


def discover(root: str | Path) -> list[SoloFolder]:
    """The SOLO folders under `root`: `root` itself (`solo`, `solo_N`) or its sub-folders, by name."""
    root = Path(root)
    if not root.is_dir():
        raise DatasetError(f"{root}: not a directory")
    if _sequences(root):
        candidates = [root]
    else:
        candidates = sorted(
            (c for c in root.iterdir() if c.is_dir() and _sequences(c)), key=lambda c: natural_key(c.name)
        )
    if not candidates:
        if _is_perception_json(root) or any(c.is_dir() and _is_perception_json(c) for c in root.iterdir()):
            raise DatasetError(f"{root}: this is the older Perception JSON format (captures_000.json), not SOLO")
        raise DatasetError(f"{root}: no SOLO sequences found")
    return [SoloFolder(c.name, c, read_definitions(c, root), _sequences(c)) for c in candidates]


def _steps(sequence_dir: Path) -> list[tuple[int, Path]]:
    found = []
    for child in sequence_dir.iterdir():
        match = _STEP.match(child.name)
        if match:
            found.append((int(match.group(1)), child))
    return sorted(found)


def iter_frame_refs(root: str | Path, folders: list[SoloFolder]) -> Iterator[FrameRef]:
    """Every frame JSON in sort order (folder, sequence, step), numbered 0..n-1."""
    root = Path(root)
    index = 0
    for folder in folders:
        for seq, seq_dir in folder.sequences:
            for step, path in _steps(seq_dir):
                yield FrameRef(index, folder.name, folder.path, seq, step, path, path.relative_to(root).as_posix())
                index += 1


def read_frame(ref: FrameRef) -> Frame:
    """Parse one frame JSON into typed records (E on invalid JSON)."""
    raw = read_json_file(ref.path, ref.rel)
    if not isinstance(raw, dict):
        raise FrameError(ref.rel, ref.rel, "not valid JSON (top level is not an object)")
    return parse_frame(raw)
