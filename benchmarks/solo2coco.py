"""`glovego solo2coco` speed against the read-only floor, on generated dense and sparse SOLO exports.

For each dataset (dense ≈ 80 instances per frame, sparse ≈ 5; 1280×720 with depth) it measures, in
the same run and on the same files:
- the floor: read every frame JSON and decode every PNG/EXR it names, single process (after one
  untimed pass so both sides read from the page cache);
- the conversion with 1 worker and with 2 workers (in-process `convert_solo`, wall time; CPU time
  of the process and its workers is shown too, since wall time on a shared machine is noisy);
- the machine's own 2-process speed-up on a pure CPU loop just before and after the 2-worker run,
  the ceiling any 2-worker speed-up can reach while other jobs share the cores.
Targets (solo.md §8): 1 worker within 2× of the floor; 2 workers ≥ 1.7× faster than 1; the 1- and
2-worker outputs byte-identical (checked here, file by file).

With `--pysolotools PYTHON` (an interpreter with pysolotools 0.3.17 installed, e.g. a separate venv:
its pins clash with ours) it also runs pysolotools' own `solo2coco` command on the same dense
frames in the same run, as a child process with its default pool (one process per CPU), and
compares its wall time with our 2-worker conversion (target ≥ 20×, solo.md §8). pysolotools
converts ~1 frame/s on dense frames, so pass a small `--frames` (a multiple of 10: it crashes on
sequences of unequal length).

Writes `benchmarks/results/solo2coco.json` (figures + the machine's load; see `record.py`), or
`solo2coco_vs_pysolotools.json` with `--pysolotools` (a run of its own: fewer frames).

    python benchmarks/solo2coco.py                 # 200 frames each (several minutes on 2 cores)
    python benchmarks/solo2coco.py --frames 20     # quick run
    python benchmarks/solo2coco.py --only dense --frames 20 --pysolotools .venv-pysolo/bin/python
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from glovego_data._cv2 import cv2  # noqa: E402
from glovego_data.exr import read_depth  # noqa: E402
from glovego_data.solo.convert import ConvertOptions, convert_solo  # noqa: E402
from glovego_data.solo.generator import generate_solo  # noqa: E402
from glovego_data.solo.mapping import load_mapping  # noqa: E402
from record import Run  # noqa: E402

STEPS_PER_SEQUENCE = 10


def _frame_files(root: Path) -> list[Path]:
    return sorted(root.glob("sequence.*/step*.frame_data.json"))


def read_floor(root: Path) -> int:
    """Parse every frame JSON and decode every PNG/EXR it names; returns the number of files decoded."""
    decoded = 0
    for frame in _frame_files(root):
        doc = json.loads(frame.read_text(encoding="utf-8"))
        for capture in doc.get("captures") or []:
            names = [capture.get("filename")] + [a.get("filename") for a in capture.get("annotations") or []]
            for name in names:
                if not name:
                    continue
                path = frame.parent / name
                if path.suffix.lower() == ".exr":
                    read_depth(path)
                else:
                    if cv2.imread(str(path), cv2.IMREAD_UNCHANGED) is None:
                        raise RuntimeError(f"{path}: cannot decode")
                decoded += 1
    return decoded


def _digest(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != "report.json"  # the report holds timings and the worker count
    }


def _cpu_seconds() -> float:
    """CPU time of this process and its finished children (pool workers are joined by then)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _timed(fn) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of `fn()`: on a shared machine the CPU time is the steadier figure."""
    wall, cpu = time.perf_counter(), _cpu_seconds()
    fn()
    return time.perf_counter() - wall, _cpu_seconds() - cpu


def _burn(n: int) -> int:
    total = 0
    for i in range(n):
        total += i * i
    return total


def machine_headroom(n: int = 3_000_000) -> float:
    """Speed-up two processes get on a pure-Python CPU loop right now: the best any 2-worker run can show."""
    import multiprocessing

    serial, _ = _timed(lambda: (_burn(n), _burn(n)))
    with multiprocessing.get_context("fork").Pool(2) as pool:
        pool.map(_burn, [1000, 1000])
        parallel, _ = _timed(lambda: pool.map(_burn, [n, n]))
    return serial / parallel


def _convert(solo: Path, out: Path, workers: int) -> None:
    if out.exists():
        shutil.rmtree(out)
    report = convert_solo(solo, out, ConvertOptions(mapping=load_mapping(None), workers=workers))
    if report.frames_converted != len(_frame_files(solo)):
        raise RuntimeError(f"{solo}: converted {report.frames_converted} frames, expected {len(_frame_files(solo))}")


def _median(runs: list[tuple[float, float]]) -> tuple[float, float]:
    return statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)


def bench_dataset(name: str, solo: Path, work: Path, repeat: int) -> dict:
    frames = len(_frame_files(solo))
    read_floor(solo)  # warm the page cache
    floor, floor_cpu = _median([_timed(lambda: read_floor(solo)) for _ in range(repeat)])
    one, one_cpu = _median([_timed(lambda: _convert(solo, work / f"{name}_w1", 1)) for _ in range(repeat)])
    headroom = machine_headroom()
    two, two_cpu = _median([_timed(lambda: _convert(solo, work / f"{name}_w2", 2)) for _ in range(repeat)])
    headroom = min(headroom, machine_headroom())
    identical = _digest(work / f"{name}_w1") == _digest(work / f"{name}_w2")
    return {
        "dataset": name, "frames": frames, "floor_s": floor, "w1_s": one, "w2_s": two,
        "floor_cpu_s": floor_cpu, "w1_cpu_s": one_cpu, "w2_cpu_s": two_cpu,
        "floor_fps": frames / floor, "w1_fps": frames / one, "w2_fps": frames / two,
        "w1_over_floor": one / floor, "w1_over_floor_cpu": one_cpu / floor_cpu, "speedup_2w": one / two,
        "w2_cores_used": two_cpu / two, "machine_2proc_speedup": headroom,
        "identical": identical,
    }


PYSOLOTOOLS_RUN = """
import json, multiprocessing, sys, time
from pysolotools.consumers import Solo
from pysolotools.converters.solo2coco import SOLO2COCOConverter
started = time.perf_counter()
SOLO2COCOConverter(Solo(sys.argv[1])).convert(output_path=sys.argv[2], dataset_name="coco")
print("RESULT", json.dumps({"seconds": time.perf_counter() - started, "processes": multiprocessing.cpu_count()}))
"""


def bench_pysolotools(python: str, solo: Path, work: Path) -> dict:
    """pysolotools' converter on `solo`, in a child process (its own interpreter), timed inside it."""
    out = work / "pysolotools"
    if out.exists():
        shutil.rmtree(out)
    wall = time.perf_counter()
    done = subprocess.run([python, "-c", PYSOLOTOOLS_RUN, str(solo), str(out)], capture_output=True, text=True,
                          env={**os.environ, "OMP_NUM_THREADS": "1"})
    wall = time.perf_counter() - wall
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"pysolotools failed (exit {done.returncode}):\n{done.stderr[-2000:]}")
    result = json.loads(lines[-1][len("RESULT "):])
    written = next(iter(sorted((out / "coco").glob("*.json"))), None)  # instances.json or bbox.json
    images = len(json.loads(written.read_text())["images"]) if written else 0
    frames = len(_frame_files(solo))
    if images != frames:  # its workers' exceptions are swallowed (solo.md §9): check what came out
        raise RuntimeError(f"pysolotools wrote {images} of {frames} frames")
    return {"frames": frames, "seconds": result["seconds"], "wall_s": wall, "processes": result["processes"],
            "fps": frames / result["seconds"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--frames", type=int, default=200, help="frames per dataset (default 200)")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=720)
    parser.add_argument("--repeat", type=int, default=1, help="runs per measurement; the median is reported")
    parser.add_argument("--only", choices=("dense", "sparse"), help="run one dataset only")
    parser.add_argument("--keep", type=Path, help="work folder to keep (default: a temporary one, removed)")
    parser.add_argument("--pysolotools", metavar="PYTHON", help="interpreter with pysolotools: compare on the dense frames")
    args = parser.parse_args()
    run = Run("solo2coco")
    peer = None
    console = Console(width=max(Console().width, 126))
    work = args.keep or Path(tempfile.mkdtemp(prefix="glovego-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    sequences = max(1, -(-args.frames // STEPS_PER_SEQUENCE))
    steps = [STEPS_PER_SEQUENCE] * sequences
    steps[-1] = args.frames - STEPS_PER_SEQUENCE * (sequences - 1)
    settings = {"dense": {"dense": True, "hands": (2, 2)}, "sparse": {"objects": 3, "hands": (2, 2)}}
    results = []
    try:
        for name, extra in settings.items():
            if args.only and name != args.only:
                continue
            solo = work / f"{name}_solo"
            if not solo.exists():
                start = time.perf_counter()
                gen = generate_solo(solo, sequences=sequences, steps=steps, width=args.width, height=args.height,
                                    seed=1, **extra)
                per_frame = sum(len(f.instances) for f in gen.frames) / len(gen.frames)
                console.print(f"generated {name}: {len(gen.frames)} frames, {per_frame:.1f} instances/frame "
                              f"({time.perf_counter() - start:.0f} s)")
            results.append(bench_dataset(name, solo, work, args.repeat))
            if name == "dense" and args.pysolotools:
                peer = bench_pysolotools(args.pysolotools, solo, work)
                peer["ours_2w_s"] = results[-1]["w2_s"]
                peer["ratio"] = peer["seconds"] / results[-1]["w2_s"]
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    table = Table(title=f"solo2coco on {args.width}×{args.height} frames with depth ({os.cpu_count()} CPUs visible)")
    for column in ("dataset", "frames", "floor f/s", "1w f/s", "2w f/s", "1w/floor wall", "1w/floor CPU",
                   "2w speed-up", "2w cores used", "machine 2-proc", "same bytes"):
        table.add_column(column, justify="right")
    for r in results:
        table.add_row(r["dataset"], str(r["frames"]), f"{r['floor_fps']:.1f}", f"{r['w1_fps']:.1f}", f"{r['w2_fps']:.1f}",
                      f"{r['w1_over_floor']:.2f}", f"{r['w1_over_floor_cpu']:.2f}", f"{r['speedup_2w']:.2f}",
                      f"{r['w2_cores_used']:.2f}", f"{r['machine_2proc_speedup']:.2f}", "yes" if r["identical"] else "NO")
    console.print(table)
    console.print("targets: 1w/floor wall ≤ 2, 2w speed-up ≥ 1.7, same bytes = yes (solo.md §8). "
                  "'2w cores used' = CPU ÷ wall of the 2-worker run; 'machine 2-proc' = the speed-up two processes "
                  "got on a pure CPU loop around that run (the ceiling on a shared machine).")
    if peer is not None:
        console.print(f"pysolotools solo2coco, same {peer['frames']} dense frames, {peer['processes']} processes: "
                      f"{peer['seconds']:.1f} s ({peer['fps']:.2f} frames/s); ours, 2 workers: {peer['ours_2w_s']:.2f} s "
                      f"→ [bold]{peer['ratio']:.1f}×[/] (target ≥ 20×)")
    figures = {"width": args.width, "height": args.height, "datasets": results}
    if peer is not None:
        figures["pysolotools"] = peer
    console.print(f"wrote {run.write(figures, name='solo2coco_vs_pysolotools' if peer is not None else None)}")
    console.print(run.note())
    if not all(r["identical"] for r in results):
        raise SystemExit("1- and 2-worker outputs differ")


if __name__ == "__main__":
    main()
