"""`glovego augment-gloves`: select → regions → edit → SSIM gate → composite → labels → journal → merge.

Each process (accelerate / torchrun) edits its contiguous share of the batches and journals them;
rank 0 merges every journal into OUT_DIR once all ranks are done (spec glove-augmentation.md).
"""

from __future__ import annotations

import copy
import hashlib
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from glovego_data.atomic import atomic_write_bytes, atomic_write_json, link_or_copy
from glovego_data.augment import selection
from glovego_data.augment.backends import get_backend, open_editor
from glovego_data.augment.classical import parse_glove_color
from glovego_data.augment.decision import HAND_CHANGE_MIN, HAND_SSIM_MAX
from glovego_data.augment.editor import Editor
from glovego_data.augment.flux_kontext import (
    DEFAULT_MODEL, DEFAULT_PROMPT, GUIDANCE, MAX_SEQUENCE_LENGTH, STEPS, KontextSettings, resolve_model, shared_prompt_embeds,
)
from glovego_data.augment.inputs import SourceImage, check_image_file, collect_images, load_splits, read_rgb
from glovego_data.augment.journal import JOURNAL_GLOB, JournalWriter, read_journals
from glovego_data.augment.judge import GateSettings, judge_edit
from glovego_data.augment.mediapipe_hands import hand_landmarks_unavailable, landmark_api, open_hand_detector, resolve_hand_model
from glovego_data.augment.labels import apply_results, plan_new_ids
from glovego_data.augment.preview import preview_row, write_contact_sheet
from glovego_data.augment.provenance import edit_provenance, edited_file_name, encode_image, is_jpeg
from glovego_data.augment.regions import HandRegion, hand_regions, match_landmarks
from glovego_data.augment.report import build_report
from glovego_data.ehoi_coco import save_dataset
from glovego_data.errors import GlovegoError
from glovego_data.hashing import sha256_file
from glovego_data.outputs import OutputPlan
from glovego_data.progress import Progress, no_progress

WORK = ".work"


@dataclass(frozen=True)
class AugmentOptions:
    ssim: float = 0.95
    backend: str = "flux-kontext"
    model: str = DEFAULT_MODEL
    prompt: str = DEFAULT_PROMPT
    fraction: float = 1.0
    seed: int = 0
    batch_size: int = 1
    mode: str = "replace"
    composite: bool = True
    ssim_on: str = "raw"
    lossless: bool = False
    hand_ssim_max: float = HAND_SSIM_MAX
    hand_change_min: float = HAND_CHANGE_MIN
    pseudo_keypoints: bool = False
    glove_color: str = "yellow"
    steps: int = STEPS
    guidance: float = GUIDANCE
    max_sequence_length: int = MAX_SEQUENCE_LENGTH
    work_scale: float = 1.0
    preview: int = 0
    restart: bool = False
    strict: bool = False
    compile: bool = False
    offload: str | None = None
    hand_model: str | None = None  # Tasks API model file; None: GLOVEGO_HAND_MODEL, else the legacy models

    def output_args(self) -> dict[str, Any]:
        """The arguments that change outputs: a journal made with others cannot be resumed."""
        skip = {"restart", "strict", "compile", "offload", "preview"}
        args = {k: v for k, v in asdict(self).items() if k not in skip}
        if not get_backend(self.backend).uses_model:
            for key in ("model", "prompt", "steps", "guidance", "max_sequence_length", "work_scale"):
                args.pop(key)
        else:
            args.pop("glove_color")
        return args


def check_options(in_dir: Path, out_dir: Path, options: AugmentOptions) -> OutputPlan:
    if not (0.0 < options.ssim <= 1.0):
        raise GlovegoError(f"--ssim must be in (0, 1]; got {options.ssim:g}")
    if not (0.0 <= options.fraction <= 1.0):
        raise GlovegoError(f"--fraction must be in [0, 1]; got {options.fraction:g}")
    if options.batch_size < 1:
        raise GlovegoError(f"--batch-size must be ≥ 1; got {options.batch_size}")
    get_backend(options.backend)
    if options.mode not in ("replace", "add"):
        raise GlovegoError(f"--mode must be replace or add; got {options.mode!r}")
    if options.ssim_on not in ("raw", "composite"):
        raise GlovegoError(f"--ssim-on must be raw or composite; got {options.ssim_on!r}")
    if options.offload not in (None, "model"):
        raise GlovegoError(f"--offload must be model; got {options.offload!r}")
    if not in_dir.is_dir():
        raise GlovegoError(f"{in_dir}: not a directory")
    files = [Path(name) for name in (options.model, options.hand_model) if name and Path(name).exists()]
    outputs = OutputPlan("augment-gloves", [in_dir, *files]).in_place("OUT_DIR", out_dir).check()
    parse_glove_color(options.glove_color)
    if options.pseudo_keypoints or resolve_hand_model(options.hand_model) is not None:
        landmark_api(options.hand_model)  # no usable landmarks: say what to install or pass, before any work
    return outputs


@dataclass
class Plan:
    sources: dict[str, SourceImage]
    selected: list[str]
    seeds: dict[str, int]
    batches: list[selection.Batch]
    preview_names: set[str] = field(default_factory=set)


def make_plan(sources: dict[str, SourceImage], options: AugmentOptions) -> Plan:
    selected = [n for n, s in sources.items() if s.eligible and selection.is_selected(options.seed, n, options.fraction)]
    sizes = {n: selection.work_size(sources[n].image.width, sources[n].image.height, options.work_scale) for n in selected}
    batches = selection.plan_batches(sizes, options.batch_size)
    ordered = [name for batch in batches for name in batch.file_names]
    seeds = {n: selection.image_seed(options.seed, n) for n in selected}
    return Plan(sources, selected, seeds, batches, set(ordered[: options.preview]))


def _kontext_settings(options: AugmentOptions) -> KontextSettings:
    return KontextSettings(
        options.model, options.prompt, options.steps, options.guidance, options.max_sequence_length,
        options.compile, options.offload,
    )


def _open_editor(options: AugmentOptions, embeds: dict[str, Any] | None, device: Any) -> Editor:
    return open_editor(
        options.backend, kontext=_kontext_settings(options), glove_rgb=parse_glove_color(options.glove_color),
        embeds=embeds, device=device,
    )


def _prompt_embeds(options: AugmentOptions, out_dir: Path, state: Any) -> dict[str, Any] | None:
    if not get_backend(options.backend).uses_model:
        return None
    cache = out_dir / WORK / "prompt_embeds.safetensors"
    return shared_prompt_embeds(_kontext_settings(options), resolve_model(options.model), cache, state)


def process_batch(
    batch: selection.Batch, plan: Plan, in_dir: Path, out_dir: Path, options: AugmentOptions, editor: Editor, detector: Any
) -> list[dict[str, Any]]:
    """Edit one batch and write its kept images under `.work/images/`; return its journal records."""
    names = list(batch.file_names)
    originals: list[np.ndarray] = []
    alphas: list[np.ndarray | None] = []
    regions: list[list[HandRegion]] = []
    pseudo: list[dict[str, list[float]]] = []
    for name in names:
        source = plan.sources[name]
        rgb, alpha = read_rgb(in_dir / "images" / name)
        originals.append(rgb)
        alphas.append(alpha)
        needs_marks = options.pseudo_keypoints or any(not h.segmentation for h in source.hands)
        detections = detector.detect(rgb) if (needs_marks and detector is not None) else []
        matched = match_landmarks(source.all_hands, detections)  # one matching for regions and keypoints
        regions.append(hand_regions(rgb, source.hands, detections, grabcut_boxes=get_backend(options.backend).grabcut_boxes, matched=matched))
        pseudo.append(_pseudo_keypoints(source, matched, rgb.shape) if options.pseudo_keypoints else {})
    seeds = [plan.seeds[n] for n in names]
    records = []
    try:
        raws = editor.edit_hands(originals, regions, seeds, batch.work_size)
        error = None
    except Exception as exc:  # a model failure (e.g. out of memory) fails this batch only
        if options.strict or isinstance(exc, GlovegoError):
            raise GlovegoError(f"batch {batch.index} ({', '.join(names)}): {type(exc).__name__}: {exc}") from exc
        raws, error = [None] * len(names), f"{type(exc).__name__}: {exc}"
    gate = GateSettings(options.ssim, options.ssim_on, options.composite, options.hand_ssim_max, options.hand_change_min)
    for name, rgb, alpha, regs, raw, seed, kps in zip(names, originals, alphas, regions, raws, seeds, pseudo):
        prov = edit_provenance(options, seed, batch.work_size)
        prov["hands"] = [{"id": r.ann_id, "region": r.source} for r in regs]
        record: dict[str, Any] = {"file_name": name, "output": None, "sha256": None, "pseudo_keypoints": kps}
        if raw is None:
            prov.update(status="failed", error=error)
        else:
            judged = judge_edit(rgb, raw, regs, gate)
            prov.update(status=judged.status, ssim=round(judged.ssim, 6), hands=[h.to_json() for h in judged.hands])
            if judged.status == "accepted":
                out_name = edited_file_name(name, lossless=options.lossless, mode=options.mode)
                data = encode_image(judged.final, out_name, alpha)
                atomic_write_bytes(out_dir / WORK / "images" / out_name, data)
                if is_jpeg(out_name):
                    prov["jpeg_reencoded"] = True
                record.update(output=out_name, sha256=hashlib.sha256(data).hexdigest())
            if name in plan.preview_names:
                row = preview_row(rgb, raw, judged.candidate, name, judged.status, judged.ssim)
                atomic_write_bytes(out_dir / WORK / "preview" / f"{name}.png", row)
        record["glove_edit"] = prov
        records.append(record)
    return records


def _pseudo_keypoints(source: SourceImage, matched: dict[int, Any], shape: tuple[int, ...]) -> dict[str, list[float]]:
    from glovego_data.augment.mediapipe_hands import pseudo_keypoints

    height, width = shape[:2]
    return {
        str(ann_id): pseudo_keypoints(marks, width, height)
        for ann_id, marks in sorted(matched.items())
        if source.hand_keypoint_counts.get(ann_id, 0) == 0
    }


def _link_side_folders(in_dir: Path, out_dir: Path) -> None:
    """Depth maps and any other folder of the root travel along (hard links), so it stays complete."""
    for folder in sorted(p for p in in_dir.iterdir() if p.is_dir() and p.name not in ("images", "annotations")):
        for src in sorted(folder.rglob("*")):
            if src.is_file():
                link_or_copy(src, out_dir / src.relative_to(in_dir))


def _unselected_keypoints(in_dir: Path, plan: Plan, results: dict[str, Any], options: AugmentOptions) -> dict[str, dict[str, list[float]]]:
    """`--pseudo-keypoints` on images that were not edited (MediaPipe ~16 ms per image, rank 0)."""
    todo = [s for n, s in plan.sources.items() if n not in results and any(c == 0 for c in s.hand_keypoint_counts.values())]
    if not todo:
        return {}
    out: dict[str, dict[str, list[float]]] = {}
    with _detector(options) as detector:
        for source in todo:
            rgb, _ = read_rgb(in_dir / "images" / source.image.file_name)
            matched = match_landmarks(source.all_hands, detector.detect(rgb))
            out[source.image.file_name] = _pseudo_keypoints(source, matched, rgb.shape)
    return out


def _partial_state() -> Any:
    import torch
    from accelerate import PartialState

    return PartialState(cpu=not torch.cuda.is_available())


def run_augment(
    in_dir: Path, out_dir: Path, options: AugmentOptions, progress: Progress = no_progress
) -> dict[str, Any] | None:
    """Run this process's share; on rank 0 merge everything and return the report (else None).

    Progress tasks: checking inputs, editing (this process's images), merging.
    """
    in_dir, out_dir = Path(in_dir), Path(out_dir)
    outputs = check_options(in_dir, out_dir, options)
    if get_backend(options.backend).uses_model:
        resolve_model(options.model)  # no weights: stop before anything is read or written
    splits = load_splits(in_dir)
    sources = collect_images(splits)
    checked = progress("checking inputs", len(sources))
    for source in sources.values():
        check_image_file(in_dir, source)
        checked(1)
    plan = make_plan(sources, options)

    state = _partial_state()
    if not state.is_main_process:
        progress = no_progress  # one bar (rank 0's share), not one per process
    args = options.output_args()
    if state.is_main_process:
        outputs.claim("OUT_DIR")
        if options.restart:  # everything a previous run wrote, so no stale edit survives
            for path in [*out_dir.glob(JOURNAL_GLOB), out_dir / "report.json", out_dir / "preview.png"]:
                path.unlink(missing_ok=True)
            for folder in (WORK, "images", "annotations"):
                shutil.rmtree(out_dir / folder, ignore_errors=True)
        read_journals(out_dir, args)  # wrong arguments: fail before any rank starts editing
    state.wait_for_everyone()
    done = read_journals(out_dir, args)
    todo = [b for b in plan.batches if b.index not in done]
    embeds = _prompt_embeds(options, out_dir, state) if todo else None

    started = time.perf_counter()
    processed = 0
    with state.split_between_processes(todo) as mine:
        mine = list(mine)
        edited = progress("editing", sum(len(b.file_names) for b in mine))
        if mine:
            editor = _open_editor(options, embeds, state.device)
            detector = _detector(options) if _needs_detector(plan, mine, options) else None
            journal = JournalWriter(out_dir, state.process_index, args)
            try:
                for batch in mine:
                    journal.record_batch(batch.index, process_batch(batch, plan, in_dir, out_dir, options, editor, detector))
                    processed += len(batch.file_names)
                    edited(len(batch.file_names))
            finally:
                journal.close()
                if detector is not None:
                    detector.close()
    seconds = time.perf_counter() - started
    state.wait_for_everyone()
    if not state.is_main_process:
        return None
    merged = progress("merging", 1)
    report = merge(in_dir, out_dir, splits, plan, options, args, seconds, processed)
    merged(1)
    return report


def _needs_detector(plan: Plan, batches: list[selection.Batch], options: AugmentOptions) -> bool:
    if options.pseudo_keypoints:
        return True
    return any(not h.segmentation for b in batches for n in b.file_names for h in plan.sources[n].hands)


def _detector(options: AugmentOptions) -> Any:
    """The landmark detector; None (regions from masks or boxes, spec §5.1) when MediaPipe cannot
    run here and nothing needs it: pseudo-keypoints and an explicit model file always do."""
    if not options.pseudo_keypoints and resolve_hand_model(options.hand_model) is None and hand_landmarks_unavailable():
        return None
    return open_hand_detector(options.hand_model)


def merge(
    in_dir: Path, out_dir: Path, splits: dict[str, Any], plan: Plan, options: AugmentOptions,
    args: dict[str, Any], seconds: float, processed: int,
) -> dict[str, Any]:
    """Rank 0: images, annotations, report and preview from the journals of every rank."""
    done = read_journals(out_dir, args)
    missing = [b.index for b in plan.batches if b.index not in done]
    if missing:
        raise GlovegoError(f"{out_dir}: batches {missing[:10]} were not finished by any process; run again to resume")
    results: dict[str, dict[str, Any]] = {}
    for batch in plan.batches:
        for record in done[batch.index]["images"]:
            results[record["file_name"]] = record
    (out_dir / "images").mkdir(parents=True, exist_ok=True)
    for name in plan.sources:
        record = results.get(name)
        accepted = record is not None and record["output"] is not None
        if options.mode == "add" or not accepted:
            link_or_copy(in_dir / "images" / name, out_dir / "images" / name)
        if accepted:
            final = out_dir / "images" / record["output"]
            work_file = out_dir / WORK / "images" / record["output"]
            if not work_file.is_file() and final.is_file():
                work_file = final  # merged by an earlier run, which then removed .work/
            if sha256_file(work_file) != record["sha256"]:
                raise GlovegoError(f"{work_file}: does not match its journal entry; run again with --restart")
            link_or_copy(work_file, final)
            if record["output"] != name and options.mode == "replace":
                (out_dir / "images" / name).unlink(missing_ok=True)
    _link_side_folders(in_dir, out_dir)
    accepted = sorted(n for n, r in results.items() if r["output"] is not None)
    new_ids = plan_new_ids(splits, accepted) if options.mode == "add" else None
    extra = _unselected_keypoints(in_dir, plan, results, options) if options.pseudo_keypoints else {}
    outputs = {name: apply_results(copy.deepcopy(ds), results, options, new_ids, extra) for name, ds in splits.items()}
    report = build_report(plan, results, splits, outputs, options, seconds, processed)
    for split_name, dataset in outputs.items():
        save_dataset(dataset, out_dir / "annotations" / split_name)
    if options.preview:
        rows = [out_dir / WORK / "preview" / f"{n}.png" for b in plan.batches for n in b.file_names if n in plan.preview_names]
        write_contact_sheet([r for r in rows if r.is_file()], out_dir / "preview.png")
    atomic_write_json(out_dir / "report.json", report)
    if (out_dir / WORK).exists():  # the resume cache: a finished dataset does not carry it
        shutil.rmtree(out_dir / WORK)
    return report
