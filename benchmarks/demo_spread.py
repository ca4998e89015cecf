"""How much the demo's headline moves with the seed, the torch thread count and the environment.

Runs the demo's train + eval (`glovego demo`'s recipe, steps and package) for every seed × thread
count asked, and prints the headline (mAP Hand + ALL) and AP Hand per run with min / median / max.
Targets (issue 22): max − min of the headline ≤ 10 points, median ≥ 50, every one of the ten EHOI
metrics > 0 in every run.

One run takes minutes, so the benchmark runs in parts: each run leaves its own file under
`--work`, and every invocation prints and records (`benchmarks/results/demo_spread.json`) the
table of all the runs found there, so parts started one after another or side by side merge.
`--docs` also regenerates, from that table, the marked blocks in `docs/demo.md` (the table) and
`README.md` (the min / median / max line): those figures are never typed by hand.

    python benchmarks/demo_spread.py                          # seeds 0 1 2 × threads 1 2 (+ .venv-np2)
    python benchmarks/demo_spread.py --seeds 0 1 --threads 1  # a part
    python benchmarks/demo_spread.py --report --docs          # merge what is there, update the docs
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from record import Run, machine_load

REPO = Path(__file__).resolve().parents[1]
HEADLINE = "mAP Hand + ALL"
SPREAD_AT_MOST = 10.0
MEDIAN_AT_LEAST = 50.0
NP2_VENV = REPO / ".venv-np2"


def environment() -> str:
    import numpy

    return f"numpy {numpy.__version__.split('.')[0]}"


def build_package(work: Path) -> Path:
    """The demo's package, made by the demo itself (one training step; its model is not used)."""
    from glovego_pipelines.demo import DemoOptions, run_demo

    out = work / "demo"
    package = out / "GlovEgo-HOI"
    if not (package / "MANIFEST.json").is_file():
        run_demo(out, DemoOptions(steps=1, overwrite=True))
    return package


def last_losses(metrics_csv: Path) -> dict[str, float]:
    import csv

    last: dict[str, float] = {}
    with open(metrics_csv, newline="") as handle:
        for row in csv.DictReader(handle):
            if row["kind"] == "train" and row["name"] in ("loss_ehoi_side", "loss_ehoi_contact", "loss_ehoi_offset"):
                last[row["name"]] = round(float(row["value"]), 4)
    return last


def train_and_score(package: Path, folder: Path, seed: int, threads: int, steps: int) -> dict[str, Any]:
    """One run of the demo's train + eval stages, on `threads` torch threads."""
    import torch

    from glovego_data.atomic import remove_ours
    from glovego_pipelines.demo import demo_train_options
    from glovego_pipelines.evaluate import run_evaluate
    from glovego_pipelines.train import run_train

    torch.set_num_threads(threads)
    for stale in (folder / "run", folder / "eval"):
        if stale.exists():
            remove_ours(stale)
    folder.mkdir(parents=True, exist_ok=True)
    load_before = machine_load()
    start = time.perf_counter()
    run_train(demo_train_options(package, folder / "run", steps, seed))
    trained = time.perf_counter()
    report = run_evaluate(package / "real" / "annotations" / "test.json", weights=folder / "run", out=folder / "eval")
    return {
        "environment": environment(), "seed": seed, "threads": threads, "steps": steps,
        "ehoi": {name: round(float(value), 2) for name, value in report.metrics["ehoi"].items()},
        "test_images": report.metrics["counts"]["images"],
        "losses_at_end": last_losses(folder / "run" / "metrics.csv"),
        "train_s": round(trained - start, 1), "eval_s": round(time.perf_counter() - trained, 1),
        "load_before": load_before, "load_after": machine_load(),
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


def run_key(env: str, seed: int, threads: int) -> str:
    return f"{env.replace(' ', '')}_seed{seed}_threads{threads}"


def run_here(work: Path, seeds: list[int], threads: list[int], steps: int) -> None:
    env = environment()
    package = build_package(work / env.replace(" ", ""))
    for seed in seeds:
        for count in threads:
            key = run_key(env, seed, count)
            print(f"{key}: training {steps} steps ...", flush=True)
            row = train_and_score(package, work / "runs" / key, seed, count, steps)
            (work / "runs" / f"{key}.json").write_text(json.dumps(row, indent=2) + "\n")
            print(f"{key}: {HEADLINE} {row['ehoi'][HEADLINE]:.2f}, AP Hand {row['ehoi']['AP Hand']:.2f} "
                  f"(train {row['train_s']} s, eval {row['eval_s']} s)", flush=True)


def summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    def spread(values: list[float]) -> dict[str, float]:
        return {"min": min(values), "median": round(statistics.median(values), 2), "max": max(values)}

    headline = spread([row["ehoi"][HEADLINE] for row in rows])
    every_metric = all(value > 0 for row in rows for value in row["ehoi"].values())
    return {
        "runs": len(rows), "headline": headline, "ap_hand": spread([row["ehoi"]["AP Hand"] for row in rows]),
        "every_metric_above_zero": every_metric,
        "targets_met": (headline["max"] - headline["min"] <= SPREAD_AT_MOST and headline["median"] >= MEDIAN_AT_LEAST
                        and every_metric),
    }


def table(rows: list[dict[str, Any]], figures: dict[str, Any], machine_line: str) -> list[str]:
    """The markdown table of every run, its min / median / max row, the verdict and the machine."""
    lines = [f"| environment | seed | threads | {HEADLINE} | AP Hand | lowest of the ten metrics | train s | "
             "load (1 min, most) |", "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for row in rows:
        loaded = max(row["load_before"]["load_1m"], row["load_after"]["load_1m"])
        flag = f" (above {row['load_after']['cores']} cores)" if loaded > row["load_after"]["cores"] else ""
        lines.append(f"| {row['environment']} | {row['seed']} | {row['threads']} | {row['ehoi'][HEADLINE]:.2f} | "
                     f"{row['ehoi']['AP Hand']:.2f} | {min(row['ehoi'].values()):.2f} | {row['train_s']:.0f} | "
                     f"{loaded:.2f}{flag} |")
    h, a = figures["headline"], figures["ap_hand"]
    lines.append(f"| **min / median / max** | | | **{h['min']:.2f} / {h['median']:.2f} / {h['max']:.2f}** | "
                 f"{a['min']:.2f} / {a['median']:.2f} / {a['max']:.2f} | | | |")
    verdict = "met" if figures["targets_met"] else "NOT met"
    lines += ["", f"Spread {h['max'] - h['min']:.2f} points (target ≤ {SPREAD_AT_MOST:g}), median {h['median']:.2f} "
              f"(target ≥ {MEDIAN_AT_LEAST:g}), every metric > 0 in every run: "
              f"{'yes' if figures['every_metric_above_zero'] else 'no'} — targets {verdict}. {machine_line}"]
    return lines


def replace_block(path: Path, name: str, text: str) -> None:
    """Replace what lies between `<!-- name:begin -->` and `<!-- name:end -->` in `path`."""
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    content = path.read_text(encoding="utf-8")
    head, found, rest = content.partition(begin)
    _, found_end, tail = rest.partition(end)
    if not found or not found_end:
        raise SystemExit(f"{path}: no {begin} … {end} block to update")
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(f"{head}{begin}\n{text}\n{end}{tail}", encoding="utf-8")
    os.replace(tmp, path)


def report(work: Path, run: Run, docs: bool) -> None:
    from record import machine

    rows = sorted((json.loads(p.read_text()) for p in (work / "runs").glob("*.json")),
                  key=lambda r: (r["environment"], r["seed"], r["threads"]))
    if not rows:
        print(f"no runs under {work / 'runs'} yet")
        return
    figures = summary(rows)
    info = machine()
    dates = sorted(row.get("date") or run.started.isoformat() for row in rows)
    machine_line = (f"Measured {dates[0][:10]} on {info['processor']} ({run.load_before['cores']} cores, "
                    f"{info['platform']}), torch {info.get('torch')}, {figures['runs']} runs of "
                    f"{rows[0]['steps']} steps, {rows[0]['test_images']} test images.")
    lines = table(rows, figures, machine_line)
    print("\n" + "\n".join(lines))
    run.write({"rows": rows, "summary": figures})
    print(run.note())
    if docs:
        h = figures["headline"]
        replace_block(REPO / "docs" / "demo.md", "demo_spread", "\n".join(lines))
        replace_block(REPO / "README.md", "demo_spread", (
            f"mAP Hand + ALL over {figures['runs']} training runs of the demo (seeds "
            f"{', '.join(sorted({str(r['seed']) for r in rows}))} × torch threads "
            f"{', '.join(sorted({str(r['threads']) for r in rows}))}, `benchmarks/demo_spread.py`): "
            f"**{h['min']:.2f} / {h['median']:.2f} / {h['max']:.2f}** (min / median / max) on "
            f"{info['processor']} with {run.load_before['cores']} cores, {dates[0][:10]}; targets (spread ≤ "
            f"{SPREAD_AT_MOST:g}, median ≥ {MEDIAN_AT_LEAST:g}) {'met' if figures['targets_met'] else 'not met'}. "
            "The runs and their load are in [docs/demo.md](docs/demo.md)."))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--steps", type=int, default=None, help="training steps (default: the demo's)")
    parser.add_argument("--work", type=Path, default=REPO / "bench_out" / "demo_spread")
    parser.add_argument("--here-only", action="store_true", help="skip the numpy-2 environment (.venv-np2)")
    parser.add_argument("--report", action="store_true", help="only merge and print the runs already done")
    parser.add_argument("--docs", action="store_true", help="regenerate the blocks in docs/demo.md and README.md")
    args = parser.parse_args()
    run = Run("demo_spread")
    if not args.report:
        from glovego_pipelines.demo import DEMO_STEPS

        steps = args.steps or DEMO_STEPS
        run_here(args.work, args.seeds, args.threads, steps)
        np2_python = NP2_VENV / "bin" / "python"
        if not args.here_only and np2_python.is_file() and Path(sys.executable).resolve() != np2_python.resolve():
            subprocess.run([str(np2_python), __file__, "--here-only", "--work", str(args.work), "--steps", str(steps),
                            "--seeds", *map(str, args.seeds), "--threads", *map(str, args.threads)],
                           check=True, env={**os.environ, "PYTHONPATH": str(REPO / "benchmarks")})
    report(args.work, run, args.docs)


if __name__ == "__main__":
    main()
