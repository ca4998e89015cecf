"""`--keep-split test=FILE`: user-fixed split membership (e.g. the official test list)."""

from __future__ import annotations

from pathlib import Path

from glovego_data.ehoi_coco import read_json
from glovego_data.errors import GlovegoError
from glovego_data.split.options import SPLITS


def parse_keep_arg(text: str) -> tuple[str, Path]:
    """`"test=lists/test.json"` → ("test", Path)."""
    split, sep, file = text.partition("=")
    split = split.strip()
    if not sep or not file.strip():
        raise GlovegoError(f"--keep-split must look like test=FILE; got '{text}'")
    if split not in SPLITS:
        raise GlovegoError(f"--keep-split: unknown split '{split}' in '{text}' (use train, val or test)")
    return split, Path(file.strip())


def read_keep_file(path: Path) -> frozenset[str]:
    """Image file names from a JSON list of names or from an EHOI-COCO / COCO file's `images`."""
    raw = read_json(path)
    if isinstance(raw, list):
        if not raw or not all(isinstance(n, str) and n for n in raw):
            raise GlovegoError(f"{path}: a keep-split list must be a non-empty JSON list of image file names")
        names = [Path(n).name for n in raw]
    elif isinstance(raw, dict) and isinstance(raw.get("images"), list):
        # only `images[].file_name` matters, so any COCO-style file will do (no hand category needed)
        names = [img.get("file_name") for img in raw["images"] if isinstance(img, dict)]
        if not names or not all(isinstance(n, str) and n for n in names):
            raise GlovegoError(f"{path}: every image of a keep-split file needs a file_name, and there must be one")
    else:
        raise GlovegoError(f"{path}: expected a JSON list of image file names or an EHOI-COCO file with 'images'")
    return frozenset(names)


def read_keep_args(args: list[str]) -> dict[str, frozenset[str]]:
    """Every --keep-split value; an image fixed in two splits is an error."""
    keep: dict[str, frozenset[str]] = {}
    for arg in args:
        split, path = parse_keep_arg(arg)
        names = read_keep_file(path)
        keep[split] = keep.get(split, frozenset()) | names
    seen: dict[str, str] = {}
    for split in SPLITS:
        for name in sorted(keep.get(split, ())):
            if name in seen:
                raise GlovegoError(f"--keep-split: image {name} is fixed in both {seen[name]} and {split}")
            seen[name] = split
    return keep
