"""The output cases of issue 23 (items 1–6), one test each: every one failed before the output plan."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from glovego_data.atomic import MARKER
from safety_kit import World, cli, one_line
from trees import Unchanged, tree_hashes


def _package(world: World) -> Path:
    package = world.root / "package"
    assert cli("split", "--real", world.data, "--real-json", world.json, "--out", package,
               "--ratios", "0.34,0.33,0.33", "--percent", 50).exit_code == 0
    return package


def _predictions(world: World, detector: Path) -> Path:
    out = world.root / "predicted"
    result = cli("infer", "--weights", detector, world.json, "--out", out, "--device", "cpu")
    assert result.exit_code == 0, result.output
    return out / "predictions.json"


# 1. viz --predictions … --out X --overwrite deleted its inputs
def test_viz_predictions_overwrite_never_deletes_its_inputs(world: World, tiny_detector: Path):
    predictions = _predictions(world, tiny_detector)
    package = _package(world)
    images = package / "real" / "annotations" / "test.json"
    for out in (package, predictions.parent, package / "real" / "images" / "drawn"):
        with Unchanged(world.root):
            result = cli("viz", "--predictions", predictions, "--images", images, "--out", out, "--overwrite")
        assert result.exit_code == 1, result.output
        assert "choose a folder outside every input" in one_line(result)


# 2. train --output-dir into a user's folder appended rows to its metrics.csv
def test_train_refuses_a_folder_train_did_not_make_before_writing(world: World):
    mine = world.root / "experiments"
    mine.mkdir()
    (mine / "metrics.csv").write_text("step,loss\n1,0.5\n")
    with Unchanged(world.root):
        result = cli("train", "--config", "ci_tiny", "--train-json", world.json, "--output-dir", mine,
                     "--max-steps", 1, "--image-size", 64, "--batch-size", 1)
    assert result.exit_code == 1
    assert "was not made by glovego" in one_line(result)


@pytest.mark.slow
def test_train_resumes_its_own_run(world: World):
    run = world.root / "run"
    argv = ("train", "--config", "ci_tiny", "--train-json", world.json, "--output-dir", run, "--image-size", 64,
            "--batch-size", 1, "--save-every", 1)
    assert cli(*argv, "--max-steps", 1).exit_code == 0
    assert json.loads((run / MARKER).read_text())["command"] == "train"
    result = cli(*argv, "--max-steps", 2, "--resume")
    assert result.exit_code == 0, result.output


# 3. stats --plot silently replaced any file
def test_stats_plot_never_silently_replaces_a_file(world: World):
    package = _package(world)
    notes = world.root / "notes.txt"
    notes.write_text("my notes")
    with Unchanged(world.root):
        result = cli("stats", package, "--plot", notes)
    assert result.exit_code == 1
    assert one_line(result) == f"stats: {notes}: already exists (use --overwrite to replace it)"
    assert cli("stats", package, "--plot", notes, "--overwrite").exit_code == 0
    assert notes.read_bytes().startswith(b"\x89PNG")


# 4. augment-gloves OUT = a split package merged into it; export --out inside its input
def test_augment_refuses_another_commands_folder(world: World):
    package = _package(world)
    with Unchanged(world.root):
        result = cli("augment-gloves", world.data, package, "--backend", "classical")
    assert result.exit_code == 1
    assert one_line(result).endswith("was made by `glovego split`; `glovego augment-gloves` replaces only its own "
                                     "outputs: move it away or choose another output folder")


def test_export_refuses_a_file_inside_its_input(world: World, tiny_detector: Path):
    run = world.root / "run"
    shutil.copytree(tiny_detector, run / "best")
    out = run / "best" / "model.onnx"
    with Unchanged(world.root):
        result = cli("export", run, "--out", out)
    assert result.exit_code == 1
    assert one_line(result) == f"export: --out {out}: is inside the input {run}; choose a folder outside every input"


# 5. demo checked each stage's output only when that stage started
def _sample(world: World, solo_template: Path) -> Path:
    sample = world.root / "sample"
    shutil.copytree(solo_template, sample / "solo")
    (sample / "real" / "annotations").mkdir(parents=True)
    shutil.copyfile(world.json, sample / "real" / "annotations" / "all.json")
    return sample


def test_demo_plans_every_stage_before_stage_one(world: World, solo_template: Path):
    sample = _sample(world, solo_template)
    with Unchanged(world.root):
        result = cli("demo", "--sample", sample, "--out", sample / "demo_out", "--steps", 1)
    assert result.exit_code == 1
    assert "is inside the input" in one_line(result)


def test_a_failing_demo_stage_leaves_no_partial_output(world: World, solo_template: Path):
    sample = _sample(world, solo_template)
    (sample / "real" / "annotations" / "all.json").write_text("{not json")  # stage 2 fails after stage 1 wrote
    out = world.root / "demo_out"
    with Unchanged(world.root):
        result = cli("demo", "--sample", sample, "--out", out, "--steps", 1)
    assert result.exit_code == 1, result.output
    assert not out.exists() and not Path(f"{out}.tmp").exists()


# 6. symlinks in inputs were copied as symlinks into outputs
def _link(path: Path, how: str, outside: Path) -> None:
    shutil.move(path, outside)
    if how == "absolute":
        path.symlink_to(outside)
    elif how == "relative":
        path.symlink_to(os.path.relpath(outside, path.parent))
    else:
        path.symlink_to(outside.with_name("gone.png"))


def _no_links(root: Path) -> None:
    assert not [p for p in root.rglob("*") if p.is_symlink()]


@pytest.mark.parametrize("how", ["absolute", "relative", "dangling"])
def test_solo2coco_writes_linked_images_as_files(world: World, solo_template: Path, how: str):
    solo = world.root / "solo"
    shutil.copytree(solo_template, solo)
    link = solo / "sequence.0" / "step0.camera.png"
    _link(link, how, world.root / "elsewhere.png")
    out = world.root / "coco"
    result = cli("solo2coco", solo, out)
    if how == "dangling":
        assert result.exit_code == 1
        assert "sequence.0/step0.camera.png: file not found" in one_line(result)
        assert not out.exists() and not Path(f"{out}.tmp").exists()
        return
    assert result.exit_code == 0, result.output
    _no_links(out)
    assert cli("validate", out).exit_code == 0


@pytest.mark.parametrize("how", ["absolute", "relative", "dangling"])
def test_split_writes_linked_images_as_files(world: World, how: str):
    image = sorted((world.data / "images").iterdir())[0]
    _link(image, how, world.root / f"elsewhere{image.suffix}")
    before = tree_hashes(world.root)
    package = world.root / "package"
    result = cli("split", "--real", world.data, "--real-json", world.json, "--out", package,
                 "--ratios", "0.34,0.33,0.33", "--percent", 50)
    if how == "dangling":
        assert result.exit_code == 1
        line = one_line(result)
        assert image.name in line and ".tmp" not in line, line
        assert tree_hashes(world.root) == before
        return
    assert result.exit_code == 0, result.output
    _no_links(package)
    assert (package / "real" / "images" / image.name).read_bytes() == image.read_bytes()
    assert cli("validate", package).exit_code == 0
