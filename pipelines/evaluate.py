"""`glovego eval`: a predictions file (any model) or our model's output, scored with the EHOI
evaluator; `metrics.json` and precision–recall curves."""

from __future__ import annotations

import io
import json
import re
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from glovego_data.atomic import atomic_write_bytes, atomic_write_json
from glovego_data.ehoi_coco import EhoiDataset, load_dataset, read_json
from glovego_data.ehoi_coco.checks import require_valid
from glovego_data.errors import GlovegoError
from glovego_data.outputs import OutputPlan
from glovego_data.progress import Progress, no_progress
from glovego_model.evaluation import EhoiEvaluation, PRCurve, evaluate_detailed
from glovego_pipelines.eval_report import read_other_run, write_report
from glovego_pipelines.media import dataset_image, images_dir_of
from glovego_pipelines.predict import check_categories, load_predictor, predict_records


@dataclass
class EvalReport:
    evaluation: EhoiEvaluation
    written: list[Path]
    warnings: list[str] = field(default_factory=list)  # the loader's repairs of the ground truth
    report: Path | None = None  # the error report folder, when asked for

    @property
    def metrics(self) -> dict[str, Any]:
        return self.evaluation.metrics


def curve_file_name(metric: str) -> str:
    """`mAP Hand + ALL` → `pr_map_hand_all.png`."""
    return "pr_" + re.sub(r"[^a-z0-9]+", "_", metric.lower()).strip("_") + ".png"


def run_evaluate(
    gt_path: Path, *, predictions: Path | None = None, weights: Path | None = None, out: Path | None = None,
    device: str | None = None, batch_size: int = 8, overwrite: bool = False, runtime: str | None = None,
    progress: Progress = no_progress, report: Path | None = None, compare: Path | None = None,
) -> EvalReport:
    """Score; with `out` (and `report`), every file is built in `<folder>.tmp/` and each folder
    appears whole or not at all. `report` adds the error report, `compare` another run's deltas."""
    if (predictions is None) == (weights is None):
        raise GlovegoError("give exactly one of --predictions PRED.json or --weights RUN_DIR")
    if compare is not None and report is None:
        raise GlovegoError("--compare needs --report DIR (the comparison is part of the report)")
    images_dir = images_dir_of(gt_path)
    plan = OutputPlan("eval", [gt_path, predictions, weights, compare,
                               images_dir if weights is not None or report is not None else None],
                      overwrite=overwrite)
    if out is not None:
        plan.folder("--out", out)
    if report is not None:
        plan.folder("--report", report)
    plan.check()
    other = read_other_run(compare) if compare is not None else None
    gt = load_dataset(gt_path)
    require_valid(gt_path, gt)  # v1 ground truth as `validate` checks it: broken records would move the metrics
    if predictions is not None:
        records = read_json(predictions)
        source = str(predictions)
    else:
        records = model_records(gt, gt_path, weights, device, batch_size, progress, runtime)
        source = f"predictions of {weights}"
    evaluation = evaluate_detailed(gt, records, source=source, gt_name=str(gt_path))
    written: list[Path] = []
    warnings = list(gt.warnings)
    with ExitStack() as folders:
        if out is not None:
            staging = folders.enter_context(plan.staging("--out"))
            if weights is not None:
                atomic_write_bytes(staging / "predictions.json", json.dumps(records, allow_nan=False).encode("utf-8"))
                written.append(out / "predictions.json")
            atomic_write_json(staging / "metrics.json", evaluation.metrics)
            written.append(out / "metrics.json")
            for name, curve in evaluation.curves.items():
                atomic_write_bytes(staging / curve_file_name(name), plot_curve(name, curve, evaluation.metrics["ehoi"][name]))
                written.append(out / curve_file_name(name))
        if report is not None:
            sources = {"ground_truth": str(gt_path), "predictions": source,
                       "compare": None if compare is None else str(compare)}
            content = write_report(folders.enter_context(plan.staging("--report")), gt, gt_path, images_dir,
                                   evaluation, records, sources=sources, other=other, progress=progress)
            if content["missing_images"]:
                warnings.append(f"{report}: {len(content['missing_images'])} gallery picture(s) not found in "
                                f"{images_dir}; the report names them and shows their errors without a picture")
    return EvalReport(evaluation=evaluation, written=written, warnings=warnings, report=report)


def model_records(gt: EhoiDataset, gt_path: Path, weights: Path, device: str | None, batch_size: int,
                  progress: Progress, runtime: str | None = None) -> list[dict[str, Any]]:
    """Our model over every image of `gt` (images from `<root>/images/`), associated as in §6."""
    predictor = load_predictor(weights, device, runtime)
    check_categories(predictor, gt, gt_path, weights)
    images_dir = images_dir_of(gt_path)
    hand_id = gt.hand_category_id
    advance = progress("predicting", len(gt.images))
    frames = ((img.id, dataset_image(img, images_dir, gt_path)) for img in gt.images)
    return predict_records(predictor, frames, hand_id, batch_size, on_batch=lambda done: advance(len(done)))


def plot_curve(name: str, curve: PRCurve, value: float) -> bytes:
    """PNG bytes of one precision–recall curve (the interpolated envelope the AP averages)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    figure, axes = plt.subplots(figsize=(5, 4), dpi=120)
    axes.step(curve.recall, curve.precision, where="post", color="#c0392b", linewidth=2)
    axes.fill_between(curve.recall, curve.precision, step="post", alpha=0.15, color="#c0392b")
    axes.set(xlim=(0, 1), ylim=(0, 1.02), xlabel="recall", ylabel="precision", title=f"{name}: {value:.2f}")
    axes.grid(alpha=0.3)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    plt.close(figure)
    return buffer.getvalue()
