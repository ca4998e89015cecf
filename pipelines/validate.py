"""`glovego validate`: the checklist of ehoi-coco.md §12 over a file, a dataset root or a package."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from glovego_data.ehoi_coco.validate import Violation
from glovego_data.split.verify import validate_target


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


def run_validate(target: Path) -> ValidationResult:
    return ValidationResult(validate_target(target))
