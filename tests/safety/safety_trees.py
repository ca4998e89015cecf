"""Test kit (imported by the tests of helper "safety", not collected): digests of folder trees, to
show that a command changed nothing outside its output."""

from __future__ import annotations

import hashlib
from pathlib import Path


def tree_digest(root: Path, *, skip: tuple[Path, ...] = ()) -> dict[str, str]:
    """`relative path → sha256` of every file under `root` (links as their target), except under `skip`."""
    skipped = [p.resolve() for p in skip]
    out: dict[str, str] = {}
    for path in sorted(root.rglob("*")):
        if any(path.resolve() == s or s in path.resolve().parents for s in skipped):
            continue
        if path.is_file():
            out[path.relative_to(root).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
        elif path.is_dir():
            out[path.relative_to(root).as_posix() + "/"] = "dir"
    return out
