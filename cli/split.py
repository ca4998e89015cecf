"""`glovego split`: dataset roots → a GlovEgo-HOI package (splits, nested subsets, MANIFEST)."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer
from rich.console import Console
from rich.table import Table

from glovego_cli.errors import run_guarded
from glovego_cli.progress import rich_progress
from glovego_cli.warnings import print_warnings

EPILOG = """Examples:

  glovego split --synth synth_coco/ --real real_coco/ --out GlovEgo-HOI/ --percent 10 --percent 25 --percent 50

  glovego split --real real_coco/ --out GlovEgo-HOI-real/ --keep-split test=official_test.json --seed 3

  glovego split --synth out/ --synth-json out/annotations/gloved.json --out pkg/ --group-by sequence

  glovego split --synth synth_coco/ --real real_coco/ --out GlovEgo-HOI-ref/ --layout reference --rename-category box=pliers
"""


def _report(console: Console, manifest: dict) -> None:
    layout = "" if manifest.get("layout", "glovego") == "glovego" else f", {manifest['layout']} layout"
    table = Table(title=f"GlovEgo-HOI package (seed {manifest['seed']}, group by {manifest['group_by']}{layout})")
    for column in ("root", "split", "images", "groups", "% of train", "hands", "gloved", "contact"):
        table.add_column(column, justify="left" if column in ("root", "split") else "right")
    for root, data in manifest["roots"].items():
        train = data["splits"]["train"]["images"]
        for split, rec in data["splits"].items():
            share = f"{100.0 * rec['images'] / train:.1f}" if split.startswith("train") and train else ""
            table.add_row(root, split, str(rec["images"]), str(rec["groups"]), share, str(rec["hands"]),
                          f"{rec['gloved_fraction']:.3f}", f"{rec['contact_fraction']:.3f}")
        table.add_section()
    console.print(table)
    for root, data in manifest["roots"].items():
        rules = ", ".join(f"{rule}: {n}" for rule, n in data["group_rules"].items())
        console.print(f"{root}: groups keyed by {rules}")
    console.print(f"split rule: {manifest['split_rule']}")
    for root in manifest["roots"].values():
        for note in root["notes"]:
            console.print(f"[yellow]note:[/yellow] {note}")


def split(
    out: Path = typer.Option(..., "--out", help="Package folder to create (built in OUT.tmp, then renamed)."),
    synth: Optional[Path] = typer.Option(None, "--synth", help="Synthetic dataset root (images/, annotations/)."),
    real: Optional[Path] = typer.Option(None, "--real", help="Real dataset root (images/, annotations/)."),
    synth_json: Optional[Path] = typer.Option(None, "--synth-json", help="Synthetic annotations (default SYNTH_DIR/annotations/all.json)."),
    real_json: Optional[Path] = typer.Option(None, "--real-json", help="Real annotations (default REAL_DIR/annotations/all.json)."),
    percent: List[int] = typer.Option([10, 25, 50], "--percent", help="Nested train subset, in % (repeat; 100 % is train.json)."),
    ratios: str = typer.Option("0.7,0.1,0.2", "--ratios", help="train,val,test shares of the images."),
    seed: int = typer.Option(0, "--seed", help="Seed of every random choice (same seed → same package bytes)."),
    group_by: str = typer.Option("video", "--group-by", help="video | sequence | none: what keeps frames together."),
    keep_split: List[str] = typer.Option([], "--keep-split", help="SPLIT=FILE: images listed in FILE stay in SPLIT (repeatable)."),
    real_id_offset: int = typer.Option(0, "--real-id-offset", help="Add this to every real image id (keeps orig_id) when real and synth ids overlap."),
    layout: str = typer.Option("glovego", "--layout", help="glovego | reference: `reference` writes what the reference GlovEgo-Net code scores right (magnitude ÷ the 1280×720 diagonal, its 20 classes with hand = 19, no empty split)."),
    rename_category: List[str] = typer.Option([], "--rename-category", help="OLD=NEW: rename an object category in every input (repeatable; e.g. to a reference class)."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace an existing OUT."),
) -> None:
    """Split synthetic and/or real data by video into train/val/test plus nested train_<p> subsets,
    and package them with a MANIFEST.json of checksums and id lists.

    Frames of one video (or Unity sequence) never straddle two splits; the subsets are nested and keep
    the gloved-hand and contact proportions of train. Same inputs and seed give a byte-identical package.
    """
    from glovego_pipelines.split import run_split

    console = Console(stderr=True)
    with rich_progress(console) as progress:
        report = run_guarded("split", lambda: run_split(
            out, synth=synth, real=real, synth_json=synth_json, real_json=real_json, percents=tuple(percent),
            ratios=ratios, seed=seed, group_by=group_by, keep_split=tuple(keep_split), real_id_offset=real_id_offset,
            layout=layout, rename_category=tuple(rename_category), overwrite=overwrite,
            progress=progress,
        ))
    print_warnings(report.warnings)
    _report(Console(), report.manifest)
    Console().print(f"wrote {out} ({report.linked} files hard-linked, {report.copied} copied); "
                    f"MANIFEST: {out / 'MANIFEST.json'}")


# The options that write, per mode (tests/safety/test_output_table.py tries each; see ARCHITECTURE.md).
OUTPUTS = {"split": {"": ("--out",)}}


def register(app: typer.Typer) -> None:
    app.command("split", epilog=EPILOG)(split)
