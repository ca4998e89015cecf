"""`glovego demo`: the whole GlovEgo chain on the bundled sample, stage by stage.

SOLO sample → solo2coco → real sample (+ generated test frames) → augment-gloves → split → stats →
train → eval → infer → viz. Each stage is the same pipeline function its own command runs; this
module only wires outputs to inputs, so the demo proves the commands work together.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from contextlib import contextmanager, nullcontext
from typing import Any, Callable, ContextManager, Iterator

from glovego_data.errors import GlovegoError
from glovego_data.outputs import OutputPlan
from glovego_data.progress import Progress, no_progress
from glovego_pipelines.assets import SAMPLE_DIR
from glovego_pipelines.demo_sample import build_demo_real

STAGES: tuple[str, ...] = ("solo2coco", "augment-gloves", "split", "stats", "train", "eval", "infer", "viz")
DEMO_PERCENTS: tuple[int, ...] = (10, 25, 50)
# Real sample ids start at 1 like the synthetic ones; the package needs them disjoint.
REAL_ID_OFFSET = 1000
# ci_tiny with the side and contact losses weighted up, trained twice as long: with ci_tiny's 300
# steps at weight 1 those heads stayed at chance on this package (docs/demo.md).
DEMO_RECIPE = "demo"
DEMO_STEPS = 600


@dataclass
class DemoOptions:
    steps: int = DEMO_STEPS
    backend: str = "classical"  # or "flux-kontext" (needs --model weights and a GPU)
    model: str | None = None
    sample: Path = SAMPLE_DIR
    overwrite: bool = False


@dataclass
class DemoHooks:
    """What the CLI shows while the demo runs; the pipeline itself only calls these."""

    stage: Callable[[int, str, str], None] = lambda index, name, what: None
    # A context manager entered around each stage (rich allows one live display at a time),
    # yielding that stage's progress hook.
    progress: Callable[[], ContextManager[Progress]] | None = None


@dataclass
class DemoResult:
    out: Path
    paths: dict[str, Path] = field(default_factory=dict)
    solo_report: Any = None
    augment_report: dict[str, Any] | None = None
    split_report: Any = None
    stats: dict[str, Any] | None = None
    train_result: Any = None
    metrics: dict[str, Any] | None = None
    infer_report: Any = None
    viz_report: Any = None


@contextmanager
def _one_torch_thread() -> Iterator[None]:
    """Train and score on one CPU thread: the spread of the headline in docs/demo.md was measured
    so, and on a shared 2-core machine two OpenMP threads ran about ten times slower than one. It
    is not a promise of the same numbers elsewhere: another processor's float kernels send a run
    this small along another path."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def demo_train_options(package: Path, run: Path, steps: int = DEMO_STEPS, seed: int = 0) -> Any:
    """The demo's training run on its package (`benchmarks/demo_spread.py` trains the same way)."""
    from glovego_pipelines.train import load_recipe, merge_options

    return merge_options(load_recipe(DEMO_RECIPE), dict(
        train_json=[str(package / "synth" / "annotations" / "train.json"), str(package / "real" / "annotations" / "train.json")],
        val_json=str(package / "real" / "annotations" / "val.json"),
        output_dir=str(run), max_steps=steps, eval_every=steps, seed=seed,
    ))


def _progress(hooks: DemoHooks) -> ContextManager[Progress]:
    """Enter the CLI's progress display for one stage, or hand the stage the quiet hook."""
    return hooks.progress() if hooks.progress is not None else nullcontext(no_progress)


def _check_sample(sample: Path) -> tuple[Path, Path]:
    solo, real = sample / "solo", sample / "real"
    if not solo.is_dir() or not (real / "annotations" / "all.json").is_file():
        raise GlovegoError(
            f"{sample}: bundled sample not found (expected solo/ and real/annotations/all.json); "
            "run the demo from a source checkout or pass --sample"
        )
    return solo, real


def _augment_options(options: DemoOptions) -> Any:
    from glovego_pipelines.augment_gloves import AugmentOptions

    if options.backend == "flux-kontext":
        import torch

        if options.model is None or not torch.cuda.is_available():
            raise GlovegoError("--backend flux-kontext needs --model <FLUX.1-Kontext-dev folder> and a CUDA GPU; "
                               "use --backend classical on a CPU")
        return AugmentOptions(backend="flux-kontext", model=options.model, ssim=0.95, preview=6)
    return AugmentOptions(backend="classical", ssim=0.95, preview=6)


def run_demo(out: Path, options: DemoOptions, hooks: DemoHooks | None = None) -> DemoResult:
    hooks = hooks or DemoHooks()
    solo, real_sample = _check_sample(options.sample)
    # Every stage writes inside OUT: planned once, against the sample, before stage 1; built in
    # OUT.tmp/ and renamed at the end, so a failing stage leaves no partial OUT.
    outputs = OutputPlan("demo", [options.sample, options.model if options.model and Path(options.model).exists() else None],
                         overwrite=options.overwrite).folder("--out", out).check()
    result = DemoResult(out=out, paths=_stage_paths(out))
    with outputs.staging("--out") as stage:
        _run_stages(solo, real_sample, _stage_paths(stage), options, hooks, result)
    return result


def _stage_paths(out: Path) -> dict[str, Path]:
    return {
        "synth": out / "synth_coco",
        "real_sample": out / "real_sample",
        "real": out / "real_gloved",
        "package": out / "GlovEgo-HOI",
        "stats_plot": out / "stats.png",
        "run": out / "run",
        "eval": out / "eval",
        "eval_report": out / "eval_report",
        "infer": out / "infer",
        "viz": out / "viz",
    }


def _run_stages(solo: Path, real_sample: Path, paths: dict[str, Path], options: DemoOptions, hooks: DemoHooks,
                result: DemoResult) -> None:
    """The eight stages, writing to `paths` (inside the demo's staging folder)."""
    from glovego_pipelines.augment_gloves import run_augment
    from glovego_pipelines.evaluate import run_evaluate
    from glovego_pipelines.infer import run_infer
    from glovego_pipelines.solo2coco import run_solo2coco
    from glovego_pipelines.split import run_split
    from glovego_pipelines.stats import run_stats
    from glovego_pipelines.train import run_train
    from glovego_pipelines.viz import run_viz

    shown = result.paths  # what the user is told: the final places, not the staging folder
    package = paths["package"]
    real_test = package / "real" / "annotations" / "test.json"

    hooks.stage(1, "solo2coco", f"{solo} → {shown['synth']}")
    with _progress(hooks) as progress:
        result.solo_report = run_solo2coco(solo, paths["synth"], progress=progress)

    hooks.stage(2, "augment-gloves", f"{real_sample} + generated test frames → {shown['real']} ({options.backend})")
    keep_split = build_demo_real(real_sample, paths["real_sample"])
    with _progress(hooks) as progress:
        result.augment_report = run_augment(paths["real_sample"], paths["real"], _augment_options(options), progress)

    hooks.stage(3, "split", f"→ {shown['package']}")
    with _progress(hooks) as progress:
        result.split_report = run_split(
            package, synth=paths["synth"], real=paths["real"], percents=DEMO_PERCENTS, seed=0,
            keep_split=keep_split, real_id_offset=REAL_ID_OFFSET, progress=progress,
        )

    hooks.stage(4, "stats", f"{shown['package']} → {shown['stats_plot']}")
    result.stats = run_stats(package, paths["stats_plot"])

    with _one_torch_thread():
        hooks.stage(5, "train", f"{DEMO_RECIPE} recipe, {options.steps} steps → {shown['run']}")
        result.train_result = run_train(demo_train_options(package, paths["run"], options.steps))

        hooks.stage(6, "eval", f"test split with {shown['run']}")
        with _progress(hooks) as progress:
            result.metrics = run_evaluate(real_test, weights=paths["run"], out=paths["eval"],
                                          report=paths["eval_report"], progress=progress).metrics

        hooks.stage(7, "infer", f"test images → {shown['infer']}")
        with _progress(hooks) as progress:
            result.infer_report = run_infer([real_test], paths["infer"], paths["run"], threshold=0.5,
                                            progress=progress)

    hooks.stage(8, "viz", f"ground truth of the test split → {shown['viz']}")
    with _progress(hooks) as progress:
        result.viz_report = run_viz(real_test, paths["viz"], n=12, progress=progress)
