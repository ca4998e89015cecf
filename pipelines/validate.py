"""`glovego validate`: the checklist of ehoi-coco.md §12 over a file, a dataset root or a package."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from glovego_data.ehoi_coco.validate import Violation
from glovego_data.split.verify import validate_target

EXAMPLES = 3  # record ids named per group of warnings

# Values inside a message (numbers, lists, JSON strings): two warnings that differ only in these are one kind.
_VALUES = re.compile(r'"(?:[^"\\]|\\.)*"|\[[^\]]*\]|(?<![\w.])-?\d+(?:\.\d+)?(?:e[-+]?\d+)?(?![\w.])')


@dataclass(frozen=True)
class WarningGroup:
    """Warnings of one kind in one file: printed as one line with a count and the first ids."""

    file: str
    kind: str  # the message with its values replaced by "…"
    first: Violation
    count: int
    where: tuple[Any, ...]  # the first EXAMPLES `kind record_id` places

    def __str__(self) -> str:
        if self.count == 1:
            return str(self.first)
        return f"{self.first} — {self.count} times of this kind (first: {', '.join(str(w) for w in self.where)})"


def group_warnings(warnings: list[Violation]) -> list[WarningGroup]:
    """One group per (file, kind of message), in order of first appearance."""
    groups: dict[tuple[str, str], list[Violation]] = {}
    for warning in warnings:
        groups.setdefault((warning.file, _VALUES.sub("…", warning.message)), []).append(warning)
    return [WarningGroup(file, kind, found[0], len(found), tuple(v.where or "file" for v in found[:EXAMPLES]))
            for (file, kind), found in groups.items()]


@dataclass
class ValidationResult:
    violations: list[Violation]

    @property
    def errors(self) -> list[Violation]:
        return [v for v in self.violations if v.severity == "error"]

    @property
    def warnings(self) -> list[Violation]:
        return [v for v in self.violations if v.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors


def run_validate(target: Path, *, decode: bool = False) -> ValidationResult:
    return ValidationResult(validate_target(target, decode=decode))
