"""Writes `annotations/<name>.json` and its `_hands.json` incrementally (solo.md §7 row 39).

Images and annotations are appended to part files as frames arrive, in id order; `finish` frames
them with info and categories. The bytes equal `ehoi_coco.encode_dataset` of the same dataset
(same record encoders, same separators), without ever holding the dataset in memory.
"""

from __future__ import annotations

import hashlib
from contextlib import suppress
import json
import shutil
from pathlib import Path
from typing import Any, BinaryIO

from glovego_data.ehoi_coco import Category, Image
from glovego_data.ehoi_coco.io import category_to_dict, image_to_dict, info_to_dict
from glovego_data.errors import with_file_name


def _dumps(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode("utf-8")


PartMark = tuple[int, bool, str]  # (length, still empty, sha256 of those bytes)
PART_NAMES = ("images", "annotations", "hands")


def part_digest(handle: BinaryIO, length: int) -> "hashlib._Hash":
    """sha256 of the first `length` bytes of an open part file (fewer when it is shorter)."""
    digest = hashlib.sha256()
    handle.seek(0)
    left = length
    while left > 0:
        chunk = handle.read(min(left, 1 << 20))
        if not chunk:
            break
        digest.update(chunk)
        left -= len(chunk)
    return digest


class _Part:
    """A comma-separated run of JSON records in a temporary file; `resume` = the mark of a
    checkpoint (already verified, see `resume.part_matches`), to which the file is cut back."""

    def __init__(self, path: Path, resume: PartMark | None = None) -> None:
        self.path = path
        self.digest = hashlib.sha256()
        if resume is None:
            self.handle: BinaryIO = open(path, "wb")
            self.empty = True
        else:
            length, self.empty, _ = resume
            self.handle = open(path, "r+b")
            self.digest = part_digest(self.handle, length)
            self.handle.truncate(length)
            self.handle.seek(length)

    def append(self, record: dict[str, Any]) -> None:
        data = _dumps(record) if self.empty else b"," + _dumps(record)
        try:
            self.handle.write(data)
        except OSError as error:  # a buffered write names no file
            raise with_file_name(error, self.path) from None
        self.digest.update(data)
        self.empty = False

    def mark(self) -> PartMark:
        try:
            self.handle.flush()
        except OSError as error:
            raise with_file_name(error, self.path) from None
        return self.handle.tell(), self.empty, self.digest.hexdigest()

    def close(self) -> None:
        try:
            self.handle.close()
        except OSError as error:
            raise with_file_name(error, self.path) from None


class IncrementalDatasetWriter:
    def __init__(self, root: Path, name: str, resume: dict[str, PartMark] | None = None) -> None:
        """`resume`: the `mark()` of an earlier writer on the same root, to continue from."""
        self.root = root
        self.name = name
        self.work = root / ".work"
        self.work.mkdir(parents=True, exist_ok=True)
        resume = resume or {}
        self.images = _Part(self.work / "images.part", resume.get("images"))
        self.annotations = _Part(self.work / "annotations.part", resume.get("annotations"))
        self.hands = _Part(self.work / "hands.part", resume.get("hands"))

    def mark(self) -> dict[str, PartMark]:
        """Flush, and return what `resume` needs to continue from here."""
        return {"images": self.images.mark(), "annotations": self.annotations.mark(), "hands": self.hands.mark()}

    def add_image(self, image: Image) -> None:
        self.images.append(image_to_dict(image))

    def add_annotation(self, record: dict[str, Any], is_hand: bool) -> None:
        """`record` as `ehoi_coco.io.annotation_to_dict` encodes it."""
        self.annotations.append(record)
        if is_hand:
            self.hands.append(record)

    def finish(self, info: dict[str, Any], categories: list[Category]) -> Path:
        for part in (self.images, self.annotations, self.hands):
            part.close()
        head = b'{"info":' + _dumps(info_to_dict(info)) + b',"licenses":[],"images":['
        middle = b'],"categories":' + _dumps([category_to_dict(c) for c in categories]) + b',"annotations":['
        out_dir = self.root / "annotations"
        out_dir.mkdir(parents=True, exist_ok=True)
        main = out_dir / f"{self.name}.json"
        for path, part in ((main, self.annotations), (out_dir / f"{self.name}_hands.json", self.hands)):
            with open(path, "wb") as out:
                out.write(head)
                with open(self.images.path, "rb") as src:
                    shutil.copyfileobj(src, out)
                out.write(middle)
                with open(part.path, "rb") as src:
                    shutil.copyfileobj(src, out)
                out.write(b"]}")
        return main

    def close(self) -> None:
        """Close the part files without finishing; they stay on disk for a resumed run. Called while
        another error stops the run: a flush that fails too (a full disk) must not hide that error,
        and the part it leaves short is caught by the checkpoint's sha256 on resume."""
        for part in (self.images, self.annotations, self.hands):
            if not part.handle.closed:
                with suppress(OSError):
                    part.close()
