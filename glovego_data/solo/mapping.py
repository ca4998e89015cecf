"""The mapping file of `glovego solo2coco` (solo.md §6.1): how SOLO labels and metadata become
EHOI-COCO hands, sides, gloves, contacts and categories. Every key is optional; a wrong key or type
is reported before any frame is read."""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from glovego_data.solo.errors import DatasetError

CONTACT_MODES = ("auto", "metadata", "geometry", "none")
CATEGORY_SETS = ("auto", "reference", "labels")
UNKNOWN_LABELS = ("error", "skip")
LABELER_KINDS = ("bbox", "instance", "keypoints", "depth")


@dataclass
class Mapping:
    hand_labels: str = ""
    gloves_key: str = "hand_object_interaction.gloves"
    tag: str = "hand_object_interaction"
    contact_key: str = "contact_state"
    side_key: str = "hand_side"
    object_key: str = "id_obj"
    id_space: str = "instanceId"
    contact_mode: str = "auto"
    band_px: int = 0
    min_touch_px: int = 5
    depth_tolerance_m: float = 0.03
    category_set: str | list[str] = "auto"
    rename: dict[str, str] = field(default_factory=dict)
    unknown: str = "error"
    labelers: dict[str, str] = field(default_factory=lambda: {k: "" for k in LABELER_KINDS})
    cameras: list[str] = field(default_factory=list)
    keypoint_template: str = ""
    keypoint_names: list[str] = field(default_factory=list)
    keypoint_aliases: dict[str, str] = field(default_factory=dict)
    depth_range_m: float = 5.0
    source: str = "<defaults>"


# section → key → (Mapping attribute, expected kind)
_SCHEMA: dict[str, dict[str, tuple[str, str]]] = {
    "hands": {"labels": ("hand_labels", "regex")},
    "gloves": {"key": ("gloves_key", "str")},
    "interaction": {
        "tag": ("tag", "str"),
        "contact_key": ("contact_key", "str"),
        "side_key": ("side_key", "str"),
        "object_key": ("object_key", "str"),
        "id_space": ("id_space", "id_space"),
    },
    "contact": {
        "mode": ("contact_mode", "contact_mode"),
        "band_px": ("band_px", "nonneg_int"),
        "min_touch_px": ("min_touch_px", "nonneg_int"),
        "depth_tolerance_m": ("depth_tolerance_m", "nonneg_float"),
    },
    "categories": {
        "set": ("category_set", "category_set"),
        "rename": ("rename", "str_table"),
        "unknown": ("unknown", "unknown"),
    },
    "labelers": {k: (k, "str") for k in LABELER_KINDS},
    "cameras": {"include": ("cameras", "str_list")},
    "keypoints": {
        "template": ("keypoint_template", "str"),
        "names": ("keypoint_names", "str_list"),
        "aliases": ("keypoint_aliases", "str_table"),
    },
    "depth": {"range_m": ("depth_range_m", "pos_float")},
}


def _kind_of(value: Any) -> str:
    return {bool: "a boolean", int: "an integer", float: "a float", str: "a string", list: "an array", dict: "a table"}.get(
        type(value), type(value).__name__
    )


def _check(kind: str, value: Any) -> tuple[Any, str | None]:
    """(converted value, problem or None)."""
    if kind in ("str", "regex", "id_space", "contact_mode", "unknown"):
        if not isinstance(value, str):
            return value, f"expected a string, got {_kind_of(value)}"
        if kind == "regex":
            try:
                re.compile(value)
            except re.error as error:
                return value, f"not a valid regular expression ({error})"
        if kind == "id_space" and value not in ("instanceId", "labelId") and not (
            value.startswith("metadata:") and len(value) > len("metadata:")
        ):
            return value, f"'{value}' must be \"instanceId\", \"labelId\" or \"metadata:<key path>\""
        if kind == "contact_mode" and value not in CONTACT_MODES:
            return value, f"'{value}' must be one of {', '.join(CONTACT_MODES)}"
        if kind == "unknown" and value not in UNKNOWN_LABELS:
            return value, f"'{value}' must be one of {', '.join(UNKNOWN_LABELS)}"
        return value, None
    if kind == "nonneg_int":
        if isinstance(value, bool) or not isinstance(value, int):
            return value, f"expected an integer, got {_kind_of(value)}"
        return value, None if value >= 0 else "must be ≥ 0"
    if kind in ("nonneg_float", "pos_float"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return value, f"expected a number, got {_kind_of(value)}"
        if not math.isfinite(value):
            return value, "must be a finite number"
        if kind == "pos_float" and value <= 0:
            return value, "must be > 0"
        if value < 0:
            return value, "must be ≥ 0"
        return float(value), None
    if kind == "str_list":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return value, f"expected an array of strings, got {_kind_of(value)}"
        return list(value), None
    if kind == "str_table":
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            return value, f"expected a table of strings, got {_kind_of(value)}"
        return dict(value), None
    if kind == "category_set":
        if isinstance(value, str):
            return value, None if value in CATEGORY_SETS else f"'{value}' must be one of {', '.join(CATEGORY_SETS)} or an array of names"
        if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
            if len({v.lower() for v in value}) != len(value):
                return value, "names must be unique"
            return list(value), None
        return value, f"expected a string or a non-empty array of strings, got {_kind_of(value)}"
    raise AssertionError(kind)


def mapping_from_dict(raw: dict[str, Any], source: str) -> Mapping:
    mapping = Mapping(source=source)
    for section, body in raw.items():
        if section not in _SCHEMA:
            raise DatasetError(f"mapping {source}: {section}: unknown key")
        if not isinstance(body, dict):
            raise DatasetError(f"mapping {source}: {section}: expected a table, got {_kind_of(body)}")
        for key, value in body.items():
            if key not in _SCHEMA[section]:
                raise DatasetError(f"mapping {source}: {section}.{key}: unknown key")
            attr, kind = _SCHEMA[section][key]
            converted, problem = _check(kind, value)
            if problem:
                raise DatasetError(f"mapping {source}: {section}.{key}: {problem}")
            if section == "labelers":
                mapping.labelers[attr] = converted
            else:
                setattr(mapping, attr, converted)
    return mapping


def load_mapping(path: str | Path | None, *, depth_range_m: float | None = None) -> Mapping:
    """The mapping of `path` (defaults without one). `--depth-range` overrides `[depth] range_m`."""
    if path is None:
        mapping = Mapping()
    else:
        path = Path(path)
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise DatasetError(f"mapping {path}: file not found") from None
        except IsADirectoryError:
            raise DatasetError(f"mapping {path}: is a folder; give the mapping TOML file") from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
            raise DatasetError(f"mapping {path}: not valid TOML ({error})") from None
        mapping = mapping_from_dict(raw, str(path))
    if depth_range_m is not None:
        if not math.isfinite(depth_range_m) or depth_range_m <= 0:
            raise DatasetError(f"--depth-range must be a finite number > 0, got {depth_range_m}")
        mapping.depth_range_m = float(depth_range_m)
    return mapping


# ----- label rules (§6.4) -----------------------------------------------------------------------

_SIDE_OR_GLOVE = {"left", "right", "l", "r", "glove", "gloves", "gloved"}
_GLOVE_TOKENS = {"glove", "gloves", "gloved"}


def label_tokens(label: str) -> list[str]:
    """Split at space, `_`, `-`, `.` and lower→upper case changes; lower-cased."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", label)
    return [t.lower() for t in re.split(r"[\s_\-.]+", spaced) if t]


def is_hand_label(label: str, mapping: Mapping) -> bool:
    if mapping.hand_labels:
        return re.search(mapping.hand_labels, label) is not None
    tokens = label_tokens(label)
    hand = [t for t in tokens if t in ("hand", "hands")]
    return bool(hand) and all(t in ("hand", "hands") or t in _SIDE_OR_GLOVE for t in tokens)


def side_from_label(label: str) -> int:
    tokens = set(label_tokens(label))
    if tokens & {"left", "l"}:
        return 0
    if tokens & {"right", "r"}:
        return 1
    return -1


def has_glove_token(label: str) -> bool:
    return bool(set(label_tokens(label)) & _GLOVE_TOKENS)


def lookup_path(record: Any, path: str) -> Any:
    """`a.b.c` inside nested metadata dicts; None when any step is missing."""
    for part in path.split("."):
        if not isinstance(record, dict) or part not in record:
            return None
        record = record[part]
    return record
