"""Hashing folder trees, to show a command changed nothing outside its output."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path


def tree_hashes(root: Path, *, skip: tuple[Path, ...] = ()) -> dict[str, str]:
    """`relative path → sha256` of every file, `→ link:<target>` of every symlink and `→ dir` of every
    folder under `root`, leaving out the trees in `skip` (the outputs)."""
    root = Path(os.path.abspath(root))
    skipped = {Path(os.path.abspath(p)) for p in skip}
    found: dict[str, str] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        dirnames[:] = sorted(d for d in dirnames if here / d not in skipped)
        for name in dirnames:
            found[(here / name).relative_to(root).as_posix()] = "dir"
        for name in sorted(filenames):
            path = here / name
            if path in skipped:
                continue
            rel = path.relative_to(root).as_posix()
            if path.is_symlink():
                found[rel] = f"link:{os.readlink(path)}"
            else:
                found[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


class Unchanged:
    """`with Unchanged(world, skip=(out,)): …` fails when anything under `world` but `skip` changed."""

    def __init__(self, root: Path, *, skip: tuple[Path, ...] = ()) -> None:
        self.root, self.skip = Path(root), tuple(Path(p) for p in skip)

    def __enter__(self) -> "Unchanged":
        self.before = tree_hashes(self.root, skip=self.skip)
        return self

    def __exit__(self, kind: object, *exc: object) -> None:
        if kind is not None:
            return  # the block's own failure is the message
        after = tree_hashes(self.root, skip=self.skip)
        changed = sorted(k for k in set(self.before) | set(after) if self.before.get(k) != after.get(k))
        assert not changed, f"changed outside the output: {changed[:10]}"
