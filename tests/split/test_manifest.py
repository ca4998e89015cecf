"""MANIFEST.json proves the package: changed, missing or extra files, an image in two splits and
broken nesting are all reported (ehoi-coco.md §12 row 30), also through `glovego validate`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from glovego_data.split.verify import validate_target as validate_path
from glovego_data.split.manifest import verify_package
from glovego_pipelines.split import run_split


@pytest.fixture
def package(tmp_path, generate) -> Path:
    generate(tmp_path / "real", videos=20, frames=3, first_id=1)
    return run_split(tmp_path / "pkg", real=tmp_path / "real", percents=(25, 50), seed=1).package


def _lines(package: Path) -> list[str]:
    return [str(v) for v in verify_package(package)]


def test_a_fresh_package_verifies_and_lists_every_file(package):
    assert _lines(package) == []
    manifest = json.loads((package / "MANIFEST.json").read_text())
    listed = {e["path"] for e in manifest["files"]}
    on_disk = {p.relative_to(package).as_posix() for p in package.rglob("*") if p.is_file()} - {"MANIFEST.json"}
    assert listed == on_disk
    assert all(len(e["sha256"]) == 64 and e["size"] > 0 for e in manifest["files"])
    assert manifest["seed"] == 1 and manifest["percents"] == [25, 50]
    assert manifest["ratios"] == {"train": 0.7, "val": 0.1, "test": 0.2}
    assert "video" in manifest["split_rule"] and manifest["group_by"] == "video"
    ids = manifest["roots"]["real"]["splits"]["test"]["image_ids"]
    test = json.loads((package / "real/annotations/test.json").read_bytes())
    assert ids == [img["id"] for img in test["images"]]


def test_changed_missing_and_extra_files_are_reported(package):
    image = sorted((package / "real/images").iterdir())[0]
    data = image.read_bytes()
    image.unlink()  # break the hard link before editing, so the source stays intact
    image.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))
    (package / "real/annotations/val_hands.json").unlink()
    (package / "real/images/stray.png").write_bytes(b"x")
    lines = _lines(package)
    assert f"real/images/{image.name}: sha256 mismatch" in lines
    assert "real/annotations/val_hands.json: listed in MANIFEST.json but missing" in lines
    assert "real/images/stray.png: not listed in MANIFEST.json" in lines
    errors = [str(v) for v in validate_path(package) if v.severity == "error"]
    assert f"real/images/{image.name}: sha256 mismatch" in errors
    assert "real/annotations/val.json: missing companion val_hands.json" in errors


def test_an_image_in_two_splits_and_broken_nesting_are_reported(package):
    ann = package / "real/annotations"
    train = json.loads((ann / "train.json").read_bytes())
    test = json.loads((ann / "test.json").read_bytes())
    leaked = train["images"][0]
    test["images"].append(leaked)
    (ann / "test.json").write_text(json.dumps(test))
    sub = json.loads((ann / "train_25.json").read_bytes())
    sub["images"].append(test["images"][0])
    (ann / "train_25.json").write_text(json.dumps(sub))
    lines = _lines(package)
    assert f"real/annotations: image {leaked['file_name']}: in both train and test" in lines
    assert "real/annotations: train_25.json is not a subset of train_50.json" in lines
    assert "real/annotations/test.json: sha256 mismatch" in lines
    assert "real/annotations/test.json: image ids differ from MANIFEST.json" in lines


def test_a_package_without_manifest_is_reported(package, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(package, copy)
    (copy / "MANIFEST.json").unlink()
    assert [str(v) for v in verify_package(copy)][0].startswith("MANIFEST.json: not found")
