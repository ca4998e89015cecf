"""sha256 of many files: threaded (hashlib releases the GIL), each streamed by `glovego_data.hashing`."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable

from glovego_data.hashing import sha256_file


def hash_files(
    root: Path, rel_paths: list[str], advance: Callable[[int], None] = lambda n: None
) -> dict[str, tuple[int, str]]:
    """rel path → (size, sha256) for every file under `root`."""

    def one(rel: str) -> tuple[str, tuple[int, str]]:
        path = root / rel
        return rel, (path.stat().st_size, sha256_file(path))

    workers = min(8, (os.cpu_count() or 1) * 2)
    out: dict[str, tuple[int, str]] = {}
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for rel, entry in pool.map(one, rel_paths, chunksize=64):
            out[rel] = entry
            advance(1)
    return out


def list_files(root: Path, exclude: tuple[str, ...] = ()) -> list[str]:
    """Every regular file under `root` as a sorted POSIX relative path."""
    found: list[str] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        rel_dir = Path(dirpath).relative_to(root)
        for name in filenames:
            rel = (rel_dir / name).as_posix()
            if rel not in exclude:
                found.append(rel)
    return sorted(found)
