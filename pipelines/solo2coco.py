"""`glovego solo2coco`: a Unity SOLO export → an EHOI-COCO dataset root."""

from __future__ import annotations

from pathlib import Path

from glovego_data.outputs import OutputPlan
from glovego_data.progress import Progress, no_progress
from glovego_data.solo.convert import ConvertOptions, convert_solo
from glovego_data.solo.mapping import load_mapping
from glovego_data.solo.report import ConversionReport


def run_solo2coco(
    solo_dir: Path,
    out_dir: Path,
    *,
    mapping_file: Path | None = None,
    workers: int = 1,
    skip_bad: bool = False,
    mask_format: str = "polygon",
    name: str = "all",
    depth_range: float | None = None,
    restart: bool = False,
    strict: bool = False,
    progress: Progress = no_progress,
) -> ConversionReport:
    """Load the mapping (its errors come before any frame is read), then convert (resuming an
    interrupted run of the same conversion unless `restart`)."""
    outputs = OutputPlan("solo2coco", [solo_dir, mapping_file]).resumable("OUT_DIR", out_dir).check()
    mapping = load_mapping(mapping_file, depth_range_m=depth_range)
    options = ConvertOptions(mapping=mapping, workers=workers, skip_bad=skip_bad, mask_format=mask_format, name=name,
                             restart=restart, strict=strict)
    return convert_solo(solo_dir, out_dir, options, progress=progress, open_stage=outputs.stager("OUT_DIR"))
