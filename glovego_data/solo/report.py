"""Counts of everything the converter did, dropped or ignored (solo.md §6.8): nothing is lost silently."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

MAX_EXAMPLES = 5


@dataclass
class Tally:
    """Warning counts with up to five example files each; cheap to merge across worker results."""

    counts: Counter[str] = field(default_factory=Counter)
    examples: dict[str, list[str]] = field(default_factory=dict)

    def add(self, kind: str, example: str, n: int = 1) -> None:
        if n <= 0:
            return
        self.counts[kind] += n
        shown = self.examples.setdefault(kind, [])
        if len(shown) < MAX_EXAMPLES and example not in shown:
            shown.append(example)

    def merge(self, other: "Tally") -> None:
        for kind, n in other.counts.items():
            self.counts[kind] += n
            shown = self.examples.setdefault(kind, [])
            for example in other.examples.get(kind, []):
                if len(shown) < MAX_EXAMPLES and example not in shown:
                    shown.append(example)

    def as_dict(self) -> dict[str, Any]:
        return {k: {"count": self.counts[k], "examples": self.examples.get(k, [])} for k in sorted(self.counts)}


@dataclass
class ConversionReport:
    solo_dir: str
    out_dir: str
    frames_found: int = 0
    frames_converted: int = 0
    frames_resumed: int = 0  # taken over from an interrupted run's checkpoint
    skipped: list[dict[str, str]] = field(default_factory=list)
    images: int = 0
    images_linked: int = 0
    images_copied: int = 0
    annotations_per_category: Counter[str] = field(default_factory=Counter)
    hands: int = 0
    ehois: int = 0
    gloves: Counter[int] = field(default_factory=Counter)
    contact_sources: Counter[str] = field(default_factory=Counter)
    contact_source: str = "none"
    category_set: str = "custom"
    warnings: Tally = field(default_factory=Tally)
    ignored_types: Counter[str] = field(default_factory=Counter)
    other_labelers: dict[str, list[str]] = field(default_factory=dict)
    template_extras: dict[str, list[str]] = field(default_factory=dict)
    depth_measurements: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    workers: int = 1

    @property
    def frames_skipped(self) -> int:
        return len(self.skipped)

    @property
    def gloved_percent(self) -> float:
        return 100.0 * self.gloves[1] / self.hands if self.hands else 0.0

    @property
    def frames_per_second(self) -> float:
        return self.frames_found / self.seconds if self.seconds > 0 else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "solo_dir": self.solo_dir,
            "out_dir": self.out_dir,
            "frames": {"found": self.frames_found, "converted": self.frames_converted, "skipped": self.frames_skipped,
                       "resumed": self.frames_resumed},
            "skipped": self.skipped,
            "images": {"count": self.images, "linked": self.images_linked, "copied": self.images_copied},
            "categories": self.category_set,
            "annotations_per_category": dict(sorted(self.annotations_per_category.items())),
            "hands": self.hands,
            "ehois": self.ehois,
            "gloves": {"gloved": self.gloves[1], "bare": self.gloves[0], "unknown": self.gloves[-1]},
            "gloved_percent": round(self.gloved_percent, 2),
            "contact_source": self.contact_source,
            "contact_sources": dict(sorted(self.contact_sources.items())),
            "depth_measurements": dict(sorted(self.depth_measurements.items())),
            "warnings": self.warnings.as_dict(),
            "ignored_annotation_types": dict(sorted(self.ignored_types.items())),
            "other_labelers": {k: sorted(v) for k, v in sorted(self.other_labelers.items())},
            "keypoint_template_extras": {k: v for k, v in sorted(self.template_extras.items())},
            "workers": self.workers,
            "seconds": round(self.seconds, 3),
            "frames_per_second": round(self.frames_per_second, 2),
        }
