"""Errors of SOLO conversion: a frame error can be skipped (`--skip-bad`), a dataset error never."""

from __future__ import annotations

from glovego_data.errors import GlovegoError


class DatasetError(GlovegoError):
    """The whole export or the mapping is unusable (solo.md §7 "D"): always stops the run."""


class FrameError(GlovegoError):
    """One frame cannot be converted (solo.md §7 "E"). `frame` and `file` are relative to SOLO_DIR."""

    def __init__(self, frame: str, file: str, problem: str) -> None:
        super().__init__(f"{file}: {problem}")
        self.frame = frame
        self.file = file
        self.problem = problem

    def as_record(self) -> dict[str, str]:
        """One entry of `skipped.json`."""
        return {"frame": self.frame, "file": self.file, "reason": self.problem}

    def __reduce__(self):  # survive the trip back from a worker process
        return (FrameError, (self.frame, self.file, self.problem))
