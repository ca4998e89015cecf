"""The one rule for paths read from a dataset, and the one guard for output folders.

Every name a dataset gives (an image `file_name`, a SOLO `filename`, a `depth_file`, the
`--name` of an output file) is joined to its root only through `resolve_inside`, so no
record can make a command read or write outside the folders it was given. Every output folder
is checked by `check_output` before anything is written, so no command replaces an input.
"""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Iterable

from glovego_data.errors import GlovegoError


def outside_reason(name: object, *, bare: bool = False) -> str | None:
    """Why `name` cannot name a file inside a root (None when it can).

    Refused: non-strings, empty names, NUL bytes, backslashes, absolute paths (POSIX, drive or
    UNC), any `..` or `.`-only part; with `bare`, any folder part. Symlinks inside the root are the
    dataset's own choice and are followed.
    """
    if not isinstance(name, str) or not name:
        return "must be a non-empty string"
    if "\x00" in name:
        return "contains a NUL byte"
    if "\\" in name:
        return "contains a backslash"
    if PurePosixPath(name).is_absolute() or PureWindowsPath(name).drive:
        return "is an absolute path"
    parts = name.split("/")
    if any(part in ("", ".", "..") for part in parts):
        return "leaves its folder ('..', '.' or an empty part)"
    if bare and len(parts) > 1:
        return "must be a bare file name"
    return None


def resolve_inside(root: str | os.PathLike[str], name: object, *, what: str, bare: bool = False) -> Path:
    """`root / name`, or a GlovegoError `<what> '<name>' <reason>; it must name a file inside <root>`.

    `what` names the record and the field, e.g. `a/annotations/train.json: image 7: file_name`.
    """
    reason = outside_reason(name, bare=bare)
    if reason is not None:
        raise GlovegoError(f"{what} '{name}' {reason}; it must name a file inside {root}")
    return Path(root) / str(name)


def image_file(root_dir: str | os.PathLike[str], file_name: object, *, where: str) -> Path:
    """`<root>/images/<file_name>` (ehoi-coco.md §2.1: a bare name), `where` naming the record."""
    return resolve_inside(Path(root_dir) / "images", file_name, what=f"{where}: file_name", bare=True)


def _real(path: str | os.PathLike[str]) -> Path:
    return Path(os.path.realpath(os.path.abspath(path)))


def check_output(out: str | os.PathLike[str], inputs: Iterable[str | os.PathLike[str] | None], *,
                 option: str = "--out", given_as: str | None = None) -> None:
    """Refuse an output folder that is an input, holds one, or lies inside one (replacing or
    filling it would delete or change the input); symlinks are resolved first. `given_as` names
    what the others are when they are not inputs (another output option of the same run)."""
    target = _real(out)
    what = f"the {given_as} folder" if given_as else "the input"
    choose = f"choose a folder outside {given_as}" if given_as else "choose a folder outside every input"
    for given in inputs:
        if given is None:
            continue
        source = _real(given)
        if target == source:
            raise GlovegoError(f"{option} {out}: is {what} {given}; {choose}")
        if source.is_relative_to(target):
            raise GlovegoError(f"{option} {out}: holds {what} {given}; {choose}")
        if target.is_relative_to(source):
            raise GlovegoError(f"{option} {out}: is inside {what} {given}; {choose}")
