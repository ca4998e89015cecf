"""Where training numbers go: metrics.csv (always), curves.png, TensorBoard if installed, W&B if asked."""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

from glovego_data.atomic import atomic_write_bytes
from glovego_data.errors import GlovegoError

CSV_FIELDS = ("step", "kind", "name", "value")


class RunLogger:
    """Long-format rows `step, kind (train/val), name, value`; appended, so a resumed run continues."""

    def __init__(self, run_dir: Path, *, enabled: bool = True, wandb: bool = False, config: dict | None = None,
                 resume_step: int = 0) -> None:
        self.run_dir, self.enabled = run_dir, enabled
        self.csv_path = run_dir / "metrics.csv"
        self._tb = None
        self._wandb = None
        if not enabled:
            return
        if resume_step > 0 and self.csv_path.is_file():
            self._truncate_after(resume_step)
        if not self.csv_path.is_file():
            with self.csv_path.open("w", newline="") as handle:
                csv.writer(handle).writerow(CSV_FIELDS)
        try:
            from torch.utils.tensorboard import SummaryWriter

            self._tb = SummaryWriter(str(run_dir / "tensorboard"))
        except Exception:  # tensorboard not installed: CSV and curves still record everything
            self._tb = None
        if wandb:
            try:
                import wandb as wandb_module
            except ImportError:
                raise GlovegoError("--wandb: the wandb package is not installed (pip install wandb)") from None
            self._wandb = wandb_module.init(project="glovego", dir=str(run_dir), config=config or {},
                                           resume="allow", name=run_dir.name)

    def _truncate_after(self, step: int) -> None:
        """Drop rows written after the checkpoint we resume from (they will be produced again)."""
        with self.csv_path.open(newline="") as handle:
            rows = [r for r in csv.DictReader(handle) if int(r["step"]) <= step]
        with self.csv_path.open("w", newline="") as handle:
            writer = csv.DictWriter(handle, CSV_FIELDS)
            writer.writeheader()
            writer.writerows(rows)

    def log(self, step: int, kind: str, values: dict[str, float]) -> None:
        if not self.enabled:
            return
        with self.csv_path.open("a", newline="") as handle:
            writer = csv.writer(handle)
            for name, value in values.items():
                writer.writerow([step, kind, name, f"{float(value):.6g}"])
        if self._tb is not None:
            for name, value in values.items():
                if not math.isnan(float(value)):
                    self._tb.add_scalar(f"{kind}/{name}", float(value), step)
        if self._wandb is not None:
            self._wandb.log({f"{kind}/{k}": float(v) for k, v in values.items()}, step=step)

    def close(self) -> None:
        if self._tb is not None:
            self._tb.close()
        if self._wandb is not None:
            self._wandb.finish()


def read_metrics(csv_path: Path) -> dict[tuple[str, str], list[tuple[int, float]]]:
    series: dict[tuple[str, str], list[tuple[int, float]]] = {}
    with csv_path.open(newline="") as handle:
        for row in csv.DictReader(handle):
            series.setdefault((row["kind"], row["name"]), []).append((int(row["step"]), float(row["value"])))
    return series


def plot_curves(csv_path: Path, out_path: Path) -> None:
    """curves.png: training losses (total and EHOI terms) and validation metrics against step."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    series = read_metrics(csv_path)
    losses = {n: v for (k, n), v in series.items() if k == "train" and n.startswith("loss")}
    vals = {n: v for (k, n), v in series.items() if k == "val"
            and n in ("headline", "hand_AP50", "bbox_AP", "side_accuracy", "contact_accuracy", "glove_accuracy",
                      "AP Hand", "mAP Hand + ALL")}
    fig, axes = plt.subplots(1, 2, figsize=(13, 4.5))
    for name, points in sorted(losses.items()):
        steps, values = zip(*points)
        axes[0].plot(steps, values, label=name, linewidth=1.6 if name == "loss" else 0.9)
    axes[0].set_yscale("log")
    axes[0].set_title("training losses")
    axes[0].set_xlabel("step")
    if losses:
        axes[0].legend(fontsize=7, ncol=2)
    for name, points in sorted(vals.items()):
        steps, values = zip(*points)
        axes[1].plot(steps, values, marker="o", label=name)
    axes[1].set_title("validation")
    axes[1].set_xlabel("step")
    if vals:
        axes[1].legend(fontsize=7)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    plt.close(fig)
    atomic_write_bytes(out_path, buffer.getvalue())
