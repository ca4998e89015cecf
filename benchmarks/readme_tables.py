"""Regenerate the README's performance tables from `benchmarks/results/*.json`, so nobody types a figure.

Each table lives between `<!-- bench:NAME -->` and `<!-- /bench -->` in README.md; everything in
between is replaced by the rows of `TABLES[NAME]`. Every row shows the date and load of the run it
comes from and is flagged LOADED when the 1-minute load was above the cores (`record.py`); a result
file that is absent gives a row saying "not rerun this round", never an old number.

    python benchmarks/readme_tables.py           # rewrite README.md
    python benchmarks/readme_tables.py --check   # exit 1 if README.md differs from the files

Adding a result file is one `Entry` in the right table: its name (`results/<name>.json`), the
first cell shown while the file is absent, and a function from the file's `figures` to rows of
cells (all but the load column). A new table is one `TABLES` key, one `HEADERS` key and one pair of
markers in the README. For example, the export benchmark's slot:
`TABLES["export"] = [Entry("export", "ONNX vs PyTorch, batch 1 and 4 (`benchmarks/export.py`)", export_rows)]`
with `HEADERS["export"]` its column names and `<!-- bench:export -->` … `<!-- /bench -->` in its
README section; the demo's spread (`demo_spread.json`) goes the same way.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

RESULTS = Path(__file__).resolve().parent / "results"
README = Path(__file__).resolve().parent.parent / "README.md"
MARKER = re.compile(r"(<!-- bench:(?P<name>[a-z0-9_-]+) -->\n)(?P<body>.*?)(<!-- /bench -->)", re.S)

Rows = list[list[str]]


@dataclass(frozen=True)
class Entry:
    """One result file's rows in a table."""

    result: str
    """`benchmarks/results/<result>.json`."""
    what: str
    """The first cell while the file is absent."""
    rows: Callable[[dict[str, Any]], Rows]
    """The file's `figures` → rows of cells (the load column is added)."""


def _ok(passed: bool) -> str:
    return "✓" if passed else "✗ not met"


def solo2coco_rows(f: dict[str, Any]) -> Rows:
    rows = []
    for d in f["datasets"]:
        rows.append([
            f"`solo2coco`, {d['frames']} {d['dataset']} frames ({f['width']}×{f['height']}, depth) (`benchmarks/solo2coco.py`)",
            f"{d['w1_fps']:.1f} frames/s, 1 worker; {d['w2_fps']:.1f} frames/s, 2 workers",
            f"read-only floor (parse every JSON, decode every PNG/EXR, one process): {d['floor_fps']:.1f} frames/s "
            f"→ 1 worker takes **{d['w1_over_floor']:.2f}×** the floor's time; 2 workers vs 1: **{d['speedup_2w']:.2f}×** "
            f"speed-up (two processes of a pure CPU loop got {d['machine_2proc_speedup']:.2f}× then)",
            f"≤ 2×, ≥ 1.7× {_ok(d['w1_over_floor'] <= 2 and d['speedup_2w'] >= 1.7)}",
        ])
    identical = all(d["identical"] for d in f["datasets"])
    rows.append(["same, 1 vs 2 workers", "byte-identical output" if identical else "outputs DIFFER", "", _ok(identical)])
    return rows


def pysolotools_rows(f: dict[str, Any]) -> Rows:
    p = f["pysolotools"]
    return [[
        f"pysolotools 0.3.17 `solo2coco` on the same {p['frames']} dense frames (~80 instances, {f['width']}×{f['height']}, depth) "
        "(`benchmarks/solo2coco.py --pysolotools`)",
        f"{p['seconds']:.0f} s ({p['fps']:.2f} frames/s), {p['processes']} processes",
        f"ours, 2 workers, same frames, same run: {p['ours_2w_s']:.1f} s → **{p['ratio']:.1f}×**",
        f"≥ 20× {_ok(p['ratio'] >= 20)}",
    ]]


def augment_rows(f: dict[str, Any]) -> Rows:
    s, c = f["ssim"], f["classical"]
    kontext = (f"{f['kontext']['seconds_per_edit']:.2f} s/edit on {f['kontext']['gpu']}" if "kontext" in f else
               "not measured (needs a CUDA GPU and the gated weights): `python benchmarks/augment.py --model DIR`")
    return [
        ["SSIM gate, full-HD pair (`benchmarks/augment.py`)", f"{s['ours_ms']:.0f} ms",
         f"`skimage.metrics.structural_similarity`, same settings: {s['skimage_ms']:.0f} ms → **{s['speedup']:.1f}×**, "
         f"max \\|Δ\\| {s['max_abs_delta']:.1e}", f"≥ 4×, 1e-6 {_ok(s['speedup'] >= 4 and s['max_abs_delta'] <= 1e-6)}"],
        ["classical glove backend, full HD (MediaPipe + GrabCut regions, recolour, gate, composite)",
         f"{c['images_per_s']:.2f} images/s", "", ""],
        ["FLUX.1-Kontext edit at 1024²", kontext, "", ""],
    ]


def split_rows(f: dict[str, Any]) -> Rows:
    s, b = f["split"], f["baseline"]
    return [[
        f"`split`, {f['images']:,} images / {f['annotations']:,} annotations, hard links (`benchmarks/split.py`)",
        f"{s['split_s']:.1f} s, {s['peak_rss_mb']:.0f} MB peak RSS",
        f"I/O floor (parse + dump the JSON, link + sha256 every image): {b['baseline_s']:.1f} s → split takes "
        f"{f['ratio']:.2f}× its time",
        f"< 30 s, < 2 GB {_ok(f['ok'])}",
    ]]


def eval_rows(f: dict[str, Any]) -> Rows:
    agree = max(f["max_diff_plain"], f["max_diff_pycocotools"])
    return [[
        f"`eval`, {f['images']:,} images / {f['gt_hands']:,} hands / {f['gt_objects']:,} objects / "
        f"{f['predictions']:,} noisy predictions, read from JSON files as `glovego eval` reads them (`benchmarks/eval.py`)",
        f"all ten EHOI metrics in {f['ours_s']:.2f} s (best of {f['runs']}): checking + reading the records "
        f"{f['parse_s']:.2f} s, ground truth {f['gt_s']:.2f} s, matching + AP {f['match_s']:.2f} s",
        f"plain per-detection implementation (spec pseudo-code): {f['plain_s']:.2f} s → **{f['ratio_plain']:.1f}×**; "
        f"only reading the fields any evaluator needs: {f['floor_s']:.2f} s, so no implementation taking them can "
        f"pass {f['ceiling_ratio']:.0f}×; pycocotools for AP Hand + mAP Objects alone: {f['pycocotools_s']:.2f} s → "
        f"{f['ratio_pycocotools']:.0f}×; all agree to {agree:.0e}",
        f"< 10 s {_ok(f['ours_s'] < 10)}; ≥ 20× vs plain {_ok(f['ratio_plain'] >= 20)}",
    ]]


def train_rows(f: dict[str, Any]) -> Rows:
    gpu = f.get("infer_images_per_s_1280x720_batch8")
    return [[
        f"`train`, default model ({f['model']}, {f['params_M']} M) at 640², batch {f['batch']}, {f['device']} "
        "(`benchmarks/train.py`)",
        f"training {f['train_images_per_s_640']:.2f} images/s, inference {f['infer_images_per_s_640']:.2f} images/s",
        f"plain transformers RT-DETRv2, same config: ours runs at {f['train_ratio_vs_plain_rtdetrv2']:.2f}× / "
        f"{f['infer_ratio_vs_plain_rtdetrv2']:.2f}× its speed",
        "GPU inference ≥ 33.75 images/s at 1280×720 — "
        + (f"{gpu:.1f} images/s {_ok(gpu >= 33.75)}" if gpu is not None else "not measured (no GPU in this run)"),
    ]]


def loader_rows(f: dict[str, Any]) -> Rows:
    new, per_round = f["new_images_per_s_per_worker"], f["speedup_per_round"]
    return [[
        "training data loader, one worker: 1920×1080 JPEG + 16-bit depth PNG + polygon masks → 640² batches with "
        "flip and jitter (`benchmarks/loader.py`)",
        f"{new:.2f} images/s per worker (best of {f['rounds']} rounds)",
        f"the loader before the fix ({f['baseline']}: decode, flip and jitter at 1920×1080, masks one by one), same "
        f"run: {f['old_images_per_s_per_worker']:.2f} images/s → **{f['speedup']:.2f}×** "
        f"({min(per_round):.2f}–{max(per_round):.2f}× per round)",
        f"workers per GPU = ⌈GPU training images/s ÷ {new:.1f}⌉ on such a core, e.g. 100 images/s needs "
        f"{math.ceil(100 / new)} workers (`--workers`)",
    ]]


def label_rows(f: dict[str, Any]) -> Rows:
    return [[
        f"{r['step']}, {r['images']:,} images (`benchmarks/label.py`)",
        f"{r['seconds']:.1f} s",
        f"the standard library's `json` load + dump of the same files: {r['json_baseline_s']:.1f} s → "
        f"**{r['ratio']:.1f}×** that floor",
        f"< {r['target_s']:.0f} s {_ok(r['ok'])}",
    ] for r in f["rows"]]


def eval_report_rows(f: dict[str, Any]) -> Rows:
    return [[
        f"`eval --report`, {f['images']:,} images / {f['predictions']:,} predictions (`benchmarks/eval_report.py`)",
        f"the error report alone {f['report_alone_s']:.1f} s ({f['thumbnails']} thumbnails, "
        f"{f['report_folder_mb']:.1f} MB)",
        f"plain `eval --out` {f['plain_eval_s']:.1f} s, with `--report` {f['eval_with_report_s']:.1f} s → "
        f"**{f['ratio_report_to_plain']:.2f}×**; the EHOI evaluation alone {f['ehoi_eval_without_pycocotools_s']:.2f} s",
        f"< {f['target_s']} s {_ok(f['report_alone_s'] < f['target_s'])}",
    ]]


def demo_spread_rows(f: dict[str, Any]) -> Rows:
    s = f["summary"]
    h, a = s["headline"], s["ap_hand"]
    met = h["max"] - h["min"] <= 10 and h["median"] >= 50 and s["every_metric_above_zero"]
    return [[
        f"the demo's train + eval, {s['runs']} run(s) (seed × threads, `benchmarks/demo_spread.py`; "
        "table in docs/demo.md)",
        f"mAP Hand + ALL {h['min']:.2f} / {h['median']:.2f} / {h['max']:.2f} (min / median / max); "
        f"AP Hand {a['min']:.2f} / {a['median']:.2f} / {a['max']:.2f}",
        "",
        f"max − min ≤ 10, median ≥ 50, every metric > 0 {_ok(met)}",
    ]]


HEADERS: dict[str, list[str]] = {
    "performance": ["what (script)", "measured", "baseline in the same run", "target", "run (date, load)"],
}
TABLES: dict[str, list[Entry]] = {
    "performance": [
        Entry("solo2coco", "`solo2coco`, dense and sparse frames (`benchmarks/solo2coco.py`)", solo2coco_rows),
        Entry("solo2coco_vs_pysolotools", "pysolotools `solo2coco` on the same dense frames "
              "(`benchmarks/solo2coco.py --pysolotools`)", pysolotools_rows),
        Entry("augment", "SSIM gate and classical glove backend (`benchmarks/augment.py`)", augment_rows),
        Entry("split", "`split`, 20,000 images / 50,000 annotations (`benchmarks/split.py`)", split_rows),
        Entry("eval", "`eval`, 10,000 images (`benchmarks/eval.py`)", eval_rows),
        Entry("train", "`train`, default model at 640² (`benchmarks/train.py`)", train_rows),
        Entry("loader", "training data loader, one worker (`benchmarks/loader.py`)", loader_rows),
        Entry("label", "`label export` / `label import`, 10,000 images (`benchmarks/label.py`)", label_rows),
        Entry("eval_report", "`eval --report`, 10,000 images (`benchmarks/eval_report.py`)", eval_report_rows),
        Entry("demo_spread", "the demo's spread over seeds and threads (`benchmarks/demo_spread.py`)", demo_spread_rows),
    ],
}


def _rendered_by(script: str, function: str) -> Callable[[dict[str, Any]], str]:
    """A block whose layout its benchmark owns (`benchmarks/<script>.py`'s `function(result)`),
    loaded only when the block is rendered (the script imports torch)."""
    def render_block(payload: dict[str, Any]) -> str:
        spec = importlib.util.spec_from_file_location(f"_bench_{script}", Path(__file__).parent / f"{script}.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return getattr(module, function)(payload)
    return render_block


BLOCKS: dict[str, tuple[str, Callable[[dict[str, Any]], str]]] = {
    "export": ("export", _rendered_by("export", "render_table")),
}
"""Blocks rendered whole from one result file: block name → (result name, renderer of the whole file)."""


def block(name: str, results_dir: Path = RESULTS) -> str:
    """The Markdown of block `name` from its result file (or the line saying it was not rerun)."""
    result, render_block = BLOCKS[name]
    path = results_dir / f"{result}.json"
    if not path.is_file():
        return f"Not rerun this round (no `benchmarks/results/{result}.json`).\n"
    return render_block(json.loads(path.read_text(encoding="utf-8"))) + "\n"


def run_cell(payload: dict[str, Any]) -> str:
    """When and how loaded the run was: the figures are only worth their load."""
    before, after = payload["load_before"], payload["load_after"]
    text = f"{payload['date'][:10]}, load {before['load_1m']}–{after['load_1m']} on {after['cores']} cores"
    return text + (" — **LOADED**: compare ratios only" if payload["loaded"] else "")


def table(name: str, results_dir: Path = RESULTS) -> str:
    """The Markdown of table `name` from the result files in `results_dir`."""
    header = HEADERS[name]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for entry in TABLES[name]:
        path = results_dir / f"{entry.result}.json"
        if not path.is_file():
            cells = [[entry.what, f"not rerun this round (no `benchmarks/results/{entry.result}.json`)", "", ""]]
            run = "—"
        else:
            payload = json.loads(path.read_text(encoding="utf-8"))
            cells, run = entry.rows(payload["figures"]), run_cell(payload)
        lines += ["| " + " | ".join(row + [run]) + " |" for row in cells]
    return "\n".join(lines) + "\n"


def render(readme: str, results_dir: Path = RESULTS) -> str:
    """`readme` with every marked table regenerated (an unknown table name is an error)."""
    def replace(match: re.Match[str]) -> str:
        name = match.group("name")
        if name in BLOCKS:
            return match.group(1) + block(name, results_dir) + match.group(4)
        if name not in TABLES:
            raise SystemExit(f"README.md: no table named {name!r} in benchmarks/readme_tables.py")
        return match.group(1) + table(name, results_dir) + match.group(4)

    return MARKER.sub(replace, readme)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when README.md differs from the result files")
    parser.add_argument("--readme", type=Path, default=README)
    args = parser.parse_args()
    text = args.readme.read_text(encoding="utf-8")
    if not MARKER.search(text):
        raise SystemExit(f"{args.readme}: no <!-- bench:NAME --> markers")
    fresh = render(text)
    if args.check:
        if fresh != text:
            sys.exit(f"{args.readme}: performance tables differ from benchmarks/results/; run python benchmarks/readme_tables.py")
        return
    if fresh != text:
        tmp = args.readme.with_name(f".{args.readme.name}.tmp")
        tmp.write_text(fresh, encoding="utf-8")
        tmp.replace(args.readme)
    print(f"{args.readme}: tables regenerated from {RESULTS}")


if __name__ == "__main__":
    main()
