"""`solo2coco` end to end: discover, plan, convert frames in parallel, write in id order (solo.md §6–8).

Frames run in worker processes in chunks; results come back in frame order, and only the main
process assigns image and annotation ids, links images and appends records — so the output bytes
do not depend on `--workers`. Everything is built in `OUT_DIR.tmp/` and renamed at the end; an
interrupted run leaves it there with a checkpoint, and the same command resumes (`resume.py`).
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import time
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Callable, ContextManager, Iterator

from glovego_data.atomic import atomic_write_json, link_or_copy, staging_dir, staging_path
from glovego_data.ehoi_coco import Image, depth_info, make_info
from glovego_data.errors import GlovegoError, Interrupted
from glovego_data.paths import outside_reason
from glovego_data.progress import Progress, no_progress
from glovego_data.solo.frame import FrameResult, convert_frame
from glovego_data.solo.mapping import Mapping
from glovego_data.solo.plan import ConversionPlan, build_plan
from glovego_data.solo.reader import FrameRef, discover, iter_frame_refs
from glovego_data.solo.report import ConversionReport, Tally
from glovego_data.solo.resume import Checkpoint, InputsDigest, load_checkpoint, run_key, save_checkpoint
from glovego_data.solo.writer import IncrementalDatasetWriter
from glovego_data.worker_lifetime import die_with_parent

MASK_FORMATS = ("polygon", "rle")


@dataclass
class ConvertOptions:
    mapping: Mapping
    workers: int = 1
    skip_bad: bool = False
    mask_format: str = "polygon"
    name: str = "all"
    chunk_size: int = 0  # 0 = chosen from the dataset size
    restart: bool = False  # ignore a checkpoint an interrupted run left
    checkpoint_seconds: float = 10.0  # wall time between checkpoints
    strict: bool = False  # a non-finite box, or one off the image, fails its frame instead of being dropped

    def output_options(self) -> dict[str, object]:
        """What shapes the output bytes (a checkpoint made with others cannot be resumed)."""
        return {"mapping": self.mapping, "skip_bad": self.skip_bad, "mask_format": self.mask_format, "name": self.name,
                "strict": self.strict}


# ----- workers -----------------------------------------------------------------------------------

_WORKER_PLAN: ConversionPlan | None = None


def _init_worker(plan: ConversionPlan, parent_pid: int) -> None:
    global _WORKER_PLAN
    die_with_parent(parent_pid)
    _WORKER_PLAN = plan
    os.environ.setdefault("OMP_NUM_THREADS", "1")


def _run_chunk(refs: list[FrameRef]) -> list[FrameResult]:
    assert _WORKER_PLAN is not None
    return [convert_frame(ref, _WORKER_PLAN) for ref in refs]


def _chunks(refs: list[FrameRef], size: int) -> Iterator[list[FrameRef]]:
    for start in range(0, len(refs), size):
        yield refs[start : start + size]


def _results(refs: list[FrameRef], plan: ConversionPlan, workers: int, chunk_size: int) -> Iterator[FrameResult]:
    """Frame results in frame order; at most 2 chunks per worker in flight (memory stays flat)."""
    if workers <= 1:
        for ref in refs:
            yield convert_frame(ref, plan)
        return
    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
    pending: deque[tuple[list[FrameRef], Future]] = deque()
    chunks = _chunks(refs, chunk_size)
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_init_worker, initargs=(plan, os.getpid())) as pool:
        try:
            for chunk in chunks:
                pending.append((chunk, pool.submit(_run_chunk, chunk)))
                if len(pending) >= 2 * workers:
                    yield from _collect(pending.popleft())
            while pending:
                yield from _collect(pending.popleft())
        finally:
            for _, future in pending:
                future.cancel()


def _collect(item: tuple[list[FrameRef], Future]) -> list[FrameResult]:
    chunk, future = item
    try:
        return future.result()
    except BrokenProcessPool as error:
        raise GlovegoError(f"{chunk[0].rel}: a worker process died while converting this chunk of frames ({error})") from None


# ----- the run -----------------------------------------------------------------------------------

def _contact_source(sources: dict[str, int]) -> str:
    used = {s for s, n in sources.items() if n and s != "none"}
    if not used:
        return "none"
    if len(used) == 1 and not sources.get("none"):
        return used.pop()
    return "mixed"


class _Assembler:
    """Main-process side: ids, image links, depth renames, records and report counts, in frame order."""

    def __init__(self, stage: Path, plan: ConversionPlan, writer: IncrementalDatasetWriter, report: ConversionReport) -> None:
        self.stage = stage
        self.plan = plan
        self.writer = writer
        self.report = report
        self.next_image = 1
        self.next_annotation = 1
        self.names = {c.id: c.name for c in plan.categories}
        self.without_depth = Tally()  # a warning only when other images of the dataset have depth
        for sub in ("images", "depth_maps", "depth_mm"):
            (stage / sub).mkdir(exist_ok=True)

    def checkpoint(self, key: str, frames_done: int, inputs: str, seconds: float) -> Checkpoint:
        return Checkpoint(key=key, frames_done=frames_done, inputs=inputs, parts=self.writer.mark(), next_image=self.next_image,
                          next_annotation=self.next_annotation, report=self.report, without_depth=self.without_depth,
                          seconds=seconds)

    def restore(self, checkpoint: Checkpoint) -> None:
        self.next_image, self.next_annotation = checkpoint.next_image, checkpoint.next_annotation
        self.without_depth = checkpoint.without_depth

    def add(self, result: FrameResult) -> None:
        rep = self.report
        rep.warnings.merge(result.tally)
        rep.ignored_types.update(result.ignored_types)
        for type_, labeler in result.other_labelers:
            rep.other_labelers.setdefault(type_, [])
            if labeler not in rep.other_labelers[type_]:
                rep.other_labelers[type_].append(labeler)
        rep.template_extras.update(result.template_extras)
        rep.frames_converted += 1
        for img in result.images:
            image_id = self.next_image
            self.next_image += 1
            file_name = f"camera_{image_id}{img.ext}"
            if link_or_copy(img.rgb_path, self.stage / "images" / file_name):
                rep.images_linked += 1
            else:
                rep.images_copied += 1
            depth_file = None
            if img.depth_tmp is None:
                self.without_depth.add("images without a depth EXR (no depth files)", img.rgb_rel)
            else:
                os.replace(img.depth_tmp[0], self.stage / "depth_maps" / f"map_{image_id}.png")
                depth_file = f"depth_mm/camera_{image_id}.png"
                os.replace(img.depth_tmp[1], self.stage / depth_file)
                rep.depth_measurements[img.measurement or "Depth"] += 1
            self.writer.add_image(
                Image(id=image_id, file_name=file_name, width=img.width, height=img.height, video=img.video,
                      source="synth", depth_file=depth_file, solo=img.solo)
            )
            rep.images += 1
            base = self.next_annotation - 1
            for record in img.annotations:
                record["id"] += base
                record["image_id"] = image_id
                is_hand = "hand_side" in record
                if is_hand:
                    if record["id_obj"] > 0:
                        record["id_obj"] += base
                        rep.ehois += 1
                    rep.hands += 1
                    rep.gloves[record["gloves"]] += 1
                rep.annotations_per_category[self.names[record["category_id"]]] += 1
                self.writer.add_annotation(record, is_hand)
            self.next_annotation += len(img.annotations)
            for source in img.contact_sources:
                rep.contact_sources[source] += 1


def convert_solo(
    solo_dir: str | Path, out_dir: str | Path, options: ConvertOptions, progress: Progress = no_progress,
    open_stage: Callable[..., ContextManager[Path]] | None = None,
) -> ConversionReport:
    """Convert a SOLO export into an EHOI-COCO dataset root at `out_dir`; returns the report.
    `open_stage(reuse=, keep_on_error=)` opens the staging folder (the command's output plan's).

    Resumes from the checkpoint an interrupted run of the same conversion left in `OUT_DIR.tmp/`.
    Progress: one task, "frames".
    """
    start = time.perf_counter()
    solo_dir, out_dir = Path(solo_dir), Path(out_dir)
    if options.mask_format not in MASK_FORMATS:
        raise GlovegoError(f"--mask-format must be one of {', '.join(MASK_FORMATS)}, got '{options.mask_format}'")
    if outside_reason(options.name, bare=True) is not None:
        raise GlovegoError(f"--name '{options.name}' {outside_reason(options.name, bare=True)}; it names "
                           "annotations/<name>.json inside OUT_DIR")
    if options.workers < 1:
        raise GlovegoError(f"--workers must be ≥ 1, got {options.workers}")
    if out_dir.exists() and (not out_dir.is_dir() or any(out_dir.iterdir())):
        raise GlovegoError(f"{out_dir}: already exists and is not empty; choose a new output folder")
    folders = discover(solo_dir)
    refs = list(iter_frame_refs(solo_dir, folders))
    key = run_key(solo_dir, refs, options.output_options())
    previous = None if options.restart else load_checkpoint(staging_path(out_dir), key, refs)
    kept = previous.frames_done if previous is not None else 0  # frames the staging folder's checkpoint holds
    if open_stage is None:
        open_stage = partial(staging_dir, out_dir, replace=out_dir.exists(), command="solo2coco")
    with open_stage(reuse=previous is not None, keep_on_error=lambda: kept > 0) as stage:
        setup = Tally()
        plan = build_plan(solo_dir, stage, folders, refs, options.mapping, options.mask_format, setup,
                          strict=options.strict)
        if previous is None:
            report = ConversionReport(solo_dir=str(solo_dir), out_dir=str(out_dir), frames_found=len(refs))
            report.warnings.merge(setup)
            report.category_set = plan.category_set
        else:
            report = previous.report
            report.frames_resumed = previous.frames_done
        report.workers = options.workers
        done = report.frames_resumed
        earlier = previous.seconds if previous is not None else 0.0
        writer = IncrementalDatasetWriter(stage, options.name, resume=previous.parts if previous else None)
        assembler = _Assembler(stage, plan, writer, report)
        if previous is not None:
            assembler.restore(previous)
        todo = refs[done:]
        inputs = InputsDigest(refs[:done])
        chunk = options.chunk_size or max(1, min(8, len(todo) // (options.workers * 8)))
        converted = progress("frames", len(refs))
        converted(done)
        results = _results(todo, plan, options.workers, chunk)
        last_checkpoint = time.perf_counter()
        try:
            for result in results:
                if result.dataset_error is not None:
                    raise result.dataset_error
                if result.error is not None:
                    if not options.skip_bad:
                        raise result.error
                    report.skipped.append(result.error.as_record())
                    report.warnings.merge(result.tally)
                else:
                    assembler.add(result)
                inputs.add(refs[done])
                done += 1
                if time.perf_counter() - last_checkpoint >= options.checkpoint_seconds and done < len(refs):
                    seconds = earlier + time.perf_counter() - start
                    save_checkpoint(stage, assembler.checkpoint(key, done, inputs.hexdigest(), seconds))
                    kept, last_checkpoint = done, time.perf_counter()
                converted(1)
        except BaseException as error:
            results.close()  # stop the workers before the staging folder is removed
            writer.close()
            if kept and isinstance(error, (GlovegoError, KeyboardInterrupt)):
                what = "interrupted" if isinstance(error, KeyboardInterrupt) else str(error)
                kind = Interrupted if isinstance(error, KeyboardInterrupt) else GlovegoError
                raise kind(f"{what}; the first {kept} of {len(refs)} frames are kept in {stage}: "
                           "run the same command again to resume") from None
            raise
        if report.depth_measurements:
            report.warnings.merge(assembler.without_depth)
        report.contact_source = _contact_source(report.contact_sources)
        measurement = report.depth_measurements.most_common(1)[0][0] if report.depth_measurements else None
        info = make_info(
            command="solo2coco",
            description=f"Unity SOLO export '{solo_dir.resolve().name}' converted by glovego solo2coco",
            contact_source=report.contact_source,
            segmentation=options.mask_format,
            depth=depth_info(options.mapping.depth_range_m, measurement) if measurement else None,
            categories=plan.category_set,
        )
        writer.finish(info, plan.categories)
        shutil.rmtree(stage / ".work")
        for sub in ("depth_maps", "depth_mm"):
            if not any((stage / sub).iterdir()):
                (stage / sub).rmdir()
        report.seconds = earlier + time.perf_counter() - start
        if options.skip_bad:
            atomic_write_json(stage / "skipped.json", report.skipped)
        atomic_write_json(stage / "report.json", report.as_dict())
    return report

