"""A whole package from generated roots: determinism, nesting, no leaks, stratification,
--keep-split, one category list everywhere, and `glovego validate` accepting the result."""

from __future__ import annotations

import json
from pathlib import Path

from pycocotools.coco import COCO

from glovego_data.ehoi_coco import load_dataset, save_dataset
from glovego_data.split.verify import validate_target as validate_path
from glovego_data.split.subsets import STRATIFY_TOLERANCE
from glovego_pipelines.split import run_split

SPLITS = ("train", "val", "test")


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _names(package: Path, root: str, split: str) -> set[str]:
    return {img.file_name for img in load_dataset(package / root / "annotations" / f"{split}.json").images}


def test_same_inputs_and_seed_give_a_byte_identical_package(roots, tmp_path):
    synth, real, _, _ = roots
    a = run_split(tmp_path / "a", synth=synth, real=real, seed=11).package
    b = run_split(tmp_path / "b", synth=synth, real=real, seed=11).package
    files_a, files_b = _files(a), _files(b)
    assert "MANIFEST.json" in files_a and "real/annotations/train_10_hands.json" in files_a
    assert files_a == files_b
    c = run_split(tmp_path / "c", synth=synth, real=real, seed=12).package
    assert (c / "real/annotations/test.json").read_bytes() != files_a["real/annotations/test.json"]
    assert not (tmp_path / "a.tmp").exists()


def test_splits_are_leak_free_nested_and_valid(roots, tmp_path):
    synth, real, t_synth, t_real = roots
    package = run_split(tmp_path / "pkg", synth=synth, real=real, percents=(10, 25, 50)).package
    assert [v for v in validate_path(package) if v.severity == "error"] == []
    for root, truth in (("synth", t_synth), ("real", t_real)):
        names = {s: _names(package, root, s) for s in (*SPLITS, "train_10", "train_25", "train_50")}
        assert names["train"] | names["val"] | names["test"] == set(truth.hands)
        for i, a in enumerate(SPLITS):
            for b in SPLITS[i + 1 :]:
                assert not names[a] & names[b]
                assert not {truth.video[n] for n in names[a]} & {truth.video[n] for n in names[b]}, "a video straddles splits"
        assert names["train_10"] <= names["train_25"] <= names["train_50"] <= names["train"]
        assert abs(len(names["train"]) / len(truth.hands) - 0.7) < 0.03
        for split in ("train", "test", "train_10"):
            ds = load_dataset(package / root / "annotations" / f"{split}_hands.json")
            assert all(ds.is_hand(a) for a in ds.annotations)
        coco = COCO(str(package / root / "annotations" / "test.json"))
        assert len(coco.getImgIds()) == len(names["test"])
    for root in ("synth", "real"):
        image = next((package / root / "images").iterdir())
        assert image.stat().st_nlink >= 2, "images are hard-linked, not duplicated"


def test_subsets_keep_the_gloved_and_contact_proportions(roots, tmp_path):
    _, real, _, _ = roots
    report = run_split(tmp_path / "pkg", real=real, percents=(10, 25, 50), seed=3)
    splits = report.manifest["roots"]["real"]["splits"]
    train = splits["train"]
    for p in (10, 25, 50):
        subset = splits[f"train_{p}"]
        assert abs(subset["gloved_fraction"] - train["gloved_fraction"]) <= STRATIFY_TOLERANCE
        assert abs(subset["contact_fraction"] - train["contact_fraction"]) <= STRATIFY_TOLERANCE
        assert abs(subset["achieved_percent"] - p) <= 1.5
    assert report.notes == []


def test_keep_split_fixes_images_and_their_videos_follow(roots, tmp_path):
    _, real, _, t_real = roots
    listed = ["10_1000.png", "11_1002.png", "57_1003.png"]
    keep_list = tmp_path / "official_test.json"
    keep_list.write_text(json.dumps(listed))
    val_file = tmp_path / "val_list" / "annotations" / "val.json"
    full = load_dataset(real / "annotations" / "all.json")
    save_dataset(full.subset([img.id for img in full.images if img.file_name.startswith("20_")]), val_file)
    package = run_split(tmp_path / "pkg", real=real, keep_split=(f"test={keep_list}", f"val={val_file}"), seed=4).package
    test, val = _names(package, "real", "test"), _names(package, "real", "val")
    for video in ("10", "11", "57"):
        assert {n for n, v in t_real.video.items() if v == video} <= test
    assert {n for n, v in t_real.video.items() if v == "20"} <= val
    manifest = json.loads((package / "MANIFEST.json").read_text())
    assert manifest["keep_split"]["test"]["images"] == 3


def test_category_ids_are_one_union_list_in_every_file(tmp_path, generate):
    synth, real = tmp_path / "synth", tmp_path / "real"
    t_synth = generate(synth, videos=10, frames=2, synthetic=True, objects=("socket", "pliers"))
    t_real = generate(real, videos=10, frames=2, first_id=501, objects=("oscilloscope", "pliers", "welder base"))
    package = run_split(tmp_path / "pkg", synth=synth, real=real).package
    expected = [[0, "socket"], [1, "pliers"], [2, "oscilloscope"], [3, "welder base"], [4, "hand"]]
    files = sorted(package.glob("*/annotations/*.json"))
    assert len(files) == 2 * 12
    for path in files:
        raw = json.loads(path.read_bytes())
        assert [[c["id"], c["name"]] for c in raw["categories"]] == expected, path
    for root, truth in (("synth", t_synth), ("real", t_real)):
        for split in SPLITS:
            ds = load_dataset(package / root / "annotations" / f"{split}.json")
            names = ds.category_by_id()
            for ann in ds.annotations:
                assert names[ann.category_id].name == truth.category_of_annotation[ann.id]
                active = ds.active_object(ann) if ds.is_hand(ann) else None
                if active is not None:
                    assert ann.category_id_obj == active.category_id
    assert [v for v in validate_path(package) if v.severity == "error"] == []


def test_depth_files_travel_with_their_images(tmp_path):
    from glovego_data.toy_scenes import generate_toy_dataset

    generate_toy_dataset(tmp_path / "synth", n_images=8, size=(64, 64), split="all", with_masks=False)
    package = run_split(tmp_path / "pkg", synth=tmp_path / "synth", percents=(50,)).package
    for image in load_dataset(package / "synth/annotations/train.json").images:
        assert (package / "synth" / image.depth_file).is_file()
        assert (package / "synth/depth_maps" / f"map_{image.id}.png").is_file()
    assert len(list((package / "synth/depth_mm").iterdir())) == 8
    assert [v for v in validate_path(package) if v.severity == "error"] == []


def test_a_solo2coco_export_packages_and_validates(tmp_path):
    """The real chain: a generated SOLO export → solo2coco → split; Unity sequences stay whole."""
    from glovego_data.solo.convert import ConvertOptions, convert_solo
    from glovego_data.solo.generator import generate_solo
    from glovego_data.solo.mapping import load_mapping

    generate_solo(tmp_path / "solo", sequences=6, steps=2, width=128, height=96, seed=0)
    convert_solo(tmp_path / "solo", tmp_path / "synth", ConvertOptions(mapping=load_mapping(None)))
    source = load_dataset(tmp_path / "synth/annotations/all.json")
    package = run_split(tmp_path / "pkg", synth=tmp_path / "synth", percents=(50,), group_by="sequence").package
    assert [v for v in validate_path(package) if v.severity == "error"] == []
    seen: dict[str, str] = {}
    for split in SPLITS:
        for image in load_dataset(package / "synth/annotations" / f"{split}.json").images:
            sequence = f"{image.solo['dataset']}/sequence.{image.solo['sequence']}"
            assert seen.setdefault(sequence, split) == split, "a Unity sequence straddles two splits"
            assert (package / "synth" / image.depth_file).is_file()
    assert len(seen) == 6
    hands = sum(len(list(load_dataset(package / "synth/annotations" / f"{s}.json").hands())) for s in SPLITS)
    assert hands == len(list(source.hands()))
