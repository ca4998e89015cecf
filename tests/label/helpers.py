"""Shared steps of the label tests: export through the CLI, compare EHOI-COCO files field by field."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from glovego_cli.main import app
from glovego_data.ehoi_coco import canonicalize, dataset_to_dict, load_dataset

COORDINATE_TOLERANCE = 0.01  # px, boxes and keypoints


def glovego(*args: Any) -> Any:
    result = CliRunner().invoke(app, [str(a) for a in args])
    return result


def as_submitted(tasks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What Label Studio's JSON export holds when every pre-annotation was accepted unchanged."""
    out = []
    for i, task in enumerate(json.loads(json.dumps(tasks)), start=1):
        result = task.pop("predictions", [{"result": []}])[0]["result"]
        task.update(id=i, project=1, annotations=[{"id": 10 * i, "result": result, "was_cancelled": False,
                                                    "updated_at": "2026-12-08T01:00:00Z"}])
        out.append(task)
    return out


def records(path: Path) -> dict[str, Any]:
    return dataset_to_dict(canonicalize(load_dataset(path)))


def _close(a: Any, b: Any, key: str) -> bool:
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_close(x, y, key) for x, y in zip(a, b))
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and key in ("bbox", "keypoints", "bbox_obj"):
        return math.isclose(a, b, abs_tol=COORDINATE_TOLERANCE)
    return a == b


def differences(expected: list[dict[str, Any]], got: list[dict[str, Any]]) -> list[str]:
    """Every field that differs (boxes and keypoints within 0.01 px, everything else equal)."""
    out = []
    if len(expected) != len(got):
        out.append(f"{len(expected)} records expected, {len(got)} imported")
    for e, g in zip(expected, got):
        for key in sorted(set(e) | set(g)):
            if not _close(e.get(key), g.get(key), key):
                out.append(f"record {e.get('id')}: {key}: expected {e.get(key)!r}, imported {g.get(key)!r}")
    return out
