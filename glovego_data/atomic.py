"""Writes that never leave half-written outputs: a temporary sibling, then a rename."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator

from glovego_data.errors import GlovegoError


def default_file_mode() -> int:
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
        os.chmod(tmp, default_file_mode())
        os.replace(tmp, path)
    except OSError as error:
        Path(tmp).unlink(missing_ok=True)
        if error.filename is None and error.errno is not None:  # a failed write() names no file: name ours
            raise OSError(error.errno, error.strerror, str(path)) from error
        raise
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: str | os.PathLike[str], text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: str | os.PathLike[str], obj: Any, *, indent: int | None = 2) -> None:
    """Human-facing JSON (reports, manifests); datasets use `ehoi_coco.io` for compact bytes."""
    text = json.dumps(obj, indent=indent, ensure_ascii=False, allow_nan=False)
    atomic_write_text(path, text + "\n")


MARKER = ".glovego-output"
"""The file every output folder glovego creates carries; only such folders (or empty ones) are
ever replaced or removed, so a user's folder that happens to have the same name is never lost.
It is JSON naming the command that made the folder (`{"command": "viz", "version": ...}`), so
`--overwrite` replaces only what the same command made. A plain-text marker (glovego before the
command was recorded) names no command: it counts as "made by an unknown glovego command"."""


def is_ours(folder: str | os.PathLike[str]) -> bool:
    """A folder glovego made (it holds the marker file)."""
    return (Path(folder) / MARKER).is_file()


def marker_command(folder: str | os.PathLike[str]) -> str | None:
    """The command recorded in `folder`'s marker; None for an old plain-text (or unreadable) one."""
    try:
        record = json.loads((Path(folder) / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    command = record.get("command") if isinstance(record, dict) else None
    return command if isinstance(command, str) and command else None


def mark_ours(folder: str | os.PathLike[str], command: str | None = None) -> None:
    """Create `folder` (if needed) and put the marker, naming `command`, in it (an existing marker
    is kept: a resumed job stays the job that started it)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    if not is_ours(folder):
        atomic_write_json(folder / MARKER, {"command": command, "version": _version(),
                                            "note": "written by glovego; --overwrite may replace this folder"})


def _version() -> str:
    from glovego_data import __version__

    return __version__


def _is_empty_dir(path: Path) -> bool:
    return path.is_dir() and not path.is_symlink() and not any(path.iterdir())


def check_replaceable(path: str | os.PathLike[str], *, what: str = "", command: str | None = None) -> None:
    """Raise GlovegoError unless `path` is absent, an empty folder, or a folder glovego made (with
    `command`: made by that command, or by a glovego that did not record its command)."""
    path = Path(path)
    if not (path.exists() or path.is_symlink()) or _is_empty_dir(path):
        return
    if path.is_symlink() or not path.is_dir() or not is_ours(path):
        raise GlovegoError(f"{path}: {what or 'exists'} and was not made by glovego (no {MARKER} in it); "
                           "it is left alone: move it away or choose another output folder")
    maker = marker_command(path)
    if command is not None and maker is not None and maker != command:
        raise GlovegoError(f"{path}: {what or 'exists'} and was made by `glovego {maker}`; `glovego {command}` "
                           "replaces only its own outputs: move it away or choose another output folder")


def claim_output_dir(folder: str | os.PathLike[str], command: str | None = None) -> Path:
    """An output folder written in place (resumable jobs): created and marked, or refused when it
    holds someone else's files (or another command's)."""
    folder = Path(folder)
    check_replaceable(folder, what="already exists, is not empty", command=command)
    mark_ours(folder, command)
    return folder


def remove_ours(path: str | os.PathLike[str]) -> None:
    """Remove a folder glovego made (or an empty one); anything else is refused, never deleted."""
    path = Path(path)
    check_replaceable(path)
    if path.is_dir():
        shutil.rmtree(path)


@contextmanager
def staging_dir(
    final: str | os.PathLike[str], *, replace: bool = False, reuse: bool = False,
    keep_on_error: Callable[[], bool] = lambda: False, command: str | None = None,
) -> Iterator[Path]:
    """Yield `<final>.tmp/` to build an output folder in; rename it to `final` only on success.

    A failure removes the staging folder, so `final` is either absent, untouched, or complete;
    except for resumable jobs: `reuse` continues in an existing staging folder, and a failure
    leaves it in place when `keep_on_error()` says the next run can resume from it. `replace`
    replaces only a `final` glovego made (or an empty folder), and an existing staging folder is
    removed or reused only when it is ours: both carry `MARKER` (naming `command`, when given, and
    then only that command's folders are replaced).
    """
    final = Path(final)
    staging = staging_path(final)
    if (final.exists() or final.is_symlink()) and not replace:
        raise FileExistsError(f"{final} already exists")
    if replace:
        check_replaceable(final, what="already exists", command=command)
    check_replaceable(staging, what="is in the way of the staging folder", command=command)
    if staging.exists() and not reuse:
        shutil.rmtree(staging)
    try:
        mark_ours(staging, command)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    try:
        yield staging
    except BaseException:
        if not keep_on_error():
            shutil.rmtree(staging, ignore_errors=True)
        raise
    if final.exists() or final.is_symlink():
        holder = Path(tempfile.mkdtemp(prefix=f".{final.name}.", suffix=".old", dir=final.parent))
        os.replace(final, holder / final.name)
        os.replace(staging, final)
        shutil.rmtree(holder, ignore_errors=True)
    else:
        os.replace(staging, final)


def staging_path(final: str | os.PathLike[str]) -> Path:
    """Where `staging_dir` builds `final`."""
    final = Path(final)
    return final.with_name(final.name + ".tmp")


def regular_source(src: str | os.PathLike[str]) -> Path:
    """The regular file `src` names, read through any symlink; a dangling link or anything but a
    regular file is one GlovegoError naming `src` (an output never holds a symlink: an absolute one
    would point outside the output, a relative one would dangle once moved)."""
    src = Path(src)
    target = Path(os.path.realpath(src))
    if src.is_symlink() and not target.exists():
        raise GlovegoError(f"{src}: a symbolic link to {os.readlink(src)}, which does not exist; "
                           "fix or remove the link and run the same command again")
    if target.exists() and not target.is_file():
        raise GlovegoError(f"{src}: not a regular file")
    return target


def link_or_copy(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> bool:
    """Hard-link `src` to `dst` (no extra disk), falling back to a copy across devices.

    A symlinked `src` is followed: `dst` is the link's target, hard-linked or copied, never a
    symlink. Returns True when a link was made (or `dst` already is `src`, which is never
    unlinked). A copy is written beside `dst` and renamed, so `dst` is never a partial file.
    """
    src = regular_source(src)
    dst = Path(dst)
    dst.parent.mkdir(parents=True, exist_ok=True)
    if dst.exists() or dst.is_symlink():
        if dst.exists() and not dst.is_symlink() and os.path.samefile(src, dst):
            return True
        dst.unlink()
    try:
        os.link(src, dst)  # src is already the regular file behind any link
        return True
    except OSError:
        pass
    fd, tmp = tempfile.mkstemp(prefix=f".{dst.name}.", suffix=".tmp", dir=dst.parent)
    os.close(fd)
    try:  # a copy cut short (disk full) must not be left under the final name
        shutil.copyfile(src, tmp)
        os.chmod(tmp, default_file_mode())
        os.replace(tmp, dst)
    except OSError as error:
        Path(tmp).unlink(missing_ok=True)
        if error.filename is None and error.errno is not None:
            raise OSError(error.errno, error.strerror, str(dst)) from error
        raise
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return False
