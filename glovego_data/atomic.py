"""Writes that never leave half-written outputs: a temporary sibling, then a rename."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator


def _default_file_mode() -> int:
    """0o666 less the umask: what a plain `open(path, "w")` would give (mkstemp makes 0o600)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Write `data` to `path` so a reader sees either the old file or the whole new one."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, _default_file_mode())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: str | os.PathLike[str], text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: str | os.PathLike[str], obj: Any, *, indent: int | None = 2) -> None:
    """Human-facing JSON (reports, manifests); datasets use `ehoi_coco.io` for compact bytes."""
    text = json.dumps(obj, indent=indent, ensure_ascii=False, allow_nan=False)
    atomic_write_text(path, text + "\n")


@contextmanager
def staging_dir(
    final: str | os.PathLike[str], *, replace: bool = False, reuse: bool = False,
    keep_on_error: Callable[[], bool] = lambda: False,
) -> Iterator[Path]:
    """Yield `<final>.tmp/` to build an output folder in; rename it to `final` only on success.

    A failure removes the staging folder, so `final` is either absent, untouched, or complete;
    except for resumable jobs: `reuse` continues in an existing staging folder, and a failure
    leaves it in place when `keep_on_error()` says the next run can resume from it.
    """
    final = Path(final)
    staging = staging_path(final)
    if final.exists() and not replace:
        raise FileExistsError(f"{final} already exists")
    if staging.exists() and not reuse:
        shutil.rmtree(staging)
    staging.mkdir(parents=True, exist_ok=True)
    try:
        yield staging
    except BaseException:
        if not keep_on_error():
            shutil.rmtree(staging, ignore_errors=True)
        raise
    if final.exists():
        trash = final.with_name(final.name + ".old")
        shutil.rmtree(trash, ignore_errors=True)
        os.replace(final, trash)
        os.replace(staging, final)
        shutil.rmtree(trash, ignore_errors=True)
    else:
        os.replace(staging, final)


def staging_path(final: str | os.PathLike[str]) -> Path:
    """Where `staging_dir` builds `final`."""
    final = Path(final)
    return final.with_name(final.name + ".tmp")


def link_or_copy(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> bool:
    """Hard-link `src` to `dst` (no extra disk), falling back to a copy across devices.

    Returns True when a link was made.
    """
    dst = Path(dst)
    dst.parent.mkdir(parents=True, exist_ok=True)
    if dst.exists():
        dst.unlink()
    try:
        os.link(src, dst)
        return True
    except OSError:
        shutil.copyfile(src, dst)
        return False
