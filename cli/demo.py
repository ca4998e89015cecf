"""`glovego demo`: run the whole chain on the bundled sample and show what came out."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.rule import Rule

from glovego_cli.errors import run_guarded
from glovego_pipelines.demo import DEMO_STEPS

EPILOG = """Examples:

  glovego demo                      # writes demo_out/ (a few minutes on a laptop CPU)

  glovego demo --out /tmp/demo --steps 1200 --overwrite

  glovego demo --backend flux-kontext --model ~/models/FLUX.1-Kontext-dev   # on a GPU with the weights
"""


def demo(
    out: Path = typer.Option(Path("demo_out"), "--out", help="Folder to create for every stage's output."),
    steps: int = typer.Option(DEMO_STEPS, "--steps", min=1, help="Training steps of the CI-size detector (demo recipe)."),
    backend: str = typer.Option("classical", "--backend", help="Glove backend: classical (CPU) or flux-kontext (GPU + weights)."),
    model: Optional[str] = typer.Option(None, "--model", help="FLUX.1-Kontext-dev diffusers folder, for --backend flux-kontext."),
    sample: Optional[Path] = typer.Option(None, "--sample", help="Sample folder with solo/ and real/ (default: the bundled one)."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace --out if it exists."),
) -> None:
    """Run SOLO → solo2coco → augment-gloves → split → train → eval → infer on the bundled sample.

    Prints the dataset statistics, the EHOI metrics table and where the pictures are.
    """
    from glovego_cli.evaluate import metrics_table
    from glovego_cli.progress import rich_progress
    from glovego_cli.stats import readme_table
    from glovego_pipelines.demo import STAGES, DemoHooks, DemoOptions, run_demo

    console = Console()
    errors = Console(stderr=True)
    options = DemoOptions(steps=steps, backend=backend, model=model, overwrite=overwrite)
    if sample is not None:
        options.sample = sample

    def stage(index: int, name: str, what: str) -> None:
        console.print(Rule(f"[bold]{index}/{len(STAGES)} {name}[/]  {what}", align="left"))

    def job():
        hooks = DemoHooks(stage=stage, progress=lambda: rich_progress(errors))
        return run_demo(out, options, hooks)

    result = run_guarded("demo", job)
    console.print(Rule("[bold]results[/]", align="left"))
    console.print(readme_table(result.stats))
    console.print(metrics_table(result.metrics))
    paths = result.paths
    console.print(f"package:            {paths['package']}  (glovego validate {paths['package']})")
    console.print(f"statistics plot:    {paths['stats_plot']}")
    console.print(f"glove edits:        {paths['real'] / 'preview.png'}")
    console.print(f"training curves:    {paths['run'] / 'curves.png'}")
    console.print(f"metrics:            {paths['eval'] / 'metrics.json'}  (PR curves: {paths['eval']}/pr_*.png)")
    console.print(f"predictions:        {paths['infer'] / 'predictions.json'}  (pictures: {paths['infer'] / 'pictures'})")
    console.print(f"ground truth drawn: {paths['viz']}")


# The options that write, per mode (tests/safety/test_output_table.py tries each; see ARCHITECTURE.md).
OUTPUTS = {"demo": {"": ("--out",)}}


def register(app: typer.Typer) -> None:
    app.command("demo", epilog=EPILOG)(demo)
