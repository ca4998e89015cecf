"""Kill-and-resume gives the bytes of an uninterrupted run; bad inputs stop with a clear error."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image as PILImage
from typer.testing import CliRunner

from builders import drawn_scene, hand, polygon_of_box, write_root
from glovego_cli.main import app

VENV_BIN = Path(sys.executable).parent


def _tree(root: Path) -> dict[str, bytes]:
    skip = (".work", "augment_journal", "report.json")
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file() and not str(p.relative_to(root)).startswith(skip)}


def _scene_root(root: Path, n: int, size: tuple[int, int] = (160, 120)) -> None:
    w, h = size
    images = []
    for i in range(n):
        box = (20 + 3 * i, 30, 50, 60)
        rgb = drawn_scene(w, h, [box], seed=i)
        images.append((f"{i // 4}_{i}.png", rgb, [hand(i + 1, 0, list(box))]))
    write_root(root, images)


def _report_without_timing(out: Path) -> dict:
    report = json.loads((out / "report.json").read_text())
    report.pop("timing")
    return report


@pytest.mark.slow
def test_killed_run_resumes_to_the_same_bytes(tmp_path: Path) -> None:
    root = tmp_path / "in"
    _scene_root(root, 14, size=(480, 360))
    args = ["augment-gloves", str(root), "{out}", "--backend", "classical", "--ssim", "0.5", "--preview", "3"]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    glovego = str(VENV_BIN / "glovego")
    whole, killed = tmp_path / "whole", tmp_path / "killed"
    subprocess.run([glovego] + [a.replace("{out}", str(whole)) for a in args], check=True, env=env, capture_output=True)

    proc = subprocess.Popen([glovego] + [a.replace("{out}", str(killed)) for a in args], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    journal = killed / "augment_journal.0.jsonl"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if journal.is_file() and journal.read_bytes().count(b"\n") >= 4:  # header + 3 batches
            break
        time.sleep(0.005)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    lines_at_kill = journal.read_bytes().count(b"\n")
    assert 4 <= lines_at_kill < 15, "the run must be killed mid-way"
    assert not (killed / "annotations").exists()

    subprocess.run([glovego] + [a.replace("{out}", str(killed)) for a in args], check=True, env=env, capture_output=True)
    assert _tree(killed) == _tree(whole)
    assert _report_without_timing(killed) == _report_without_timing(whole)
    batches = [json.loads(line)["batch"] for line in journal.read_text().splitlines()[1:]]
    assert sorted(batches) == list(range(14))  # every batch exactly once: none lost, none redone
    assert json.loads((killed / "report.json").read_text())["timing"]["images_this_run"] == 14 - (lines_at_kill - 1)


def test_a_finished_dataset_carries_no_resume_cache_and_can_be_run_again(tmp_path: Path) -> None:
    root = tmp_path / "in"
    _scene_root(root, 3)
    out = tmp_path / "out"
    args = ["augment-gloves", str(root), str(out), "--backend", "classical", "--ssim", "0.5", "--preview", "2"]
    first = CliRunner().invoke(app, args)
    assert first.exit_code == 0, first.output
    assert not (out / ".work").exists()
    report = json.loads((out / "report.json").read_text())
    assert report["outcomes"]["accepted"] > 0  # so there were edited images to take from .work/
    finished = _tree(out)
    again = CliRunner().invoke(app, args)  # every batch is journalled: it merges again from images/
    assert again.exit_code == 0, again.output
    assert _tree(out) == finished and not (out / ".work").exists()


def test_other_arguments_need_restart(tmp_path: Path) -> None:
    root = tmp_path / "in"
    _scene_root(root, 2)
    out = tmp_path / "out"
    runner = CliRunner()
    base = ["augment-gloves", str(root), str(out), "--backend", "classical", "--ssim", "0.5"]
    assert runner.invoke(app, base).exit_code == 0
    result = runner.invoke(app, base[:-1] + ["0.6"])
    assert result.exit_code == 1
    assert "OUT_DIR has a journal made with other arguments (ssim); use another OUT_DIR or --restart" in result.output
    assert runner.invoke(app, base[:-1] + ["0.6", "--restart"]).exit_code == 0
    assert json.loads((out / "report.json").read_text())["ssim"]["threshold"] == 0.6


def _expect_error(tmp_path: Path, args: list[str], message: str) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["augment-gloves", str(tmp_path / "in"), str(out), *args])
    assert result.exit_code == 1, result.output
    text = " ".join(result.output.split())
    assert text.startswith("augment-gloves: ") and message in text, result.output
    assert "Traceback" not in result.output
    assert not (out / "annotations").exists()
    assert not list(out.glob("*.jsonl")) if out.exists() else True


def test_bad_inputs(tmp_path: Path) -> None:
    root = tmp_path / "in"
    _scene_root(root, 3)
    ann = root / "annotations" / "all.json"
    classical = ["--backend", "classical"]
    _expect_error(tmp_path, ["--ssim", "0", *classical], "--ssim must be in (0, 1]; got 0")
    _expect_error(tmp_path, ["--ssim", "1.5", *classical], "--ssim must be in (0, 1]; got 1.5")
    _expect_error(tmp_path, ["--backend", "sdxl"], "--backend must be one of flux-kontext, flux-kontext-inpaint, classical; got 'sdxl'")
    inpaint = ["--backend", "flux-kontext-inpaint", "--model", str(tmp_path / "no-such-dir")]
    _expect_error(tmp_path, inpaint, "accept the licence for black-forest-labs/FLUX.1-Kontext-dev")
    _expect_error(tmp_path, ["--model", str(tmp_path / "no-such-dir")], f"--model {tmp_path / 'no-such-dir'}: not found (no model_index.json)")
    _expect_error(tmp_path, ["--model", str(tmp_path / "no-such-dir")], "accept the licence for black-forest-labs/FLUX.1-Kontext-dev")

    (root / "images" / "0_1.png").write_bytes(b"not a png")
    _expect_error(tmp_path, classical, f"{ann}: image 2: cannot decode image")
    (root / "images" / "0_1.png").unlink()
    _expect_error(tmp_path, classical, f"{ann}: image 2: file not found: images/0_1.png")
    PILImage.fromarray(np.zeros((10, 10, 3), np.uint8)).save(root / "images" / "0_1.png")
    _expect_error(tmp_path, classical, f"{ann}: image 2: file is 10×10, JSON says 160×120")

    raw = json.loads(ann.read_text())
    raw["annotations"][0]["image_id"] = 99
    ann.write_text(json.dumps(raw))
    _expect_error(tmp_path, classical, f"{ann}: annotation {raw['annotations'][0]['id']}: image_id 99 is not in images")
    ann.unlink()
    _expect_error(tmp_path, classical, f"{root}: no EHOI-COCO annotations found (annotations/*.json)")
    result = CliRunner().invoke(app, ["augment-gloves", str(root), str(root), *classical])
    assert result.exit_code == 1 and f"OUT_DIR {root}: is the input {root}" in result.output


def test_add_mode_lossless_and_mask_regions(tmp_path: Path) -> None:
    from glovego_data.ehoi_coco import load_dataset
    from glovego_pipelines.augment_gloves import AugmentOptions, run_augment

    root = tmp_path / "in"
    rgb = drawn_scene(160, 120, [(30, 30, 50, 60)], seed=3)
    hand_ann = hand(7, 0, [30, 30, 50, 60], segmentation=polygon_of_box(34, 34, 42, 52))
    gloved = hand(8, 0, [100, 30, 40, 40], gloves=1)
    write_root(root, [("5_1.jpg", rgb, [hand_ann, gloved]), ("6_1.png", drawn_scene(160, 120, [], seed=4), [])])
    (root / "depth_maps").mkdir()
    (root / "depth_maps" / "map_1.png").write_bytes(b"depth")
    src = load_dataset(root / "annotations" / "all.json")
    obj = next(a for a in src.annotations if not src.is_hand(a))
    out = tmp_path / "out"
    run_augment(root, out, AugmentOptions(backend="classical", ssim=0.5, mode="add", lossless=True, glove_color="blue-nitrile"))
    data = load_dataset(out / "annotations" / "all.json")
    assert (out / "depth_maps" / "map_1.png").read_bytes() == b"depth"
    names = sorted(i.file_name for i in data.images)
    assert names == ["5_1-glove.png", "5_1.jpg", "6_1.png"]
    copy = next(i for i in data.images if i.file_name == "5_1-glove.png")
    orig = next(i for i in data.images if i.file_name == "5_1.jpg")
    assert copy.id == 3 and copy.video == orig.video and copy.glove_edit["status"] == "accepted"
    assert (out / "images" / "5_1.jpg").read_bytes() == (root / "images" / "5_1.jpg").read_bytes()
    copies = sorted((a for a in data.annotations if a.image_id == copy.id), key=lambda a: a.id)
    assert [a.id for a in copies] == [max(a.id for a in src.annotations) + i for i in (1, 2, 3)]
    by_old = {a.id: a for a in src.annotations}
    assert [(a.gloves) for a in copies if data.is_hand(a)] == [1, 1]  # edited hand gloved; gloved one stays 1
    assert [a.gloves for a in data.annotations if a.image_id == orig.id and data.is_hand(a)] == [0, 1]
    assert copy.glove_edit["hands"][0]["region"] == "mask" and copy.glove_edit["hands"][0]["id"] == 7
    assert by_old[obj.id].bbox == next(a for a in copies if not data.is_hand(a)).bbox
    assert data.info["ehoi"]["glove_augmentation"]["glove_color"] == [48, 98, 196]
    pixels = np.asarray(PILImage.open(out / "images" / "5_1-glove.png"))
    mean = pixels[40:80, 40:70].reshape(-1, 3).mean(axis=0)
    assert mean[2] > mean[0] + 40  # blue nitrile


def test_progress_reports_checking_editing_and_merging(tmp_path: Path) -> None:
    """The shared progress hook sees the three tasks with their totals, each finished."""
    from glovego_pipelines.augment_gloves import AugmentOptions, run_augment

    root = tmp_path / "in"
    _scene_root(root, 3)
    seen: dict[str, list[int]] = {}

    def progress(label: str, total: int):
        seen[label] = [total, 0]
        return lambda n: seen[label].__setitem__(1, seen[label][1] + n)

    run_augment(root, tmp_path / "out", AugmentOptions(backend="classical", ssim=0.5), progress)
    assert seen == {"checking inputs": [3, 3], "editing": [3, 3], "merging": [1, 1]}


def test_every_split_file_is_updated_consistently(tmp_path: Path) -> None:
    """An image in train.json and train_10.json: one edit, the same labels and new ids in both."""
    from glovego_data.ehoi_coco import EhoiDataset, load_dataset, save_dataset
    from glovego_pipelines.augment_gloves import AugmentOptions, run_augment

    root = tmp_path / "in"
    rgb = drawn_scene(160, 120, [(30, 30, 50, 60)], seed=5)
    full = write_root(root, [("7_1.jpg", rgb, [hand(3, 0, [30, 30, 50, 60], segmentation=polygon_of_box(33, 33, 44, 54))]),
                             ("7_2.png", drawn_scene(160, 120, [], seed=6), [])], split="train")
    save_dataset(full.subset([1]), root / "annotations" / "train_10.json")
    out = tmp_path / "out"
    report = run_augment(root, out, AugmentOptions(backend="classical", ssim=0.5, mode="add"))
    assert report["selected"] == 1 and report["outcomes"]["accepted"] == 1
    train = load_dataset(out / "annotations" / "train.json")
    small = load_dataset(out / "annotations" / "train_10.json")
    assert (out / "annotations" / "train_10_hands.json").is_file()

    def pick(ds: "EhoiDataset") -> list:
        return sorted((i.id, i.file_name, i.glove_edit and i.glove_edit["status"]) for i in ds.images)

    assert pick(small) == [(1, "7_1.jpg", "accepted"), (3, "7_1-glove.jpg", "accepted")]
    assert set(pick(small)) < set(pick(train))

    def hands(ds: "EhoiDataset") -> list:
        return sorted((a.id, a.image_id, a.gloves) for a in ds.hands())

    assert hands(small) == hands(train) == [(3, 1, 0), (1003, 3, 1)]
    edit = next(i.glove_edit for i in small.images if i.id == 3)
    assert edit["jpeg_reencoded"] is True
    with PILImage.open(out / "images" / "7_1-glove.jpg") as jpeg:
        from PIL import JpegImagePlugin

        assert jpeg.format == "JPEG" and JpegImagePlugin.get_sampling(jpeg) == 0  # 4:4:4
