"""Folders whose writes fail like a read-only or a full file system.

Where the test may mount (root, Linux), the folder is a real small tmpfs: remounted read-only, or
filled up to a few KiB. Elsewhere (CI without CAP_SYS_ADMIN) the fault is injected: the
file-creating calls of Python (`open`, `os.open`, `os.mkdir`, `os.link`) raise the same
`OSError(errno)` for paths under the folder. Native writers that bypass Python (OpenCV video,
safetensors) are only faulted by the real mount.
"""

from __future__ import annotations

import builtins
import errno
import io
import os
import subprocess
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest

FREE_BYTES = 12 * 1024  # what a "full" disk still has: the marker fits, a picture does not


def _can_mount(target: Path) -> bool:
    if os.environ.get("GLOVEGO_TEST_NO_MOUNT") or os.geteuid() != 0 or not Path("/proc/mounts").is_file():
        return False
    ok = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(target)], capture_output=True).returncode == 0
    return ok


@contextmanager
def _mounted(folder: Path, kind: str) -> Iterator[Path]:
    try:
        if kind == "full":
            filler = folder / ".filler"
            free = os.statvfs(folder).f_bavail * os.statvfs(folder).f_frsize
            with open(filler, "wb") as handle:
                handle.write(b"\0" * max(free - FREE_BYTES, 0))
        else:
            subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True, capture_output=True)
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)


_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC


@contextmanager
def _simulated(folder: Path, kind: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    code = errno.EROFS if kind == "read-only" else errno.ENOSPC
    base = os.path.realpath(folder)

    def under(path: object) -> bool:
        try:
            return os.path.realpath(os.fspath(path)).startswith(base)  # type: ignore[arg-type]
        except TypeError:
            return False

    def fail(path: object) -> OSError:
        return OSError(code, os.strerror(code), os.fspath(path))  # type: ignore[arg-type]

    real_open, real_os_open, real_mkdir, real_link = builtins.open, os.open, os.mkdir, os.link

    def fake_open(file, mode="r", *args, **kwargs):
        if isinstance(file, (str, os.PathLike)) and any(c in mode for c in "wax+") and under(file):
            raise fail(file)
        return real_open(file, mode, *args, **kwargs)

    def fake_os_open(path, flags, *args, **kwargs):
        if flags & _WRITE_FLAGS and under(path):
            raise fail(path)
        return real_os_open(path, flags, *args, **kwargs)

    def fake_mkdir(path, *args, **kwargs):
        if kind == "read-only" and under(path):
            raise fail(path)
        return real_mkdir(path, *args, **kwargs)

    def fake_link(src, dst, *args, **kwargs):
        if under(dst):
            raise fail(dst)
        return real_link(src, dst, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", fake_open)
    monkeypatch.setattr(io, "open", fake_open)
    monkeypatch.setattr(os, "open", fake_os_open)
    monkeypatch.setattr(os, "mkdir", fake_mkdir)
    monkeypatch.setattr(os, "link", fake_link)
    yield folder


@contextmanager
def faulty_folder(parent: Path, kind: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A folder under `parent` whose writes fail: `kind` is "read-only" or "full"."""
    folder = parent / f"disk-{kind}-{uuid.uuid4().hex[:6]}"
    folder.mkdir()
    if _can_mount(folder):
        with _mounted(folder, kind) as ready:
            yield ready
    else:
        with _simulated(folder, kind, monkeypatch) as ready:
            yield ready


def files_under(folder: Path) -> list[str]:
    """The files and staging folders a command left in the faulty folder (the filler aside)."""
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")
                  if p.name != ".filler" and (p.is_file() or p.name.endswith(".tmp")))
