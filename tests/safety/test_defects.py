"""One test per data-destroying defect of issue 11 (items 1, 2, 5, 6 and `--name` of 10): the exact
message, and nothing outside the output (nor of the input) changed."""

from __future__ import annotations

import errno
import json
import shutil
from pathlib import Path

import pytest

from safety_kit import World, cli, one_line
from trees import Unchanged, tree_hashes


# ----- item 1: names that leave the dataset ------------------------------------------------------

def test_augment_absolute_file_name_deletes_nothing(world: World):
    name = world.poison("absolute")
    out = world.root / "aug"
    with Unchanged(world.root, skip=(out,)):
        result = cli("augment-gloves", world.data, out, "--backend", "classical")
    assert result.exit_code == 1
    assert one_line(result) == (f"augment-gloves: {world.json}: image 1: file_name '{name}' is an absolute path; "
                                f"it must name a file inside {world.data / 'images'}")
    assert world.secret.is_file()
    assert not out.exists()


def test_augment_dotdot_file_name_writes_nothing_outside(world: World):
    world.poison("dotdot")
    out = world.root / "aug"
    with Unchanged(world.root, skip=(out,)):
        result = cli("augment-gloves", world.data, out, "--backend", "classical")
    assert result.exit_code == 1
    assert one_line(result) == (f"augment-gloves: {world.json}: image 1: file_name '../../secret.png' leaves its "
                                f"folder ('..', '.' or an empty part); it must name a file inside {world.data / 'images'}")


def test_link_or_copy_never_unlinks_its_source(tmp_path: Path):
    from glovego_data.atomic import link_or_copy

    source = tmp_path / "photo.png"
    source.write_bytes(b"precious")
    assert link_or_copy(source, source)  # an absolute file_name made src == dst
    assert source.read_bytes() == b"precious"
    twin = tmp_path / "twin.png"
    link_or_copy(source, twin)
    assert link_or_copy(twin, source) and source.read_bytes() == b"precious"


@pytest.mark.parametrize("command", ["viz", "infer", "eval", "train"])
def test_readers_refuse_outside_names(world: World, tiny_detector: Path, command: str):
    name = world.poison("absolute")
    out = world.root / "out"
    argv = {
        "viz": ("viz", world.json, "--out", out),
        "infer": ("infer", "--weights", tiny_detector, world.json, "--out", out, "--device", "cpu"),
        "eval": ("eval", "--gt", world.json, "--weights", tiny_detector, "--out", out, "--device", "cpu"),
        "train": ("train", "--config", "ci_tiny", "--train-json", world.json, "--output-dir", out, "--max-steps", 1),
    }[command]
    with Unchanged(world.root, skip=(out,)):
        result = cli(*argv)
    assert result.exit_code == 1
    inside = "images/" if command in ("eval", "train") else world.data / "images"  # those two check like validate first
    expected = f"{command}: {world.json}: image 1: file_name '{name}' is an absolute path; it must name a file inside {inside}"
    assert one_line(result) == expected
    assert not out.exists() or command == "train"


def test_solo2coco_refuses_a_filename_outside_the_export(tmp_path: Path, solo_template: Path):
    solo = tmp_path / "solo"
    shutil.copytree(solo_template, solo)
    outside = tmp_path / "outside.png"
    frame = sorted(solo.rglob("step0.frame_data.json"))[0]
    shutil.copyfile(frame.parent / json.loads(frame.read_text())["captures"][0]["filename"], outside)
    raw = json.loads(frame.read_text())
    raw["captures"][0]["filename"] = "../../outside.png"
    frame.write_text(json.dumps(raw))
    out = tmp_path / "coco"
    with Unchanged(tmp_path, skip=(out,)):
        result = cli("solo2coco", solo, out)
    assert result.exit_code == 1
    rel = frame.relative_to(solo).as_posix()
    assert one_line(result) == (f"solo2coco: {rel}: capture '{raw['captures'][0]['id']}': filename '../../outside.png' "
                                f"leaves its folder ('..', '.' or an empty part); it must name a file inside {frame.parent}")
    assert not out.exists()


def test_solo2coco_name_stays_inside_out_dir(tmp_path: Path, solo_template: Path):
    out = tmp_path / "a" / "coco"
    with Unchanged(tmp_path, skip=(out,)):
        result = cli("solo2coco", solo_template, out, "--name", "../../evil")
    assert result.exit_code == 1
    assert one_line(result) == ("solo2coco: --name '../../evil' leaves its folder ('..', '.' or an empty part); "
                                "it names annotations/<name>.json inside OUT_DIR")
    assert not (tmp_path / "evil.json").exists() and not out.exists()


# ----- item 2: an output equal to, or holding, an input ------------------------------------------

def test_viz_out_equal_to_its_input_is_refused(world: World):
    with Unchanged(world.root):
        result = cli("viz", world.data, "--out", world.data, "--overwrite")
    assert result.exit_code == 1
    assert one_line(result) == (f"viz: --out {world.data}: is the input {world.data}; choose a folder outside every input")


def test_viz_out_inside_its_input_is_refused(world: World):
    images = world.data / "images"
    with Unchanged(world.root):
        result = cli("viz", world.data, "--out", images, "--overwrite")
    assert result.exit_code == 1
    assert one_line(result) == f"viz: --out {images}: is inside the input {world.data}; choose a folder outside every input"


def test_viz_json_input_out_on_its_images_is_refused(world: World):
    images = world.data / "images"
    with Unchanged(world.root):
        result = cli("viz", world.json, "--out", images, "--overwrite")
    assert result.exit_code == 1
    assert one_line(result) == (f"viz: --out {images}: is the input {images.resolve()}; "
                                "choose a folder outside every input")


def test_infer_out_equal_to_its_frames_is_refused(world: World, tiny_detector: Path):
    frames = world.data / "images"
    with Unchanged(world.root):
        result = cli("infer", "--weights", tiny_detector, frames, "--out", frames, "--overwrite", "--device", "cpu")
    assert result.exit_code == 1
    assert one_line(result) == f"infer: --out {frames}: is the input {frames}; choose a folder outside every input"


def test_split_out_equal_to_its_real_root_is_refused(world: World):
    with Unchanged(world.root):
        result = cli("split", "--real", world.data, "--real-json", world.json, "--out", world.data, "--overwrite")
    assert result.exit_code == 1
    assert one_line(result) == f"split: --out {world.data}: is the input {world.data}; choose a folder outside every input"


def test_overwrite_leaves_a_folder_glovego_did_not_make(world: World):
    mine = world.root / "mine"
    mine.mkdir()
    (mine / "thesis.tex").write_text("years of work")
    with Unchanged(world.root):
        result = cli("viz", world.data, "--out", mine, "--overwrite")
    assert result.exit_code == 1
    assert one_line(result) == (f"viz: {mine}: already exists and was not made by glovego (no .glovego-output in it); "
                                "it is left alone: move it away or choose another output folder")


def test_overwrite_replaces_our_own_output(world: World):
    out = world.root / "viz"
    assert cli("viz", world.data, "--out", out).exit_code == 0
    first = tree_hashes(out)
    with Unchanged(world.root, skip=(out,)):
        assert cli("viz", world.data, "--out", out, "--overwrite").exit_code == 0
    assert tree_hashes(out) == first
    assert sorted(p.name for p in world.root.iterdir()) == ["data", "secret.png", "viz"]  # no .old, no .tmp left


# ----- item 5: eval writes all its files or none --------------------------------------------------

def test_eval_fault_leaves_no_curves_without_metrics(world: World, tmp_path: Path, monkeypatch):
    import glovego_data.atomic as atomic

    predictions = tmp_path / "pred.json"
    predictions.write_text("[]")
    out = world.root / "eval"
    real, calls = atomic.atomic_write_bytes, []

    def third_write_fails(path, data):
        calls.append(path)
        if len(calls) == 3:
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        real(path, data)

    monkeypatch.setattr(atomic, "atomic_write_bytes", third_write_fails)
    monkeypatch.setattr("glovego_pipelines.evaluate.atomic_write_bytes", third_write_fails)
    with Unchanged(world.root, skip=(out,)):
        result = cli("eval", "--gt", world.json, "--predictions", predictions, "--out", out)
    assert result.exit_code == 1
    assert one_line(result) == (f"eval: {calls[2]}: no space left on the device; free some space and run the same "
                                "command again")
    assert not out.exists() and not Path(f"{out}.tmp").exists()


# ----- item 6: a user's `<OUT>.tmp` -------------------------------------------------------------

def _users_tmp(out: Path) -> Path:
    folder = Path(f"{out}.tmp")
    folder.mkdir(parents=True)
    (folder / "notes.txt").write_text("mine, not glovego's")
    return folder


@pytest.mark.parametrize("command", ["viz", "split", "solo-generate", "solo2coco", "infer", "eval"])
def test_a_users_tmp_folder_is_never_deleted(world: World, solo_template: Path, tiny_detector: Path, command: str):
    out = world.root / "out"
    folder = _users_tmp(out)
    argv = {
        "viz": ("viz", world.data, "--out", out),
        "split": ("split", "--real", world.data, "--real-json", world.json, "--out", out),
        "solo-generate": ("solo-generate", out, "--sequences", 1, "--steps", 1, "--width", 64, "--height", 48),
        "solo2coco": ("solo2coco", solo_template, out),
        "infer": ("infer", "--weights", tiny_detector, world.json, "--out", out, "--device", "cpu"),
        "eval": ("eval", "--gt", world.json, "--weights", tiny_detector, "--out", out, "--device", "cpu"),
    }[command]
    with Unchanged(world.root):
        result = cli(*argv)
    assert result.exit_code == 1
    assert one_line(result) == (f"{command}: {folder}: is in the way of the staging folder and was not made by "
                                "glovego (no .glovego-output in it); it is left alone: move it away or choose another "
                                "output folder")


def test_augment_a_replaced_journal_cannot_write_outside_out_dir(world: World):
    out = world.root / "aug"
    assert cli("augment-gloves", world.data, out, "--backend", "classical", "--ssim", 0.01).exit_code == 0
    journal = sorted(out.glob("augment_journal.*.jsonl"))
    lines = journal[0].read_text().splitlines()
    records = [json.loads(line) for line in lines]
    batch = next(r for r in records if r.get("images"))
    batch["images"][0]["output"] = "../../evil.png"
    journal[0].write_text("\n".join(json.dumps(r) for r in records) + "\n")
    with Unchanged(world.root, skip=(out,)):
        result = cli("augment-gloves", world.data, out, "--backend", "classical", "--ssim", 0.01)
    assert result.exit_code == 1
    assert one_line(result) == (f"augment-gloves: {journal[0]}: batch {batch['batch']}: output '../../evil.png' leaves "
                                "its folder ('..', '.' or an empty part); run again with --restart")


def test_validate_never_reads_a_manifest_path_outside_the_package(world: World):
    package = world.root / "package"
    assert cli("split", "--real", world.data, "--real-json", world.json, "--out", package,
               "--ratios", "0.34,0.33,0.33", "--percent", 50).exit_code == 0
    manifest = json.loads((package / "MANIFEST.json").read_text())
    manifest["files"].append({"path": "../secret.png", "size": world.secret.stat().st_size, "sha256": "0" * 64})
    (package / "MANIFEST.json").write_text(json.dumps(manifest))
    with Unchanged(world.root):
        result = cli("validate", package)
    assert result.exit_code == 1
    assert ("../secret.png: MANIFEST.json path leaves its folder ('..', '.' or an empty part); it must name a file "
            "inside the package") in " ".join(result.output.split())
