"""Time `glovego split` on a generated 20,000-image / 50,000-annotation input (synth + real roots).

Target: under 30 s with hard links, peak memory under 2 GB. The baseline, measured in the same
run, is the I/O floor any packager pays: parse and re-serialise the annotation JSON, hard-link
every image and sha256 every file, sequentially. Each phase runs in a fresh child process so its
peak RSS (`resource.getrusage`) is its own.

    python benchmarks/split.py                  # full size
    python benchmarks/split.py --images 2000    # quicker

Writes `benchmarks/results/split.json` (figures + the machine's load; see `record.py`).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

WIDTH, HEIGHT = 64, 48
FRAMES_PER_VIDEO = 100


def _png() -> bytes:
    from PIL import Image as PILImage

    buffer = io.BytesIO()
    PILImage.new("RGB", (WIDTH, HEIGHT), (90, 120, 150)).save(buffer, format="PNG")
    return buffer.getvalue()


def generate(root: Path, *, name: str, n_images: int, n_annotations: int, first_id: int) -> None:
    """Small distinct files (the same few PNG bytes each), 2–3 annotations per image."""
    from glovego_data.ehoi_coco import Annotation, EhoiDataset, Image, build_categories, make_info, save_dataset

    synthetic = name == "synth"
    categories = build_categories(["pliers", "socket", "screwdriver"])
    hand = categories[-1].id
    png = _png()
    (root / "images").mkdir(parents=True, exist_ok=True)
    images, annotations = [], []
    ann_id = 1
    extra = n_annotations - 2 * n_images  # images that get a second hand
    for k in range(n_images):
        image_id = first_id + k
        video = k // FRAMES_PER_VIDEO
        file_name = f"camera_{image_id}.png" if synthetic else f"{video}_{k % FRAMES_PER_VIDEO}.png"
        images.append(Image(image_id, file_name, WIDTH, HEIGHT,
                            video=f"solo/sequence.{video}" if synthetic else str(video), source=name))
        (root / "images" / file_name).write_bytes(png)
        obj = Annotation(ann_id, image_id, k % 3, [4.0, 4.0, 16.0, 12.0], 192.0)
        annotations.append(obj)
        ann_id += 1
        for j in range(2 if k < extra else 1):
            h = Annotation(ann_id, image_id, hand, [30.0 + 12 * j, 20.0, 10.0, 10.0], 100.0,
                           hand_side=j, contact_state=(k + j + video) % 2, gloves=int(video % 3 == 0 or k % 4 == 0))
            h.clear_active_object()
            if h.contact_state == 1:
                h.set_active_object(obj, WIDTH, HEIGHT)
            annotations.append(h)
            ann_id += 1
    info = make_info(command="benchmark", contact_source="manual")
    save_dataset(EhoiDataset(images, categories, annotations, info), root / "annotations" / "all.json")


def child_split(work: Path) -> dict:
    from glovego_pipelines.split import run_split

    out = work / "package"
    shutil.rmtree(out, ignore_errors=True)
    start = time.perf_counter()
    report = run_split(out, synth=work / "synth", real=work / "real", percents=(10, 25, 50), seed=0)
    split_s = time.perf_counter() - start
    from glovego_data.split.manifest import verify_package

    start = time.perf_counter()
    problems = verify_package(out)
    verify_s = time.perf_counter() - start
    return {"split_s": split_s, "verify_s": verify_s, "problems": len(problems), "linked": report.linked,
            "copied": report.copied, "files": len(report.manifest["files"])}


def child_baseline(work: Path) -> dict:
    out = work / "baseline"
    shutil.rmtree(out, ignore_errors=True)
    start = time.perf_counter()
    for name in ("synth", "real"):
        raw = json.loads((work / name / "annotations/all.json").read_bytes())
        (out / name / "images").mkdir(parents=True)
        (out / name / "all.json").write_text(json.dumps(raw, separators=(",", ":")))
        for src in sorted((work / name / "images").iterdir()):
            dst = out / name / "images" / src.name
            os.link(src, dst)
            hashlib.sha256(dst.read_bytes()).hexdigest()
    seconds = time.perf_counter() - start
    shutil.rmtree(out)
    return {"baseline_s": seconds}


def run_child(phase: str, work: Path) -> dict:
    env = dict(os.environ, OMP_NUM_THREADS="1")
    proc = subprocess.run([sys.executable, __file__, "--child", phase, "--work", str(work)],
                          check=True, capture_output=True, text=True, env=env)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=int, default=20_000)
    parser.add_argument("--annotations", type=int, default=50_000)
    parser.add_argument("--work", type=Path, default=Path("bench_out/split"))
    parser.add_argument("--child", choices=("split", "baseline"))
    args = parser.parse_args()
    if args.child:
        result = child_split(args.work) if args.child == "split" else child_baseline(args.work)
        result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(result))
        return
    if not 2 * args.images <= args.annotations <= 3 * args.images:
        parser.error("--annotations must be between 2 and 3 times --images")
    from record import Run  # here: the --child processes need nothing of it

    run = Run("split")
    shutil.rmtree(args.work, ignore_errors=True)
    start = time.perf_counter()
    n_synth = args.images * 2 // 5
    a_synth = args.annotations * 2 // 5
    generate(args.work / "synth", name="synth", n_images=n_synth, n_annotations=a_synth, first_id=1)
    generate(args.work / "real", name="real", n_images=args.images - n_synth,
             n_annotations=args.annotations - a_synth, first_id=1_000_001)
    print(f"generated {args.images:,} images / {args.annotations:,} annotations in {time.perf_counter() - start:.1f} s")
    baseline = run_child("baseline", args.work)
    split = run_child("split", args.work)
    ratio = split["split_s"] / baseline["baseline_s"]
    ok = split["split_s"] < 30 and split["peak_rss_mb"] < 2048 and split["problems"] == 0
    print(f"baseline (parse+dump JSON, link, sha256; sequential): {baseline['baseline_s']:.2f} s")
    print(f"glovego split: {split['split_s']:.2f} s = {ratio:.2f}x baseline; peak RSS {split['peak_rss_mb']:.0f} MB; "
          f"{split['files']:,} files ({split['linked']:,} linked, {split['copied']:,} copied)")
    print(f"verify_package (sha256 of every file, splits, nesting): {split['verify_s']:.2f} s, "
          f"{split['problems']} problem(s)")
    print(f"target: < 30 s and < 2048 MB → {'PASS' if ok else 'FAIL'}")
    print(f"wrote {run.write({'images': args.images, 'annotations': args.annotations, 'baseline': baseline, 'split': split, 'ratio': ratio, 'ok': ok})}")
    print(run.note())
    shutil.rmtree(args.work, ignore_errors=True)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
