"""`glovego split`: dataset roots in, a verified GlovEgo-HOI package out."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from glovego_data.errors import GlovegoError
from glovego_data.outputs import OutputPlan
from glovego_data.split.inputs import check_disjoint_ids, load_root, offset_image_ids, unify
from glovego_data.split.keep import parse_keep_arg, read_keep_args
from glovego_data.split.options import DEFAULT_PERCENTS, SplitOptions, parse_ratios
from glovego_data.split.package import write_package
from glovego_data.split.plan import RootInput, plan_root
from glovego_data.split.reference import check_no_empty_split, parse_renames, rename_categories
from glovego_data.progress import Progress, no_progress


@dataclass
class SplitReport:
    package: Path
    manifest: dict[str, Any]
    linked: int
    copied: int
    warnings: list[str] = field(default_factory=list)  # the loader's repairs of the inputs (§11)

    @property
    def notes(self) -> list[str]:
        return [n for root in self.manifest["roots"].values() for n in root["notes"]]


def _check_kept_found(keep: dict[str, frozenset[str]], found: set[str]) -> None:
    missing = sorted(set().union(*keep.values()) - found) if keep else []
    if missing:
        raise GlovegoError(
            f"--keep-split: {len(missing)} image(s) of the kept lists are in no input (first: {', '.join(missing[:5])})"
        )


def run_split(
    out: Path,
    *,
    synth: Path | None = None,
    real: Path | None = None,
    synth_json: Path | None = None,
    real_json: Path | None = None,
    percents: tuple[int, ...] = DEFAULT_PERCENTS,
    ratios: str = "0.7,0.1,0.2",
    seed: int = 0,
    group_by: str = "video",
    keep_split: tuple[str, ...] = (),
    real_id_offset: int = 0,
    layout: str = "glovego",
    rename_category: tuple[str, ...] = (),
    overwrite: bool = False,
    progress: Progress = no_progress,
) -> SplitReport:
    """Load and check every input first; plan the splits; write the package atomically."""
    if synth is None and real is None:
        raise GlovegoError("give --synth SYNTH_DIR, --real REAL_DIR or both")
    outputs = OutputPlan("split", [synth, real, synth_json, real_json, *(parse_keep_arg(arg)[1] for arg in keep_split)],
                         overwrite=overwrite).folder("--out", out).check()
    options = SplitOptions(
        ratios=parse_ratios(ratios), percents=tuple(percents), seed=seed, group_by=group_by,
        keep=read_keep_args(list(keep_split)), layout=layout, renames=parse_renames(rename_category),
    )
    roots: list[RootInput] = []
    if synth is not None:
        roots.append(load_root("synth", synth, synth_json))
    if real is not None:
        roots.append(load_root("real", real, real_json))
        offset_image_ids(roots[-1], real_id_offset)
    check_disjoint_ids(roots)
    rename_categories([root.dataset for root in roots], options.renames)
    categories = unify(roots, options.layout)
    plans = {root.name: plan_root(root, options) for root in roots}
    _check_kept_found(options.keep, set().union(*(p.kept_found for p in plans.values())))
    if options.layout == "reference":
        for root in roots:
            for split in options.split_names:
                check_no_empty_split(root.name, split, len(plans[root.name].image_ids(split)))
    result = write_package(out, roots, plans, options, categories, progress=progress,
                           open_stage=outputs.stager("--out"))
    warnings = [line for root in roots for line in root.dataset.warnings]
    return SplitReport(out, result.manifest, result.linked, result.copied, warnings)
