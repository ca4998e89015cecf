"""Inputs a package cannot be built from: a clear error naming the problem, and nothing written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from glovego_data.ehoi_coco import EhoiDataset, build_categories, load_dataset, make_info, save_dataset
from glovego_data.errors import GlovegoError
from glovego_pipelines.split import run_split


def _nothing_written(out: Path) -> None:
    assert not out.exists() and not out.with_name(out.name + ".tmp").exists()


def test_overlapping_image_ids_between_synth_and_real(tmp_path, generate):
    generate(tmp_path / "synth", videos=3, frames=2, synthetic=True)
    generate(tmp_path / "real", videos=3, frames=2, first_id=5)
    out = tmp_path / "pkg"
    with pytest.raises(GlovegoError, match=r"share 2 image id\(s\) \(first: 5, 6\); image ids must be unique "
                       r"across synth and real — shift the real ids with --real-id-offset 10$"):
        run_split(out, synth=tmp_path / "synth", real=tmp_path / "real")
    _nothing_written(out)
    report = run_split(out, synth=tmp_path / "synth", real=tmp_path / "real", real_id_offset=10)
    real_ids = [i for s in ("train", "val", "test") for i in report.manifest["roots"]["real"]["splits"][s]["image_ids"]]
    assert sorted(real_ids) == list(range(15, 21))
    ds = load_dataset(out / "real/annotations/train.json")
    assert all(img.orig_id == img.id - 10 for img in ds.images)
    assert all(ann.image_id in {img.id for img in ds.images} for ann in ds.annotations)


@pytest.mark.parametrize("percent", [0, 100, 150, -5])
def test_percentages_outside_0_100(tmp_path, generate, percent):
    generate(tmp_path / "real", videos=3, frames=2)
    out = tmp_path / "pkg"
    with pytest.raises(GlovegoError, match=rf"--percent must lie strictly between 0 and 100 .*got {percent}$"):
        run_split(out, real=tmp_path / "real", percents=(10, percent))
    _nothing_written(out)


def test_bad_ratios_and_group_mode(tmp_path, generate):
    generate(tmp_path / "real", videos=3, frames=2)
    with pytest.raises(GlovegoError, match="--ratios must be three numbers"):
        run_split(tmp_path / "pkg", real=tmp_path / "real", ratios="0.8,0.1")
    with pytest.raises(GlovegoError, match="--group-by must be one of video, sequence, none"):
        run_split(tmp_path / "pkg", real=tmp_path / "real", group_by="day")
    _nothing_written(tmp_path / "pkg")


def test_a_group_larger_than_a_subset_is_explained_and_the_nearest_achievable_taken(tmp_path, generate):
    # train = the 60-frame video "10" + two 10-frame videos; 10 % and 50 % of 80 cannot be met exactly
    generate(tmp_path / "real", videos=6, frames=0, sizes=[60, 6, 6, 10, 10, 8])
    report = run_split(tmp_path / "pkg", real=tmp_path / "real", percents=(10, 50), ratios="0.8,0.1,0.1")
    splits = report.manifest["roots"]["real"]["splits"]
    assert splits["train"]["images"] == 80 and "10" in splits["train"]["group_keys"]
    assert splits["train_10"]["images"] == 10  # nearest achievable to 8 images without splitting a video
    assert splits["train_50"]["images"] == 20  # 20 is nearer to 40 than 80 (the big video)
    assert splits["train_50"]["achieved_percent"] == 25.0
    assert set(splits["train_10"]["group_keys"]) <= set(splits["train_50"]["group_keys"])
    expected = ("train_50: asked for 50 % = 40 of 80 train images, but groups are never split (largest '10': "
                "60 images, smallest '13': 10); took the nearest achievable: 20 images (25.0 %)")
    assert expected in report.notes, report.notes
    assert any(n.startswith("train_10: asked for 10 % = 8 of 80") for n in report.notes)


def test_an_empty_input(tmp_path):
    root = tmp_path / "real"
    (root / "images").mkdir(parents=True)
    save_dataset(EhoiDataset([], build_categories(["pliers"]), [], make_info(command="test")), root / "annotations" / "all.json")
    out = tmp_path / "pkg"
    with pytest.raises(GlovegoError, match=r"all\.json: no images — an empty input cannot be split"):
        run_split(out, real=root)
    _nothing_written(out)


def test_missing_inputs_files_and_kept_names(tmp_path, generate):
    out = tmp_path / "pkg"
    with pytest.raises(GlovegoError, match="give --synth SYNTH_DIR, --real REAL_DIR or both"):
        run_split(out)
    with pytest.raises(GlovegoError, match="--real must be a dataset root folder"):
        run_split(out, real=tmp_path / "nowhere")
    generate(tmp_path / "real", videos=3, frames=2)
    with pytest.raises(GlovegoError, match=r"annotation file not found \(use --real-json"):
        run_split(out, real=tmp_path / "real", real_json=tmp_path / "real/annotations/x.json")
    keep = tmp_path / "keep.json"
    keep.write_text(json.dumps(["10_1000.png", "99_1.png"]))
    with pytest.raises(GlovegoError, match=r"--keep-split: 1 image\(s\) of the kept lists are in no input \(first: 99_1.png\)"):
        run_split(out, real=tmp_path / "real", keep_split=(f"test={keep}",))
    keep.write_text(json.dumps({"test": ["10_1000.png"]}))
    with pytest.raises(GlovegoError, match="expected a JSON list of image file names or an EHOI-COCO file with 'images'"):
        run_split(out, real=tmp_path / "real", keep_split=(f"test={keep}",))
    with pytest.raises(GlovegoError, match="--keep-split must look like test=FILE"):
        run_split(out, real=tmp_path / "real", keep_split=(str(keep),))
    (tmp_path / "real/images/11_1001.png").unlink()
    with pytest.raises(GlovegoError, match=r"1 image file\(s\) named in all.json not found \(first: 11_1001.png\)"):
        run_split(out, real=tmp_path / "real")
    _nothing_written(out)


def test_an_invalid_annotation_file_is_refused_before_writing(tmp_path, generate):
    generate(tmp_path / "real", videos=3, frames=2)
    path = tmp_path / "real/annotations/all.json"
    raw = json.loads(path.read_bytes())
    raw["annotations"][0]["category_id"] = 42
    path.write_text(json.dumps(raw))
    with pytest.raises(GlovegoError, match=r"not valid EHOI-COCO \(2 error\(s\); first: annotation 1: category_id 42 is not in categories\)"):
        run_split(tmp_path / "pkg", real=tmp_path / "real")
    _nothing_written(tmp_path / "pkg")


def test_an_existing_output_needs_overwrite(tmp_path, generate):
    generate(tmp_path / "real", videos=4, frames=2)
    out = tmp_path / "pkg"
    run_split(out, real=tmp_path / "real")
    with pytest.raises(GlovegoError, match="already exists"):
        run_split(out, real=tmp_path / "real", seed=2)
    before = (out / "MANIFEST.json").read_bytes()
    run_split(out, real=tmp_path / "real", seed=2, overwrite=True)
    assert (out / "MANIFEST.json").read_bytes() != before
