"""One output plan per command run: every path it writes, declared with its inputs, checked at once.

A command builds an `OutputPlan` from its inputs, declares each output (`folder`: built in
`OUT.tmp/` and renamed; `resumable`: the same, continued after an interruption; `in_place`: a
folder claimed and written in place, e.g. a training run; `file`: one file written atomically;
`stream`: a file of whole lines written as they come, e.g. `infer --live --out`),
and calls `check()` before any work starts. The rules, for every output at once:

- never an input, never inside one, never holding one (symlinks resolved);
- an existing folder is replaced or continued only when it is empty or GlovEgo made it, and
  `--overwrite` replaces only a folder the *same* command made (the `.glovego-output` marker
  names the command; an old plain-text marker names none: `--overwrite` may replace such a
  folder, but no job continues writing into it);
- an existing file is replaced only with `--overwrite` (a file carries no marker: its name was
  given for this output, so the user asked for it), never a folder, never an input.

The staging folder, the claimed folder and the atomic file writer of a command's outputs come only
from its checked plan (`staging`, `claim`, `write_file`, `file_writer`), so a new mode cannot
write without the checks: pipelines and the CLI never call `atomic.staging_dir`,
`claim_output_dir`, `mark_ours` or `paths.check_output` themselves (an architecture test says so).
"""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, ContextManager, Iterable, Iterator, TextIO

from glovego_data.atomic import (
    MARKER, atomic_write_bytes, check_replaceable, claim_output_dir, default_file_mode, is_ours, marker_command,
    staging_dir, staging_path,
)
from glovego_data.errors import GlovegoError
from glovego_data.paths import check_output

@dataclass(frozen=True)
class _Output:
    option: str
    path: Path
    kind: str


class OutputPlan:
    """The outputs of one run of `command`, checked against its `inputs` before any work."""

    def __init__(self, command: str, inputs: Iterable[str | os.PathLike[str] | None], *, overwrite: bool = False):
        self.command = command
        self.inputs = [Path(p) for p in inputs if p is not None]
        self.overwrite = overwrite
        self._outputs: dict[str, _Output] = {}
        self._checked = False

    def folder(self, option: str, path: str | os.PathLike[str]) -> OutputPlan:
        """A folder built whole in `<path>.tmp/` and renamed at the end."""
        return self._add(option, path, "folder")

    def resumable(self, option: str, path: str | os.PathLike[str]) -> OutputPlan:
        """A staged folder whose `<path>.tmp/` survives an interruption for the next run to continue."""
        return self._add(option, path, "resumable")

    def in_place(self, option: str, path: str | os.PathLike[str]) -> OutputPlan:
        """A folder written in place and continued by the same command (a training run, a journal)."""
        return self._add(option, path, "in_place")

    def file(self, option: str, path: str | os.PathLike[str]) -> OutputPlan:
        """One file written atomically (a plot, an ONNX model)."""
        return self._add(option, path, "file")

    def stream(self, option: str, path: str | os.PathLike[str]) -> OutputPlan:
        """A file of lines written as they come (a live log read while it grows): checked like a
        `file`; each line is whole and flushed, so a stopped run leaves a complete record."""
        return self._add(option, path, "stream")

    def _add(self, option: str, path: str | os.PathLike[str], kind: str) -> OutputPlan:
        if self._checked:
            raise RuntimeError(f"{self.command}: output {option} declared after the plan was checked")
        self._outputs[option] = _Output(option, Path(path), kind)
        return self

    def check(self) -> OutputPlan:
        """Apply every rule to every declared output; the first broken one is one GlovegoError."""
        outputs = list(self._outputs.values())
        for index, output in enumerate(outputs):
            check_output(output.path, self.inputs, option=output.option)
            for other in outputs[index + 1:]:  # two outputs of one run must not nest either
                check_output(other.path, [output.path], option=other.option, given_as=output.option)
            getattr(self, f"_check_{output.kind}")(output)
        self._checked = True
        return self

    def _exists(self, path: Path) -> bool:
        return path.exists() or path.is_symlink()

    def _check_not_a_file(self, output: _Output) -> None:
        path = output.path
        if self._exists(path) and (path.is_symlink() or not path.is_dir()):
            raise GlovegoError(f"{output.option} {path}: is a file or a symbolic link, not a folder; "
                               "choose a new folder name")

    def _check_folder(self, output: _Output, *, resumable: bool = False) -> None:
        path = output.path
        self._check_not_a_file(output)
        check_replaceable(path, what="already exists", command=self.command)
        if self._exists(path) and any(path.iterdir()) and not self.overwrite and not resumable:
            raise GlovegoError(f"{path}: already exists (use --overwrite to replace it)")
        check_replaceable(staging_path(path), what="is in the way of the staging folder", command=self.command)

    def _check_resumable(self, output: _Output) -> None:
        self._check_folder(output, resumable=True)

    def _check_in_place(self, output: _Output) -> None:
        path = output.path
        self._check_not_a_file(output)
        check_replaceable(path, what="already exists, is not empty", command=self.command)
        if is_ours(path) and marker_command(path) is None:  # continuing it would mix two commands' files
            raise GlovegoError(f"{path}: already exists and its {MARKER} (an older glovego's) does not say which "
                               f"command made it; `glovego {self.command}` continues only its own folders: "
                               "move it away or choose another output folder")

    def _check_file(self, output: _Output) -> None:
        path = output.path
        if path.is_dir():
            raise GlovegoError(f"{path}: is a folder, not a file; give {output.option} a file name")
        if self._exists(path) and not self.overwrite:
            raise GlovegoError(f"{path}: already exists (use --overwrite to replace it)")
        if path.parent.exists() and not path.parent.is_dir():
            raise GlovegoError(f"{path.parent}: not a folder, so {output.option} cannot be written in it")

    def _check_stream(self, output: _Output) -> None:
        self._check_file(output)

    def _output(self, option: str, *kinds: str) -> _Output:
        if not self._checked:
            raise RuntimeError(f"{self.command}: the output plan must be checked before {option} is written")
        output = self._outputs.get(option)
        if output is None:
            raise RuntimeError(f"{self.command}: {option} is not a declared output")
        if kinds and output.kind not in kinds:
            raise RuntimeError(f"{self.command}: {option} is a {output.kind} output, not {' or '.join(kinds)}")
        return output

    def staging(self, option: str, *, reuse: bool = False,
                keep_on_error: Callable[[], bool] = lambda: False) -> ContextManager[Path]:
        """The staging folder of a `folder` / `resumable` output (see `atomic.staging_dir`)."""
        output = self._output(option, "folder", "resumable")
        return staging_dir(output.path, replace=True, reuse=reuse and output.kind == "resumable",
                           keep_on_error=keep_on_error if output.kind == "resumable" else lambda: False,
                           command=self.command)

    def stager(self, option: str) -> Callable[..., ContextManager[Path]]:
        """`staging` bound to `option`, for a library that opens the staging folder itself."""
        self._output(option, "folder", "resumable")
        return lambda **kwargs: self.staging(option, **kwargs)

    def claim(self, option: str) -> Path:
        """An `in_place` output folder, created and marked as this command's."""
        return claim_output_dir(self._output(option, "in_place").path, self.command)

    def write_file(self, option: str, data: bytes) -> Path:
        """Write a `file` output's bytes atomically."""
        path = self._output(option, "file").path
        atomic_write_bytes(path, data)
        return path

    @contextmanager
    def open_stream(self, option: str) -> Iterator[TextIO]:
        """The line-buffered text handle of a `stream` output."""
        path = self._output(option, "stream").path
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w", encoding="utf-8", buffering=1) as handle:
            yield handle

    @contextmanager
    def file_writer(self, option: str) -> Iterator[Path]:
        """A temporary path beside a `file` output, for writers that need a path (ONNX, matplotlib):
        renamed to the output on success, removed on failure."""
        path = self._output(option, "file").path
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=path.suffix, dir=path.parent)
        os.close(fd)
        try:
            yield Path(tmp)
            os.chmod(tmp, default_file_mode())
            os.replace(tmp, path)
        finally:
            Path(tmp).unlink(missing_ok=True)
