"""MANIFEST.json: every file of a package with size and sha256, plus what produced the splits —
and the package checks of ehoi-coco.md §12 row 30 that read it back."""

from __future__ import annotations

import json
from itertools import combinations
from pathlib import Path
from typing import Any, Callable

from glovego_data.atomic import atomic_write_json
from glovego_data.ehoi_coco.validate import Violation
from glovego_data.errors import GlovegoError
from glovego_data.paths import outside_reason
from glovego_data.split.hashing import hash_files, list_files
from glovego_data.split.options import SPLITS

MANIFEST_NAME = "MANIFEST.json"
PACKAGE_FORMAT = "GlovEgo-HOI"
PACKAGE_VERSION = "1.0"


def file_entries(package: Path, advance: Callable[[int], None] = lambda n: None) -> list[dict[str, Any]]:
    """`[{"path", "size", "sha256"}]` for every file but the manifest, sorted by path."""
    rel_paths = list_files(package, exclude=(MANIFEST_NAME,))
    hashed = hash_files(package, rel_paths, advance)
    return [{"path": rel, "size": hashed[rel][0], "sha256": hashed[rel][1]} for rel in rel_paths]


def write_manifest(package: Path, manifest: dict[str, Any]) -> None:
    """Indented, key order as built, no timestamps: the same package gives the same bytes."""
    atomic_write_json(package / MANIFEST_NAME, manifest, indent=1)


def read_manifest(package: str | Path) -> dict[str, Any]:
    path = Path(package) / MANIFEST_NAME
    if not path.is_file():
        raise GlovegoError(f"{path}: not found (a GlovEgo-HOI package is written by `glovego split`)")
    try:
        manifest = json.loads(path.read_bytes())
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise GlovegoError(f"{path}: not valid JSON: {error}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != PACKAGE_FORMAT:
        raise GlovegoError(f"{path}: not a {PACKAGE_FORMAT} manifest (format must be '{PACKAGE_FORMAT}')")
    return manifest


# ----- verification (§12 row 30) ----------------------------------------------------------------

def _check_files(package: Path, manifest: dict[str, Any], advance: Callable[[int], None]) -> list[Violation]:
    out: list[Violation] = []
    listed = {e["path"]: e for e in manifest.get("files", []) if isinstance(e, dict) and "path" in e}
    for path in sorted((p for p in listed if outside_reason(p) is not None), key=str):  # never read outside
        out.append(Violation(str(path), f"{MANIFEST_NAME} path {outside_reason(path)}; it must name a file inside the package"))
        del listed[path]
    present = [p for p in sorted(listed) if (package / p).is_file()]
    for path in sorted(set(listed) - set(present)):
        out.append(Violation(path, f"listed in {MANIFEST_NAME} but missing"))
    same_size = [p for p in present if (package / p).stat().st_size == listed[p].get("size")]
    for path in sorted(set(present) - set(same_size)):
        out.append(Violation(path, "sha256 mismatch"))
    hashed = hash_files(package, same_size, advance)
    for path in same_size:
        if hashed[path][1] != listed[path].get("sha256"):
            out.append(Violation(path, "sha256 mismatch"))
    for path in list_files(package, exclude=(MANIFEST_NAME,)):
        if path not in listed:
            out.append(Violation(path, f"not listed in {MANIFEST_NAME}"))
    return out


def _split_images(path: Path) -> tuple[list[Any], list[str]] | None:
    """(image ids, file names) of one split file, or None when it cannot be read (rows 1–2 report it)."""
    try:
        raw = json.loads(path.read_bytes())
        images = [img for img in raw["images"] if isinstance(img, dict)]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return [img.get("id") for img in images], [str(img.get("file_name")) for img in images]


def _check_root(package: Path, root: str, info: dict[str, Any]) -> list[Violation]:
    out: list[Violation] = []
    where = f"{root}/annotations"
    splits: dict[str, set[str]] = {}
    expected = info.get("splits", {}) if isinstance(info, dict) else {}
    for split, record in expected.items():
        path = package / root / "annotations" / f"{split}.json"
        read = _split_images(path)
        if read is None:
            continue  # missing files are reported by the checksum pass, bad JSON by the file checks
        ids, names = read
        splits[split] = set(names)
        if isinstance(record, dict) and sorted(ids, key=str) != sorted(record.get("image_ids", []), key=str):
            out.append(Violation(f"{where}/{split}.json", f"image ids differ from {MANIFEST_NAME}"))
    for a, b in combinations([s for s in SPLITS if s in splits], 2):
        for name in sorted(splits[a] & splits[b]):
            out.append(Violation(where, f"in both {a} and {b}", "image", name))
    percents = sorted(int(s.split("_", 1)[1]) for s in splits if s.startswith("train_") and s[6:].isdigit())
    chain = [f"train_{p}" for p in percents] + (["train"] if "train" in splits else [])
    for smaller, larger in zip(chain, chain[1:]):
        if not splits[smaller] <= splits[larger]:
            out.append(Violation(where, f"{smaller}.json is not a subset of {larger}.json"))
    return out


def verify_package(package: str | Path, advance: Callable[[int], None] = lambda n: None) -> list[Violation]:
    """Row 30: listed files present with their sha256, no image in two of train/val/test, every
    train_<p> inside the next larger subset, split files holding the manifest's id lists."""
    package = Path(package)
    try:
        manifest = read_manifest(package)
    except GlovegoError as error:
        return [Violation(MANIFEST_NAME, str(error).split(": ", 1)[1])]
    out = _check_files(package, manifest, advance)
    for root, info in sorted(manifest.get("roots", {}).items()):
        out.extend(_check_root(package, root, info))
    return out
