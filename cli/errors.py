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
import sys
import tomllib
import zlib
from pathlib import Path
from types import TracebackType
from typing import Callable, TypeVar

import typer
from rich.console import Console
from rich.text import Text

from glovego_data.errors import GlovegoError, Interrupted

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

# Local names our own functions give the file they are reading; used to name the file of a library
# error that carries no file name itself (json, safetensors, zlib …), innermost frame first.
_FILE_VARIABLES = ("path", "json_path", "file", "filename", "file_path", "source", "src")


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


def _file_in_traceback(tb: TracebackType | None) -> str | None:
    """The innermost existing file one of our frames was working on, if any."""
    found = None
    while tb is not None:
        frame = tb.tb_frame
        if frame.f_globals.get("__name__", "").startswith("glovego"):
            for name in _FILE_VARIABLES:
                value = frame.f_locals.get(name)
                if isinstance(value, (str, os.PathLike)) and str(value) and Path(value).is_file():
                    found = str(value)
                    break
        tb = tb.tb_next
    return found


def describe_os_error(error: OSError) -> str:
    """`<file>: <reason>` for an OSError, with a hint for the common faults."""
    reason = _HINTS.get(error.errno or -1) or error.strerror or str(error) or type(error).__name__
    if error.errno in (errno.EACCES, errno.EPERM) and error.strerror:
        reason = error.strerror.lower()
    name = error.filename if error.filename is not None else _file_in_traceback(error.__traceback__)
    if error.errno is None and not error.strerror:
        reason = str(error)  # e.g. Pillow's "cannot identify image file …": its text is the reason
        return f"{name}: {reason}" if name is not None and str(name) not in reason else reason
    where = f"{os.fsdecode(name)}: " if name is not None else ""
    if error.filename2 is not None:
        where = f"{os.fsdecode(error.filename)} → {os.fsdecode(error.filename2)}: "
    return f"{where}{reason}"


def describe_corrupt_file(error: BaseException) -> str:
    """`<file>: damaged or unreadable (<library message>)`."""
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
