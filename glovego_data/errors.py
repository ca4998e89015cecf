"""The one exception type users see: its message is printed as is, without a traceback."""

from __future__ import annotations

import errno
import io
import os
from types import TracebackType

WRITE_FAULTS = (errno.ENOSPC, errno.EDQUOT, errno.EROFS)  # the disk, not the data: never a frame's fault


class GlovegoError(Exception):
    """A problem with the user's input or environment, described so the user can fix it."""


class FormatError(GlovegoError):
    """An EHOI-COCO file (or a file it references) is malformed."""


class Interrupted(GlovegoError):
    """The user stopped the command (Ctrl-C); the message says what was kept and how to resume."""


def open_file_in_traceback(tb: TracebackType | None) -> str | None:
    """The file a failed write was writing: a writable file object in the innermost frame holding one."""
    frames = []
    while tb is not None:
        frames.append(tb.tb_frame)
        tb = tb.tb_next
    for frame in reversed(frames):
        for value in frame.f_locals.values():
            if isinstance(value, io.IOBase) and any(c in getattr(value, "mode", "") for c in "wax+"):
                name = getattr(value, "name", None)
                if isinstance(name, (str, os.PathLike)):
                    return os.fsdecode(name)
    return None


def with_file_name(error: OSError, fallback: str | os.PathLike) -> OSError:
    """`error` with the file it happened on: its own, the open file of its traceback, or `fallback`
    (a write fault raised by `write()` / `close()` carries none, and loses its traceback in a worker)."""
    if error.filename is not None:
        return error
    name = open_file_in_traceback(error.__traceback__) or os.fspath(fallback)
    return OSError(error.errno, error.strerror, name)
