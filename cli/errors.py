"""The one boundary between a command's work and the user: every failure becomes one red line.

A `GlovegoError` is printed as is; an `OSError` (read-only file system, disk full, permission
denied, …) and the errors libraries raise on corrupt files (Pillow, json, safetensors, …) become
`<command>: <file>: <what happened>`; Ctrl-C becomes `<command>: interrupted`. Exit status 1, or
130 for an interruption (the shell's convention for SIGINT), never a traceback.
"""

from __future__ import annotations

import errno
import json
import os
import re
import sys
import tomllib
import zlib
from pathlib import Path
from types import TracebackType
from typing import Callable, TypeVar

import typer
from rich.console import Console
from rich.text import Text

from glovego_data.errors import WRITE_FAULTS, GlovegoError, Interrupted, open_file_in_traceback

T = TypeVar("T")

stderr = Console(stderr=True)

EXIT_INTERRUPTED = 130

_HINTS = {
    errno.ENOSPC: "no space left on the device; free some space and run the same command again",
    errno.EDQUOT: "disk quota exceeded; free some space and run the same command again",
    errno.EROFS: "read-only file system; choose an output folder you can write to",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
}

# Local names that functions (ours, Pillow's, safetensors', transformers') give the file they work on;
# used to name the file of a library error that carries no file name itself, innermost frame first.
_FILE_VARIABLES = ("filename", "fname", "file_path", "checkpoint_file", "resolved_archive_file", "json_path",
                   "path", "file", "fp", "source", "src")



def _corrupt_file_errors() -> tuple[type[BaseException], ...]:
    """Exceptions that mean "this file is damaged", from the libraries that are loaded."""
    kinds: list[type[BaseException]] = [json.JSONDecodeError, UnicodeDecodeError, tomllib.TOMLDecodeError,
                                        EOFError, zlib.error]
    pil = sys.modules.get("PIL.Image")
    if pil is not None:
        kinds.append(pil.DecompressionBombError)
    rust = sys.modules.get("safetensors")
    if rust is not None and hasattr(rust, "SafetensorError"):
        kinds.append(rust.SafetensorError)
    return tuple(kinds)


def _frames_innermost_first(tb: TracebackType | None) -> list:
    frames = []
    while tb is not None:
        frames.append(tb.tb_frame)
        tb = tb.tb_next
    return frames[::-1]


def _file_in_traceback(tb: TracebackType | None, *, must_exist: bool = True) -> str | None:
    """The file the innermost frame names in a file-path variable (an existing file unless told)."""
    for frame in _frames_innermost_first(tb):
        for name in _FILE_VARIABLES:
            value = frame.f_locals.get(name)
            if isinstance(value, (str, os.PathLike)) and str(value) and (not must_exist or Path(value).is_file()):
                return os.fsdecode(value)
    return None


def describe_os_error(error: OSError) -> str:
    """`<file>: <reason>` for an OSError, with a hint for the common faults."""
    code = error.errno
    reason = _HINTS.get(code or -1) or (error.strerror or "").lower() or str(error) or type(error).__name__
    if code in (errno.EACCES, errno.EPERM) and error.strerror:
        reason = error.strerror.lower()
    if code is None and not error.strerror:  # e.g. Pillow's "cannot identify image file …": its text says it
        name = _file_in_traceback(error.__traceback__)
        text = str(error)
        return f"{name}: {text}" if name is not None and name not in text else text
    if error.filename2 is not None and code in WRITE_FAULTS:
        name = os.fsdecode(error.filename2)  # the destination is where the fault is
    elif error.filename2 is not None:
        name = f"{os.fsdecode(error.filename)} → {os.fsdecode(error.filename2)}"
    elif error.filename is not None:
        name = os.fsdecode(error.filename)
    else:
        name = open_file_in_traceback(error.__traceback__)
    return f"{name}: {reason}" if name else reason


def _os_error_in_message(error: BaseException) -> OSError | None:
    """Native libraries (safetensors' Rust writer) report an I/O fault as text: `… (os error 28)`."""
    match = re.search(r"\(os error (\d+)\)", str(error))
    if match is None:
        return None
    code = int(match.group(1))
    name = _file_in_traceback(error.__traceback__, must_exist=False)
    return OSError(code, os.strerror(code), name)


def describe_corrupt_file(error: BaseException) -> str:
    """`<file>: damaged or unreadable (<library message>)`."""
    as_os_error = _os_error_in_message(error)
    if as_os_error is not None:
        return describe_os_error(as_os_error)
    name = _file_in_traceback(error.__traceback__)
    detail = str(error).splitlines()[0] if str(error) else type(error).__name__
    return f"{name + ': ' if name else ''}damaged or unreadable file ({type(error).__name__}: {detail})"


def _fail(command: str, message: str, status: int) -> typer.Exit:
    stderr.print(Text.assemble((f"{command}: ", "bold red"), message), soft_wrap=True)
    return typer.Exit(status)


def run_guarded(command: str, job: Callable[[], T]) -> T:
    """Run `job`; any user-facing failure becomes one line `<command>: …` on stderr and exit 1
    (130 when interrupted)."""
    try:
        return job()
    except Interrupted as error:
        raise _fail(command, str(error), EXIT_INTERRUPTED) from None
    except GlovegoError as error:
        raise _fail(command, str(error), 1) from None
    except KeyboardInterrupt:
        raise _fail(command, "interrupted", EXIT_INTERRUPTED) from None
    except typer.Exit:
        raise
    except OSError as error:
        raise _fail(command, describe_os_error(error), 1) from None
    except Exception as error:
        if isinstance(error, _corrupt_file_errors()):
            raise _fail(command, describe_corrupt_file(error), 1) from None
        raise
